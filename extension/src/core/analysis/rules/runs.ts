/**
 * Runs of calls of one thread, back to back (busy-poll's empty zero-timeout waits, eagain-spin's
 * EAGAIN failures): a run ends when something else happens in the thread. A run is the thread's,
 * whatever call sites it goes through (a loop that polls two fd sets with 0 in turn spins as much
 * as one that polls one); a run long enough counts at each of its call sites (stack and call) with
 * the calls made there and the time they took (each call with the gap before it), the first and
 * last calls of each site's longest runs as its events. Sites are told apart by stack id during
 * the pass; the findings merge the stacks that are one line of the program (resolve.ts SiteKeys).
 */
import type { SyscallEvent } from '../../model/events';
import { TopEvents } from '../context';
import type { ThreadState } from '../threadState';

/** The calls of a run at one stack and call. */
interface Part {
  stackId: bigint;
  call: string;
  count: number;
  ns: number;
  firstId: number;
  lastId: number;
}

/** A run in progress (count 0: none open). Its objects are reused: a run starts at nearly every call. */
export interface Run {
  start: number;
  end: number;
  count: number;
  /** Time inside the calls (the rest of the run is the thread's own work between them). */
  inside: number;
  /** Its sites, `used` of them in use (the rest kept for reuse). */
  readonly parts: Part[];
  used: number;
  /** The part the last call went to (a run mostly stays at one site). */
  last: Part | null;
}

/** A run's sites beyond this many fold into its last one (a spin goes through a few). */
const MAX_PARTS = 16;
/** A site with fewer than this share of a run's calls is not where it spun (a drain elsewhere in the run). */
const MIN_PART_SHARE = 0.1;

/** What the runs of one thread, call site and call add up to. */
export interface RunTotals {
  readonly pid: number;
  readonly tid: number;
  stackId: bigint;
  readonly call: string;
  runs: number;
  calls: number;
  ns: number;
  top: TopEvents;
}

/** Which run of a thread a tracker keeps (each rule its own, in the thread state's `runs`). */
export const RunSlot = { poll: 0, eagain: 1 } as const;
/** One of RunSlot's values. */
export type RunSlot = (typeof RunSlot)[keyof typeof RunSlot];

/** Follows the runs of every thread; `A` adds what a rule keeps beside the totals. */
export class RunTracker<A extends RunTotals> {
  /** Per thread, call site and call. */
  readonly totals = new Map<string, A>();

  constructor(
    /** Where the thread's run is kept on its state. */
    private readonly slot: RunSlot,
    /** A run shorter than this does not count. */
    private readonly minRun: number,
    /** A gap longer than this between two calls ends a run. */
    private readonly maxGapNs: number,
    private readonly create: (pid: number, tid: number, stackId: bigint, call: string) => A,
    /**
     * A shorter run that still counts: this many calls at least, lasting this long at least, with
     * this share of it inside the calls (slow calls spinning, not work done in chunks between them).
     */
    private readonly timed: { readonly calls: number; readonly ns: number; readonly insideShare: number } | null = null,
  ) {}

  /** A run long enough to count. */
  private counts(r: Run, count: number): boolean {
    if (count >= this.minRun) return true;
    const span = r.end - r.start;
    return this.timed !== null && count >= this.timed.calls && span >= this.timed.ns && r.inside >= this.timed.insideShare * span;
  }

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

  /**
   * A call of thread `t` that belongs to a run (it extends the thread's run, or starts one);
   * `calls`: how many calls the event stands for (a coalesced run of polls, SyscallFlag coalesced).
   */
  extend(t: ThreadState, e: SyscallEvent, id: number, calls = 1, inside = e.dur): void {
    let r = t.runs[this.slot];
    const end = e.ts + e.dur;
    if (r?.count && e.ts - r.end <= this.maxGapNs) {
      const ns = Math.max(0, end - r.end);
      r.count += calls;
      r.inside += inside;
      if (end > r.end) r.end = end;
      let p = r.last as Part;
      if (p.stackId !== e.stackId || p.call !== e.name) p = partOf(r, e.stackId, e.name, id);
      p.count += calls;
      p.ns += ns;
      p.lastId = id;
      return;
    }
    if (!r) {
      r = { start: 0, end: 0, count: 0, inside: 0, parts: [], used: 0, last: null };
      t.runs[this.slot] = r;
    } else if (r.count) {
      this.close(t.pid, t.tid, r);
    }
    r.start = e.ts;
    r.end = end;
    r.count = calls;
    r.inside = inside;
    r.used = 0;
    const p = partOf(r, e.stackId, e.name, id);
    p.count = calls;
    p.ns = e.dur;
  }

  /** Something else happened in the thread: its run ends. */
  end(t: ThreadState): void {
    const r = t.runs[this.slot];
    if (r?.count) this.close(t.pid, t.tid, r);
  }

  private close(pid: number, tid: number, r: Run, into = this.totals): void {
    const count = r.count;
    if (into === this.totals) r.count = 0;
    if (!this.counts(r, count)) return;
    for (let i = 0; i < r.used; i++) {
      const p = r.parts[i];
      if (p.count < MIN_PART_SHARE * count) continue;
      const a = this.totalsOf(pid, tid, p.stackId, p.call, into);
      a.runs++;
      a.calls += p.count;
      a.ns += p.ns;
      a.top.add(p.firstId, p.ns);
      // a run of one record (the tracer's coalesced polls) has one event, not two
      if (p.lastId !== p.firstId) a.top.add(p.lastId, p.ns - 1);
    }
  }

  /** The totals with the runs still open counted, leaving this tracker as it is (a live trace asks again). */
  snapshot(threads: readonly ThreadState[]): Map<string, A> {
    const copy = new Map([...this.totals].map(([k, a]) => [k, { ...a, top: a.top.clone() }]));
    for (const t of threads) {
      const r = t.runs[this.slot];
      if (r?.count) this.close(t.pid, t.tid, r, copy);
    }
    return copy;
  }
}

/** The part of run `r` at a stack and call, taken (reset, first call `id`) when the run has none yet. */
function partOf(r: Run, stackId: bigint, call: string, id: number): Part {
  for (let i = 0; i < r.used; i++) {
    const p = r.parts[i];
    if (p.stackId === stackId && p.call === call) {
      r.last = p;
      return p;
    }
  }
  if (r.used === MAX_PARTS) {
    r.last = r.parts[MAX_PARTS - 1];
    return r.last;
  }
  let p = r.parts[r.used];
  if (!p) {
    p = { stackId, call, count: 0, ns: 0, firstId: id, lastId: id };
    r.parts.push(p);
  } else {
    p.stackId = stackId;
    p.call = call;
    p.count = 0;
    p.ns = 0;
    p.firstId = id;
    p.lastId = id;
  }
  r.used++;
  r.last = p;
  return p;
}

/**
 * The totals of a rule merged per thread, line of the program (`key`) and call: stacks that
 * differ only above the line are one site. The merged totals keep the stack id of the one that
 * counted most (its first frame in the program's code is the finding's line).
 */
export function mergeBySite<A extends RunTotals>(
  accs: Iterable<A>,
  key: (stackId: bigint) => string,
  /** What a rule adds up beside the runs' totals, and how much a stack counted. */
  more: { merge(into: A, a: A): void; weight(a: A): number } = { merge: () => undefined, weight: (a) => a.calls },
): A[] {
  const merged = new Map<string, { a: A; best: number }>();
  for (const a of accs) {
    const k = `${a.tid}:${key(a.stackId)}:${a.call}`;
    const m = merged.get(k);
    if (!m) {
      merged.set(k, { a: { ...a, top: a.top.clone() }, best: more.weight(a) });
      continue;
    }
    const into = m.a;
    if (more.weight(a) > m.best) {
      into.stackId = a.stackId;
      m.best = more.weight(a);
    }
    into.runs += a.runs;
    into.calls += a.calls;
    into.ns += a.ns;
    for (const [id, v] of a.top.entries()) into.top.add(id, v);
    more.merge(into, a);
  }
  return [...merged.values()].map((m) => m.a);
}
