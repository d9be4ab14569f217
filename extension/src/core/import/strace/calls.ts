/**
 * A system call as strace printed it, as the tracer would have recorded it: the raw arguments
 * (by the schema's formats: fds and integers as numbers, names of operations and flags as their
 * values, pointers that strace dereferenced as 0) and the record's tail (DataFormat): the ready
 * events of an epoll wait, the pollfds, a timeout, an epoll registration, an AIO context, a
 * siginfo — what the tracer reads from the program's memory, strace printed.
 */
import { DataFormat, FcntlCmdGroups, NO_OFFSET, NO_TIMEOUT, SyscallFlag, type SyscallInfo } from '../../../../../protocol/generated/wire';
import { textWords } from '../../../../../protocol/runtime';
import type { StraceCall } from './lines';
import { EPOLL_OPS, FCNTL_CMDS, SIGNALS, URING_ENTER_FLAGS, bits, eventBits, openBits } from './constants';
import { fcntlCmdName, siCode } from '../../model/names';
import { ValueReader, type SValue } from './values';

/** Most ready events, pollfds, messages and path words a record carries (schema.json's tails). */
const MAX_EPOLL_EVENTS = 8;
const MAX_POLLFDS = 16;
const MAX_MMSG = 16;
const PATH_WORDS = 16;
/**
 * fcntl commands the tracers record, by name as strace writes them (the schema's FcntlCmd groups,
 * as rules.h applies them: the setup of signal-driven I/O, the waits for a record lock; the rest only
 * change the fd table, or nothing it shows).
 */
export const FCNTL_RECORDED: ReadonlySet<string> = new Set([...FcntlCmdGroups.setup, ...FcntlCmdGroups.lock_wait].map(fcntlCmdName));

/** A call's record fields. */
export interface DecodedCall {
  readonly args: bigint[];
  readonly dataFormat: number;
  readonly data: bigint[];
  /** SyscallFlag bits the tail sets (data_truncated). */
  readonly flags: number;
}

/** A struct's field. */
export function field(v: SValue | undefined, name: string): SValue | undefined {
  return v?.k === 'struct' ? v.v[name] : undefined;
}

/** A number, or undefined. */
export function num(v: SValue | undefined): bigint | undefined {
  if (v?.k === 'num') return v.v;
  if (v?.k === 'flags' && v.v.length === 1 && /^-?(0x[0-9a-fA-F]+|\d+)$/.test(v.v[0])) return BigInt(v.v[0]);
  return undefined;
}

/** A signal's number from its name (SIGIO, or IO inside a set). */
export function signalNumber(v: SValue | undefined): number | undefined {
  if (v?.k === 'num') return Number(v.v);
  if (v?.k !== 'flags' || v.v.length !== 1) return undefined;
  const name = v.v[0];
  return SIGNALS.get(name) ?? SIGNALS.get(`SIG${name}`);
}

/** ns of a timespec `{tv_sec=1, tv_nsec=5}` or timeval `{tv_sec=1, tv_usec=5}`; NO_TIMEOUT for NULL. */
export function timeoutNs(v: SValue | undefined): bigint {
  const sec = num(field(v, 'tv_sec'));
  if (sec === undefined) return NO_TIMEOUT;
  const nsec = num(field(v, 'tv_nsec'));
  const usec = num(field(v, 'tv_usec'));
  return sec * 1_000_000_000n + (nsec ?? (usec ?? 0n) * 1000n);
}

/** The raw value of one argument, by the schema's format. */
function raw(fmt: string, v: SValue | undefined): bigint {
  if (!v) return 0n;
  const n = num(v);
  if (n !== undefined) return BigInt.asUintN(64, n);
  if (v.k !== 'flags') return 0n; // a string, array or struct strace read from the pointer
  switch (fmt) {
    case 'epoll_op':
      return BigInt(EPOLL_OPS.get(v.v[0]) ?? 0);
    case 'fcntl_cmd':
      return BigInt(FCNTL_CMDS.get(v.v[0]) ?? 0);
    case 'uring_enter_flags':
      return BigInt(bits(v, URING_ENTER_FLAGS));
    case 'fd':
    case 'int':
      return v.v[0] === 'AT_FDCWD' ? BigInt.asUintN(64, -100n) : 0n;
    default:
      return BigInt(openBits(v)); // flags: the open(2) ones are the only ones iolens reads back
  }
}

/** Record fields of a call iolens traces. */
export function decodeCall(info: SyscallInfo, c: StraceCall, vals: readonly SValue[], ret: number): DecodedCall {
  const args = info.args.map((a, i) => raw(a.fmt, vals[i]));
  while (args.length < 6) args.push(0n);
  if (info.name === 'fcntl') args[2] = fcntlArg(vals);
  let flags = 0;
  let data: bigint[];
  if (info.data === 'path') {
    const at = info.args.findIndex((a) => a.fmt === 'cstr');
    const path = vals[at]?.k === 'str' ? textWords((vals[at] as { v: string }).v, PATH_WORDS) : { words: [], truncated: false };
    data = path.words;
    if (path.truncated || (vals[at]?.k === 'str' && (vals[at] as { truncated: boolean }).truncated)) flags |= SyscallFlag.data_truncated;
  } else {
    data = tail(info, c, vals, ret);
  }
  return { args, dataFormat: data.length ? DataFormat[info.data] : 0, data, flags };
}

/** The timeout word of a wait, as the tracer reads it at entry (by the schema's timeout argument and kind). */
function timeoutWord(info: SyscallInfo, vals: readonly SValue[]): bigint {
  if (!info.timeout) return NO_TIMEOUT;
  const v = vals[info.timeout.arg];
  if (info.timeout.kind === 'ms') {
    const ms = num(v);
    return ms === undefined || ms < 0n ? NO_TIMEOUT : ms * 1_000_000n;
  }
  return timeoutNs(v);
}

/** A bit per fd below 64 (select's sets, as the tracer keeps their first word). */
function fdBits(fds: readonly (string | bigint | undefined)[]): bigint {
  let w = 0n;
  for (const f of fds) {
    const fd = typeof f === 'bigint' ? f : f ? BigInt(f) : -1n;
    if (fd >= 0n && fd < 64n) w |= 1n << fd;
  }
  return w;
}

/** One of select's sets as strace prints it ([4 7], or NULL): its first word. */
function fdSetWord(v: SValue | undefined): bigint {
  return v?.k === 'list' ? fdBits(v.v.map((x) => num(x))) : 0n;
}

/** fcntl's third argument: flags for F_SETFL, a signal for F_SETSIG, a pid for F_SETOWN. */
function fcntlArg(vals: readonly SValue[]): bigint {
  const cmd = vals[1]?.k === 'flags' ? vals[1].v[0] : '';
  if (cmd === 'F_SETFL') return BigInt(openBits(vals[2]));
  if (cmd === 'F_SETSIG') return BigInt(signalNumber(vals[2]) ?? Number(num(vals[2]) ?? 0n));
  return BigInt.asUintN(64, num(vals[2]) ?? 0n);
}

function tail(info: SyscallInfo, c: StraceCall, vals: readonly SValue[], ret: number): bigint[] {
  switch (info.data) {
    case 'epoll_events': {
      const out = [timeoutWord(info, vals)];
      const events = vals[1]?.k === 'list' ? vals[1].v : [];
      for (const e of events.slice(0, MAX_EPOLL_EVENTS)) {
        const data = field(e, 'data');
        const u64 = num(field(data, 'u64')) ?? num(data) ?? 0n;
        out.push(BigInt(eventBits(field(e, 'events'))), BigInt.asUintN(64, u64));
      }
      return out;
    }
    case 'pollfds': {
      const out = [timeoutWord(info, vals)];
      const revents = new Map<number, number>();
      if (c.note) {
        const first = new ValueReader(c.note).list(null)[0];
        for (const r of first?.k === 'list' ? first.v : []) revents.set(Number(num(field(r, 'fd')) ?? -1n), eventBits(field(r, 'revents')));
      }
      const fds = vals[0]?.k === 'list' ? vals[0].v : [];
      for (const p of fds.slice(0, MAX_POLLFDS)) {
        const fd = Number(num(field(p, 'fd')) ?? -1n);
        const word = BigInt.asUintN(32, BigInt(fd)) | (BigInt(eventBits(field(p, 'events'))) << 32n) | (BigInt(revents.get(fd) ?? 0) << 48n);
        out.push(word);
      }
      return out;
    }
    case 'timeout_ns':
      return [timeoutWord(info, vals)];
    case 'select_fds': {
      // select(n, [4 7], [4], NULL, …) = 2 (in [7], out [4]): the first 64 fds of each set, a bit each
      const watched = [1, 2, 3].map((i) => fdSetWord(vals[i]));
      const ready = { in: 0n, out: 0n, except: 0n };
      for (const m of (c.note ?? '').matchAll(/\b(in|out|except) \[([\d ]*)\]/g)) ready[m[1] as keyof typeof ready] = fdBits(m[2].split(' '));
      return [timeoutWord(info, vals), ...watched, ready.in, ready.out, ready.except];
    }
    case 'file_offsets':
      // strace prints a loff_t * as [value] (=> [value after]): the start is what the call left less what it moved
      return info.args.flatMap((a, i) => {
        if (a.fmt !== 'loff_ptr') return [];
        const v = vals[i];
        const after = v?.k === 'list' ? num(v.v[0]) : undefined;
        return [after === undefined ? BigInt.asUintN(64, BigInt(NO_OFFSET)) : BigInt.asUintN(64, after - BigInt(Math.max(0, ret)))];
      });
    case 'mmsg': {
      const msgs = vals[1]?.k === 'list' ? vals[1].v.filter((m) => m.k === 'struct').slice(0, Math.min(MAX_MMSG, Math.max(0, ret))) : [];
      const bytes = msgs.reduce((sum, m) => sum + (num(field(m, 'msg_len')) ?? 0n), 0n);
      return [bytes, BigInt(msgs.length)];
    }
    case 'epoll_ctl_event': {
      const ev = vals[3];
      if (ev?.k !== 'struct') return [];
      const data = field(ev, 'data');
      return [BigInt(eventBits(field(ev, 'events'))), BigInt.asUintN(64, num(field(data, 'u64')) ?? num(data) ?? 0n)];
    }
    case 'aio_ctx': {
      const ctx = vals[1]?.k === 'list' ? num(vals[1].v[0]) : undefined;
      return ctx !== undefined ? [ctx] : [];
    }
    case 'siginfo': {
      const out = [timeoutWord(info, vals)];
      const si = vals[1];
      const sig = signalNumber(field(si, 'si_signo'));
      if (sig === undefined) return out;
      const codeName = field(si, 'si_code');
      const code = codeName?.k === 'flags' ? siCode(sig, codeName.v[0]) ?? 0 : Number(num(codeName) ?? 0n);
      const band = BigInt(eventBits(field(si, 'si_band')));
      const fd = BigInt.asUintN(64, num(field(si, 'si_fd')) ?? -1n);
      out.push(BigInt(sig) | (BigInt.asUintN(32, BigInt(code)) << 32n), band, fd);
      return out;
    }
    default:
      return [];
  }
}
