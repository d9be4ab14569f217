/**
 * timeout-wakeups: an event loop whose short timeout fires nearly every time — it wakes to poll a
 * timer rather than for events. Impact: the turns after those wake-ups that did nothing.
 *
 * A turn after a timeout that moved data (a traced call that succeeded) or ran a good part of the
 * timeout did the work of a periodic timer (libuv's uv_timer, a flush every 5 ms): that timeout
 * is the next real timer, as the fix asks, and the turn is no poll. Such a loop is not reported
 * unless most of its timed-out turns did nothing. Calls under --min-duration reach the analysis
 * only as counts: each successful one is taken to have been the work of one turn that looked idle.
 */
import type { SyscallEvent } from '../../model/events';
import type { FilteredCounts } from '../../model/filtered';
import { formatDuration } from '../../../../../shared/format';
import { TIMEOUT_WAKEUPS_FIX } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

/** A timeout up to this long is a polling tick. */
const SHORT_NS = 10e6;
const MIN_TIMEOUTS = 100;
const MIN_SHARE = 0.9;
/** A turn this share of its timeout long (or longer) did work, traced or not (calls under --min-duration are not). */
const WORK_SHARE = 0.25;

interface Acc {
  readonly pid: number;
  readonly tid: number;
  stackId: bigint;
  call: string;
  waits: number;
  shortTimeouts: number;
  timeoutNs: number;
  /** Turns after a timeout that did nothing, their total length, and those that did work. */
  idleTurns: number;
  afterNs: number;
  workTurns: number;
  /** Successful calls inside the loop the tracer counted but did not send (under --min-duration). */
  untracedWork: number;
  readonly top: TopEvents;
}

/** The timeout-wakeups rule. */
export class TimeoutWakeupsRule {
  private readonly accs = new Map<number, Acc>();
  /** The accumulator asked for last (one loop thread waits again and again). */
  private last: Acc | null = null;

  private acc(e: SyscallEvent): Acc {
    const last = this.last;
    if (last !== null && last.tid === e.tid) return last;
    let a = this.accs.get(e.tid);
    if (!a) {
      a = { pid: e.pid, tid: e.tid, stackId: e.stackId, call: e.name, waits: 0, shortTimeouts: 0, timeoutNs: 0, idleTurns: 0, afterNs: 0, workTurns: 0, untracedWork: 0, top: new TopEvents(50) };
      this.accs.set(e.tid, a);
    }
    this.last = a;
    return a;
  }

  /** A finished select/poll/epoll wait with its timeout (ns, null for none). */
  wait(e: SyscallEvent, id: number, timeoutNs: number | null): void {
    const a = this.acc(e);
    a.waits++;
    if (e.ret === 0 && timeoutNs !== null && timeoutNs > 0 && timeoutNs <= SHORT_NS) {
      a.shortTimeouts++;
      a.timeoutNs = timeoutNs;
      a.stackId = e.stackId;
      a.call = e.name;
      a.top.add(id, e.dur);
    }
  }

  /** A turn that followed a wait which timed out ended after `ns`; `movedData`: a traced call in it moved data. */
  turnAfterTimeout(tid: number, ns: number, movedData: boolean): void {
    const a = this.accs.get(tid);
    if (!a) return;
    if (movedData || ns >= WORK_SHARE * a.timeoutNs) {
      a.workTurns++;
    } else {
      a.idleTurns++;
      a.afterNs += ns;
    }
  }

  /** Calls the tracer counted without sending them (inside a loop). */
  filtered(d: FilteredCounts): void {
    const a = this.accs.get(d.tid);
    if (a) a.untracedWork += d.count - d.errors;
  }

  /** Findings. */
  findings(ctx: AnalysisContext): RawFinding[] {
    const out: RawFinding[] = [];
    for (const a of this.accs.values()) {
      if (a.shortTimeouts < MIN_TIMEOUTS || a.shortTimeouts < MIN_SHARE * a.waits) continue;
      // turns that looked idle because their calls were under the threshold did work too
      const explained = Math.min(a.idleTurns, a.untracedWork);
      const idle = a.idleTurns - explained;
      const work = a.workTurns + explained;
      if (idle < work) continue;
      const idleNs = a.idleTurns ? (a.afterNs * idle) / a.idleTurns : 0;
      const t = ctx.threads.get(a.pid, a.tid);
      const pct = Math.round((100 * a.shortTimeouts) / a.waits);
      out.push({
        rule: 'timeout-wakeups', severity: severityOf(idleNs, ctx.span.last - ctx.span.first, 'low'),
        title: `${threadLabel(ctx, t)} woke up ${plural(a.shortTimeouts, 'time')} because its ${formatDuration(a.timeoutNs)} timeout fired (${pct} % of its waits)`,
        detail: `Of ${plural(a.waits, a.call + ' call')}, ${a.shortTimeouts.toLocaleString('en-US')} returned nothing after a timeout of at most ${formatDuration(SHORT_NS)}; ${work ? `${plural(idle, 'turn')} after them moved no data (${formatDuration(idleNs)} in all) and ${work.toLocaleString('en-US')} did work` : `the turns after them moved no data, ${formatDuration(idleNs)} in all`}. The loop polls on a timer while nothing happens.`,
        suggestion: TIMEOUT_WAKEUPS_FIX, pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: a.stackId, impactNs: idleNs,
        events: a.top.list(), eventCount: a.shortTimeouts, chain: [],
      });
    }
    return out;
  }
}
