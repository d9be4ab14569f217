/**
 * Event-loop turns: for a thread that waits in select/poll/epoll, a turn runs from a wait's return
 * to the next wait's entry; its length is the loop's lag (nothing else the loop serves runs
 * meanwhile). Kept per loop thread in constant memory: a histogram of turn lengths, the longest
 * turn, and the time turns spent blocked.
 */
import { LatencyHistogram } from './histogram';
import type { LoopStats } from './types';

/** A turn that just ended. */
export interface Turn {
  readonly start: number;
  readonly end: number;
  /** The wait that began the turn by returning, and the one that ended it. */
  readonly startId: number;
  readonly endId: number;
}

/** The turns of one loop thread. */
export class LoopTurns {
  readonly lengths = new LatencyHistogram();
  /** Time inside turns spent in blocking calls that waited. */
  blockedNs = 0;
  /** When the last wait returned (the open turn's start), null before the first wait. */
  openSince: number | null = null;
  private openId = -1;
  private longest: Turn | null = null;
  /** The timeouts of the waits that ended turns, to tell a turn after a timeout. */
  lastWaitTimedOut = false;

  constructor(
    readonly pid: number,
    readonly tid: number,
  ) {}

  /** A wait began at `ts` and returned at `end`: the open turn ends, a new one begins. */
  wait(ts: number, end: number, id: number, timedOut: boolean): Turn | null {
    let turn: Turn | null = null;
    if (this.openSince !== null && ts >= this.openSince) {
      turn = { start: this.openSince, end: ts, startId: this.openId, endId: id };
      this.lengths.add(ts - this.openSince);
      if (!this.longest || ts - this.openSince > this.longest.end - this.longest.start) this.longest = turn;
    }
    this.openSince = end;
    this.openId = id;
    this.lastWaitTimedOut = timedOut;
    return turn;
  }

  /** A call that began at `ts` is inside a turn (the thread has returned from a wait before it). */
  inTurn(ts: number): boolean {
    return this.openSince !== null && ts >= this.openSince;
  }

  /** Figures for the report. */
  stats(): LoopStats {
    const [p50, p99] = this.lengths.percentiles([50, 99]);
    return {
      pid: this.pid, tid: this.tid, turns: this.lengths.count, p50, p99, max: this.lengths.max, blockedNs: this.blockedNs,
      longestStart: this.longest?.startId ?? -1, longestEnd: this.longest?.endId ?? -1,
    };
  }
}
