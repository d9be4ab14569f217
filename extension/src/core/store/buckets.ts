/**
 * Events aggregated by time bucket (a power-of-two number of ns, buckets aligned to multiples of
 * it): per bucket of one lane the number of spans that start in it, their earliest start, their
 * latest end and their longest span (ties: the lowest id), with that span's look (its name and
 * style, packed by `lookOf`). The aggregate is associative, so a
 * bucket of 4× the size is the aggregate of the 4 buckets it holds: the stored summaries
 * (summary.ts) and a window's reply (window.ts) are both made of these, from events or from
 * finer buckets, with the same result.
 */

/** Is span `b` (of length `lb`) longer than span `a` (of length `la`)? The same length: the lower id. */
export function longer(a: number, la: number, b: number, lb: number): boolean {
  return lb > la || (lb === la && b < a);
}

/** Name ids a look holds (24 bits). */
const MAX_LOOK_NAME = 2 ** 24;

/** A span's name id (24 bits) and style (8 bits) in one 32-bit number, as buckets keep them beside its id. */
export function lookOf(nameId: number, style: number): number {
  if (nameId >= MAX_LOOK_NAME) throw new RangeError(`a look holds name ids under 2^24, not ${nameId}`);
  return nameId * 256 + style;
}

/** Marks a bucket whose latest end or longest length is kept aside (not a whole number of ns from 0 to 2^32 - 2). */
const ASIDE = 0xffffffff;

/** `v` as a 32-bit row, or ASIDE when it is not a whole number of ns that fits one. */
function narrow(v: number): number {
  return v >= 0 && v < ASIDE && Number.isInteger(v) ? v : ASIDE;
}

/**
 * Ascending buckets of one size, struct of arrays; grows as it is appended to. The longest span's
 * length and look are kept beside its id: reading them from the event columns would cost cache
 * misses a bucket (a window of 10 M events spent most of its time on them). A bucket is 28 bytes:
 * its latest end as a 32-bit length from its earliest start and its longest span's length in 32
 * bits (4.3 s; a longer one, or a fraction of a ns, kept aside by bucket with its exact value).
 */
export class Buckets {
  minStart: Float64Array;
  /** The latest end less the earliest start, or ASIDE (the end in `endAside`). */
  private extent: Uint32Array;
  /** The longest span's length, or ASIDE (in `lenAside`). */
  private len: Uint32Array;
  count: Uint32Array;
  longest: Uint32Array;
  /** The longest span's look (`lookOf`). */
  look: Uint32Array;
  length = 0;
  /** The index of the last bucket (its start / size). */
  private last = Number.NaN;
  private readonly endAside = new Map<number, number>();
  private readonly lenAside = new Map<number, number>();

  constructor(
    /** Bucket size, ns (a power of two). */
    public size: number,
    capacity = 16,
  ) {
    this.minStart = new Float64Array(capacity);
    this.extent = new Uint32Array(capacity);
    this.len = new Uint32Array(capacity);
    this.count = new Uint32Array(capacity);
    this.longest = new Uint32Array(capacity);
    this.look = new Uint32Array(capacity);
  }

  /** The latest end of bucket `i`. */
  maxEnd(i: number): number {
    const x = this.extent[i];
    return x === ASIDE ? (this.endAside.get(i) ?? Number.NaN) : this.minStart[i] + x;
  }

  /** The length of bucket `i`'s longest span. */
  longestLen(i: number): number {
    const x = this.len[i];
    return x === ASIDE ? (this.lenAside.get(i) ?? Number.NaN) : x;
  }

  /** Set bucket `k`'s latest end (its earliest start set before). */
  private setEnd(k: number, end: number): void {
    const x = narrow(end - this.minStart[k]);
    // the length must give the end back exactly (a start of 2^53 ns or more would round)
    const exact = x !== ASIDE && this.minStart[k] + x === end;
    this.extent[k] = exact ? x : ASIDE;
    if (exact) {
      if (this.endAside.size) this.endAside.delete(k);
    } else this.endAside.set(k, end);
  }

  private setLen(k: number, len: number): void {
    const x = narrow(len);
    this.len[k] = x;
    if (x === ASIDE) this.lenAside.set(k, len);
    else if (this.lenAside.size) this.lenAside.delete(k);
  }

  private resize(capacity: number): void {
    const n = this.length;
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(capacity);
      b.set(a.subarray(0, n));
      return b;
    };
    const u32 = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(capacity);
      b.set(a.subarray(0, n));
      return b;
    };
    this.minStart = f64(this.minStart);
    this.extent = u32(this.extent);
    this.len = u32(this.len);
    this.count = u32(this.count);
    this.longest = u32(this.longest);
    this.look = u32(this.look);
  }

  /** Empty it, for buckets of `size` ns, keeping its capacity (buckets reused from query to query). */
  reset(size: number): void {
    this.size = size;
    this.length = 0;
    this.last = Number.NaN;
    this.endAside.clear();
    this.lenAside.clear();
  }

  /** Drop the spare capacity (a stored summary keeps only what it holds). */
  trim(): void {
    if (this.minStart.length > this.length) this.resize(Math.max(1, this.length));
  }

  /**
   * Add an aggregate (one span: count 1, itself the longest, `look` its look) whose earliest start is `minStart`:
   * merged into the last bucket when it falls in it, else a new bucket. Aggregates must come in
   * the order of their buckets.
   */
  add(minStart: number, maxEnd: number, count: number, longest: number, longestLen: number, look: number): void {
    const bucket = Math.floor(minStart / this.size);
    const n = this.length;
    if (bucket === this.last) {
      const k = n - 1;
      const end = this.maxEnd(k);
      if (minStart < this.minStart[k] || maxEnd > end) {
        if (minStart < this.minStart[k]) this.minStart[k] = minStart;
        this.setEnd(k, maxEnd > end ? maxEnd : end);
      }
      this.count[k] += count;
      if (longer(this.longest[k], this.longestLen(k), longest, longestLen)) {
        this.longest[k] = longest;
        this.setLen(k, longestLen);
        this.look[k] = look;
      }
      return;
    }
    if (n === this.minStart.length) this.resize(n * 2);
    this.minStart[n] = minStart;
    this.setEnd(n, maxEnd);
    this.setLen(n, longestLen);
    this.count[n] = count;
    this.longest[n] = longest;
    this.look[n] = look;
    this.length = n + 1;
    this.last = bucket;
  }

  /** Add bucket `i` of `from` (finer or the same size) into this one. */
  addFrom(from: Buckets, i: number): void {
    this.add(from.minStart[i], from.maxEnd(i), from.count[i], from.longest[i], from.longestLen(i), from.look[i]);
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

  /** Add instant `id`, starting at `start.get(id)`; instants must come in the order of their buckets. */
  add(start: { get(i: number): number }, id: number): void {
    const n = this.length;
    const s = start.get(id);
    if (n > 0) {
      const last = this.ids[n - 1];
      const ls = start.get(last);
      if (Math.floor(ls / this.size) === Math.floor(s / this.size)) {
        if (s < ls || (s === ls && id < last)) this.ids[n - 1] = id;
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
