/**
 * The fd tables of the processes in an strace log, as fd records: what the calls that open, dup
 * and close fds did, and what `-y` says an fd is (`3</var/data/db>`, `4<pipe:[1234]>`) when the
 * log never showed it being opened.
 */
import * as wire from '../../../../../protocol/generated/wire';
import { openBits } from './constants';
import { num } from './calls';
import type { StraceCall } from './lines';
import type { SValue } from './values';

const T = wire.FdType;
const OP = wire.FdOp;

/** What an fd is, from its path or -y description. */
export function fdType(path: string): number {
  if (/^pipe:/.test(path)) return T.pipe;
  if (/^(socket|TCP|TCPv6|UDP|UDPv6|UNIX|UNIX-STREAM|NETLINK)[:[]/.test(path)) return T.socket;
  const anon = /^anon_inode:\[?([a-z_]+)/.exec(path);
  if (anon) return ({ eventfd: T.eventfd, eventpoll: T.epoll, io_uring: T.uring, signalfd: T.signalfd, timerfd: T.timerfd } as Record<string, number>)[anon[1]] ?? T.anon;
  if (/^\/dev\/uio\d+$/.test(path)) return T.uio;
  if (/^\/dev\//.test(path)) return T.chr;
  // procfs, sysfs and the cgroup, debug and trace file systems under them: the kernel computes their content
  if (/^\/(proc|sys)\//.test(path)) return T.virtual;
  return T.file;
}

/** The type an fd-making call gives its fd. */
const MADE: Readonly<Record<string, number>> = {
  socket: T.socket, socketpair: T.socket, accept: T.socket, accept4: T.socket, pipe: T.pipe, pipe2: T.pipe, eventfd: T.eventfd,
  eventfd2: T.eventfd, epoll_create: T.epoll, epoll_create1: T.epoll, timerfd_create: T.timerfd, signalfd: T.signalfd,
  signalfd4: T.signalfd, io_uring_setup: T.uring,
};

/** Mirrors the fd tables to tell a new fd from a known one. */
export class StraceFds {
  private readonly tables = new Map<number, Map<number, string>>();

  constructor(private readonly emit: (rec: Uint8Array) => void) {}

  private table(pid: number): Map<number, string> {
    let t = this.tables.get(pid);
    if (!t) this.tables.set(pid, (t = new Map()));
    return t;
  }

  private record(op: number, pid: number, tid: number, ts: number, fd: number, o: { type?: number; fd2?: number; path?: string; flags?: number; sys?: string } = {}): void {
    const t = this.table(pid);
    if (op === OP.open || op === OP.existing || op === OP.path) {
      t.set(fd, o.path ?? '');
      if (o.fd2 !== undefined && o.fd2 >= 0) t.set(o.fd2, o.path ?? '');
    } else if (op === OP.close) {
      t.delete(fd);
    } else if (op === OP.dup) {
      const src = t.get(o.fd2 ?? -1);
      if (src !== undefined) t.set(fd, src);
    } else if (op === OP.close_range) {
      for (const k of [...t.keys()]) if (k >= fd && k <= (o.fd2 ?? -1) >>> 0) t.delete(k);
    }
    this.emit(wire.encodeFd({
      op, type: o.type ?? 0, sys: o.sys ? wire.SYSCALLS_BY_NAME.get(o.sys)?.id ?? 0 : 0, pid, tid, ts, fd, fd2: o.fd2 ?? -1, openFlags: o.flags ?? 0,
      rdev: 0, dev: 0, ino: 0, aux: 0, path: o.path ?? '',
    }));
  }

  /** A forked child has its parent's fds. */
  fork(parent: number, child: number): void {
    this.tables.set(child, new Map(this.table(parent)));
  }

  /** The process is gone. */
  exit(pid: number): void {
    this.tables.delete(pid);
  }

  /** The -y descriptions of a call's fd arguments: fds never seen opened, or now known better. */
  annotations(pid: number, tid: number, ts: number, vals: readonly SValue[]): void {
    const visit = (v: SValue): void => {
      if (v.k === 'num' && v.path !== undefined) {
        const fd = Number(v.v);
        const known = this.table(pid).get(fd);
        if (known === undefined) this.record(OP.existing, pid, tid, ts, fd, { type: fdType(v.path), path: v.path });
        else if (known !== v.path) this.record(OP.path, pid, tid, ts, fd, { path: v.path });
      } else if (v.k === 'list') v.v.forEach(visit);
      else if (v.k === 'struct') Object.values(v.v).forEach(visit);
    };
    vals.forEach(visit);
  }

  /** What a call iolens follows for the fd table did to it. */
  effect(pid: number, tid: number, ts: number, c: StraceCall, v: readonly SValue[], ret: number): void {
    if (ret < 0 || c.unfinished) return;
    const sys = c.name;
    const int = (x: SValue | undefined): number => Number(BigInt.asIntN(32, num(x) ?? -1n));
    switch (sys) {
      case 'open':
      case 'openat':
      case 'openat2': {
        const at = sys === 'open' ? 0 : 1;
        const name = v[at]?.k === 'str' ? (v[at] as { v: string }).v : '';
        const path = c.retPath ?? name;
        const flags = sys === 'openat2' ? openBits(v[2]?.k === 'struct' ? v[2].v.flags : undefined) : openBits(v[at + 1]);
        this.record(OP.open, pid, tid, ts, ret, { type: fdType(path), path, flags, sys });
        return;
      }
      case 'close':
        this.record(OP.close, pid, tid, ts, int(v[0]), { sys });
        return;
      case 'close_range':
        this.record(OP.close_range, pid, tid, ts, int(v[0]), { fd2: int(v[1]), sys });
        return;
      case 'dup':
      case 'dup2':
      case 'dup3':
      case 'fcntl':
        if (sys === 'fcntl' && !(v[1]?.k === 'flags' && /^F_DUPFD/.test(v[1].v[0]))) return;
        this.record(OP.dup, pid, tid, ts, ret, { fd2: int(v[0]), sys });
        return;
      case 'pipe':
      case 'pipe2':
      case 'socketpair': {
        const pair = v[sys === 'socketpair' ? 3 : 0];
        if (pair?.k !== 'list' || pair.v.length < 2) return;
        const path = pair.v[0].k === 'num' ? pair.v[0].path : undefined;
        this.record(OP.open, pid, tid, ts, int(pair.v[0]), { type: MADE[sys], fd2: int(pair.v[1]), path, sys });
        return;
      }
      default:
        if (MADE[sys] === undefined) return;
        this.record(OP.open, pid, tid, ts, ret, { type: MADE[sys], path: c.retPath ?? undefined, sys });
    }
  }
}
