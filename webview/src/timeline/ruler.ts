/**
 * The time ruler across the top (1-2-5 ticks with unit labels, lost-records marks, the selection's
 * range, the live edge and the time under the mouse), its top-left corner (wall-clock time of the
 * left edge) and the vertical grid lines of the track area.
 */
import { formatTimeAt, formatWallClock } from '../../../shared/format';
import { withAlpha } from './colors';
import { font, RULER_H, type FrameInput } from './frame';
import type { GapGeometry } from './hittest';
import { makeTicks, type TickSet } from '../../../shared/ticks';

/** Ticks of a frame (computed once, used by the ruler and the grid). */
export function frameTicks(f: FrameInput): TickSet {
  return makeTicks(f.scale.start, f.scale.end, f.width - f.labelWidth, 96);
}

/** Vertical lines at the labelled ticks across the track area. */
export function drawGrid(ctx: CanvasRenderingContext2D, f: FrameInput, ticks: TickSet): void {
  ctx.strokeStyle = f.palette.grid;
  ctx.globalAlpha = 0.35;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const t of ticks.major) {
    const x = Math.round(f.scale.toPx(t.t)) + 0.5;
    if (x < f.labelWidth || x > f.width) continue;
    ctx.moveTo(x, RULER_H);
    ctx.lineTo(x, f.height);
  }
  ctx.stroke();
  ctx.globalAlpha = 1;
}

/** The ruler and its corner. */
export function drawRuler(ctx: CanvasRenderingContext2D, f: FrameInput, ticks: TickSet, gaps: readonly GapGeometry[]): void {
  const pal = f.palette;
  const { labelWidth: lw, width, scale } = f;
  ctx.fillStyle = pal.rulerBackground;
  ctx.fillRect(0, 0, width, RULER_H);

  ctx.save();
  ctx.beginPath();
  ctx.rect(lw, 0, width - lw, RULER_H);
  ctx.clip();

  // Selection range.
  const sel = f.selection;
  if (sel && sel.end > sel.start) {
    const x0 = scale.toPx(sel.start);
    const x1 = Math.max(scale.toPx(sel.end), x0 + 2);
    ctx.fillStyle = withAlpha(pal.focus, 0.3);
    ctx.fillRect(x0, 0, x1 - x0, RULER_H);
  }

  // Ticks and labels.
  ctx.strokeStyle = pal.muted;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const t of ticks.minor) {
    const x = Math.round(scale.toPx(t)) + 0.5;
    ctx.moveTo(x, RULER_H - 4);
    ctx.lineTo(x, RULER_H);
  }
  for (const t of ticks.major) {
    const x = Math.round(scale.toPx(t.t)) + 0.5;
    ctx.moveTo(x, RULER_H - 10);
    ctx.lineTo(x, RULER_H);
  }
  ctx.stroke();
  ctx.font = font(f, 11);
  ctx.textBaseline = 'middle';
  ctx.fillStyle = pal.foreground;
  for (const t of ticks.major) {
    const x = Math.round(scale.toPx(t.t));
    ctx.fillText(t.label, x + 4, 11);
  }

  // Lost records: a band along the bottom.
  ctx.fillStyle = pal.lost;
  for (const g of gaps) {
    const w = Math.max(g.x1 - g.x0, 3);
    ctx.fillRect((g.x0 + g.x1) / 2 - w / 2, RULER_H - 4, w, 4);
  }

  // Live edge.
  if (f.live) {
    const x = scale.toPx(f.duration);
    if (x >= lw - 6 && x <= width + 6) {
      ctx.fillStyle = pal.live;
      ctx.beginPath();
      ctx.moveTo(x - 5, RULER_H - 8);
      ctx.lineTo(x + 5, RULER_H - 8);
      ctx.lineTo(x, RULER_H);
      ctx.closePath();
      ctx.fill();
    }
  }

  // Time under the mouse.
  if (f.cursorX !== null && f.cursorX >= lw) {
    const text = formatTimeAt(scale.toNs(f.cursorX), scale.nsPerPx);
    ctx.font = font(f, 11, '', true);
    const tw = ctx.measureText(text).width + 10;
    const x = Math.min(Math.max(f.cursorX - tw / 2, lw + 1), width - tw - 1);
    ctx.fillStyle = pal.focus;
    ctx.fillRect(x, 2, tw, 17);
    ctx.fillStyle = pal.background;
    ctx.fillText(text, x + 5, 11);
  }
  ctx.restore();

  // Corner: wall-clock time of the left edge, and the origin of relative labels.
  ctx.fillStyle = pal.rulerBackground;
  ctx.fillRect(0, 0, lw, RULER_H);
  ctx.font = font(f, 11, '', true);
  ctx.fillStyle = pal.muted;
  ctx.textBaseline = 'middle';
  const wall = formatWallClock(f.wallClockStartMs, Math.max(0, scale.start));
  const left = wall || formatTimeAt(Math.max(0, scale.start), scale.nsPerPx);
  if (ticks.origin !== null) {
    ctx.fillText(left, 8, 9);
    ctx.fillText(`ticks from ${ticks.originLabel}`, 8, 22);
  } else {
    ctx.fillText(left, 8, RULER_H / 2);
  }

  ctx.strokeStyle = pal.border;
  ctx.beginPath();
  ctx.moveTo(0, RULER_H - 0.5);
  ctx.lineTo(width, RULER_H - 0.5);
  ctx.moveTo(lw - 0.5, 0);
  ctx.lineTo(lw - 0.5, RULER_H);
  ctx.stroke();
}
