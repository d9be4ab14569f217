/** Draws one frame of the timeline onto its canvas, in layers, and returns what it drew. */
import { drawArrows, drawChain, drawGaps, drawHover, drawLiveRegion, drawMarks, drawSelection, gapGeometry } from './drawOverlays';
import { TrackPainter } from './drawTracks';
import type { FrameInput } from './frame';
import type { FrameGeometry } from './hittest';
import { LabelColumn } from './labelColumn';
import { drawGrid, drawRuler, frameTicks } from './ruler';

/** The canvas painter of the timeline. */
export class TimelineRenderer {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly tracks = new TrackPainter();
  /** The label column, redrawn only when what it shows changes. */
  readonly labels = new LabelColumn();
  /** Time of each layer of the last frame, ms (for the benchmark). */
  readonly phases: Record<string, number> = {};
  /** Benchmark only: rasterize after each layer so that `phases` include rasterization. */
  flushPhases = false;

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
  }

  /** Size the backing store to `width` x `height` CSS px at `dpr`. */
  resize(width: number, height: number, dpr: number): void {
    const w = Math.max(1, Math.round(width * dpr));
    const h = Math.max(1, Math.round(height * dpr));
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
  }

  /** Draw a frame. */
  draw(f: FrameInput): FrameGeometry {
    const ctx = this.ctx;
    ctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
    ctx.globalAlpha = 1;
    ctx.fillStyle = f.palette.background;
    ctx.fillRect(0, 0, f.width, f.height);
    const ph = this.phases;
    let t = performance.now();
    const lap = (name: string): void => {
      if (this.flushPhases) ctx.getImageData(0, 0, 1, 1);
      const now = performance.now();
      ph[name] = now - t;
      t = now;
    };
    const ticks = frameTicks(f);
    drawLiveRegion(ctx, f);
    drawGrid(ctx, f, ticks);
    lap('grid');
    const tracks = this.tracks.paint(ctx, f, lap);
    lap('tracks.instants');
    const gaps = gapGeometry(f, f.entry);
    drawGaps(ctx, f, gaps);
    lap('gaps');
    drawArrows(ctx, f, f.entry);
    lap('arrows');
    this.tracks.paintTexts(ctx, f);
    lap('tracks.text');
    drawMarks(ctx, f, f.entry);
    drawChain(ctx, f, f.entry);
    drawSelection(ctx, f, f.entry);
    drawHover(ctx, f);
    this.labels.draw(ctx, f);
    lap('labels');
    drawRuler(ctx, f, ticks, gaps);
    lap('ruler');
    return { tracks, gaps };
  }
}
