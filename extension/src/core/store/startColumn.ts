/**
 * The events' starts in 4 bytes a row instead of 8: each chunk of 4096 rows keeps the start of
 * its first row, and a row its start as a signed 32-bit number of ns from that base (events
 * arrive nearly in time order, so a chunk spans milliseconds, far under the ±2.1 s a row holds).
 * A start that does not fit, or that the base and a whole offset do not give back exactly (a
 * fraction of a ns of another kind), is kept aside by row with its value: nothing is lost.
 */
/** log2 of the rows that share a base. */
const CHUNK_BITS = 12;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** Marks a row whose start is kept aside. */
const ASIDE = -0x80000000;

/** A column of start times, ns. */
export class StartColumn {
  // raw arrays, not Columns: Column.get reads arrays of every type, a slow load in the hot loops
  private bases = new Float64Array(64);
  private offsets = new Int32Array(1024);
  private readonly aside = new Map<number, number>();
  length = 0;

  /** Append a start; returns its index. */
  push(v: number): number {
    const i = this.length;
    if (i === this.offsets.length) this.offsets = resized(this.offsets, i * 2, i);
    const c = i >>> CHUNK_BITS;
    if ((i & CHUNK_MASK) === 0) {
      if (c === this.bases.length) this.bases = resized(this.bases, c * 2, c);
      this.bases[c] = Number.isFinite(v) ? v : 0;
    }
    this.length = i + 1;
    this.set(i, v);
    return i;
  }

  /** The start of row `i`. */
  get(i: number): number {
    const o = this.offsets[i];
    return o === ASIDE ? (this.aside.get(i) ?? Number.NaN) : this.bases[i >>> CHUNK_BITS] + o;
  }

  set(i: number, v: number): void {
    const base = this.bases[i >>> CHUNK_BITS];
    const o = v - base;
    if (o > ASIDE && o <= 0x7fffffff && Number.isInteger(o) && base + o === v) {
      this.offsets[i] = o;
      if (this.aside.size) this.aside.delete(i);
      return;
    }
    this.offsets[i] = ASIDE;
    this.aside.set(i, v);
  }

  /** Drop the spare capacity. */
  trim(): void {
    const chunks = Math.max(1, Math.ceil(this.length / (CHUNK_MASK + 1)));
    if (this.bases.length > chunks) this.bases = resized(this.bases, chunks, chunks);
    if (this.offsets.length > this.length) this.offsets = resized(this.offsets, Math.max(1, this.length), this.length);
  }
}

/** The first `keep` elements of `a` in a new array of `capacity`. */
function resized<T extends Float64Array | Int32Array>(a: T, capacity: number, keep: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a.subarray(0, keep));
  return b;
}
