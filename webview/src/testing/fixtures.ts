/** Builders of protocol data for the webview's tests. */
import { ns, Style, type TrackInfo, type TrackInstants, type TrackSpans, type WindowData } from '../../../protocol/messages';
import { normalizeWindow } from '../timeline/normalize';
import { WindowEntry } from '../timeline/windowIndex';

/** A span for {@link spans}: start and end (ns), and optional style, count, id, lane. */
export interface SpanSpec {
  readonly s: number;
  readonly e: number;
  readonly style?: number;
  readonly count?: number;
  readonly id?: number;
  readonly lane?: number;
}

/** TrackSpans of `track` from specs (ids default to their index). */
export function spans(track: number, list: readonly SpanSpec[]): TrackSpans {
  return {
    track,
    times: Float64Array.from(list.flatMap((x) => [x.s, x.e])),
    styles: Uint8Array.from(list, (x) => x.style ?? Style.blocking),
    counts: Uint32Array.from(list, (x) => x.count ?? 1),
    ids: Uint32Array.from(list, (x, i) => x.id ?? i),
    lanes: Uint8Array.from(list, (x) => x.lane ?? 0),
  };
}

/** TrackInstants of `track` at times (ids default to 1000 + index). */
export function instants(track: number, times: readonly number[], style: number = Style.signal, ids?: readonly number[]): TrackInstants {
  return {
    track,
    times: Float64Array.from(times),
    styles: Uint8Array.from(times, () => style),
    ids: Uint32Array.from(times, (_, i) => ids?.[i] ?? 1000 + i),
  };
}

/** A window reply. */
export function windowData(start: number, end: number, resolution: number, s: TrackSpans[] = [], i: TrackInstants[] = []): WindowData {
  return { start: ns(start), end: ns(end), resolution: ns(resolution), spans: s, instants: i, arrows: [], gaps: [] };
}

/** A cached window entry. */
export function entry(start: number, end: number, resolution: number, knownEnd = end, s: TrackSpans[] = [], i: TrackInstants[] = [], serial = 1): WindowEntry {
  return new WindowEntry(normalizeWindow(windowData(start, end, resolution, s, i)), ns(knownEnd), serial);
}

/** A track description. */
export function track(id: number, group: string, lanes = 1, kind: TrackInfo['kind'] = 'thread'): TrackInfo {
  return { id, kind, label: `t${id} ${100 + id}`, group, pid: 1, tid: 100 + id, lanes };
}
