/**
 * The events iolens shows: wire records assembled into what a user thinks of — a syscall, one
 * Linux-AIO or io_uring request from submission to completion, a signal generated or delivered, an
 * interrupt, a process or thread changing, a wake-up between threads, records lost. Each kind is
 * defined, with everything that is particular to it, by its module in core/kinds/; the registry
 * there lists them once. This module holds what every event has.
 */
export type { EventKind, TraceEvent } from '../kinds/registry';
export type { KindInfo } from '../kinds/kind';
export type { SyscallEvent } from '../kinds/syscall';
export type { AioEvent, UringEvent, RequestEvent } from '../kinds/request';
export type { SignalEvent } from '../kinds/signal';
export type { IrqEvent } from '../kinds/irq';
export type { TaskEvent } from '../kinds/task';
export type { WakeEvent } from '../kinds/wake';
export type { DropEvent } from '../kinds/drop';

/** A decoded argument value. */
export type ArgValue = number | string | boolean | null | ArgValue[] | { [key: string]: ArgValue };

/** Decoded arguments, by name. */
export type Args = { [key: string]: ArgValue };

/** What every event has; its kind's module (core/kinds/) adds the rest. */
export interface EventBase {
  /** What kind of thing happened (one of core/kinds/registry.ts). */
  readonly kind: string;
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

