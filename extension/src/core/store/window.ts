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
import { Buckets, FirstInstants, longer, lookOf } from './buckets';
import type { EventFilter } from './filter';
import { firstBucketFrom, levelFor, summaryOf, type TrackSummary } from './summary';
import { Flag, type TraceStore } from './traceStore';
import type { TrackIndex } from './trackIndex';

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

/** Names sent with one window: name id (a look's) -> index in WindowData.names. */
class WindowNames {
  readonly list: string[] = [];
  private readonly index = new Map<number, number>();

  /** `nameOf`: the name of a look's name id (the store's string table, or an overview's names). */
  constructor(private readonly nameOf: (id: number) => string) {}

  of(nameId: number): number {
    let i = this.index.get(nameId);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(this.nameOf(nameId));
      this.index.set(nameId, i);
    }
    return i;
  }
}

/**
 * The reply's blocks as they are made, track after track, in arrays reused from window to window;
 * the reply copies them out once into one buffer, each track's arrays views of it (a reply of
 * 30,000 blocks was 120 arrays allocated, 1 MiB, a request: collecting them made the slow ones).
 */
class BlockWriter {
  private times = new Float64Array(2048);
  private counts = new Uint32Array(1024);
  private ids = new Uint32Array(1024);
  private looks = new Uint32Array(1024);
  private lanes = new Uint8Array(1024);
  n = 0;
  /** The open block: its start and end, count, longest span (id, length, look). */
  private open = false;
  private os = 0;
  private oe = 0;
  private oc = 0;
  private oid = 0;
  private olen = 0;
  private olook = 0;
  private lane = 0;
  private res = 1;

  /** Where each track's blocks begin, and the tracks, in the order made. */
  private readonly tracks: number[] = [];
  private readonly firsts: number[] = [];

  /** Start a reply at `res` ns. */
  reset(res: number): void {
    this.n = 0;
    this.res = res;
    this.tracks.length = 0;
    this.firsts.length = 0;
  }

  /** Start the blocks of a track. */
  begin(track: number): void {
    this.close();
    this.tracks.push(track);
    this.firsts.push(this.n);
  }

  /** Start the blocks of a lane. */
  beginLane(lane: number): void {
    this.close();
    this.lane = lane;
  }

  /** A bucket of the resolution, in order: merged into the open block while it stays a run of narrow spans under 4 units. */
  bucket(s: number, e: number, count: number, id: number, len: number, look: number): void {
    const res = this.res;
    if (this.open && len < res && this.oe - this.os < res * 4 && s - this.oe < res) {
      if (e > this.oe) this.oe = e;
      this.oc += count;
      if (longer(this.oid, this.olen, id, len)) {
        this.oid = id;
        this.olen = len;
        this.olook = look;
      }
      return;
    }
    this.close();
    this.open = true;
    this.os = s;
    this.oe = e;
    this.oc = count;
    this.oid = id;
    this.olen = len;
    this.olook = look;
  }

  /** Close the open block. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    const n = this.n;
    if (n === this.counts.length) this.grow();
    this.times[2 * n] = this.os;
    this.times[2 * n + 1] = this.oe;
    this.counts[n] = this.oc;
    this.ids[n] = this.oid;
    this.looks[n] = this.olook;
    this.lanes[n] = this.lane;
    this.n = n + 1;
  }

  private grow(): void {
    const grown = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    this.times = grown(this.times, (n) => new Float64Array(n));
    this.counts = grown(this.counts, (n) => new Uint32Array(n));
    this.ids = grown(this.ids, (n) => new Uint32Array(n));
    this.looks = grown(this.looks, (n) => new Uint32Array(n));
    this.lanes = grown(this.lanes, (n) => new Uint8Array(n));
  }

  /** The blocks of every track that has some, copied out into one buffer. */
  finish(names: WindowNames): TrackSpans[] {
    this.close();
    const n = this.n;
    // 8-byte times first, then the 4-byte arrays, then the bytes: every view aligned
    const buf = new ArrayBuffer(30 * n);
    const times = new Float64Array(buf, 0, 2 * n);
    const counts = new Uint32Array(buf, 16 * n, n);
    const ids = new Uint32Array(buf, 20 * n, n);
    const namesOut = new Uint32Array(buf, 24 * n, n);
    const styles = new Uint8Array(buf, 28 * n, n);
    const lanes = new Uint8Array(buf, 29 * n, n);
    times.set(this.times.subarray(0, 2 * n));
    counts.set(this.counts.subarray(0, n));
    ids.set(this.ids.subarray(0, n));
    lanes.set(this.lanes.subarray(0, n));
    // neighbouring blocks mostly have the same name: look it up once a run
    let lastName = -1;
    let lastIndex = 0;
    for (let i = 0; i < n; i++) {
      const look = this.looks[i];
      styles[i] = look & 255;
      const name = look >>> 8;
      if (name !== lastName) {
        lastName = name;
        lastIndex = names.of(name);
      }
      namesOut[i] = lastIndex;
    }
    const out: TrackSpans[] = [];
    for (let t = 0; t < this.tracks.length; t++) {
      const a = this.firsts[t];
      const b = t + 1 < this.firsts.length ? this.firsts[t + 1] : n;
      if (a === b) continue;
      out.push({
        track: this.tracks[t], times: times.subarray(2 * a, 2 * b), styles: styles.subarray(a, b), counts: counts.subarray(a, b), ids: ids.subarray(a, b),
        lanes: lanes.subarray(a, b), names: namesOut.subarray(a, b),
      });
    }
    return out;
  }
}

const writer = new BlockWriter();
/** Per lane, the buckets a walk of the events fills, reused from track to track and window to window. */
const walkBuckets: Buckets[] = [];

/** The walk's buckets of `lane`, emptied, for buckets of `res` ns. */
function walkBucketsOf(lane: number, res: number): Buckets {
  const b = (walkBuckets[lane] ??= new Buckets(res, 1024));
  b.reset(res);
  return b;
}

/**
 * Blocks of a track's lanes, into the writer: per lane, buckets [lo, hi) of `b` (of the resolution
 * or finer), aggregated to the resolution as they are read, those that end before `from` left out.
 */
function blocks(track: number, lanes: readonly (LaneBuckets | undefined)[], from: number, res: number): void {
  writer.begin(track);
  for (let lane = 0; lane < lanes.length; lane++) {
    const x = lanes[lane];
    if (!x) continue;
    writer.beginLane(lane);
    const { b, lo, hi } = x;
    // the bucket of the resolution being gathered (key: its index; none before the first)
    let key = Number.NaN;
    let have = false;
    let cs = 0;
    let ce = 0;
    let cc = 0;
    let cid = 0;
    let clen = 0;
    let clook = 0;
    for (let i = lo; i < hi; i++) {
      const s = b.minStart(i);
      const k = Math.floor(s / res);
      const id = b.longest[i];
      const len = b.longestLen(i);
      if (k === key) {
        if (s < cs) cs = s;
        const e = b.maxEndFrom(i, s);
        if (e > ce) ce = e;
        cc += b.count(i);
        if (longer(cid, clen, id, len)) {
          cid = id;
          clen = len;
          clook = b.look[i];
        }
        continue;
      }
      if (have && ce >= from) writer.bucket(cs, ce, cc, cid, clen, clook);
      have = true;
      key = k;
      cs = s;
      ce = b.maxEndFrom(i, s);
      cc = b.count(i);
      cid = id;
      clen = len;
      clook = b.look[i];
    }
    if (have && ce >= from) writer.bucket(cs, ce, cc, cid, clen, clook);
  }
}

/** Buckets [lo, hi) of one lane. */
interface LaneBuckets {
  readonly b: Buckets;
  readonly lo: number;
  readonly hi: number;
}

/**
 * A track's part of a window: its blocks into the writer, its instants returned. (Its two ways —
 * from the summaries, by walking the events — are functions of their own: in one function the
 * way not taken yet had no type feedback and threw the optimized code away at every call.)
 */
function trackWindow(
  store: TraceStore, track: number, from: number, to: number, res: number, filter: EventFilter | null, source: WindowSource,
): TrackInstants {
  const ids = store.sortedIds(track);
  const start = store.start;
  // whole buckets: the window widened to the resolution, and every span that may reach into it
  const fromB = Math.floor(from / res) * res;
  const toB = Math.ceil(to / res) * res;
  const first = Math.floor((fromB - (store.maxSpan[track] ?? 0)) / res) * res;
  const i0 = lowerBound(ids.length, (k) => start.get(ids.get(k)), first);
  const i1 = partitionPoint(i0, ids.length, (k) => start.get(ids.get(k)) < toB);
  const log2 = Math.log2(res);
  const summarize = !filter && Number.isInteger(log2) && (source === 'summary' || (source === 'auto' && i1 - i0 > WALK_LIMIT + (2 * (toB - fromB)) / res));
  const summary = summarize ? summaryOf(store, track, ids) : undefined;
  const level = summary ? levelFor(summary, log2) : -1;
  const acc: (LaneBuckets | undefined)[] = [];
  const inst = new FirstInstants(res);
  if (summary && level >= 0) summaryBuckets(store, summary, level, first, fromB, toB, acc, inst);
  else walkedBuckets(store, ids, i0, i1, fromB, res, filter, acc, inst);
  blocks(track, acc, fromB, res);
  return trackInstants(store, track, inst);
}

/** A track's buckets and instants of [fromB, toB) from its summary's `level`, into `acc` and `inst`. */
function summaryBuckets(
  store: TraceStore, summary: TrackSummary, level: number, first: number, fromB: number, toB: number, acc: (LaneBuckets | undefined)[], inst: FirstInstants,
): void {
  const start = store.start;
  for (let lane = 0; lane < summary.lanes.length; lane++) {
    const b = summary.lanes[lane][level];
    const lo = firstBucketFrom(b, first);
    acc[lane] = { b, lo, hi: partitionPoint(lo, b.length, (i) => b.minStart(i) < toB) };
  }
  const fi = summary.instants[level];
  for (let i = lowerBound(fi.length, (k) => start.get(fi.ids[k]), fromB); i < fi.length && start.get(fi.ids[i]) < toB; i++) inst.add(start, fi.ids[i]);
}

/**
 * A track's lanes in buckets of `res` ns (a power of two) over all its events, and the first
 * instant of each bucket (ids): from its summary's level no finer than `res` when it has one, else
 * by walking its events. Fresh buckets, the caller's to keep (an overview: store/overview.ts);
 * aggregated to any coarser power of two, they give the store's own reply (buckets.ts).
 */
export function trackBucketsAt(store: TraceStore, track: number, res: number): { lanes: (Buckets | undefined)[]; instants: Uint32Array } {
  const ids = store.sortedIds(track);
  const summary = summaryOf(store, track, ids);
  const level = summary ? levelFor(summary, Math.log2(res)) : -1;
  const acc: (LaneBuckets | undefined)[] = [];
  const inst = new FirstInstants(res);
  if (summary && level >= 0) {
    summary.lanes.forEach((l, lane) => (acc[lane] = { b: l[level], lo: 0, hi: l[level].length }));
    const fi = summary.instants[level];
    for (let i = 0; i < fi.length; i++) inst.add(store.start, fi.ids[i]);
  } else walkedBuckets(store, ids, 0, ids.length, -Infinity, res, null, acc, inst);
  const lanes = acc.map((x) => {
    if (!x || x.hi === x.lo) return undefined;
    const out = new Buckets(res, x.hi - x.lo);
    for (let i = x.lo; i < x.hi; i++) out.addFrom(x.b, i);
    return out;
  });
  return { lanes, instants: inst.ids.slice(0, inst.length) };
}

/** A track's buckets and instants from walking its events [i0, i1) (in start order), into `acc` and `inst`. */
function walkedBuckets(
  store: TraceStore, ids: TrackIndex, i0: number, i1: number, fromB: number, res: number, filter: EventFilter | null, acc: (LaneBuckets | undefined)[], inst: FirstInstants,
): void {
  const start = store.start;
  const ends = store.end;
  const rows = store.traits.rows();
  const flags = store.traits.flagsOf();
  const lanes = store.lane;
  const nameIds = store.name.view();
  const styles = store.traits.styleOf();
  const walked: Buckets[] = [];
  for (let i = i0; i < i1; i++) {
    const id = ids.get(i);
    if (filter && !filter.matches(id)) continue;
    const row = rows[id];
    if (flags[row] & Flag.instant) {
      if (start.get(id) >= fromB) inst.add(start, id);
      continue;
    }
    (walked[lanes.get(id)] ??= walkBucketsOf(lanes.get(id), res)).add(start.get(id), ends.get(id), 1, id, ends.span(id), lookOf(nameIds[id], styles[row]));
  }
  walked.forEach((b, lane) => (acc[lane] = { b, lo: 0, hi: b.length }));
}

/** A track's instants as a window reply gives them. */
function trackInstants(store: TraceStore, track: number, inst: FirstInstants): TrackInstants {
  const start = store.start;
  const rows = store.traits.rows();
  const style = store.traits.styleOf();
  const instIds = inst.ids.slice(0, inst.length);
  return { track, times: Float64Array.from(instIds, (id) => start.get(id)), styles: Uint8Array.from(instIds, (id) => style[rows[id]]), ids: instIds };
}

/** One track of a window made from buckets kept apart from a store (an overview: store/overview.ts). */
export interface BucketTrack {
  readonly track: number;
  /** Per lane, buckets of a power of two ns no coarser than the windows asked of them. */
  readonly lanes: readonly (Buckets | undefined)[];
  /** The track's longest span, ns (spans that start before a window and reach into it). */
  readonly maxSpan: number;
  /** The first instant of each bucket: times ascending, styles, ids. */
  readonly instants: { readonly times: Float64Array; readonly styles: Uint8Array; readonly ids: Uint32Array };
}

/**
 * The spans and instants of [start, end) at `res` ns (a power of two, no finer than the buckets')
 * from buckets kept apart from a store, as queryWindow makes them from the store's summaries:
 * the same aggregation, the same merged blocks. `nameOf`: the name of a look's name id.
 */
export function bucketWindow(
  tracks: readonly BucketTrack[], start: number, end: number, res: number, nameOf: (id: number) => string,
): { spans: TrackSpans[]; instants: TrackInstants[]; names: string[] } {
  const names = new WindowNames(nameOf);
  const instants: TrackInstants[] = [];
  writer.reset(res);
  for (const t of tracks) {
    const fromB = Math.floor(start / res) * res;
    const toB = Math.ceil(end / res) * res;
    const first = Math.floor((fromB - t.maxSpan) / res) * res;
    const acc = t.lanes.map((b) => {
      if (!b) return undefined;
      const lo = firstBucketFrom(b, first);
      return { b, lo, hi: partitionPoint(lo, b.length, (i) => b.minStart(i) < toB) };
    });
    blocks(t.track, acc, fromB, res);
    const it = t.instants;
    const inst = new FirstInstants(res);
    const at = { get: (k: number): number => it.times[k] };
    for (let k = lowerBound(it.times.length, (i) => it.times[i], fromB); k < it.times.length && it.times[k] < toB; k++) inst.add(at, k);
    if (!inst.length) continue;
    const ks = inst.ids.subarray(0, inst.length);
    instants.push({ track: t.track, times: Float64Array.from(ks, (k) => it.times[k]), styles: Uint8Array.from(ks, (k) => it.styles[k]), ids: Uint32Array.from(ks, (k) => it.ids[k]) });
  }
  return { spans: writer.finish(names), instants, names: names.list };
}

/** Everything of [start, end) at `resolution` ns; with a filter, only what matches it. */
export function queryWindow(
  store: TraceStore, start: Ns, end: Ns, resolution: Ns, filter: EventFilter | null = null, source: WindowSource = 'auto',
): WindowData {
  const res = Math.max(1, resolution);
  const instants: TrackInstants[] = [];
  const names = new WindowNames((id) => store.names.get(id));
  writer.reset(res);
  for (let track = 0; track < store.tracks.size; track++) {
    if (filter?.tracks && !filter.tracks.has(track)) continue;
    const inst = trackWindow(store, track, start, end, res, filter, source);
    if (inst.ids.length) instants.push(inst);
  }
  const spans = writer.finish(names);
  return { start, end, resolution: ns(res), spans, instants, ...linksOf(store, start, end, res, filter), names: names.list };
}

/** The arrows and loss gaps of [start, end) at `res` ns a window shows (with a filter, the matching arrows). */
export function linksOf(store: Pick<TraceStore, 'arrows' | 'gaps'>, start: number, end: number, res: number, filter: EventFilter | null): Pick<WindowData, 'arrows' | 'gaps'> {
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
  return { arrows, gaps };
}
