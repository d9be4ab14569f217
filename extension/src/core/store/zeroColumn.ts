/**
 * A column of bytes that holds no array while every value is 0: most tracks draw all their
 * spans in lane 0, so a lane column would be a byte an event of zeros. The first other value
 * makes it an ordinary byte column.
 */

/** A byte column, free while all its values are 0. */
export class ZeroColumn {
  /** Empty until a value other than 0 comes (a raw array: read in the hot loops). */
  private bytes = new Uint8Array(0);
  length = 0;

  /** Append a value (0-255); returns its index. */
  push(v: number): number {
    const i = this.length++;
    if (v !== 0 || this.bytes.length) this.set(i, v);
    return i;
  }

  get(i: number): number {
    // past the array (all zeros so far): undefined, read as 0
    return this.bytes[i] | 0;
  }

  set(i: number, v: number): void {
    if (i >= this.bytes.length) {
      if (v === 0 && !this.bytes.length) return;
      const grown = new Uint8Array(Math.max(1024, this.length * 2, i + 1));
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[i] = v;
  }

  /** Drop the spare capacity. */
  trim(): void {
    if (this.bytes.length > this.length) this.bytes = this.bytes.slice(0, this.length);
  }
}
