/**
 * Wake-up chains: for a wait or a blocking call, what ended it — another traced thread (and what
 * that thread was blocked on just before, hop by hop), its own timeout, a signal, an interrupt, AIO
 * or io_uring completions, or an fd that became ready with no traced waker. Built while the trace
 * streams by: a wake-up record arrives before the syscall record of the call it ends, and the
 * waker's previous call has arrived before the wake-up. Each thread's last calls live in reused
 * slots and a wake-up keeps a copy of its waker's call, to a bounded depth: constant memory per
 * thread, no allocation per event; the hops and their texts are made only when a chain is asked for.
 */
import type { SyscallEvent, WakeEvent } from '../model/events';
import type { ArgFacts } from './argFacts';
import { copyFacts } from './callFacts';
import { isMultiplexingWait } from './classify';
import type { RecentCall, ThreadState, WakeRef } from './threadState';
import type { ChainHop } from './types';

/** Hops kept per chain. */
export const MAX_HOPS = 6;
/** A waker's call that ended more than this before the wake-up is not what it waited for. */
const PRIOR_WINDOW_NS = 50e6;
/** Calls shorter than this that returned nothing are not remembered (a zero-timeout poll loop). */
const REMEMBER_MIN_NS = 10_000;
/** A waker whose own last call ended this long before its wake-up was not replying with work done: it handed work over. */
const HANDED_AFTER_NS = 1e6;

const EINTR_LIKE = new Set(['EINTR', 'ERESTARTSYS', 'ERESTARTNOINTR', 'ERESTARTNOHAND', 'ERESTART_RESTARTBLOCK']);
type CauseFields = Pick<ChainHop, 'cause' | 'by' | 'byPid' | 'byTid' | 'byEvent'>;

/** What ended a call that no traced thread woke. */
function untraced(cause: ChainHop['cause'], by: string | null, byEvent = -1): CauseFields {
  return { cause, by, byPid: null, byTid: null, byEvent };
}

/** Follows who woke whom. */
export class ChainTracker {
  constructor(private readonly threadName: (pid: number, tid: number) => string) {}

  /** A wake-up record; `waker`, `wakee`: the states of the thread that made it and of the one it woke. */
  wake(w: WakeEvent, id: number, waker: ThreadState, wakee: ThreadState): void {
    // a wake-up of a wait that is not a traced call (a futex wait) ends no call of the wakee's:
    // takeWake could never claim it, so nothing is kept (it was a copy made per wake-up for nothing)
    if (w.wakeeSince === null) return;
    const last = waker.lastCallBefore(w.ts, w.ts - PRIOR_WINDOW_NS);
    // a copy: the waker's slot is reused by its next calls
    const prior: RecentCall | null = last
      ? { e: copyFacts(last.e), id: last.id, end: last.end, wake: last.depth + 1 < MAX_HOPS ? last.wake : null, irq: last.irq, signal: last.signal, depth: last.depth }
      : null;
    const list = wakee.wakes;
    const fd = w.args.fd;
    const path = w.args.path;
    list.push({
      id, ts: w.ts, since: w.wakeeSince, wakerPid: w.pid, wakerTid: w.tid, wakerCall: w.name,
      fd: typeof fd === 'number' ? fd : null, path: typeof path === 'string' ? path : null, prior,
    });
    if (list.length > 8) list.shift();
  }

  /**
   * A signal delivered to thread `t`: it ended the call the thread was in, whose record came just
   * before (the kernel delivers a signal on the way back to user space, after the syscall's exit).
   */
  delivered(t: ThreadState, ts: number, name: string, id: number): void {
    const c = t.lastCallBefore(ts, ts - 1e6);
    if (c && !c.signal && c.e.error && EINTR_LIKE.has(c.e.error)) c.signal = { name, id };
  }

  /**
   * A finished wait or blocking call of thread `t`; `args`: what its arguments tell (argFacts.ts);
   * `irq`: the interrupt that woke a UIO read, when known.
   */
  call(e: SyscallEvent, args: ArgFacts, id: number, t: ThreadState, irq?: { ts: number; id: number; name: string }): void {
    const wake = this.takeWake(t, e.ts, e.ts + e.dur);
    if (e.dur < REMEMBER_MIN_NS && e.ret <= 0 && !wake) {
      t.latest = null;
      return;
    }
    t.remember(e, args, id, wake, irq ?? null, wake?.prior ? wake.prior.depth + 1 : 0);
  }

  /**
   * Whether the wake-up that ended thread `t`'s last remembered call (of process `pid`) handed it
   * work: it came from another thread of the process that had ended no blocking call, sleep or wait
   * in the millisecond before — a dispatcher writing the next job to a worker's pipe — not from one
   * replying with work it had just done (a backend's write after its own read or sleep).
   */
  handedWork(t: ThreadState, pid: number): boolean {
    const w = t.latest?.wake;
    if (!w || w.wakerPid !== pid || w.wakerTid === t.tid) return false;
    return !w.prior || w.ts - w.prior.end >= HANDED_AFTER_NS;
  }

  /** The thread whose wake-up ended the thread's last remembered call, null when none. */
  lastWaker(t: ThreadState): number | null {
    return t.latest?.wake?.wakerTid ?? null;
  }

  /** The chain of the thread's call just passed to `call` (empty when it was not remembered). */
  lastChain(t: ThreadState): ChainHop[] {
    return t.latest ? this.chainOf(t.latest) : [];
  }

  /** A call's chain: its own hop, then its waker's, up to MAX_HOPS. */
  chainOf(c: RecentCall): ChainHop[] {
    const hops: ChainHop[] = [];
    for (let cur: RecentCall | null = c; cur && hops.length < MAX_HOPS; cur = cur.wake?.prior ?? null) hops.push(this.hop(cur));
    return hops;
  }

  private hop(c: RecentCall): ChainHop {
    const e = c.e;
    const fd = e.fd;
    const path = e.path;
    const w = c.wake;
    let why: CauseFields;
    if (w) {
      const to = w.fd !== null ? ` to fd ${w.fd}${w.path ? ` <${w.path}>` : ''}` : '';
      const waker = this.threadName(w.wakerPid, w.wakerTid);
      why = { cause: 'thread', by: `${waker} ${w.wakerPid}/${w.wakerTid} (${w.wakerCall}${to})`, byPid: w.wakerPid, byTid: w.wakerTid, byEvent: w.id };
    } else {
      why = this.otherCause(c);
    }
    // every field written out: spreading objects of varying shapes here cost microseconds a hop
    return {
      pid: e.pid, tid: e.tid, call: e.name, ts: e.ts, dur: e.dur, fd, path, stackId: e.stackId, event: c.id,
      cause: why.cause, by: why.by, byPid: why.byPid, byTid: why.byTid, byEvent: why.byEvent,
    };
  }

  /** The wake-up that ended the call that began at `since`, if a traced thread woke it. */
  private takeWake(t: ThreadState, since: number, end: number): WakeRef | null {
    const list = t.wakes;
    if (!list.length) return null;
    let found: WakeRef | null = null;
    let keep = 0;
    for (const w of list) {
      if (w.since === since && w.ts <= end) found = w;
      // wake-ups of calls that began before this one ended will never be claimed: forget them
      else if (w.since !== null && w.since > since) list[keep++] = w;
    }
    if (keep !== list.length) list.length = keep;
    return found;
  }

  private otherCause(c: RecentCall): CauseFields {
    const e = c.e;
    if (c.irq) return untraced('interrupt', c.irq.name, c.irq.id);
    if ((e.name === 'nanosleep' || e.name === 'clock_nanosleep') && !e.error) return untraced('timeout', null);
    if (e.error && EINTR_LIKE.has(e.error)) return untraced('signal', c.signal?.name ?? 'a signal', c.signal?.id ?? -1);
    if (e.name === 'io_getevents' || e.name === 'io_pgetevents') {
      return e.ret > 0 ? untraced('aio', `${e.ret} AIO completion${e.ret > 1 ? 's' : ''}`) : untraced('timeout', null);
    }
    if (e.name === 'io_uring_enter' && e.minComplete !== null && e.minComplete > 0) {
      return untraced('io_uring', 'io_uring completions');
    }
    if (isMultiplexingWait(e.name) || e.name === 'rt_sigtimedwait') {
      if (e.ret === 0) return untraced(e.hasTimeout ? 'timeout' : 'unknown', null);
      if (e.ready) return untraced('fd', `fd ${e.readyFd ?? '?'}${e.readyPath ? ` <${e.readyPath}>` : ''} became ready`);
    }
    return untraced('unknown', null);
  }
}
