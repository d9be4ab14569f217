/**
 * The events' starts in 4 bytes a row instead of 8: each chunk of 4096 rows keeps a base (its
 * first row's start less 2^31 ns), and a row the low 32 bits of its start's whole ns from that
 * base; the high bits, when some row needs them (rows arriving 2.1 s or more after their
 * chunk's first: threads whose clocks drift apart, a long call reported at its end), in a byte a
 * row made then (±9 minutes), dropped when the column is trimmed (a file read whole) if every
 * chunk's starts fit 32 bits from its least, which then becomes its base. A start that does not fit, or that the base and a whole offset do
 * not give back exactly (a fraction of a ns of another kind), is kept aside by row with its value:
 * nothing is lost.
 */

import { resized } from './columns';

/** log2 of the rows that share a base. */
const CHUNK_BITS = 12;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** Chunks a step of the stepped trim's rebase (about a million rows). */
const REBASE_STEP_CHUNKS = 256;
/** A base is this far below its chunk's first start, so that starts a little before it fit too. */
const BELOW = 2 ** 31;
const LOW = 2 ** 32;
/** Marks a row whose start is kept aside (low bits all set, high bits 0). */
const ASIDE = 0xffffffff;

/** A column of start times, ns. */
export class StartColumn {
  // raw arrays, not Columns: Column.get reads arrays of every type, a slow load in the hot loops
  private bases = new Float64Array(64);
  private low = new Uint32Array(1024);
  /** The high bits of each row's offset, signed; empty while every row's are 0. */
  private high = new Int8Array(0);
  private readonly aside = new Map<number, number>();
  length = 0;

  /** Append a start; returns its index. */
  push(v: number): number {
    const i = this.length;
    if (i === this.low.length) this.low = resized(this.low, i * 2, i);
    const c = i >>> CHUNK_BITS;
    if ((i & CHUNK_MASK) === 0) {
      if (c === this.bases.length) this.bases = resized(this.bases, c * 2, c);
      this.bases[c] = Number.isFinite(v) ? v - BELOW : 0;
    }
    this.length = i + 1;
    this.set(i, v);
    return i;
  }

  /** The start of row `i`. */
  get(i: number): number {
    const lo = this.low[i];
    // past the high array (every high part 0 so far): undefined, read as 0
    const hi = this.high[i] | 0;
    if (lo === ASIDE && hi === 0) return this.aside.get(i) ?? Number.NaN;
    return this.bases[i >>> CHUNK_BITS] + (hi * LOW + lo);
  }

  set(i: number, v: number): void {
    const base = this.bases[i >>> CHUNK_BITS];
    const o = v - base;
    const hi = Math.floor(o / LOW);
    if (hi >= -128 && hi <= 127 && Number.isInteger(o) && base + o === v && !(hi === 0 && o === ASIDE)) {
      this.low[i] = o - hi * LOW;
      if (hi !== 0 || i < this.high.length) this.setHigh(i, hi);
      if (this.aside.size) this.aside.delete(i);
      return;
    }
    this.low[i] = ASIDE;
    if (i < this.high.length) this.high[i] = 0;
    this.aside.set(i, v);
  }

  /**
   * Drop the spare capacity, and the high bits when no row needs them from its chunk's least
   * start (each chunk then based on its least).
   */
  trim(): void {
    for (const step of this.trimSteps()) step();
  }

  /**
   * `trim` as steps of at most REBASE_STEP_CHUNKS chunks each (at 10 M events the rebase in one
   * piece held the event loop 0.4 s), for a caller that lets the event loop turn between them:
   * every row reads back the same between any two, and rows are not appended meanwhile.
   */
  trimSteps(): (() => void)[] {
    const steps: (() => void)[] = [() => this.trimCapacity()];
    if (!this.high.length) return steps;
    // each chunk's least start, found a run of chunks a step; none when one chunk's starts do not fit
    let least: Float64Array | undefined;
    let fits = true;
    const chunks = Math.ceil(this.length / (CHUNK_MASK + 1));
    for (let from = 0; from < chunks; from += REBASE_STEP_CHUNKS) {
      steps.push(() => {
        least ??= new Float64Array(Math.max(1, chunks));
        for (let c = from; c < Math.min(chunks, from + REBASE_STEP_CHUNKS) && fits; c++) fits = this.leastFitting(c, least);
      });
    }
    // then each chunk rebased: its rows' low bits from its least, its high bits 0, its base its least
    for (let from = 0; from < chunks; from += REBASE_STEP_CHUNKS) {
      steps.push(() => {
        if (!fits || !least) return;
        for (let c = from; c < Math.min(chunks, from + REBASE_STEP_CHUNKS); c++) this.rebaseChunk(c, least[c]);
      });
    }
    steps.push(() => {
      if (fits) this.high = new Int8Array(0);
      else if (this.high.length > this.length) this.high = resized(this.high, this.length, this.length);
    });
    return steps;
  }

  /** Room for `rows` rows in all, made now (see Column.reserve); the high bits still only when a row needs them. */
  reserve(rows: number): void {
    if (rows > this.low.length) this.low = resized(this.low, rows, this.length);
    const chunks = Math.ceil(rows / (CHUNK_MASK + 1));
    if (chunks > this.bases.length) this.bases = resized(this.bases, chunks, Math.ceil(this.length / (CHUNK_MASK + 1)));
  }

  private trimCapacity(): void {
    const chunks = Math.max(1, Math.ceil(this.length / (CHUNK_MASK + 1)));
    if (this.bases.length > chunks) this.bases = resized(this.bases, chunks, chunks);
    if (this.low.length > this.length) this.low = resized(this.low, Math.max(1, this.length), this.length);
  }

  /**
   * Chunk `c`'s least start into `least[c]` (its base when every row is aside); false when some
   * row's start does not fit 32 bits from it exactly. A chunk spans under 4.3 s when its starts
   * fit: while rows stream in, a base is its chunk's first start less 2.1 s, and threads whose
   * clocks drift apart (the synthetic server's, by over 2 s) put starts further from it.
   */
  private leastFitting(c: number, least: Float64Array): boolean {
    const end = Math.min(this.length, (c + 1) << CHUNK_BITS);
    let min = Number.POSITIVE_INFINITY;
    for (let i = c << CHUNK_BITS; i < end; i++) if (!this.isAside(i)) min = Math.min(min, this.get(i));
    for (let i = c << CHUNK_BITS; i < end && min !== Number.POSITIVE_INFINITY; i++) {
      if (this.isAside(i)) continue;
      const v = this.get(i);
      const o = v - min;
      if (!(o < ASIDE && Number.isInteger(o) && min + o === v)) return false;
    }
    least[c] = min === Number.POSITIVE_INFINITY ? this.bases[c] : min;
    return true;
  }

  /** Chunk `c`'s rows from `base` (leastFitting's), their high bits 0. */
  private rebaseChunk(c: number, base: number): void {
    const end = Math.min(this.length, (c + 1) << CHUNK_BITS);
    for (let i = c << CHUNK_BITS; i < end; i++) {
      if (this.isAside(i)) continue;
      this.low[i] = this.get(i) - base;
      this.high[i] = 0;
    }
    this.bases[c] = base;
  }

  /** Is row `i` kept aside? */
  private isAside(i: number): boolean {
    return this.low[i] === ASIDE && (this.high[i] | 0) === 0;
  }

  /** Bytes a row (4, or 5 once some row needs high bits). */
  get width(): number {
    return this.high.length ? 5 : 4;
  }

  private setHigh(i: number, hi: number): void {
    if (i >= this.high.length) this.high = resized(this.high, Math.max(1024, this.low.length), this.high.length);
    this.high[i] = hi;
  }
}
