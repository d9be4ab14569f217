/**
 * Each thread's I/O model — how it waits for I/O — claimed only on evidence of that waiting: a
 * signal counts only if it carried readiness (SIGIO, or the F_SETSIG signal with an fd), a call
 * counts as blocking only if it could and did wait (not EAGAIN, not on a non-blocking fd, not a
 * copy that returned at once). And each process's verdict in one line.
 */
import { formatCount, formatDuration } from '../../../../shared/format';
import { AIO_RING_TEXT } from '../model/labels';
import type { BlockKind } from './classify';
import { goroutinesBlockingOn } from './goRuntime';
import type { AioQueue } from './rules/aioSerialized';
import { plural, type AnalysisContext } from './context';
import { onePeer, ownConnection, perConnection, type ThreadState } from './threadState';
import type { ProcessVerdict, ThreadModel, ThreadVerdict } from './types';

/** What the models need beyond the per-thread counts. */
export interface ModelInputs {
  /** The process is a Go program: its threads are the Go scheduler's (goRuntime.ts). */
  goRuntime(pid: number): boolean;
  /** epoll fds -> the kinds of fds registered in them, per process. */
  epollFds(pid: number, epfd: number): Map<string, number> | undefined;
  /** The kinds of fds an epoll instance watched at any time of the recording (a connection's socket removed when it closed too). */
  epollKindsEver(pid: number, epfd: number): ReadonlySet<string> | undefined;
  /** The Linux AIO contexts a thread submitted to: their deepest in-flight depth, and how their completions were seen. */
  aioQueue(tid: number): AioQueue;
  /** io_uring requests the SQPOLL thread submitted for rings this thread entered last (or made, when none entered them). */
  sqpollRequests(tid: number): number;
  /** The most requests a thread's io_uring rings had in flight at once (ringDepth.ts), 0 when none was seen to end. */
  uringDepth(tid: number): number;
  /** The thread is glibc's POSIX AIO helper (posixAio.ts). */
  posixAioHelper(tid: number): boolean;
  /** The thread that started a thread, when the trace saw it start. */
  creator(tid: number): number | null;
  /** The call site a stack's call is at (resolve.ts SiteKeys): two threads' stacks differ where their call is the same. */
  siteKey(stackId: bigint): string;
  /** Turn statistics of a loop thread. */
  loopLag(tid: number): { turns: number; p99: number } | undefined;
  /** The parent of a process forked by one running the same executable (a server's helper or per-client process), else null. */
  forkedFrom(pid: number): number | null;
  /** The thread that set up the process's signal-driven I/O (O_ASYNC, F_SETOWN, F_SETSIG), when the trace saw it. */
  ioSignalSetup(pid: number): number | null;
}

/**
 * How an AIO thread's requests went: the deepest its contexts went and how their completions came —
 * or, when no completion of them was seen (a depth that only grew would be no depth at all), that.
 */
function aioHow(t: ThreadState, q: AioQueue): string {
  const announced = t.muxWaits ? `announced on an eventfd it waits for in ${[...t.mux.keys()].join('/')}` : '';
  if (t.aio.requests > 0 && q.completions === 0) {
    return `, no completion seen (not reaped with io_getevents, nor read from the AIO ring at its syscalls)${announced ? `; completions ${announced}` : ''}`;
  }
  const depth = q.depth ? `, up to ${q.depth} in flight` : '';
  const calls = t.aio.waits ? `reaped in ${plural(t.aio.waits, 'io_getevents call')}` : '';
  // all of them from the ring (QEMU), or some between io_getevents calls (fio --userspace_reap)
  const read = q.fromRing === 0 ? '' : q.fromRing === q.completions || !calls ? AIO_RING_TEXT : `${formatCount(q.fromRing)} ${AIO_RING_TEXT}`;
  if (announced) return `${depth}, completions ${announced}${read ? ` and ${read}` : ''}`;
  if (read && calls) return `${depth}, ${calls}, ${read}`;
  if (read) return `${depth}, completions ${read}`;
  return `${depth}${calls ? `, ${calls}` : ''}`;
}

function share(part: number, t: ThreadState): string {
  const span = t.last - t.first;
  return span > 0 ? `${Math.min(100, Math.round((100 * part) / span))} % of its traced time` : formatDuration(part);
}

function kinds(m: Map<string, number>): string {
  return [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${plural(n, k === 'unknown' ? 'other fd' : k)}`).join(', ');
}

function blockedSummary(t: ThreadState): string {
  return [...t.blockedCalls]
    .sort((a, b) => b[1].ns - a[1].ns)
    .slice(0, 3)
    .map(([call, c]) => `${call} ${plural(c.count, 'time')} (${formatDuration(c.ns)})`)
    .join(', ');
}

/** The main kind of blocking work of a thread: "file reads", "fsyncs"... */
function blockedWhat(t: ThreadState): string {
  const top = [...t.blocked].sort((a, b) => b[1].ns - a[1].ns)[0];
  if (!top) return 'blocking calls';
  const names: Record<BlockKind, string> = {
    file: 'file I/O', sync: 'fsyncs', pipe: 'pipe I/O', socket: 'socket I/O', device: 'device I/O', sleep: 'sleeps', wait: 'waits of their own', child: 'waits for child processes', lock: 'file locks', futex: 'waits for locks', other: 'blocking calls',
  };
  return names[top[0]];
}

/** What a thread blocked in, when worth a model (blocksForReal): its top calls and their main kind, else null. */
export function blockingOf(t: ThreadState): { calls: string; what: string } | null {
  return blocksForReal(t) ? { calls: blockedSummary(t), what: blockedWhat(t) } : null;
}

/**
 * Blocking calls worth a model: 1 ms and 1 % of the thread's traced life at least — not the file
 * reads a program or its loader makes at its start (a daemon's master reading its configuration).
 */
const BLOCKING_MIN_NS = 1e6;
/** Waits for an io_uring ring inside a loop's turns that make the ring its handlers' tool, not the thread's model (and a quarter of its requests). */
const MIN_TURN_RING_WAITS = 8;
const BLOCKING_MIN_SHARE = 0.01;

function blocksForReal(t: ThreadState): boolean {
  return t.blockedAll.ns >= Math.max(BLOCKING_MIN_NS, BLOCKING_MIN_SHARE * (t.last - t.first));
}

/** I/O signals worth a model: more than one, and most of the signals the thread got. */
function signalDriven(t: ThreadState, ioSignals: number): boolean {
  const other = [...t.otherSignals.values()].reduce((a, b) => a + b, 0);
  return ioSignals >= 2 && ioSignals >= other;
}

/** The I/O signals a thread was delivered. */
function ioSignalsOf(t: ThreadState): number {
  let n = 0;
  for (const c of t.ioSignals.values()) n += c;
  return n;
}

/** How a process's I/O signals fell on its threads (strayIoSignals). */
interface IoSignalShare {
  /** The most a thread of the process got. */
  readonly most: number;
  /** All its threads got. */
  readonly all: number;
  /** The thread that set up its signal-driven I/O, when the trace saw it. */
  readonly setup: number | null;
}

/**
 * I/O signals that fell on this thread only because the kernel hands a process's signal to any
 * thread that does not block it (F_SETOWN with a pid): the thread waited for none of them (no
 * `sigsuspend`/`sigwaitinfo` ended by one), other threads got some too (a thread the program
 * leaves them to gets them all), and it is not the thread that set the signal-driven I/O up — or,
 * that setup unseen (attached after it), it got under half as many as another thread. A client
 * thread that blocks in recv and got 9 of its process's 86 SIGIOs does not do signal-driven I/O;
 * the handler ran there by chance (under ptrace, whose stops change which thread is free, a thread
 * that only writes and sleeps got 250 of 400).
 */
function strayIoSignals(t: ThreadState, ioSignals: number, share: IoSignalShare): boolean {
  if (ioSignals === 0 || t.signalWaits > 0 || ioSignals === share.all) return false;
  return share.setup !== null ? share.setup !== t.tid : 2 * ioSignals < share.most;
}

/** Signals by name and count, in words: "71 SIGIO, 2 SIGRT_3". */
function signalCounts(counts: Iterable<[string, number]>): string {
  return [...counts].map(([s, n]) => `${n.toLocaleString('en-US')} ${s}`).join(', ');
}

/** The note on a thread's stray I/O signals (strayIoSignals), or ''. */
function strayNote(t: ThreadState, stray: boolean): string {
  if (!stray) return '';
  return `; also ${signalCounts(t.ioSignals)} of its process's signal-driven I/O handled here (the kernel hands a process's signal to any thread not blocking it)`;
}

/**
 * What a socket polled alone that no wait reported ready may be: the trace does not say whether it
 * listens (listen and bind are not traced), and a listening socket's poller accepts nothing when
 * no client comes.
 */
const NOTHING_ARRIVED = 'nothing arrived on it: a listening socket no client connected to, or an idle connection';

/** A thread that waits on one socket (threadState's perConnection) that none of its waits reported ready. */
function neverReady(t: ThreadState): boolean {
  return t.readySocketWaits === 0;
}

/** A thread whose waits are for its own connections: blocking, its waits and what it blocked in as the evidence. */
function timedWait(t: ThreadState, lead: string, how: string, tail: string): { model: ThreadModel; evidence: string } {
  const blocks = t.blockedAll.count ? `; blocks in ${blockedSummary(t)}` : '';
  return { model: 'blocking', evidence: `${lead}: ${plural(t.muxWaits, `${[...t.mux.keys()].join('/')} call`)}, ${how}${blocks}${tail}` };
}

/** The thread's model and its evidence, before the pool question (which needs every thread). */
function ownModel(t: ThreadState, inputs: ModelInputs, signalShare: IoSignalShare): { model: ThreadModel; evidence: string } {
  const ioSignals = ioSignalsOf(t);
  const stray = strayIoSignals(t, ioSignals, signalShare);
  const sq = inputs.sqpollRequests(t.tid);
  const uringReqs = t.uring.requests + sq;
  // a loop that also submits a few requests is still a loop; requests that outnumber its waits make the thread an AIO / io_uring one
  const aio = (t.aio.requests > 0 || t.aio.reaped > 0) && (t.aio.requests + t.aio.reaped >= t.muxWaits || t.muxWaits === 0);
  // an epoll loop whose handlers wait for their ring inside its turns (io_uring_wait_cqe) is still a loop: the ring serves it synchronously
  const ringInLoop = t.uring.turnWaits >= Math.max(MIN_TURN_RING_WAITS, 0.25 * uringReqs);
  const uring = (uringReqs > 0 || t.uring.enters > 0) && (uringReqs + t.uring.enters >= t.muxWaits || t.muxWaits === 0) && !ringInLoop;
  const also: string[] = [];
  if (!aio && t.aio.requests) also.push(`also ${plural(t.aio.requests, 'Linux AIO request')}`);
  if (!uring && uringReqs) also.push(`also ${plural(uringReqs, 'io_uring request')}`);
  const tail = (also.length ? `; ${also.join(', ')}` : '') + strayNote(t, stray);
  if (aio && (!uring || t.aio.requests >= uringReqs)) {
    return { model: 'aio', evidence: `Linux native AIO: ${plural(t.aio.requests, 'request')} in ${plural(t.aio.submits, 'io_submit')}${aioHow(t, inputs.aioQueue(t.tid))}` };
  }
  if (uring) {
    const enters = t.uring.enters
      ? `, ${plural(t.uring.enters, 'io_uring_enter call')} (${formatDuration(t.uring.enterNs)} in them)`
      : sq ? ', no io_uring_enter: it fills the ring and reads its completions without a system call' : '';
    const depth = inputs.uringDepth(t.tid);
    const inFlight = depth ? `, up to ${depth} in flight` : '';
    return { model: 'io_uring', evidence: `io_uring: ${plural(uringReqs, 'request')}${sq ? ` (${sq.toLocaleString('en-US')} submitted by the SQPOLL thread)` : ''}${inFlight}${enters}` };
  }
  const bySignals = !stray && signalDriven(t, ioSignals);
  const conn = bySignals ? null : perConnection(t);
  // a few waits that also watched other fds (Ruby's connect: the socket and the runtime's eventfd)
  const others = t.muxWaits - t.oneSocketPolls;
  const each = others ? `all but ${others.toLocaleString('en-US')} (which also watched other fds) each on one socket and nothing else` : 'each on one socket and nothing else';
  if (conn !== null && neverReady(t)) {
    return timedWait(t, 'waits on one socket', `${each} (fd ${conn} the last), never ready — ${NOTHING_ARRIVED}`, tail);
  }
  if (conn !== null) {
    return timedWait(t, 'waits for one connection', `${each} (fd ${conn} the last) — a timed blocking wait for its peer, not an event loop`, tail);
  }
  const peer = bySignals ? null : onePeer(t);
  if (peer !== null) {
    const fds = [...peer].sort((a, b) => a - b).join(' and ');
    return timedWait(t, 'waits on one or two connections only', `each watching at most fd ${fds} (sockets, pipes or terminals) and nothing else — a timed blocking wait for data or room to write, as a pipeline stage or a client makes, not an event loop serving others`, tail);
  }
  // one wait is a loop seen waiting (an idle server attached), unless it never waited: Rust's
  // runtime polls fds 0-2 with a zero timeout once at start (sanitize_standard_fds), no loop
  if (t.muxWaits >= 2 || (t.muxWaits >= 1 && t.muxPolls < t.muxWaits && !bySignals)) {
    const calls = [...t.mux].sort((a, b) => b[1].count - a[1].count);
    const lead = calls.map(([c, n]) => `${plural(n.count, c + ' call')}`).join(', ');
    const fdKinds = new Map<string, number>();
    for (const epfd of t.epfds) for (const [k, n] of inputs.epollFds(t.pid, epfd) ?? []) fdKinds.set(k, (fdKinds.get(k) ?? 0) + n);
    const lag = inputs.loopLag(t.tid);
    const signals = ioSignals && !stray ? `; also ${plural(ioSignals, 'I/O signal')}` : '';
    return {
      model: 'multiplexing',
      evidence: `event loop: ${lead}${fdKinds.size ? ` on ${kinds(fdKinds)}` : ''}, waiting ${share(t.muxNs, t)}${lag && lag.turns ? `; ${plural(lag.turns, 'turn')}, lag p99 ${formatDuration(lag.p99)}` : ''}${signals}${tail}`,
    };
  }
  if (bySignals) {
    return {
      model: 'signal-driven',
      evidence: `signal-driven I/O: ${signalCounts(t.ioSignals)} with readiness delivered${t.signalWaits ? `, ${plural(t.signalWaits, 'signal wait')} ended by them` : ''}${tail}`,
    };
  }
  if (blocksForReal(t)) {
    return { model: 'blocking', evidence: `blocks in ${blockedSummary(t)}${tail}` };
  }
  const notes: string[] = [];
  if (t.eagain) notes.push(`${plural(t.eagain, 'non-blocking call')} failed with EAGAIN and no wait followed`);
  else if (t.nonblocking) notes.push(`${plural(t.nonblocking, 'non-blocking call')} that could not wait`);
  if (t.blockedAll.count) notes.push(`${blockedSummary(t)}`);
  if (t.sleeps.count) notes.push(`sleeps ${plural(t.sleeps.count, 'time')} (${formatDuration(t.sleeps.ns)})`);
  if (t.childWaits.count) notes.push(`waits for child processes ${plural(t.childWaits.count, 'time')} (${formatDuration(t.childWaits.ns)})`);
  if (t.muxWaits === 1) notes.push('one select/poll/epoll wait');
  // the SIGKILL its process's exit_group sent each of its other threads is no signal the program handles
  const control = t.endedWithProcess ? [...t.otherSignals].filter(([name]) => name !== 'SIGKILL') : [...t.otherSignals];
  if (t.signalWaitCalls || control.length || (ioSignals && !stray)) {
    const got = signalCounts([...control, ...(stray ? [] : t.ioSignals)]);
    notes.push(`${t.signalWaitCalls ? `waits for signals (${plural(t.signalWaitCalls, 'call')})` : 'gets signals'}${got ? `: ${got}` : ''} — control, not I/O readiness`);
  }
  return { model: 'none', evidence: notes.length ? `no I/O wait of note: ${notes.join('; ')}${tail}` : `no I/O wait of note${tail}` };
}

/** What a loop that serves only messages watches: pipes, eventfds, signalfds (a latch's wake-up). */
const MESSAGE_KINDS: ReadonlySet<string> = new Set(['pipe', 'eventfd', 'signalfd']);

/**
 * A loop that waits only in epoll, on sets that hold only pipes, eventfds and signalfds (libuv's
 * async handles, a message port, a latch): it serves messages and nothing from outside — a worker
 * with a loop of its own, whose blocking calls are the work handed to it, not a server loop held
 * up. Either a thread other than its process's first (Node's worker_threads), or the one thread of
 * a process its server forked (PostgreSQL's walwriter, told by its postmaster to flush).
 */
function messagesOnlyLoop(t: ThreadState, inputs: ModelInputs, onlyThread: boolean): boolean {
  if (t.tid === t.pid && !(onlyThread && inputs.forkedFrom(t.pid) !== null)) return false;
  if (t.epfds.size === 0 || [...t.mux.keys()].some((c) => !c.startsWith('epoll'))) return false;
  let any = false;
  for (const epfd of t.epfds) {
    // what it served over the recording, not only at its end: a per-client process (Samba's smbd)
    // removes its client's socket from the set when the client leaves, its message pipe stays
    for (const kind of inputs.epollKindsEver(t.pid, epfd) ?? []) if (!MESSAGE_KINDS.has(kind)) return false;
    // (the kinds watched at the end are among those: only whether any fd is watched still is asked of them)
    for (const n of inputs.epollFds(t.pid, epfd)?.values() ?? []) any ||= n > 0;
  }
  return any;
}

/** Wake-ups to or from its owner a worker needs, as a share of its jobs (jobsOf). */
const POOL_SHARE = 0.05;
/**
 * The same in CPython, whose threads wake one another out of a futex at every handoff of its GIL:
 * a few wake-ups between two threads say nothing (4 client threads blocked in `recv` beside a
 * `selectors` loop, which answered them over loopback TCP, met the loop's thread at 10–27 % of their
 * calls, all GIL futexes), while an executor's worker hands about every result back
 * (`call_soon_threadsafe` writing the loop's self-pipe: 29–37 of its 36–45 calls).
 */
const GIL_POOL_SHARE = 0.5;

/**
 * About how many jobs a thread's blocking calls were: as many as its most frequent call, not their
 * sum — a job makes each of its calls once (append a line, then fsync it: two calls a job; a
 * uvloop `run_in_executor` pool's workers met the loop thread at 65 % of their jobs, a third of
 * their write-and-fsync calls, while any other worker met them at the GIL at a sixth).
 */
function jobsOf(t: ThreadState): number {
  let most = 0;
  for (const c of t.blockedCalls.values()) most = Math.max(most, c.count);
  return most;
}

/** Some of the thread's blocking calls ended after `owner` was first seen (it may have blocked for it). */
function blockedWhileAlive(t: ThreadState, owner: ThreadState | undefined): boolean {
  return owner === undefined || t.blockedUntil >= owner.first;
}

/**
 * Pool workers: threads that block for another thread of their process — they wake it after their
 * blocking calls, or it wakes them (work handed over) — or, where wake-ups are not visible (the
 * ptrace backend), threads that share blocking call sites beside a thread with another model.
 */
function poolOwner(t: ThreadState, own: Map<number, ThreadModel>, all: ThreadState[], inputs: Pick<ModelInputs, 'creator' | 'siteKey'>, wakesOnly: boolean, gil: boolean): number | null {
  // most of its blocking calls were reads of a pipe another process wrote to end them: it consumes
  // that process's output (Python's multiprocessing.Pool result handler, reading its workers'
  // results), not work a thread of its own process handed it — whoever it meets at the GIL
  if (t.pipeFedElsewhere * 2 >= t.blockedAll.count && t.pipeFedElsewhere > 0) return null;
  const candidates = new Map<number, number>();
  const consider = (tid: number, n: number): void => {
    const m = own.get(tid);
    if (tid === t.tid || m === undefined || m === 'blocking' || m === 'none') return;
    // its blocking calls were all over before that thread was seen: none was for it (a Python
    // program's imports, then it waits for the results its executor's manager thread hands back)
    if (!blockedWhileAlive(t, peers.find((p) => p.tid === tid))) return;
    // its blocking calls ended when that thread answered: a client of it, not its worker
    if ((t.blockedEndedBy.get(tid) ?? 0) * 2 >= t.blockedAll.count) return;
    candidates.set(tid, (candidates.get(tid) ?? 0) + n);
  };
  const peers = all.filter((x) => x.pid === t.pid);
  for (const [tid, n] of t.deliveredTo) if (peers.some((p) => p.tid === tid)) consider(tid, n);
  for (const [tid, n] of t.wokenBy) if (peers.some((p) => p.tid === tid)) consider(tid, n);
  // one or two wake-ups (start-up, shutdown) are no relation: a worker meets its owner about once per job
  const enough = Math.max(3, (gil ? GIL_POOL_SHARE : POOL_SHARE) * jobsOf(t));
  const best = [...candidates].filter(([, n]) => n >= enough).sort((a, b) => b[1] - a[1])[0];
  if (best || wakesOnly) return best?.[0] ?? null;
  // no wake-ups seen: a pool is several threads blocking at the same sites beside an owner
  const owner = peers.find((p) => {
    const m = own.get(p.tid);
    return m !== undefined && m !== 'blocking' && m !== 'none';
  });
  if (!t.blockingSites.size || !blockedWhileAlive(t, owner)) return null;
  // wake-ups seen in the process (eBPF), and none ties this thread to the loop: no pool of it
  // (Python's ThreadingTCPServer: connection threads met at the attach, blocked at one `recv` line).
  // Outside CPython a few, fewer than `enough`, do: a busy pool's workers take their next job without
  // sleeping; in CPython a few are the GIL's handoffs
  // (the wake-up that started it is no tie: Java's in-process clients of a Selector loop, blocked in
  // `read` on their sockets, were each woken once by the thread that started them)
  const handedOver = (t.wokenBy.get(owner?.tid ?? -1) ?? 0) - (t.wokenAtStart.get(owner?.tid ?? -1) ?? 0);
  // Nor do a few tie a thread whose every blocking call waited on its one socket: it serves that
  // connection (Java's in-process clients of a Selector loop, answered over loopback TCP, met the
  // loop's thread in 2 or 3 of the JVM's own futexes in 270 reads)
  const tied = !gil && owner !== undefined && handedOver + (t.deliveredTo.get(owner.tid) ?? 0) > 0 && ownConnection(t) === null;
  if (owner && !tied && peers.some((p) => p.wokenBy.size > 0)) return null;
  // a thread that blocked only on its one socket serves that connection (in-process clients of a
  // Java Selector loop under ptrace): sites shared with its like make no pool
  if (owner && ownConnection(t) !== null) return null;
  if (owner) return peers.some((p) => p.tid !== t.tid && own.get(p.tid) === 'blocking' && [...p.blockingSites].some((s) => t.blockingSites.has(s))) ? owner.tid : null;
  return producerOwner(t, own, peers, inputs);
}

/**
 * A pool fed by a thread with no event loop (a producer that queues jobs under a mutex and signals
 * a condition variable, with no I/O of its own or only its set-up's): the thread that started this
 * one and started at least one more thread blocking at the same site, and woke this one or such a
 * sibling at least once (work handed over).
 * Threads started together that never heard from their creator again (fio's jobs) are not a pool.
 */
function producerOwner(t: ThreadState, own: Map<number, ThreadModel>, peers: ThreadState[], inputs: Pick<ModelInputs, 'creator' | 'siteKey'>): number | null {
  const from = inputs.creator(t.tid);
  const fromModel = from === null ? undefined : own.get(from);
  // (its own set-up may have blocked: writing its data file, reading its configuration)
  if (from === null || from === t.tid || (fromModel !== 'none' && fromModel !== 'blocking')) return null;
  // a thread serving its one socket, started by a thread that accepts connections: a thread per
  // connection (Java's ServerSocket.accept, then Thread.start), not a pool fed through a queue
  if (ownConnection(t) !== null && (peers.find((p) => p.tid === from)?.accepts ?? 0) > 0) return null;
  // each thread's stack is its own snapshot: the same line is told by its site, not its stack id
  const mine = new Set([...t.blockingSites].map(inputs.siteKey));
  const sibling = (p: ThreadState): boolean =>
    p.tid !== t.tid && inputs.creator(p.tid) === from && own.get(p.tid) === 'blocking' && [...p.blockingSites].some((s) => mine.has(inputs.siteKey(s)));
  const handed = (p: ThreadState): boolean => (p.wokenBy.get(from) ?? 0) > 0;
  // a worker the producer never woke itself (it took its jobs as a sibling let go of the queue's
  // lock) is one of the pool when a sibling at its line was handed work
  const siblings = peers.filter(sibling);
  return siblings.length && (handed(t) || siblings.some(handed)) ? from : null;
}

/** The name of HotSpot's thread that serves its attach mechanism (jcmd, jstack, iolens's perf map requests). */
const JVM_ATTACH_LISTENER = 'Attach Listener';

/** Hand-offs of readiness from one notifier thread that make its waits another thread's event loop. */
const MIN_NOTIFIED = 8;

/**
 * The notifier thread whose waits are `t`'s event loop, or null: a select/poll/epoll loop that woke
 * `t` out of a futex right after its waits reported fds ready (no call between), 8 times at least,
 * and never touched a socket itself, while `t`, waiting in no select/poll/epoll of its own, does the
 * sockets' I/O (Tcl's notifier thread and the interpreter's thread, which waits on a condition
 * variable). Not a loop and its pool: a loop reads or accepts on its sockets before it hands a job over.
 */
function notifierOf(t: ThreadState, all: readonly ThreadState[], own: ReadonlyMap<number, ThreadModel>): ThreadState | null {
  if (t.muxWaits > 0 || t.socketCalls === 0 || !t.notifiedBy.size) return null;
  let best = -1;
  let most = 0;
  for (const [tid, n] of t.notifiedBy) {
    if (n > most) {
      best = tid;
      most = n;
    }
  }
  if (most < MIN_NOTIFIED || own.get(best) !== 'multiplexing') return null;
  const x = all.find((o) => o.pid === t.pid && o.tid === best);
  return x && x.socketCalls === 0 ? x : null;
}

/** Every thread's model. */
export function classifyThreads(ctx: AnalysisContext, inputs: ModelInputs): ThreadVerdict[] {
  const all = ctx.threads.all();
  // how each process's I/O signals fell on its threads (strayIoSignals)
  const shares = new Map<number, IoSignalShare>();
  for (const t of all) {
    const got = ioSignalsOf(t);
    const s = shares.get(t.pid) ?? { most: 0, all: 0, setup: inputs.ioSignalSetup(t.pid) };
    shares.set(t.pid, { most: Math.max(s.most, got), all: s.all + got, setup: s.setup });
  }
  const first = new Map(all.map((t) => [t.tid, ownModel(t, inputs, shares.get(t.pid) ?? { most: 0, all: 0, setup: null })]));
  const own = new Map([...first].map(([tid, m]) => [tid, m.model]));
  // the threads whose event loop waits through a notifier thread, and each notifier's loop thread
  const notifiers = new Map<ThreadState, ThreadState>();
  const notified = new Map<ThreadState, ThreadState>();
  for (const t of all) {
    const x = notifierOf(t, all, own);
    if (x) {
      notifiers.set(t, x);
      notified.set(x, t);
    }
  }
  return all.map((t) => {
    const m = first.get(t.tid) as { model: ThreadModel; evidence: string };
    const x = notifiers.get(t);
    if (x) {
      const name = ctx.threadName(x.pid, x.tid);
      const lag = inputs.loopLag(t.tid);
      return {
        pid: t.pid, tid: t.tid, name: ctx.threadName(t.pid, t.tid), model: 'multiplexing' as const, worksFor: null,
        evidence: `event loop whose waits its notifier thread ${name ? `${name} ` : ''}${x.pid}/${x.tid} makes (as Tcl's does): woken out of a futex ${plural(t.notifiedBy.get(x.tid), 'time')} right after that thread's wait reported fds ready, it does their I/O itself (${plural(t.socketCalls, 'socket call')})${lag && lag.turns ? `; ${plural(lag.turns, 'turn')}, lag p99 ${formatDuration(lag.p99)}` : ''}${t.blockedAll.count ? `; ${blockedSummary(t)}` : ''}`,
      };
    }
    const served = notified.get(t);
    if (served) {
      const name = ctx.threadName(served.pid, served.tid);
      return {
        pid: t.pid, tid: t.tid, name: ctx.threadName(t.pid, t.tid), model: m.model, worksFor: served.tid,
        evidence: `the notifier thread of ${name ? `${name} ` : ''}${served.pid}/${served.tid}'s event loop: it waits on that loop's fds and hands each readiness over, with no socket I/O of its own — ${m.evidence.replace(/^event loop: /, '')}`,
      };
    }
    const gil = ctx.runtime(t.pid) === 'python';
    let worksFor: number | null = null;
    const threadName = ctx.threadName(t.pid, t.tid);
    // HotSpot's thread for tools' requests: started by iolens's own (its perf map), not the program's
    if (threadName === JVM_ATTACH_LISTENER && m.model !== 'none') {
      return { pid: t.pid, tid: t.tid, name: threadName, model: 'none' as const, worksFor, evidence: `the JVM's attach listener, waiting for tools' requests (jcmd; iolens asks it for the JVM's perf map): not the program's I/O — ${blockedSummary(t)}` };
    }
    // a ring's SQPOLL thread (the kernel's): the requests it submits are its ring owner's I/O, counted there
    if (m.model === 'none' && t.sqpoll.submitted > 0) {
      const owner = t.sqpoll.owner;
      const name = owner === null ? '' : ctx.threadName(t.pid, owner);
      return {
        pid: t.pid, tid: t.tid, name: threadName, model: 'none' as const, worksFor: owner,
        evidence: `the kernel's SQPOLL thread of ${owner === null ? 'an io_uring ring' : `the io_uring ring of ${name ? `${name} ` : ''}${t.pid}/${owner}`}: it submitted ${plural(t.sqpoll.submitted, 'request')} from the ring, counted as that thread's; no I/O wait of its own`,
      };
    }
    // glibc's POSIX AIO: its helper runs the requests of the thread that queued them (which started it)
    if ((m.model === 'blocking' || m.model === 'none') && inputs.posixAioHelper(t.tid)) {
      worksFor = inputs.creator(t.tid) ?? t.pid;
      const name = ctx.threadName(t.pid, worksFor);
      return {
        pid: t.pid, tid: t.tid, name: ctx.threadName(t.pid, t.tid), model: 'pool-worker' as const, worksFor,
        evidence: `glibc's POSIX AIO helper for ${name ? `${name} ` : ''}${t.pid}/${worksFor}: runs its aio_read/aio_write requests as blocking calls, a file's one at a time: ${blockedSummary(t)}`,
      };
    }
    // a loop of its own that serves only its process's other threads (Node's worker_threads), or
    // its parent (a server's helper process): a worker
    const onlyThread = all.every((x) => x.pid !== t.pid || x.tid === t.tid);
    if (m.model === 'multiplexing' && t.blockedAll.count > 0 && messagesOnlyLoop(t, inputs, onlyThread)) {
      const parent = t.tid === t.pid ? inputs.forkedFrom(t.pid) : null;
      const ownerPid = parent ?? t.pid;
      worksFor = parent ?? poolOwner(t, own, all, inputs, true, gil) ?? inputs.creator(t.tid) ?? t.pid;
      const name = ctx.threadName(ownerPid, worksFor);
      const who = `${name ? `${name} ` : ''}${ownerPid}/${worksFor}`;
      const loop = m.evidence.replace(/^event loop: /, '');
      return {
        pid: t.pid, tid: t.tid, name: ctx.threadName(t.pid, t.tid), model: 'pool-worker' as const, worksFor,
        evidence: parent === null && inputs.goRuntime(t.pid)
          ? `a thread of the Go scheduler (an M) that blocked in goroutines' system calls, the runtime running its other goroutines on other threads meanwhile, and otherwise waited in the runtime's netpoller (${loop}): ${blockedSummary(t)}`
          : parent !== null
          ? `a helper process its server ${who} forked, with an event loop that serves only its messages (${loop}: its epoll set holds only pipes, eventfds and signalfds — no socket, timer or device), which hand it work to do: ${blockedSummary(t)}`
          : `a worker thread with an event loop of its own that serves only ${who} (${loop}: its epoll set holds only pipes, eventfds and signalfds, the other threads' messages — no socket, timer or device), which hands it work to do: ${blockedSummary(t)}`,
      };
    }
    // short blocking calls (reads from the page cache) each handed back to a loop make a pool worker too
    // a thread that waits for its one connection or peer serves that peer, not another thread
    if ((m.model === 'blocking' && perConnection(t) === null && onePeer(t) === null) || (m.model === 'none' && t.blockedAll.count >= 3)) {
      worksFor = poolOwner(t, own, all, inputs, m.model === 'none', gil);
      if (worksFor !== null) {
        const name = ctx.threadName(t.pid, worksFor);
        return {
          pid: t.pid, tid: t.tid, name: ctx.threadName(t.pid, t.tid), model: 'pool-worker' as const, worksFor,
          evidence: `blocks for ${name ? `${name} ` : ''}${t.pid}/${worksFor} (${OWNER_TEXT[own.get(worksFor) ?? 'none']}): ${blockedSummary(t)}`,
        };
      }
    }
    return { pid: t.pid, tid: t.tid, name: ctx.threadName(t.pid, t.tid), model: m.model, evidence: m.evidence, worksFor };
  });
}

/** What the thread a pool works for is, by its own model, in a pool worker's evidence. */
const OWNER_TEXT: Record<ThreadModel, string> = {
  multiplexing: 'its event loop',
  aio: 'its Linux AIO thread',
  io_uring: 'its io_uring thread',
  'signal-driven': 'its signal-driven I/O thread',
  'pool-worker': 'a pool worker',
  blocking: 'a thread that blocks in its own calls',
  none: 'a thread without I/O of note',
};

/** Threads an accepting loop must have started for them to be taken as one per client. */
const PER_CLIENT_MIN = 8;

/**
 * The threads an accepting loop thread of the process started, when they are many and most ended
 * within the recording: a thread per client (each serves its connection and ends), whatever each
 * one's own model — too short-lived to wait for anything, or blocked a few times.
 */
function threadsPerClient(states: readonly ThreadState[], verdicts: readonly ThreadVerdict[], inputs: ModelInputs): ThreadState[] {
  const acceptors = new Set(states.filter((t, i) => verdicts[i].model === 'multiplexing' && t.accepts > 0).map((t) => t.tid));
  if (!acceptors.size) return [];
  const started = states.filter((t) => !acceptors.has(t.tid) && acceptors.has(inputs.creator(t.tid) ?? -1));
  return started.length >= PER_CLIENT_MIN && started.filter(endedAlone).length * 2 >= started.length ? started : [];
}

/** The thread ended on its own while its process went on (a thread per client does, after its client), not with the process. */
function endedAlone(t: ThreadState): boolean {
  return t.exited && !t.endedWithProcess;
}

/** Models of a thread whose design is asynchronous: a pool working for one makes its blocking calls look async. */
const ASYNC_MODELS: ReadonlySet<ThreadModel> = new Set<ThreadModel>(['multiplexing', 'aio', 'io_uring', 'signal-driven']);

/** `pseudoAsync`: the pool works for an asynchronous design (an event loop, POSIX AIO), not for a blocking thread (sort --parallel). */
const PHRASE: Record<ThreadModel, (n: number, extra: string, pseudoAsync: boolean) => string> = {
  multiplexing: (n, extra) => `${extra || 'select/poll/epoll'} loop on ${plural(n, 'thread')}`,
  aio: (n) => `Linux native AIO on ${plural(n, 'thread')}`,
  io_uring: (n, extra) => `io_uring on ${plural(n, 'thread')}${extra}`,
  'signal-driven': (n, extra) => `signal-driven I/O (${extra}) on ${plural(n, 'thread')}`,
  'pool-worker': (n, extra, pseudoAsync) => `${extra} on ${plural(n, 'pool thread')}${pseudoAsync ? ' — pseudo-async' : ''}`,
  blocking: (n, extra) => `blocking ${extra} on ${plural(n, 'thread')}`,
  none: (n) => `${plural(n, 'thread')} without I/O of note`,
};

/** A verdict's part placed before its blocking threads' (or its quiet threads'), else last. */
function insertBeforeBlocking(parts: string[], part: string): void {
  const at = parts.findIndex((p) => p.startsWith('blocking ') || p.endsWith('without I/O of note'));
  parts.splice(at < 0 ? parts.length : at, 0, part);
}

/** What threads waiting on their socket also blocked in, when worth a model (not the loader's reads): " (file I/O)", or ''. */
function alsoBlocked(ts: readonly ThreadState[]): string {
  const what = [...new Set(ts.filter(blocksForReal).map(blockedWhat))].join(' and ');
  return what ? ` (${what})` : '';
}

/**
 * A process's signal-driven I/O whose signals no thread waits by (each thread's model is another:
 * an event loop that also takes SIGIO, the others the process's stray ones), or ''.
 */
function signalsHandledBeside(states: readonly ThreadState[], models: Partial<Record<ThreadModel, number>>): string {
  if (models['signal-driven']) return '';
  const names = new Set<string>();
  let n = 0;
  let on = 0;
  for (const t of states) {
    const got = ioSignalsOf(t);
    if (got === 0) continue;
    n += got;
    on++;
    for (const s of t.ioSignals.keys()) names.add(s);
  }
  return n >= 2 ? `signal-driven I/O beside (${n.toLocaleString('en-US')} ${[...names].join('/')}, handled on ${plural(on, 'thread')})` : '';
}

/** A loop thread none of whose waits returned before another began: it never ran a turn in the recording. */
function neverTurned(t: ThreadState, inputs: ModelInputs): boolean {
  return (inputs.loopLag(t.tid)?.turns ?? 0) === 0;
}

/** Each process's verdict: its threads' models in one line. */
export function processVerdicts(
  ctx: AnalysisContext, inputs: ModelInputs, threads: readonly ThreadVerdict[], processName: (pid: number) => string,
): ProcessVerdict[] {
  const byPid = new Map<number, ThreadVerdict[]>();
  for (const t of threads) {
    const list = byPid.get(t.pid);
    if (list) list.push(t);
    else byPid.set(t.pid, [t]);
  }
  const out: ProcessVerdict[] = [];
  for (const [pid, list] of byPid) {
    const models: Partial<Record<ThreadModel, number>> = {};
    for (const t of list) models[t.model] = (models[t.model] ?? 0) + 1;
    const states = list.map((t) => ctx.threads.get(t.pid, t.tid));
    // blocking threads that each wait for one connection are named as such, apart from the others
    const connected = states.filter((t, i) => list[i].model === 'blocking' && perConnection(t) !== null);
    // and the threads an accepting loop starts, one per client (Python's ThreadingHTTPServer)
    const perClient = threadsPerClient(states, list, inputs);
    // blocking threads that wait on one or two connections and blocked in nothing else (socat's
    // relay: its select on its two sockets) have no kind of blocking to name: named by their waits
    const peered = states.filter((t, i) => list[i].model === 'blocking' && !connected.includes(t) && onePeer(t) !== null && t.blocked.size === 0);
    // a notifier thread waits for another thread's loop (Tcl's): named with that loop, not as one of its own
    const notifiers = states.filter((_, i) => list[i].model === 'multiplexing' && list[i].worksFor !== null);
    const isConnected = new Set([...connected, ...perClient, ...peered, ...notifiers]);
    const of = (m: ThreadModel): ThreadState[] => states.filter((t, i) => list[i].model === m && !isConnected.has(t));
    const extra = (m: ThreadModel): string => {
      const ts = of(m);
      switch (m) {
        case 'multiplexing': {
          const calls = new Set([...ts, ...notifiers].flatMap((t) => [...t.mux.keys()]));
          return [...calls].some((c) => c.startsWith('epoll')) ? 'epoll' : calls.has('poll') || calls.has('ppoll') ? 'poll' : 'select';
        }
        case 'io_uring':
          return ts.some((t) => inputs.sqpollRequests(t.tid) > 0) ? ' with a SQPOLL thread' : '';
        case 'signal-driven':
          return [...new Set(ts.flatMap((t) => [...t.ioSignals.keys()]))].join(', ');
        case 'pool-worker':
        case 'blocking': {
          const what = new Map<string, number>();
          for (const t of ts) what.set(blockedWhat(t), (what.get(blockedWhat(t)) ?? 0) + 1);
          const text = [...what].sort((a, b) => b[1] - a[1]).map(([w]) => w).join(' and ');
          return m === 'pool-worker' && ts.some((t) => inputs.posixAioHelper(t.tid)) ? `POSIX AIO (glibc): ${text}` : text;
        }
        default:
          return '';
      }
    };
    // a pool is pseudo-async when what it works for is asynchronous: an event loop handing it its
    // blocking calls (libuv's, the JDK's), or glibc's POSIX AIO; not a blocking thread's helpers
    const pseudoAsync = of('pool-worker').some((t) => {
      if (inputs.posixAioHelper(t.tid)) return true;
      const owner = list.find((v) => v.tid === list[states.indexOf(t)].worksFor);
      return owner === undefined || ASYNC_MODELS.has(owner.model);
    });
    const order: ThreadModel[] = ['multiplexing', 'aio', 'io_uring', 'signal-driven', 'pool-worker', 'blocking', 'none'];
    // loop threads that never turned beside ones that did (Node's platform thread: one wait for the
    // whole run) are named apart, not counted as the program's loops
    const loops = of('multiplexing');
    const asleep = loops.filter((t) => neverTurned(t, inputs));
    const idleLoops = asleep.length < loops.length ? asleep.length : 0;
    // what a Go program's goroutines blocked in on its loop threads (etcd's WAL fsyncs), said of them
    const goroutines = inputs.goRuntime(pid) ? goroutinesBlockingOn(loops.map(blockingOf), loops.length - idleLoops) : '';
    const parts = order
      .filter((m) => of(m).length)
      .filter((m) => m !== 'none' || Object.keys(models).length === 1)
      .flatMap((m) => {
        if (m !== 'multiplexing') return [PHRASE[m](of(m).length, extra(m), pseudoAsync)];
        const part = PHRASE[m](loops.length - idleLoops, extra(m), pseudoAsync) + goroutines;
        return idleLoops ? [part, `${plural(idleLoops, 'more loop thread')} that never woke`] : [part];
      });
    if (notifiers.length && parts.length) parts[0] += ` (its waits made by ${notifiers.length === 1 ? 'a notifier thread' : plural(notifiers.length, 'notifier thread')})`;
    const handled = signalsHandledBeside(states, models);
    if (handled) insertBeforeBlocking(parts, handled);
    if (perClient.length) {
      const ended = perClient.filter(endedAlone).length;
      insertBeforeBlocking(parts, `a thread per connection: ${plural(perClient.length, 'thread')} started by its accepting loop (${ended.toLocaleString('en-US')} ended within the recording)`);
    }
    const idle = connected.filter(neverReady);
    const served = connected.filter((t) => !neverReady(t));
    if (served.length) {
      // a process of one thread waiting on its one connection is a client (wget), not a thread per connection
      const who = list.length === 1 ? 'one connection waited on by its one thread' : `a thread per connection on ${plural(served.length, 'thread')}`;
      insertBeforeBlocking(parts, `${who}${alsoBlocked(served)}`);
    }
    if (idle.length) {
      const who = list.length === 1 ? 'one socket waited on by its one thread' : idle.length === 1 ? '1 thread waiting on one socket' : `${idle.length} threads each waiting on one socket`;
      insertBeforeBlocking(parts, `${who}, never ready (${NOTHING_ARRIVED})${alsoBlocked(idle)}`);
    }
    if (peered.length) {
      const who = list.length === 1 ? 'one or two connections waited on by its one thread' : `${plural(peered.length, 'thread')} each waiting on one or two connections`;
      insertBeforeBlocking(parts, `${who} (a relay, a pipeline stage or a client)`);
    }
    // a ring's SQPOLL thread is named with its ring's io_uring part ("with a SQPOLL thread"), not as a quiet thread
    const quiet = of('none').filter((t) => !(t.sqpoll.submitted > 0 && models.io_uring)).length;
    const noIo = quiet && Object.keys(models).length > 1 ? ` (and ${plural(quiet, 'thread')} without I/O of note)` : '';
    // one thread working for another process: a helper process of its server (PostgreSQL's walwriter)
    const owner = list.length === 1 && list[0].model === 'pool-worker' ? list[0].worksFor : null;
    if (owner !== null && owner !== pid) {
      out.push({ pid, name: processName(pid), verdict: `a helper process of ${processName(owner)} ${owner}, handed its work by messages: ${blockedWhat(states[0])} on its one thread`, models });
      continue;
    }
    out.push({ pid, name: processName(pid), verdict: parts.join('; ') + noIo, models });
  }
  return out;
}
