/**
 * The benchmark's stand-in for the host's windowed query (extension/src/core/store/window.ts does
 * the same for real): per track, the spans overlapping [start, end) with runs of spans shorter than
 * the resolution merged per lane into blocks (a block stands for its count, carries its longest
 * event's id and style, and grows at most to 4 resolutions), so a reply holds about two spans per
 * resolution step per lane whatever the event count; instants closer than the resolution collapse;
 * arrows with an end in the window (thinned to 4000); gaps overlapping it.
 */
import { ns, type Arrow, type TrackInstants, type TrackSpans, type WindowData } from '../../protocol/messages';
import type { SynthTrace, SynthTrack } from './syntheticTrace';

/** Most arrows in a reply. */
const MAX_ARROWS = 4000;

function lowerBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Growable output columns. */
class Out {
  times: number[] = [];
  styles: number[] = [];
  counts: number[] = [];
  ids: number[] = [];
  lanes: number[] = [];
  names: number[] = [];
}

function spansOf(t: SynthTrack, from: number, to: number, res: number): TrackSpans & { names: Uint32Array } {
  const out = new Out();
  // Open block per lane: [start, end, style, count, id, longest, name]
  const open: (number[] | undefined)[] = [];
  const flush = (lane: number): void => {
    const b = open[lane];
    if (!b) return;
    out.times.push(b[0], b[1]);
    out.styles.push(b[2]);
    out.counts.push(b[3]);
    out.ids.push(b[4]);
    out.lanes.push(lane);
    out.names.push(b[6]);
    open[lane] = undefined;
  };
  for (let i = lowerBound(t.start, from - t.maxSpan); i < t.start.length; i++) {
    const s = t.start[i];
    if (s >= to) break;
    const e = t.end[i];
    if (e < from) continue;
    const lane = t.lane[i];
    const len = e - s;
    const b = open[lane];
    if (b && len < res && b[1] - b[0] < res * 4 && s - b[1] < res) {
      b[1] = Math.max(b[1], e);
      b[3]++;
      if (len > b[5]) {
        b[5] = len;
        b[4] = t.id[i];
        b[2] = t.style[i];
        b[6] = t.name[i];
      }
      continue;
    }
    flush(lane);
    open[lane] = [s, e, t.style[i], 1, t.id[i], len, t.name[i]];
  }
  for (let lane = 0; lane < open.length; lane++) flush(lane);
  // Blocks leave in flush order: sorted within a lane, as the real host's.
  return {
    track: t.info.id,
    times: Float64Array.from(out.times),
    styles: Uint8Array.from(out.styles),
    counts: Uint32Array.from(out.counts),
    ids: Uint32Array.from(out.ids),
    lanes: Uint8Array.from(out.lanes),
    names: Uint32Array.from(out.names),
  };
}

function instantsOf(t: SynthTrack, from: number, to: number, res: number): TrackInstants {
  const times: number[] = [];
  const styles: number[] = [];
  const ids: number[] = [];
  let last = -Infinity;
  for (let i = lowerBound(t.instTime, from); i < t.instTime.length; i++) {
    const x = t.instTime[i];
    if (x >= to) break;
    if (x - last < res) continue;
    last = x;
    times.push(x);
    styles.push(t.instStyle[i]);
    ids.push(t.instId[i]);
  }
  return { track: t.info.id, times: Float64Array.from(times), styles: Uint8Array.from(styles), ids: Uint32Array.from(ids) };
}

/** Answer a window request from the synthetic trace. */
export function queryWindow(trace: SynthTrace, start: number, end: number, resolution: number, withNames: boolean): WindowData & { names?: readonly string[] } {
  const res = Math.max(1, resolution);
  const spans: TrackSpans[] = [];
  const instants: TrackInstants[] = [];
  for (const t of trace.tracks) {
    const s = spansOf(t, start, end, res);
    if (s.ids.length) {
      if (withNames) spans.push(s);
      else {
        const { names: _names, ...plain } = s;
        void _names;
        spans.push(plain);
      }
    }
    const i = instantsOf(t, start, end, res);
    if (i.ids.length) instants.push(i);
  }
  let arrows: Arrow[] = trace.arrows.filter((a) => a.toTime >= start && a.fromTime < end);
  if (arrows.length > MAX_ARROWS) {
    arrows = arrows.filter((a) => a.toTime - a.fromTime >= res || a.fromTrack !== a.toTrack);
    if (arrows.length > MAX_ARROWS) {
      const step = Math.ceil(arrows.length / MAX_ARROWS);
      arrows = arrows.filter((_, i) => i % step === 0);
    }
  }
  const gaps = trace.gaps.filter((g) => g.end >= start && g.start < end).map((g) => ({ start: ns(g.start), end: ns(g.end), count: g.count }));
  const data: WindowData = { start: ns(start), end: ns(end), resolution: ns(res), spans, instants, arrows, gaps };
  return withNames ? { ...data, names: trace.names } : data;
}
