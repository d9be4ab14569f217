/**
 * The numbers behind the names strace prints (x86-64 / generic Linux values). Where iolens
 * already names a constant (model/names.ts), the table here is that naming read backwards, so
 * the two cannot disagree.
 */
import { aioOpName, epollOpName, errnoName, fcntlCmdName, O_ASYNC, O_NONBLOCK, OPEN_FLAG_VALUES, POLL_EVENT_VALUES, signalName, uringEnterFlagsName } from '../../model/names';
import type { SValue } from './values';

function invert(range: Iterable<number>, name: (n: number) => string | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of range) {
    const s = name(n);
    if (s !== undefined && !m.has(s)) m.set(s, n);
  }
  return m;
}

function* upTo(n: number, from = 0): Iterable<number> {
  for (let i = from; i <= n; i++) yield i;
}

/** errno names, EAGAIN -> 11. */
export const ERRNO = invert(upTo(600, 1), errnoName);
/** Signals: SIGIO -> 29, SIGRT_3 -> 35 (strace and iolens name real-time signals alike), SIGRTMIN -> 32. */
export const SIGNALS = new Map([...invert(upTo(64, 1), signalName), ['SIGRTMIN', 32], ['SIGPOLL', 29], ['SIGIOT', 6], ['SIGCLD', 17]]);
/** fcntl commands. */
export const FCNTL_CMDS = invert([...upTo(20), 36, 37, 38, 1024, 1025, 1026, 1030, 1031, 1032, 1033, 1034], fcntlCmdName);
/** epoll_ctl operations. */
export const EPOLL_OPS = invert(upTo(3, 1), epollOpName);
/** Linux AIO opcodes, as strace prints them: IOCB_CMD_PREAD -> 0. */
export const IOCB_CMDS = new Map([...invert(upTo(8), aioOpName)].map(([k, v]) => [`IOCB_CMD_${k.toUpperCase()}`, v]));
/** io_uring_enter flags: IORING_ENTER_GETEVENTS -> 1. */
export const URING_ENTER_FLAGS = new Map([...invert([1, 2, 4, 8, 16], uringEnterFlagsName)].map(([k, v]) => [`IORING_ENTER_${k}`, v]));

/** poll(2)/epoll event bits, by the names strace prints (POLLIN, EPOLLIN... less their prefix): iolens' names, and three it shows in hex. */
const EVENT_BITS: ReadonlyMap<string, number> = new Map([...POLL_EVENT_VALUES, ['RDBAND', 0x80], ['WRBAND', 0x200], ['MSG', 0x400]]);

/** open(2) flags strace prints (x86-64): iolens' names, and strace's aliases of two of them. */
const OPEN_FLAGS: ReadonlyMap<string, number> = new Map([...OPEN_FLAG_VALUES, ['O_NDELAY', O_NONBLOCK], ['FASYNC', O_ASYNC]]);

/** The bits of a flag set, by a table; numbers (0x8000) count as they are. */
export function bits(v: SValue | undefined, table: ReadonlyMap<string, number>, prefix = ''): number {
  if (!v) return 0;
  if (v.k === 'num') return Number(BigInt.asUintN(32, v.v));
  if (v.k !== 'flags') return 0;
  let out = 0;
  for (const w of v.v) {
    if (/^-?(0x[0-9a-fA-F]+|\d+)$/.test(w)) out |= Number(BigInt.asUintN(32, BigInt(w)));
    else out |= table.get(prefix && w.startsWith(prefix) ? w.slice(prefix.length) : w) ?? 0;
  }
  return out >>> 0;
}

/** poll/epoll event bits of `EPOLLIN|EPOLLOUT` or `POLLIN`. */
export function eventBits(v: SValue | undefined): number {
  if (v?.k !== 'flags') return bits(v, EVENT_BITS);
  return bits({ k: 'flags', v: v.v.map((w) => w.replace(/^E?POLL/, '')) }, EVENT_BITS);
}

/** open(2) flag bits. */
export function openBits(v: SValue | undefined): number {
  return bits(v, OPEN_FLAGS);
}
