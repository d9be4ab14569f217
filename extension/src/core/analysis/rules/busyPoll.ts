/**
 * busy-poll: runs of zero-timeout waits (select, poll, epoll_wait, io_getevents) that return
 * nothing, one after the other: the thread spins instead of sleeping in the wait. One finding per
 * thread, line of the program and call (a thread spinning at two lines has two). Impact: the time
 * the runs lasted (a CPU burned), shared between their sites.
 */
import type { SyscallEvent } from '../../model/events';
import { perCallNs } from '../../model/args';
import { formatDuration } from '../../../../../shared/format';
import { busyPollFix } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { mergeBySite, RunSlot, RunTracker, type RunTotals } from './runs';
import { BY_STACK_ID, runtimeLoopRun, unreachedNote, type SiteKeys } from '../resolve';
import type { ThreadState } from '../threadState';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

/** A run shorter than this many empty zero-timeout waits is not a spin (a loop draining before it sleeps)… */
export const MIN_RUN = 100;
/**
 * …unless it has this many and lasts MIN_TIMED_RUN_NS: slow polls (Python's `select.select(…, 0)`
 * took 60–150 µs a call on a loaded machine, 34–46 of them between two messages 5 ms apart) spin
 * as much as fast ones.
 */
export const MIN_TIMED_RUN = 10;
const MIN_TIMED_RUN_NS = 1e6;
/**
 * …with this share of it inside the polls: a loop that does its work in chunks and polls between
 * them (a job yielding with setImmediate) is busy, not spinning. Spins measured: Python's select
 * loop 97 % inside, Node.js' setImmediate 23 %; chunks of 200 µs between 5 µs polls, 2.4 %.
 */
const MIN_TIMED_INSIDE = 0.1;
/** A gap longer than this between two waits ends a run (the thread did real work between them). */
export const MAX_GAP_NS = 1e6;
const MIN_SPIN_NS = 1e6;

/**
 * The detail's sentence for waits whose stack reaches the program only through its loop library's
 * runner (SiteKeys.viaLoopRun): the program's line there starts the loop; what makes it poll with 0
 * is work always ready for its next turn, queued elsewhere — '' otherwise.
 */
function loopRunNote(via: string | null): string {
  if (!via) return '';
  return runtimeLoopRun(via)
    ? ` These waits reach the program's code only through ${via}: that line starts the loop, it is not the one to change — the loop polls with 0 because work is ready for its next turn every time (a callback or task that queues itself again).`
    : ` These waits reach the program's code only through ${via}: if that call runs the loop without blocking (EVLOOP_NONBLOCK, UV_RUN_NOWAIT, g_main_context_iteration(…, FALSE)) inside a loop of the program's, that is the spin; otherwise the loop polls with 0 because work is ready every turn (an idle handle, an event made active again).`;
}

/** The busy-poll rule. */
export class BusyPollRule {
  private readonly runs = new RunTracker<RunTotals>(RunSlot.poll, MIN_RUN, MAX_GAP_NS, (pid, tid, stackId, call) => ({
    pid, tid, stackId, call, runs: 0, calls: 0, ns: 0, top: new TopEvents(20),
  }), { calls: MIN_TIMED_RUN, ns: MIN_TIMED_RUN_NS, insideShare: MIN_TIMED_INSIDE });
  /** A finished wait; `zeroTimeout`: it was asked to return at once; `calls`: the calls it stands for (model/args callsOf). */
  wait(t: ThreadState, e: SyscallEvent, id: number, zeroTimeout: boolean, calls: number): void {
    // every wait, and the empty zero-timeout ones (for the detail); a coalesced record stands for many
    t.pollWaits += calls;
    if (!zeroTimeout || e.ret !== 0) {
      this.runs.end(t);
      return;
    }
    t.emptyPolls += calls;
    this.runs.extend(t, e, id, calls, calls === 1 ? e.dur : perCallNs(e) * calls);
  }

  /** Another call of the thread that took time (a blocking call): a spin does not go through it. */
  other(t: ThreadState): void {
    this.runs.end(t);
  }

  /** Findings (runs still open count; nothing changes, so a live trace can ask again). */
  findings(ctx: AnalysisContext, sites: SiteKeys = BY_STACK_ID): RawFinding[] {
    const accs = mergeBySite(this.runs.snapshot(ctx.threads.all()).values(), sites.key);
    const out: RawFinding[] = [];
    const span = ctx.span.last - ctx.span.first;
    for (const a of accs) {
      if (a.ns < MIN_SPIN_NS) continue;
      const t = ctx.threads.get(a.pid, a.tid);
      const tot = t.pollWaits ? { waits: t.pollWaits, empty: t.emptyPolls } : { waits: a.calls, empty: a.calls };
      const rate = a.ns > 0 ? (a.calls * 1e9) / a.ns : 0;
      const via = sites.viaLoopRun(a.stackId);
      // a C library's runner may be the spin itself (run without blocking, in a loop); asyncio's never is
      const noLine = via !== null && runtimeLoopRun(via);
      out.push({
        rule: 'busy-poll', severity: severityOf(a.ns, span),
        title: `${threadLabel(ctx, t)} spun in ${a.call} with a zero timeout ${plural(a.calls, 'time')} that returned nothing, for ${formatDuration(a.ns)}`,
        detail: `${plural(a.runs, 'run')} of back-to-back waits with timeout 0 that found nothing ready (${MIN_RUN} at least, or ${MIN_TIMED_RUN} lasting ${formatDuration(MIN_TIMED_RUN_NS)}) went through this ${a.call}, ${plural(a.calls, 'time')} (about ${Math.round(rate).toLocaleString('en-US')} a second while spinning); ${tot.empty.toLocaleString('en-US')} of the thread's ${plural(tot.waits, 'wait')} were such empty polls. The thread burns a CPU instead of sleeping until something is ready.${unreachedNote(sites, a.stackId)}${loopRunNote(via)}`,
        suggestion: busyPollFix(ctx.runtime(a.pid)), pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: noLine ? 0n : a.stackId, impactNs: a.ns,
        events: a.top.list(), eventCount: a.calls, chain: [],
      });
    }
    return out;
  }
}
