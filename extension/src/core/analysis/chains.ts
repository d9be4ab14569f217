/**
 * Wake-up chains: for a wait or a blocking call, what ended it — another traced thread (and what
 * that thread was blocked on just before, hop by hop), its own timeout, a signal, an interrupt, AIO
 * or io_uring completions, or an fd that became ready with no traced waker. Built while the trace
 * streams by: a wake-up record arrives before the syscall record of the call it ends, and the
 * waker's previous call has arrived before the wake-up; each chain is copied to a bounded depth,
 * so memory stays constant per thread.
 */
import type { SyscallEvent, WakeEvent } from '../model/events';
import { isMultiplexingWait, waitTimeoutNs } from './classify';
import type { RecentCall, ThreadState, ThreadTable } from './threadState';
import type { ChainHop } from './types';

/** Hops kept per chain. */
export const MAX_HOPS = 6;
/** A waker's call that ended more than this before the wake-up is not what it waited for. */
const PRIOR_WINDOW_NS = 50e6;
/** Calls shorter than this that returned nothing are not remembered (a zero-timeout poll loop). */
const REMEMBER_MIN_NS = 10_000;

interface PendingWake {
  readonly id: number;
  readonly ts: number;
  readonly since: number | null;
  readonly wakerPid: number;
  readonly wakerTid: number;
  readonly wakerCall: string;
  readonly fd: number | null;
  readonly path: string | null;
  /** The waker's call that ended just before it woke the other thread. */
  readonly prior: RecentCall | undefined;
}

/** A signal delivered to a thread, for the call it interrupted. */
interface Delivery {
  readonly id: number;
  readonly ts: number;
  readonly name: string;
}

const EINTR_LIKE = new Set(['EINTR', 'ERESTARTSYS', 'ERESTARTNOINTR', 'ERESTARTNOHAND', 'ERESTART_RESTARTBLOCK']);

/** Follows who woke whom. */
export class ChainTracker {
  private readonly pending = new Map<number, PendingWake[]>();
  private readonly lastDelivery = new Map<number, Delivery>();

  constructor(
    private readonly threads: ThreadTable,
    private readonly threadName: (pid: number, tid: number) => string,
  ) {}

  /** A wake-up record. */
  wake(w: WakeEvent, id: number): void {
    const waker = this.threads.get(w.pid, w.tid);
    const prior = waker.lastCallBefore(w.ts, w.ts - PRIOR_WINDOW_NS);
    const list = this.pending.get(w.wakeeTid) ?? [];
    list.push({
      id, ts: w.ts, since: w.wakeeSince, wakerPid: w.pid, wakerTid: w.tid, wakerCall: w.name,
      fd: typeof w.args.fd === 'number' ? w.args.fd : null, path: typeof w.args.path === 'string' ? w.args.path : null, prior,
    });
    if (list.length > 8) list.shift();
    this.pending.set(w.wakeeTid, list);
  }

  /**
   * A signal delivered to thread `t`: it ended the call the thread was in, whose record came just
   * before (the kernel delivers a signal on the way back to user space, after the syscall's exit).
   */
  delivered(t: ThreadState, ts: number, name: string, id: number): void {
    this.lastDelivery.set(t.tid, { id, ts, name });
    const c = t.lastCallBefore(ts, ts - 1e6);
    const hop = c?.chain[0];
    if (c && hop && hop.cause === 'signal' && hop.byEvent === -1) c.chain[0] = { ...hop, by: name, byEvent: id };
  }

  /**
   * A finished wait or blocking call of thread `t`: its chain (what ended it, then what the waker
   * was blocked on, ...), remembered for the calls it wakes later. `irq`: the interrupt that woke a
   * UIO read, when known.
   */
  call(e: SyscallEvent, id: number, t: ThreadState, irq?: { ts: number; id: number; name: string }): ChainHop[] {
    const end = e.ts + e.dur;
    const wake = this.takeWake(e.tid, e.ts, end);
    const fd = typeof e.args.fd === 'number' ? e.args.fd : typeof e.args.epfd === 'number' ? e.args.epfd : null;
    const path = typeof e.args.path === 'string' ? e.args.path : null;
    const base = { pid: e.pid, tid: e.tid, call: e.name, ts: e.ts, dur: e.dur, fd, path, stackId: e.stackId, event: id };
    let chain: ChainHop[];
    if (wake) {
      const waker = this.threadName(wake.wakerPid, wake.wakerTid);
      const to = wake.fd !== null ? ` to fd ${wake.fd}${wake.path ? ` <${wake.path}>` : ''}` : '';
      chain = [{ ...base, cause: 'thread', by: `${waker} ${wake.wakerPid}/${wake.wakerTid} (${wake.wakerCall}${to})`, byPid: wake.wakerPid, byTid: wake.wakerTid, byEvent: wake.id }];
      if (wake.prior) chain.push(...wake.prior.chain.slice(0, MAX_HOPS - 1));
    } else {
      chain = [{ ...base, ...this.otherCause(e, irq) }];
    }
    if (e.dur >= REMEMBER_MIN_NS || e.ret > 0 || wake) {
      t.remember({ id, call: e.name, ts: e.ts, end, fd, path, stackId: e.stackId, chain });
    }
    return chain;
  }

  /** The wake-up that ended the call that began at `since`, if a traced thread woke it. */
  private takeWake(tid: number, since: number, end: number): PendingWake | undefined {
    const list = this.pending.get(tid);
    if (!list?.length) return undefined;
    let found: PendingWake | undefined;
    for (const w of list) if (w.since === since && w.ts <= end) found = w;
    // wake-ups of calls that began before this one ended will never be claimed: forget them
    const keep = list.filter((w) => w.since !== null && w.since > since);
    if (keep.length) this.pending.set(tid, keep);
    else this.pending.delete(tid);
    return found;
  }

  private otherCause(e: SyscallEvent, irq?: { ts: number; id: number; name: string }): Pick<ChainHop, 'cause' | 'by' | 'byPid' | 'byTid' | 'byEvent'> {
    const none = { byPid: null, byTid: null, byEvent: -1 };
    if (irq) return { cause: 'interrupt', by: irq.name, ...none, byEvent: irq.id };
    if ((e.name === 'nanosleep' || e.name === 'clock_nanosleep') && !e.error) return { cause: 'timeout', by: null, ...none };
    if (e.error && EINTR_LIKE.has(e.error)) {
      const d = this.lastDelivery.get(e.tid);
      const by = d && Math.abs(d.ts - (e.ts + e.dur)) < 1e6 ? d.name : 'a signal';
      return { cause: 'signal', by, ...none, byEvent: d && by === d.name ? d.id : -1 };
    }
    if (e.name === 'io_getevents' || e.name === 'io_pgetevents') {
      return e.ret > 0 ? { cause: 'aio', by: `${e.ret} AIO completion${e.ret > 1 ? 's' : ''}`, ...none } : { cause: 'timeout', by: null, ...none };
    }
    if (e.name === 'io_uring_enter' && typeof e.args.min_complete === 'number' && e.args.min_complete > 0) {
      return { cause: 'io_uring', by: 'io_uring completions', ...none };
    }
    if (isMultiplexingWait(e.name) || e.name === 'rt_sigtimedwait') {
      if (e.ret === 0) return { cause: waitTimeoutNs(e) !== null ? 'timeout' : 'unknown', by: null, ...none };
      const ready = Array.isArray(e.args.ready) ? e.args.ready : Array.isArray(e.args.fds) ? e.args.fds : [];
      const first = ready.find((r) => r !== null && typeof r === 'object' && !Array.isArray(r) && (!('revents' in r) || (r.revents !== '0' && r.revents !== '')));
      if (first && typeof first === 'object' && !Array.isArray(first)) {
        const rfd = typeof first.fd === 'number' ? first.fd : null;
        const rpath = typeof first.path === 'string' ? first.path : null;
        return { cause: 'fd', by: `fd ${rfd ?? '?'}${rpath ? ` <${rpath}>` : ''} became ready`, ...none };
      }
    }
    return { cause: 'unknown', by: null, ...none };
  }
}
