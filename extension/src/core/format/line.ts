/**
 * One readable line per event for `iolens record`: time, process/thread, the call with its decoded
 * arguments, the result, how long it took, and the source line that issued it.
 */
import { ARG_FORMATS, SYSCALLS } from '../../../../protocol/generated/wire';
import { KINDS, type Args, type ArgValue, type TraceEvent } from '../model/events';
import { signalResultName, siCodeName, waitStatus } from '../model/names';
import type { ResolvedStack } from '../symbols/stacks';
import { formatLocation, sourceFrame } from './source';
import { formatDuration, formatTimestamp } from '../../../../shared/format';

/** What a line needs besides the event. */
export interface LineContext {
  threadName(pid: number, tid: number): string;
  stack(id: bigint): ResolvedStack | undefined;
  /** Paths under this folder are shown relative to it. */
  readonly cwd: string;
  readonly color: boolean;
}

/** The dirfd of the *at calls meaning the current directory. */
const AT_FDCWD = -100;

const STYLE = { dim: '\x1b[2m', bold: '\x1b[1m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', reset: '\x1b[0m' };
type Style = keyof typeof STYLE;

function paint(ctx: LineContext, style: Style, s: string): string {
  return ctx.color ? STYLE[style] + s + STYLE.reset : s;
}

/** Arguments worth showing inline (pointers and bookkeeping left out). */
const HIDDEN = new Set(['sigmask', 'sigsetsize', 'sig', 'usig', 'argp', 'argsz', 'path', 'fd_type', 'ready', 'fds', 'iocbs', 'events', 'ctxp']);

function scalar(v: ArgValue): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function fdText(fd: ArgValue, path: ArgValue | undefined): string {
  return `${scalar(fd)}${typeof path === 'string' && path ? ` <${path}>` : ''}`;
}

function syscallArgs(e: TraceEvent & { kind: 'syscall' }): string {
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

function resultText(ctx: LineContext, e: TraceEvent & { kind: 'syscall' }): string {
  if (e.unfinished) return paint(ctx, 'yellow', '= ? (still in progress)');
  if (e.error) return paint(ctx, 'red', `= -1 ${e.error}`);
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
  }
  return s + readyText(e.args);
}

function requestText(e: TraceEvent & { kind: 'aio' | 'uring' }): string {
  const a = e.args;
  const engine = e.kind === 'aio' ? 'aio' : 'io_uring';
  const res = e.res === null ? '= ? (in flight)' : `= ${e.res}`;
  if (e.beforeRecording) {
    // what the completion tells: where it came from, its user data, its result
    const from = e.kind === 'aio' ? `ctx=${a.ctx}, obj=${a.obj}` : `ring=${a.ring}`;
    return `${engine} request ${e.name} (${from}, data=0x${e.data.toString(16)}) ${res}${e.kind === 'aio' ? ', reaped' : ', CQE posted'}`;
  }
  const parts = [`fd=${fdText(a.fd ?? e.fd, a.path)}`];
  if (e.kind === 'aio') {
    parts.push(`offset=${a.offset}`, `nbytes=${a.nbytes}`);
    if (a.resfd !== null && a.resfd !== undefined) parts.push(`eventfd=${a.resfd}`);
  } else if (a.sqpoll) {
    parts.push('sqpoll');
  }
  parts.push(`data=0x${e.data.toString(16)}`);
  // io_uring's duration ends at the CQE; when the application waited for it, say when it got it
  const reaped = e.kind === 'uring' && e.reapTs !== null && e.submitTs !== null ? `, reaped after ${formatDuration(e.reapTs - e.submitTs)}` : '';
  return `${engine} ${e.name}(${parts.join(', ')}) ${res}${reaped}`;
}

function callText(ctx: LineContext, e: TraceEvent): string {
  switch (e.kind) {
    case 'syscall':
      return `${paint(ctx, 'bold', e.name)}(${syscallArgs(e)}) ${resultText(ctx, e)}`;
    case 'aio':
    case 'uring':
      return requestText(e);
    case 'signal': {
      const code = siCodeName(e.sig, e.code);
      const fdNum = typeof e.args.si_fd === 'number' ? e.args.si_fd : typeof e.args.fd === 'number' ? e.args.fd : null;
      const fd = fdNum !== null ? `, fd ${fdNum}${typeof e.args.path === 'string' ? ` ${e.args.path}` : ''}` : '';
      if (e.phase === 'handler') return `${paint(ctx, 'bold', e.name)} handler ${e.args.handler} ran`;
      if (e.phase === 'generate') {
        const result = e.coalesced ? ', merged into the one already pending' : e.args.result !== 0 ? `, ${signalResultName(e.args.result as number)}` : '';
        const by = e.args.from_interrupt ? `an interrupt handler (on ${e.args.interrupted})` : `${e.args.sender}[${e.args.sender_tid}]`;
        return `${paint(ctx, 'bold', e.name)} generated (${code}${fd}) by ${by}${result}`;
      }
      const lat = e.generateTs !== null ? `, ${formatDuration(e.ts - e.generateTs)} after it was generated` : '';
      return `${paint(ctx, 'bold', e.name)} delivered (${code}${fd})${lat}`;
    }
    case 'irq':
      return `IRQ ${e.irq} ${paint(ctx, 'bold', e.name)} on CPU ${e.cpu}${e.ret === 0 ? ' (not handled)' : ''}`;
    case 'process':
    case 'thread': {
      const what = e.kind === 'process' ? 'process' : 'thread';
      switch (e.name) {
        case 'start':
          return `${what} started (${e.comm}, parent ${e.args.parent_pid}/${e.args.parent_tid})`;
        case 'exec':
          return `exec ${e.args.filename ?? ''}`;
        case 'exit': {
          const w = e.exitCode !== null ? waitStatus(e.exitCode) : null;
          return `${what} exited${w ? ` (status ${w.code}${w.signal ? `, signal ${w.signal}` : ''})` : ''}`;
        }
        case 'rename':
          return `thread renamed to ${e.comm}`;
        default:
          return `${what} ${e.comm} present at attach`;
      }
    }
    case 'wake':
      return `${e.name}${e.args.fd !== null ? `(fd=${fdText(e.args.fd, e.args.path)})` : ''} woke ${e.wakeePid}/${e.wakeeTid} out of ${e.args.wakee_call}`;
    case 'drop':
      return paint(ctx, 'red', `LOST ${e.count} records (${e.name}); ${e.total} in total`);
  }
}

/** Duration of an event, if it spans time. */
function durationOf(e: TraceEvent): number | null {
  return 'dur' in e ? e.dur : null;
}

/** The line for one event (no trailing newline). */
export function formatEventLine(e: TraceEvent, ctx: LineContext): string {
  const time = paint(ctx, 'dim', formatTimestamp(e.ts));
  const who = KINDS[e.kind].threadless ? '-' : `${ctx.threadName(e.pid, e.tid) || '?'} ${e.pid}/${e.tid}`;
  const dur = durationOf(e);
  const durText = dur !== null ? `  ${paint(ctx, dur >= 10e6 ? 'yellow' : 'dim', formatDuration(dur))}` : '';
  const frame = sourceFrame(ctx.stack(e.stackId));
  const where = frame ? `  ${paint(ctx, 'cyan', formatLocation(frame, ctx.cwd))}${frame.function ? ` ${paint(ctx, 'dim', `(${frame.function})`)}` : ''}` : '';
  return `${time}  ${who}  ${callText(ctx, e)}${durText}${where}`;
}
