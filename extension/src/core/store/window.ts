/**
 * A window of the trace at a resolution, as the timeline asks for it: per track and lane, the
 * spans that overlap the window aggregated by bucket of the resolution (buckets.ts: a span wider
 * than the resolution is its bucket's longest, so every span wider than a pixel is drawn whole),
 * then runs of buckets of narrow spans merged into one block (that stands for their count and
 * carries its longest event's id); the first instant of each bucket, the arrows and the gaps.
 * Zoomed out, the buckets come from the track's summary (summary.ts) instead of its events: the
 * same reply, in work bounded by the window's width in resolution units, not by its events.
 */
import { ns, type Arrow, type Ns, type TrackInstants, type TrackSpans, type WindowData } from '../../../../protocol/messages';
import { lowerBound, partitionPoint } from '../../../../shared/search';
import { Buckets, FirstInstants, longer } from './buckets';
import type { EventFilter } from './filter';
import { firstBucketFrom, levelFor, summaryOf } from './summary';
import { Flag, type TraceStore } from './traceStore';

/** Arrows sent at most; beyond, only those at least `resolution` long. */
const MAX_ARROWS = 4000;
/** Events a track's window walks rather than use its summary, beyond two per resolution unit. */
const WALK_LIMIT = 1024;

/**
 * Where a track's part of a window comes from: its events or its summary when it has more events
 * in the window than resolution units (auto), or always one of them (the same reply: for tests
 * and benchmarks). A filter or a resolution that is not a power of two always walks the events.
 */
export type WindowSource = 'auto' | 'events' | 'summary';

/** Names sent with one window: string-table id -> index in WindowData.names. */
class WindowNames {
  readonly list: string[] = [];
  private readonly index = new Map<number, number>();

  constructor(private readonly store: TraceStore) {}

  of(nameId: number): number {
    let i = this.index.get(nameId);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(this.store.names.get(nameId));
      this.index.set(nameId, i);
    }
    return i;
  }
}

/** Blocks of a track's lanes' buckets: buckets of narrow spans merged in runs, as long as a run stays under 4 units. */
function blocks(store: TraceStore, names: WindowNames, track: number, acc: Buckets[], from: number, res: number): TrackSpans {
  let total = 0;
  for (const a of acc) if (a) total += a.length;
  const times = new Float64Array(total * 2);
  const styles = new Uint8Array(total);
  const counts = new Uint32Array(total);
  const ids = new Uint32Array(total);
  const lanes = new Uint8Array(total);
  const namesOut = new Uint32Array(total);
  const style = store.style.view();
  const nameIds = store.name.view();
  let n = 0;
  acc.forEach((a, lane) => {
    let open = false;
    let os = 0;
    let oe = 0;
    let oc = 0;
    let oid = 0;
    let olen = 0;
    const close = (): void => {
      if (!open) return;
      times[2 * n] = os;
      times[2 * n + 1] = oe;
      counts[n] = oc;
      ids[n] = oid;
      styles[n] = style[oid];
      lanes[n] = lane;
      namesOut[n] = names.of(nameIds[oid]);
      n++;
    };
    for (let i = 0; i < a.length; i++) {
      const e = a.maxEnd[i];
      if (e < from) continue;
      const s = a.minStart[i];
      const id = a.longest[i];
      const len = a.longestLen[i];
      if (open && len < res && oe - os < res * 4 && s - oe < res) {
        if (e > oe) oe = e;
        oc += a.count[i];
        if (longer(oid, olen, id, len)) {
          oid = id;
          olen = len;
        }
        continue;
      }
      close();
      open = true;
      os = s;
      oe = e;
      oc = a.count[i];
      oid = id;
      olen = len;
    }
    close();
  });
  return {
    track, times: times.slice(0, 2 * n), styles: styles.slice(0, n), counts: counts.slice(0, n), ids: ids.slice(0, n), lanes: lanes.slice(0, n), names: namesOut.slice(0, n),
  };
}

function trackWindow(
  store: TraceStore, names: WindowNames, track: number, from: number, to: number, res: number, filter: EventFilter | null, source: WindowSource,
): { spans: TrackSpans; instants: TrackInstants } {
  const ids = store.sortedIds(track);
  const start = store.start.view();
  const end = store.end.view();
  // whole buckets: the window widened to the resolution, and every span that may reach into it
  const fromB = Math.floor(from / res) * res;
  const toB = Math.ceil(to / res) * res;
  const first = Math.floor((fromB - (store.maxSpan[track] ?? 0)) / res) * res;
  const i0 = lowerBound(ids.length, (k) => start[ids[k]], first);
  const i1 = partitionPoint(i0, ids.length, (k) => start[ids[k]] < toB);
  const log2 = Math.log2(res);
  const summarize = !filter && Number.isInteger(log2) && (source === 'summary' || (source === 'auto' && i1 - i0 > WALK_LIMIT + (2 * (toB - fromB)) / res));
  const summary = summarize ? summaryOf(store, track, ids) : undefined;
  const level = summary ? levelFor(summary, log2) : -1;
  const acc: Buckets[] = [];
  const inst = new FirstInstants(res);
  if (summary && level >= 0) {
    summary.lanes.forEach((levels, lane) => {
      const b = levels[level];
      const a = (acc[lane] = new Buckets(res));
      for (let i = firstBucketFrom(b, first); i < b.length && b.minStart[i] < toB; i++) a.addFrom(b, i);
    });
    const fi = summary.instants[level];
    for (let i = lowerBound(fi.length, (k) => start[fi.ids[k]], fromB); i < fi.length && start[fi.ids[i]] < toB; i++) inst.add(start, fi.ids[i]);
  } else {
    const flags = store.flags.view();
    const lanes = store.lane.view();
    for (let i = i0; i < i1; i++) {
      const id = ids[i];
      if (filter && !filter.matches(id)) continue;
      if (flags[id] & Flag.instant) {
        if (start[id] >= fromB) inst.add(start, id);
        continue;
      }
      (acc[lanes[id]] ??= new Buckets(res)).add(start[id], end[id], 1, id, end[id] - start[id]);
    }
  }
  const style = store.style.view();
  const instIds = inst.ids.slice(0, inst.length);
  return {
    spans: blocks(store, names, track, acc, fromB, res),
    instants: { track, times: Float64Array.from(instIds, (id) => start[id]), styles: Uint8Array.from(instIds, (id) => style[id]), ids: instIds },
  };
}

/** Everything of [start, end) at `resolution` ns; with a filter, only what matches it. */
export function queryWindow(
  store: TraceStore, start: Ns, end: Ns, resolution: Ns, filter: EventFilter | null = null, source: WindowSource = 'auto',
): WindowData {
  const res = Math.max(1, resolution);
  const spans: TrackSpans[] = [];
  const instants: TrackInstants[] = [];
  const names = new WindowNames(store);
  for (let track = 0; track < store.tracks.size; track++) {
    if (filter?.tracks && !filter.tracks.has(track)) continue;
    const w = trackWindow(store, names, track, start, end, res, filter, source);
    if (w.spans.counts.length) spans.push(w.spans);
    if (w.instants.ids.length) instants.push(w.instants);
  }
  let arrows: Arrow[] = store.arrows
    .filter((a) => a.toTime >= start && a.fromTime < end && (!filter || filter.matches(a.id)))
    .map((a) => ({ ...a, fromTime: ns(a.fromTime), toTime: ns(a.toTime) }));
  if (arrows.length > MAX_ARROWS) {
    arrows = arrows.filter((a) => a.toTime - a.fromTime >= res || a.fromTrack !== a.toTrack);
    if (arrows.length > MAX_ARROWS) {
      const step = Math.ceil(arrows.length / MAX_ARROWS);
      arrows = arrows.filter((_, i) => i % step === 0);
    }
  }
  const gaps = store.gaps.filter((g) => g.end >= start && g.start < end).map((g) => ({ start: ns(g.start), end: ns(g.end), count: g.count }));
  return { start, end, resolution: ns(res), spans, instants, arrows, gaps, names: names.list };
}
