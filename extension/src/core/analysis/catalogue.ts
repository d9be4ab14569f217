/**
 * The catalogue of findings: each rule's name, what it means (the explanation the Problems panel
 * and the report's documentation show) and its usual fixes. The one place these texts live.
 */
import type { KnownServer } from '../tracer/runtimes';
import type { BlockKind } from './classify';
import type { RuleId } from './types';

/** A rule of the catalogue. */
export interface RuleInfo {
  readonly id: RuleId;
  /** A few words. */
  readonly name: string;
  /** What the rule looks for and why it matters. */
  readonly explanation: string;
}

/** Every rule, in the order of docs/findings.md. */
export const RULES: Readonly<Record<RuleId, RuleInfo>> = {
  'loop-blocked': {
    id: 'loop-blocked', name: 'event loop blocked',
    explanation:
      'An event-loop thread (it waits in select, poll or epoll) made a blocking call inside a turn of its loop: a flush to storage, a read of a file or of a blocking pipe or socket, a sleep, a blocking connect. Nothing else the loop serves runs until the call returns, so every connection or timer it owns waits that long.',
  },
  'busy-poll': {
    id: 'busy-poll', name: 'busy polling',
    explanation:
      'A thread calls select, poll, epoll_wait or io_getevents with a zero timeout again and again and gets nothing back: it spins, burning a CPU, instead of sleeping in the wait until something is ready.',
  },
  'aio-serialized': {
    id: 'aio-serialized', name: 'AIO at queue depth 1',
    explanation:
      'Linux native AIO is used with never more than one request in flight: each completion is awaited before the next submission, so the requests run one after the other and asynchronous I/O buys nothing over a plain pread.',
  },
  'aio-sync-submit': {
    id: 'aio-sync-submit', name: 'io_submit does the I/O itself',
    explanation:
      'io_submit returned only after the I/O was done (its completions were ready at once): Linux native AIO is asynchronous only for O_DIRECT I/O on file systems and devices that support it. On a buffered file, or a file system without asynchronous direct I/O, io_submit blocks the caller for the whole I/O.',
  },
  'uring-serialized': {
    id: 'uring-serialized', name: 'io_uring at queue depth 1',
    explanation:
      'An io_uring ring carries file or block-device reads and writes that never overlap: each request completes before the next is submitted, so the ring runs at queue depth 1 and the device never has two requests to work on at once. io_uring then buys nothing over a plain pread or pwrite.',
  },
  'signal-coalesced': {
    id: 'signal-coalesced', name: 'I/O signals merged',
    explanation:
      'A standard I/O signal (SIGIO) was generated while the same signal was still pending, so the kernel merged them: the program is told once about several readiness events and loses the rest unless its handler drains every fd. A real-time signal queue that overflows loses them the same way.',
  },
  'long-signal-handler': {
    id: 'long-signal-handler', name: 'signal handler runs long',
    explanation:
      "A signal handler does slow work itself — reads, writes or flushes a file, sleeps, computes — instead of noting the signal and returning. While it runs, its thread does nothing else and the signal it handles is blocked, so more of it merge into one: with signal-driven I/O (SIGIO), readiness notifications are lost. Handlers should also call only async-signal-safe functions.",
  },
  'pool-saturated': {
    id: 'pool-saturated', name: 'thread pool saturated',
    explanation:
      'Every thread of a pool that does blocking I/O for another thread (a "pseudo-asynchronous" pool behind an event loop) was blocked at the same time while work waited for a free thread: the pool, not the device, sets the latency.',
  },
  'sqpoll-wakeups': {
    id: 'sqpoll-wakeups', name: 'SQPOLL thread asleep',
    explanation:
      'An io_uring ring with a kernel submission thread (IORING_SETUP_SQPOLL) found that thread asleep at most submissions, so each one paid an io_uring_enter(IORING_ENTER_SQ_WAKEUP) system call plus the thread\'s wake-up: SQPOLL costs a CPU and saves nothing.',
  },
  'uio-missed-irq': {
    id: 'uio-missed-irq', name: 'UIO interrupts missed',
    explanation:
      "A UIO driver's read() returned an interrupt count that jumped by more than one: interrupts arrived while the driver was not waiting for them, and the work they signalled was not done for each.",
  },
  'eagain-spin': {
    id: 'eagain-spin', name: 'EAGAIN spin',
    explanation:
      'Non-blocking calls fail with EAGAIN again and again with no wait between them: the thread retries instead of waiting for readiness (poll, epoll) and burns a CPU.',
  },
  'lost-events': {
    id: 'lost-events', name: 'records lost',
    explanation:
      'The recording lost records (the ring buffer or a table was full): the events behind some findings may be missing, so the diagnosis may be incomplete.',
  },
  'timeout-wakeups': {
    id: 'timeout-wakeups', name: 'waits that time out',
    explanation:
      'An event loop wakes up because its short timeout fires, nearly every time, rather than because something is ready: a polling timer that costs wake-ups and CPU while nothing happens.',
  },
  'herd-wakeups': {
    id: 'herd-wakeups', name: 'several threads woken for one event',
    explanation:
      'Several threads or processes wait on the same listening socket and are all woken for one connection; all but one then fail accept() with EAGAIN (a thundering herd).',
  },
  'posix-aio': {
    id: 'posix-aio', name: 'POSIX AIO on glibc threads',
    explanation:
      "The program uses POSIX AIO (aio_read, aio_write, lio_listio), which glibc implements with helper threads: the requests on one file run one after another as blocking calls on a thread of the C library, so no more than one per file is in the kernel at a time, whatever the number queued. It is pseudo-asynchronous I/O, not the kernel's.",
  },
};

/** A language runtime whose event loop has fixes of its own (asyncio's, Node.js'). */
export type LoopRuntime = 'node' | 'python';
/**
 * Whose loop a blocking call ran in, for its fix: a runtime's, gevent's hub (a Python process
 * whose call was made in a greenlet, where asyncio's fixes do not apply), or a well-known server's
 * whose fix is a setting of its own (nginx's, redis', PostgreSQL's).
 */
export type LoopFlavour = LoopRuntime | 'gevent' | KnownServer;

/** The fix for a loop that waits for its io_uring ring inside a turn (io_uring_wait_cqe in a handler). */
const URING_IN_LOOP_FIX =
  'do not wait for the ring inside the turn: register an eventfd for its completions (io_uring_register_eventfd), add it to the wait set, and reap them with io_uring_peek_cqe when it fires — or make the ring the loop (IORING_OP_POLL_ADD for the other fds) and wait in io_uring_submit_and_wait only there';

/** What a loop's io_uring_enter waited for, in the loop-blocked detail (null for any other call). */
export function uringTurnWait(call: string): string | null {
  return call === 'io_uring_enter' ? "which waited for the io_uring ring's completions (io_uring_wait_cqe, io_uring_submit_and_wait)" : null;
}

/**
 * The usual fix for a blocking call inside an event loop, by what it blocked on (`oneClient`: the
 * loop serves one connection) and, for a runtime's or a known server's loop, in its own terms
 * (`runtime`; `path`: the file the call was on, when known).
 */
export function loopBlockedFix(call: string, kind: BlockKind, fd: number | null, oneClient = false, runtime: LoopFlavour | null = null, path: string | null = null): string {
  const f = fd !== null ? `fd ${fd}` : 'the fd';
  // a server's settings apply to a loop serving one client too (a PostgreSQL backend); a runtime's fixes are a loop's
  const own = runtime === null ? undefined : isKnownServer(runtime) ? SERVER_LOOP_FIX[runtime][kind]?.(call, kind, path) : oneClient ? undefined : RUNTIME_LOOP_FIX[runtime][kind]?.(call, kind, path);
  if (own) return own;
  switch (kind) {
    case 'sync':
      // a loop serving one client (a process per connection): the client waits for the flush either way
      if (oneClient) return `the client waits for each ${call}: flush once for a batch of its requests (group commit), or reply before the flush where losing the last writes in a crash is acceptable`;
      return `move the ${call} off the loop thread (a worker thread, or io_uring's ${call === 'sync_file_range' ? 'IORING_OP_SYNC_FILE_RANGE' : 'IORING_OP_FSYNC'}), or batch the writes and flush once per batch`;
    case 'file':
      if (oneClient) return `the client waits for each ${call}: make fewer, larger calls (batch the writes, keep what is read in memory), or overlap them with its next request (read ahead, a thread, io_uring)`;
      return `do the file I/O off the loop thread (a thread pool, io_uring, or O_DIRECT with Linux AIO): regular files are always "ready" to epoll, so ${call} blocks the loop for the whole I/O`;
    case 'sleep':
      return 'replace the sleep with a timer (the wait\'s timeout, or a timerfd in the epoll set)';
    case 'wait':
      if (call === 'io_uring_enter') return URING_IN_LOOP_FIX;
      return `the ${call} is a blocking call's own wait (getaddrinfo, a synchronous client library): use its asynchronous API (getaddrinfo_a or c-ares, the library's non-blocking mode with its fd in the loop) or run it off the loop thread`;
    case 'child':
      return `do not wait for the child inside the loop: start it with posix_spawn (or fork and exec) and reap it when the loop reports it ended (a pidfd from pidfd_open, or a signalfd for SIGCHLD, in the wait set) — system() and pclose() wait in ${call} for the whole command`;
    case 'lock':
      return `take the lock without waiting (${call === 'fcntl' ? 'F_SETLK or F_OFD_SETLK instead of F_SETLKW' : 'LOCK_NB'}) and retry from a timer of the loop, or take it on a worker thread; and hold it for less time where it is held`;
    case 'futex':
      // `call`: what the thread holding the lock did before it let go
      return `do not hold the lock across the ${call}: copy what is to be written while holding it and do the ${call} after unlocking; in the loop, take the lock with pthread_mutex_trylock and retry from a timer rather than wait for it`;
    case 'pipe':
    case 'socket':
    case 'device':
      if (call === 'connect') return `make ${f} non-blocking (O_NONBLOCK), start the connect and wait for EPOLLOUT in the loop`;
      if (call === 'accept' || call === 'accept4') return `make the listening socket non-blocking and accept only when the loop reports it readable`;
      return `make ${f} non-blocking (O_NONBLOCK) and add it to the loop's wait set, handling EAGAIN, instead of blocking in ${call}`;
    default:
      return `do ${call} off the loop thread, or make it non-blocking and wait for readiness in the loop`;
  }
}

/**
 * A fix for a blocking call in a runtime's or a server's loop, from the call's name, what it
 * blocked on and the file's path (null: unknown); undefined where the native fix applies.
 */
type RuntimeFix = (call: string, kind: BlockKind, path: string | null) => string | undefined;

/** asyncio's: the file I/O in a thread, a flush once per batch. */
const asyncioFileFix: RuntimeFix = (call, kind) =>
  `run the file I/O in a thread (await asyncio.to_thread(…) or loop.run_in_executor(None, …)), so the loop goes on while ${call} waits${kind === 'sync' ? '; or flush once per batch of writes' : ''}`;
/** asyncio's: its own streams on a non-blocking fd. */
const asyncioStreamFix: RuntimeFix = (call) =>
  `use the loop's streams (asyncio.open_connection, asyncio.create_subprocess_exec, loop.sock_recv) on a non-blocking fd instead of a blocking ${call}`;
/** Node.js': the asynchronous fs API, which libuv runs on its pool. */
const nodeFileFix: RuntimeFix = (call) =>
  `use the asynchronous fs API (fs.promises, or the callback form) instead of the *Sync call: libuv runs ${call} on its thread pool and the loop goes on`;
/** Node.js': the asynchronous form of a synchronous child process, socket or stream call. */
const nodeStreamFix: RuntimeFix = (call, kind) =>
  `use the asynchronous form (child_process.spawn/exec, net, stream) instead of a synchronous ${call} on ${kind === 'pipe' ? 'a pipe' : 'a socket'} (execSync, spawnSync, readFileSync of a pipe)`;

/** gevent's: the file I/O on the hub's thread pool, a flush once per batch. */
const geventFileFix: RuntimeFix = (call, kind) =>
  `run the file I/O on gevent's thread pool (gevent.get_hub().threadpool.spawn(fn, …).get(), or a gevent.threadpool.ThreadPool), so the hub runs other greenlets while ${call} waits${kind === 'sync' ? '; or flush once per batch of writes' : ''}`;
/** gevent's: cooperative I/O, by its monkey-patching or its own modules. */
const geventStreamFix: RuntimeFix = (call) =>
  `let gevent wait for the fd: monkey-patch before other imports (gevent.monkey.patch_all()) or use gevent.socket, gevent.subprocess and gevent.os.nb_read on a non-blocking fd, instead of a blocking ${call} that holds up every greenlet`;

/** Calls that write a file (the rest of a file's blocking calls read it, open it or flush it). */
const FILE_WRITE = /^(?:write|writev|pwrite64|pwritev2?)$/;

/**
 * nginx's: its own settings, by what its worker's loop did — opened or read the files it serves,
 * wrote its logs (the access log can be buffered, the error log only written less), or wrote the
 * temporary files it buffers bodies in.
 */
const nginxFileFix: RuntimeFix = (call, _kind, path) => {
  if (call.startsWith('open')) return "cache nginx's opens of the files it serves (`open_file_cache max=10000 inactive=60s;`), so its worker's event loop does not look each path up again";
  if (!FILE_WRITE.test(call)) return "let nginx read the files it serves on its thread pool (`aio threads;`, in a build whose `nginx -V` lists --with-threads) instead of in the worker's event loop";
  if (path !== null && /error[^/]*\.log/.test(path)) return `nginx writes its error log unbuffered from the worker's event loop: raise its level (\`error_log ${path} warn;\`) so that fewer lines are written, or send it to syslog`;
  if (path !== null && /\.log$|\/logs?\//.test(path)) return `nginx writes each access-log line from the worker's event loop: buffer the log (\`access_log ${path} combined buffer=64k flush=5s;\`, with the log's own format for \`combined\`) or send it to syslog, so that a slow log disk does not hold up every connection the worker serves`;
  if (path !== null) return NGINX_TEMP_FILE_FIX;
  // calls the tracer counted under its threshold carry no fd: the access log (one write a request) or a body's temporary file
  return `nginx writes a file from the worker's event loop: if it is the access log (one ${call} a request), buffer it (\`access_log PATH combined buffer=64k flush=5s;\`) or send it to syslog; if it is a temporary file of request or upstream bodies, ${NGINX_TEMP_FILE_REMEDY}`;
};

/** What nginx's temporary files of bodies need instead of the worker loop's writes. */
const NGINX_TEMP_FILE_REMEDY = 'keep them in memory (a larger `client_body_buffer_size`, `proxy_buffers`), or let its thread pool write them (`aio threads;` with `aio_write on;`)';
/** nginx's fix for its writes of the temporary files it buffers bodies in. */
const NGINX_TEMP_FILE_FIX = `nginx buffers request or upstream bodies in temporary files from the worker's event loop: ${NGINX_TEMP_FILE_REMEDY}`;

/**
 * redis': its own settings, by the file its loop flushed. redis 7 flushes its append-only file in
 * the loop, before the replies, only with `appendfsync always` (`everysec` hands it to its
 * bio_aof_fsync thread); a SAVE command writes and flushes the RDB snapshot in the loop.
 */
const redisSyncFix: RuntimeFix = (call, _kind, path) => {
  if (path !== null && /\.aof$|appendonly/.test(path)) return `redis flushes its append-only file in its event loop, before each reply, with \`appendfsync always\`: \`appendfsync everysec\` (redis.conf, or CONFIG SET) leaves the ${call} to its background thread once a second, at the risk of a second of writes in a crash`;
  if (path !== null && /\.rdb$/.test(path)) return `redis wrote and flushed its RDB snapshot in its event loop (a SAVE command, or a shutdown's save): use BGSAVE, whose forked child writes the snapshot while the loop serves`;
  return undefined;
};

/** A runtime's own fix for a blocking call in its loop, by what it blocked on; a kind not listed takes the native fix. */
const RUNTIME_LOOP_FIX: Record<Exclude<LoopFlavour, KnownServer>, Partial<Record<BlockKind, RuntimeFix>>> = {
  python: {
    sleep: () => 'await asyncio.sleep(…) instead of time.sleep(…): the loop runs other tasks while the coroutine waits',
    sync: asyncioFileFix,
    file: asyncioFileFix,
    wait: (call) => `the ${call} is a blocking library call's own wait (socket.getaddrinfo, a synchronous client): await its asyncio form (loop.getaddrinfo, an asyncio client library) or asyncio.to_thread(…)`,
    pipe: asyncioStreamFix,
    socket: asyncioStreamFix,
    child: (call) => `run the command with await asyncio.create_subprocess_exec(…) and await its wait(), instead of subprocess.run, os.system or os.waitpid, which wait in ${call} inside the loop`,
  },
  node: {
    sleep: () => 'wait with a timer (setTimeout, or await setTimeout from node:timers/promises) instead of a blocking sleep (Atomics.wait, execSync(\'sleep\'))',
    sync: nodeFileFix,
    file: nodeFileFix,
    wait: (call) => `the ${call} is a synchronous call's own wait (execSync, spawnSync, a *Sync API): use its asynchronous form`,
    pipe: nodeStreamFix,
    socket: nodeStreamFix,
    child: (call) => `use child_process.spawn or exec with a callback (or its promise form) instead of execSync or spawnSync, which wait in ${call} for the child inside the loop`,
  },
  gevent: {
    sleep: () => 'call gevent.sleep(…), or monkey-patch time before other imports (gevent.monkey.patch_all()), instead of a blocking sleep: the hub runs other greenlets meanwhile',
    sync: geventFileFix,
    file: geventFileFix,
    wait: (call) => `the ${call} is a blocking library call's own wait, which gevent's monkey-patching does not reach (a C extension's client, a DNS lookup): use a gevent-compatible library, or run the call on gevent's thread pool (gevent.get_hub().threadpool)`,
    pipe: geventStreamFix,
    socket: geventStreamFix,
    child: (call) => `use gevent.subprocess (or monkey-patch subprocess) and wait for the child from a greenlet, instead of os.system or os.waitpid, which wait in ${call} holding up every greenlet`,
  },
};

/**
 * PostgreSQL's: its own settings, by the file its backend flushed — the WAL at a commit, which the
 * client waits for (reply before the flush, or share one flush among concurrent commits), or a new
 * WAL segment made during one.
 */
const postgresSyncFix: RuntimeFix = (call, _kind, path) => {
  if (path !== null && /xlogtemp/.test(path)) return `PostgreSQL made and flushed a new WAL segment during a commit: a larger \`min_wal_size\` keeps old segments to recycle instead (and \`wal_init_zero = off\` on a copy-on-write file system)`;
  if (path !== null && /(?:^|\/)pg_(?:wal|xlog)\//.test(path)) return `PostgreSQL flushes the WAL at each commit, and the client waits for the ${call}: \`synchronous_commit = off\` replies before the flush (a crash may lose the last transactions, never corrupts the database), \`commit_delay\` with \`commit_siblings\` lets concurrent commits share one flush; or commit fewer, larger transactions`;
  return undefined;
};

/** A known server's own fix (a setting) for a blocking call in its loop, by what it blocked on; a kind not listed, or a fix that answers undefined, takes the native fix. */
const SERVER_LOOP_FIX: Record<KnownServer, Partial<Record<BlockKind, RuntimeFix>>> = {
  nginx: {
    file: nginxFileFix,
  },
  redis: {
    sync: redisSyncFix,
  },
  postgres: {
    sync: postgresSyncFix,
  },
};

/** The loop is a known server's (SERVER_LOOP_FIX has its fixes). */
function isKnownServer(flavour: LoopFlavour): flavour is KnownServer {
  return Object.prototype.hasOwnProperty.call(SERVER_LOOP_FIX, flavour);
}

/** The usual fix for a loop that imported modules inside its turns (their files read while it served). */
export function lazyImportFix(): string {
  return 'import the module when the program starts (at the top of its file, or before the loop runs) rather than inside the function that first needs it, so the loop does not read module files while it serves; or send a first request before taking traffic';
}

/** The usual fix for a receive with MSG_WAITALL inside a loop. */
export function waitAllFix(call: string): string {
  return `drop MSG_WAITALL from the ${call}: read what the socket holds when the loop reports it ready, keep it in the connection's buffer, and handle the message once it is whole`;
}

/** The usual fix for a pre-forked worker of a pool blocked on a socket (a sync worker waiting for its client's request, or for a backend it calls). */
export function preforkSocketFix(call: string): string {
  return `a worker blocked in ${call} serves no one else meanwhile: slow or distant peers hold workers — put a buffering proxy (nginx) in front of slow clients, give calls to backends timeouts, or serve connections from an event loop or threads (gunicorn: an async or threaded worker class); more workers help only as far as memory allows`;
}

/** A fix told for native code and, where the process is a runtime's, in that runtime's terms. */
type RuntimeFixes = Readonly<Record<LoopRuntime | 'native', string>>;

/** The fix of `fixes` for a process of `runtime` (null: native code). */
function inTermsOf(fixes: RuntimeFixes, runtime: LoopRuntime | null): string {
  return fixes[runtime ?? 'native'];
}

/** The usual fix for busy polling (a runtime's loop polls with 0 when work is queued for its next turn). */
const BUSY_POLL_FIXES: RuntimeFixes = {
  node: 'libuv polls with timeout 0 while an immediate is queued: a setImmediate that schedules itself again keeps the loop spinning — wait for the event that brings the work (a stream, an emitter), or check again with setTimeout',
  python:
    'asyncio polls with timeout 0 while a callback is ready: a coroutine that loops on await asyncio.sleep(0), or a callback that reschedules itself with loop.call_soon, keeps the loop spinning — await the event itself (an asyncio.Event, a future, a stream read) or sleep for an interval; a select.select(…, 0) or poll(0) in a loop spins the same way: give it a timeout',
  native: 'block in the wait with a timeout (the next timer\'s deadline, or -1) instead of polling with 0',
};

/** The usual fix for busy polling, in a runtime's terms where the process is one's. */
export function busyPollFix(runtime: LoopRuntime | null): string {
  return inTermsOf(BUSY_POLL_FIXES, runtime);
}
/** The usual fix for AIO at depth 1. */
export const AIO_SERIALIZED_FIX = 'keep several requests in flight: submit the next requests before reaping (io_getevents with min_nr below the number in flight), or batch them in one io_submit';
/** The usual fix for io_uring at depth 1. */
export const URING_SERIALIZED_FIX =
  'keep several requests in flight: queue the next SQEs before waiting (io_uring_submit, then io_uring_wait_cqe_nr or io_uring_submit_and_wait with a count below the number in flight), and reap completions as they come (io_uring_for_each_cqe)';
/** The usual fix for io_submit doing the I/O. */
export function aioSyncFix(direct: boolean): string {
  return direct
    ? 'this file system or device completes O_DIRECT requests synchronously: put the file on one that supports asynchronous direct I/O (ext4, XFS on a block device), or use io_uring, which runs such requests in its workers'
    : 'open the file with O_DIRECT (buffers and offsets aligned to the block size), or use io_uring or a thread pool for buffered I/O';
}
/** The usual fix for merged I/O signals. */
export const SIGNAL_COALESCED_FIX =
  'use a real-time signal with fcntl(F_SETSIG) (queued, and it carries the fd in si_fd), or on each SIGIO drain every O_ASYNC fd until EAGAIN; better still, wait with epoll';
/** The usual fix for a long signal handler. */
export const LONG_SIGNAL_HANDLER_FIX =
  'in the handler only note the signal (set a volatile sig_atomic_t flag, or write a byte to a self-pipe) and return; do the I/O in the main loop, or take the signals with signalfd there instead of a handler';
/** The usual fix for a saturated pool. */
const POOL_SATURATED_FIXES: RuntimeFixes = {
  python:
    "give the executor more workers (ThreadPoolExecutor(max_workers=…), or loop.set_default_executor for asyncio.to_thread and run_in_executor(None, …)), or do the I/O on the event loop itself (asyncio.open_connection's streams, loop.sock_recv) instead of a blocking call per worker",
  node: 'give libuv\'s pool more threads (UV_THREADPOOL_SIZE, set before the first fs or dns call), keep slow reads (FIFOs, network file systems) off it with streams, or read sockets and pipes through net or stream instead of fs',
  native: 'give the pool more threads, keep slow and fast work in separate pools, or submit the I/O asynchronously (io_uring) instead of blocking a thread per request',
};

/** The usual fix for a saturated pool, in a runtime's terms where the process is one's. */
export function poolSaturatedFix(runtime: LoopRuntime | null): string {
  return inTermsOf(POOL_SATURATED_FIXES, runtime);
}
/** The usual fix for SQPOLL wake-ups. */
export const SQPOLL_FIX = 'raise sq_thread_idle above the gaps between submissions, or drop IORING_SETUP_SQPOLL (submitting with io_uring_enter is cheaper when submissions are sparse)';
/** The usual fix for missed UIO interrupts. */
export const UIO_MISSED_FIX =
  're-enable the interrupt and go back to read() sooner (keep the work between reads short, or hand it to another thread), and handle a count that jumps: each jump of n means n-1 interrupts whose work was not done';
/** The usual fix for an EAGAIN spin. */
export const EAGAIN_SPIN_FIX = 'after EAGAIN, wait for readiness (epoll_wait / poll with the fd) instead of retrying at once';
/** The usual fix for lost records. */
export const LOST_EVENTS_FIX = 'record again with a larger ring (iolens record --ring-size, or the setting iolens.ringSizeMiB in VS Code), a higher --min-duration, or fewer processes; the findings below may miss events';
/** The usual fix for timeout wake-ups. */
export const TIMEOUT_WAKEUPS_FIX = 'wait for the events themselves, with the timeout of the next real timer (or none), instead of waking on a short fixed timeout';
/** The usual fix for a thundering herd. */
const HERD_FIX = 'use EPOLLEXCLUSIVE on the listening socket, SO_REUSEPORT with one listening socket per thread, or accept in one thread only';
/** nginx's fix for a thundering herd: its own settings for the same remedies. */
const NGINX_HERD_FIX = "add `reuseport` to the `listen` directive, so that each worker gets a listening socket of its own and the kernel hands each connection to one of them; or `accept_mutex on;` in the `events` block, so that the workers take turns accepting";

/** The usual fix for a thundering herd, in a known server's terms where the program is one (`server`). */
export function herdFix(server: KnownServer | null): string {
  return server === 'nginx' ? NGINX_HERD_FIX : HERD_FIX;
}
/** The usual fix for POSIX AIO on glibc's threads. */
export const POSIX_AIO_FIX =
  'for several requests in flight at once, use io_uring (liburing) or Linux native AIO (io_submit) on a file opened with O_DIRECT; with POSIX AIO only requests on different files run in parallel';

/** What a call the thread never slept in (the eBPF tracer's never_slept) spent its time on: the report, the hover and the details pane say it. */
export const NEVER_SLEPT_WHY = 'CPU time and preemption by other work, no wait';
