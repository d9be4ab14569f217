/**
 * The numbers of `iolens report`, built while events stream by (a trace of millions of events is
 * never held in memory): per process and thread, each kind of call with count, total and
 * percentiles (bounded histograms); the calls still in progress at the end. The I/O models and
 * findings are the analysis' (core/analysis).
 */
import type { IoModelName } from '../../../../protocol/generated/wire';
import { LatencyHistogram } from '../analysis/histogram';
import type { ThreadCallStats } from '../analysis/sites';
import type { CallFigures } from '../analysis/types';
import type { LongWait, ReportContext } from '../kinds/kind';
import { kindModule } from '../kinds/registry';
import type { TraceEvent } from '../model/events';
import { UioTracker, type UioDevices, type UioStats } from '../model/uio';
import { EngineDepths } from './engines';

/** Statistics of one kind of call in one thread. */
export interface CallStats extends CallFigures {
  /** "epoll_wait", "aio pread", "io_uring read", "SIGIO delivered", "irq uio_pci_generic". */
  readonly name: string;
  readonly model: IoModelName | 'irq';
}

/** One of the longest waits. */
export type { LongWait } from '../kinds/kind';

class Durations extends LatencyHistogram {
  errors = 0;
}

/** One call name's statistics in one thread (or CPU). */
interface Entry {
  readonly pid: number;
  readonly tid: number;
  readonly name: string;
  readonly model: IoModelName | 'irq';
  /** Ordinal of the event that made it (from 0: the ids commands/report.ts gives the analysis). */
  readonly first: number;
  readonly d: Durations;
}

/** The finished syscalls' per-thread statistics, counted by someone else (the analysis' call sites). */
export interface SyscallCounts {
  /** Per thread and syscall name; `first`: the ordinal of the event of its first call, as this builder counts them from 0. */
  threadCalls(): readonly ThreadCallStats[];
}

const TOP = 10;

/** Accumulates events. */
export class ReportBuilder {
  /** Per pid, then tid: numbers as keys, no string built per event. */
  private readonly stats = new Map<number, Map<number, Map<string, Entry>>>();
  private readonly longest: LongWait[] = [];
  private readonly unfinishedSeen = new Map<string, LongWait>();
  events = 0;
  firstTs = Number.POSITIVE_INFINITY;
  lastTs = 0;
  private readonly uio: UioTracker;
  /** In-flight depth per AIO context and io_uring ring. */
  readonly engines = new EngineDepths();

  /** What the kinds add to (kinds/kind.ts). */
  private readonly context: ReportContext;

  /**
   * `syscalls`: who counts the finished syscalls, fed the same events in the same order (the
   * analysis: one histogram per call for both): this builder then keeps no table of its own for them.
   */
  constructor(
    uioDevices: UioDevices = new Map(),
    private readonly syscalls: SyscallCounts | null = null,
  ) {
    this.uio = new UioTracker(uioDevices);
    this.context = {
      entry: (pid, tid, name, model) => this.entry(pid, tid, name, model),
      long: (w) => this.considerLong(w),
      longEnough: (dur) => this.longest.length < TOP || dur > this.longest[TOP - 1].dur,
      inProgress: (key, w) => {
        if (w) this.unfinishedSeen.set(key, w);
        else this.unfinishedSeen.delete(key);
      },
      anyInProgress: () => this.unfinishedSeen.size > 0,
      engines: this.engines,
      syscallsCounted: syscalls !== null,
    };
  }

  /** What the UIO devices did. */
  uioResults(): UioStats[] {
    return this.uio.results();
  }

  private entry(pid: number, tid: number, name: string, model: IoModelName | 'irq'): Durations {
    let byTid = this.stats.get(pid);
    if (!byTid) {
      byTid = new Map();
      this.stats.set(pid, byTid);
    }
    let byName = byTid.get(tid);
    if (!byName) {
      byName = new Map();
      byTid.set(tid, byName);
    }
    let s = byName.get(name);
    if (!s) {
      s = { pid, tid, name, model, first: this.events - 1, d: new Durations() };
      byName.set(name, s);
    }
    return s.d;
  }

  private considerLong(w: LongWait): void {
    if (this.longest.length === TOP && w.dur <= this.longest[TOP - 1].dur) return;
    this.longest.push(w);
    this.longest.sort((a, b) => b.dur - a.dur);
    if (this.longest.length > TOP) this.longest.pop();
  }

  /** Add one event. */
  add(e: TraceEvent): void {
    this.events++;
    this.uio.add(e, this.events);
    if (e.ts < this.firstTs) this.firstTs = e.ts;
    const end = e.ts + ('dur' in e && typeof e.dur === 'number' ? e.dur : 0);
    if (end > this.lastTs) this.lastTs = end;
    kindModule(e.kind).aggregate(e, this.context);
  }

  /** Per (pid, tid): the call statistics, busiest first. */
  calls(): Map<number, Map<number, CallStats[]>> {
    const rows: (CallStats & { pid: number; tid: number; first: number })[] = [];
    for (const threads of this.stats.values()) for (const byName of threads.values()) for (const s of byName.values()) {
      const [p50, p99] = s.d.percentiles([50, 99]);
      rows.push({ pid: s.pid, tid: s.tid, first: s.first, name: s.name, model: s.model, count: s.d.count, errors: s.d.errors, total: s.d.total, p50, p99, max: s.d.max });
    }
    if (this.syscalls) {
      // in the order each call name came first in its thread, as this builder's own entries are made
      for (const r of this.syscalls.threadCalls()) rows.push({ ...r });
      rows.sort((a, b) => a.first - b.first);
    }
    const out = new Map<number, Map<number, CallStats[]>>();
    for (const r of rows) {
      const byTid = out.get(r.pid) ?? new Map<number, CallStats[]>();
      out.set(r.pid, byTid);
      const list = byTid.get(r.tid) ?? [];
      byTid.set(r.tid, list);
      list.push({ name: r.name, model: r.model, count: r.count, errors: r.errors, total: r.total, p50: r.p50, p99: r.p99, max: r.max });
    }
    for (const byTid of out.values()) for (const list of byTid.values()) list.sort((a, b) => b.total - a.total);
    return out;
  }

  /** The ten longest waits and blocking calls, calls still in progress at the end included. */
  longestWaits(): LongWait[] {
    const all = [...this.longest, ...this.unfinishedSeen.values()];
    all.sort((a, b) => b.dur - a.dur);
    return all.slice(0, TOP);
  }
}
