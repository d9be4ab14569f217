/**
 * eagain-spin: non-blocking calls failing with EAGAIN again and again with no wait between. From
 * the calls sent (with -m 0 they all are): streaks of EAGAIN between two waits of the thread. From
 * the calls the tracer only counted: in one stats period, far more EAGAIN failures at a call site
 * than waits of the thread. One finding per thread, line of the program and call (a thread
 * retrying at two lines in turn has two). Impact: the streaks' duration, shared between their
 * sites; for counted calls, at least the time the failing calls themselves took.
 */
import type { SyscallEvent } from '../../model/events';
import type { FilteredCounts } from '../../model/filtered';
import { formatDuration } from '../../../../../shared/format';
import { EAGAIN_SPIN_FIX } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { mergeBySite, RunSlot, RunTracker, type RunTotals } from './runs';
import { BY_STACK_ID, unreachedNote, type SiteKeys } from '../resolve';
import type { ThreadState } from '../threadState';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

/** EAGAIN failures in a row, with no wait between, that make a spin. */
export const MIN_STREAK = 100;
/** Counted failures per wait (and in all, per stats period) that make a spin. */
const COUNTED_PER_WAIT = 20;
const MIN_COUNTED = 200;
/**
 * The most time a counted failure stands for when a period of the tracer's counts held no wait nor
 * sleep of the thread: a retry loop's turn (about 1 µs in C; 11 µs in CPython 3.11, whose
 * `try: s.recv() except BlockingIOError: continue` failed 43,950 times in the 0.5 s it spun, the
 * calls themselves 23 ms of it; 40 µs in CPython 3.12 with its perf trampolines). A thread that
 * tries now and then between its work gets no more.
 */
const SPIN_NS_PER_FAILURE = 50e3;

interface Totals extends RunTotals {
  /** From the tracer's counts. */
  counted: number;
  countedNs: number;
  /** The time spun through the counted failures: countedNs, or a period with no wait nor sleep of the thread (SPIN_NS_PER_FAILURE). */
  countedSpinNs: number;
  countedWaits: number;
}

/** The eagain-spin rule. */
export class EagainSpinRule {
  private readonly streaks = new RunTracker<Totals>(RunSlot.eagain, MIN_STREAK, Number.POSITIVE_INFINITY, (pid, tid, stackId, call) => ({
    pid, tid, stackId, call, runs: 0, calls: 0, ns: 0, counted: 0, countedNs: 0, countedSpinNs: 0, countedWaits: 0, top: new TopEvents(20),
  }));
  /** Per counted key, the thread's waits and sleeps when its previous count arrived. */
  private readonly waitsAt = new Map<string, { waits: number; sleeps: number }>();

  /** A non-blocking call that failed with EAGAIN. */
  eagain(t: ThreadState, e: SyscallEvent, id: number): void {
    this.streaks.extend(t, e, id);
  }

  /** The thread waited (or made a call that succeeded): a streak ends. */
  waited(t: ThreadState): void {
    this.streaks.end(t);
  }

  /**
   * Calls the tracer counted, every record of every key (one without EAGAIN too: the waits since a
   * key's previous record are known only if that record was seen); `waits`: the thread's waits so far,
   * `sleeps` its sleeps.
   */
  filtered(d: FilteredCounts, waits: number, sleeps: number): void {
    // the tracer's own key (its flags too): a delta's period starts at the previous record of that key
    const key = `${d.tid}:${d.sys}:${d.fdType}:${d.nonblocking}:${d.flagsUnknown}:${d.inLoop}:${d.stackId}`;
    const before = this.waitsAt.get(key) ?? (d.since === null ? { waits: 0, sleeps: 0 } : { waits, sleeps });
    this.waitsAt.set(key, { waits, sleeps });
    const failed = d.errnos.EAGAIN ?? 0;
    const between = Math.max(0, waits - before.waits);
    if (failed < MIN_COUNTED || failed < COUNTED_PER_WAIT * (between + 1)) return;
    const a = this.streaks.totalsOf(d.pid, d.tid, d.stackId, d.call);
    a.counted += failed;
    const callsNs = d.count ? (d.totalNs * failed) / d.count : 0;
    a.countedNs += callsNs;
    // no wait nor sleep in the period since the key's previous record: the thread spun through it,
    // between its failures too (one that naps between its tries, usleep(100), did not)
    const spun = between === 0 && sleeps === before.sleeps && d.since !== null;
    a.countedSpinNs += spun ? Math.max(callsNs, Math.min(d.ts - d.since, failed * SPIN_NS_PER_FAILURE)) : callsNs;
    a.countedWaits += between;
  }

  /** Findings (streaks still open count; nothing changes, so a live trace can ask again). */
  findings(ctx: AnalysisContext, sites: SiteKeys = BY_STACK_ID): RawFinding[] {
    const accs = mergeBySite(this.streaks.snapshot(ctx.threads.all()).values(), sites.key, {
      merge: (into, a) => {
        into.counted += a.counted;
        into.countedNs += a.countedNs;
        into.countedSpinNs += a.countedSpinNs;
        into.countedWaits += a.countedWaits;
      },
      weight: (a) => a.calls + a.counted,
    });
    const out: RawFinding[] = [];
    for (const a of accs) {
      const impact = a.ns + a.countedSpinNs;
      const calls = a.calls + a.counted;
      if (!calls) continue;
      const t = ctx.threads.get(a.pid, a.tid);
      const seen = a.calls ? `${plural(a.runs, 'streak')} of at least ${MIN_STREAK} failures in a row with no wait between went through this call ${plural(a.calls, 'time')}, ${formatDuration(a.ns)} spinning` : '';
      const counted = a.counted ? `${seen ? '; ' : ''}the tracer counted ${a.counted.toLocaleString('en-US')} more failures under ${formatDuration(ctx.minDurationNs ?? 0)} for only ${plural(a.countedWaits, 'wait')} of the thread meanwhile (${spunText(a.countedSpinNs, a.countedNs)})` : '';
      out.push({
        rule: 'eagain-spin', severity: severityOf(impact, ctx.span.last - ctx.span.first),
        title: `${a.call}() failed with EAGAIN ${plural(calls, 'time')} in ${threadLabel(ctx, t)} without waiting for readiness`,
        detail: `${seen}${counted}. The thread retries instead of waiting for the fd to become ready.${unreachedNote(sites, a.stackId)}`,
        suggestion: EAGAIN_SPIN_FIX, pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: a.stackId, impactNs: impact,
        events: a.top.list(), eventCount: a.calls, chain: [],
      });
    }
    return out;
  }
}

/** How long the counted failures spun: the calls' own time, or the periods without a wait when those say more. */
function spunText(spinNs: number, callsNs: number): string {
  if (spinNs <= callsNs) return `at least ${formatDuration(callsNs)} in the calls themselves`;
  return `about ${formatDuration(spinNs)} spinning: the periods of the tracer's counts with no wait nor sleep of the thread, each failure counted for ${formatDuration(SPIN_NS_PER_FAILURE)} at most; ${formatDuration(callsNs)} in the calls themselves`;
}
