/**
 * The events' starts in 4 bytes a row instead of 8: each chunk of 4096 rows keeps the start of
 * its first row, and a row its start as a signed 32-bit number of ns from that base (events
 * arrive nearly in time order, so a chunk spans milliseconds, far under the ±2.1 s a row holds).
 * A start that does not fit, or that the base and a whole offset do not give back exactly (a
 * fraction of a ns of another kind), is kept aside by row with its value: nothing is lost.
 */
import { Column } from './columns';

/** log2 of the rows that share a base. */
const CHUNK_BITS = 12;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** Marks a row whose start is kept aside. */
const ASIDE = -0x80000000;

/** A column of start times, ns. */
export class StartColumn {
  private readonly bases = new Column(Float64Array, 64);
  private readonly offsets = new Column(Int32Array);
  private readonly aside = new Map<number, number>();

  get length(): number {
    return this.offsets.length;
  }

  /** Append a start; returns its index. */
  push(v: number): number {
    const i = this.offsets.push(0);
    if ((i & CHUNK_MASK) === 0) this.bases.push(Number.isFinite(v) ? v : 0);
    this.set(i, v);
    return i;
  }

  /** The start of row `i`. */
  get(i: number): number {
    const o = this.offsets.get(i);
    return o === ASIDE ? (this.aside.get(i) ?? Number.NaN) : this.bases.get(i >>> CHUNK_BITS) + o;
  }

  set(i: number, v: number): void {
    const base = this.bases.get(i >>> CHUNK_BITS);
    const o = v - base;
    if (o > ASIDE && o <= 0x7fffffff && Number.isInteger(o) && base + o === v) {
      this.offsets.set(i, o);
      if (this.aside.size) this.aside.delete(i);
      return;
    }
    this.offsets.set(i, ASIDE);
    this.aside.set(i, v);
  }

  /** Drop the spare capacity. */
  trim(): void {
    this.bases.trim();
    this.offsets.trim();
  }
}
