/**
 * What a call is, for the analysis: a wait of which kind, a blocking call that really blocked (or
 * a non-blocking one that cannot), on what kind of fd; which signals carry I/O readiness.
 */
import { PollSignal, SYSCALLS } from '../../../../protocol/generated/wire';
import type { SyscallEvent } from '../model/events';
import type { FdInfo } from '../model/fdtable';
import type { ArgFacts } from './argFacts';
import { O_NONBLOCK, SIGIO, SI_KERNEL } from '../model/names';

const EAGAIN = -11;
const EINPROGRESS = -115;

/**
 * A blocking-class call shorter than this on a pipe, socket or device did not wait (it only
 * copied). Under ptrace a call's duration includes the tracer's two stops (up to milliseconds on a
 * loaded machine), so the bar is higher there.
 */
export const WAITED_NS = 100_000;
export const WAITED_NS_PTRACE = 10_000_000;

const MULTIPLEXING_WAITS = new Set(['select', 'pselect6', 'poll', 'ppoll', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2']);
const SIGNAL_WAITS = new Set(['rt_sigtimedwait', 'rt_sigsuspend', 'pause']);
/** The schema's class of each syscall, indexed by id (an array: it is looked up for every call). */
const CLASS_BY_ID: (string | undefined)[] = [];
for (const s of SYSCALLS.values()) CLASS_BY_ID[s.id] = s.class;
/** The fd-class calls also sent as calls of their own when they last (the schema's `slow` trait: open, openat, openat2). */
const SLOW_FD_BY_ID: boolean[] = [];
const SLOW_FD_NAMES = new Set<string>();
for (const s of SYSCALLS.values()) {
  SLOW_FD_BY_ID[s.id] = s.class === 'fd' && s.slow === true;
  if (SLOW_FD_BY_ID[s.id]) SLOW_FD_NAMES.add(s.name);
}

/**
 * An open sent as a call of its own (the schema's `slow` trait): one that blocked — a FIFO waiting
 * for its other end, a slow disk's or a network file system's lookup — stalls its thread as a
 * blocking call does (Node's `fs.readFile` of FIFOs held all 4 of libuv's pool threads in openat).
 */
export function isSlowFdCall(sys: number): boolean {
  return SLOW_FD_BY_ID[sys] === true;
}

/** isSlowFdCall of a call's name. */
export function isSlowFdCallName(name: string): boolean {
  return SLOW_FD_NAMES.has(name);
}

/** MULTIPLEXING_WAITS by syscall id (asked at every wait, a set lookup by name costs more). */
const MULTIPLEXING_BY_ID: boolean[] = [];
for (const s of SYSCALLS.values()) MULTIPLEXING_BY_ID[s.id] = MULTIPLEXING_WAITS.has(s.name);

/** A sleep (nanosleep, clock_nanosleep): time a thread chose to pass, not I/O it waited for. */
export function isSleep(name: string): boolean {
  // compared, not looked up in a set: asked for every blocking call, and the schema's names are interned
  return name === 'nanosleep' || name === 'clock_nanosleep';
}

/**
 * A flush to storage (fsync, fdatasync, a mapped file's msync, a file system's syncfs, a range's
 * sync_file_range: with SYNC_FILE_RANGE_WAIT_AFTER it waits for the writeback as fdatasync does,
 * without it it still queues the writeback to the device and waits for room in its queue).
 */
function isSync(name: string): boolean {
  return name === 'fsync' || name === 'fdatasync' || name === 'msync' || name === 'syncfs' || name === 'sync_file_range';
}

/** A select/poll/epoll wait. */
export function isMultiplexingWait(name: string): boolean {
  return MULTIPLEXING_WAITS.has(name);
}

/** A select/poll/epoll wait, by syscall id (what isMultiplexingWait tells of its name). */
export function isMultiplexingSys(sys: number): boolean {
  return MULTIPLEXING_BY_ID[sys] === true;
}

/** A wait for a signal (sigsuspend, sigtimedwait, pause). */
export function isSignalWait(name: string): boolean {
  return SIGNAL_WAITS.has(name);
}

/** The schema's class of a syscall id ('wait', 'blocking', 'setup', ...). */
export function syscallClass(sys: number): string | undefined {
  return CLASS_BY_ID[sys];
}

/** What a blocking-class call works on. */
export type BlockKind = 'sleep' | 'sync' | 'file' | 'pipe' | 'socket' | 'device' | 'wait' | 'child' | 'lock' | 'futex' | 'other';

/**
 * A file only an import reads: CPython's compiled modules (`.pyc`, in `__pycache__`) and its
 * extension modules (`.cpython-311-x86_64-linux-gnu.so`). A program reads no such file as its data.
 */
const MODULE_FILE = /\.pyc$|\.cpython-\d+[^/]*\.so$/;

/** The path is a file only an import reads (MODULE_FILE). */
export function isModuleFile(path: string): boolean {
  return MODULE_FILE.test(path);
}

/** The kind of a blocking-class call, from its name and its fd's type. */
export function blockKind(name: string, fdType: string | undefined): BlockKind {
  if (isSleep(name)) return 'sleep';
  if (isSync(name)) return 'sync';
  if (name === 'wait4' || name === 'waitid') return 'child';
  if (name === 'flock' || name === 'fcntl') return 'lock'; // fcntl: only its record lock waits are blocking calls
  switch (fdType) {
    case 'file':
    case 'blk':
      return 'file';
    case 'pipe':
    case 'fifo':
      return 'pipe';
    case 'socket':
      return 'socket';
    case 'chr':
    case 'uio':
      return 'device';
    default:
      return name === 'accept' || name === 'accept4' || name === 'connect' || name.startsWith('recv') || name.startsWith('send') ? 'socket' : 'other';
  }
}

/**
 * A call that reads a regular file whatever its other fd is: sendfile (its `in_fd` must be a file
 * that can be mapped). On a non-blocking socket it cannot wait for the socket, but it reads its file
 * as a read does — nginx's `aio threads` hands its sendfiles to a thread pool for that reason.
 */
export function readsItsFile(name: string): boolean {
  return name === 'sendfile';
}

/** Kinds that always wait on storage or time, however short (O_NONBLOCK does not apply to them). */
export function inherentlyBlocking(kind: BlockKind): boolean {
  return kind === 'sleep' || kind === 'sync' || kind === 'file';
}

/** A receive told to wait until all it asked for came (MSG_WAITALL), however ready its socket was. */
export function waitsForAll(e: SyscallEvent): boolean {
  const flags = e.args.flags;
  return typeof flags === 'string' && flags.includes('MSG_WAITALL');
}

/**
 * A send or receive told not to wait (MSG_DONTWAIT): it cannot block whatever its fd's flags, as a
 * call on an O_NONBLOCK fd cannot (`flags` as decoded: a `msg_flags` string).
 */
export function dontWait(flags: unknown): boolean {
  return typeof flags === 'string' && flags.includes('MSG_DONTWAIT');
}

/** The call returned EAGAIN (or EINPROGRESS for a connect): it was non-blocking and had nothing to do. */
export function wouldBlock(ret: number): boolean {
  return ret === EAGAIN || ret === EINPROGRESS;
}

/**
 * The call could not wait: it returned EAGAIN, or its fd was non-blocking (O_NONBLOCK at the call)
 * and is of a kind O_NONBLOCK applies to — not a regular file (nginx opens the files it serves
 * O_NONBLOCK, and their reads still wait for the storage). A call's fd table entry (O_NONBLOCK at
 * the open) is asked only when this is false. `args`: what its arguments tell (argFacts.ts).
 */
export function nonblockingCall(e: SyscallEvent, args: ArgFacts): boolean {
  if (wouldBlock(e.ret)) return true;
  if (!args.nonblocking) return false;
  return !waitsWhateverItsFlags(argBlockKind(e, args));
}

/**
 * Kinds whose calls O_NONBLOCK does not make return at once: those that always wait, a lock's
 * (flock and fcntl F_SETLKW wait whatever the fd's flags: LOCK_NB and F_SETLK ask not to), and a
 * child wait's, whose first argument is no fd (WNOHANG asks not to wait): both tracers read the
 * status of a blocking call's first argument as an fd, so a waitid(P_PID, …) came with fd 1's flags.
 */
function waitsWhateverItsFlags(kind: BlockKind): boolean {
  return inherentlyBlocking(kind) || kind === 'lock' || kind === 'child';
}

/** `blockKind` of a call's name and its args' fd type, worked out once for the args object (argFacts.ts). */
export function argBlockKind(e: SyscallEvent, args: ArgFacts): BlockKind {
  let kind = args.kind;
  if (kind === null) {
    kind = blockKind(e.name, args.fdType);
    args.kind = kind;
  }
  return kind;
}

/** What the analysis needs to know about a blocking-class call. */
export interface BlockingCall {
  readonly kind: BlockKind;
  /** The fd could not make it wait: O_NONBLOCK (at the call, or at the open), or it returned EAGAIN. */
  readonly nonblocking: boolean;
  /** It waited: not non-blocking, slept in the call (when the tracer could tell), and either inherently blocking or long enough to have waited. */
  readonly blocked: boolean;
  readonly fd: number | null;
  readonly path: string | null;
}

/** A BlockingCall a caller reuses from call to call. */
export type BlockingScratch = { -readonly [K in keyof BlockingCall]: BlockingCall[K] };

/** Where a call's fd table entry is looked up (a trace's fd tables). */
export interface FdLookup {
  get(pid: number, fd: number): FdInfo | undefined;
  /** What an epoll instance watched when the tracer came (model/fdtable.ts), if a snapshot told. */
  watchedAtSnapshot?(pid: number, epfd: number): ReadonlyMap<number, string> | undefined;
}

/**
 * Classify a blocking-class syscall event, `args` what its arguments tell (argFacts.ts); its fd's
 * table entry is looked up in `fds` only when the call's own arguments leave something to it (its
 * type, its O_NONBLOCK at the open, its path: a pool's reads of a file need none of it). With
 * `into`, written there (no object per call: a pool's every read) and returned.
 */
export function classifyBlocking(e: SyscallEvent, args: ArgFacts, fds: FdLookup, waitedNs = WAITED_NS, into?: BlockingScratch): BlockingCall {
  if (isSlowFdCall(e.sys)) return classifyOpen(e, args, waitedNs, into);
  const argType = args.fdType;
  const argPath = args.path;
  const fdNo = args.fd;
  let fd: FdInfo | undefined;
  let looked = fdNo === null;
  if (argType === undefined && !looked) {
    fd = fds.get(e.pid, fdNo as number);
    looked = true;
  }
  const kind = argType !== undefined ? argBlockKind(e, args) : blockKind(e.name, fd?.type);
  const inherent = inherentlyBlocking(kind);
  // O_NONBLOCK does not apply to the kinds that always wait (a regular file's reads), nor to a lock's
  const flagsApply = !waitsWhateverItsFlags(kind);
  let nonblocking = wouldBlock(e.ret) || (flagsApply && args.nonblocking);
  if (!nonblocking && flagsApply) {
    if (!looked) {
      fd = fds.get(e.pid, fdNo as number);
      looked = true;
    }
    nonblocking = fd !== undefined && (fd.flags & O_NONBLOCK) !== 0;
  }
  // a call the thread never slept in waited for nothing: a busy machine's preemption made it long
  const blocked = !nonblocking && !args.neverSlept && (!e.error || !e.error.startsWith('EBADF')) && (inherent || e.dur >= waitedNs);
  let path: string | null;
  if (argPath !== null) {
    path = argPath;
  } else {
    if (!looked) fd = fds.get(e.pid, fdNo as number);
    path = fd?.path ?? null;
  }
  if (!into) return { kind, nonblocking, blocked, fd: fdNo, path };
  into.kind = kind;
  into.nonblocking = nonblocking;
  into.blocked = blocked;
  into.fd = fdNo;
  into.path = path;
  return into;
}

/**
 * An open that was sent as a call (isSlowFdCall): it works on a path, not on an fd, and blocked when
 * it slept and lasted `waitedNs` (most opens take microseconds: sent with --min-duration 0, they
 * are no stall), outside /proc and /sys. Its kind is a file's: the type of what it opened is
 * recorded after the call.
 */
function classifyOpen(e: SyscallEvent, args: ArgFacts, waitedNs: number, into?: BlockingScratch): BlockingCall {
  const name = e.args.filename;
  const path = args.path ?? (typeof name === 'string' ? name : null);
  // a file the kernel computes (procfs, sysfs) has no storage to wait for: a long open there is the tracer's stops or a lock
  const blocked = e.dur >= waitedNs && !args.neverSlept && !(path !== null && (path.startsWith('/proc/') || path.startsWith('/sys/')));
  if (!into) return { kind: 'file', nonblocking: false, blocked, fd: null, path };
  into.kind = 'file';
  into.nonblocking = false;
  into.blocked = blocked;
  into.fd = null;
  into.path = path;
  return into;
}

/** "a pipe", "a regular file", "a socket": what a kind of fd reads as in a sentence. */
export function kindPhrase(kind: BlockKind): string {
  switch (kind) {
    case 'sleep':
      return 'a sleep';
    case 'sync':
      return 'a flush to storage';
    case 'file':
      return 'a file';
    case 'pipe':
      return 'a pipe';
    case 'socket':
      return 'a socket';
    case 'device':
      return 'a device';
    case 'wait':
      return 'a wait of its own';
    case 'child':
      return 'a child process';
    case 'lock':
      return 'a file lock';
    case 'futex':
      return 'a lock another thread held';
    default:
      return 'an fd';
  }
}

/** "read of a file", "fsync", "recvfrom on a socket": a blocking call's kind, shortly. */
export function callPhrase(call: string, kind: BlockKind): string {
  if (kind === 'sleep' || kind === 'sync' || kind === 'other') return call;
  if (kind === 'wait') return `${call} inside a turn`;
  return `${call} ${kind === 'socket' || kind === 'lock' || kind === 'futex' ? 'on' : kind === 'child' ? 'for' : 'of'} ${kindPhrase(kind)}`;
}


/**
 * A delivered or generated signal carries I/O readiness: SIGIO (from the kernel, or with a POLL_*
 * code), or a signal fcntl(F_SETSIG) made the process's I/O signal, with a POLL_* code or an fd.
 */
export function isIoSignal(sig: number, code: number, setsig: ReadonlySet<number> | undefined, siFd: number | null): boolean {
  const pollCode = code >= PollSignal.poll_in && code <= PollSignal.poll_hup;
  if (sig === SIGIO) return code === SI_KERNEL || pollCode || siFd !== null;
  return setsig?.has(sig) === true && (pollCode || siFd !== null);
}

/** A wait's timeout in ns (null: none; 0: return at once). */
export function waitTimeoutNs(e: SyscallEvent): number | null {
  if (typeof e.args.timeout_ns === 'number') return e.args.timeout_ns;
  if (e.args.timeout_ns === null) return null;
  if (typeof e.args.timeout_ms === 'number') return e.args.timeout_ms < 0 ? null : e.args.timeout_ms * 1e6;
  return null;
}
