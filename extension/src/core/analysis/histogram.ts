/**
 * Durations in bounded memory: every value kept while there are few (percentiles exact), then a
 * log-linear histogram (64 buckets per power of two: a percentile within 1.1 % of the true value,
 * and never outside [min, max]). A million epoll_waits cost a few kilobytes, not 8 MB.
 */

/** Values kept exactly before switching to buckets. */
const EXACT_LIMIT = 2048;
/** Buckets per power of two (precision 2^(1/64) ≈ 1.1 %). */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;

/** The highest bucket, that of values just under 2^65 (past any u64 duration; a larger value counts there). */
const LAST_BUCKET = (65 - SUB_BITS) * SUB + SUB - 1;

/** Bucket index of a value (ns, >= 0). */
function bucketOf(v: number): number {
  if (v < SUB) return Math.max(0, Math.floor(v));
  if (v < 2 ** 32 && Number.isInteger(v)) {
    // whole ns under 4.3 s, the common case: the top bit is the power of two, the next SUB_BITS the bucket in it
    const exp = 31 - Math.clz32(v);
    return (exp - SUB_BITS + 1) * SUB + ((v >>> (exp - SUB_BITS)) & (SUB - 1));
  }
  if (v >= 2 ** 65) return LAST_BUCKET;
  const exp = Math.floor(Math.log2(v));
  const sub = Math.floor((v / 2 ** exp - 1) * SUB);
  return (exp - SUB_BITS + 1) * SUB + Math.min(SUB - 1, sub);
}

/** Lowest value of a bucket. */
function bucketLow(b: number): number {
  if (b < SUB) return b;
  const exp = Math.floor(b / SUB) + SUB_BITS - 1;
  return 2 ** exp * (1 + (b % SUB) / SUB);
}

/**
 * The count and total a LatencyHistogram would have after the same values in the same order, to the
 * last bit (a histogram adds each value while it keeps them exactly, then `v * n` for a run): the
 * total of durations shared out among a run's calls is a fraction, so the order of additions shows.
 * A call site's and a thread's call table merge their histograms from per-thread, per-stack cells
 * (sites.ts), and keep their totals with one of these.
 */
export class RunningTotal {
  count = 0;
  total = 0;

  /** Add `n` values all equal to `v`, as LatencyHistogram.addMany. */
  add(v: number, n: number): void {
    if (!(v >= 0)) v = 0;
    // exact values: one at a time, as add() does, until the one past EXACT_LIMIT
    for (; n > 0 && this.count <= EXACT_LIMIT; n--) {
      this.count++;
      this.total += v;
    }
    if (n <= 0) return;
    this.count += n;
    this.total += v * n;
  }
}

/** Count, total, max, and percentiles of non-negative durations (ns). */
export class LatencyHistogram {
  count = 0;
  total = 0;
  max = 0;
  min = Number.POSITIVE_INFINITY;
  private exact: Float64Array | null = new Float64Array(16);
  /**
   * Counts by bucket index, once past EXACT_LIMIT values: an array grown to the highest bucket
   * used (a few kilobytes for durations up to seconds, less than the exact values it replaces),
   * so that a value costs an index, not a hash-map update.
   */
  private buckets: Float64Array | null = null;

  /** Add one value. */
  add(v: number): void {
    if (!(v >= 0)) v = 0;
    this.count++;
    this.total += v;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
    if (this.exact) {
      const n = this.count - 1;
      if (n < EXACT_LIMIT) {
        if (n === this.exact.length) {
          const grown = new Float64Array(Math.min(EXACT_LIMIT, n * 2));
          grown.set(this.exact);
          this.exact = grown;
        }
        this.exact[n] = v;
        return;
      }
      this.buckets = new Float64Array(SUB * 16);
      for (const x of this.exact) this.bump(bucketOf(x), 1);
      this.exact = null;
    }
    this.bump(bucketOf(v), 1);
  }

  /** Add `n` values all equal to `v` (the calls of a coalesced run of polls): O(1) once past the exact values. */
  addMany(v: number, n: number): void {
    if (!(v >= 0)) v = 0;
    for (; n > 0 && this.exact; n--) this.add(v);
    if (n <= 0) return;
    this.count += n;
    this.total += v * n;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
    this.bump(bucketOf(v), n);
  }

  private bump(b: number, n: number): void {
    let m = this.buckets as Float64Array;
    if (b >= m.length) {
      m = new Float64Array(Math.max(b + 1, m.length * 2));
      m.set(this.buckets as Float64Array);
      this.buckets = m;
    }
    m[b] += n;
  }

  /** [bucket, count] of every bucket used, lowest first. */
  private *usedBuckets(): Generator<[number, number]> {
    const m = this.buckets as Float64Array;
    for (let b = 0; b < m.length; b++) if (m[b]) yield [b, m[b]];
  }

  /** Add every value of another histogram. */
  merge(o: LatencyHistogram): void {
    if (!o.count) return;
    if (o.exact) {
      for (let i = 0; i < o.count; i++) this.add(o.exact[i]);
      return;
    }
    const keepMin = Math.min(this.min, o.min);
    const keepMax = Math.max(this.max, o.max);
    if (this.exact) {
      this.buckets = new Float64Array(SUB * 16);
      for (let i = 0; i < this.count; i++) this.bump(bucketOf(this.exact[i]), 1);
      this.exact = null;
    }
    for (const [b, n] of o.usedBuckets()) this.bump(b, n);
    this.count += o.count;
    this.total += o.total;
    this.min = keepMin;
    this.max = keepMax;
  }

  /** Nearest-rank percentiles (p in 0..100), 0 when empty. */
  percentiles(ps: readonly number[]): number[] {
    if (!this.count) return ps.map(() => 0);
    const ranks = ps.map((p) => Math.min(this.count, Math.max(1, Math.ceil((p / 100) * this.count))));
    if (this.exact) {
      const sorted = this.exact.slice(0, this.count).sort();
      return ranks.map((r) => sorted[r - 1]);
    }
    return ranks.map((r) => {
      let seen = 0;
      for (const [b, n] of this.usedBuckets()) {
        seen += n;
        if (seen >= r) {
          const mid = (bucketLow(b) + bucketLow(b + 1)) / 2;
          return Math.min(this.max, Math.max(this.min, mid));
        }
      }
      return this.max;
    });
  }

  /** Counts in power-of-two bins from 1 µs: bounds[i] is the upper bound of counts[i]. */
  log2Bins(): { bounds: number[]; counts: number[] } {
    const bounds: number[] = [];
    for (let b = 1000; ; b *= 2) {
      bounds.push(b);
      if (b >= this.max) break;
    }
    const counts = new Array<number>(bounds.length).fill(0);
    const place = (v: number, n: number): void => {
      let k = 0;
      while (k < bounds.length - 1 && v > bounds[k]) k++;
      counts[k] += n;
    };
    if (this.exact) for (let i = 0; i < this.count; i++) place(this.exact[i], 1);
    else for (const [b, n] of this.usedBuckets()) place(Math.min(this.max, bucketLow(b)), n);
    return { bounds, counts };
  }
}
