/**
 * What is drawn over the tracks: the region after the live edge, lost-records gaps (hatched, never
 * hidden however narrow), arrows between tracks (thinned when many), the selection with its guide
 * lines, the hovered block and the mouse's time line.
 */
import type { Arrow } from '../../../protocol/messages';
import { withAlpha } from './colors';
import { canvasY, RULER_H, type FrameInput } from './frame';
import type { GapGeometry } from './hittest';
import { hatch } from './patterns';
import { baseStyle } from './styles';
import type { WindowEntry } from './windowIndex';

/** Drawn width of a gap at least this, px. */
const GAP_MIN_W = 3;
/** With more visible arrows than this, only the selection's are drawn (the rest is clutter). */
export const MAX_ARROWS = 150;

function clipTrackArea(ctx: CanvasRenderingContext2D, f: FrameInput): void {
  ctx.beginPath();
  ctx.rect(f.labelWidth, RULER_H, f.width - f.labelWidth, f.height - RULER_H);
  ctx.clip();
}

/** Shade the time after the live edge (drawn under the tracks). */
export function drawLiveRegion(ctx: CanvasRenderingContext2D, f: FrameInput): void {
  if (!f.live) return;
  const x = f.scale.toPx(f.duration);
  if (x > f.width) return;
  const x0 = Math.max(x, f.labelWidth);
  ctx.fillStyle = withAlpha(f.palette.muted, 0.07);
  ctx.fillRect(x0, RULER_H, f.width - x0, f.height - RULER_H);
}

/** The gaps of the window, as drawn. */
export function gapGeometry(f: FrameInput, entry: WindowEntry | undefined): GapGeometry[] {
  const out: GapGeometry[] = [];
  if (!entry) return out;
  for (const g of entry.data.gaps) {
    let x0 = f.scale.toPx(g.start);
    let x1 = f.scale.toPx(g.end);
    if (x1 - x0 < GAP_MIN_W) {
      const c = (x0 + x1) / 2;
      x0 = c - GAP_MIN_W / 2;
      x1 = c + GAP_MIN_W / 2;
    }
    if (x1 < f.labelWidth || x0 > f.width) continue;
    out.push({ x0, x1, start: g.start, end: g.end, count: g.count });
  }
  return out;
}

/** Hatched bands over every track where records were lost. */
export function drawGaps(ctx: CanvasRenderingContext2D, f: FrameInput, gaps: readonly GapGeometry[]): void {
  if (gaps.length === 0) return;
  const pal = f.palette;
  ctx.save();
  clipTrackArea(ctx, f);
  for (const g of gaps) {
    const w = g.x1 - g.x0;
    ctx.fillStyle = withAlpha(pal.lost, 0.07);
    ctx.fillRect(g.x0, RULER_H, w, f.height - RULER_H);
    ctx.fillStyle = hatch(ctx, withAlpha(pal.lost, 0.4), 8, 1, f.dpr);
    ctx.fillRect(g.x0, RULER_H, w, f.height - RULER_H);
    ctx.strokeStyle = pal.lost;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(Math.round(g.x0) + 0.5, RULER_H);
    ctx.lineTo(Math.round(g.x0) + 0.5, f.height);
    ctx.moveTo(Math.round(g.x1) - 0.5, RULER_H);
    ctx.lineTo(Math.round(g.x1) - 0.5, f.height);
    ctx.stroke();
  }
  ctx.restore();
}

/** Whether an arrow belongs to the selected event (its id, or an end inside the selected span). */
export function relatedToSelection(a: Arrow, f: FrameInput): boolean {
  const s = f.selection;
  if (!s) return false;
  if (a.id === s.id) return true;
  const inside = (track: number, t: number): boolean => track === s.track && t >= s.start && t <= s.end;
  return inside(a.toTrack, a.toTime) || inside(a.fromTrack, a.fromTime);
}

/** The arrows to draw: all visible ones when they are few, else only those of the selection. */
export function pickArrows(arrows: readonly Arrow[], f: FrameInput): { arrow: Arrow; related: boolean }[] {
  const { scale, labelWidth, width } = f;
  const visible: Arrow[] = [];
  for (const a of arrows) {
    const x1 = scale.toPx(a.fromTime);
    const x2 = scale.toPx(a.toTime);
    if (Math.max(x1, x2) < labelWidth || Math.min(x1, x2) > width) continue;
    visible.push(a);
  }
  const out: { arrow: Arrow; related: boolean }[] = [];
  const all = visible.length <= MAX_ARROWS;
  for (const a of visible) {
    const related = relatedToSelection(a, f);
    if (all || related) out.push({ arrow: a, related });
  }
  return out;
}

/** One arrow from (x1, y1) to (x2, y2) in the current stroke and fill, its head `head` px long. */
function arrow(ctx: CanvasRenderingContext2D, x1: number, y1: number, x2: number, y2: number, head: number): void {
  const dx = Math.max(Math.abs(x2 - x1) / 2, 12);
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  let tx: number;
  let ty: number;
  if (Math.abs(x2 - x1) < 3 && Math.abs(y2 - y1) >= 2) {
    // Same instant on two tracks (a wake-up): straight down or up.
    ctx.lineTo(x2, y2);
    tx = x2 - x1;
    ty = y2 - y1;
  } else if (Math.abs(y2 - y1) < 2) {
    // Same row: an arc above it.
    const cx = (x1 + x2) / 2;
    const cy = y1 - Math.min(14, 6 + Math.abs(x2 - x1) / 8);
    ctx.quadraticCurveTo(cx, cy, x2, y2);
    tx = x2 - cx;
    ty = y2 - cy;
  } else {
    ctx.bezierCurveTo(x1 + dx, y1, x2 - dx, y2, x2, y2);
    tx = dx;
    ty = 0;
  }
  ctx.stroke();
  const len = Math.hypot(tx, ty) || 1;
  const ux = tx / len;
  const uy = ty / len;
  ctx.beginPath();
  ctx.moveTo(x2, y2);
  ctx.lineTo(x2 - ux * head - uy * head * 0.5, y2 - uy * head + ux * head * 0.5);
  ctx.lineTo(x2 - ux * head + uy * head * 0.5, y2 - uy * head - ux * head * 0.5);
  ctx.closePath();
  ctx.fill();
}

/** Arrows between track rows, a curve with an arrowhead at the end. */
export function drawArrows(ctx: CanvasRenderingContext2D, f: FrameInput, entry: WindowEntry | undefined): void {
  if (!entry || entry.data.arrows.length === 0) return;
  const picked = pickArrows(entry.data.arrows, f);
  if (picked.length === 0) return;
  const pal = f.palette;
  ctx.save();
  clipTrackArea(ctx, f);
  for (const pass of [false, true]) {
    for (const { arrow: a, related } of picked) {
      if (related !== pass) continue;
      const ya = f.layout.anchorY(a.fromTrack, entry.laneOf(a.fromTrack, a.id));
      const yb = f.layout.anchorY(a.toTrack, entry.laneOf(a.toTrack, a.id));
      if (ya === undefined || yb === undefined) continue;
      const x1 = f.scale.toPx(a.fromTime);
      const y1 = canvasY(f, ya);
      const x2 = f.scale.toPx(a.toTime);
      const y2 = canvasY(f, yb);
      const color = pal.styles[baseStyle(a.style)];
      ctx.strokeStyle = related ? pal.foreground : color;
      ctx.fillStyle = ctx.strokeStyle;
      ctx.globalAlpha = related ? 1 : 0.55;
      ctx.lineWidth = related ? 1.5 : 1;
      arrow(ctx, x1, y1, x2, y2, related ? 7 : 5);
    }
  }
  ctx.restore();
  ctx.globalAlpha = 1;
}

/**
 * The selected wait's wake-up chain: each earlier hop's wait outlined (dashed), and an arrow in the
 * focus colour from each waker to the end of the wait it ended. Hops on hidden or collapsed tracks
 * are left out (the details pane lists every hop).
 */
export function drawChain(ctx: CanvasRenderingContext2D, f: FrameInput, entry: WindowEntry | undefined): void {
  if (!f.chain.length) return;
  const pal = f.palette;
  ctx.save();
  clipTrackArea(ctx, f);
  ctx.strokeStyle = pal.focus;
  ctx.fillStyle = pal.focus;
  f.chain.forEach((link, i) => {
    const row = f.layout.trackRow(link.track);
    const lane = entry ? entry.laneOf(link.track, link.event) : 0;
    if (row && i > 0) {
      const x0 = f.scale.toPx(link.start);
      const x1 = f.scale.toPx(link.end);
      const y = canvasY(f, f.layout.laneTop(row, Math.min(lane, row.lanes - 1)));
      ctx.lineWidth = 1.5;
      ctx.setLineDash([3, 2]);
      ctx.strokeRect(x0 - 1, y, Math.max(x1 - x0, 2) + 2, row.laneH);
      ctx.setLineDash([]);
    }
    if (link.fromTrack === null || link.fromTime === null) return;
    const ya = f.layout.anchorY(link.fromTrack, 0);
    const yb = f.layout.anchorY(link.track, lane);
    if (ya === undefined || yb === undefined) return;
    ctx.lineWidth = 2;
    arrow(ctx, f.scale.toPx(link.fromTime), canvasY(f, ya), f.scale.toPx(link.end), canvasY(f, yb), 8);
  });
  ctx.restore();
}

/**
 * The marked events (a call site's calls) outlined in the focus colour, thinner than the
 * selection; each at least a few pixels wide, so that short calls show at any zoom. Those on hidden
 * or collapsed tracks are left out.
 */
export function drawMarks(ctx: CanvasRenderingContext2D, f: FrameInput, entry: WindowEntry | undefined): void {
  if (!f.marks.length) return;
  ctx.save();
  clipTrackArea(ctx, f);
  ctx.strokeStyle = f.palette.focus;
  ctx.lineWidth = 1;
  ctx.globalAlpha = 0.8;
  const left = f.labelWidth;
  for (const m of f.marks) {
    const row = f.layout.trackRow(m.track);
    if (!row) continue;
    const x0 = f.scale.toPx(m.start);
    const x1 = f.scale.toPx(m.end);
    if (x1 < left || x0 > f.width) continue;
    const lane = entry ? entry.laneOf(m.track, m.id) : 0;
    const y = canvasY(f, f.layout.laneTop(row, Math.min(lane, row.lanes - 1)));
    ctx.strokeRect(Math.round(x0) - 1.5, Math.round(y) + 0.5, Math.max(x1 - x0, 3) + 2, row.laneH - 1);
  }
  ctx.restore();
}

/** The selected event's outline and dashed guides at its start and end. */
export function drawSelection(ctx: CanvasRenderingContext2D, f: FrameInput, entry: WindowEntry | undefined): void {
  const s = f.selection;
  if (!s) return;
  const pal = f.palette;
  ctx.save();
  clipTrackArea(ctx, f);
  const x0 = f.scale.toPx(s.start);
  const x1 = f.scale.toPx(s.end);
  ctx.strokeStyle = pal.focus;
  ctx.globalAlpha = 0.7;
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  for (const x of s.end > s.start ? [x0, x1] : [x0]) {
    const xr = Math.round(x) + 0.5;
    ctx.moveTo(xr, RULER_H);
    ctx.lineTo(xr, f.height);
  }
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;

  const row = f.layout.trackRow(s.track);
  const header = row ? undefined : f.layout.groupRowOf(s.track);
  ctx.lineWidth = 2;
  ctx.strokeStyle = pal.focus;
  if (row) {
    const lane = entry ? entry.laneOf(s.track, s.id) : 0;
    if (s.end > s.start) {
      const y = canvasY(f, f.layout.laneTop(row, Math.min(lane, row.lanes - 1)));
      const w = Math.max(x1 - x0, 2);
      ctx.strokeRect(x0 - 1, y, w + 2, row.laneH);
    } else {
      const cy = canvasY(f, row.top + row.height / 2);
      ctx.beginPath();
      ctx.arc(x0, cy, 8, 0, 2 * Math.PI);
      ctx.stroke();
    }
  } else if (header) {
    const y = canvasY(f, header.top);
    ctx.strokeRect(x0 - 1, y + 3, Math.max(x1 - x0, 2) + 2, header.height - 6);
  }
  ctx.restore();
}

/** Outline of the hovered block and the mouse's time line. */
export function drawHover(ctx: CanvasRenderingContext2D, f: FrameInput): void {
  const pal = f.palette;
  ctx.save();
  clipTrackArea(ctx, f);
  if (f.cursorX !== null && f.cursorX >= f.labelWidth) {
    ctx.strokeStyle = pal.muted;
    ctx.globalAlpha = 0.6;
    ctx.lineWidth = 1;
    ctx.beginPath();
    const x = Math.round(f.cursorX) + 0.5;
    ctx.moveTo(x, RULER_H);
    ctx.lineTo(x, f.height);
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  const h = f.hover;
  if (h) {
    ctx.strokeStyle = pal.foreground;
    ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(h.x) - 0.5, Math.round(h.y) - 0.5, Math.max(Math.round(h.w), 1) + 1, Math.round(h.h) + 1);
  }
  ctx.restore();
}
