/**
 * The fixed label column: group headers with a disclosure chevron, the process name and its
 * thread count; track labels (thread name, then its tid dimmed), truncated to the column, with a
 * pin and a hide button at the right end of the label under the mouse (a pinned track's pin stays).
 */
import { partitionPoint } from '../../../shared/search';
import { canvasY, font, RULER_H, type FrameInput } from './frame';
import type { GroupRow, TrackRow } from './layout';

const truncated = new Map<string, string>();
const widths = new Map<string, number>();

/**
 * The width of `text` in the context's current font, cached: a frame measures the same labels
 * again and again (a live view redraws a few times a second, a wheel zoom every frame).
 */
function width(ctx: CanvasRenderingContext2D, text: string): number {
  const key = `${ctx.font}|${text}`;
  let w = widths.get(key);
  if (w === undefined) {
    w = ctx.measureText(text).width;
    if (widths.size > 4000) widths.clear();
    widths.set(key, w);
  }
  return w;
}

/** `text` cut with an ellipsis to fit `maxW` in the context's current font. */
function fit(ctx: CanvasRenderingContext2D, text: string, maxW: number): string {
  const key = `${ctx.font}|${maxW}|${text}`;
  const hit = truncated.get(key);
  if (hit !== undefined) return hit;
  let out = text;
  if (width(ctx, text) > maxW) {
    // the longest prefix that fits with its ellipsis
    const lo = partitionPoint(1, text.length + 1, (n) => ctx.measureText(text.slice(0, n) + '…').width <= maxW) - 1;
    out = lo > 0 ? text.slice(0, lo) + '…' : '';
  }
  if (truncated.size > 2000) truncated.clear();
  truncated.set(key, out);
  return out;
}

/** Split "worker-1 4243" into name and a trailing numeric id. */
export function splitLabel(label: string): [string, string] {
  const m = /^(.*\S)\s+(\d+)$/.exec(label);
  return m ? [m[1], m[2]] : [label, ''];
}

function drawGroup(ctx: CanvasRenderingContext2D, f: FrameInput, r: GroupRow): void {
  const pal = f.palette;
  const y = canvasY(f, r.top);
  ctx.fillStyle = pal.headerBackground;
  ctx.fillRect(0, y, f.labelWidth, r.height);
  const cy = y + r.height / 2;
  // Chevron: right when collapsed, down when open.
  ctx.fillStyle = pal.foreground;
  ctx.beginPath();
  if (r.collapsed) {
    ctx.moveTo(9, cy - 4);
    ctx.lineTo(13, cy);
    ctx.lineTo(9, cy + 4);
  } else {
    ctx.moveTo(7, cy - 2);
    ctx.lineTo(15, cy - 2);
    ctx.lineTo(11, cy + 2.5);
  }
  ctx.closePath();
  ctx.fill();
  const threads = r.group.tracks.filter((t) => t.kind === 'thread').length;
  const n = threads || r.group.tracks.length;
  const what = threads ? (n === 1 ? 'thread' : 'threads') : n === 1 ? 'track' : 'tracks';
  const count = `${n} ${what}`;
  ctx.font = font(f, 11);
  const cw = width(ctx, count);
  ctx.font = font(f, 12, '600');
  const name = fit(ctx, r.group.key, f.labelWidth - 30 - cw - 12);
  ctx.fillText(name, 20, cy);
  const nw = width(ctx, name);
  ctx.font = font(f, 11);
  ctx.fillStyle = pal.muted;
  if (name) ctx.fillText(count, 20 + nw + 8, cy);
}

/** A track label's buttons, from the right end of the column: hide, then pin (x offsets, px). */
const ICON_SIZE = 16;
const ICON_GAP = 4;
const ICONS = { hide: { glyph: '\ueae7', right: 6 }, pin: { glyph: '\ueba0', right: 6 + ICON_SIZE + ICON_GAP } } as const;

/** The label button at canvas x of a track label (the column is `labelWidth` wide), or null. */
export function labelButtonAt(x: number, labelWidth: number): 'pin' | 'hide' | null {
  for (const name of ['hide', 'pin'] as const) {
    const x1 = labelWidth - ICONS[name].right;
    if (x >= x1 - ICON_SIZE - 1 && x <= x1 + 1) return name;
  }
  return null;
}

function drawIcon(ctx: CanvasRenderingContext2D, f: FrameInput, name: keyof typeof ICONS, cy: number, color: string): void {
  ctx.font = `${ICON_SIZE - 2}px codicon`;
  ctx.fillStyle = color;
  ctx.textAlign = 'center';
  ctx.fillText(ICONS[name].glyph, f.labelWidth - ICONS[name].right - ICON_SIZE / 2, cy + 1);
  ctx.textAlign = 'left';
}

/** The shortest single-lane row that shows the thread's I/O model under its name, CSS px. */
const MODEL_LINE_MIN_H = 34;

function drawTrack(ctx: CanvasRenderingContext2D, f: FrameInput, r: TrackRow): void {
  const pal = f.palette;
  const y = canvasY(f, r.top);
  if (f.selection?.track === r.track.id) {
    ctx.fillStyle = pal.selectionRow;
    ctx.fillRect(0, y, f.labelWidth, r.height);
  } else if (f.hoverTrack === r.track.id) {
    ctx.fillStyle = pal.hover;
    ctx.fillRect(0, y, f.labelWidth, r.height);
  }
  // single-lane tracks (which may be tall when there are few): centred; lanes: at the top. The
  // thread's I/O model goes under its name when the row has room for a second line.
  const model = r.track.model && r.lanes === 1 && r.height >= MODEL_LINE_MIN_H ? r.track.model : '';
  const cy = y + (r.lanes === 1 ? r.height : Math.min(r.height, 24)) / 2 - (model ? 6 : 0);
  const hovered = f.hoverTrack === r.track.id;
  const pinned = f.pinned.has(r.track.id);
  const buttons = hovered ? 2 * (ICON_SIZE + ICON_GAP) : pinned ? ICON_SIZE + ICON_GAP : 0;
  const [name, id] = splitLabel(r.track.label);
  ctx.font = font(f, 12);
  const idW = id ? width(ctx, id) + 8 : 0;
  const shown = fit(ctx, name, f.labelWidth - 28 - idW - 8 - buttons);
  ctx.fillStyle = pal.foreground;
  ctx.fillText(shown, 24, cy);
  if (id) {
    ctx.fillStyle = pal.muted;
    ctx.fillText(id, 24 + width(ctx, shown) + 8, cy);
  }
  if (model) {
    ctx.font = font(f, 10);
    ctx.fillStyle = pal.muted;
    ctx.fillText(fit(ctx, model, f.labelWidth - 32 - buttons), 24, cy + 13);
  }
  if (r.lanes > 1 && r.height >= 36) {
    ctx.font = font(f, 10);
    ctx.fillStyle = pal.muted;
    ctx.fillText(`${r.lanes} lanes`, 24, cy + 14);
  }
  if (hovered) {
    drawIcon(ctx, f, 'pin', cy, pinned ? pal.focus : pal.muted);
    drawIcon(ctx, f, 'hide', cy, pal.muted);
  } else if (pinned) {
    drawIcon(ctx, f, 'pin', cy, pal.focus);
  }
}

/** Draw the label column for the visible rows. */
export function drawLabels(ctx: CanvasRenderingContext2D, f: FrameInput): void {
  const pal = f.palette;
  const { layout, scrollTop, labelWidth, height } = f;
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, RULER_H, labelWidth, height - RULER_H);
  ctx.clip();
  ctx.fillStyle = pal.labelBackground;
  ctx.fillRect(0, RULER_H, labelWidth, height - RULER_H);
  ctx.textBaseline = 'middle';
  const bottom = scrollTop + height - RULER_H;
  ctx.strokeStyle = pal.separator;
  ctx.globalAlpha = 0.6;
  ctx.beginPath();
  for (let i = layout.firstRowBelow(scrollTop); i < layout.rows.length && layout.rows[i].top < bottom; i++) {
    const r = layout.rows[i];
    const yb = Math.round(canvasY(f, r.top + r.height)) - 0.5;
    ctx.moveTo(0, yb);
    ctx.lineTo(labelWidth, yb);
  }
  ctx.stroke();
  ctx.globalAlpha = 1;
  for (let i = layout.firstRowBelow(scrollTop); i < layout.rows.length && layout.rows[i].top < bottom; i++) {
    const r = layout.rows[i];
    if (r.kind === 'group') drawGroup(ctx, f, r);
    else drawTrack(ctx, f, r);
  }
  ctx.restore();
  ctx.strokeStyle = pal.border;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(labelWidth - 0.5, RULER_H);
  ctx.lineTo(labelWidth - 0.5, height);
  ctx.stroke();
}
