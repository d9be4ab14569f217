/**
 * What the wake-up chains read of a call, copied out of its event when the call is remembered:
 * holding the decoded event itself (its argument object, a wait's ready list) in a thread's slots
 * kept events alive past the young generation's collections, which then copied them.
 */
import type { SysName } from '../../../../protocol/generated/wire';
import type { SyscallEvent } from '../model/events';
import type { ArgFacts } from './argFacts';
import { isMultiplexingSys } from './classify';

/** A call's facts a chain hop needs (a slot's object, rewritten when the slot is reused). */
export interface CallFacts {
  pid: number;
  tid: number;
  name: SysName;
  ts: number;
  dur: number;
  ret: number;
  error: string | null;
  stackId: bigint;
  /** Its fd (a wait's epoll fd), and that fd's path, when known. */
  fd: number | null;
  path: string | null;
  /** io_uring_enter's min_complete, null when not a number. */
  minComplete: number | null;
  /** A wait that returned nothing: it had a timeout. */
  hasTimeout: boolean;
  /** A wait that returned fds: the first one reported with events, and its path. */
  readyFd: number | null;
  readyPath: string | null;
  /** A wait that returned fds and one of them had events. */
  ready: boolean;
}

/**
 * The facts of `e`, written into `into` (a reused slot's) or a new object; `args`: what its
 * arguments tell (argFacts.ts, read as a wait's when `e` is a wait).
 */
export function callFacts(e: SyscallEvent, args: ArgFacts, into?: CallFacts): CallFacts {
  const fd = args.fd ?? args.epfd;
  const path = args.path;
  const minComplete = args.minComplete;
  const wait = isMultiplexingSys(e.sys) || e.name === 'rt_sigtimedwait';
  const hasTimeout = wait && e.ret === 0 && args.timeoutNs !== null;
  // the first ready entry, read once for the args object (argFacts.ts)
  const ready = wait && e.ret !== 0 && args.firstReady;
  const readyFd = ready ? args.firstReadyFd : null;
  const readyPath = ready ? args.firstReadyPath : null;
  if (!into) return { pid: e.pid, tid: e.tid, name: e.name, ts: e.ts, dur: e.dur, ret: e.ret, error: e.error, stackId: e.stackId, fd, path, minComplete, hasTimeout, readyFd, readyPath, ready };
  into.pid = e.pid;
  into.tid = e.tid;
  into.name = e.name;
  into.ts = e.ts;
  into.dur = e.dur;
  into.ret = e.ret;
  into.error = e.error;
  into.stackId = e.stackId;
  into.fd = fd;
  into.path = path;
  into.minComplete = minComplete;
  into.hasTimeout = hasTimeout;
  into.readyFd = readyFd;
  into.readyPath = readyPath;
  into.ready = ready;
  return into;
}

/** A copy of a slot's facts (a wake-up keeps its waker's call: the slot is reused). */
export function copyFacts(f: CallFacts): CallFacts {
  return {
    pid: f.pid, tid: f.tid, name: f.name, ts: f.ts, dur: f.dur, ret: f.ret, error: f.error, stackId: f.stackId, fd: f.fd, path: f.path,
    minComplete: f.minComplete, hasTimeout: f.hasTimeout, readyFd: f.readyFd, readyPath: f.readyPath, ready: f.ready,
  };
}
