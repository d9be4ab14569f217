/**
 * Events aggregated by time bucket (a power-of-two number of ns, buckets aligned to multiples of
 * it): per bucket of one lane the number of spans that start in it, their earliest start, their
 * latest end and their longest span (ties: the lowest id). The aggregate is associative, so a
 * bucket of 4× the size is the aggregate of the 4 buckets it holds: the stored summaries
 * (summary.ts) and a window's reply (window.ts) are both made of these, from events or from
 * finer buckets, with the same result.
 */

/** The column views an aggregate reads the longest span's length from. */
export interface SpanColumns {
  readonly start: Float64Array;
  readonly end: Float64Array;
}

/** Is span `b` longer than span `a` (the same length: the lower id)? */
export function longer(cols: SpanColumns, a: number, b: number): boolean {
  const la = cols.end[a] - cols.start[a];
  const lb = cols.end[b] - cols.start[b];
  return lb > la || (lb === la && b < a);
}

/** Ascending buckets of one size, struct of arrays; grows as it is appended to. */
export class Buckets {
  minStart: Float64Array;
  maxEnd: Float64Array;
  count: Uint32Array;
  longest: Uint32Array;
  length = 0;

  constructor(
    /** Bucket size, ns (a power of two). */
    readonly size: number,
    capacity = 16,
  ) {
    this.minStart = new Float64Array(capacity);
    this.maxEnd = new Float64Array(capacity);
    this.count = new Uint32Array(capacity);
    this.longest = new Uint32Array(capacity);
  }

  private resize(capacity: number): void {
    const grow = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.minStart = grow(this.minStart, (n) => new Float64Array(n));
    this.maxEnd = grow(this.maxEnd, (n) => new Float64Array(n));
    this.count = grow(this.count, (n) => new Uint32Array(n));
    this.longest = grow(this.longest, (n) => new Uint32Array(n));
  }

  /** Drop the spare capacity (a stored summary keeps only what it holds). */
  trim(): void {
    if (this.minStart.length > this.length) this.resize(Math.max(1, this.length));
  }

  /**
   * Add an aggregate (one span: count 1, itself the longest) whose earliest start is `minStart`:
   * merged into the last bucket when it falls in it, else a new bucket. Aggregates must come in
   * the order of their buckets.
   */
  add(cols: SpanColumns, minStart: number, maxEnd: number, count: number, longest: number): void {
    const n = this.length;
    if (n > 0 && Math.floor(this.minStart[n - 1] / this.size) === Math.floor(minStart / this.size)) {
      const k = n - 1;
      if (minStart < this.minStart[k]) this.minStart[k] = minStart;
      if (maxEnd > this.maxEnd[k]) this.maxEnd[k] = maxEnd;
      this.count[k] += count;
      if (longer(cols, this.longest[k], longest)) this.longest[k] = longest;
      return;
    }
    if (n === this.minStart.length) this.resize(n * 2);
    this.minStart[n] = minStart;
    this.maxEnd[n] = maxEnd;
    this.count[n] = count;
    this.longest[n] = longest;
    this.length = n + 1;
  }

  /** Add bucket `i` of `from` (finer or the same size) into this one. */
  addFrom(cols: SpanColumns, from: Buckets, i: number): void {
    this.add(cols, from.minStart[i], from.maxEnd[i], from.count[i], from.longest[i]);
  }
}

/** Ascending buckets of one size holding the first instant of each (earliest; ties: the lowest id). */
export class FirstInstants {
  ids: Uint32Array;
  length = 0;

  constructor(
    /** Bucket size, ns (a power of two). */
    readonly size: number,
    capacity = 16,
  ) {
    this.ids = new Uint32Array(capacity);
  }

  /** Drop the spare capacity. */
  trim(): void {
    if (this.ids.length > this.length) this.ids = this.ids.slice(0, Math.max(1, this.length));
  }

  /** Add instant `id`, starting at `start[id]`; instants must come in the order of their buckets. */
  add(start: Float64Array, id: number): void {
    const n = this.length;
    const s = start[id];
    if (n > 0) {
      const last = this.ids[n - 1];
      if (Math.floor(start[last] / this.size) === Math.floor(s / this.size)) {
        if (s < start[last] || (s === start[last] && id < last)) this.ids[n - 1] = id;
        return;
      }
    }
    if (n === this.ids.length) {
      const b = new Uint32Array(n * 2);
      b.set(this.ids);
      this.ids = b;
    }
    this.ids[n] = id;
    this.length = n + 1;
  }
}
