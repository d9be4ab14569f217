/**
 * The blocking calls the tracer counted instead of sending (shorter than --min-duration): per
 * thread, syscall, kind of fd and call site, cumulative since the start of the recording. The
 * tracer sends a key again whenever its count changed; each record is turned into the delta since
 * the previous one of its key, which listeners (the analysis) receive in stream order.
 */
import { CallSummaryFlag, FdTypeNames, SYSCALLS, type CallSummaryRecord } from '../../../../protocol/generated/wire';
import { errnoName } from './names';

/** The counts of one key, cumulative, or what changed between two records of it. */
export interface FilteredCounts {
  readonly pid: number;
  readonly tid: number;
  /** iolens syscall id and name. */
  readonly sys: number;
  readonly call: string;
  readonly fdType: string;
  readonly nonblocking: boolean;
  /** The tracer could not tell whether the fd was non-blocking (the ptrace backend). */
  readonly flagsUnknown: boolean;
  /** The calls came after the thread's first select/poll/epoll wait (inside its event loop). */
  readonly inLoop: boolean;
  readonly stackId: bigint;
  /** ns since the trace's origin: when the last call counted returned (for a delta: the end of its period). */
  readonly ts: number;
  /** For a delta: the previous record's ts (ns since origin), null for the first. */
  readonly since: number | null;
  readonly count: number;
  readonly totalNs: number;
  readonly maxNs: number;
  readonly errors: number;
  /** errno name -> calls that failed with it (the first four errors seen). */
  readonly errnos: Readonly<Record<string, number>>;
}

/** Listener of the deltas. */
export type FilteredListener = (delta: FilteredCounts) => void;

function keyOf(r: CallSummaryRecord): string {
  return `${r.tid}:${r.sys}:${r.fdType}:${r.flags}:${r.stackId}`;
}

/** The table of counted calls of a trace. */
export class FilteredCalls {
  private readonly latest = new Map<string, FilteredCounts>();
  /** Keys that started again from zero (a thread id reused): their counts before, added to the new ones. */
  private readonly restarted = new Map<string, FilteredCounts>();
  private readonly listeners = new Set<FilteredListener>();

  /** Receive every delta from now on; returns the unsubscribe function. */
  listen(l: FilteredListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** One call_summary record; `rel` turns its monotonic time into the trace's. */
  apply(r: CallSummaryRecord, ts: number): void {
    const k = keyOf(r);
    const prev = this.latest.get(k);
    const errnos: Record<string, number> = {};
    r.errnoValues.forEach((e, i) => {
      if (e) errnos[errnoName(e) ?? `E${e}`] = r.errnoCounts[i];
    });
    const raw: FilteredCounts = {
      pid: r.pid, tid: r.tid, sys: r.sys, call: SYSCALLS.get(r.sys)?.name ?? `syscall ${r.sys}`,
      fdType: FdTypeNames.get(r.fdType) ?? 'unknown', nonblocking: (r.flags & CallSummaryFlag.nonblocking) !== 0,
      flagsUnknown: (r.flags & CallSummaryFlag.flags_unknown) !== 0, inLoop: (r.flags & CallSummaryFlag.in_loop) !== 0, stackId: r.stackId, ts, since: null,
      count: r.count, totalNs: r.totalNs, maxNs: r.maxNs, errors: r.errors, errnos,
    };
    // records of a key come in order, so fewer calls than before means it started again from zero: the
    // tracer drops a thread's keys once it has exited and its counts are sent, and a new thread got its id
    let base = this.restarted.get(k);
    if (prev && (base ? plus(base, raw) : raw).count < prev.count) {
      base = prev;
      this.restarted.set(k, base);
    }
    const cur = base ? plus(base, raw) : raw;
    this.latest.set(k, cur);
    if (prev && cur.count === prev.count) return;
    if (!this.listeners.size) return;
    const delta: FilteredCounts = prev
      ? {
          ...cur, since: prev.ts, count: cur.count - prev.count, totalNs: cur.totalNs - prev.totalNs, errors: cur.errors - prev.errors,
          errnos: Object.fromEntries(Object.entries(errnos).map(([n, c]) => [n, c - (prev.errnos[n] ?? 0)]).filter(([, c]) => (c as number) > 0)),
        }
      : cur;
    for (const l of this.listeners) l(delta);
  }

  /** The cumulative counts of every key. */
  all(): FilteredCounts[] {
    return [...this.latest.values()];
  }

  /** Number of keys. */
  get size(): number {
    return this.latest.size;
  }
}

/** Cumulative counts `base`, then `more` counted from zero after them (`more`'s time and key). */
function plus(base: FilteredCounts, more: FilteredCounts): FilteredCounts {
  const errnos: Record<string, number> = { ...base.errnos };
  for (const [n, c] of Object.entries(more.errnos)) errnos[n] = (errnos[n] ?? 0) + c;
  return {
    ...more, count: base.count + more.count, totalNs: base.totalNs + more.totalNs, maxNs: Math.max(base.maxNs, more.maxNs),
    errors: base.errors + more.errors, errnos,
  };
}
