/**
 * What the rules share while a trace streams by, and small helpers they use.
 */
import type { FdInfo } from '../model/fdtable';
import type { ThreadState, ThreadTable } from './threadState';
import type { LoopTurns } from './turns';
import { EVENT_IDS_KEPT, type ChainHop } from './types';
import type { LoopRuntime } from './catalogue';
import type { KnownServer } from '../tracer/runtimes';

/** The analysis' shared state, as the rules see it. */
export interface AnalysisContext {
  readonly threads: ThreadTable;
  /** Loop turns per thread that waits in select/poll/epoll. */
  readonly loops: ReadonlyMap<number, LoopTurns>;
  /** "worker-1". */
  threadName(pid: number, tid: number): string;
  /** The fd's table entry now (during the pass), when known. */
  fd(pid: number, fd: number): FdInfo | undefined;
  /** The process was forked by one running the same executable and did not exec: a server's worker or per-client process. */
  forkedWorker(pid: number): boolean;
  /** The language runtime the process runs (by its executable's name), whose usual fixes differ; null for native code. */
  runtime(pid: number): LoopRuntime | null;
  /** The well-known server the process is (by its executable's name), whose usual fixes are its own settings; null for any other program. */
  server(pid: number): KnownServer | null;
  /** Signals fcntl(F_SETSIG) made the I/O signal of some fd, per process. */
  readonly setsig: ReadonlyMap<number, ReadonlySet<number>>;
  /** First and last time seen (ns since the trace's origin). */
  readonly span: { first: number; last: number };
  /** Blocking calls shorter than this were counted, not sent; null when unknown. */
  readonly minDurationNs: number | null;
  /** The ptrace backend's trace: every call's duration includes the tracer's stop at its exit (milliseconds on a loaded machine). */
  readonly ptrace: boolean;
}

/** "worker-1 100/101". */
export function threadLabel(ctx: AnalysisContext, t: Pick<ThreadState, 'pid' | 'tid'>): string {
  const name = ctx.threadName(t.pid, t.tid);
  return `${name ? `${name} ` : ''}${t.pid}/${t.tid}`;
}

/** The ids of the worst events of something (largest value first), bounded. */
export class TopEvents {
  private readonly ids: number[] = [];
  private readonly values: number[] = [];
  /** Events seen in all. */
  count = 0;
  /** The chain of the worst one. */
  worstChain: readonly ChainHop[] = [];

  constructor(private readonly limit = EVENT_IDS_KEPT) {}

  /** Offer an event; `chain` is kept when it becomes the worst. */
  add(id: number, value: number, chain?: readonly ChainHop[]): void {
    this.count++;
    if (id < 0) return;
    if (this.ids.length === this.limit && value <= this.values[this.values.length - 1]) return;
    let i = this.values.length;
    while (i > 0 && this.values[i - 1] < value) i--;
    this.ids.splice(i, 0, id);
    this.values.splice(i, 0, value);
    if (i === 0 && chain) this.worstChain = chain;
    if (this.ids.length > this.limit) {
      this.ids.pop();
      this.values.pop();
    }
  }

  /** A copy, to add to without changing this one. */
  clone(): TopEvents {
    const c = new TopEvents(this.limit);
    c.ids.push(...this.ids);
    c.values.push(...this.values);
    c.count = this.count;
    c.worstChain = this.worstChain;
    return c;
  }

  /** [id, value] pairs, worst first. */
  entries(): [number, number][] {
    return this.ids.map((id, i) => [id, this.values[i]]);
  }

  /** Ids, worst first. */
  list(): number[] {
    return [...this.ids];
  }

  /** The worst value, 0 when none. */
  get worst(): number {
    return this.values[0] ?? 0;
  }

  /** The worst event's id, -1 when none. */
  get worstId(): number {
    return this.ids[0] ?? -1;
  }
}

const COUNT = new Intl.NumberFormat('en-US');

/** "1 call", "3 calls", "1,204 calls". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${COUNT.format(n)} ${n === 1 ? one : many}`;
}
