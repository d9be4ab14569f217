/** What the pointer is on, in the terms the tooltip and the selection need (DOM-free). */
import { RULER_H, type Rect } from './frame';
import type { Hit } from './hittest';
import type { TrackLayout } from './layout';
import type { EventHover } from './tooltipContent';
import type { WindowEntry } from './windowIndex';

/** The event (span block or instant mark) of a hit, or null for other hits. */
export function eventOf(hit: Hit, entry: WindowEntry | undefined): EventHover | null {
  if (hit.kind === 'span') {
    const b = hit.blocks;
    const i = hit.index;
    const spans = entry?.tracks.get(hit.row.track.id)?.spans;
    const name = spans && entry ? entry.nameOf(spans, b.src[i]) : null;
    return { id: b.id[i], style: b.style[i], start: b.t0[i], end: b.t1[i], count: b.count[i], instant: false, name, track: hit.row.track };
  }
  if (hit.kind === 'instant') {
    const m = hit.marks;
    const i = hit.index;
    return { id: m.id[i], style: m.style[i], start: m.t[i], end: m.t[i], count: m.count[i], instant: true, name: null, track: hit.row.track };
  }
  return null;
}

/** The outline to draw around a hit block or mark, canvas px; null for other hits. */
export function rectOf(hit: Hit, layout: TrackLayout, scrollTop: number): Rect | null {
  const toCanvas = (contentY: number): number => RULER_H + contentY - scrollTop;
  if (hit.kind === 'span') {
    const b = hit.blocks;
    const y = toCanvas(layout.laneTop(hit.row, hit.lane)) + 1;
    return { x: b.x0[hit.index], y, w: Math.max(b.x1[hit.index] - b.x0[hit.index], 1), h: hit.row.laneH - 2 };
  }
  if (hit.kind === 'instant') {
    const cy = toCanvas(hit.row.top + hit.row.height / 2);
    return { x: hit.marks.x[hit.index] - 6, y: cy - 7, w: 12, h: 14 };
  }
  return null;
}
