/**
 * Draws the rows of the timeline's track area: group headers (with a summary of their tracks when
 * collapsed), spans through pixel-level merging (lod.ts), names or durations inside wide spans, and
 * instants as small marks. Wake-ups are the most frequent instants and say the least on their
 * own: they are drawn behind the spans, and as a thin rug along the lane's foot while they are
 * denser than a mark's width. Returns what it drew, for hit-testing.
 */
import { Style } from '../../../protocol/messages';
import { formatDuration } from '../../../shared/format';
import { RectBatch } from './batch';
import { canvasY, font, RULER_H, type FrameInput } from './frame';
import type { TrackGeometry } from './hittest';
import type { Row, TrackRow } from './layout';
import { LodInstants, LodSpans, mergeInstants, mergeLane } from './lod';
import type { Palette } from './colors';
import { stripes } from './patterns';
import { MarkSprites } from './marks';
import { pixel, SpanRaster } from './spanRaster';
import { baseStyle, isUnfinished, STYLE_SLOTS } from './styles';
import type { TrackIndex, WindowEntry } from './windowIndex';

/** Batches drawn with the canvas: unfinished spans (striped) and high-contrast outlines. */
const UNFINISHED = 0;
const OUTLINE = 1;
const VARIANTS = 2;

/** Alpha of merged (density) blocks and of collapsed-group summaries. */
const MERGED_ALPHA = 0.5;
const SUMMARY_ALPHA = 0.6;
/** Spans narrower than this get no text. */
const TEXT_MIN_W = 34;
/** Instants of a style closer than this merge into one mark (about a mark's width), px. */
const INSTANT_MERGE_PX = 6;
/** Wake-ups closer than this on average are drawn as a rug, not as marks, px. */
const WAKE_RUG_SPACING_PX = 14;

/** Pixel colours of each style: solid, merged (lighter), collapsed-group summary. */
interface StylePixels {
  readonly palette: Palette;
  readonly solid: Uint32Array;
  readonly merged: Uint32Array;
  readonly summary: Uint32Array;
}

function stylePixels(p: Palette): StylePixels {
  const solid = new Uint32Array(STYLE_SLOTS);
  const merged = new Uint32Array(STYLE_SLOTS);
  const summary = new Uint32Array(STYLE_SLOTS);
  for (let s = 0; s < STYLE_SLOTS; s++) {
    solid[s] = pixel(p.styles[s]);
    merged[s] = pixel(p.styles[s], MERGED_ALPHA);
    summary[s] = pixel(p.styles[s], SUMMARY_ALPHA);
  }
  return { palette: p, solid, merged, summary };
}

interface Blit {
  row: number;
  y: number;
  h: number;
}

interface TrackPool {
  readonly lanes: LodSpans[];
  readonly instants: LodInstants;
}

/** Paints tracks; keeps its buffers from frame to frame. */
export class TrackPainter {
  private readonly batch = new RectBatch(STYLE_SLOTS * VARIANTS);
  private readonly raster = new SpanRaster();
  private readonly sprites = new MarkSprites();
  private pixels: StylePixels | null = null;
  private blits: Blit[] = [];
  private nBlits = 0;
  private readonly pools = new Map<number, TrackPool>();
  private readonly textWidths = new Map<string, number>();
  private textFont = '';
  private avgCharW = 6;
  private texts: { x: number; y: number; w: number; text: string; short: string; style: number; merged: boolean }[] = [];
  private nTexts = 0;

  private pool(track: number, lanes: number): TrackPool {
    let p = this.pools.get(track);
    if (!p) {
      p = { lanes: [], instants: new LodInstants() };
      this.pools.set(track, p);
    }
    while (p.lanes.length < lanes) p.lanes.push(new LodSpans());
    return p;
  }

  /** Draw the visible rows; returns the geometry of the tracks drawn. */
  paint(ctx: CanvasRenderingContext2D, f: FrameInput, lap: (phase: string) => void = () => undefined): Map<number, TrackGeometry> {
    const geometry = new Map<number, TrackGeometry>();
    this.batch.reset();
    this.nTexts = 0;
    const { layout, scrollTop, labelWidth, width, height, entry } = f;
    const bottom = scrollTop + height - RULER_H;
    const rows: Row[] = [];
    for (let i = layout.firstRowBelow(scrollTop); i < layout.rows.length && layout.rows[i].top < bottom; i++) rows.push(layout.rows[i]);

    ctx.save();
    ctx.beginPath();
    ctx.rect(labelWidth, RULER_H, width - labelWidth, height - RULER_H);
    ctx.clip();
    // Group header bands and row separators.
    ctx.fillStyle = f.palette.headerBackground;
    for (const r of rows) if (r.kind === 'group') ctx.fillRect(labelWidth, canvasY(f, r.top), width - labelWidth, r.height);
    ctx.strokeStyle = f.palette.separator;
    ctx.lineWidth = 1;
    ctx.globalAlpha = 0.6;
    ctx.beginPath();
    for (const r of rows) {
      const y = Math.round(canvasY(f, r.top + r.height)) - 0.5;
      ctx.moveTo(labelWidth, y);
      ctx.lineTo(width, y);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;

    if (this.pixels?.palette !== f.palette) this.pixels = stylePixels(f.palette);
    let laneRows = 0;
    for (const r of rows) laneRows += r.kind === 'group' ? 1 : r.lanes;
    this.raster.begin((width - labelWidth) * f.dpr, laneRows);
    this.nBlits = 0;
    for (const r of rows) {
      if (r.kind === 'group') {
        if (r.collapsed && entry) this.summarize(f, r.group.tracks.map((t) => t.id), canvasY(f, r.top) + 5, r.height - 10, entry);
        continue;
      }
      const g = this.track(f, r, entry?.tracks.get(r.track.id), entry);
      geometry.set(r.track.id, g);
    }
    lap('tracks.lod');
    // wake-ups behind the spans
    for (const r of rows) {
      const g = r.kind === 'track' ? geometry.get(r.track.id) : undefined;
      if (r.kind === 'track' && g && g.instants.n > 0) this.drawWakeups(ctx, f, r, g.instants);
    }
    this.raster.commit();
    ctx.imageSmoothingEnabled = false;
    for (let i = 0; i < this.nBlits; i++) {
      const b = this.blits[i];
      this.raster.blit(ctx, b.row, labelWidth, b.y, width - labelWidth, b.h);
    }
    ctx.imageSmoothingEnabled = true;
    lap('tracks.blit');
    this.fill(ctx, f);
    lap('tracks.unfinished');
    for (const r of rows) {
      if (r.kind !== 'track') continue;
      const g = geometry.get(r.track.id);
      if (g && g.instants.n > 0) this.drawInstants(ctx, f, r, g.instants);
    }
    ctx.restore();
    return geometry;
  }

  private addBlit(row: number, y: number, h: number): void {
    const b = this.blits[this.nBlits];
    if (b) {
      b.row = row;
      b.y = y;
      b.h = h;
    } else this.blits.push({ row, y, h });
    this.nBlits++;
  }

  private track(f: FrameInput, row: TrackRow, index: TrackIndex | undefined, entry: WindowEntry | undefined): TrackGeometry {
    const p = this.pool(row.track.id, row.lanes);
    const { labelWidth, width, scale } = f;
    for (let lane = 0; lane < row.lanes; lane++) {
      const blocks = p.lanes[lane];
      blocks.reset();
      const order = index?.lanes[lane];
      if (!index?.spans || !order) continue;
      mergeLane(index.spans, order, scale, labelWidth, width, blocks);
      const y = canvasY(f, f.layout.laneTop(row, lane)) + 1;
      const h = row.laneH - 2;
      const withText = row.lanes === 1;
      const rasterRow = this.raster.addRow();
      this.addBlit(rasterRow, y, h);
      const px = this.pixels;
      const dpr = f.dpr;
      const outline = f.palette.contrastBorder !== null;
      for (let i = 0; i < blocks.n; i++) {
        const x0 = blocks.x0[i];
        const w = Math.max(blocks.x1[i] - x0, 1);
        const style = blocks.style[i];
        const base = baseStyle(style);
        if (isUnfinished(style)) this.batch.add(base * VARIANTS + UNFINISHED, x0, y, w, h);
        else if (px) {
          const c0 = Math.round((x0 - labelWidth) * dpr);
          const c1 = Math.max(c0 + 1, Math.round((x0 + w - labelWidth) * dpr));
          this.raster.fill(rasterRow, c0, c1, blocks.merged[i] ? px.merged[base] : px.solid[base]);
        }
        if (outline && w >= 3) this.batch.add(base * VARIANTS + OUTLINE, x0, y, w, h);
        if (withText && w >= TEXT_MIN_W && entry) {
          const name = entry.nameOf(index.spans, blocks.src[i]);
          const dur = formatDuration(blocks.t1[i] - blocks.t0[i]);
          const text = blocks.merged[i] ? `${blocks.count[i]} events` : name ? `${name} ${dur}` : dur;
          // Too long for the span: the name alone (truncated if need be).
          const short = name && !blocks.merged[i] ? name : text;
          this.addText(Math.max(x0, labelWidth), y + h / 2, Math.min(x0 + w, width) - Math.max(x0, labelWidth), text, short, style, blocks.merged[i] === 1);
        }
      }
    }
    const instants = p.instants;
    instants.reset();
    if (index?.instants) mergeInstants(index.instants, scale, labelWidth, width, instants, INSTANT_MERGE_PX);
    return { lanes: p.lanes.slice(0, row.lanes), instants };
  }

  /** A collapsed group's tracks, merged into its header band. */
  private summarize(f: FrameInput, tracks: readonly number[], y: number, h: number, entry: WindowEntry): void {
    const px = this.pixels;
    if (!px) return;
    const row = this.raster.addRow();
    this.addBlit(row, y, h);
    const { labelWidth, dpr } = f;
    for (const id of tracks) {
      const index = entry.tracks.get(id);
      if (!index?.spans) continue;
      const p = this.pool(id, index.lanes.length);
      for (let lane = 0; lane < index.lanes.length; lane++) {
        const blocks = p.lanes[lane];
        blocks.reset();
        mergeLane(index.spans, index.lanes[lane], f.scale, f.labelWidth, f.width, blocks);
        for (let i = 0; i < blocks.n; i++) {
          const c0 = Math.round((blocks.x0[i] - labelWidth) * dpr);
          const c1 = Math.max(c0 + 1, Math.round((blocks.x1[i] - labelWidth) * dpr));
          this.raster.fill(row, c0, c1, px.summary[baseStyle(blocks.style[i])]);
        }
      }
    }
  }

  private addText(x: number, y: number, w: number, text: string, short: string, style: number, merged: boolean): void {
    if (w < TEXT_MIN_W) return;
    const t = this.texts[this.nTexts];
    if (t) {
      t.x = x;
      t.y = y;
      t.w = w;
      t.text = text;
      t.short = short;
      t.style = style;
      t.merged = merged;
    } else {
      this.texts.push({ x, y, w, text, short, style, merged });
    }
    this.nTexts++;
  }

  private fill(ctx: CanvasRenderingContext2D, f: FrameInput): void {
    const pal = f.palette;
    for (let s = 0; s < STYLE_SLOTS; s++) {
      const base = s * VARIANTS;
      if (this.batch.count(base + UNFINISHED)) {
        ctx.fillStyle = stripes(ctx, pal.styles[s], pal.stripeBand, 8, f.dpr);
        this.batch.fill(ctx, base + UNFINISHED);
      }
      if (pal.contrastBorder && this.batch.count(base + OUTLINE)) {
        ctx.strokeStyle = pal.contrastBorder;
        ctx.lineWidth = 1;
        this.batch.stroke(ctx, base + OUTLINE);
      }
    }
  }

  /**
   * The names and durations inside the spans of the last `paint`, drawn last (after the arrows,
   * which would cross them otherwise), in the track area.
   */
  paintTexts(ctx: CanvasRenderingContext2D, f: FrameInput): void {
    if (this.nTexts === 0) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(f.labelWidth, RULER_H, f.width - f.labelWidth, f.height - RULER_H);
    ctx.clip();
    this.drawTexts(ctx, f);
    ctx.restore();
  }

  private drawTexts(ctx: CanvasRenderingContext2D, f: FrameInput): void {
    const fnt = font(f, 11);
    ctx.font = fnt;
    if (fnt !== this.textFont) {
      this.textFont = fnt;
      this.textWidths.clear();
      this.avgCharW = ctx.measureText('abcdefghijklmnopqrstuvwxyz0123456789').width / 36;
    }
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    const measure = (s: string): number => {
      let w = this.textWidths.get(s);
      if (w === undefined) {
        w = ctx.measureText(s).width;
        if (this.textWidths.size > 5000) this.textWidths.clear();
        this.textWidths.set(s, w);
      }
      return w;
    };
    let fill = '';
    for (let i = 0; i < this.nTexts; i++) {
      const t = this.texts[i];
      const room = t.w - 8;
      let text = t.text;
      if (measure(text) > room) {
        text = t.short;
        if (measure(text) > room) {
          const chars = Math.floor(room / this.avgCharW) - 1;
          if (chars < 3) continue;
          text = text.slice(0, chars) + '…';
        }
      }
      // on a merged (half-transparent) block the text colour chosen for the solid colour is too dim
      const color = isUnfinished(t.style) || t.merged ? f.palette.foreground : f.palette.styleText[baseStyle(t.style)];
      // set only when it changes: the context parses every colour string it is given
      if (color !== fill) ctx.fillStyle = fill = color;
      ctx.fillText(text, t.x + t.w / 2, t.y + 0.5);
    }
    ctx.textAlign = 'left';
  }

  /** The wake-up marks of a track: small marks, or a rug along the lane's foot when dense. */
  private drawWakeups(ctx: CanvasRenderingContext2D, f: FrameInput, row: TrackRow, marks: LodInstants): void {
    let n = 0;
    let first = Infinity;
    let last = -Infinity;
    for (let i = 0; i < marks.n; i++) {
      if (baseStyle(marks.style[i]) !== Style.wakeup) continue;
      n += marks.count[i];
      first = Math.min(first, marks.x[i]);
      last = Math.max(last, marks.x[i]);
    }
    if (n === 0) return;
    const dense = n > 1 && (Math.max(last - first, 1) / (n - 1) < WAKE_RUG_SPACING_PX || n * WAKE_RUG_SPACING_PX > f.width - f.labelWidth);
    if (!dense) {
      this.drawInstants(ctx, f, row, marks, true);
      return;
    }
    const bottom = canvasY(f, row.top + row.height) - 1;
    ctx.fillStyle = f.palette.styles[Style.wakeup];
    ctx.globalAlpha = 0.8;
    for (let i = 0; i < marks.n; i++) {
      if (baseStyle(marks.style[i]) === Style.wakeup) ctx.fillRect(Math.round(marks.x[i]) - 0.5, bottom - 4, 1.5, 4);
    }
    ctx.globalAlpha = 1;
  }

  /** Instant marks of a track: the wake-ups (`wakeups`, drawn behind the spans) or the others. */
  private drawInstants(ctx: CanvasRenderingContext2D, f: FrameInput, row: TrackRow, marks: LodInstants, wakeups = false): void {
    const cy = canvasY(f, row.top + row.height / 2);
    const half = Math.min(5, Math.floor(row.height / 2 - 2));
    const dpr = f.dpr;
    for (let i = 0; i < marks.n; i++) {
      if ((baseStyle(marks.style[i]) === Style.wakeup) !== wakeups) continue;
      const r = marks.count[i] > 1 ? half + 1 : half;
      const sprite = this.sprites.get(marks.style[i], r, f.palette, dpr);
      if (!sprite) continue;
      // Pixel-aligned copies: no resampling.
      const x = Math.round((marks.x[i] - sprite.size / 2) * dpr) / dpr;
      const y = Math.round((cy - sprite.size / 2) * dpr) / dpr;
      ctx.drawImage(sprite.canvas, x, y, sprite.canvas.width / dpr, sprite.canvas.height / dpr);
    }
  }
}
