/**
 * Names of the Linux constants iolens shows: errno values, signals, si_code values, AIO and
 * io_uring opcodes, epoll/fcntl/futex operations (x86-64 / generic values).
 */
import { FcntlCmd, FcntlCmdGroups, PollSignal } from '../../../../protocol/generated/wire';

const ERRNO: readonly string[] = [
  '', 'EPERM', 'ENOENT', 'ESRCH', 'EINTR', 'EIO', 'ENXIO', 'E2BIG', 'ENOEXEC', 'EBADF', 'ECHILD', 'EAGAIN', 'ENOMEM',
  'EACCES', 'EFAULT', 'ENOTBLK', 'EBUSY', 'EEXIST', 'EXDEV', 'ENODEV', 'ENOTDIR', 'EISDIR', 'EINVAL', 'ENFILE',
  'EMFILE', 'ENOTTY', 'ETXTBSY', 'EFBIG', 'ENOSPC', 'ESPIPE', 'EROFS', 'EMLINK', 'EPIPE', 'EDOM', 'ERANGE',
  'EDEADLK', 'ENAMETOOLONG', 'ENOLCK', 'ENOSYS', 'ENOTEMPTY', 'ELOOP', '', 'ENOMSG', 'EIDRM',
];
const ERRNO_HIGH: ReadonlyMap<number, string> = new Map([
  [61, 'ENODATA'], [62, 'ETIME'], [75, 'EOVERFLOW'], [77, 'EBADFD'], [88, 'ENOTSOCK'], [90, 'EMSGSIZE'],
  [95, 'EOPNOTSUPP'], [98, 'EADDRINUSE'], [99, 'EADDRNOTAVAIL'], [100, 'ENETDOWN'], [101, 'ENETUNREACH'],
  [103, 'ECONNABORTED'], [104, 'ECONNRESET'], [105, 'ENOBUFS'], [106, 'EISCONN'], [107, 'ENOTCONN'],
  [110, 'ETIMEDOUT'], [111, 'ECONNREFUSED'], [113, 'EHOSTUNREACH'], [114, 'EALREADY'], [115, 'EINPROGRESS'],
  [125, 'ECANCELED'], [512, 'ERESTARTSYS'], [513, 'ERESTARTNOINTR'], [514, 'ERESTARTNOHAND'], [516, 'ERESTART_RESTARTBLOCK'],
]);

/** "EAGAIN" for 11; undefined when unknown. */
export function errnoName(errno: number): string | undefined {
  return (errno > 0 && errno < ERRNO.length && ERRNO[errno]) || ERRNO_HIGH.get(errno);
}

const SIGNALS: readonly string[] = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1',
  'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP',
  'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

/**
 * "SIGIO" for 29; real-time signals as strace names them, from the kernel's first one: 35 is
 * "SIGRT_3" (glibc's SIGRTMIN is 34, musl's 35, so "SIGRTMIN+n" would depend on the libc).
 */
export function signalName(sig: number): string {
  if (sig > 0 && sig < SIGNALS.length) return SIGNALS[sig];
  if (sig >= 32 && sig <= 64) return `SIGRT_${sig - 32}`;
  return `SIG${sig}`;
}

/** A wait status (wait(2)) read: the exit status, or the signal that killed the process (0: none). */
export function waitStatus(status: number): { readonly code: number; readonly signal: number; readonly core: boolean } {
  return { code: (status >> 8) & 0xff, signal: status & 0x7f, core: (status & 0x80) !== 0 };
}

/** How a process ended, from its wait status: "exited with status 2", "was killed by SIGSEGV". */
export function waitStatusText(status: number): string {
  const w = waitStatus(status);
  return w.signal === 0 ? `exited with status ${w.code}` : `was killed by ${signalName(w.signal)}${w.core ? ' (core dumped)' : ''}`;
}

/** Standard signals are not queued: a second one while one is pending is merged into it. */
export function isStandardSignal(sig: number): boolean {
  return sig > 0 && sig < 32;
}

/** si_code of a signal the kernel sent (SIGIO on a file without F_SETSIG, for one). */
export const SI_KERNEL = 0x80;

const SI_CODES: ReadonlyMap<number, string> = new Map([
  [0, 'SI_USER'], [SI_KERNEL, 'SI_KERNEL'], [-1, 'SI_QUEUE'], [-2, 'SI_TIMER'], [-3, 'SI_MESGQ'], [-4, 'SI_ASYNCIO'],
  [-5, 'SI_SIGIO'], [-6, 'SI_TKILL'],
]);
const POLL_CODES: readonly string[] = ['', 'POLL_IN', 'POLL_OUT', 'POLL_MSG', 'POLL_ERR', 'POLL_PRI', 'POLL_HUP'];

/** SIGIO (SIGPOLL): the signal O_ASYNC files send unless F_SETSIG chose another. */
export const SIGIO = PollSignal.sigio;

/** The signal carries SIGPOLL-style information (si_fd, si_band): the schema's PollSignal rule. */
export function hasPollFields(sig: number, code: number): boolean {
  return (sig === PollSignal.sigio || sig >= PollSignal.sigrtmin) && code >= PollSignal.poll_in && code <= PollSignal.poll_hup;
}

/** si_code name; POLL_* only where the signal carries SIGPOLL-style information. */
export function siCodeName(sig: number, code: number): string {
  if (hasPollFields(sig, code)) return POLL_CODES[code];
  if (sig === 17 && code >= 1 && code <= 6) {
    return ['', 'CLD_EXITED', 'CLD_KILLED', 'CLD_DUMPED', 'CLD_TRAPPED', 'CLD_STOPPED', 'CLD_CONTINUED'][code];
  }
  return SI_CODES.get(code) ?? String(code);
}

/** si_code of a signal by its name: siCodeName read backwards. */
export function siCode(sig: number, name: string): number | undefined {
  for (let code = -7; code <= SI_KERNEL; code++) if (siCodeName(sig, code) === name) return code;
  return undefined;
}

/** Result of the signal_generate tracepoint. */
export function signalResultName(result: number): string {
  return ['delivered', 'ignored', 'already pending', 'overflow', 'lost info'][result] ?? String(result);
}

const IOCB_OPS: readonly string[] = ['pread', 'pwrite', 'fsync', 'fdsync', 'preadx', 'poll', 'noop', 'preadv', 'pwritev'];

/** Linux AIO opcode name ("pread" for IOCB_CMD_PREAD). */
export function aioOpName(op: number): string {
  return IOCB_OPS[op] ?? `op${op}`;
}

const URING_OPS: readonly string[] = [
  'nop', 'readv', 'writev', 'fsync', 'read_fixed', 'write_fixed', 'poll_add', 'poll_remove', 'sync_file_range',
  'sendmsg', 'recvmsg', 'timeout', 'timeout_remove', 'accept', 'async_cancel', 'link_timeout', 'connect', 'fallocate',
  'openat', 'close', 'files_update', 'statx', 'read', 'write', 'fadvise', 'madvise', 'send', 'recv', 'openat2',
  'epoll_ctl', 'splice', 'provide_buffers', 'remove_buffers', 'tee', 'shutdown', 'renameat', 'unlinkat', 'mkdirat',
  'symlinkat', 'linkat', 'msg_ring', 'fsetxattr', 'setxattr', 'fgetxattr', 'getxattr', 'socket', 'uring_cmd',
  'send_zc', 'sendmsg_zc', 'read_multishot', 'waitid', 'futex_wait', 'futex_wake', 'futex_waitv', 'fixed_fd_install',
  'ftruncate', 'bind', 'listen', 'recv_zc', 'epoll_wait', 'readv_fixed', 'writev_fixed', 'pipe',
];

/** io_uring opcode name ("read" for IORING_OP_READ). */
export function uringOpName(op: number): string {
  return URING_OPS[op] ?? `op${op}`;
}

/** epoll_ctl's operation that adds a registration. */
export const EPOLL_CTL_ADD = 1;
/** epoll_ctl's operation that removes a registration. */
export const EPOLL_CTL_DEL = 2;

/** epoll_ctl operation. */
export function epollOpName(op: number): string {
  return ['', 'EPOLL_CTL_ADD', 'EPOLL_CTL_DEL', 'EPOLL_CTL_MOD'][op] ?? String(op);
}

const POLL_EVENTS: readonly (readonly [number, string])[] = [
  [0x1, 'IN'], [0x2, 'PRI'], [0x4, 'OUT'], [0x8, 'ERR'], [0x10, 'HUP'], [0x20, 'NVAL'], [0x40, 'RDNORM'],
  [0x100, 'WRNORM'], [0x2000, 'RDHUP'], [0x10000000, 'EXCLUSIVE'], [0x20000000, 'WAKEUP'], [0x40000000, 'ONESHOT'],
  [0x80000000, 'ET'],
];

/** epoll/poll event bits by name (IN, not EPOLLIN): pollEventsName read backwards. */
export const POLL_EVENT_VALUES: ReadonlyMap<string, number> = new Map(POLL_EVENTS.map(([b, n]) => [n, b]));

/** Every bit POLL_EVENTS names. */
const POLL_EVENT_BITS = POLL_EVENTS.reduce((m, [b]) => m | b, 0);
/**
 * `name` remembered per value: a trace uses a handful of flag masks, and each event names its own,
 * so a text is made once, not at every call (at most `max` values kept; past that it starts again).
 */
export function remembered<K>(name: (value: K) => string, max = 1024): (value: K) => string {
  const texts = new Map<K, string>();
  return (value) => {
    let text = texts.get(value);
    if (text === undefined) {
      text = name(value);
      if (texts.size >= max) texts.clear();
      texts.set(value, text);
    }
    return text;
  };
}

/** epoll/poll event bits, "IN|OUT". */
export const pollEventsName = remembered((bits: number): string => {
  const out = POLL_EVENTS.filter(([b]) => (bits & b) !== 0).map(([, n]) => n);
  const rest = bits & ~POLL_EVENT_BITS;
  if (rest) out.push(`0x${(rest >>> 0).toString(16)}`);
  return out.length ? out.join('|') : '0';
});

/** fcntl commands that choose who gets a file's I/O signal, and which signal. */
export const F_SETOWN = FcntlCmd.setown;
/** fcntl(F_SETSIG): the signal O_ASYNC files send instead of SIGIO. */
export const F_SETSIG = FcntlCmd.setsig;
/** fcntl(F_SETOWN_EX): F_SETOWN with a thread or process group. */
export const F_SETOWN_EX = FcntlCmd.setown_ex;

/** The schema's fcntl commands by value, as C names them (`F_SETLKW`). */
const FCNTL_CMDS: ReadonlyMap<number, string> = new Map(Object.entries(FcntlCmd).map(([name, value]) => [value, `F_${name.toUpperCase()}`]));

/** fcntl commands that wait for a record lock (the backends send them as blocking calls: the schema's FcntlCmd lock_wait group). */
const FCNTL_LOCK_WAITS: ReadonlySet<string> = new Set([...FcntlCmdGroups.lock_wait].map((c) => fcntlCmdName(c)));

/** An fcntl command (as decoded: its name) that waits for a record lock another process or description holds. */
export function isFcntlLockWait(cmd: unknown): boolean {
  return typeof cmd === 'string' && FCNTL_LOCK_WAITS.has(cmd);
}

/** fcntl command name. */
export function fcntlCmdName(cmd: number): string {
  return FCNTL_CMDS.get(cmd) ?? String(cmd);
}

/** Names of the bits set in `bits` ("A|B"), any rest in hex; `zero` when none is set. */
function bitNames(bits: number, names: readonly (readonly [number, string])[], zero = '0'): string {
  const out = names.filter(([b]) => b !== 0 && (bits & b) === b).map(([, n]) => n);
  const rest = (bits & ~names.reduce((m, [b]) => m | b, 0)) >>> 0;
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out.length ? out.join('|') : zero;
}

/** O_NONBLOCK: calls on the file return EAGAIN instead of waiting. */
export const O_NONBLOCK = 0o4000;
/** O_ASYNC: the file sends SIGIO (or the F_SETSIG signal) when I/O becomes possible. */
export const O_ASYNC = 0o20000;
/** O_DIRECT: reads and writes bypass the page cache. */
export const O_DIRECT = 0o40000;
/** O_DSYNC (also set by O_SYNC): each write returns once its data is on the storage. */
export const O_DSYNC = 0o10000;

const OPEN_FLAGS: readonly (readonly [number, string])[] = [
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o400, 'O_NOCTTY'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'],
  [O_NONBLOCK, 'O_NONBLOCK'], [0o10000, 'O_DSYNC'], [O_ASYNC, 'O_ASYNC'], [O_DIRECT, 'O_DIRECT'], [0o100000, 'O_LARGEFILE'],
  [0o200000, 'O_DIRECTORY'], [0o400000, 'O_NOFOLLOW'], [0o1000000, 'O_NOATIME'], [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
];
/** Flags made of another one's bit and their own: named whole, before the single bits. */
const OPEN_COMPOSITE: readonly (readonly [number, string])[] = [[0o4010000, 'O_SYNC'], [0o20200000, 'O_TMPFILE']];

/** open(2) flags by name, the access modes too: openFlagsName read backwards. */
export const OPEN_FLAG_VALUES: ReadonlyMap<string, number> = new Map([
  ['O_RDONLY', 0], ['O_WRONLY', 1], ['O_RDWR', 2],
  ...[...OPEN_FLAGS, ...OPEN_COMPOSITE].map(([b, n]) => [n, b] as const),
]);

/** open(2) flags: the access mode, then the other bits ("O_RDONLY|O_CLOEXEC"). */
export const openFlagsName = remembered((flags: number): string => {
  const names = [['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][flags & 3]];
  let rest = flags & ~3;
  for (const [b, n] of [...OPEN_COMPOSITE, ...OPEN_FLAGS]) {
    if ((rest & b) === b) {
      names.push(n);
      rest &= ~b;
    }
  }
  if (rest) names.push(`0x${(rest >>> 0).toString(16)}`);
  return names.join('|');
});

/** RWF_* flags of preadv2/pwritev2 (RWF_NOWAIT: EAGAIN instead of blocking on I/O). */
export const rwfFlagsName = remembered((flags: number): string => {
  return bitNames(flags, [
    [0x1, 'RWF_HIPRI'], [0x2, 'RWF_DSYNC'], [0x4, 'RWF_SYNC'], [0x8, 'RWF_NOWAIT'], [0x10, 'RWF_APPEND'],
    [0x20, 'RWF_NOAPPEND'], [0x40, 'RWF_ATOMIC'], [0x80, 'RWF_DONTCACHE'],
  ]);
});

/** SPLICE_F_* flags of splice/tee/vmsplice. */
export const spliceFlagsName = remembered((flags: number): string => {
  return bitNames(flags, [[0x1, 'SPLICE_F_MOVE'], [0x2, 'SPLICE_F_NONBLOCK'], [0x4, 'SPLICE_F_MORE'], [0x8, 'SPLICE_F_GIFT']]);
});

/** SYNC_FILE_RANGE_* flags. */
export const syncFileRangeFlagsName = remembered((flags: number): string => {
  return bitNames(flags, [[0x1, 'SYNC_FILE_RANGE_WAIT_BEFORE'], [0x2, 'SYNC_FILE_RANGE_WRITE'], [0x4, 'SYNC_FILE_RANGE_WAIT_AFTER']]);
});

/** MSG_* flags of the socket calls. */
export const msgFlagsName = remembered((flags: number): string => {
  return bitNames(flags, [
    [0x1, 'MSG_OOB'], [0x2, 'MSG_PEEK'], [0x4, 'MSG_DONTROUTE'], [0x8, 'MSG_CTRUNC'], [0x20, 'MSG_TRUNC'],
    [0x40, 'MSG_DONTWAIT'], [0x80, 'MSG_EOR'], [0x100, 'MSG_WAITALL'], [0x800, 'MSG_CONFIRM'], [0x2000, 'MSG_ERRQUEUE'],
    [0x4000, 'MSG_NOSIGNAL'], [0x8000, 'MSG_MORE'], [0x10000, 'MSG_WAITFORONE'], [0x4000000, 'MSG_ZEROCOPY'],
    [0x20000000, 'MSG_FASTOPEN'], [0x40000000, 'MSG_CMSG_CLOEXEC'],
  ]);
});

const FUTEX_OPS: readonly string[] = [
  'FUTEX_WAIT', 'FUTEX_WAKE', 'FUTEX_FD', 'FUTEX_REQUEUE', 'FUTEX_CMP_REQUEUE', 'FUTEX_WAKE_OP', 'FUTEX_LOCK_PI',
  'FUTEX_UNLOCK_PI', 'FUTEX_TRYLOCK_PI', 'FUTEX_WAIT_BITSET', 'FUTEX_WAKE_BITSET', 'FUTEX_WAIT_REQUEUE_PI',
  'FUTEX_CMP_REQUEUE_PI', 'FUTEX_LOCK_PI2',
];

/** futex operation (private flag shown as _PRIVATE). */
export function futexOpName(op: number): string {
  const base = FUTEX_OPS[op & 0x7f] ?? String(op & 0x7f);
  return (op & 128) !== 0 ? `${base}_PRIVATE` : base;
}

/** io_uring_enter flag: wake the SQPOLL thread. */
export const IORING_ENTER_SQ_WAKEUP = 2;

/** io_uring_enter flags. */
export const uringEnterFlagsName = remembered((flags: number): string => {
  const bits: [number, string][] = [
    [1, 'GETEVENTS'], [IORING_ENTER_SQ_WAKEUP, 'SQ_WAKEUP'], [4, 'SQ_WAIT'], [8, 'EXT_ARG'], [16, 'REGISTERED_RING'],
  ];
  const out = bits.filter(([b]) => (flags & b) !== 0).map(([, n]) => n);
  return out.length ? out.join('|') : '0';
});
