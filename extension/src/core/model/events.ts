/**
 * The events iolens shows: wire records assembled into what a user thinks of — a syscall, one
 * Linux-AIO or io_uring request from submission to completion, a signal generated or delivered, an
 * interrupt, a process or thread changing, a wake-up between threads, records lost. The kinds are
 * listed once, here, with what each is; the JSON lines' `kind` and the timeline store's kind codes
 * come from this list.
 */
import type { IoModelName, SysName } from '../../../../protocol/generated/wire';

/** Every kind of event, in the order of the store's kind codes (code = index + 1; 0: none). */
export const EVENT_KINDS = ['syscall', 'aio', 'uring', 'signal', 'irq', 'process', 'thread', 'wake', 'drop'] as const;

/** Kinds of events (the `kind` field of JSON lines). */
export type EventKind = (typeof EVENT_KINDS)[number];

/** What a kind of event is. */
export interface KindInfo {
  /** The system's, not a thread's (an interrupt, lost records): no thread to name. */
  readonly threadless: boolean;
  /** A request submitted and completed (Linux AIO, io_uring), not a call: its title names the engine. */
  readonly engine: string | null;
}

/** What each kind is. */
export const KINDS: { readonly [K in EventKind]: KindInfo } = {
  syscall: { threadless: false, engine: null },
  aio: { threadless: false, engine: 'AIO' },
  uring: { threadless: false, engine: 'io_uring' },
  signal: { threadless: false, engine: null },
  irq: { threadless: true, engine: null },
  process: { threadless: false, engine: null },
  thread: { threadless: false, engine: null },
  wake: { threadless: false, engine: null },
  drop: { threadless: true, engine: null },
};

/** The store's code of a kind. */
export const KindCode = Object.fromEntries(EVENT_KINDS.map((k, i) => [k, i + 1])) as { readonly [K in EventKind]: number };

/** The kind of a store code. */
export function kindOfCode(code: number): EventKind {
  return EVENT_KINDS[code - 1];
}

/** A decoded argument value. */
export type ArgValue = number | string | boolean | null | ArgValue[] | { [key: string]: ArgValue };

/** Decoded arguments, by name. */
export type Args = { [key: string]: ArgValue };

interface EventBase {
  /** What kind of thing happened. */
  readonly kind: EventKind;
  /** The kernel's syscall name, the signal name, the IRQ name, the request opcode, the lifecycle step. */
  readonly name: string;
  readonly pid: number;
  readonly tid: number;
  /** Nanoseconds since the trace started (for requests: the submission). */
  readonly ts: number;
  /** User stack id (0n when none); resolve with the trace's stack resolver. */
  readonly stackId: bigint;
  /** Decoded arguments. */
  readonly args: Args;
}

/** One syscall (a wait, a blocking call above the threshold, a setup call). */
export interface SyscallEvent extends EventBase {
  readonly kind: 'syscall';
  /** The syscall's name: one of the schema's (a comparison with any other name does not compile). */
  readonly name: SysName;
  /** iolens syscall id. */
  readonly sys: number;
  readonly model: IoModelName;
  readonly dur: number;
  readonly ret: number;
  /** errno name when ret is negative. */
  readonly error: string | null;
  /** Still in progress when this was recorded (dur is how long it had lasted). */
  readonly unfinished: boolean;
  readonly cpu: number | null;
}

/** What a request has in common, AIO or io_uring. */
interface RequestBase extends EventBase {
  /** null when submitted before the trace started. */
  readonly submitTs: number | null;
  /** The end of the request as `ends` says; null while in flight. */
  readonly completeTs: number | null;
  /**
   * What completeTs and dur measure: 'posted' — the kernel posted the CQE (io_uring); 'reaped' —
   * io_getevents returned the completion to the application (AIO: the kernel offers no tracepoint
   * for the completion itself).
   */
  readonly ends: 'posted' | 'reaped';
  /**
   * When the application got the completion: AIO, the io_getevents that reaped it (= completeTs);
   * io_uring, the return of the io_uring_enter that was waiting for it when it was posted (null when
   * the application took it from the ring without waiting in a call).
   */
  readonly reapTs: number | null;
  /** The trace does not hold its submission (made before the recording, or lost). */
  readonly beforeRecording: boolean;
  /** submitTs to completeTs. */
  readonly dur: number | null;
  readonly res: number | null;
  /** aio_data / user_data. */
  readonly data: bigint;
  readonly fd: number;
  /** The thread that reaped (AIO) or posted (io_uring) the completion. */
  readonly completeTid: number | null;
}

/** One Linux-AIO request, paired from io_submit to the io_getevents that reaped it. */
export interface AioEvent extends RequestBase {
  readonly kind: 'aio';
  readonly ends: 'reaped';
  readonly ctx: bigint;
  /** Its position in io_submit's iocb array (the `iocbs` argument), null when submitted before the trace. */
  readonly index: number | null;
}

/** One io_uring request, paired from submission to completion; its stack is the submitting call's. */
export interface UringEvent extends RequestBase {
  readonly kind: 'uring';
  readonly ends: 'posted';
  readonly ring: bigint;
  /** Submitted by the SQPOLL kernel thread. */
  readonly sqThread: boolean;
  /** A completion of a multishot request with more to come (IORING_CQE_F_MORE): not its end. */
  readonly more: boolean;
}

/**
 * A signal sent to (generate) or delivered to (deliver) a traced thread, or its handler's run
 * (handler: from the delivery to the handler's return, rt_sigreturn; sent when it returns).
 */
export interface SignalEvent extends EventBase {
  readonly kind: 'signal';
  readonly phase: 'generate' | 'deliver' | 'handler';
  /** handler: how long it ran; null for the instants. */
  readonly dur: number | null;
  readonly sig: number;
  readonly code: number;
  /** deliver: when the signal was generated, if seen. */
  readonly generateTs: number | null;
  /** generate: the signal was merged into one already pending (standard signals are not queued). */
  readonly coalesced: boolean;
}

/** One hard-IRQ handler run. */
export interface IrqEvent extends EventBase {
  readonly kind: 'irq';
  readonly irq: number;
  readonly cpu: number;
  readonly dur: number;
  readonly ret: number;
}

/** Process or thread lifecycle. */
export interface TaskEvent extends EventBase {
  readonly kind: 'process' | 'thread';
  readonly name: 'start' | 'exec' | 'exit' | 'rename' | 'existing';
  readonly comm: string;
  /** Exit status (wait status) for exits. */
  readonly exitCode: number | null;
}

/** A traced thread's syscall woke another traced thread's wait. */
export interface WakeEvent extends EventBase {
  readonly kind: 'wake';
  readonly wakeePid: number;
  readonly wakeeTid: number;
  /** When the woken wait began (ns since start), null when it is not a traced call (a futex wait). */
  readonly wakeeSince: number | null;
}

/** Records lost, with the exact count. */
export interface DropEvent extends EventBase {
  readonly kind: 'drop';
  readonly count: number;
  readonly total: number;
}

/** Any event. */
export type TraceEvent = SyscallEvent | AioEvent | UringEvent | SignalEvent | IrqEvent | TaskEvent | WakeEvent | DropEvent;
