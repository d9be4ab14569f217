/**
 * A column of bytes that holds no array while every value is 0: most tracks draw all their
 * spans in lane 0, so a lane column would be a byte an event of zeros. The first other value
 * makes it an ordinary byte column.
 */
import { Column } from './columns';

/** A byte column, free while all its values are 0. */
export class ZeroColumn {
  private bytes: Column<Uint8Array> | undefined;
  private zeros = 0;

  get length(): number {
    return this.bytes ? this.bytes.length : this.zeros;
  }

  /** Append a value (0-255); returns its index. */
  push(v: number): number {
    if (!this.bytes && v === 0) return this.zeros++;
    return this.column().push(v);
  }

  get(i: number): number {
    return this.bytes ? this.bytes.get(i) : 0;
  }

  set(i: number, v: number): void {
    if (this.bytes || v !== 0) this.column().set(i, v);
  }

  /** Drop the spare capacity. */
  trim(): void {
    this.bytes?.trim();
  }

  /** The byte column, made (holding the zeros so far) on the first value other than 0. */
  private column(): Column<Uint8Array> {
    if (!this.bytes) {
      this.bytes = new Column(Uint8Array, Math.max(1024, this.zeros * 2));
      this.bytes.length = this.zeros;
    }
    return this.bytes;
  }
}
