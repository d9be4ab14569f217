/**
 * strace's timestamps as a trace's clock. `-ttt` prints seconds since the epoch; `-tt` (and `-t`)
 * only the local time of day, so the day comes from the log file's modification time (the end of
 * the recording) and a time that goes back by hours is taken as the next day. The imported trace's
 * "monotonic" clock is nanoseconds since the local midnight before the first line: exact to the
 * microsecond strace prints, and small enough for doubles to hold every nanosecond.
 */

const DAY_NS = 86_400e9;
/** A time of day this much earlier than the previous one is the next day, not disorder. */
const ROLLOVER_NS = 12 * 3600e9;

/** Epoch seconds past this are no strace time (the year 5138): a mangled line, not a clock. */
const MAX_EPOCH_SECS = 1e11;

/**
 * Text to whole seconds (of the day for `HH:MM:SS.frac`, of the epoch for `SECS.frac`) and ns;
 * `valid` is false for a time out of range (25:61:99, a 40-digit epoch).
 */
function parse(text: string): { secs: number; ns: number; epoch: boolean; valid: boolean } {
  const tod = /^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (tod) {
    const [h, m, s] = [Number(tod[1]), Number(tod[2]), Number(tod[3])];
    const frac = (tod[4] ?? '').padEnd(9, '0').slice(0, 9);
    return { secs: (h * 60 + m) * 60 + s, ns: Number(frac), epoch: false, valid: h < 24 && m < 60 && s < 61 };
  }
  const [secs, frac = ''] = text.split('.');
  // kept apart: epoch nanoseconds do not fit a double exactly
  const whole = Number(secs);
  const ns = Number(frac.padEnd(9, '0').slice(0, 9));
  return { secs: whole, ns, epoch: true, valid: Number.isFinite(whole) && whole < MAX_EPOCH_SECS && Number.isFinite(ns) };
}

/** Why a timestamp cannot be a time (out of range: 25:61:99, a 40-digit epoch), or null when it can. */
export function timeProblem(text: string): string | null {
  return parse(text).valid ? null : `cannot read the time '${text}'`;
}

/** Local midnight (epoch ns) of the day that holds epoch ms `ms`. */
function midnight(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime() * 1e6;
}

/** Turns a log's timestamps into the trace's clock. */
export class StraceClock {
  private day = 0;
  private last: number | null = null;
  /** Epoch seconds of the midnight (-ttt), 0 for times of day; null before the first line. */
  private base: number | null = null;
  /** Epoch ns of the local midnight the clock counts from (known after the first line). */
  midnightNs = 0;
  /** Whether the log prints whole epoch times (-ttt) rather than times of day. */
  epoch = false;

  /**
   * @param endMs epoch ms at which the log was last written (its file's mtime), for -tt logs.
   * @param spanNs how long the log lasts (first to last line), known from a first reading.
   */
  constructor(
    private readonly endMs: number,
    private readonly spanNs = 0,
  ) {}

  /** The trace time (ns since the midnight) of a timestamp; lines must come in log order per thread. */
  at(text: string): number {
    const { secs, ns: frac, epoch } = parse(text);
    if (this.base === null) {
      this.epoch = epoch;
      if (epoch) {
        this.midnightNs = midnight(secs * 1e3);
        this.base = Math.round(this.midnightNs / 1e9);
      } else {
        // the log ends at its mtime: its first line is `span` earlier
        const first = this.endMs * 1e6 - this.spanNs;
        this.midnightNs = midnight(first / 1e6);
        this.base = 0;
      }
    }
    if (epoch) return (secs - this.base) * 1e9 + frac;
    const ns = secs * 1e9 + frac;
    // threads' lines interleave out of order by a little; only a big step back is a new day
    if (this.last !== null && ns + this.day < this.last - ROLLOVER_NS) this.day += DAY_NS;
    const t = ns + this.day;
    this.last = Math.max(this.last ?? t, t);
    return t;
  }

  /** Wall-clock epoch ns of a trace time. */
  real(t: number): number {
    return this.midnightNs + t;
  }
}

/** Seconds as strace's -T prints them, to ns. */
export function durationNs(text: string | null): number {
  if (text === null) return 0;
  const [secs, frac = ''] = text.split('.');
  return Number(secs) * 1e9 + Number(frac.padEnd(9, '0').slice(0, 9));
}
