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

/** Marks a bucket whose earliest start, latest end or longest length is kept aside (not a whole number of ns from 0 to 2^32 - 2). */
const ASIDE = 0xffffffff;
/** Marks a bucket whose count is kept aside (65,535 or more). */
const COUNT_ASIDE = 0xffff;
/** log2 of the most buckets that share a base for their earliest starts. */
const MAX_GROUP_BITS = 6;

/** `v` as a 32-bit row, or ASIDE when it is not a whole number of ns that fits one. */
/**
 * Keep `value` at `k` as its 32-bit distance from `ref` in `into`, or ASIDE there and the value in
 * `aside` when the distance does not fit or would not give the value back exactly (a reference of
 * 2^53 ns or more rounds).
 */
function putRelative(into: Uint32Array, aside: Map<number, number>, k: number, ref: number, value: number): void {
  const x = narrow(value - ref);
  const exact = x !== ASIDE && ref + x === value;
  into[k] = exact ? x : ASIDE;
  if (exact) {
    if (aside.size) aside.delete(k);
  } else aside.set(k, value);
}

function narrow(v: number): number {
  return v >= 0 && v < ASIDE && Number.isInteger(v) ? v : ASIDE;
}

/**
 * Ascending buckets of one size, struct of arrays; grows as it is appended to. The longest span's
 * length and look are kept beside its id: reading them from the event columns would cost cache
 * misses a bucket (a window of 10 M events spent most of its time on them). A bucket is 22 bytes:
 * its earliest start as a 32-bit offset from a base kept per group of up to 64 buckets (the
 * group's first earliest start; fewer buckets a group where buckets are coarse, so that a group
 * spans under 2^31 ns), its latest end as a 32-bit length from its earliest start, its longest
 * span's length in 32 bits (4.3 s) and its count in 16 bits. A value that does not fit (a start
 * before its group's base or 4.3 s past it, a longer length, a fraction of a ns, a count of
 * 65,535 or more) is kept aside by bucket with its exact value.
 */
export class Buckets {
  /** Per group of 2^groupBits buckets, the earliest start of its first. */
  private bases: Float64Array;
  /** The earliest start less its group's base, or ASIDE (in `startAside`). */
  private offset: Uint32Array;
  /** The latest end less the earliest start, or ASIDE (the end in `endAside`). */
  private extent: Uint32Array;
  /** The longest span's length, or ASIDE (in `lenAside`). */
  private len: Uint32Array;
  /** The number of spans, or COUNT_ASIDE (in `countAside`). */
  private counts: Uint16Array;
  longest: Uint32Array;
  /** The longest span's look (`lookOf`). */
  look: Uint32Array;
  length = 0;
  /** The index of the last bucket (its start / size). */
  private last = Number.NaN;
  private groupBits = 0;
  private readonly startAside = new Map<number, number>();
  private readonly endAside = new Map<number, number>();
  private readonly lenAside = new Map<number, number>();
  private readonly countAside = new Map<number, number>();

  constructor(
    /** Bucket size, ns (a power of two). */
    public size: number,
    capacity = 16,
  ) {
    this.groupBits = groupBitsFor(size);
    this.bases = new Float64Array(Math.max(1, capacity >>> this.groupBits) + 1);
    this.offset = new Uint32Array(capacity);
    this.extent = new Uint32Array(capacity);
    this.len = new Uint32Array(capacity);
    this.counts = new Uint16Array(capacity);
    this.longest = new Uint32Array(capacity);
    this.look = new Uint32Array(capacity);
  }

  /** The earliest start of bucket `i`. */
  minStart(i: number): number {
    const x = this.offset[i];
    return x === ASIDE ? (this.startAside.get(i) ?? Number.NaN) : this.bases[i >>> this.groupBits] + x;
  }

  /** The latest end of bucket `i`. */
  maxEnd(i: number): number {
    return this.maxEndFrom(i, this.minStart(i));
  }

  /** The latest end of bucket `i`, whose earliest start (`minStart(i)`) the caller has read already. */
  maxEndFrom(i: number, minStart: number): number {
    const x = this.extent[i];
    return x === ASIDE ? (this.endAside.get(i) ?? Number.NaN) : minStart + x;
  }

  /** The length of bucket `i`'s longest span. */
  longestLen(i: number): number {
    const x = this.len[i];
    return x === ASIDE ? (this.lenAside.get(i) ?? Number.NaN) : x;
  }

  /** The number of spans in bucket `i`. */
  count(i: number): number {
    const x = this.counts[i];
    return x === COUNT_ASIDE ? (this.countAside.get(i) ?? Number.NaN) : x;
  }

  /** Set bucket `k`'s earliest start (its group's base set before). */
  private setStart(k: number, start: number): void {
    putRelative(this.offset, this.startAside, k, this.bases[k >>> this.groupBits], start);
  }

  /** Set bucket `k`'s latest end (its earliest start set before). */
  private setEnd(k: number, end: number): void {
    putRelative(this.extent, this.endAside, k, this.minStart(k), end);
  }

  private setLen(k: number, len: number): void {
    const x = narrow(len);
    this.len[k] = x;
    if (x === ASIDE) this.lenAside.set(k, len);
    else if (this.lenAside.size) this.lenAside.delete(k);
  }

  private setCount(k: number, count: number): void {
    if (count < COUNT_ASIDE) {
      this.counts[k] = count;
      if (this.countAside.size) this.countAside.delete(k);
    } else {
      this.counts[k] = COUNT_ASIDE;
      this.countAside.set(k, count);
    }
  }

  private resize(capacity: number): void {
    const n = this.length;
    const copy = <T extends Float64Array | Uint32Array | Uint16Array>(a: T, size: number, keep: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a.subarray(0, keep));
      return b;
    };
    const groups = Math.ceil(n / 2 ** this.groupBits);
    this.bases = copy(this.bases, Math.max(1, Math.ceil(capacity / 2 ** this.groupBits)), groups);
    this.offset = copy(this.offset, capacity, n);
    this.extent = copy(this.extent, capacity, n);
    this.len = copy(this.len, capacity, n);
    this.counts = copy(this.counts, capacity, n);
    this.longest = copy(this.longest, capacity, n);
    this.look = copy(this.look, capacity, n);
  }

  /** Empty it, for buckets of `size` ns, keeping its capacity (buckets reused from query to query). */
  reset(size: number): void {
    this.size = size;
    this.length = 0;
    this.last = Number.NaN;
    const bits = groupBitsFor(size);
    if (bits < this.groupBits) this.bases = new Float64Array(Math.max(1, Math.ceil(this.offset.length / 2 ** bits)));
    this.groupBits = bits;
    this.startAside.clear();
    this.endAside.clear();
    this.lenAside.clear();
    this.countAside.clear();
  }

  /** Drop the spare capacity (a stored summary keeps only what it holds). */
  trim(): void {
    if (this.offset.length > this.length) this.resize(Math.max(1, this.length));
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
      const start = this.minStart(k);
      const end = this.maxEndFrom(k, start);
      if (minStart < start || maxEnd > end) {
        if (minStart < start) this.setStart(k, minStart);
        this.setEnd(k, maxEnd > end ? maxEnd : end);
      }
      this.setCount(k, this.count(k) + count);
      if (longer(this.longest[k], this.longestLen(k), longest, longestLen)) {
        this.longest[k] = longest;
        this.setLen(k, longestLen);
        this.look[k] = look;
      }
      return;
    }
    if (n === this.offset.length) this.resize(n * 2);
    if ((n & ((1 << this.groupBits) - 1)) === 0) this.bases[n >>> this.groupBits] = minStart;
    this.setStart(n, minStart);
    this.setEnd(n, maxEnd);
    this.setLen(n, longestLen);
    this.setCount(n, count);
    this.longest[n] = longest;
    this.look[n] = look;
    this.length = n + 1;
    this.last = bucket;
  }

  /**
   * Span `id`, counted in the bucket holding `start` already, now ends at `end` (`len` long, `look`)
   * no earlier than it did: the bucket's latest end and longest span as adding it so would have made
   * them (its old end and length are covered by the new). False when no bucket holds `start`.
   */
  grow(start: number, end: number, id: number, len: number, look: number): boolean {
    const bucket = Math.floor(start / this.size);
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (Math.floor(this.minStart(mid) / this.size) < bucket) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.length || Math.floor(this.minStart(lo) / this.size) !== bucket) return false;
    const k = lo;
    if (end > this.maxEnd(k)) this.setEnd(k, end);
    if (this.longest[k] === id || longer(this.longest[k], this.longestLen(k), id, len)) {
      this.longest[k] = id;
      this.setLen(k, len);
      this.look[k] = look;
    }
    return true;
  }

  /** Add bucket `i` of `from` (finer or the same size) into this one. */
  addFrom(from: Buckets, i: number): void {
    const start = from.minStart(i);
    this.add(start, from.maxEndFrom(i, start), from.count(i), from.longest[i], from.longestLen(i), from.look[i]);
  }
}

/**
 * Spans added one at a time into `Buckets` (in the order of their buckets), the bucket being filled
 * kept in plain numbers and added to them whole once a span of a later bucket comes (or at `flush`):
 * the aggregate is associative, so the buckets are those that adding each span gives, without
 * reading and writing the packed arrays for every span (a window walking 150,000 events spent
 * most of its time there).
 */
export class BucketFill {
  /** The bucket being filled (its start / size; NaN: none). */
  private bucket = Number.NaN;
  /** 1 / size: exact, the size being a power of two, so start · inverse is start / size, without a division. */
  private inverse: number;
  private minStart = 0;
  private maxEnd = 0;
  private count = 0;
  private longest = 0;
  private longestLen = 0;
  private look = 0;

  constructor(
    /** Where the filled buckets go. */
    readonly into: Buckets,
  ) {
    this.inverse = 1 / into.size;
  }

  /** Empty it and its buckets, for buckets of `size` ns (reused from query to query). */
  reset(size: number): void {
    this.into.reset(size);
    this.inverse = 1 / size;
    this.count = 0;
    this.bucket = Number.NaN;
  }

  /** Add one span (as `Buckets.add` with a count of 1). */
  add(start: number, end: number, id: number, len: number, look: number): void {
    const bucket = Math.floor(start * this.inverse);
    if (bucket !== this.bucket) {
      this.flush();
      this.bucket = bucket;
      this.minStart = start;
      this.maxEnd = end;
      this.count = 1;
      this.longest = id;
      this.longestLen = len;
      this.look = look;
      return;
    }
    if (start < this.minStart) this.minStart = start;
    if (end > this.maxEnd) this.maxEnd = end;
    this.count++;
    if (longer(this.longest, this.longestLen, id, len)) {
      this.longest = id;
      this.longestLen = len;
      this.look = look;
    }
  }

  /** Add the bucket being filled to `into` (call once the last span is added). */
  flush(): void {
    if (this.count) this.into.add(this.minStart, this.maxEnd, this.count, this.longest, this.longestLen, this.look);
    this.count = 0;
    this.bucket = Number.NaN;
  }
}

/** log2 of the buckets of `size` ns that share a base: at most 64, spanning at most 2^31 ns when consecutive. */
function groupBitsFor(size: number): number {
  return Math.max(0, Math.min(MAX_GROUP_BITS, 31 - Math.ceil(Math.log2(size))));
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
