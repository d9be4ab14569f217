/**
 * busy-poll: runs of zero-timeout waits (select, poll, epoll_wait, io_getevents) that return
 * nothing, one after the other: the thread spins instead of sleeping in the wait. Impact: the time
 * the runs lasted (a CPU burned).
 */
import type { SyscallEvent } from '../../model/events';
import { formatDuration } from '../../format/units';
import { BUSY_POLL_FIX } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

/** A run shorter than this many empty zero-timeout waits is not a spin (a loop draining before it sleeps). */
export const MIN_RUN = 100;
/** A gap longer than this between two waits ends a run (the thread did real work between them). */
const MAX_GAP_NS = 1e6;
const MIN_SPIN_NS = 1e6;

interface Run {
  start: number;
  end: number;
  count: number;
  firstId: number;
  lastId: number;
  stackId: bigint;
  call: string;
}

interface Acc {
  readonly pid: number;
  readonly tid: number;
  readonly stackId: bigint;
  readonly call: string;
  runs: number;
  waits: number;
  ns: number;
  readonly top: TopEvents;
}

/** The busy-poll rule. */
export class BusyPollRule {
  private readonly runs = new Map<number, Run>();
  private readonly accs = new Map<string, Acc>();
  /** Per thread: every wait, and the empty zero-timeout ones (for the detail). */
  private readonly totals = new Map<number, { waits: number; empty: number }>();

  /** A finished wait; `zeroTimeout`: it was asked to return at once. */
  wait(e: SyscallEvent, id: number, zeroTimeout: boolean): void {
    const tot = this.totals.get(e.tid) ?? { waits: 0, empty: 0 };
    tot.waits++;
    this.totals.set(e.tid, tot);
    const empty = zeroTimeout && e.ret === 0;
    const run = this.runs.get(e.tid);
    if (!empty) {
      if (run) this.close(e.pid, e.tid, run);
      return;
    }
    tot.empty++;
    if (run && e.ts - run.end <= MAX_GAP_NS && run.stackId === e.stackId) {
      run.end = e.ts + e.dur;
      run.count++;
      run.lastId = id;
      return;
    }
    if (run) this.close(e.pid, e.tid, run);
    this.runs.set(e.tid, { start: e.ts, end: e.ts + e.dur, count: 1, firstId: id, lastId: id, stackId: e.stackId, call: e.name });
  }

  /** Another call of the thread that took time (a blocking call): a spin does not go through it. */
  other(pid: number, tid: number): void {
    const run = this.runs.get(tid);
    if (run) this.close(pid, tid, run);
  }

  private close(pid: number, tid: number, run: Run, accs = this.accs): void {
    if (accs === this.accs) this.runs.delete(tid);
    if (run.count < MIN_RUN) return;
    const k = `${tid}:${run.stackId}:${run.call}`;
    let a = accs.get(k);
    if (!a) {
      a = { pid, tid, stackId: run.stackId, call: run.call, runs: 0, waits: 0, ns: 0, top: new TopEvents(20) };
      accs.set(k, a);
    }
    a.runs++;
    a.waits += run.count;
    a.ns += run.end - run.start;
    // the first and the last wait of each of the longest runs
    a.top.add(run.firstId, run.end - run.start);
    a.top.add(run.lastId, run.end - run.start - 1);
  }

  /** Findings (runs still open count; nothing changes, so a live trace can ask again). */
  findings(ctx: AnalysisContext): RawFinding[] {
    const accs = new Map([...this.accs].map(([k, a]) => [k, { ...a, top: a.top.clone() }]));
    for (const [tid, r] of this.runs) this.close(ctx.threads.find(tid)?.pid ?? 0, tid, r, accs);
    const out: RawFinding[] = [];
    const span = ctx.span.last - ctx.span.first;
    for (const a of accs.values()) {
      if (a.ns < MIN_SPIN_NS) continue;
      const t = ctx.threads.get(a.pid, a.tid);
      const tot = this.totals.get(a.tid) ?? { waits: a.waits, empty: a.waits };
      const rate = a.ns > 0 ? (a.waits * 1e9) / a.ns : 0;
      out.push({
        rule: 'busy-poll', severity: severityOf(a.ns, span),
        title: `${threadLabel(ctx, t)} spun in ${a.call} with a zero timeout ${plural(a.waits, 'time')} that returned nothing, for ${formatDuration(a.ns)}`,
        detail: `${plural(a.runs, 'run')} of at least ${MIN_RUN} back-to-back ${a.call} calls with timeout 0 that found nothing ready (about ${Math.round(rate).toLocaleString('en-US')} a second while spinning); ${tot.empty.toLocaleString('en-US')} of the thread's ${plural(tot.waits, 'wait')} were such empty polls. The thread burns a CPU instead of sleeping until something is ready.`,
        suggestion: BUSY_POLL_FIX, pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: a.stackId, impactNs: a.ns,
        events: a.top.list(), eventCount: a.waits, chain: [],
      });
    }
    return out;
  }
}
