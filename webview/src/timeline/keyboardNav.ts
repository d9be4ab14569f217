/**
 * Where the arrow keys take the selection (DOM-free): left/right to the previous/next event of its
 * track, up/down to the event of the adjacent visible track nearest its time (skipping tracks with
 * nothing in the window); with nothing selected, the event nearest the middle of the view in the
 * topmost visible track that has one.
 */
import type { TrackLayout } from './layout';
import { nearestInTrack, neighbourInTrack, type EventRef } from './navigation';
import type { Viewport } from './timescale';
import type { WindowEntry } from './windowIndex';

/** The event to select after pressing an arrow key, or null to stay. */
export function nextSelection(entry: WindowEntry, layout: TrackLayout, sel: EventRef | null, dir: 'prev' | 'next' | 'up' | 'down', v: Viewport, scrollTop: number): EventRef | null {
  const rows = layout.trackRows;
  if (rows.length === 0) return null;
  if (!sel) {
    const mid = (v.start + v.end) / 2;
    const visible = rows.filter((r) => r.top + r.height > scrollTop);
    for (const r of visible.length ? visible : rows) {
      const e = nearestInTrack(entry, r.track.id, mid);
      if (e) return e;
    }
    return null;
  }
  if (dir === 'prev' || dir === 'next') return neighbourInTrack(entry, sel, dir === 'next' ? 1 : -1);
  const at = rows.findIndex((r) => r.track.id === sel.track);
  const step = dir === 'down' ? 1 : -1;
  const t = (sel.start + sel.end) / 2;
  for (let i = at + step; i >= 0 && i < rows.length; i += step) {
    const e = nearestInTrack(entry, rows[i].track.id, t);
    if (e) return e;
  }
  return null;
}
