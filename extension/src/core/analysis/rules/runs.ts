/**
 * Runs of calls of one thread at one call site, back to back (busy-poll's empty zero-timeout
 * waits, eagain-spin's EAGAIN failures): a run ends when something else happens; a run long enough
 * counts in its site's total, with the first and last calls of the longest runs as its events.
 */
import type { SyscallEvent } from '../../model/events';
import { TopEvents } from '../context';

/** A run in progress. */
interface Run {
  start: number;
  end: number;
  count: number;
  firstId: number;
  lastId: number;
  stackId: bigint;
  call: string;
}

/** What the runs of one thread, call site and call add up to. */
export interface RunTotals {
  readonly pid: number;
  readonly tid: number;
  readonly stackId: bigint;
  readonly call: string;
  runs: number;
  calls: number;
  ns: number;
  readonly top: TopEvents;
}

/** Follows the runs of every thread; `A` adds what a rule keeps beside the totals. */
export class RunTracker<A extends RunTotals> {
  /** Per thread, its run (count 0: none open; the object is reused, a run starts at nearly every call). */
  private readonly open = new Map<number, Run>();
  /** Per thread, call site and call. */
  readonly totals = new Map<string, A>();

  constructor(
    /** A run shorter than this does not count. */
    private readonly minRun: number,
    /** A gap longer than this between two calls ends a run. */
    private readonly maxGapNs: number,
    private readonly create: (pid: number, tid: number, stackId: bigint, call: string) => A,
  ) {}

  /** The totals of a thread, call site and call (created on first use), in `into`. */
  totalsOf(pid: number, tid: number, stackId: bigint, call: string, into = this.totals): A {
    const k = `${tid}:${stackId}:${call}`;
    let a = into.get(k);
    if (!a) {
      a = this.create(pid, tid, stackId, call);
      into.set(k, a);
    }
    return a;
  }

  /** A call that belongs to a run (it extends the thread's run at the same site, or starts one). */
  extend(e: SyscallEvent, id: number): void {
    const r = this.open.get(e.tid);
    if (r?.count && r.stackId === e.stackId && r.call === e.name && e.ts - r.end <= this.maxGapNs) {
      r.count++;
      r.end = e.ts + e.dur;
      r.lastId = id;
      return;
    }
    if (!r) {
      this.open.set(e.tid, { start: e.ts, end: e.ts + e.dur, count: 1, firstId: id, lastId: id, stackId: e.stackId, call: e.name });
      return;
    }
    if (r.count) this.close(e.pid, e.tid, r);
    r.start = e.ts;
    r.end = e.ts + e.dur;
    r.count = 1;
    r.firstId = id;
    r.lastId = id;
    r.stackId = e.stackId;
    r.call = e.name;
  }

  /** Something else happened in the thread: its run ends. */
  end(pid: number, tid: number): void {
    const r = this.open.get(tid);
    if (r?.count) this.close(pid, tid, r);
  }

  private close(pid: number, tid: number, r: Run, into = this.totals): void {
    const count = r.count;
    if (into === this.totals) r.count = 0;
    if (count < this.minRun) return;
    const a = this.totalsOf(pid, tid, r.stackId, r.call, into);
    a.runs++;
    a.calls += count;
    a.ns += r.end - r.start;
    a.top.add(r.firstId, r.end - r.start);
    a.top.add(r.lastId, r.end - r.start - 1);
  }

  /** The totals with the runs still open counted, leaving this tracker as it is (a live trace asks again). */
  snapshot(pidOf: (tid: number) => number): Map<string, A> {
    const copy = new Map([...this.totals].map(([k, a]) => [k, { ...a, top: a.top.clone() }]));
    for (const [tid, r] of this.open) if (r.count) this.close(pidOf(tid), tid, r, copy);
    return copy;
  }
}
