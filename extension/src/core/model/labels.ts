/**
 * How events and the rows that hold them are named wherever a trace is shown: the timeline's
 * store and the exports to Perfetto and Chrome's trace format use the same words.
 */
import type { AioEvent, Args, SignalEvent, SyscallEvent, TaskEvent, UringEvent, WakeEvent } from './events';
import type { UioDevice } from './uio';
import { ARG_FORMATS, EndReasonText, SYSCALLS, type EndRecord } from '../../../../protocol/generated/wire';
import { withoutKeys } from '../store/columns';

/** Why a recording stopped, from its end record (the schema's EndReason texts); none: it did not finish. */
export function endReasonText(end: EndRecord | undefined): string {
  return end ? EndReasonText.get(end.reason) ?? 'ended' : 'the tracer stopped without finishing the trace';
}

/** The requests-in-flight row of a process (AIO and io_uring requests, in lanes). */
export const REQUESTS_LABEL = 'requests in flight';
/** How a Linux-AIO completion the application took from the ring itself (no io_getevents) was reaped. */
export const AIO_RING_TEXT = 'read from the AIO ring in user space';
/** The same on the request: its completion time is when the tracer saw it taken. */
export const AIO_RING_REAP_TEXT = `(${AIO_RING_TEXT}: the time is an upper bound)`;
/** AIO requests dropped because the program submitted their iocb again before the trace saw their completion. */
export function aioReusedText(count: string, plural: boolean): string {
  return `${count} AIO request${plural ? 's' : ''} dropped: the program submitted ${plural ? 'their iocbs' : 'its iocb'} again before the trace saw ${plural ? 'their completions' : 'its completion'}`;
}
/** The group of the per-CPU interrupt rows. */
export const IRQ_GROUP_LABEL = 'Hard interrupts';
/** The group of the UIO device rows. */
export const UIO_GROUP_LABEL = 'UIO devices';
/** The group of the lost-records rows. */
export const LOSSES_LABEL = 'Lost records';
/** The row of an export holding the findings about the whole trace (not one process). */
export const FINDINGS_LABEL = 'Findings';

/** A CPU's interrupt row. */
export function cpuLabel(cpu: number): string {
  return `CPU ${cpu}`;
}

/** A UIO device's row: its interrupts, with arrows to the threads they wake. */
export function uioLabel(d: UioDevice): string {
  return `uio${d.index} ${d.name} · IRQ ${d.irq}`;
}

/** "aio pread", "io_uring read": one request. */
export function requestLabel(e: Pick<AioEvent | UringEvent, 'kind' | 'name'>): string {
  return `${e.kind === 'aio' ? 'aio' : 'io_uring'} ${e.name}`;
}

/** "SIGIO generated", "SIGIO delivered", "SIGIO handler". */
export function signalLabel(e: SignalEvent): string {
  return `${e.name} ${e.phase === 'generate' ? 'generated' : e.phase === 'deliver' ? 'delivered' : 'handler'}`;
}

/** "write woke 4808". */
export function wakeLabel(e: WakeEvent): string {
  return `${e.name} woke ${e.wakeeTid}`;
}

/** "thread start", "process exit". */
export function taskLabel(e: TaskEvent): string {
  return `${e.kind} ${e.name}`;
}

/** "12 records lost (ring_full)". */
export function lossLabel(count: number, source: string): string {
  return `${count} records lost (${source})`;
}

/**
 * Where a lost-records gap starts when there is no earlier drop record of its source: the tracer
 * reports losses every 200 ms.
 */
const DROP_INTERVAL_NS = 200e6;

/** The time span of each lost-records gap: from the previous drop record of its source to this one. */
export class LossGaps {
  private readonly last = new Map<string, number>();

  /** Where the gap that drop record `e` ends starts. */
  start(e: { readonly name: string; readonly ts: number }): number {
    const start = this.last.get(e.name) ?? Math.max(0, e.ts - DROP_INTERVAL_NS);
    this.last.set(e.name, e.ts);
    return start;
  }
}

/** The thread a signal's generation is shown on: its sender when in the same process, else the receiver. */
export function generateThread(e: SignalEvent): { pid: number; tid: number } {
  const senderTid = typeof e.args.sender_tid === 'number' ? e.args.sender_tid : 0;
  const senderPid = typeof e.args.sender_pid === 'number' ? e.args.sender_pid : 0;
  return senderPid === e.pid && senderTid ? { pid: senderPid, tid: senderTid } : { pid: e.pid, tid: e.tid };
}

/** Per syscall id, the names of its pointer arguments. */
const POINTERS = new Map([...SYSCALLS.values()].map((s) => [s.id, s.args.filter((a) => ARG_FORMATS[a.fmt].pointer).map((a) => a.name)]));

/** No argument left out. */
const NO_ARGS: readonly string[] = [];

/** The arguments shownArgs leaves out of syscall `sys`'s: its pointers. */
export function hiddenArgs(sys: number): readonly string[] {
  return POINTERS.get(sys) ?? NO_ARGS;
}

/**
 * hiddenArgs of `e`'s syscall when its args hold any of them, else none: a decoder asked to leave
 * the pointers out (DecodeContext.pointers) made none, and a store need not look for them key by key.
 */
export function hiddenIn(e: Pick<SyscallEvent, 'sys' | 'args'>): readonly string[] {
  const keys = hiddenArgs(e.sys);
  for (let i = 0; i < keys.length; i++) if (keys[i] in e.args) return keys;
  return NO_ARGS;
}

/** A syscall's arguments worth keeping: pointers (different on every call, meaningless to a reader) left out. */
export function shownArgs(e: Pick<SyscallEvent, 'sys' | 'args'>): Args {
  const pointers = hiddenArgs(e.sys);
  return pointers.length ? withoutKeys(e.args, pointers) : e.args;
}
