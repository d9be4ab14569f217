/**
 * The analysis in one streaming pass: every event goes through `add` once, in stream order (a
 * saved trace of millions of events, or a live recording); `result()` may be asked at any time
 * and changes nothing, so a live view asks again as the recording grows. Memory is bounded by the
 * number of threads, call sites and rules' keys, never by the number of events.
 */
import type { DropEvent, SignalEvent, SyscallEvent, TraceEvent, WakeEvent } from '../model/events';
import { callsOf, perCallNs } from '../model/args';
import type { FdInfo } from '../model/fdtable';
import type { FilteredCounts } from '../model/filtered';
import { EPOLL_CTL_DEL, epollOpName, F_SETSIG, fcntlCmdName, isFcntlLockWait, siCode } from '../model/names';
import type { ProcessTable } from '../model/processes';
import { UioTracker, type UioDevices } from '../model/uio';
import { isPerfMapFile } from '../symbols/perfMapFile';
import type { ArgFacts } from './argFacts';
import { ChainTracker } from './chains';
import { isErlangVm, knownServerOf, runtimeOf } from '../tracer/runtimes';
import { WAITED_NS, WAITED_NS_PTRACE, waitsForAll, blockKind, classifyBlocking, type BlockingScratch, type FdLookup, inherentlyBlocking, isIoSignal, isMultiplexingSys, isSignalWait, isSlowFdCall, nonblockingCall, readsItsFile, syscallClass, wouldBlock } from './classify';
import { threadLabel, type AnalysisContext } from './context';
import { GO_RUNTIME_RULES, goRuntimeThreads, goRuntimeVerdicts } from './goRuntime';
import { posixAioFindings, posixAioHelper } from './posixAio';
import { mergeSiblingFindings } from './siblings';
import { blockingOf, classifyThreads, processVerdicts, type ModelInputs } from './models';
import { BY_STACK_ID, type SiteKeys } from './resolve';
import { AioSerializedRule } from './rules/aioSerialized';
import { AioSyncSubmitRule } from './rules/aioSyncSubmit';
import { BusyPollRule } from './rules/busyPoll';
import { EagainSpinRule } from './rules/eagainSpin';
import { HerdWakeupsRule } from './rules/herdWakeups';
import { LongSignalHandlerRule } from './rules/longSignalHandler';
import { LoopBlockedRule } from './rules/loopBlocked';
import { LostEventsRule } from './rules/lostEvents';
import { PoolSaturatedRule } from './rules/poolSaturated';
import { SignalCoalescedRule } from './rules/signalCoalesced';
import { SqpollWakeupsRule } from './rules/sqpollWakeups';
import { TimeoutWakeupsRule } from './rules/timeoutWakeups';
import { UringSerializedRule } from './rules/uringSerialized';
import { uioMissedIrqFindings } from './rules/uioMissedIrq';
import { RingDepths } from './ringDepth';
import { SiteTable, type ThreadCallStats } from './sites';
import { nestedWait, otherWaitsTolerated, ThreadTable, type ThreadState } from './threadState';
import { LoopTurns } from './turns';
import type { AnalysisResult, ChainHop, FilteredStats, RawFinding, ThreadVerdict } from './types';

/** The fds of a select's sets the tracer reads (schema's select_fds: one word of each set). */
const SELECT_TRACED_FDS = 64;

/**
 * What an fd in a select/poll says of a thread that may wait for one peer: a stream to a peer
 * (socket, pipe, FIFO, terminal), one no wait is for (a regular file or /dev/null: always ready),
 * or another source (a device, an eventfd, a timer: a loop serves it beside its peer).
 */
function peerKind(f: FdInfo | undefined): 'stream' | 'never-waited' | 'other' {
  if (!f) return 'other';
  switch (f.type) {
    case 'socket':
    case 'pipe':
    case 'fifo':
      return 'stream';
    case 'file':
    case 'dir':
    case 'virtual':
      return 'never-waited';
    case 'chr':
      return f.path === '/dev/null' ? 'never-waited' : /^\/dev\/(pts\/|tty)/.test(f.path) ? 'stream' : 'other';
    default:
      return 'other';
  }
}

/** What the analysis reads from the trace besides its events (a TraceAssembler has all of it). */
export interface AnalysisSource {
  readonly processes: ProcessTable;
  readonly fds: FdLookup;
  readonly uioDevices: UioDevices;
  readonly meta?: { readonly min_duration_ns?: number; readonly backend?: string } | undefined;
  readonly filtered: { listen(l: (d: FilteredCounts) => void): () => void; all(): FilteredCounts[] };
}


/** A lock released this soon after the holder's blocking call ended was held across it. */
const HELD_ACROSS_NS = 1e6;
/** A loop thread's futex wait inside a turn shorter than this is a lock taken in passing. */
const LOCK_WAIT_NS = 1e6;
/** A futex wake this soon after the waker's wait reported fds ready, no call between, hands that readiness over (a notifier thread). */
const NOTIFY_NS = 1e6;

/** A thread whose exit came this close before its process's ended with it (exit_group), not on its own. */
const WITH_PROCESS_NS = 20e6;

/** Options of the analysis. */
export interface AnalyzerOptions {
  /**
   * Keep the wake-up chain of every wait and blocking call of at least this many ns, for
   * `chainOf` (the editor draws the chain of a selected event; it holds every event anyway).
   * Off by default: a report keeps only its findings' chains, in constant memory.
   */
  readonly keepChainsFrom?: number;
}

/** Runs every rule over a trace's events. */
export class TraceAnalyzer {
  private readonly threads = new ThreadTable();
  private readonly loops = new Map<number, LoopTurns>();
  private readonly setsig = new Map<number, Set<number>>();
  private readonly span = { first: Number.POSITIVE_INFINITY, last: 0 };
  private readonly chains: ChainTracker;
  private readonly sites = new SiteTable();
  private readonly uio: UioTracker;
  /** epoll registrations per process and epoll fd: fd -> its type. */
  private readonly epoll = new Map<string, Map<number, string>>();
  /** The kinds of fds each of those epoll instances ever watched, those removed since included. */
  private readonly epollEver = new Map<string, Set<string>>();
  /** io_uring rings (hex address) -> the thread that last entered them. */
  private readonly ringOwner = new Map<string, number>();
  /**
   * io_uring rings by `pid:fd` -> the thread whose io_uring_setup made them: the owner of a SQPOLL
   * ring whose program never enters it (it reads completions from the ring itself, as fio does).
   */
  private readonly ringCreator = new Map<string, number>();
  /** Threads -> the thread that started them (thread start events). */
  private readonly creators = new Map<number, number>();
  private readonly sqRequests = new Map<number, number>();
  private readonly ringDepths = new RingDepths();
  private readonly unsubscribe: () => void;
  private events = 0;
  private readonly chainsById = new Map<number, ChainHop[]>();

  private readonly loopBlocked: LoopBlockedRule;
  private readonly busyPoll = new BusyPollRule();
  private readonly aioSerialized = new AioSerializedRule();
  private readonly aioSync = new AioSyncSubmitRule();
  private readonly signalCoalesced = new SignalCoalescedRule();
  private readonly longHandler = new LongSignalHandlerRule();
  private readonly pool = new PoolSaturatedRule();
  private readonly sqpoll = new SqpollWakeupsRule();
  private readonly uringSerialized: UringSerializedRule;
  private readonly eagain = new EagainSpinRule();
  private readonly lost = new LostEventsRule();
  private readonly timeouts = new TimeoutWakeupsRule();
  private readonly herd = new HerdWakeupsRule();
  private readonly ctx: AnalysisContext;
  /** The blocking call being classified (read, not kept, by the rules it is passed to). */
  private readonly scratch: BlockingScratch = { kind: 'other', nonblocking: false, blocked: false, fd: null, path: null };

  constructor(
    private readonly source: AnalysisSource,
    private readonly options: AnalyzerOptions = {},
  ) {
    const name = (pid: number, tid: number): string => source.processes.threadName(pid, tid);
    this.chains = new ChainTracker(name);
    this.uio = new UioTracker(source.uioDevices);
    this.uringSerialized = new UringSerializedRule((pid, fd) => source.fds.get(pid, fd)?.type);
    this.loopBlocked = new LoopBlockedRule((pid, fd) => source.fds.get(pid, fd)?.flags ?? 0);
    const minDuration = (): number | null => this.minDurationNs();
    const ptrace = (): boolean => this.ptraceTrace();
    this.ctx = {
      threads: this.threads, loops: this.loops, setsig: this.setsig, span: this.span, threadName: name,
      fd: (pid, fd) => source.fds.get(pid, fd),
      forkedWorker: (pid) => {
        const p = source.processes.find(pid);
        const parent = p?.parent ? source.processes.find(p.parent) : undefined;
        return !!p && !!parent && p.exe !== '' && p.exe === parent.exe;
      },
      runtime: (pid) => runtimeOf(source.processes.find(pid)?.exe ?? ''),
      server: (pid) => {
        const p = source.processes.find(pid);
        return p ? knownServerOf(p.exe, p.name) : null;
      },
      get minDurationNs() {
        return minDuration();
      },
      get ptrace() {
        return ptrace();
      },
    };
    this.unsubscribe = source.filtered.listen((d) => this.addFiltered(d));
  }

  private minDurationNs(): number | null {
    const m = this.source.meta?.min_duration_ns;
    return typeof m === 'number' ? m : null;
  }

  /**
   * Each thread's syscalls by name (count, time, percentiles: the report's per-thread call table),
   * from the call sites' histograms; `first`: the id the analysis was given with the first call.
   */
  threadCalls(): ThreadCallStats[] {
    return this.sites.threadCalls();
  }

  /** Stop listening to the trace's counted calls. */
  dispose(): void {
    this.unsubscribe();
  }

  /** One event, with the id its consumer gives it (a report: its ordinal; the editor: its store id). */
  add(e: TraceEvent, id: number): void {
    this.events++;
    const uioWake = this.uio.add(e, id);
    if (e.kind === 'syscall') {
      // most events: their duration read without asking what shape the event has, and no switch
      const span = this.span;
      const ts = e.ts;
      if (ts < span.first) span.first = ts;
      const end = ts + e.dur;
      if (end > span.last) span.last = end;
      this.syscall(e, id, uioWake ? { ts: uioWake.irqTs, id: uioWake.irqRef, name: `IRQ ${uioWake.device.irq} of uio${uioWake.device.index} (${uioWake.device.name})` } : undefined);
      return;
    }
    if (e.kind !== 'drop' && e.kind !== 'irq') {
      if (e.ts < this.span.first) this.span.first = e.ts;
      const dur = (e as { dur?: unknown }).dur;
      const end = e.ts + (typeof dur === 'number' ? dur : 0);
      if (end > this.span.last) this.span.last = end;
    }
    switch (e.kind) {
      case 'aio': {
        this.aioSerialized.request(e);
        const t = this.threads.get(e.pid, e.tid);
        if (e.completeTid !== null) this.threads.get(e.pid, e.completeTid).aio.reaped++;
        if (e.dur !== null) this.sites.add(e.pid, e.tid, `aio ${e.name}`, e.stackId, e.dur, e.res !== null && e.res < 0, id, null, t.sites);
        this.touch(t, e.ts);
        break;
      }
      case 'uring': {
        this.sqpoll.request(e);
        this.uringSerialized.request(e, id);
        const ring = '0x' + e.ring.toString(16);
        let counted: number | undefined = e.tid;
        if (e.sqThread) {
          const fd = e.args.ring_fd;
          counted = this.ringOwner.get(ring) ?? (typeof fd === 'number' ? this.ringCreator.get(`${e.pid}:${fd}`) : undefined);
          if (counted !== undefined) this.sqRequests.set(counted, (this.sqRequests.get(counted) ?? 0) + 1);
          const sq = this.threads.get(e.pid, e.tid).sqpoll;
          sq.submitted++;
          if (counted !== undefined) sq.owner = counted;
        } else {
          this.threads.get(e.pid, e.tid).uring.requests++;
        }
        // in flight until the application had it (its reap, else the CQE); a multishot's partial completions are not its end
        if (counted !== undefined && !e.more && e.submitTs !== null && e.completeTs !== null) this.ringDepths.add(e.ring, counted, e.submitTs, e.reapTs ?? e.completeTs);
        if (e.dur !== null) this.sites.add(e.pid, e.tid, `io_uring ${e.name}`, e.stackId, e.dur, e.res !== null && e.res < 0, id, null);
        break;
      }
      case 'signal':
        this.signal(e, id);
        break;
      case 'wake':
        this.wake(e, id);
        break;
      case 'thread':
      case 'process':
        if (e.kind === 'thread' && e.name === 'start' && typeof e.args.parent_tid === 'number') this.creators.set(e.tid, e.args.parent_tid);
        if (e.kind === 'process' && e.name === 'exec') this.threads.restart(e.pid, e.tid);
        if (e.name === 'exit') {
          const ended = this.threads.get(e.pid, e.tid);
          if (!ended.exited) ended.exitTs = e.ts;
          ended.exited = true;
          if (e.kind === 'process') {
            for (const t of this.threads.all()) {
              if (t.pid !== e.pid) continue;
              // exit_group ends every thread at once: those exits are the process's, not each thread's own
              t.endedWithProcess = t.exitTs < 0 || e.ts - t.exitTs < WITH_PROCESS_NS;
              t.exited = true;
            }
          }
        }
        break;
      case 'drop':
        this.lost.drop(e as DropEvent, id);
        break;
      default:
        break;
    }
  }

  private touch(t: ThreadState, ts: number, end = ts): void {
    if (ts < t.first) t.first = ts;
    if (end > t.last) t.last = end;
  }

  private syscall(e: SyscallEvent, id: number, irq?: { ts: number; id: number; name: string }): void {
    let cls = syscallClass(e.sys);
    // a wait for a record lock (fcntl F_SETLKW) is a blocking call, as flock() is
    if (cls === 'setup' && e.name === 'fcntl' && isFcntlLockWait(e.args.cmd)) cls = 'blocking';
    // an open sent as a call of its own (one that blocked: a FIFO, a slow file system) is one too
    else if (cls === 'fd' && isSlowFdCall(e.sys)) cls = 'blocking';
    const t = this.threads.get(e.pid, e.tid);
    const end = e.ts + e.dur;
    if (e.unfinished) {
      // still in progress: only an event loop blocked right now matters (a live view shows it)
      if (cls === 'blocking' && t.loop?.inTurn(e.ts)) {
        const b = classifyBlocking(e, t.argFacts.of(e, false), this.source.fds, this.waitedNs());
        if (b.blocked) this.loopBlocked.blocked(e, id, b, []);
      }
      return;
    }
    this.touch(t, e.ts, end);
    t.lastEnd = end;
    // its in-progress report, if one is pending in the loop's turn, is this call's (blocked or not)
    this.loopBlocked.ended(e);
    if (this.longHandler.active) this.longHandler.call(e);
    // what a wait's or a blocking call's arguments tell, read once for the args object its repeats share
    const args = cls === 'wait' || cls === 'blocking' ? t.argFacts.of(e, cls === 'wait') : null;
    // a coalesced run of empty polls counts as its calls, each its share of the time inside them
    const calls = args === null ? callsOf(e) : args.calls;
    const dur = calls === 1 ? e.dur : perCallNs(e);
    if (args === null) this.sites.add(e.pid, e.tid, e.name, e.stackId, dur, e.error !== null, id, e.model, t.sites, calls);
    else {
      // a thread's repeated call (the same args object) at the same stack counts in the same cell
      let cell = args.cell;
      if (cell === null || cell.stackId !== e.stackId || cell.pid !== e.pid || cell.call !== e.name) {
        // a new args object: the thread's last cell of this syscall, else the table (through its last few cells)
        const bySys = t.sites.bySys;
        cell = bySys[e.sys] ?? null;
        if (cell === null || cell.stackId !== e.stackId || cell.pid !== e.pid || cell.call !== e.name) {
          cell = this.sites.cellOf(e.pid, e.tid, e.name, e.stackId, id, e.model, t.sites);
          bySys[e.sys] = cell;
        }
        args.cell = cell;
      }
      this.sites.addTo(cell, dur, e.error !== null, id, calls, args.neverSlept);
    }
    if (args === null) {
      if (cls === 'setup') this.setup(e, id, t);
    } else if (cls === 'wait') this.wait(e, args, id, t, irq);
    else this.blocking(e, args, id, t, irq);
  }

  /** A trace of the ptrace backend: its stops lengthen every call and delay every next call. */
  private ptraceTrace(): boolean {
    return this.source.meta?.backend === 'ptrace';
  }

  /** What a call must last to have waited: the ptrace backend's stops lengthen every call. */
  private waitedNs(): number {
    return this.ptraceTrace() ? WAITED_NS_PTRACE : WAITED_NS;
  }

  /**
   * A `wait4` that returned a child which ended after the call began: it waited for that child (its
   * end is recorded before the call's), however short — under ptrace too, where a call must
   * otherwise last 10 ms to count as having waited (an asyncio handler's `subprocess.run`: 6 of its
   * 71 waits counted, 2–8 ms each for the rest).
   */
  private waitedForChild(e: SyscallEvent): boolean {
    if (e.name !== 'wait4' || e.ret <= 0) return false;
    const child = this.threads.find(e.ret);
    return child !== undefined && child.pid === e.ret && child.exitTs > e.ts;
  }

  /** A finished wait; `args`: what its arguments tell (argFacts.ts, read as a wait's). */
  private wait(e: SyscallEvent, args: ArgFacts, id: number, t: ThreadState, irq?: { ts: number; id: number; name: string }): void {
    const timeout = args.timeoutNs;
    const calls = args.calls;
    this.eagain.waited(t);
    if (isMultiplexingSys(e.sys)) {
      if (args.watchesNothing) {
        this.sleepWait(e, args, id, t, timeout);
        return;
      }
      if (nestedWait(e.name, t)) {
        this.innerWait(e, args, id, t, timeout);
        return;
      }
      t.addMux(e.name, calls === 1 ? e.dur : perCallNs(e) * calls, calls);
      if (timeout === 0) t.muxPolls++;
      this.noteReady(e, t, args);
      if (e.ret > 0) t.lastReadyWaitEnd = e.ts + e.dur;
      const epfd = args.epfd;
      if (epfd !== null) {
        if (epfd !== t.lastEpfd) {
          if (!t.epfds.has(epfd)) this.epollSet(e.pid, epfd);
          t.epfds.add(epfd);
          t.lastEpfd = epfd;
          t.peerFds = null;
        }
      } else {
        // counted while the other waits are few enough for a thread per connection (a bound on the look-ups)
        if (t.muxWaits - 1 - t.oneSocketPolls <= Math.max(1, otherWaitsTolerated(t.oneSocketPolls + 1))) this.notePerConnection(e, t);
        if (t.peerFds !== null) this.notePeer(e, t, t.peerFds);
      }
      let loop = t.loop;
      if (!loop) {
        loop = new LoopTurns(e.pid, e.tid);
        this.loops.set(e.tid, loop);
        t.loop = loop;
      }
      const afterTimeout = loop.lastWaitTimedOut;
      const movedData = loop.movedData;
      const turn = loop.wait(e.ts, e.ts + e.dur, id, e.ret === 0 && timeout !== null && timeout > 0);
      if (turn >= 0) {
        loop.blockedNs += this.loopBlocked.turnEnded(e.tid);
        if (afterTimeout) this.timeouts.turnAfterTimeout(e.tid, turn, movedData);
      }
      this.busyPoll.wait(t, e, id, timeout === 0, calls);
      this.timeouts.wait(e, id, timeout);
      this.aioSync.wait(e);
    } else if (e.name === 'io_getevents' || e.name === 'io_pgetevents') {
      t.aio.waits++;
      t.aio.waitNs += e.dur;
      this.aioSerialized.syscall(e, id);
      this.aioSync.wait(e);
      this.busyPoll.wait(t, e, id, timeout === 0, calls);
    } else if (e.name === 'io_uring_enter') {
      t.uring.enters++;
      t.uring.enterNs += e.dur;
      if (typeof e.args.ring === 'string') {
        this.ringOwner.set(e.args.ring, e.tid);
        this.uringSerialized.enter(e.args.ring, e.ret);
      }
      this.sqpoll.enter(e, id);
      if (this.uringWaitInTurn(e, args, t)) {
        t.uring.turnWaits++;
        this.innerWait(e, args, id, t, timeout);
        return;
      }
    } else if (isSignalWait(e.name)) {
      t.signalWaitCalls++;
      t.lastSignalWait = { end: e.ts + e.dur, dur: e.dur };
      if (e.name === 'rt_sigtimedwait' && e.ret > 0 && typeof e.args.signal === 'string') {
        const sig = e.ret;
        if (isIoSignal(sig, siCode(sig, String(e.args.code)) ?? 0, this.setsig.get(e.pid), typeof e.args.si_fd === 'number' ? e.args.si_fd : null)) {
          t.ioSignals.set(e.args.signal, (t.ioSignals.get(e.args.signal) ?? 0) + 1);
          t.signalWaits++;
          t.signalWaitNs += e.dur;
          this.signalCoalesced.taken(e.pid, e.tid, sig, e.ts + e.dur);
        }
      }
    }
    this.chains.call(e, args, id, t, irq);
    this.keepChain(e, id, t);
  }

  private keepChain(e: SyscallEvent, id: number, t: ThreadState): void {
    const from = this.options.keepChainsFrom;
    if (from === undefined || e.dur < from) return;
    const chain = this.chains.lastChain(t);
    if (chain.length > 1 || (chain.length === 1 && chain[0].cause !== 'unknown')) this.chainsById.set(id, chain);
  }

  /** The wake-up chain of an event (with `keepChainsFrom`), innermost hop first. */
  chainOf(id: number): readonly ChainHop[] | undefined {
    return this.chainsById.get(id);
  }

  /**
   * A select or poll of a thread whose loop waits in epoll: no turn of the loop ends there, it is a
   * blocking call's own wait inside the turn (getaddrinfo's poll of its DNS socket, a synchronous
   * client library's). One that waited blocks the loop as any blocking call does.
   */
  private innerWait(e: SyscallEvent, args: ArgFacts, id: number, t: ThreadState, timeoutNs: number | null): void {
    if (timeoutNs === 0 || e.dur < this.waitedNs() || !t.loop?.inTurn(e.ts)) return;
    this.chains.call(e, args, id, t);
    this.keepChain(e, id, t);
    this.loopBlocked.blocked(e, id, { kind: 'wait', nonblocking: false, blocked: true, fd: null, path: null }, this.chains.lastChain(t));
  }

  /**
   * An io_uring_enter that waited for completions (GETEVENTS, min_complete 1 or more) inside a turn
   * of the thread's select/poll/epoll loop: a handler waiting for its ring (io_uring_wait_cqe,
   * io_uring_submit_and_wait) holds the loop up as a blocking call does.
   */
  private uringWaitInTurn(e: SyscallEvent, args: ArgFacts, t: ThreadState): boolean {
    const flags = e.args.flags;
    return (args.minComplete ?? 0) > 0 && typeof flags === 'string' && flags.includes('GETEVENTS') && e.dur >= this.waitedNs() && t.loop?.inTurn(e.ts) === true;
  }

  /**
   * A select or poll that watches nothing (select(0, NULL, NULL, NULL, &tv), poll(NULL, 0, ms)): a
   * sleep, not a loop's wait — a thread that only naps so between its work is no event loop, and
   * one made inside a loop's turn holds the loop up as a sleep does (PostgreSQL's pg_usleep).
   */
  private sleepWait(e: SyscallEvent, args: ArgFacts, id: number, t: ThreadState, timeoutNs: number | null): void {
    if (timeoutNs === 0) return;
    t.sleeps.count++;
    t.sleeps.ns += e.dur;
    if (e.dur < this.waitedNs() || !t.loop?.inTurn(e.ts)) return;
    this.chains.call(e, args, id, t);
    this.keepChain(e, id, t);
    this.loopBlocked.blocked(e, id, { kind: 'sleep', nonblocking: false, blocked: true, fd: null, path: null }, this.chains.lastChain(t));
  }

  /** A poll of one socket and nothing else: counted while the thread's other waits were few (threadState's perConnection). */
  private notePerConnection(e: SyscallEvent, t: ThreadState): void {
    const fds = e.args.fds;
    if (!Array.isArray(fds) || fds.length !== 1) return;
    const only = fds[0];
    if (!only || typeof only !== 'object' || Array.isArray(only) || typeof only.fd !== 'number') return;
    if (this.source.fds.get(e.pid, only.fd)?.type !== 'socket') return;
    t.oneSocketPolls++;
    t.oneSocketFd = only.fd;
  }

  /**
   * The stream fds a select/poll watched, kept while they are two at most (threadState's onePeer).
   * A select's sets are traced for its first 64 fds: one with a higher fd is no peer's. A coalesced
   * run of empty polls names none and tells nothing.
   */
  private notePeer(e: SyscallEvent, t: ThreadState, peer: number[]): void {
    const a = e.args;
    const fds = a.fds;
    let list: number[] | null = null;
    if (Array.isArray(fds) && !(typeof a.n === 'number' && a.n > SELECT_TRACED_FDS)) {
      list = [];
      for (const item of fds) {
        if (!item || typeof item !== 'object' || Array.isArray(item) || typeof item.fd !== 'number') break;
        list.push(item.fd);
      }
      if (list.length !== fds.length) list = null;
    } else if (typeof a.calls === 'number' && typeof a.nfds === 'number' && a.nfds <= 2) return;
    if (list === null || list.length === 0) {
      t.peerFds = null;
      return;
    }
    for (const fd of list) {
      const f = this.source.fds.get(e.pid, fd);
      // a pipe or socketpair whose other end its own process holds: a wake-up channel of its
      // threads — once it was ready, a source a loop serves (not a peer); curl's, never written, is no wait
      if (f?.pair !== undefined && this.source.fds.get(e.pid, f.pair)?.pair === fd) {
        if (t.readyFds.has(fd)) { // noteReady: this wait's ready fds
          t.peerFds = null;
          return;
        }
        continue;
      }
      const kind = peerKind(f);
      if (kind === 'never-waited') continue;
      if (kind === 'other' || (!peer.includes(fd) && peer.length === 2)) {
        t.peerFds = null;
        return;
      }
      if (!peer.includes(fd)) peer.push(fd);
    }
  }

  /** The fds a wait reported ready (argFacts.ts readyFds: its reported fds with events). */
  private noteReady(e: SyscallEvent, t: ThreadState, args: ArgFacts): void {
    if (t.readyFds.size) t.readyFds.clear();
    if (e.ret <= 0) return;
    let socket = false;
    const ready = args.readyFds;
    for (let i = 0; i < ready.length; i++) {
      const fd = ready[i];
      t.readyFds.add(fd);
      // which connections the loop serves: looked up only until a second one is seen
      if (t.readySockets.length < 2 && this.source.fds.get(e.pid, fd)?.type === 'socket') {
        socket = true;
        if (!t.readySockets.includes(fd)) t.readySockets.push(fd);
      }
    }
    if (socket) t.readySocketWaits++;
  }

  /** A finished blocking-class call; `args`: what its arguments tell (argFacts.ts). */
  private blocking(e: SyscallEvent, args: ArgFacts, id: number, t: ThreadState, irq?: { ts: number; id: number; name: string }): void {
    if (e.name === 'accept' || e.name === 'accept4') {
      t.accepts++;
      // the socket a connection came from is a listening one, whatever its loop reports of it
      if (e.ret >= 0 && args.fd !== null && t.listenFds.length < 4 && !t.listenFds.includes(args.fd)) t.listenFds.push(args.fd);
    }
    if (e.error === null && t.loop !== null) t.loop.movedData = true;
    if (nonblockingCall(e, args)) {
      // most calls of a loop: their kind and fd table entry do not matter (but whether the thread
      // touches sockets at all, looked up until it did once: a notifier thread never does)
      const fd = args.fd;
      if (fd !== null) t.readyFds.delete(fd);
      if (t.socketCalls === 0 && fd !== null && this.source.fds.get(e.pid, fd)?.type === 'socket') t.socketCalls++;
      // as the tracer's counts of them (addFiltered): the thread's file I/O, for its model
      if (e.error === null && readsItsFile(e.name)) t.addCounted('file', e.name, e.dur, 1, e.ts + e.dur);
      this.nonblocking(e, id, t);
      return;
    }
    const b = classifyBlocking(e, args, this.source.fds, this.waitedForChild(e) ? WAITED_NS : this.waitedNs(), this.scratch);
    if (b.kind === 'socket') t.socketCalls++;
    // a pipe, socket or device the loop's last wait reported ready did not make it wait (what took
    // time was the copy, or a ptrace tracer's stops) — unless told to wait for all it asked for
    // (recv with MSG_WAITALL: the ready header, then the rest of the message as it comes)
    const ready = b.fd !== null && t.readyFds.delete(b.fd); // only the first call after the wait: a second read of a blocking fd can block
    if (b.blocked && !inherentlyBlocking(b.kind) && ready && !waitsForAll(e)) this.scratch.blocked = false;
    // a file the kernel computes as it is read (procfs, sysfs: fio's status thread reads the disks'
    // stat files) has no storage to wait for: in a ptrace recording what makes such a call long is
    // the tracer's stops (with eBPF its time is the kernel's own work, a cgroup write's lock, kept)
    if (b.blocked && b.kind === 'other' && b.fd !== null && this.ptraceTrace() && (args.fdType ?? this.source.fds.get(e.pid, b.fd)?.type) === 'virtual') this.scratch.blocked = false;
    // a runtime writing its perf map answers a profiler's request (iolens' own, at a launch), not the
    // program's I/O: under ptrace each such write took 2.5–3.6 ms (the stack taken at its stop), and
    // a Python 3.12 executor's submitting thread "blocked in write 589 times"
    // (asked only of writes, as a runtime's stdio makes them: a pool's every pread would pay the pattern)
    if (b.blocked && b.kind === 'file' && (e.name === 'write' || e.name === 'writev') && b.path !== null && isPerfMapFile(b.path)) this.scratch.blocked = false;
    if (b.nonblocking) {
      this.nonblocking(e, id, t);
      return;
    }
    this.noteAccept(e, id, t);
    if (!b.blocked) {
      // a file call the thread never slept in was a copy to or from the page cache: no stall for
      // the rules, but the thread's file I/O all the same, as the tracer's counts of calls under
      // --min-duration make it (an executor's page-cache writes: its pool, whatever the threshold)
      if (args.neverSlept && e.error === null && inherentlyBlocking(b.kind) && b.kind !== 'sleep' && !isSlowFdCall(e.sys)) t.addCounted(b.kind, e.name, e.dur, 1, e.ts + e.dur);
      return;
    }
    this.eagain.waited(t);
    this.busyPoll.other(t);
    this.chains.call(e, args, id, t, irq);
    this.keepChain(e, id, t);
    const by = this.chains.lastWaker(t);
    if (by !== null) t.blockedEndedBy.bump(by);
    if (b.kind === 'pipe' && by !== null && t.latest?.wake?.wakerPid !== e.pid) t.pipeFedElsewhere++;
    if (b.kind === 'sleep') {
      t.sleeps.count++;
      t.sleeps.ns += e.dur;
    } else if (b.kind === 'child') {
      // waiting for a child is no I/O model (a shell, make): it counts only where it holds a loop up
      t.childWaits.count++;
      t.childWaits.ns += e.dur;
    } else {
      t.addBlocked(b.kind, e.name, e.dur);
      t.blockedOn(b.kind, b.fd);
      t.blockedTop.add(id, e.dur);
      if (e.stackId && e.stackId !== t.lastBlockingSite && t.blockingSites.size < 64) {
        t.blockingSites.add(e.stackId);
        t.lastBlockingSite = e.stackId;
      }
      this.pool.blocked(t, id, e.name, b.kind, e.stackId, e.ts, e.dur, this.chains.handedWork(t, e.pid));
      t.lastBlockedEnd = e.ts + e.dur;
      if (t.lastBlockedEnd > t.blockedUntil) t.blockedUntil = t.lastBlockedEnd;
      t.lastBlockedCall = e.name;
      t.lastBlockedStack = e.stackId;
      t.lastBlockedPath = b.path;
    }
    if (t.loop?.inTurn(e.ts)) this.loopBlocked.blocked(e, id, b, this.chains.lastChain(t));
  }

  /** An accept or accept4, told to herd-wakeups with the thread's open loop turn (its drains end in EAGAIN). */
  private noteAccept(e: SyscallEvent, id: number, t: ThreadState): void {
    if (e.name === 'accept' || e.name === 'accept4') this.herd.accept(e, id, wouldBlock(e.ret), t.loop ? t.loop.openTurn() : -1);
  }

  /** A blocking-class call on a non-blocking fd (or that returned EAGAIN). */
  private nonblocking(e: SyscallEvent, id: number, t: ThreadState): void {
    this.noteAccept(e, id, t);
    t.nonblocking++;
    if (wouldBlock(e.ret)) {
      t.eagain++;
      this.eagain.eagain(t, e, id);
    } else {
      this.eagain.waited(t);
    }
  }

  private setup(e: SyscallEvent, id: number, t: ThreadState): void {
    switch (e.name) {
      case 'io_submit': {
        const ctx = typeof e.args.ctx_id === 'string' ? e.args.ctx_id : '';
        const alone = this.aioSerialized.depth(ctx) === 0;
        this.aioSerialized.syscall(e, id);
        this.aioSync.submit(e, id, this.ctx, alone);
        if (e.ret > 0) {
          t.aio.submits++;
          t.aio.requests += e.ret;
        }
        break;
      }
      case 'fcntl':
        this.signalCoalesced.fcntl(e);
        if (e.args.cmd === fcntlCmdName(F_SETSIG) && e.ret >= 0) {
          const sig = Number(e.args.arg);
          if (sig > 0) this.setsig.set(e.pid, new Set([...(this.setsig.get(e.pid) ?? []), sig]));
        }
        break;
      case 'io_uring_setup':
        if (e.ret >= 0) this.ringCreator.set(`${e.pid}:${e.ret}`, e.tid);
        break;
      case 'epoll_ctl': {
        if (e.ret < 0 || typeof e.args.epfd !== 'number' || typeof e.args.fd !== 'number') break;
        const regs = this.epollSet(e.pid, e.args.epfd);
        if (e.args.op === epollOpName(EPOLL_CTL_DEL)) regs.delete(e.args.fd);
        else {
          const type = typeof e.args.fd_type === 'string' ? e.args.fd_type : 'unknown';
          regs.set(e.args.fd, type);
          this.epollEver.get(`${e.pid}:${e.args.epfd}`)?.add(type);
        }
        break;
      }
      default:
        break;
    }
  }

  /**
   * The registrations of epoll instance `epfd` of `pid` (fd -> its type), begun at first sight
   * with what it watched when the tracer came (an attach's snapshot), kept current by epoll_ctl.
   */
  private epollSet(pid: number, epfd: number): Map<number, string> {
    const k = `${pid}:${epfd}`;
    let regs = this.epoll.get(k);
    if (!regs) {
      regs = new Map(this.source.fds.watchedAtSnapshot?.(pid, epfd) ?? []);
      this.epoll.set(k, regs);
      this.epollEver.set(k, new Set(regs.values()));
    }
    return regs;
  }

  private signal(e: SignalEvent, id: number): void {
    const siFd = typeof e.args.si_fd === 'number' ? e.args.si_fd : null;
    const io = isIoSignal(e.sig, e.code, this.setsig.get(e.pid), siFd);
    if (e.phase === 'handler') this.longHandler.returned(e, id, this.ptraceTrace());
    if (e.phase === 'deliver') {
      this.longHandler.delivered(e);
      const t = this.threads.get(e.pid, e.tid);
      this.chains.delivered(t, e.ts, `${e.name}${io ? ' (I/O readiness)' : ''}`, id);
      if (!io) t.otherSignals.set(e.name, (t.otherSignals.get(e.name) ?? 0) + 1);
      if (io) {
        t.ioSignals.set(e.name, (t.ioSignals.get(e.name) ?? 0) + 1);
        const w = t.lastSignalWait;
        if (w && e.ts >= w.end && e.ts - w.end < 1e6) {
          t.signalWaits++;
          t.signalWaitNs += w.dur;
          t.lastSignalWait = null;
        }
      }
    }
    if (io && e.phase !== 'handler') this.signalCoalesced.signal(e, id);
  }

  private wake(e: WakeEvent, id: number): void {
    const waker = this.threads.get(e.pid, e.tid);
    const wakee = this.threads.get(e.wakeePid, e.wakeeTid);
    this.chains.wake(e, id, waker, wakee);
    wakee.wokenBy.bump(e.tid);
    if (wakee.blockedAll.count === 0 && wakee.muxWaits === 0) wakee.wokenAtStart.bump(e.tid);
    // work done for the woken thread: the waker's last blocking call ended just before
    if (waker.lastBlockedEnd >= 0 && e.ts - waker.lastBlockedEnd < 1e6 && e.wakeePid === e.pid) waker.deliveredTo.bump(e.wakeeTid);
    this.pool.woken(wakee, e.ts);
    this.lockWait(e, id, waker, wakee);
    this.notified(e, id, waker, wakee);
  }

  /**
   * A notifier thread handing readiness to the thread whose event loop it waits for (Tcl's: the
   * main thread waits on a condition variable, its notifier thread selects on the loop's fds and
   * wakes it): woken out of a futex right after the waker's wait reported fds ready, no call
   * between, the woken thread waiting in no select/poll/epoll of its own. A turn begins there; the
   * previous one ended at the thread's last call before it (its wait on the condition variable is
   * not seen, and it may run several events' handlers before it waits again). models.ts decides
   * from the counts whether it is that loop (its notifier does no socket I/O).
   */
  private notified(e: WakeEvent, id: number, waker: ThreadState, wakee: ThreadState): void {
    if (e.wakeePid !== e.pid || e.args.wakee_call !== 'futex' || wakee.muxWaits > 0 || waker.lastReadyWaitEnd < 0) return;
    if (waker.lastEnd !== waker.lastReadyWaitEnd || e.ts - waker.lastReadyWaitEnd >= NOTIFY_NS) return;
    wakee.notifiedBy.bump(e.tid);
    let loop = wakee.loop;
    if (!loop) {
      loop = new LoopTurns(e.pid, e.wakeeTid);
      this.loops.set(e.wakeeTid, loop);
      wakee.loop = loop;
    }
    const open = loop.openTurn();
    if (loop.wait(open >= 0 ? Math.max(wakee.lastEnd, open) : e.ts, e.ts, id, false) >= 0) loop.blockedNs += this.loopBlocked.turnEnded(e.wakeeTid);
  }



  /**
   * A loop thread woken out of a futex inside a turn (a lock it waited for, or a condition), right
   * after the waker's blocking call ended: the waker held the lock across that call, and the loop
   * waited for it — from the loop thread's last call at most. Not in Python, whose threads wait for
   * the interpreter's lock (the GIL) in a futex at every switch.
   */
  private lockWait(e: WakeEvent, id: number, waker: ThreadState, wakee: ThreadState): void {
    // the fields at hand first: most wake-ups end no loop thread's futex wait right after the waker's I/O
    if (e.wakeeSince !== null || e.wakeePid !== e.pid || waker.lastBlockedEnd < 0 || e.ts - waker.lastBlockedEnd >= HELD_ACROSS_NS) return;
    if (!wakee.loop?.inTurn(e.ts) || e.args.wakee_call !== 'futex') return;
    const waited = e.ts - wakee.lastEnd;
    if (waited < LOCK_WAIT_NS || this.ctx.runtime(e.pid) === 'python') return;
    // the Erlang VM's schedulers sleep in a futex when they have no work, and a dirty I/O scheduler
    // that ended an Erlang process's blocking file call wakes one to run it on: a hand-over, no lock
    if (isErlangVm(this.source.processes.find(e.pid)?.exe ?? '')) return;
    this.loopBlocked.lockWait(wakee, id, waited, {
      label: threadLabel(this.ctx, waker), call: waker.lastBlockedCall, stackId: waker.lastBlockedStack, path: waker.lastBlockedPath,
    });
  }

  private addFiltered(d: FilteredCounts): void {
    const t = this.threads.get(d.pid, d.tid);
    this.touch(t, d.since ?? d.ts, d.ts);
    const kind = blockKind(d.call, d.fdType);
    const eagain = d.errnos.EAGAIN ?? 0;
    if (kind === 'socket') t.socketCalls += d.count;
    if (d.call === 'accept' || d.call === 'accept4') t.accepts += d.count;
    // O_NONBLOCK does not apply to the kinds that always wait (a regular file's reads)
    const inherent = inherentlyBlocking(kind);
    if (inherent) {
      if (kind === 'sleep') {
        t.sleeps.count += d.count;
        t.sleeps.ns += d.totalNs;
      } else {
        t.addCounted(kind, d.call, d.totalNs, d.count - d.errors, d.ts);
        if (d.stackId && t.blockingSites.size < 64) t.blockingSites.add(d.stackId);
      }
      if (d.inLoop) this.loopBlocked.filtered(d);
    } else {
      t.nonblocking += d.nonblocking ? d.count : 0; // not inherent: O_NONBLOCK applies
      t.eagain += eagain;
      // a sendfile's socket could not wait, but its file could: the thread's file I/O (for its model, not a stall)
      if (d.nonblocking && readsItsFile(d.call)) t.addCounted('file', d.call, d.totalNs, d.count - d.errors, d.ts);
    }
    if (d.inLoop) this.timeouts.filtered(d);
    this.pool.filtered(t, d, Number.isFinite(this.span.first) ? this.span.first : 0);
    this.herd.filtered(d);
    this.eagain.filtered(d, t.muxWaits + t.aio.waits + t.uring.enters + t.signalWaits, t.sleeps.count);
  }

  private inputs(posixAio: ReadonlySet<number>, goPids: ReadonlySet<number>, sites: SiteKeys): ModelInputs {
    return {
      goRuntime: (pid) => goPids.has(pid),
      siteKey: (stackId) => sites.key(stackId),
      posixAioHelper: (tid) => posixAio.has(tid),
      forkedFrom: (pid) => (this.ctx.forkedWorker(pid) ? this.source.processes.find(pid)?.parent ?? null : null),
      creator: (tid) => this.creators.get(tid) ?? null,
      epollFds: (pid, epfd) => {
        const regs = this.epoll.get(`${pid}:${epfd}`);
        if (!regs) return undefined;
        const kinds = new Map<string, number>();
        for (const type of regs.values()) kinds.set(type, (kinds.get(type) ?? 0) + 1);
        return kinds;
      },
      epollKindsEver: (pid, epfd) => this.epollEver.get(`${pid}:${epfd}`),
      aioQueue: (tid) => this.aioSerialized.queueOf(tid),
      sqpollRequests: (tid) => this.sqRequests.get(tid) ?? 0,
      uringDepth: (tid) => this.ringDepths.depthOf(tid),
      ioSignalSetup: (pid) => this.signalCoalesced.setupThread(pid),
      // a Go runtime thread's "turns" run goroutines, not callbacks of a loop: no lag to speak of
      loopLag: (tid) => {
        const loop = this.loops.get(tid);
        if (!loop || goPids.has(loop.pid)) return undefined;
        const s = loop.stats();
        return s ? { turns: s.turns, p99: s.p99 } : undefined;
      },
    };
  }

  /**
   * Everything found so far (the findings ranked by impact). Changes nothing: ask again as a live
   * trace grows. `sites` names the line a stack's call is at (from the report's and the editor's
   * resolver: resolve.ts siteKeysOf), so that stacks differing only above that line make one
   * finding, and a thread's two lines two findings.
   */
  result(sites: SiteKeys = BY_STACK_ID): AnalysisResult {
    const ctx = this.ctx;
    const posixAio = new Set(ctx.threads.all().filter((t) => posixAioHelper(t, sites.posixAio)).map((t) => t.tid));
    // a Go program's threads are its runtime's: they wait in the netpoller, and a goroutine's
    // blocking call parks only that goroutine — no loop of the program's own to block or spin
    const goPids = new Set([...new Set(ctx.threads.all().map((t) => t.pid))].filter((pid) => sites.goRuntime(pid)));
    const inputs = this.inputs(posixAio, goPids, sites);
    const goroutinesBlocked = (v: ThreadVerdict): ReturnType<typeof blockingOf> => blockingOf(ctx.threads.get(v.pid, v.tid));
    const threads = goRuntimeThreads(classifyThreads(ctx, inputs), goPids, goroutinesBlocked);
    const processes = goRuntimeVerdicts(processVerdicts(ctx, inputs, threads, (pid) => {
      const p = this.source.processes.find(pid);
      return p?.name || ctx.threadName(pid, pid);
    }), goPids);
    const ptrace = this.ptraceTrace();
    const sync = this.aioSync.syncContexts(ctx, ptrace, sites.key);
    // the threads that serve an event loop (not one waiting for its one connection in poll)
    const loopTids = new Set(threads.filter((t) => t.model === 'multiplexing').map((t) => t.tid));
    const ranked: RawFinding[] = [
      ...this.loopBlocked.findings(ctx, loopTids, sites),
      ...this.busyPoll.findings(ctx, sites),
      ...this.aioSerialized.findings(ctx, sync),
      ...this.aioSync.findings(ctx, ptrace, sites.key),
      ...this.uringSerialized.findings(ctx),
      ...this.signalCoalesced.findings(ctx),
      ...this.longHandler.findings(ctx, (pid, sig) => this.signalCoalesced.merged(pid, sig)),
      ...this.pool.findings(ctx, threads, sites),
      ...this.sqpoll.findings(ctx),
      ...uioMissedIrqFindings(ctx, this.uio.results()),
      ...this.eagain.findings(ctx, sites),
      ...this.lost.findings(ctx, this.events),
      ...this.timeouts.findings(ctx),
      ...this.herd.findings(ctx, sites),
      ...posixAioFindings(ctx, threads, posixAio),
    ].filter((f) => !(goPids.has(f.pid) && GO_RUNTIME_RULES.has(f.rule))).sort((a, b) => b.impactNs - a.impactNs || a.rule.localeCompare(b.rule));
    // a process per client or per worker repeats one cause at one line: one finding for the program
    const findings = mergeSiblingFindings(ranked, sites.key, (pid) => this.source.processes.find(pid)?.exe || null);
    const filtered: FilteredStats[] = this.source.filtered.all().map((f) => ({
      pid: f.pid, tid: f.tid, call: f.call, fdType: f.fdType, nonblocking: f.nonblocking, stackId: f.stackId,
      count: f.count, totalNs: f.totalNs, maxNs: f.maxNs, errors: f.errors, errnos: f.errnos,
    }));
    return {
      findings, threads, processes, loops: [...this.loops.values()].filter((l) => loopTids.has(l.tid) && !goPids.has(l.pid)).map((l) => l.stats()).filter((l) => l.turns > 0),
      sites: this.sites.all(), filtered, minDurationNs: this.minDurationNs(),
    };
  }
}

