/**
 * Binary search, once: the first index of a sorted range at which a monotone predicate turns false
 * (C++'s `partition_point`, Rust's `partition_point`). Every ordered lookup of the host and the
 * webview (spans by start, blocks by x, rows by y, text by width) is this with its own predicate.
 */

/**
 * The first index in [lo, hi) for which `before(i)` is false, or `hi` when it never is.
 * `before` must be true for a prefix of the range and false after it.
 */
export function partitionPoint(lo: number, hi: number, before: (i: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index in [0, n) whose key is not below `t` (keys ascending), or n. */
export function lowerBound(n: number, key: (i: number) => number, t: number): number {
  return partitionPoint(0, n, (i) => key(i) < t);
}
