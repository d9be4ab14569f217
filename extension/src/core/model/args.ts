/**
 * Decoding a syscall record's raw arguments and tail into named values, using the schema's
 * per-syscall argument formats and the process's fd table.
 */
import { DataFormatNames, Sys, type SyscallInfo, type SyscallRecord } from '../../../../protocol/generated/wire';
import type { Args, ArgValue } from './events';
import type { FdTables } from './fdtable';
import {
  epollOpName,
  fcntlCmdName,
  futexOpName,
  pollEventsName,
  siCodeName,
  signalName,
  uringEnterFlagsName,
} from './names';

const NO_TIMEOUT = 0xffffffffffffffffn;

/** A u64 as a signed 64-bit number (exact only below 2^53, as all values shown here are). */
function signed(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function hex(v: bigint): string {
  return '0x' + v.toString(16);
}

/** epoll registrations, to say which fd an epoll_wait event's data stands for. */
export class EpollRegistry {
  private readonly regs = new Map<string, number>();

  private key(pid: number, epfd: number, data: bigint): string {
    return `${pid}:${epfd}:${data}`;
  }

  /** epoll_ctl(epfd, op, fd, {events, data}). */
  ctl(pid: number, epfd: number, op: number, fd: number, data: bigint): void {
    if (op === 2) this.regs.delete(this.key(pid, epfd, data));
    else this.regs.set(this.key(pid, epfd, data), fd);
  }

  /** The fd registered with this data, if known. */
  fdFor(pid: number, epfd: number, data: bigint): number | undefined {
    return this.regs.get(this.key(pid, epfd, data));
  }
}

function decodeArg(fmt: string, raw: bigint): ArgValue {
  switch (fmt) {
    case 'fd':
    case 'int':
      return signed(BigInt.asIntN(32, raw));
    case 'ms': {
      const v = signed(BigInt.asIntN(32, raw));
      return v < 0 ? -1 : v;
    }
    case 'uint':
    case 'size':
      return Number(raw);
    case 'ptr':
    case 'hex':
      return hex(raw);
    case 'oct':
      return '0' + raw.toString(8);
    case 'epoll_op':
      return epollOpName(Number(raw));
    case 'fcntl_cmd':
      return fcntlCmdName(Number(raw));
    case 'futex_op':
      return futexOpName(Number(raw));
    case 'uring_enter_flags':
      return uringEnterFlagsName(Number(raw));
    default:
      return hex(raw);
  }
}

function timeoutNs(word: bigint | undefined): number | null {
  return word === undefined || word === NO_TIMEOUT ? null : Number(word);
}

/** Decode the tail of a syscall record (DataFormat) into args. */
function decodeData(r: SyscallRecord, args: Args, pid: number, epoll: EpollRegistry, fds: FdTables): void {
  const pathOf = (fd: number | undefined): string | null => (fd === undefined ? null : fds.get(pid, fd)?.path ?? null);
  const d = r.data;
  switch (DataFormatNames.get(r.dataFormat)) {
    case 'epoll_events': {
      const epfd = Number(BigInt.asIntN(32, r.args[0]));
      if (r.sys === Sys.epoll_pwait2) args.timeout_ns = timeoutNs(d[0]);
      const ready: ArgValue[] = [];
      for (let i = 1; i + 1 < d.length; i += 2) {
        const data = d[i + 1];
        const fd = epoll.fdFor(pid, epfd, data);
        ready.push({ fd: fd ?? null, path: pathOf(fd), events: pollEventsName(Number(d[i])), data: hex(data) });
      }
      args.ready = ready;
      break;
    }
    case 'pollfds': {
      if (r.sys === Sys.ppoll) args.timeout_ns = timeoutNs(d[0]);
      const list: ArgValue[] = [];
      for (let i = 1; i < d.length; i++) {
        const w = d[i];
        const fd = Number(BigInt.asIntN(32, w & 0xffffffffn));
        list.push({
          fd,
          path: pathOf(fd),
          events: pollEventsName(Number((w >> 32n) & 0xffffn)),
          revents: pollEventsName(Number((w >> 48n) & 0xffffn)),
        });
      }
      args.fds = list;
      break;
    }
    case 'timeout_ns':
      args.timeout_ns = timeoutNs(d[0]);
      break;
    case 'epoll_ctl_event':
      if (d.length >= 2) {
        args.events = pollEventsName(Number(d[0]));
        args.data = hex(d[1]);
      }
      break;
    case 'aio_ctx':
      if (d.length >= 1) args.ctx = hex(d[0]);
      break;
    case 'uio_count':
      // a read of /dev/uioN: the device's interrupt count
      if (d.length >= 1) args.interrupts = Number(d[0] & 0xffffffffn);
      break;
    case 'uio_write': {
      // what was written (up to 8 bytes, little-endian): 1 re-enables a UIO interrupt
      const n = Math.min(8, Math.max(0, r.ret));
      if (d.length >= 1 && n > 0) args.value = Number(d[0] & ((1n << BigInt(8 * n)) - 1n));
      break;
    }
    case 'siginfo':
      args.timeout_ns = timeoutNs(d[0]);
      if (d.length >= 4) {
        const sig = Number(d[1] & 0xffffffffn);
        const code = Number(BigInt.asIntN(32, d[1] >> 32n));
        args.signal = signalName(sig);
        args.code = siCodeName(sig, code);
        if ((sig === 29 || sig >= 32) && code >= 1 && code <= 6) {
          args.si_fd = Number(BigInt.asIntN(32, d[3]));
          args.si_band = pollEventsName(Number(d[2]));
        }
      }
      break;
    default:
      break;
  }
}

/**
 * Named arguments of a syscall record: the schema's arguments (pointers as hex), `path` for the
 * call's fd, and what the tail holds (ready events, poll fds, timeouts, siginfo).
 */
export function decodeSyscallArgs(r: SyscallRecord, info: SyscallInfo, fds: FdTables, epoll: EpollRegistry): Args {
  const args: Args = {};
  info.args.forEach((a, i) => {
    args[a.name] = decodeArg(a.fmt, r.args[i]);
  });
  // the fd the call is about: the one named `fd` (epoll_ctl's target), else the first fd argument
  const named = info.args.findIndex((a) => a.name === 'fd');
  const fdArg = named >= 0 ? named : info.args.findIndex((a) => a.fmt === 'fd');
  if (fdArg >= 0) {
    const fd = Number(BigInt.asIntN(32, r.args[fdArg]));
    const f = fds.get(r.pid, fd);
    if (f) {
      args.path = f.path;
      args.fd_type = f.type;
    }
  }
  decodeData(r, args, r.pid, epoll, fds);
  return args;
}
