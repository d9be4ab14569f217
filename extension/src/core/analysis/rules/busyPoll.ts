/**
 * busy-poll: runs of zero-timeout waits (select, poll, epoll_wait, io_getevents) that return
 * nothing, one after the other: the thread spins instead of sleeping in the wait. Impact: the time
 * the runs lasted (a CPU burned).
 */
import type { SyscallEvent } from '../../model/events';
import { formatDuration } from '../../../../../shared/format';
import { BUSY_POLL_FIX } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { RunTracker, type RunTotals } from './runs';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

/** A run shorter than this many empty zero-timeout waits is not a spin (a loop draining before it sleeps). */
export const MIN_RUN = 100;
/** A gap longer than this between two waits ends a run (the thread did real work between them). */
const MAX_GAP_NS = 1e6;
const MIN_SPIN_NS = 1e6;

/** The busy-poll rule. */
export class BusyPollRule {
  private readonly runs = new RunTracker<RunTotals>(MIN_RUN, MAX_GAP_NS, (pid, tid, stackId, call) => ({
    pid, tid, stackId, call, runs: 0, calls: 0, ns: 0, top: new TopEvents(20),
  }));
  /** Per thread: every wait, and the empty zero-timeout ones (for the detail). */
  private readonly totals = new Map<number, { waits: number; empty: number }>();

  /** A finished wait; `zeroTimeout`: it was asked to return at once. */
  wait(e: SyscallEvent, id: number, zeroTimeout: boolean): void {
    let tot = this.totals.get(e.tid);
    if (!tot) {
      tot = { waits: 0, empty: 0 };
      this.totals.set(e.tid, tot);
    }
    tot.waits++;
    if (!zeroTimeout || e.ret !== 0) {
      this.runs.end(e.pid, e.tid);
      return;
    }
    tot.empty++;
    this.runs.extend(e, id);
  }

  /** Another call of the thread that took time (a blocking call): a spin does not go through it. */
  other(pid: number, tid: number): void {
    this.runs.end(pid, tid);
  }

  /** Findings (runs still open count; nothing changes, so a live trace can ask again). */
  findings(ctx: AnalysisContext): RawFinding[] {
    const accs = this.runs.snapshot((tid) => ctx.threads.find(tid)?.pid ?? 0);
    const out: RawFinding[] = [];
    const span = ctx.span.last - ctx.span.first;
    for (const a of accs.values()) {
      if (a.ns < MIN_SPIN_NS) continue;
      const t = ctx.threads.get(a.pid, a.tid);
      const tot = this.totals.get(a.tid) ?? { waits: a.calls, empty: a.calls };
      const rate = a.ns > 0 ? (a.calls * 1e9) / a.ns : 0;
      out.push({
        rule: 'busy-poll', severity: severityOf(a.ns, span),
        title: `${threadLabel(ctx, t)} spun in ${a.call} with a zero timeout ${plural(a.calls, 'time')} that returned nothing, for ${formatDuration(a.ns)}`,
        detail: `${plural(a.runs, 'run')} of at least ${MIN_RUN} back-to-back ${a.call} calls with timeout 0 that found nothing ready (about ${Math.round(rate).toLocaleString('en-US')} a second while spinning); ${tot.empty.toLocaleString('en-US')} of the thread's ${plural(tot.waits, 'wait')} were such empty polls. The thread burns a CPU instead of sleeping until something is ready.`,
        suggestion: BUSY_POLL_FIX, pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: a.stackId, impactNs: a.ns,
        events: a.top.list(), eventCount: a.calls, chain: [],
      });
    }
    return out;
  }
}
