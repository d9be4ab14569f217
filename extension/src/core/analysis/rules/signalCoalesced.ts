/**
 * signal-coalesced: an I/O signal (SIGIO, or the signal fcntl(F_SETSIG) chose) generated while the
 * same standard signal was still pending, so the kernel merged them and the program heard of
 * several readiness events once; a real-time signal whose queue overflowed (the kernel then falls
 * back to SIGIO) loses them the same way. Shown at the O_ASYNC/F_SETOWN setup line. Impact: the
 * time some merged notification was waiting, from the first merged to the delivery (or the signal
 * wait that took it) that absorbed it, each time (bounded by the recording: summed per notification, 146 merged SIGIO of a slow
 * handler waited 6.4 s in a recording of 0.7 s).
 */
import type { SignalEvent, SyscallEvent } from '../../model/events';
import { F_SETOWN, F_SETOWN_EX, F_SETSIG, fcntlCmdName, signalName } from '../../model/names';
import { formatDuration } from '../../../../../shared/format';
import { SIGNAL_COALESCED_FIX } from '../catalogue';
import { plural, TopEvents, type AnalysisContext } from '../context';
import { severityOf, worst } from '../severity';
import type { RawFinding } from '../types';

const OVERFLOW = 3;

interface Acc {
  readonly pid: number;
  readonly sig: number;
  generated: number;
  merged: number;
  overflowed: number;
  delivered: number;
  /** Of the deliveries, the signals a signal wait took (sigwaitinfo, sigtimedwait: no handler runs). */
  taken: number;
  waitNs: number;
  /** When the first generation merged since the last delivery came, -1 when none did. */
  firstWaiting: number;
  tid: number;
  readonly top: TopEvents;
}

/** The signal-coalesced rule. */
export class SignalCoalescedRule {
  private readonly accs = new Map<string, Acc>();
  /** Per process, the stack of its O_ASYNC / F_SETOWN / F_SETSIG setup (the best seen). */
  private readonly setup = new Map<number, { stackId: bigint; rank: number; fd: number | null; tid: number }>();

  /** fcntl: remember where the signal-driven I/O was set up. */
  fcntl(e: SyscallEvent): void {
    if (e.unfinished || e.ret < 0 || !e.stackId) return;
    const rank = e.args.async === true ? 3 : e.args.cmd === fcntlCmdName(F_SETOWN) || e.args.cmd === fcntlCmdName(F_SETOWN_EX) ? 2 : e.args.cmd === fcntlCmdName(F_SETSIG) ? 1 : 0;
    const cur = this.setup.get(e.pid);
    if (rank && (!cur || rank > cur.rank)) this.setup.set(e.pid, { stackId: e.stackId, rank, fd: typeof e.args.fd === 'number' ? e.args.fd : null, tid: e.tid });
  }

  /** The thread that set up a process's signal-driven I/O (its O_ASYNC / F_SETOWN / F_SETSIG), when the trace saw it. */
  setupThread(pid: number): number | null {
    return this.setup.get(pid)?.tid ?? null;
  }

  private acc(pid: number, sig: number): Acc {
    const k = `${pid}:${sig}`;
    let a = this.accs.get(k);
    if (!a) {
      a = { pid, sig, generated: 0, merged: 0, overflowed: 0, delivered: 0, taken: 0, waitNs: 0, firstWaiting: -1, tid: pid, top: new TopEvents() };
      this.accs.set(k, a);
    }
    return a;
  }

  /** Generations of a process's signal merged into one pending (or lost past a full queue). */
  merged(pid: number, sig: number): number {
    const a = this.accs.get(`${pid}:${sig}`);
    return a ? a.merged + a.overflowed : 0;
  }

  /** An I/O signal generated for, or delivered to, a traced thread. */
  signal(e: SignalEvent, id: number): void {
    const a = this.acc(e.pid, e.sig);
    if (e.phase === 'generate') {
      a.generated++;
      if (e.coalesced || e.args.result === OVERFLOW) {
        if (e.coalesced) a.merged++;
        else a.overflowed++;
        if (a.firstWaiting < 0) a.firstWaiting = e.ts;
        a.top.add(id, 1);
      }
    } else if (e.phase === 'deliver') {
      this.delivered(a, e.tid, e.ts);
    }
  }

  /**
   * An I/O signal a thread's signal wait took at `ts` (rt_sigtimedwait returning it): blocked, it is
   * never delivered to a handler, and this is the moment the program hears of it.
   */
  taken(pid: number, tid: number, sig: number, ts: number): void {
    const a = this.acc(pid, sig);
    a.taken++;
    this.delivered(a, tid, ts);
  }

  private delivered(a: Acc, tid: number, ts: number): void {
    a.delivered++;
    a.tid = tid;
    if (a.firstWaiting >= 0) a.waitNs += Math.max(0, ts - a.firstWaiting);
    a.firstWaiting = -1;
  }

  /** Findings. */
  findings(ctx: AnalysisContext): RawFinding[] {
    const out: RawFinding[] = [];
    for (const a of this.accs.values()) {
      const lost = a.merged + a.overflowed;
      if (!lost) continue;
      const name = signalName(a.sig);
      const setup = this.setup.get(a.pid);
      const share = lost / Math.max(1, a.generated);
      const how = a.merged && a.overflowed
        ? `${a.merged.toLocaleString('en-US')} merged into one already pending and ${a.overflowed.toLocaleString('en-US')} beyond the full queue`
        : a.merged ? 'merged into one already pending' : 'beyond the full real-time signal queue';
      out.push({
        rule: 'signal-coalesced',
        severity: worst(severityOf(a.waitNs, ctx.span.last - ctx.span.first), share >= 0.1 ? 'medium' : 'low'),
        title: `${lost.toLocaleString('en-US')} of ${plural(a.generated, name + ' signal')} for ${ctx.threadName(a.pid, a.pid) || 'process'} ${a.pid} were ${how}: their readiness events were not told`,
        detail: `${name} is the process's I/O signal${setup?.fd !== null && setup?.fd !== undefined ? ` (fd ${setup.fd} set up with O_ASYNC/F_SETOWN)` : ''}; ${plural(a.delivered, 'delivery', 'deliveries')}${a.taken ? ` (${a.taken.toLocaleString('en-US')} of them taken by a signal wait, sigwaitinfo or sigtimedwait)` : ''} answered ${plural(a.generated, 'generation')}. Merged notifications were waiting ${formatDuration(a.waitNs)} in all (from the first merged to the delivery that absorbed it); a handler that reads one fd once per signal misses the rest.`,
        suggestion: SIGNAL_COALESCED_FIX, pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: setup?.stackId ?? 0n,
        impactNs: a.waitNs, events: a.top.list(), eventCount: lost, chain: [],
      });
    }
    return out;
  }
}
