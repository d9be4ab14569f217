/**
 * Event-loop turns: for a thread that waits in select/poll/epoll, a turn runs from a wait's return
 * to the next wait's entry; its length is the loop's lag (nothing else the loop serves runs
 * meanwhile). Kept per loop thread in constant memory: a histogram of turn lengths, the longest
 * turn, and the time turns spent blocked.
 */
import { LatencyHistogram } from './histogram';
import type { LoopStats } from './types';

/** The turns of one loop thread. */
export class LoopTurns {
  readonly lengths = new LatencyHistogram();
  /** Time inside turns spent in blocking calls that waited. */
  blockedNs = 0;
  /**
   * When the last wait returned (the open turn's start), +Infinity before the first wait (a number
   * always, not null: V8 then keeps it unboxed, with no heap number made at every wait).
   */
  private openSince = Number.POSITIVE_INFINITY;
  private openId = -1;
  /** The longest turn: its length (-1 before the first) and the waits that began and ended it. */
  private longestNs = -1;
  private longestStart = -1;
  private longestEnd = -1;
  /** The timeouts of the waits that ended turns, to tell a turn after a timeout. */
  lastWaitTimedOut = false;
  /** The open turn made a traced call that moved data (it did work, not only looked). */
  movedData = false;

  constructor(
    readonly pid: number,
    readonly tid: number,
  ) {}

  /**
   * A wait began at `ts` and returned at `end`: the open turn ends, a new one begins. Returns the
   * length of the turn that ended, -1 when none did (no object per wait: a loop waits all the time).
   */
  wait(ts: number, end: number, id: number, timedOut: boolean): number {
    let turn = -1;
    if (ts >= this.openSince) {
      turn = ts - this.openSince;
      this.lengths.add(turn);
      if (turn > this.longestNs) {
        this.longestNs = turn;
        this.longestStart = this.openId;
        this.longestEnd = id;
      }
    }
    this.openSince = end;
    this.openId = id;
    this.lastWaitTimedOut = timedOut;
    this.movedData = false;
    return turn;
  }

  /** The open turn: when the last wait returned, -1 before the first wait. */
  openTurn(): number {
    return this.openSince === Number.POSITIVE_INFINITY ? -1 : this.openSince;
  }

  /** A call that began at `ts` is inside a turn (the thread has returned from a wait before it). */
  inTurn(ts: number): boolean {
    return ts >= this.openSince;
  }

  /** Figures for the report. */
  stats(): LoopStats {
    const [p50, p99] = this.lengths.percentiles([50, 99]);
    return {
      pid: this.pid, tid: this.tid, turns: this.lengths.count, p50, p99, max: this.lengths.max, blockedNs: this.blockedNs,
      longestStart: this.longestStart, longestEnd: this.longestEnd,
    };
  }
}
