/**
 * Rectangles collected per fill (style and variant) during a frame, then filled with one path per
 * fill: tens of thousands of spans cost a few fill() calls instead of one per span.
 */

/** Rectangles of one fill. */
class Rects {
  xywh = new Float32Array(4 * 256);
  n = 0;

  add(x: number, y: number, w: number, h: number): void {
    if (4 * this.n === this.xywh.length) {
      const g = new Float32Array(this.xywh.length * 2);
      g.set(this.xywh);
      this.xywh = g;
    }
    const o = 4 * this.n++;
    this.xywh[o] = x;
    this.xywh[o + 1] = y;
    this.xywh[o + 2] = w;
    this.xywh[o + 3] = h;
  }
}

/** Rectangles keyed by a small integer (style * variants + variant). */
export class RectBatch {
  private readonly slots: Rects[];

  constructor(readonly size: number) {
    this.slots = Array.from({ length: size }, () => new Rects());
  }

  /** Forget the rectangles, keep the memory. */
  reset(): void {
    for (const s of this.slots) s.n = 0;
  }

  /** Add a rectangle to fill `key`. */
  add(key: number, x: number, y: number, w: number, h: number): void {
    this.slots[key].add(x, y, w, h);
  }

  /** Rectangles held under `key`. */
  count(key: number): number {
    return this.slots[key].n;
  }

  /** Fill the rectangles of `key` with the context's current fillStyle and alpha. */
  fill(ctx: CanvasRenderingContext2D, key: number): void {
    const r = this.slots[key];
    if (r.n === 0) return;
    const a = r.xywh;
    for (let i = 0, o = 0; i < r.n; i++, o += 4) ctx.fillRect(a[o], a[o + 1], a[o + 2], a[o + 3]);
  }

  /** Stroke the outlines of the rectangles of `key` (high-contrast themes). */
  stroke(ctx: CanvasRenderingContext2D, key: number): void {
    const r = this.slots[key];
    if (r.n === 0) return;
    ctx.beginPath();
    const a = r.xywh;
    for (let i = 0, o = 0; i < r.n; i++, o += 4) if (a[o + 2] >= 3) ctx.rect(a[o] + 0.5, a[o + 1] + 0.5, a[o + 2] - 1, a[o + 3] - 1);
    ctx.stroke();
  }
}
