/**
 * The span layer rasterized by hand: each visible lane is one row of device pixels, filled in JS
 * from the merged blocks (a block covers whole pixel columns, at least one), then stretched to the
 * lane's height with one drawImage per lane. The cost follows lanes x width, not the number of
 * spans: thousands of fillRect calls would cost about half a microsecond each, and a path of
 * thousands of rectangles defers as much again to rasterization.
 */
import { parseColor } from './colors';

/** A colour as a little-endian RGBA pixel. */
export function pixel(css: string, alpha = 1): number {
  const [r, g, b, a] = parseColor(css);
  const A = Math.round(Math.max(0, Math.min(1, a * alpha)) * 255);
  return ((A << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Rows of pixels, one per lane, and their blit to the canvas. */
export class SpanRaster {
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private px = new Uint32Array(0);
  private width = 0;
  private rows = 0;
  private used = 0;

  constructor() {
    this.canvas = document.createElement('canvas');
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  /** Start a frame of rows `width` device pixels wide (at most `rows` rows). */
  begin(width: number, rows: number): void {
    const w = Math.max(1, Math.ceil(width));
    const r = Math.max(1, rows);
    if (!this.image || this.width !== w || this.rows < r) {
      this.width = w;
      this.rows = Math.max(r, this.rows);
      this.canvas.width = w;
      this.canvas.height = this.rows;
      this.image = this.ctx.createImageData(w, this.rows);
      this.px = new Uint32Array(this.image.data.buffer);
    } else {
      this.px.fill(0, 0, this.used * this.width);
    }
    this.used = 0;
  }

  /** A new row; returns its index. */
  addRow(): number {
    return this.used++;
  }

  /** Paint device columns [c0, c1) of row `row` with `color` (clamped to the row). */
  fill(row: number, c0: number, c1: number, color: number): void {
    const w = this.width;
    const a = c0 < 0 ? 0 : c0 > w ? w : c0;
    const b = c1 < 0 ? 0 : c1 > w ? w : c1;
    if (b <= a) return;
    const o = row * w;
    if (b - a < 8) for (let i = o + a; i < o + b; i++) this.px[i] = color;
    else this.px.fill(color, o + a, o + b);
  }

  /** Upload the rows painted this frame. */
  commit(): void {
    if (this.image && this.used > 0) this.ctx.putImageData(this.image, 0, 0, 0, 0, this.width, this.used);
  }

  /** Draw row `row` stretched over [x, x + w) x [y, y + h) (CSS px of the target's transform). */
  blit(target: CanvasRenderingContext2D, row: number, x: number, y: number, w: number, h: number): void {
    target.drawImage(this.canvas, 0, row, this.width, 1, x, y, w, h);
  }
}
