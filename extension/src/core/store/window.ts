/**
 * A window of the trace at a resolution, as the timeline asks for it: per track the spans that
 * overlap the window, with runs of spans narrower than the resolution merged into one block (that
 * stands for their count and carries its longest event's id), the instants, the arrows and the
 * gaps. The reply's size is bounded by the window's width in resolution units, not by the number
 * of events.
 */
import { ns, type Arrow, type Ns, type TrackInstants, type TrackSpans, type WindowData } from '../../../../protocol/messages';
import { lowerBound } from '../../../../shared/search';
import type { EventFilter } from './filter';
import { Flag, type TraceStore } from './traceStore';
import { MAX_LANES } from './tracks';

/** Arrows sent at most; beyond, only those at least `resolution` long. */
const MAX_ARROWS = 4000;

interface Block {
  start: number;
  end: number;
  style: number;
  count: number;
  id: number;
  longest: number;
}

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

function trackWindow(
  store: TraceStore, names: WindowNames, track: number, from: number, to: number, res: number, filter: EventFilter | null,
): { spans: TrackSpans; instants: TrackInstants } {
  const ids = store.sortedIds(track);
  const start = store.start.view();
  const end = store.end.view();
  const flags = store.flags.view();
  const style = store.style.view();
  const lanes = store.lane.view();
  const out: Block[] = [];
  const outLanes: number[] = [];
  const inst: { t: number; style: number; id: number }[] = [];
  const open: (Block | undefined)[] = new Array(MAX_LANES);
  const flush = (lane: number): void => {
    const b = open[lane];
    if (b) {
      out.push(b);
      outLanes.push(lane);
      open[lane] = undefined;
    }
  };
  let lastInstant = Number.NEGATIVE_INFINITY;
  for (let i = lowerBound(ids.length, (k) => start[ids[k]], from - (store.maxSpan[track] ?? 0)); i < ids.length; i++) {
    const id = ids[i];
    const s = start[id];
    if (s >= to) break;
    if (filter && !filter.matches(id)) continue;
    if (flags[id] & Flag.instant) {
      // instants closer than the resolution collapse into the first
      if (s >= from && s - lastInstant >= res) {
        inst.push({ t: s, style: style[id], id });
        lastInstant = s;
      }
      continue;
    }
    const e = end[id];
    if (e < from) continue;
    const lane = lanes[id];
    const len = e - s;
    const b = open[lane];
    if (b && len < res && b.end - b.start < res * 4 && s - b.end < res) {
      b.end = Math.max(b.end, e);
      b.count++;
      if (len > b.longest) {
        b.longest = len;
        b.id = id;
        b.style = style[id];
      }
      continue;
    }
    flush(lane);
    open[lane] = { start: s, end: e, style: style[id], count: 1, id, longest: len };
  }
  for (let lane = 0; lane < MAX_LANES; lane++) flush(lane);
  const times = new Float64Array(out.length * 2);
  const styles = new Uint8Array(out.length);
  const counts = new Uint32Array(out.length);
  const idsOut = new Uint32Array(out.length);
  const lanesOut = new Uint8Array(out.length);
  const nameIds = store.name.view();
  const namesOut = new Uint32Array(out.length);
  out.forEach((b, k) => {
    namesOut[k] = names.of(nameIds[b.id]);
    times[2 * k] = b.start;
    times[2 * k + 1] = b.end;
    styles[k] = b.style;
    counts[k] = b.count;
    idsOut[k] = b.id;
    lanesOut[k] = outLanes[k];
  });
  return {
    spans: { track, times, styles, counts, ids: idsOut, lanes: lanesOut, names: namesOut },
    instants: {
      track,
      times: Float64Array.from(inst, (x) => x.t),
      styles: Uint8Array.from(inst, (x) => x.style),
      ids: Uint32Array.from(inst, (x) => x.id),
    },
  };
}

/** Everything of [start, end) at `resolution` ns; with a filter, only what matches it. */
export function queryWindow(store: TraceStore, start: Ns, end: Ns, resolution: Ns, filter: EventFilter | null = null): WindowData {
  const res = Math.max(1, resolution);
  const spans: TrackSpans[] = [];
  const instants: TrackInstants[] = [];
  const names = new WindowNames(store);
  for (let track = 0; track < store.tracks.size; track++) {
    if (filter?.tracks && !filter.tracks.has(track)) continue;
    const w = trackWindow(store, names, track, start, end, res, filter);
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
