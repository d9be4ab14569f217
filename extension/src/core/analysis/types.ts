/**
 * What the analysis produces: findings (a cause, a line to change, a fix, ranked by the time at
 * stake), each thread's I/O model with its evidence, each process's verdict, the call sites'
 * statistics, the wake-up chains. Field names are the stable names of `iolens report --json`
 * (docs/report-json.md).
 */

/** How bad a finding is. */
export type Severity = 'high' | 'medium' | 'low' | 'info';

/** Severities, worst first. */
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];

/** The rules of the catalogue (catalogue.ts). */
export type RuleId =
  | 'loop-blocked'
  | 'busy-poll'
  | 'aio-serialized'
  | 'aio-sync-submit'
  | 'uring-serialized'
  | 'signal-coalesced'
  | 'long-signal-handler'
  | 'pool-saturated'
  | 'sqpoll-wakeups'
  | 'uio-missed-irq'
  | 'eagain-spin'
  | 'lost-events'
  | 'timeout-wakeups'
  | 'herd-wakeups'
  | 'posix-aio';

/** The I/O model of a thread: how it waits for I/O. */
export type ThreadModel = 'multiplexing' | 'blocking' | 'signal-driven' | 'aio' | 'io_uring' | 'pool-worker' | 'none';

/** A source location: the call to change. */
export interface Where {
  readonly function: string | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  /** The binary the frame is in. */
  readonly module: string | null;
  /** The call's address in the module's ELF image (for `addr2line -e MODULE`), when its file was read. */
  readonly imageAddr: number | null;
}

/** One step of a wake-up chain: what ended a wait or a blocking call. */
export interface ChainHop {
  /** thread: another traced thread woke it; timeout: its own timeout; signal; interrupt; aio / io_uring: completions; fd: an fd became ready with no traced waker; unknown. */
  readonly cause: 'thread' | 'timeout' | 'signal' | 'interrupt' | 'aio' | 'io_uring' | 'fd' | 'unknown';
  /** The call that waited (or blocked). */
  readonly pid: number;
  readonly tid: number;
  readonly call: string;
  readonly ts: number;
  readonly dur: number;
  readonly fd: number | null;
  readonly path: string | null;
  readonly stackId: bigint;
  /** Its event id (stream ordinal in a report, store id in the editor), -1 when unknown. */
  readonly event: number;
  /** thread: the waker and the call it woke it from; signal: the signal; interrupt: the IRQ. */
  readonly by: string | null;
  readonly byPid: number | null;
  readonly byTid: number | null;
  /** The wake-up event's id (a wake, a signal delivery, an IRQ), -1 when none. */
  readonly byEvent: number;
}

/** A finding before its location is resolved (the symbol section comes at the end of a trace file). */
export interface RawFinding {
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly title: string;
  readonly detail: string;
  readonly suggestion: string;
  readonly pid: number;
  readonly tid: number;
  readonly thread: string;
  /** The stack whose first user frame is `where`; 0n when none. */
  readonly stackId: bigint;
  readonly impactNs: number;
  /** Ids of the events behind it (the worst first), at most EVENT_IDS_KEPT. */
  readonly events: readonly number[];
  /** How many events are behind it in all. */
  readonly eventCount: number;
  /** The wake-up chain of its worst event, when it has one. */
  readonly chain: readonly ChainHop[];
  /**
   * The function its line must be in, by its code's address (a signal handler's): when the stack
   * has no frame of it, `where` is the function's start and `note` is added to the detail.
   */
  readonly within?: { readonly addr: bigint; readonly note: string };
}

/** A finding, as the report and the editor show it. */
export interface Finding extends Omit<RawFinding, 'stackId'> {
  readonly stackId: bigint;
  readonly where: Where | null;
}

/** Event ids kept per finding (the worst ones). */
export const EVENT_IDS_KEPT = 200;

/** One thread's model. */
export interface ThreadVerdict {
  readonly pid: number;
  readonly tid: number;
  readonly name: string;
  readonly model: ThreadModel;
  /** The evidence, in a sentence. */
  readonly evidence: string;
  /** For a pool worker: the thread it works for, when known; for a notifier thread (model multiplexing): the thread whose event loop it waits for. */
  readonly worksFor: number | null;
}

/** One process's verdict. */
export interface ProcessVerdict {
  readonly pid: number;
  readonly name: string;
  /** "epoll loop on 1 thread; file reads on 4 pool threads — pseudo-async". */
  readonly verdict: string;
  readonly models: Readonly<Partial<Record<ThreadModel, number>>>;
}

/** Latency of the event-loop turns of one loop thread. */
export interface LoopStats {
  readonly pid: number;
  readonly tid: number;
  readonly turns: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Time inside turns spent in blocking calls. */
  readonly blockedNs: number;
  /** Id of the wait that ended the longest turn, -1 when none. */
  readonly longestEnd: number;
  readonly longestStart: number;
}

/** The figures of a set of calls: how many, failed, their time in all and its distribution (ns). */
export interface CallFigures {
  readonly count: number;
  readonly errors: number;
  readonly total: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Statistics of one call site (a syscall from one stack). */
export interface SiteStats extends CallFigures {
  readonly pid: number;
  /** Threads that made the call (at most 8 listed). */
  readonly tids: readonly number[];
  readonly call: string;
  readonly stackId: bigint;
  /** Id of the longest call, -1 when none. */
  readonly longest: number;
  /** Power-of-two bins from 1 µs (upper bounds) and their counts. */
  readonly bins: { readonly bounds: readonly number[]; readonly counts: readonly number[] };
  /** Its calls the thread never slept in (the eBPF tracer's never_slept: CPU time and preemption, no wait), and their time. */
  readonly neverSlept: number;
  readonly neverSleptNs: number;
}

/** Calls the tracer did not send (shorter than --min-duration), counted per thread, syscall, kind of fd and call site. */
export interface FilteredStats {
  readonly pid: number;
  readonly tid: number;
  readonly call: string;
  readonly fdType: string;
  readonly nonblocking: boolean;
  readonly stackId: bigint;
  readonly count: number;
  readonly totalNs: number;
  readonly maxNs: number;
  readonly errors: number;
  /** errno name -> count (the four most frequent; the rest are in errors). */
  readonly errnos: Readonly<Record<string, number>>;
}

/** Everything the analysis says about a trace. */
export interface AnalysisResult {
  readonly findings: readonly RawFinding[];
  readonly threads: readonly ThreadVerdict[];
  readonly processes: readonly ProcessVerdict[];
  readonly loops: readonly LoopStats[];
  readonly sites: readonly SiteStats[];
  readonly filtered: readonly FilteredStats[];
  /** The threshold below which blocking calls were counted instead of sent (ns), null when unknown. */
  readonly minDurationNs: number | null;
}
