/**
 * How a syscall record becomes an event: its arguments decoded (model/args.ts), what the call
 * changes in the trace's tables (an epoll registration, an fd's flags, a signal set for SIGIO),
 * the AIO requests it submitted or reaped, and rt_sigreturn as the end of a signal handler's run.
 */
import { NO_CPU, SYSCALLS, SyscallFlag, type SyscallInfo, type SyscallRecord, type SysName } from '../../../../protocol/generated/wire';
import type { Args } from '../model/events';
import { decodeSyscallArgs, hex } from '../model/args';
import { wordI32, wordNumber } from '../../../../protocol/runtime';
import { errnoName, F_SETSIG, O_ASYNC } from '../model/names';
import type { DecodeContext } from './kind';

/**
 * The calls whose decoding changes the trace's tables or takes what other records left (AIO
 * requests, a ring's completions), or adds to their args from them: always decoded afresh.
 */
const TABLE_CALLS: ReadonlySet<string> = new Set<SysName>(['epoll_ctl', 'fcntl', 'io_submit', 'io_getevents', 'io_pgetevents', 'io_uring_enter']);

/** Per syscall id, whether it is one of TABLE_CALLS (asked for every event: no set looked up by name). */
const IS_TABLE_CALL: readonly boolean[] = (() => {
  const is: boolean[] = [];
  for (const info of SYSCALLS.values()) is[info.id] = TABLE_CALLS.has(info.name);
  return is;
})();

/** A syscall's args as its record and the tables now make them (the decoder's own copy, finished). */
function ownArgs(r: SyscallRecord, info: SyscallInfo, ctx: DecodeContext): Args {
  const args = decodeSyscallArgs(r, info, ctx.fds, ctx.epoll, ctx.pointers);
  if ((info.name === 'read' || info.name === 'pread64') && typeof args.path === 'string' && /^\/dev\/uio\d+$/.test(args.path) && args.fd_type === undefined) args.fd_type = 'uio';
  if (typeof args.interrupts === 'number') {
    // the count this fd started from: its first read can show a missed interrupt too
    const start = ctx.fds.get(r.pid, wordI32(r.args[0]))?.uioCount;
    if (start !== undefined) args.count_at_open = start;
  }
  if (r.flags & SyscallFlag.nonblocking) args.nonblocking = true;
  if (r.flags & SyscallFlag.never_slept) args.never_slept = true;
  return args;
}

/**
 * What one of TABLE_CALLS changes in the trace's tables, and adds to its args from them (its own
 * args, never shared: not kept in the memo).
 */
function tableCall(r: SyscallRecord, name: SysName, args: Args, ctx: DecodeContext): void {
  const unfinished = (r.flags & 1) !== 0;
  if (name === 'epoll_ctl' && r.ret === 0 && r.data.length >= 2) {
    ctx.argsMemo.invalidate();
    ctx.epoll.ctl(r.pid, wordI32(r.args[0]), wordNumber(r.args[1]), wordI32(r.args[2]), r.data[1]);
  } else if (name === 'fcntl' && r.ret >= 0 && wordNumber(r.args[1]) === F_SETSIG && wordNumber(r.args[2]) > 0) {
    ctx.signals.setSignal(r.pid, wordNumber(r.args[2]));
  } else if (name === 'fcntl' && r.ret >= 0 && wordNumber(r.args[1]) === 4) {
    ctx.fds.setFlags(r.pid, wordI32(r.args[0]), wordNumber(r.args[2]));
    args.async = (wordNumber(r.args[2]) & O_ASYNC) !== 0;
  } else if (name === 'io_submit' && !unfinished) {
    args.iocbs = ctx.requests.takeSubmitted(r.tid);
  } else if ((name === 'io_getevents' || name === 'io_pgetevents') && !unfinished) {
    args.events = ctx.requests.takeReaped(r.tid);
  } else if (name === 'io_uring_enter') {
    const ring = ctx.requests.ringOf(r.pid, wordNumber(r.args[0]));
    if (ring !== undefined) args.ring = hex(ring);
  }
}

/** Decode a syscall record into a syscall event (or a signal handler's run). */
export function decodeSyscall(r: SyscallRecord, ctx: DecodeContext): void {
  const info = SYSCALLS.get(r.sys);
  if (!info) {
    ctx.warnings.push(`unknown syscall id ${r.sys} skipped`);
    return;
  }
  if (info.name === 'rt_sigreturn') {
    const run = ctx.signals.handlerReturned(r);
    if (run) ctx.emit(run);
    return;
  }
  // a call that changes nothing but its own args: the thread's last args when decoded from the same fields
  const shareable = IS_TABLE_CALL[info.id] !== true;
  const kept = shareable ? ctx.argsMemo.lookup(r, info) : undefined;
  const args = kept ?? ownArgs(r, info, ctx);
  if (shareable && kept === undefined) ctx.argsMemo.keep(r, info, args);
  const unfinished = (r.flags & 1) !== 0;
  if (!shareable) tableCall(r, info.name, args, ctx);
  ctx.emit({
    kind: 'syscall', name: info.name, sys: r.sys, model: info.model, pid: r.pid, tid: r.tid, ts: ctx.rel(r.ts), dur: r.dur,
    ret: r.ret, error: r.ret < 0 && !unfinished ? errnoName(-r.ret) ?? `E${-r.ret}` : null, unfinished,
    cpu: r.cpu === NO_CPU ? null : r.cpu, stackId: r.stackId, args,
  });
  // the completions this call waited for were reaped when it returned
  if (info.name === 'io_uring_enter' && !unfinished) ctx.requests.enterReturned(r.tid, ctx.rel(r.ts), ctx.rel(r.ts + r.dur));
}
