/**
 * The label column kept as a bitmap: drawn (drawLabels) only when something it shows changed —
 * the rows, the scroll position, its width or height, the theme, the selected, hovered and pinned
 * tracks, a font arriving — and copied pixel for pixel otherwise. A pan, a zoom or a live step
 * changes none of these, and the column's texts were a third of a live frame's drawing.
 */
import { drawLabels } from './drawLabels';
import { RULER_H, type FrameInput } from './frame';

/** The label column of a timeline canvas, cached. */
export class LabelColumn {
  private canvas: HTMLCanvasElement | null = null;
  private ctx: CanvasRenderingContext2D | null = null;
  private key = '';
  private layout: FrameInput['layout'] | null = null;
  private palette: FrameInput['palette'] | null = null;
  /** Off: draw the column every frame (the benchmark compares both). */
  enabled = true;

  /** Draw the column anew at the next frame (a font arrived). */
  invalidate(): void {
    this.key = '';
  }

  /** Draw the label column of frame `f` onto `ctx` (transformed to CSS px at f.dpr). */
  draw(ctx: CanvasRenderingContext2D, f: FrameInput): void {
    const { dpr, labelWidth, height } = f;
    const w = labelWidth * dpr;
    const top = RULER_H * dpr;
    const h = height * dpr;
    // only whole device pixels are copied exactly; a fractional column is drawn directly
    if (!this.enabled || !Number.isInteger(w) || !Number.isInteger(top) || !Number.isInteger(h)) {
      drawLabels(ctx, f);
      return;
    }
    const pinned = [...f.pinned].sort((a, b) => a - b).join(',');
    const key = `${labelWidth}|${height}|${dpr}|${f.scrollTop}|${f.selection?.track ?? ''}|${f.hoverTrack ?? ''}|${pinned}`;
    const off = this.target(w, h);
    if (!off || key !== this.key || this.layout !== f.layout || this.palette !== f.palette) {
      if (!off) {
        drawLabels(ctx, f);
        return;
      }
      off.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      drawLabels(off.ctx, f);
      this.key = key;
      this.layout = f.layout;
      this.palette = f.palette;
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(off.canvas, 0, top, w, h - top, 0, top, w, h - top);
    ctx.restore();
  }

  /** The offscreen canvas, w x h device px (opaque, as the timeline's, so texts are drawn alike). */
  private target(w: number, h: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } | null {
    if (!this.canvas) {
      this.canvas = document.createElement('canvas');
      this.ctx = this.canvas.getContext('2d', { alpha: false });
    }
    if (!this.ctx) return null;
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.key = '';
    }
    return { canvas: this.canvas, ctx: this.ctx };
  }
}
