/**
 * Window replies as they arrive. VS Code transfers typed arrays as typed arrays; a host or a
 * transport that turned them into plain arrays (or JSON objects with numeric keys) still works,
 * at a copy's cost. Also the place that reads the proposed optional span names.
 */
import type { TrackInstants, TrackSpans, WindowData } from '../../../protocol/messages';

type TypedCtor<T> = { new (n: number): T; from(a: ArrayLike<number>): T; readonly prototype: T };

function coerce<T extends ArrayLike<number>>(value: unknown, ctor: TypedCtor<T>): T {
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === ctor.prototype) return value as T;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return ctor.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return ctor.from(value as number[]);
  if (value && typeof value === 'object') {
    const o = value as Record<string, number>;
    const n = Object.keys(o).length;
    const out = new ctor(n);
    const w = out as unknown as { [i: number]: number };
    for (let i = 0; i < n; i++) w[i] = o[i] ?? 0;
    return out;
  }
  return new ctor(0);
}

/**
 * Proposed addition to the protocol (optional, see the report): the call name of each span, as an
 * index into `WindowData.names`, drawn inside wide spans.
 */
export interface SpanNamesExtension {
  readonly names?: ArrayLike<number>;
}

/** Proposed addition: the string table the span name indices refer to. */
export interface WindowNamesExtension {
  readonly names?: readonly string[];
}

/** Spans with their proposed optional names. */
export type NamedTrackSpans = TrackSpans & { readonly names?: Uint32Array };

/** A window reply with every column a typed array of the right type. */
export type NormalWindow = WindowData & { readonly spans: readonly NamedTrackSpans[]; readonly names: readonly string[] };

function spans(s: TrackSpans & SpanNamesExtension): NamedTrackSpans {
  const out = {
    track: s.track,
    times: coerce(s.times, Float64Array),
    styles: coerce(s.styles, Uint8Array),
    counts: coerce(s.counts, Uint32Array),
    ids: coerce(s.ids, Uint32Array),
    lanes: coerce(s.lanes, Uint8Array),
  };
  return s.names ? { ...out, names: coerce(s.names, Uint32Array) } : out;
}

function instants(s: TrackInstants): TrackInstants {
  return { track: s.track, times: coerce(s.times, Float64Array), styles: coerce(s.styles, Uint8Array), ids: coerce(s.ids, Uint32Array) };
}

/** Check and coerce a window reply. */
export function normalizeWindow(data: WindowData & WindowNamesExtension): NormalWindow {
  return {
    start: data.start,
    end: data.end,
    resolution: data.resolution,
    spans: (data.spans ?? []).map(spans),
    instants: (data.instants ?? []).map(instants),
    arrows: data.arrows ?? [],
    gaps: data.gaps ?? [],
    names: Array.isArray(data.names) ? data.names : [],
  };
}
