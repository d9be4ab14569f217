/**
 * What the analysis keeps per thread while a trace streams by: the evidence of its I/O model
 * (counts and times per way of waiting), its wake-up relations with other threads, and the few
 * calls it made last (for wake-up chains). Constant size per thread, whatever the trace's length.
 */
import type { SyscallEvent } from '../model/events';
import { ArgFactsCache, type ArgFacts } from './argFacts';
import { callFacts, type CallFacts } from './callFacts';
import { TopEvents } from './context';
import { EVENT_IDS_KEPT } from './types';
import type { BlockKind } from './classify';
import type { PoolBusy } from './rules/poolSaturated';
import type { Run } from './rules/runs';
import { SiteCache } from './sites';
import type { LoopTurns } from './turns';

/** Counts and time of one kind of call. */
export interface Tally {
  count: number;
  ns: number;
}

function tally(): Tally {
  return { count: 0, ns: 0 };
}

/** The tally of a key, added on first use (one lookup when it exists, as it nearly always does). */
function tallyOf<K>(m: Map<K, Tally>, k: K): Tally {
  let t = m.get(k);
  if (!t) {
    t = tally();
    m.set(k, t);
  }
  return t;
}

/** Thread ids counted in arrays before a map takes the rest. */
const FEW_TIDS = 8;

/**
 * Counts per thread id, bumped again and again for a few ids (a loop woken by each of its pool's
 * workers in turn): the first FEW_TIDS ids in arrays, compared in turn (two map operations per
 * bump when the id changed, before), the rest in a map. Iterated in the order each id came first.
 */
export class TidCounts {
  private readonly tids: number[] = [];
  private readonly counts: number[] = [];
  /** The index of the id bumped last. */
  private last = -1;
  private more: Map<number, number> | null = null;

  /** One more for `tid`. */
  bump(tid: number): void {
    const tids = this.tids;
    const last = this.last;
    if (last >= 0 && tids[last] === tid) {
      this.counts[last]++;
      return;
    }
    for (let i = 0; i < tids.length; i++) {
      if (tids[i] !== tid) continue;
      this.counts[i]++;
      this.last = i;
      return;
    }
    const more = this.more;
    if (more === null && tids.length < FEW_TIDS) {
      this.last = tids.length;
      tids.push(tid);
      this.counts.push(1);
      return;
    }
    const m = more ?? (this.more = new Map<number, number>());
    m.set(tid, (m.get(tid) ?? 0) + 1);
  }

  /** The count of `tid`, 0 when none. */
  get(tid: number): number {
    const tids = this.tids;
    for (let i = 0; i < tids.length; i++) if (tids[i] === tid) return this.counts[i];
    return this.more?.get(tid) ?? 0;
  }

  /** How many threads it counts. */
  get size(): number {
    return this.tids.length + (this.more?.size ?? 0);
  }

  /** [tid, count] pairs. */
  *[Symbol.iterator](): IterableIterator<[number, number]> {
    for (let i = 0; i < this.tids.length; i++) yield [this.tids[i], this.counts[i]];
    if (this.more) yield* this.more;
  }
}

/**
 * The fds a wait reported ready, emptied at every wait: a few numbers in an array (a Set's clear
 * makes a new table, at every wait of a loop); a long list goes to a Set.
 */
export class ReadyFds {
  private readonly fds: number[] = [];
  private n = 0;
  private many: Set<number> | null = null;

  get size(): number {
    return this.many ? this.many.size : this.n;
  }

  clear(): void {
    this.n = 0;
    this.many = null;
  }

  add(fd: number): void {
    if (this.many) {
      this.many.add(fd);
      return;
    }
    for (let i = 0; i < this.n; i++) if (this.fds[i] === fd) return;
    if (this.n === 16) {
      this.many = new Set(this.fds.slice(0, this.n));
      this.many.add(fd);
      return;
    }
    this.fds[this.n++] = fd;
  }

  /** `fd` was reported ready. */
  has(fd: number): boolean {
    if (this.many) return this.many.has(fd);
    for (let i = 0; i < this.n; i++) if (this.fds[i] === fd) return true;
    return false;
  }

  /** Remove `fd`; whether it was there. */
  delete(fd: number): boolean {
    if (this.many) return this.many.delete(fd);
    for (let i = 0; i < this.n; i++) {
      if (this.fds[i] !== fd) continue;
      this.fds[i] = this.fds[--this.n];
      return true;
    }
    return false;
  }
}

/** A wake-up of this call by another traced thread, with what that thread was blocked on just before. */
export interface WakeRef {
  readonly id: number;
  readonly ts: number;
  readonly since: number | null;
  readonly wakerPid: number;
  readonly wakerTid: number;
  readonly wakerCall: string;
  readonly fd: number | null;
  readonly path: string | null;
  /** A copy of the waker's call that ended just before (null beyond the chain's depth). */
  readonly prior: RecentCall | null;
}

/**
 * A recently finished wait or blocking call (wake-up chains look back at these). The thread's
 * slots are reused call after call (no allocation per event); a wake-up keeps a copy.
 */
export interface RecentCall {
  /** What a chain's hop reads of it (not the event: holding events kept them alive). */
  readonly e: CallFacts;
  id: number;
  end: number;
  wake: WakeRef | null;
  irq: { ts: number; id: number; name: string } | null;
  /** The signal delivered right after it (it ended the call with EINTR). */
  signal: { name: string; id: number } | null;
  /** Hops behind it (its wake's prior's depth + 1). */
  depth: number;
}

/** Calls remembered per thread for chains. */
export const RECENT_CALLS = 8;

/** Per-thread state of the analysis. */
export class ThreadState {
  /** select/poll/epoll waits, by call name. */
  readonly mux = new Map<string, Tally>();
  muxWaits = 0;
  /** Of the waits, those with a zero timeout (polls that never wait: a check of fds, or busy polling). */
  muxPolls = 0;
  /** Of the waits, those in epoll_wait, epoll_pwait, epoll_pwait2. */
  epollWaits = 0;
  /** Selects and polls since the thread's last epoll wait (nestedWait). */
  sinceEpoll = 0;
  muxNs = 0;
  /** epoll fds waited on; the last one added (a loop waits on one again and again). */
  readonly epfds = new Set<number>();
  lastEpfd = -1;
  /** The fds its last select/poll/epoll wait reported ready (a read of one does not wait). */
  readonly readyFds = new ReadyFds();
  /**
   * The socket fds its waits reported ready, up to two (two: the loop serves several connections, or
   * a listening socket and its connections). One, in a process forked per client (a PostgreSQL
   * backend): a call that blocks the loop holds up that client only.
   */
  readonly readySockets: number[] = [];
  /** Waits that reported a socket ready. */
  readySocketWaits = 0;
  /** poll/ppoll waits that watched one socket and nothing else (a timed wait for one connection). */
  oneSocketPolls = 0;
  /** The socket the last of them watched. */
  oneSocketFd = -1;
  /**
   * The stream fds (sockets, pipes, FIFOs) its select/poll waits watched, up to two; null once a
   * wait watched a third fd or another kind, or its fds were not seen, or the thread waited in epoll.
   */
  peerFds: number[] | null = [];
  /** accept/accept4 calls, sent or counted: a thread that accepts serves a listening socket. */
  accepts = 0;
  /** The fds its sent accept/accept4 calls took a connection from (its listening sockets), up to four. */
  readonly listenFds: number[] = [];
  /** Linux AIO: io_submit calls, requests accepted, completions reaped, time in io_getevents. */
  readonly aio = { submits: 0, requests: 0, reaped: 0, waits: 0, waitNs: 0 };
  /**
   * io_uring: io_uring_enter calls, requests submitted by this thread, time in enter; `turnWaits`:
   * enters that waited for completions inside a turn of the thread's select/poll/epoll loop
   * (io_uring_wait_cqe in a handler), for as long as a blocking call must to have waited.
   */
  readonly uring = { enters: 0, requests: 0, enterNs: 0, turnWaits: 0 };
  /** As a ring's SQPOLL kernel thread (iou-sqp-N): the requests it submitted, and the thread they were counted for (the ring's owner). */
  readonly sqpoll = { submitted: 0, owner: null as number | null };
  /** I/O signals delivered (SIGIO, or the F_SETSIG signal with readiness), signal waits ended by one, by signal name. */
  readonly ioSignals = new Map<string, number>();
  signalWaits = 0;
  signalWaitNs = 0;
  /** Signals delivered that carried no readiness (SIGCHLD, SIGTERM...), by name; and every signal wait. */
  readonly otherSignals = new Map<string, number>();
  signalWaitCalls = 0;
  /** Blocking calls that really waited, by kind, and all of them. */
  readonly blocked = new Map<BlockKind, Tally>();
  readonly blockedAll = tally();
  /** Blocking calls by call name (read, fsync...), for the evidence sentence. */
  readonly blockedCalls = new Map<string, Tally>();
  /** The longest of those calls seen as events (their ids), for a finding about the thread's blocking calls. */
  readonly blockedTop = new TopEvents(EVENT_IDS_KEPT);
  private lastKind: BlockKind | null = null;
  private lastBlocked: Tally | null = null;
  private lastCall: string | null = null;
  private lastCallTally: Tally | null = null;
  private lastMux: string | null = null;
  private lastMuxTally: Tally | null = null;
  /** Calls that could not block (non-blocking fd, EAGAIN). */
  nonblocking = 0;
  eagain = 0;
  sleeps = tally();
  /** Waits for a child process to end (wait4, waitid) that waited. */
  childWaits = tally();
  /** Threads that woke this one out of a wait (tid -> count). */
  readonly wokenBy = new TidCounts();
  /**
   * Wake-ups before its first blocking call or wait (tid -> count): its start — HotSpot's creator
   * lets a new thread run with one — not work handed over.
   */
  readonly wokenAtStart = new TidCounts();
  /** Its blocking pipe calls that waited until a thread of another process ended them (its write): output of that process it consumes. */
  pipeFedElsewhere = 0;
  /** Its blocking calls that another thread's wake-up ended (tid -> count): a client waiting for a server's answer, not a worker. */
  readonly blockedEndedBy = new TidCounts();
  /** Wakes of a thread right after one of this thread's blocking calls ended (work done for it). */
  readonly deliveredTo = new TidCounts();
  /** Blocking call sites (stack ids), to tell a pool's threads apart from unrelated ones; the last one added (a worker calls from one site again and again). */
  readonly blockingSites = new Set<bigint>();
  lastBlockingSite = 0n;
  /** Wake-ups of this thread by another, not yet matched to the call they ended (a few). */
  readonly wakes: WakeRef[] = [];
  /** Its last call sites. */
  readonly sites = new SiteCache();
  /** What its last few calls' args objects tell (the decoder shares one among a call's repeats). */
  readonly argFacts = new ArgFactsCache();
  /** The last few finished waits and blocking calls (a ring of reused slots). */
  readonly recent: RecentCall[] = [];
  private recentNext = 0;
  /** The slot written last. */
  latest: RecentCall | null = null;
  /** End of its last finished call. */
  lastEnd = 0;
  /** End of its last select/poll/epoll wait that reported fds ready, -1 before one did. */
  lastReadyWaitEnd = -1;
  /** Its calls on sockets, sent or counted, whatever their result (accepts too): it does its sockets' I/O itself. */
  socketCalls = 0;
  /**
   * Threads that woke it out of a futex right after their select/poll/epoll wait reported fds ready,
   * with no call between (tid -> count): a notifier thread handing it the readiness its waits saw
   * (Tcl's: its notifier thread selects on the fds, the main thread waits on a condition variable).
   */
  readonly notifiedBy = new TidCounts();
  /** End of its last blocking call that waited, and whether a wake-up of another thread followed it. */
  lastBlockedEnd = -1;
  /** The socket every one of its blocking socket calls waited on: NO_FD before the first, SEVERAL_FDS once another socket came. */
  blockedSocket = NO_FD;
  /** When its last blocking call ended, calls counted by the tracer included (their summary's end), -1 when none did. */
  blockedUntil = -1;
  /** That call: its name, stack and fd's path (what a lock it held meanwhile was held across). */
  lastBlockedCall = '';
  lastBlockedStack = 0n;
  lastBlockedPath: string | null = null;
  /** Its runs, by rules/runs RunSlot: of empty zero-timeout waits (busy-poll), of EAGAIN failures (eagain-spin); reused. */
  readonly runs: (Run | null)[] = [null, null];
  /** busy-poll: its waits, and those with a zero timeout that returned nothing. */
  pollWaits = 0;
  emptyPolls = 0;
  /** Its event loop's turns, when it waits in select/poll/epoll. */
  loop: LoopTurns | null = null;
  /** pool-saturated: its time blocked, when it made a blocking call that waited. */
  poolBusy: PoolBusy | null = null;
  /** Its last signal wait (a delivery of an I/O signal right after it ended it). */
  lastSignalWait: { end: number; dur: number } | null = null;
  exited = false;
  /** When its own exit came (ns), -1 when none did. */
  exitTs = -1;
  /** It ended with its process (its exit came with the process's, or only the process's did), not on its own while the process went on. */
  endedWithProcess = false;
  first = Number.POSITIVE_INFINITY;
  last = 0;

  constructor(
    readonly pid: number,
    readonly tid: number,
  ) {}

  /**
   * Take over what the rules kept for the thread that had this tid before (another process's,
   * whose tid was reused): the rules' state was theirs by tid.
   */
  inherit(old: ThreadState): void {
    this.runs[0] = old.runs[0];
    this.runs[1] = old.runs[1];
    this.pollWaits = old.pollWaits;
    this.emptyPolls = old.emptyPolls;
    this.loop = old.loop;
    this.poolBusy = old.poolBusy;
    this.lastSignalWait = old.lastSignalWait;
  }

  /** Note the fd a blocking call of `kind` waited on (null: no fd), for `ownConnection`: sockets only. */
  blockedOn(kind: BlockKind, fd: number | null): void {
    if (kind !== 'socket' || this.blockedSocket === SEVERAL_FDS) return;
    this.blockedSocket = fd !== null && (this.blockedSocket === NO_FD || this.blockedSocket === fd) ? fd : SEVERAL_FDS;
  }

  /** Count a blocking call that waited. */
  addBlocked(kind: BlockKind, call: string, ns: number, count = 1): void {
    // a thread blocks in the same call again and again: its tallies kept at hand
    let t = this.lastBlocked;
    if (kind !== this.lastKind || t === null) {
      t = tallyOf(this.blocked, kind);
      this.lastKind = kind;
      this.lastBlocked = t;
    }
    t.count += count;
    t.ns += ns;
    let c = this.lastCallTally;
    if (call !== this.lastCall || c === null) {
      c = tallyOf(this.blockedCalls, call);
      this.lastCall = call;
      this.lastCallTally = c;
    }
    c.count += count;
    c.ns += ns;
    this.blockedAll.count += count;
    this.blockedAll.ns += ns;
  }

  /**
   * Count `count` calls of `call` that are the thread's blocking I/O though no stall was seen in
   * them — counted by the tracer under --min-duration, or sent but never slept in — the last of them
   * ending at `until`.
   */
  addCounted(kind: BlockKind, call: string, ns: number, count: number, until: number): void {
    this.addBlocked(kind, call, ns, count);
    if (count > 0 && until > this.blockedUntil) this.blockedUntil = until;
  }

  /**
   * Count a select/poll/epoll wait record: `calls` the calls it stands for (a coalesced run of empty
   * polls is one record), `ns` the time spent inside them (a run's busy time, not its span: the
   * program's own work ran between its calls). `muxWaits` counts records, as the per-wait tallies
   * beside it (oneSocketPolls) do.
   */
  addMux(call: string, ns: number, calls = 1): void {
    let t = this.lastMuxTally;
    if (call !== this.lastMux || t === null) {
      t = tallyOf(this.mux, call);
      this.lastMux = call;
      this.lastMuxTally = t;
    }
    t.count += calls;
    t.ns += ns;
    this.muxWaits++;
    this.muxNs += ns;
    if (call.charCodeAt(0) === E) {
      this.epollWaits++;
      this.sinceEpoll = 0;
    }
  }

  /** Remember a finished call for chains, in the next slot (reused); `args`: what its arguments tell. */
  remember(e: SyscallEvent, args: ArgFacts, id: number, wake: WakeRef | null, irq: RecentCall['irq'], depth: number): RecentCall {
    let c = this.recent[this.recentNext];
    if (!c) {
      c = { e: callFacts(e, args), id, end: e.ts + e.dur, wake, irq, signal: null, depth };
      this.recent[this.recentNext] = c;
    } else {
      callFacts(e, args, c.e);
      c.id = id;
      c.end = e.ts + e.dur;
      c.wake = wake;
      c.irq = irq;
      c.signal = null;
      c.depth = depth;
    }
    this.recentNext = (this.recentNext + 1) % RECENT_CALLS;
    this.latest = c;
    return c;
  }

  /** The latest remembered call that ended at or before `ts` (and after `notBefore`). */
  lastCallBefore(ts: number, notBefore = Number.NEGATIVE_INFINITY): RecentCall | undefined {
    let best: RecentCall | undefined;
    const recent = this.recent;
    for (let i = 0; i < recent.length; i++) {
      const c = recent[i];
      if (c.end <= ts && c.end >= notBefore && (!best || c.end > best.end)) best = c;
    }
    return best;
  }


  /** Time in all its ways of waiting for I/O. */
  ioWaitNs(): number {
    return this.muxNs + this.aio.waitNs + this.uring.enterNs + this.signalWaitNs + this.blockedAll.ns;
  }
}

/** Threads ThreadTable compares by id before asking its map. */
const RECENT_THREADS = 8;

/** The thread states of a trace, by tid. */
export class ThreadTable {
  private readonly byTid = new Map<number, ThreadState>();
  /** The thread asked for last (a thread's events mostly come in a row). */
  private last: ThreadState | null = null;
  /**
   * The last few threads asked for, compared by id before the map is asked (a loop and its pool's
   * workers take turns: hashing the tid costs more than comparing a few); never a thread the map no
   * longer holds (a tid reused by another process replaces it in both).
   */
  private readonly recent: ThreadState[] = [];
  private recentNext = 0;

  /** The state of a thread, created on first use. */
  get(pid: number, tid: number): ThreadState {
    const last = this.last;
    if (last !== null && last.tid === tid && last.pid === pid) return last;
    const recent = this.recent;
    for (let i = 0; i < recent.length; i++) {
      const r = recent[i];
      if (r.tid === tid && r.pid === pid) {
        this.last = r;
        return r;
      }
    }
    let t = this.byTid.get(tid);
    if (!t || t.pid !== pid) {
      const old = t;
      t = new ThreadState(pid, tid);
      if (old) {
        t.inherit(old);
        for (let i = 0; i < recent.length; i++) if (recent[i] === old) recent[i] = t;
      }
      this.byTid.set(tid, t);
    }
    if (recent.length < RECENT_THREADS) recent.push(t);
    else {
      recent[this.recentNext] = t;
      this.recentNext = (this.recentNext + 1) % RECENT_THREADS;
    }
    this.last = t;
    return t;
  }

  /**
   * A thread that exec'd another program: its state starts again, the old program's evidence left
   * behind (pyenv's `python3` is a bash script whose reads of its `$(…)` pipes made the Python
   * process's main thread a pool worker of its executor's manager thread); what the rules keep by
   * tid is taken over, as for a tid reused.
   */
  restart(pid: number, tid: number): void {
    const old = this.byTid.get(tid);
    if (!old) return;
    const t = new ThreadState(pid, tid);
    t.inherit(old);
    for (let i = 0; i < this.recent.length; i++) if (this.recent[i] === old) this.recent[i] = t;
    if (this.last === old) this.last = t;
    this.byTid.set(tid, t);
  }

  /** Look up without creating. */
  find(tid: number): ThreadState | undefined {
    return this.byTid.get(tid);
  }

  /** Every thread seen. */
  all(): ThreadState[] {
    return [...this.byTid.values()];
  }
}

/** ThreadState.blockedSocket before any blocking call. */
const NO_FD = -2;
/** ThreadState.blockedSocket once its blocking socket calls waited on more than one socket. */
const SEVERAL_FDS = -1;

/**
 * A thread whose every blocking socket call waited on one and the same socket (beside its file
 * calls, if any): it serves that connection (a client of its peer, or a thread per connection that
 * also writes a journal), not a pool taking a connection per job. The fd, or null.
 */
export function ownConnection(t: ThreadState): number | null {
  return t.blockedSocket >= 0 ? t.blockedSocket : null;
}

/** A thread with fewer waits than this is not judged to wait for one connection only. */
export const PER_CONNECTION_WAITS = 2;

/**
 * Other select/poll waits a thread per connection may make beside its polls of one socket, per
 * such poll (and one at least, from 20 such polls): Ruby's threads wait for a connect on the socket
 * and the runtime's eventfd once, then poll the socket alone.
 */
export const OTHER_WAITS_SHARE = 0.05;
const OTHER_WAITS_FROM = 20;

/**
 * Select/poll waits of a thread other than polls of one socket that `perConnection` tolerates:
 * none below 20 such polls.
 */
export function otherWaitsTolerated(oneSocketPolls: number): number {
  return oneSocketPolls < OTHER_WAITS_FROM ? 0 : Math.max(1, Math.floor(OTHER_WAITS_SHARE * oneSocketPolls));
}

/**
 * A thread whose every select/poll/epoll wait was a poll of one socket and nothing else (but for
 * a few select/poll waits of other fds, `otherWaitsTolerated`; no epoll wait), and that accepts no
 * connection: it waits for one connection (a thread per connection, as MariaDB's connection
 * threads, or a client waiting for its server), a blocking wait with a timeout — no loop serving
 * others that a call could hold up. (A thread that polls one listening socket and accepts serves
 * every client in turn: a loop.) The socket's fd, or null.
 */
export function perConnection(t: ThreadState): number | null {
  const others = t.muxWaits - t.oneSocketPolls;
  const fewOthers = others === 0 || (t.epfds.size === 0 && others <= otherWaitsTolerated(t.oneSocketPolls));
  return t.muxWaits >= PER_CONNECTION_WAITS && fewOthers && t.accepts === 0 ? t.oneSocketFd : null;
}

/**
 * A thread whose select/poll waits only ever watched one or two stream fds (a socket, a pipe or a
 * FIFO: the two directions of one connection, as rsync's processes wait for each other), that
 * accepts nothing and is not per-connection already: it waits for its one peer — a blocking wait
 * with a timeout, not a loop serving others that a call could hold up. Those fds, or null.
 */
export function onePeer(t: ThreadState): readonly number[] | null {
  const fds = t.peerFds;
  return fds !== null && fds.length > 0 && t.muxWaits >= PER_CONNECTION_WAITS && t.accepts === 0 && perConnection(t) === null ? fds : null;
}

/** The waits reported at least this many times one socket ready, and never another: the loop serves one connection. */
export const ONE_CONNECTION_WAITS = 20;

/**
 * The waits that reported its listening socket ready, and never another socket, for a thread that
 * accepts: fewer than for one connection, as the accepts tell what the socket is (a ptrace
 * recording sends few of a busy worker's waits: the short ones are only counted).
 */
export const ACCEPT_LOOP_WAITS = 3;

/** The one socket a thread's waits reported ready (its fd), or null: several, none, or fewer than `min` such waits seen. */
function oneReadySocket(t: ThreadState, min = ONE_CONNECTION_WAITS): number | null {
  return t.readySockets.length === 1 && t.readySocketWaits >= min ? t.readySockets[0] : null;
}

/** The one connection a thread's loop serves (its fd), or null: several, none, too little seen, or a listening socket (acceptLoop). */
export function oneConnection(t: ThreadState): number | null {
  const fd = oneReadySocket(t);
  return fd !== null && !listens(t, fd) ? fd : null;
}

/**
 * The listening socket of a thread whose waits only ever reported that socket ready, which it
 * accepts connections from: it waits for a connection, then serves it to the end (a pre-forked
 * worker's accept loop: gunicorn's sync workers). Its fd, or null.
 */
export function acceptLoop(t: ThreadState): number | null {
  const fd = oneReadySocket(t, ACCEPT_LOOP_WAITS);
  return fd !== null && listens(t, fd) ? fd : null;
}

/**
 * Whether an accept on listening socket `listenFd` is a worker's wait for its next connection: the
 * thread's waits only ever reported one socket ready, another than `listenFd` (3 waits at least) —
 * it serves one connection at a time, accepting it with a blocking call outside its waits and
 * polling only it (PHP-FPM's workers), so the accept blocks no connection it serves.
 */
export function acceptsBetweenConnections(t: ThreadState, listenFd: number | null): boolean {
  const fd = oneReadySocket(t, ACCEPT_LOOP_WAITS);
  return fd !== null && listenFd !== null && fd !== listenFd;
}

/**
 * Whether the thread accepts connections from `fd`: a sent accept took one from it, or, none sent
 * (the tracer counted them: no fd), it accepts at all — its waits then reporting only `fd` ready
 * means it is the socket it accepts from (its connections were never waited for in the loop).
 */
function listens(t: ThreadState, fd: number): boolean {
  return t.listenFds.length ? t.listenFds.includes(fd) : t.accepts > 0;
}

/** Epoll waits a loop makes before a select or poll of its thread counts as nested in its turns. */
const NESTED_AFTER_EPOLL_WAITS = 8;
/**
 * Selects or polls in a row, with no epoll wait between, after which the thread is taken to loop
 * on them now (a resolver makes two or three per lookup, a synchronous client one per reply).
 */
const NESTED_RUN_MAX = 64;

/**
 * A select or poll made by a thread whose loop waits in epoll (8 epoll waits so far, and the last
 * of them fewer than 64 selects or polls ago): a blocking call's own wait, not the loop's. Counts it.
 */
export function nestedWait(call: string, t: ThreadState): boolean {
  if (call.charCodeAt(0) === E) return false; // the loop's own wait (most calls: decided on one character)
  if (t.epollWaits < NESTED_AFTER_EPOLL_WAITS || t.sinceEpoll >= NESTED_RUN_MAX) return false;
  t.sinceEpoll++;
  return true;
}

/** The first character of the epoll waits' names (no other select/poll wait starts with it). */
const E = 'e'.charCodeAt(0);
