/**
 * sqpoll-wakeups: an io_uring ring with a kernel submission thread (SQPOLL) found that thread
 * asleep at most submissions: each batch of requests needed io_uring_enter(SQ_WAKEUP). Batches are
 * the SQ thread's submissions grouped by time. Impact: the wake-up calls plus the delay from each
 * wake-up to the SQ thread's next submission.
 */
import type { SyscallEvent, UringEvent } from '../../model/events';
import { IORING_ENTER_SQ_WAKEUP, uringEnterFlagsName } from '../../model/names';
import { formatDuration } from '../../../../../shared/format';
import { SQPOLL_FIX } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

/** SQ-thread submissions closer than this are one batch. */
const BATCH_GAP_NS = 50_000;
const MIN_WAKEUPS = 8;
/** A submission this long after a wake-up is not its answer. */
const ANSWER_NS = 10e6;

interface Ring {
  readonly ring: string;
  pid: number;
  tid: number;
  stackId: bigint;
  wakeups: number;
  wakeNs: number;
  delayNs: number;
  batches: number;
  sqRequests: number;
  lastSubmit: number;
  /** Ends of wake-up calls not yet answered by a submission. */
  readonly unanswered: number[];
  readonly top: TopEvents;
}

/** The sqpoll-wakeups rule. */
export class SqpollWakeupsRule {
  private readonly rings = new Map<string, Ring>();

  private of(ring: string, pid: number, tid: number): Ring {
    let r = this.rings.get(ring);
    if (!r) {
      r = { ring, pid, tid, stackId: 0n, wakeups: 0, wakeNs: 0, delayNs: 0, batches: 0, sqRequests: 0, lastSubmit: Number.NEGATIVE_INFINITY, unanswered: [], top: new TopEvents(50) };
      this.rings.set(ring, r);
    }
    return r;
  }

  /** A finished io_uring_enter. */
  enter(e: SyscallEvent, id: number): void {
    if (e.unfinished || typeof e.args.flags !== 'string' || !e.args.flags.split('|').includes(uringEnterFlagsName(IORING_ENTER_SQ_WAKEUP))) return;
    const r = this.of(typeof e.args.ring === 'string' ? e.args.ring : `${e.pid}:fd${String(e.args.fd)}`, e.pid, e.tid);
    r.wakeups++;
    r.wakeNs += e.dur;
    r.pid = e.pid;
    r.tid = e.tid;
    if (!r.stackId) r.stackId = e.stackId;
    r.top.add(id, e.dur);
    r.unanswered.push(e.ts + e.dur);
    if (r.unanswered.length > 64) r.unanswered.shift();
  }

  /** A request completed: those the SQ thread submitted count its batches. */
  request(e: UringEvent): void {
    if (!e.sqThread || e.submitTs === null) return;
    const r = this.of('0x' + e.ring.toString(16), e.pid, e.tid);
    r.sqRequests++;
    if (Math.abs(e.submitTs - r.lastSubmit) > BATCH_GAP_NS) r.batches++;
    r.lastSubmit = Math.max(r.lastSubmit, e.submitTs);
    const i = r.unanswered.findIndex((end) => end <= (e.submitTs as number) && (e.submitTs as number) - end < ANSWER_NS);
    if (i >= 0) {
      r.delayNs += e.submitTs - r.unanswered[i];
      r.unanswered.splice(0, i + 1);
    }
  }

  /** Findings. */
  findings(ctx: AnalysisContext): RawFinding[] {
    const out: RawFinding[] = [];
    for (const r of this.rings.values()) {
      // no submission of the SQ thread seen (a ptrace recording sees no io_uring request): no batches to weigh the wake-ups against
      if (r.batches === 0 || r.wakeups < MIN_WAKEUPS || r.wakeups < 0.5 * r.batches) continue;
      const t = ctx.threads.get(r.pid, r.tid);
      const impact = r.wakeNs + r.delayNs;
      out.push({
        rule: 'sqpoll-wakeups', severity: severityOf(impact, ctx.span.last - ctx.span.first, 'medium'),
        title: `The SQPOLL thread of io_uring ring ${r.ring} was asleep at ${r.wakeups.toLocaleString('en-US')} of ${plural(r.batches, 'submission batch', 'submission batches')}: ${threadLabel(ctx, t)} had to wake it each time`,
        detail: `${plural(r.wakeups, 'io_uring_enter(SQ_WAKEUP) call')} took ${formatDuration(r.wakeNs)}, and the SQ thread then needed ${formatDuration(r.delayNs)} in all to submit; it submitted ${plural(r.sqRequests, 'request')}. The submission thread idles out between batches, so SQPOLL costs a CPU and saves no system call.`,
        suggestion: SQPOLL_FIX, pid: r.pid, tid: r.tid, thread: ctx.threadName(r.pid, r.tid), stackId: r.stackId, impactNs: impact,
        events: r.top.list(), eventCount: r.wakeups, chain: [],
      });
    }
    return out;
  }
}
