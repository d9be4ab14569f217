/** The one-line text of a syscall: its decoded arguments and its result, as `iolens record` prints them. */
import { ARG_FORMATS, SYSCALLS } from '../../../../protocol/generated/wire';
import { formatCount, formatDuration } from '../../../../shared/format';
import type { Args } from '../model/events';
import type { Paint } from './kind';
import type { SyscallEvent } from './syscall';
import { fdText, scalar } from './text';

/** The dirfd of the *at calls meaning the current directory. */
const AT_FDCWD = -100;

/** Arguments worth showing inline (pointers and bookkeeping left out). */
const HIDDEN = new Set(['sigmask', 'sigsetsize', 'sig', 'usig', 'argp', 'argsz', 'path', 'fd_type', 'ready', 'fds', 'iocbs', 'events', 'ctxp']);

function syscallArgs(e: SyscallEvent): string {
  const info = SYSCALLS.get(e.sys);
  const parts: string[] = [];
  const firstFd = info?.args.find((a) => a.name === 'fd')?.name ?? info?.args.find((a) => a.fmt === 'fd')?.name;
  for (const a of info?.args ?? []) {
    if (ARG_FORMATS[a.fmt].pointer || HIDDEN.has(a.name)) continue; // pointers say nothing to a reader
    const v = e.args[a.name];
    if (v === undefined) continue;
    if (a.fmt === 'fd' && v === AT_FDCWD) parts.push(`${a.name}=AT_FDCWD`);
    else if (a.name === firstFd) parts.push(`${a.name}=${fdText(v, e.args.path)}`);
    else if (a.fmt === 'fd') parts.push(`${a.name}=${fdText(v, e.args[`${a.name}_path`])}`);
    else if (a.fmt === 'cstr') parts.push(`${a.name}=${typeof v === 'string' && !v.startsWith('0x') ? JSON.stringify(v) + (e.args.path_truncated ? '…' : '') : v}`);
    else if (a.fmt === 'loff_ptr' && v === null) continue; // no offset pointer: the fd's own position
    else if (a.fmt === 'ms') parts.push(`${a.name.replace(/_ms$/, '')}=${v === -1 ? 'infinite' : `${v} ms`}`);
    else parts.push(`${a.name}=${scalar(v)}`);
  }
  if (typeof e.args.timeout_ns === 'number' || e.args.timeout_ns === null) {
    if ('timeout_ns' in e.args && info?.timeout?.kind !== 'ms') {
      parts.push(`timeout=${e.args.timeout_ns === null ? 'infinite' : formatDuration(e.args.timeout_ns as number)}`);
    }
  }
  if (e.name === 'epoll_ctl' && typeof e.args.events === 'string') parts.push(`events=${e.args.events}`);
  return parts.join(', ');
}

function readyText(args: Args): string {
  const list = (Array.isArray(args.ready) ? args.ready : Array.isArray(args.fds) ? args.fds : []) as Args[];
  const shown = list.filter((r) => !('revents' in r) || r.revents !== '0');
  if (!shown.length) return '';
  return ' [' + shown.map((r) => `${r.fd === null ? `data ${r.data}` : `fd ${r.fd}`} ${r.revents ?? r.events}`).join(', ') + ']';
}

function resultText(paint: Paint, e: SyscallEvent): string {
  if (e.unfinished) return paint('yellow', '= ? (still in progress)');
  if (e.error) return paint('red', `= -1 ${e.error}`);
  let s = `= ${e.ret}`;
  if (e.name === 'io_submit' && Array.isArray(e.args.iocbs)) {
    s += ` (${(e.args.iocbs as Args[]).map((c) => `${c.op} fd ${c.fd}${c.resfd !== null ? ` →eventfd ${c.resfd}` : ''}`).join(', ')})`;
  } else if ((e.name === 'io_getevents' || e.name === 'io_pgetevents') && Array.isArray(e.args.events) && e.args.events.length) {
    s += ` (${(e.args.events as Args[]).map((c) => `res ${c.res}`).join(', ')})`;
  } else if (typeof e.args.interrupts === 'number') {
    s += ` (interrupt count ${e.args.interrupts})`;
  } else if (e.args.fd_type === 'uio' && e.args.value === 1) {
    s += ' (re-enable interrupt)';
  } else if (typeof e.args.bytes === 'number' && (e.name === 'sendmmsg' || e.name === 'recvmmsg')) {
    const of = typeof e.args.bytes_of_messages === 'number' ? ` in the first ${e.args.bytes_of_messages}` : '';
    s += ` (${e.ret === 1 ? '1 message' : `${e.ret} messages`}, ${e.args.bytes} bytes${of})`;
  } else if (e.name === 'rt_sigtimedwait' && typeof e.args.signal === 'string') {
    s += ` (${e.args.signal} ${e.args.code})`;
  } else if (typeof e.args.calls === 'number') {
    // a coalesced run of empty polls: its calls back to back, and the time inside them
    const busy = typeof e.args.busy_ns === 'number' ? `, ${formatDuration(e.args.busy_ns)} inside them` : '';
    s += ` ×${formatCount(e.args.calls)} calls back to back${busy}`;
  }
  return s + readyText(e.args);
}

/** "read(fd=3 </dev/uio0>, count=4) = 4": the call, its arguments and its result. */
export function syscallLine(e: SyscallEvent, paint: Paint): string {
  return `${paint('bold', e.name)}(${syscallArgs(e)}) ${resultText(paint, e)}`;
}
