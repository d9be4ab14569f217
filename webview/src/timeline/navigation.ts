/**
 * Keyboard navigation between events: the previous/next event of a track (spans of every lane and
 * instants, in time order) and the event of another track nearest a time.
 */
import type { EventRef } from '../../../protocol/messages';
import type { WindowEntry } from './windowIndex';

/** An event as the timeline knows it. */
export type { EventRef } from '../../../protocol/messages';

function before(aStart: number, aId: number, bStart: number, bId: number): boolean {
  return aStart < bStart || (aStart === bStart && aId < bId);
}

/** Visit every event of a track in the window. */
function forEachEvent(entry: WindowEntry, track: number, visit: (id: number, start: number, end: number) => void): void {
  const t = entry.tracks.get(track);
  if (!t) return;
  if (t.spans) {
    const { times, ids } = t.spans;
    for (let i = 0; i < ids.length; i++) visit(ids[i], times[2 * i], times[2 * i + 1]);
  }
  if (t.instants) {
    const { times, ids } = t.instants;
    for (let i = 0; i < ids.length; i++) visit(ids[i], times[i], times[i]);
  }
}

/** The event after (`dir` 1) or before (-1) `current` in its track, in (start, id) order, or null. */
export function neighbourInTrack(entry: WindowEntry, current: EventRef, dir: 1 | -1): EventRef | null {
  let best: EventRef | null = null;
  forEachEvent(entry, current.track, (id, start, end) => {
    if (id === current.id && start === current.start) return;
    const after = before(current.start, current.id, start, id);
    if (dir === 1 ? !after : after) return;
    if (!best || (dir === 1 ? before(start, id, best.start, best.id) : before(best.start, best.id, start, id))) {
      best = { id, track: current.track, start, end };
    }
  });
  return best;
}

/** The event of `track` containing time `t`, else the one nearest it, or null when it has none. */
export function nearestInTrack(entry: WindowEntry, track: number, t: number): EventRef | null {
  let best: EventRef | null = null;
  let bestDist = Infinity;
  forEachEvent(entry, track, (id, start, end) => {
    const d = t < start ? start - t : t > end ? t - end : 0;
    if (d < bestDist) {
      bestDist = d;
      best = { id, track, start, end };
    }
  });
  return best;
}
