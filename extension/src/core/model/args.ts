/**
 * Decoding a syscall record's raw arguments and tail into named values, using the schema's
 * per-syscall argument formats and the process's fd table.
 */
import {
  ARG_FORMATS,
  DataFormat,
  DataFormatNames,
  NO_OFFSET,
  NO_TIMEOUT,
  SyscallFlag,
  decodeAioCtxData,
  decodeFileOffsetsData,
  decodeMmsgData,
  decodePathData,
  decodeEpollCtlEventData,
  decodeEpollEventsData,
  decodePollfdsData,
  decodePollRunData,
  decodeSelectFdsData,
  decodeSiginfoData,
  decodeTimeoutNsData,
  decodeUioCountData,
  decodeUioWriteData,
  type ArgFormatName,
  type SelectFdsData,
  type SyscallInfo,
  SyscallRecordSlot,
  type SyscallRecord,
  type Word,
} from '../../../../protocol/generated/wire';
import { wordI32, wordI64, wordIsZero, wordNumber, wordU32 } from '../../../../protocol/runtime';
import type { Args, ArgValue } from './events';
import type { FdInfo, FdTables } from './fdtable';
import {
  EPOLL_CTL_DEL,
  epollOpName,
  fcntlCmdName,
  futexOpName,
  hasPollFields,
  msgFlagsName,
  openFlagsName,
  pollEventsName,
  rwfFlagsName,
  siCodeName,
  signalName,
  spliceFlagsName,
  syncFileRangeFlagsName,
  remembered,
  uringEnterFlagsName,
} from './names';

/** "0x1f": a 64-bit identifier (an address, user data) as events carry it; remembered for the last
 * 4,096 values (a loop passes the same buffer and epoll data each call). */
export const hex = remembered((v: Word): string => '0x' + v.toString(16), 4096);

/** epoll registrations, to say which fd an epoll_wait event's data stands for. */
export class EpollRegistry {
  /** Per process, per epoll fd, the fd registered with each data (no key text made per ready event). */
  private readonly regs = new Map<number, Map<number, Map<bigint, number>>>();

  /** epoll_ctl(epfd, op, fd, {events, data}). */
  ctl(pid: number, epfd: number, op: number, fd: number, data: bigint): void {
    let byEpfd = this.regs.get(pid);
    if (op === EPOLL_CTL_DEL) {
      const byData = byEpfd?.get(epfd);
      byData?.delete(data);
      if (byData && !byData.size) byEpfd?.delete(epfd);
      if (byEpfd && !byEpfd.size) this.regs.delete(pid);
      return;
    }
    if (!byEpfd) this.regs.set(pid, (byEpfd = new Map()));
    let byData = byEpfd.get(epfd);
    if (!byData) byEpfd.set(epfd, (byData = new Map()));
    byData.set(data, fd);
  }

  /** The fd registered with this data, if known. */
  fdFor(pid: number, epfd: number, data: bigint): number | undefined {
    return this.regs.get(pid)?.get(epfd)?.get(data);
  }
}

function decodeArg(fmt: ArgFormatName, raw: Word): ArgValue {
  switch (fmt) {
    case 'fd':
    case 'int':
      return wordI32(raw);
    case 'ms': {
      const v = wordI32(raw);
      return v < 0 ? -1 : v;
    }
    case 'uint':
    case 'size':
      return wordNumber(raw);
    case 'off':
      return wordI64(raw);
    case 'ptr':
    case 'hex':
    case 'timeval':
    case 'timespec':
    case 'cstr': // the string comes from the path tail when the tracer read it
      return hex(raw);
    case 'loff_ptr': // the offset comes from the file_offsets tail
      return wordIsZero(raw) ? null : hex(raw);
    case 'oct':
      return '0' + raw.toString(8);
    case 'epoll_op':
      return epollOpName(wordNumber(raw));
    case 'fcntl_cmd':
      return fcntlCmdName(wordNumber(raw));
    case 'futex_op':
      return futexOpName(wordNumber(raw));
    case 'uring_enter_flags':
      return uringEnterFlagsName(wordNumber(raw));
    case 'open_flags':
      return openFlagsName(wordU32(raw));
    case 'rwf_flags':
      return rwfFlagsName(wordU32(raw));
    case 'splice_flags':
      return spliceFlagsName(wordU32(raw));
    case 'sync_file_range_flags':
      return syncFileRangeFlagsName(wordU32(raw));
    case 'msg_flags':
      return msgFlagsName(wordU32(raw));
  }
}

function timeoutNs(word: bigint | undefined): number | null {
  return word === undefined || word === NO_TIMEOUT ? null : Number(word);
}

/** A wait whose timeout argument is a pointer shows the timeout it pointed to (read at entry), in ns. */
function showsTimeoutNs(info: SyscallInfo): boolean {
  return info.timeout !== undefined && ARG_FORMATS[info.args[info.timeout.arg].fmt].pointer;
}

/** The path of a process's fd, if known. */
function pathOf(fds: FdTables, pid: number, fd: number | undefined): string | null {
  return fd === undefined ? null : fds.get(pid, fd)?.path ?? null;
}

/** Decode the tail of a syscall record (DataFormat) into args. */
/** poll's event bits a select set stands for: readable, writable, exceptional condition. */
const SELECT_SET_EVENTS = { read: 0x1, write: 0x4, except: 0x2 } as const;

/**
 * select's watched fds (the first 64) as poll's fds are shown: each fd with the sets it was in as
 * events (IN, OUT, PRI) and the sets it was reported ready in as revents.
 */
function selectFds(data: SelectFdsData, pid: number, fds: FdTables): ArgValue[] {
  const bit = (set: bigint | undefined, fd: number): boolean => set !== undefined && ((set >> BigInt(fd)) & 1n) === 1n;
  const out: ArgValue[] = [];
  const watched = (data.read ?? 0n) | (data.write ?? 0n) | (data.except ?? 0n);
  for (let fd = 0; fd < 64 && watched >> BigInt(fd) !== 0n; fd++) {
    if (!bit(watched, fd)) continue;
    const events = (bit(data.read, fd) ? SELECT_SET_EVENTS.read : 0) | (bit(data.write, fd) ? SELECT_SET_EVENTS.write : 0) | (bit(data.except, fd) ? SELECT_SET_EVENTS.except : 0);
    const revents =
      (bit(data.readyRead, fd) ? SELECT_SET_EVENTS.read : 0) | (bit(data.readyWrite, fd) ? SELECT_SET_EVENTS.write : 0) | (bit(data.readyExcept, fd) ? SELECT_SET_EVENTS.except : 0);
    out.push({ fd, path: pathOf(fds, pid, fd), events: pollEventsName(events), revents: pollEventsName(revents) });
  }
  return out;
}

/**
 * The tail formats whose decoding reads the trace's tables (the epoll registrations, fds other than
 * the call's fd arguments, an fd's UIO count): decodeData's cases that take `epoll` or `fds`. The
 * args of a call with any other tail depend on the tables only through its fd arguments' entries
 * (kinds/syscallArgsMemo.ts relies on this).
 */
const TABLE_TAILS: ReadonlySet<number> = new Set([DataFormat.epoll_events, DataFormat.pollfds, DataFormat.select_fds, DataFormat.uio_count]);

/**
 * Whether two entries of an fd give a call's args the same values: decodeSyscallArgs reads an fd
 * argument's path and type (ownArgs a UIO fd's count). A file opened again for each request gets a
 * new entry with the same path.
 */
export function sameFdForArgs(a: FdInfo | undefined, b: FdInfo | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.path === b.path && a.type === b.type && a.uioCount === b.uioCount);
}

/** Whether a syscall record's args depend on the trace's tables only through its fd arguments' entries (`TABLE_TAILS`). */
export function tailReadsNoTable(dataFormat: number): boolean {
  return !TABLE_TAILS.has(dataFormat);
}

function decodeData(r: SyscallRecord, info: SyscallInfo, args: Args, pid: number, epoll: EpollRegistry, fds: FdTables): void {
  const format = DataFormatNames.get(r.dataFormat);
  if (format === 'path') {
    decodePath(r, info, args);
    return;
  }
  const d = r.data;
  switch (format) {
    case 'epoll_events': {
      const epfd = wordI32(r.args[0]);
      const data = decodeEpollEventsData(d);
      if (showsTimeoutNs(info)) args.timeout_ns = timeoutNs(data.timeoutNs);
      args.ready = data.items.map((item) => {
        const fd = epoll.fdFor(pid, epfd, item.data);
        return { fd: fd ?? null, path: pathOf(fds, pid, fd), events: pollEventsName(item.events), data: hex(item.data) };
      });
      break;
    }
    case 'pollfds': {
      const data = decodePollfdsData(d);
      if (showsTimeoutNs(info)) args.timeout_ns = timeoutNs(data.timeoutNs);
      args.fds = data.items.map((p) => ({ fd: p.fd, path: pathOf(fds, pid, p.fd), events: pollEventsName(p.events), revents: pollEventsName(p.revents) }));
      break;
    }
    case 'timeout_ns':
      args.timeout_ns = timeoutNs(decodeTimeoutNsData(d).timeoutNs);
      break;
    case 'select_fds': {
      const data = decodeSelectFdsData(d);
      if (showsTimeoutNs(info)) args.timeout_ns = timeoutNs(data.timeoutNs);
      if (data.except !== undefined) args.fds = selectFds(data, pid, fds);
      break;
    }
    case 'epoll_ctl_event': {
      const ev = decodeEpollCtlEventData(d);
      if (ev.events !== undefined && ev.data !== undefined) {
        args.events = pollEventsName(ev.events);
        args.data = hex(ev.data);
      }
      break;
    }
    case 'aio_ctx': {
      const ctx = decodeAioCtxData(d).ctx;
      if (ctx !== undefined) args.ctx = hex(ctx);
      break;
    }
    case 'uio_count': {
      // a read of /dev/uioN: the device's interrupt count
      const count = decodeUioCountData(d).count;
      if (count !== undefined) args.interrupts = count;
      break;
    }
    case 'uio_write': {
      // what was written (up to 8 bytes, little-endian): 1 re-enables a UIO interrupt
      const n = Math.min(8, Math.max(0, r.ret));
      const value = decodeUioWriteData(d).value;
      if (value !== undefined && n > 0) args.value = Number(value & ((1n << BigInt(8 * n)) - 1n));
      break;
    }
    case 'siginfo': {
      const si = decodeSiginfoData(d);
      args.timeout_ns = timeoutNs(si.timeoutNs);
      if (si.signo !== undefined && si.code !== undefined && si.band !== undefined && si.fd !== undefined) {
        args.signal = signalName(si.signo);
        args.code = siCodeName(si.signo, si.code);
        if (hasPollFields(si.signo, si.code)) {
          args.si_fd = si.fd;
          args.si_band = pollEventsName(Number(si.band));
        }
      }
      break;
    }
    case 'file_offsets': {
      // the offsets the call started from, for its loff_t * arguments in order; null: the fd's own position
      const offs = decodeFileOffsetsData(d);
      const names = info.args.filter((a) => a.fmt === 'loff_ptr').map((a) => a.name);
      [offs.offIn, offs.offOut].forEach((off, i) => {
        if (names[i] !== undefined && off !== undefined) args[names[i]] = off === BigInt(NO_OFFSET) ? null : Number(off);
      });
      break;
    }
    case 'mmsg': {
      const m = decodeMmsgData(d);
      if (m.bytes !== undefined && m.messages !== undefined) {
        args.bytes = Number(m.bytes);
        if (m.messages < r.ret) args.bytes_of_messages = m.messages; // only the first ones were read
      }
      break;
    }
    case 'poll_run': {
      // a run of identical empty polls sent as one record (SyscallFlag coalesced)
      const run = decodePollRunData(d);
      if (showsTimeoutNs(info)) args.timeout_ns = timeoutNs(run.timeoutNs);
      if (run.count !== undefined) args.calls = Number(run.count);
      if (run.busyNs !== undefined) args.busy_ns = Number(run.busyNs);
      break;
    }
    default:
      break;
  }
}

/**
 * A path tail (an open's, a stat's): the string argument it holds. Read from a reader's slot's bytes
 * where it is one (no 64-bit words made for it: a server opening a file per request pays it each call).
 */
function decodePath(r: SyscallRecord, info: SyscallInfo, args: Args): void {
  const name = info.args.find((a) => a.fmt === 'cstr')?.name;
  if (name !== undefined) {
    if (r instanceof SyscallRecordSlot) {
      if (r.tailEnd > r.tailStart) args[name] = r.tailText();
    } else if (r.data.length) args[name] = decodePathData(r.data).path;
  }
  if ((r.flags & SyscallFlag.data_truncated) !== 0) args.path_truncated = true;
}

/**
 * Named arguments of a syscall record: the schema's arguments (pointers as hex, or left out when
 * not `pointers`), `path` for the call's fd, and what the tail holds (ready events, poll fds,
 * timeouts, siginfo).
 */
export function decodeSyscallArgs(r: SyscallRecord, info: SyscallInfo, fds: FdTables, epoll: EpollRegistry, pointers = true): Args {
  const plan = planOf(info);
  // grown name by name in the schema's order: every event of a syscall takes the same transitions to
  // one shape; a spread of a template per syscall was a megamorphic clone, dearer (bench/README.md)
  const args: Args = {};
  const list = info.args;
  if (pointers) for (let i = 0; i < list.length; i++) args[list[i].name] = decodeArg(list[i].fmt, r.args[i]);
  else {
    // the others in the same order: the args a consumer that drops the pointers would have kept
    const kept = plan.notPointers;
    for (let k = 0; k < kept.length; k++) {
      const i = kept[k];
      args[list[i].name] = decodeArg(list[i].fmt, r.args[i]);
    }
  }
  const fdArgs = plan.fdArgs;
  for (let k = 0; k < fdArgs.length; k++) {
    const i = fdArgs[k];
    // decodeArg's value of an fd argument: its low 32 bits, signed
    const f = fds.get(r.pid, args[list[i].name] as number);
    if (!f) continue;
    if (i === plan.callFd) {
      args.path = f.path;
      args.fd_type = f.type;
    } else {
      // the call's other fds (sendfile's in_fd, splice's fd_out...): `<name>_path`
      args[`${list[i].name}_path`] = f.path;
    }
  }
  decodeData(r, info, args, r.pid, epoll, fds);
  return args;
}

/** What decodeSyscallArgs needs of a syscall, worked out once (it is asked for every event). */
export interface ArgsPlan {
  /** The indexes of its fd arguments. */
  readonly fdArgs: readonly number[];
  /** The index of the fd argument the call is about: the one named `fd` (epoll_ctl's target), else the first fd argument; -1 when none. */
  readonly callFd: number;
  /** The indexes of its arguments that are no pointers (ARG_FORMATS' `pointer`), in order. */
  readonly notPointers: readonly number[];
}

/** Per syscall id, its ArgsPlan (an array: asked for several times an event). */
const plans: (ArgsPlan | undefined)[] = [];

/** A syscall's ArgsPlan (made once). */
export function planOf(info: SyscallInfo): ArgsPlan {
  let plan = plans[info.id];
  if (plan === undefined) {
    const named = info.args.findIndex((a) => a.name === 'fd');
    const fdArgs = info.args.flatMap((a, i) => (a.fmt === 'fd' ? [i] : []));
    const notPointers = info.args.flatMap((a, i) => (ARG_FORMATS[a.fmt].pointer ? [] : [i]));
    plan = { fdArgs, callFd: named >= 0 ? named : fdArgs.length ? fdArgs[0] : -1, notPointers };
    plans[info.id] = plan;
  }
  return plan;
}

/** How many calls a syscall event stands for: a coalesced run of empty polls (args.calls) many, else 1. */
export function callsOf(e: { readonly args: Args }): number {
  const n = e.args.calls;
  return typeof n === 'number' && n > 0 ? n : 1;
}

/**
 * The time one of the event's calls took: its duration, or for a coalesced run of empty polls the
 * time inside its calls (args.busy_ns, else its span) shared out among them.
 */
export function perCallNs(e: { readonly args: Args; readonly dur: number }): number {
  const calls = callsOf(e);
  if (calls === 1) return e.dur;
  return (typeof e.args.busy_ns === 'number' ? e.args.busy_ns : e.dur) / calls;
}
