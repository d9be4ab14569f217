/**
 * The deepest each thread's io_uring rings went: how many requests were in flight at once, from
 * submission until the application had the completion (its reap when the trace saw it, else the
 * CQE) — what an io_uring thread's model names ("up to 8 in flight"), as AIO's does.
 *
 * Requests arrive when they end, not in submission order, so the depth is not a running count: each
 * ring keeps its last requests' intervals in a chunk and sweeps the chunk when it fills (and at the
 * end), carrying the newest intervals into the next chunk so a depth that straddles two chunks is
 * still seen. Constant memory a ring; the figure is a lower bound only where more than CARRY
 * requests in flight at once cross a chunk's edge.
 */

/** Intervals swept at once. */
const CHUNK = 512;
/** Intervals carried into the next chunk (deeper than this across an edge is undercounted). */
const CARRY = 128;

/** The intervals of one ring not swept yet. */
interface RingChunk {
  /** The thread the ring's requests count for (its last submitter, or the SQPOLL ring's owner). */
  tid: number;
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  n: number;
  /** Intervals at the chunk's start carried from the last one (swept already, kept for overlap). */
  carried: number;
}

/** Max requests in flight at once among `n` intervals [starts[i], ends[i]). */
function maxOverlap(starts: Float64Array, ends: Float64Array, n: number): number {
  const s = starts.slice(0, n).sort();
  const e = ends.slice(0, n).sort();
  let depth = 0;
  let max = 0;
  let j = 0;
  for (let i = 0; i < n; i++) {
    // an interval that ended at the instant the next began does not overlap it
    while (j < n && e[j] <= s[i]) {
      j++;
      depth--;
    }
    depth++;
    if (depth > max) max = depth;
  }
  return max;
}

/** Per ring, then per thread: the deepest in flight. */
export class RingDepths {
  private readonly rings = new Map<bigint, RingChunk>();
  private readonly deepest = new Map<number, number>();

  /** A request of `ring`, counted for thread `tid`, in flight from `start` to `end`. */
  add(ring: bigint, tid: number, start: number, end: number): void {
    let r = this.rings.get(ring);
    if (!r) {
      r = { tid, starts: new Float64Array(CHUNK), ends: new Float64Array(CHUNK), n: 0, carried: 0 };
      this.rings.set(ring, r);
    }
    r.tid = tid;
    r.starts[r.n] = start;
    r.ends[r.n] = end;
    if (++r.n === CHUNK) this.sweep(r, true);
  }

  /** The deepest any ring of `tid` went, 0 when it has none. */
  depthOf(tid: number): number {
    for (const r of this.rings.values()) if (r.n > r.carried) this.sweep(r, false);
    return this.deepest.get(tid) ?? 0;
  }

  private sweep(r: RingChunk, carry: boolean): void {
    const depth = maxOverlap(r.starts, r.ends, r.n);
    if (depth > (this.deepest.get(r.tid) ?? 0)) this.deepest.set(r.tid, depth);
    // the newest intervals stay, those before are done with (a lone pass keeps all: nothing new to sweep)
    const keep = carry ? CARRY : r.n;
    if (keep < r.n) {
      r.starts.copyWithin(0, r.n - keep, r.n);
      r.ends.copyWithin(0, r.n - keep, r.n);
    }
    r.n = keep;
    r.carried = keep;
  }
}
