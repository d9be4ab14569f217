/**
 * A window reply made ready for drawing: per track, the spans of each lane in time order and the
 * instants in time order, built once when the reply arrives (not per frame).
 */
import type { Ns, TrackInstants } from '../../../protocol/messages';
import type { NamedTrackSpans, NormalWindow } from './normalize';

/** The spans and instants of one track in a window. */
export interface TrackIndex {
  readonly track: number;
  readonly spans: NamedTrackSpans | null;
  /** For each lane, indices into `spans` in time order. */
  readonly lanes: readonly Uint32Array[];
  readonly instants: TrackInstants | null;
}

function laneOrders(s: NamedTrackSpans): Uint32Array[] {
  const n = s.lanes.length;
  let laneCount = 1;
  for (let i = 0; i < n; i++) if (s.lanes[i] + 1 > laneCount) laneCount = s.lanes[i] + 1;
  const sizes = new Uint32Array(laneCount);
  for (let i = 0; i < n; i++) sizes[s.lanes[i]]++;
  const orders = Array.from(sizes, (size) => new Uint32Array(size));
  const fill = new Uint32Array(laneCount);
  for (let i = 0; i < n; i++) {
    const l = s.lanes[i];
    orders[l][fill[l]++] = i;
  }
  // The host sends spans in time order; sort a lane only when it did not.
  for (let l = 0; l < laneCount; l++) {
    const o = orders[l];
    let sorted = true;
    for (let k = 1; k < o.length && sorted; k++) if (s.times[2 * o[k]] < s.times[2 * o[k - 1]]) sorted = false;
    if (!sorted) o.sort((a, b) => s.times[2 * a] - s.times[2 * b]);
  }
  return orders;
}

function sortedInstants(s: TrackInstants): TrackInstants {
  let sorted = true;
  for (let i = 1; i < s.times.length && sorted; i++) if (s.times[i] < s.times[i - 1]) sorted = false;
  if (sorted) return s;
  const order = Array.from(s.times, (_, i) => i).sort((a, b) => s.times[a] - s.times[b]);
  return {
    track: s.track,
    times: Float64Array.from(order, (i) => s.times[i]),
    styles: Uint8Array.from(order, (i) => s.styles[i]),
    ids: Uint32Array.from(order, (i) => s.ids[i]),
  };
}

/** A window reply with its per-track indices. */
export class WindowEntry {
  /** Per track id. */
  readonly tracks = new Map<number, TrackIndex>();
  /** Style codes present (for the legend). */
  readonly styles = new Set<number>();
  private laneMaps = new Map<number, Map<number, number>>();

  constructor(
    readonly data: NormalWindow,
    /** The trace duration when the window was asked for: nothing later is in it. */
    readonly knownEnd: Ns,
    /** Order of arrival, for choosing between entries. */
    readonly serial: number,
  ) {
    const spanOf = new Map<number, NamedTrackSpans>();
    for (const s of data.spans) spanOf.set(s.track, s);
    const instOf = new Map<number, TrackInstants>();
    for (const s of data.instants) instOf.set(s.track, sortedInstants(s));
    for (const id of new Set([...spanOf.keys(), ...instOf.keys()])) {
      const s = spanOf.get(id) ?? null;
      const inst = instOf.get(id) ?? null;
      this.tracks.set(id, { track: id, spans: s, lanes: s ? laneOrders(s) : [], instants: inst });
      if (s) for (let i = 0; i < s.styles.length; i++) this.styles.add(s.styles[i]);
      if (inst) for (let i = 0; i < inst.styles.length; i++) this.styles.add(inst.styles[i]);
    }
  }

  /** Start of the data (ns). */
  get start(): number {
    return this.data.start;
  }

  /** End of the data: the requested end, or the trace end when it was asked for, if earlier. */
  get end(): number {
    return Math.min(this.data.end, Math.max(this.knownEnd, this.data.start));
  }

  /** Lane of event `id` in `track` (0 when not found), for placing arrows on multi-lane tracks. */
  laneOf(track: number, id: number): number {
    const t = this.tracks.get(track);
    if (!t?.spans || t.lanes.length <= 1) return 0;
    let m = this.laneMaps.get(track);
    if (!m) {
      m = new Map();
      const s = t.spans;
      for (let i = 0; i < s.ids.length; i++) m.set(s.ids[i], s.lanes[i]);
      this.laneMaps.set(track, m);
    }
    return m.get(id) ?? 0;
  }

  /** Style of event `id` in `track` (spans, then instants), or undefined. */
  styleOf(track: number, id: number): number | undefined {
    const t = this.tracks.get(track);
    if (t?.spans) {
      const i = t.spans.ids.indexOf(id);
      if (i >= 0) return t.spans.styles[i];
    }
    if (t?.instants) {
      const i = t.instants.ids.indexOf(id);
      if (i >= 0) return t.instants.styles[i];
    }
    return undefined;
  }

  /** Call name of span `i` of a track (proposed protocol addition), or null. */
  nameOf(spans: NamedTrackSpans, i: number): string | null {
    const k = spans.names?.[i];
    return k === undefined ? null : (this.data.names[k] ?? null);
  }
}
