/**
 * A thread's busy intervals (pool-saturated's sent calls), and the time all of a pool's threads
 * were inside one at once. Kept in chunks that are never copied: one array doubled as it grew
 * copied every interval again at each doubling and touched about twice the memory it ended with
 * (bench/README.md, wp-cost5: 43–64 ms of CPU for a million events' pool, cold, against 26–34 ms).
 */

/** Intervals kept per thread (16 bytes each): past them, the sweep undercounts, never more. */
const MAX = 1 << 16;
/** Intervals a full chunk holds (16 KB): the first grows to it by doubling, the rest are made full. */
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/** [start, end] pairs in time order, touching ones merged. */
export class Intervals {
  private readonly chunks: Float64Array[] = [new Float64Array(16)];
  /** Pairs kept. */
  count = 0;

  /** Keep a call's interval: merged into the last one where they touch (a thread's calls come in order). */
  keep(start: number, end: number): void {
    const n = this.count;
    if (n > 0) {
      const last = this.chunks[(n - 1) >> CHUNK_BITS];
      const i = 2 * ((n - 1) & CHUNK_MASK) + 1;
      if (start <= last[i]) {
        if (end > last[i]) last[i] = end;
        return;
      }
    }
    if (n === MAX) return;
    const k = n >> CHUNK_BITS;
    let c = this.chunks[k];
    if (c === undefined) {
      c = new Float64Array(2 * CHUNK);
      this.chunks.push(c);
    }
    const i = 2 * (n & CHUNK_MASK);
    if (i === c.length) {
      // only the first chunk, below its full size
      const grown = new Float64Array(2 * c.length);
      grown.set(c);
      this.chunks[0] = c = grown;
    }
    c[i] = start;
    c[i + 1] = end;
    this.count = n + 1;
  }

  /** Start of pair `i` (< count). */
  start(i: number): number {
    return this.chunks[i >> CHUNK_BITS][2 * (i & CHUNK_MASK)];
  }

  /** End of pair `i` (< count). */
  end(i: number): number {
    return this.chunks[i >> CHUNK_BITS][2 * (i & CHUNK_MASK) + 1];
  }
}

/**
 * The time every list of `lists` was inside one of its intervals at once (exact). Each list's
 * intervals are in time order and apart (Intervals.keep), so every span all were busy lies inside
 * one interval of each: walk the lists together, adding the overlap of their current intervals and
 * moving on the one that ends first — linear, no sort (the spans come in time order, so the sum is
 * the same as a sweep over all the intervals sorted would give, to the last bit).
 */
export function allBusyNs(lists: readonly Intervals[]): number {
  const k = lists.length;
  if (k === 0) return 0;
  for (const l of lists) if (l.count === 0) return 0;
  const at = new Int32Array(k);
  let all = 0;
  for (;;) {
    let lo = Number.NEGATIVE_INFINITY;
    let hi = Number.POSITIVE_INFINITY;
    let first = 0;
    for (let j = 0; j < k; j++) {
      const l = lists[j];
      const s = l.start(at[j]);
      const e = l.end(at[j]);
      if (s > lo) lo = s;
      if (e < hi) {
        hi = e;
        first = j;
      }
    }
    // touching is not overlapping: a call replaced by the next at once leaves no overlap behind
    if (lo < hi) all += hi - lo;
    if (++at[first] === lists[first].count) return all;
  }
}
