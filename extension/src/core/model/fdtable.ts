/**
 * The fd tables of traced processes, kept current from fd records (opens, closes, dups, and the
 * fds present at attach), so every event can say what its fd is.
 */
import { FdOp, FdTypeNames, type FdRecord, type FdTypeName } from '../../../../protocol/generated/wire';
import type { TableChanges } from './changes';

/** What an fd refers to. */
export interface FdInfo {
  readonly type: FdTypeName;
  /** Path, or a description such as "pipe:[1234]" or "anon_inode:[eventfd]". */
  readonly path: string;
  /** open(2) flags when known (O_ASYNC, O_NONBLOCK...). */
  readonly flags: number;
  /** Device number of character/block devices (major << 20 | minor). */
  readonly rdev: number;
  /** Device of the file system holding it (major << 20 | minor; major 0: a virtual file system such as tmpfs). */
  readonly dev: number;
  /** /dev/uioN opened while traced: the interrupt count its reads start from. */
  readonly uioCount?: number;
  /**
   * The other end of a pipe or socketpair this process made (pipe(), socketpair(); at an attach,
   * the pipe's other end open in the same process): the fd it was given, which may since be closed.
   */
  readonly pair?: number;
}

const DESCRIPTIONS: Partial<Record<FdTypeName, string>> = {
  socket: 'socket',
  pipe: 'pipe',
  eventfd: 'anon_inode:[eventfd]',
  epoll: 'anon_inode:[eventpoll]',
  uring: 'anon_inode:[io_uring]',
  signalfd: 'anon_inode:[signalfd]',
  timerfd: 'anon_inode:[timerfd]',
};

/** The fd tables of all traced processes. */
export class FdTables {
  private readonly tables = new Map<number, Map<number, FdInfo>>();
  /** Per process and epoll fd: the fds it watched when the tracer came (fd -> its type). */
  private readonly watched = new Map<number, Map<number, Map<number, FdTypeName>>>();

  /** `changes` is told before every change (a trace's assembler: model/changes.ts). */
  constructor(private readonly changes?: TableChanges) {}

  /** What `fd` of process `pid` is now, if known. */
  get(pid: number, fd: number): FdInfo | undefined {
    return this.tables.get(pid)?.get(fd);
  }

  /** All known fds of a process. */
  entries(pid: number): ReadonlyMap<number, FdInfo> {
    return this.tables.get(pid) ?? new Map();
  }

  /**
   * What the epoll instance `epfd` of process `pid` watched when the tracer attached (or took the
   * process's snapshot): fd -> its type; undefined when no snapshot told. Registrations made while
   * traced are the epoll_ctl calls'.
   */
  watchedAtSnapshot(pid: number, epfd: number): ReadonlyMap<number, FdTypeName> | undefined {
    return this.watched.get(pid)?.get(epfd);
  }

  /** A new process starts with a copy of its parent's table. */
  fork(parent: number, child: number): void {
    this.changes?.before();
    this.tables.set(child, new Map(this.tables.get(parent) ?? []));
    const watched = this.watched.get(parent);
    if (watched) this.watched.set(child, new Map(watched));
  }

  /** exec: the tracer re-sends the fds that survived it. */
  exec(pid: number): void {
    this.changes?.before();
    this.tables.set(pid, new Map());
    this.watched.delete(pid);
  }

  /** The process is gone. */
  exit(pid: number): void {
    this.changes?.before();
    this.tables.delete(pid);
    this.watched.delete(pid);
  }

  /** Apply one fd record. */
  apply(r: FdRecord): void {
    this.changes?.before();
    let t = this.tables.get(r.pid);
    if (!t) {
      t = new Map();
      this.tables.set(r.pid, t);
    }
    const type = FdTypeNames.get(r.type) ?? 'unknown';
    switch (r.op) {
      case 1: // open
      case 4: { // existing
        const path = r.path || DESCRIPTIONS[type] || '';
        const uioCount = type === 'uio' && Math.floor(r.aux / 2 ** 32) === 1 ? r.aux % 2 ** 32 : undefined;
        const paired = r.fd2 >= 0 && (type === 'pipe' || type === 'socket');
        // at an attach the two ends of a pipe come one by one, with the same pipe:[inode]
        const sameEnd = r.op === FdOp.existing && type === 'pipe' && r.path ? [...t].find(([fd, f]) => f.path === r.path && fd !== r.fd)?.[0] : undefined;
        const pair = paired ? r.fd2 : sameEnd;
        t.set(r.fd, { type, path, flags: r.openFlags, rdev: r.rdev, dev: r.dev, ...(uioCount !== undefined && { uioCount }), ...(pair !== undefined && { pair }) });
        if (paired) t.set(r.fd2, { type, path, flags: r.openFlags, rdev: r.rdev, dev: r.dev, pair: r.fd });
        else if (sameEnd !== undefined) t.set(sameEnd, { ...(t.get(sameEnd) as FdInfo), pair: r.fd });
        break;
      }
      case 2: // close
        t.delete(r.fd);
        this.watched.get(r.pid)?.delete(r.fd);
        break;
      case 3: { // dup: fd is the new one, fd2 the source
        const src = t.get(r.fd2);
        if (src) t.set(r.fd, src);
        else t.delete(r.fd);
        break;
      }
      case 5: { // close_range fd..fd2
        const watched = this.watched.get(r.pid);
        for (const fd of [...t.keys()]) {
          if (fd < r.fd || fd > (r.fd2 >>> 0)) continue;
          t.delete(fd);
          watched?.delete(fd);
        }
        break;
      }
      case 6: { // a better path for an open fd
        const cur = t.get(r.fd);
        if (cur) t.set(r.fd, { ...cur, path: r.path });
        break;
      }
      case FdOp.watched: { // the epoll instance fd watches fd2 (a snapshot)
        const byEpfd = this.watched.get(r.pid) ?? new Map<number, Map<number, FdTypeName>>();
        this.watched.set(r.pid, byEpfd);
        const set = byEpfd.get(r.fd) ?? new Map<number, FdTypeName>();
        byEpfd.set(r.fd, set);
        set.set(r.fd2, type);
        break;
      }
      default:
        break;
    }
  }

  /** fcntl(F_SETFL) changed the status flags of an fd. */
  setFlags(pid: number, fd: number, flags: number): void {
    this.changes?.before();
    const cur = this.tables.get(pid)?.get(fd);
    if (cur) this.tables.get(pid)?.set(fd, { ...cur, flags });
  }
}
