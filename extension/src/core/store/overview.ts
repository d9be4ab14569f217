/**
 * The whole trace's overview, kept in its file (format.ts: the overview block of the footer) so
 * that the editor shows every track across the whole trace at once while the events load: per
 * track and lane, the store's aggregates (buckets.ts: count, earliest start, latest end, longest
 * span with its id, name and style) in buckets of a power of two ns about an 8192th of the trace,
 * the first instant of each bucket, the tracks as the timeline lists them, the loss gaps. A window
 * at that resolution or coarser is answered from it (window.ts' `bucketWindow`) with the reply the
 * store gives once every event is read — the aggregate is associative —, so the store takes over
 * seamlessly. Nothing in it is invented: it is what the writer's store held, the event ids
 * included (a file read back gives its events the same ids); a finer window waits for the events.
 *
 * Layout (little-endian): OVERVIEW_MAGIC (8) · head length u32 · reserved u32 · the head (JSON,
 * `OverviewHead`), padded to 8 bytes · every lane's earliest starts (each the difference from the
 * lane's previous one, the first from 0), latest ends (less the earliest start) and longest
 * lengths (f64 each: small whole numbers, which the block's compression shrinks), then the
 * instants' times (f64) · every lane's counts, longest ids and looks
 * (u32 each), then the instants' ids (u32) · the instants' styles (u8); parts and lanes in the
 * head's order.
 */
import type { Ns, TrackInfo, WindowData } from '../../../../protocol/messages';
import { ns } from '../../../../protocol/messages';
import { Buckets, lookOf } from './buckets';
import type { TraceStore } from './traceStore';
import { bucketWindow, trackBucketsAt, type BucketTrack } from './window';

/** The overview's first 8 bytes ("IOLOVW" and its layout's version, 1). */
const OVERVIEW_MAGIC = [0x49, 0x4f, 0x4c, 0x4f, 0x56, 0x57, 0x00, 0x01];
/** About this many buckets across the trace: finer than a zoomed-out timeline's pixels on a wide screen at devicePixelRatio 2. */
const ACROSS = 8192;
/** An overview's most bytes: past them its buckets are made twice as coarse (many tracks). */
const MAX_BYTES = 8 << 20;
/** Bytes a bucket takes: three f64 and three u32. */
const BUCKET_BYTES = 36;
/** Bytes an instant takes: f64, u32, u8. */
const INSTANT_BYTES = 13;

/** One track's part of the overview, as the head lists it. */
interface PartHead {
  readonly track: number;
  readonly maxSpan: number;
  /** Buckets of each lane (0: the lane has none). */
  readonly lanes: number[];
  readonly instants: number;
}

/** The overview's head: what is not an array of numbers. */
interface OverviewHead {
  /** Bucket size, ns (a power of two). */
  readonly resolution: number;
  /** The trace's end, ns since its start (TraceSummary.duration). */
  readonly duration: number;
  /** Events in the trace. */
  readonly events: number;
  /** The tracks as the timeline lists them (TraceSummary.tracks, the I/O models included). */
  readonly tracks: TrackInfo[];
  /** The names the looks refer to (a look's name id is an index here). */
  readonly names: string[];
  readonly gaps: { start: number; end: number; count: number }[];
  readonly parts: PartHead[];
}

/** An overview read back: the head and each track's buckets. */
export interface TraceOverview {
  readonly resolution: number;
  readonly duration: number;
  readonly events: number;
  readonly tracks: readonly TrackInfo[];
  readonly names: readonly string[];
  readonly gaps: readonly { readonly start: number; readonly end: number; readonly count: number }[];
  readonly parts: readonly BucketTrack[];
}

/** Buckets `b` made `size` ns (coarser). */
function coarser(b: Buckets, size: number): Buckets {
  const out = new Buckets(size, Math.max(1, b.length >>> 1));
  for (let i = 0; i < b.length; i++) out.addFrom(b, i);
  return out;
}

/**
 * The overview of what `store` holds, its tracks as `tracks` lists them (the session's summary);
 * undefined for an empty store.
 */
export function encodeOverview(store: TraceStore, tracks: readonly TrackInfo[]): Uint8Array | undefined {
  if (!store.size || !tracks.length) return undefined;
  // across what the trace spans (from its earliest event: a trace's times need not start at 0)
  let from = store.duration;
  for (const t of tracks) {
    const ids = store.sortedIds(t.id);
    if (ids.length) from = Math.min(from, store.start.get(ids.get(0)));
  }
  let resolution = 2 ** Math.floor(Math.log2(Math.max(1, (store.duration - from) / ACROSS)));
  // in the order of the tracks' ids, as the store's windows list them
  const made = tracks.map((t) => t.id).sort((a, b) => a - b).map((track) => ({ track, ...trackBucketsAt(store, track, resolution) }));
  const bytes = (): number => made.reduce((n, m) => n + m.instants.length * INSTANT_BYTES + m.lanes.reduce((k, b) => k + (b?.length ?? 0) * BUCKET_BYTES, 0), 0);
  while (bytes() > MAX_BYTES) {
    resolution *= 2;
    for (const m of made) {
      m.lanes = m.lanes.map((b) => b && coarser(b, resolution));
      m.instants = firstInstants(store, m.instants, resolution);
    }
  }
  // the looks' name ids as indexes of the overview's own names
  const names: string[] = [];
  const nameIndex = new Map<number, number>();
  const nameOf = (id: number): number => {
    let i = nameIndex.get(id);
    if (i === undefined) nameIndex.set(id, (i = names.push(store.names.get(id)) - 1));
    return i;
  };
  const parts: PartHead[] = made.map((m) => ({ track: m.track, maxSpan: store.maxSpan[m.track] ?? 0, lanes: m.lanes.map((b) => b?.length ?? 0), instants: m.instants.length }));
  const buckets = made.flatMap((m) => m.lanes.filter((b): b is Buckets => b !== undefined));
  const n = buckets.reduce((k, b) => k + b.length, 0);
  const instantIds = made.flatMap((m) => [...m.instants]);
  const f64 = new Float64Array(3 * n + instantIds.length);
  const u32 = new Uint32Array(3 * n + instantIds.length);
  const u8 = new Uint8Array(instantIds.length);
  let at = 0;
  for (const b of buckets) {
    let prev = 0;
    for (let i = 0; i < b.length; i++) {
      const s = b.minStart(i);
      f64[at] = s - prev;
      prev = s;
      f64[n + at] = b.maxEndFrom(i, s) - s;
      f64[2 * n + at] = b.longestLen(i);
      u32[at] = b.count(i);
      u32[n + at] = b.longest[i];
      u32[2 * n + at] = lookOf(nameOf(b.look[i] >>> 8), b.look[i] & 255);
      at++;
    }
  }
  const rows = store.traits.rows();
  const styles = store.traits.styleOf();
  instantIds.forEach((id, k) => {
    f64[3 * n + k] = store.start.get(id);
    u32[3 * n + k] = id;
    u8[k] = styles[rows[id]];
  });
  const head: OverviewHead = {
    resolution, duration: store.duration, events: store.size, tracks: [...tracks], names,
    gaps: store.gaps.map((g) => ({ start: g.start, end: g.end, count: g.count })), parts,
  };
  const json = new TextEncoder().encode(JSON.stringify(head));
  const headEnd = 16 + Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(headEnd + f64.byteLength + u32.byteLength + u8.byteLength);
  out.set(OVERVIEW_MAGIC, 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 16);
  out.set(new Uint8Array(f64.buffer), headEnd);
  out.set(new Uint8Array(u32.buffer), headEnd + f64.byteLength);
  out.set(u8, headEnd + f64.byteLength + u32.byteLength);
  return out;
}

/** The first instant of each bucket of `size` ns among `ids` (firsts of finer buckets, in order). */
function firstInstants(store: TraceStore, ids: Uint32Array, size: number): Uint32Array {
  const out: number[] = [];
  let last = Number.NaN;
  for (const id of ids) {
    const k = Math.floor(store.start.get(id) / size);
    if (k !== last) out.push(id);
    last = k;
  }
  return Uint32Array.from(out);
}

/** An overview's bytes read back, or undefined when they are not one (damaged, another layout). */
export function decodeOverview(bytes: Uint8Array): TraceOverview | undefined {
  try {
    if (bytes.length < 16 || OVERVIEW_MAGIC.some((m, i) => bytes[i] !== m)) return undefined;
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const jsonLength = v.getUint32(8, true);
    const head = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + jsonLength))) as OverviewHead;
    const parts = head.parts;
    const n = parts.reduce((k, p) => k + p.lanes.reduce((a, b) => a + b, 0), 0);
    const m = parts.reduce((k, p) => k + p.instants, 0);
    const headEnd = 16 + Math.ceil(jsonLength / 8) * 8;
    if (bytes.length !== headEnd + (3 * n + m) * 12 + m || !Number.isInteger(Math.log2(head.resolution))) return undefined;
    // copied out (a Buffer's slice is a view): the decompressed bytes need not be aligned for the typed arrays
    const copy = (from: number, to: number): ArrayBuffer => Uint8Array.prototype.slice.call(bytes, from, to).buffer as ArrayBuffer;
    const f64 = new Float64Array(copy(headEnd, headEnd + (3 * n + m) * 8));
    const u32 = new Uint32Array(copy(headEnd + (3 * n + m) * 8, headEnd + (3 * n + m) * 12));
    const u8 = new Uint8Array(copy(headEnd + (3 * n + m) * 12, bytes.length));
    let at = 0;
    let inst = 0;
    const out: BucketTrack[] = parts.map((p) => {
      const lanes = p.lanes.map((count) => {
        if (!count) return undefined;
        const b = new Buckets(head.resolution, count);
        let s = 0;
        for (let i = at; i < at + count; i++) {
          s += f64[i];
          b.add(s, s + f64[n + i], u32[i], u32[n + i], f64[2 * n + i], u32[2 * n + i]);
        }
        at += count;
        return b;
      });
      const k = inst;
      inst += p.instants;
      return {
        track: p.track, maxSpan: p.maxSpan, lanes,
        instants: { times: f64.slice(3 * n + k, 3 * n + inst), ids: u32.slice(3 * n + k, 3 * n + inst), styles: u8.slice(k, inst) },
      };
    });
    return { resolution: head.resolution, duration: head.duration, events: head.events, tracks: head.tracks, names: head.names, gaps: head.gaps, parts: out };
  } catch {
    return undefined;
  }
}

/** Whether `overview` answers a window at `resolution` ns: a power of two no finer than its buckets. */
export function overviewAnswers(overview: TraceOverview, resolution: number): boolean {
  return resolution >= overview.resolution && Number.isInteger(Math.log2(resolution));
}

/** The window [start, end) at `resolution` ns (overviewAnswers) from the overview; no arrows (the caller's store has those read so far). */
export function overviewWindow(overview: TraceOverview, start: Ns, end: Ns, resolution: Ns): WindowData {
  const { spans, instants, names } = bucketWindow(overview.parts, start, end, resolution, (id) => overview.names[id] ?? '?');
  const gaps = overview.gaps.filter((g) => g.end >= start && g.start < end).map((g) => ({ start: ns(g.start), end: ns(g.end), count: g.count }));
  return { start, end, resolution, spans, instants, arrows: [], gaps, names };
}
