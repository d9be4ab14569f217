/**
 * Per-track summaries (mipmaps, as Perfetto's tracks keep): for each lane of a track, its spans
 * aggregated in buckets of 2^base ns, 2^(base+2) ns, 2^(base+4) ns... up to the whole track (see
 * buckets.ts), and the first instant of each bucket. A zoomed-out window is answered from the
 * finest level no finer than its resolution, in work proportional to its width in pixels instead
 * of to the events in it. The finest level has at most an eighth as many buckets as the track has
 * events, so all levels together cost about a sixth of a bucket (22 bytes) an event; a window just
 * finer than the finest level walks about 4 events a resolution unit of a track.
 *
 * Built on the first zoomed-out query of a track (or, while a file is read, by its first chunks:
 * `extendSummaries`), extended as events are appended in start order — its finest levels dropped
 * as the track grows denser —, patched where a span grew in place (a call in progress, then
 * finished), and rebuilt when an event changed in place otherwise or arrived out of order (the
 * store counts those per track).
 */
import { lowerBound } from '../../../../shared/search';
import { Buckets, FirstInstants, lookOf } from './buckets';
import type { TrackIndex } from './trackIndex';
import { Flag, type TraceStore } from './traceStore';

/** log2 of the size ratio of two consecutive levels. */
export const LEVEL_STEP = 2;
/** At most one bucket of the finest level for this many events. */
const EVENTS_PER_BUCKET = 8;

/** The summary of one track. */
export interface TrackSummary {
  /** log2 of the finest level's bucket size, ns (made coarser as the track grows denser). */
  base: number;
  /** The track's events summarized: its first `upTo` ids sorted by start. */
  upTo: number;
  /** The store's count of in-place changes of the track when this was built. */
  readonly edits: number;
  /** How many of the store's grown spans of the track (`TraceStore.grown`) this holds as they are now. */
  grown: number;
  /** The store's size when this was last brought up to date: the track's events below it are in it. */
  size: number;
  /** Per lane, per level (finest first). */
  readonly lanes: Buckets[][];
  /** Per level, the first instant of each bucket. */
  readonly instants: FirstInstants[];
}

const cache = new WeakMap<TraceStore, (TrackSummary | undefined)[]>();

/** Slot of an instant among a track's lanes (0-255). */
const INSTANT_SLOT = 256;

/** Number of non-empty (slot, bucket) pairs at buckets of 2^level ns, of events in start order. */
function bucketsAt(starts: Float64Array, slots: Uint16Array, level: number): number {
  const size = 2 ** level;
  const last = new Float64Array(INSTANT_SLOT + 1).fill(-1);
  let n = 0;
  for (let i = 0; i < starts.length; i++) {
    const slot = slots[i];
    const b = Math.floor(starts[i] / size);
    if (b !== last[slot]) {
      last[slot] = b;
      n++;
    }
  }
  return n;
}

/**
 * The finest level whose buckets are at most an eighth as many as the events. The track's starts
 * and slots are gathered once in start order: the counting passes then read memory in order
 * instead of a cache miss an event (at 10 M events they were most of the summaries' build).
 */
function baseLevel(store: TraceStore, ids: TrackIndex): number {
  const start = store.start;
  const lanes = store.lane;
  const rows = store.traits.rows();
  const flags = store.traits.flagsOf();
  const starts = new Float64Array(ids.length);
  const slots = new Uint16Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids.get(i);
    starts[i] = start.get(id);
    slots[i] = flags[rows[id]] & Flag.instant ? INSTANT_SLOT : lanes.get(id);
  }
  const target = Math.max(1, ids.length / EVENTS_PER_BUCKET);
  const spread = starts[starts.length - 1] - starts[0] + 1;
  let level = Math.max(0, Math.ceil(Math.log2((spread * EVENTS_PER_BUCKET) / ids.length)));
  // a bucket holding the whole track is as coarse as it gets (a few events in several lanes stay above the target)
  const whole = Math.ceil(Math.log2(starts[starts.length - 1] + 1));
  while (level < whole && bucketsAt(starts, slots, level) > target) level++;
  for (let k = 0; k < 4 && level > 0 && bucketsAt(starts, slots, level - 1) <= target; k++) level--;
  return level;
}

/**
 * A track's summary. (Its loops are functions of their own: in one function a loop optimized by
 * on-stack replacement was thrown away by the code after it, which had no type feedback yet.)
 */
function build(store: TraceStore, track: number, ids: TrackIndex): TrackSummary {
  const base = baseLevel(store, ids);
  const top = store.start.get(ids.get(ids.length - 1));
  let levels = 1;
  while (2 ** (base + LEVEL_STEP * (levels - 1)) <= top) levels++;
  const firstInstants = new FirstInstants(2 ** base);
  const laneLevels = finestBuckets(store, ids, base, firstInstants).map((b) => [b]);
  const instants = [firstInstants];
  for (let j = 1; j < levels; j++) {
    const size = 2 ** (base + LEVEL_STEP * j);
    for (const level of laneLevels) level.push(coarserBuckets(level[j - 1], size));
    instants.push(coarserInstants(store, instants[j - 1], size));
  }
  for (const level of laneLevels) for (const b of level) b.trim();
  for (const b of instants) b.trim();
  return { base, upTo: ids.length, edits: store.edits[track] ?? 0, grown: store.grown[track]?.length ?? 0, size: store.size, lanes: laneLevels, instants };
}

/** Each lane's buckets of 2^base ns of a track's events `ids`; its instants into `firstInstants`. */
function finestBuckets(store: TraceStore, ids: TrackIndex, base: number, firstInstants: FirstInstants): Buckets[] {
  const cols = { start: store.start, ends: store.end, name: store.name.view(), rows: store.traits.rows(), style: store.traits.styleOf() };
  const lanes = store.lane;
  const flags = store.traits.flagsOf();
  const finest: Buckets[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids.get(i);
    if (flags[cols.rows[id]] & Flag.instant) {
      firstInstants.add(cols.start, id);
      continue;
    }
    const lane = lanes.get(id);
    while (finest.length <= lane) finest.push(new Buckets(2 ** base));
    finest[lane].add(cols.start.get(id), cols.ends.get(id), 1, id, cols.ends.span(id), lookOf(cols.name[id], cols.style[cols.rows[id]]));
  }
  return finest;
}

/** The buckets of `size` ns that `finer`'s make. */
function coarserBuckets(finer: Buckets, size: number): Buckets {
  const coarser = new Buckets(size);
  for (let i = 0; i < finer.length; i++) coarser.addFrom(finer, i);
  return coarser;
}

/** The first instants of each `size` ns that `finer`'s make. */
function coarserInstants(store: TraceStore, finer: FirstInstants, size: number): FirstInstants {
  const coarser = new FirstInstants(size);
  for (let i = 0; i < finer.length; i++) coarser.add(store.start, finer.ids[i]);
  return coarser;
}

/**
 * Add the events appended since the summary was made (they start no earlier than those in it):
 * into the finest level, then each coarser level from the finer buckets that changed or are new
 * (the last bucket of a level may have grown: only its new spans are counted again, the rest of
 * its aggregate merges unchanged), so an event costs one bucket's update, not one a level.
 */
function extend(store: TraceStore, s: TrackSummary, ids: TrackIndex): void {
  const cols = { start: store.start, ends: store.end, name: store.name.view(), rows: store.traits.rows(), style: store.traits.styleOf() };
  const lanes = store.lane;
  const flags = store.traits.flagsOf();
  const levels = s.instants.length;
  // per lane, its finest level's length and its last bucket's count before
  const before = s.lanes.map((l) => mark(l[0]));
  const instantsBefore = s.instants[0].length;
  for (let i = s.upTo; i < ids.length; i++) {
    const id = ids.get(i);
    if (flags[cols.rows[id]] & Flag.instant) {
      s.instants[0].add(cols.start, id);
      continue;
    }
    const lane = lanes.get(id);
    while (s.lanes.length <= lane) {
      s.lanes.push(Array.from({ length: levels }, (_, j) => new Buckets(2 ** (s.base + LEVEL_STEP * j))));
      before.push({ length: 0, lastCount: 0 });
    }
    s.lanes[lane][0].add(cols.start.get(id), cols.ends.get(id), 1, id, cols.ends.span(id), lookOf(cols.name[id], cols.style[cols.rows[id]]));
  }
  for (let lane = 0; lane < s.lanes.length; lane++) {
    let from = before[lane];
    for (let j = 1; j < levels; j++) from = propagate(s.lanes[lane][j - 1], from, s.lanes[lane][j]);
  }
  let first = instantsBefore;
  for (let j = 1; j < levels; j++) {
    const next = s.instants[j].length;
    for (let i = Math.max(0, first - 1); i < s.instants[j - 1].length; i++) s.instants[j].add(store.start, s.instants[j - 1].ids[i]);
    first = next;
  }
  s.upTo = ids.length;
  s.size = store.size;
  coarsen(s, ids.length);
  addCoarserLevels(store, s, store.start.get(ids.get(ids.length - 1)));
}

/** A level's length and its last bucket's count, before it is extended. */
interface Mark {
  readonly length: number;
  readonly lastCount: number;
}

function mark(b: Buckets): Mark {
  return { length: b.length, lastCount: b.length ? b.count(b.length - 1) : 0 };
}

/**
 * Carry into `coarser` what `finer` gained since `from` (its mark then): its last bucket then
 * again with only the spans it gained (earliest start, latest end and longest merge to the same
 * whatever is merged twice; a count would not), then its new buckets. Returns `coarser`'s mark
 * before, for the next level.
 */
function propagate(finer: Buckets, from: Mark, coarser: Buckets): Mark {
  const was = mark(coarser);
  let i = from.length;
  if (i > 0) {
    const k = i - 1;
    const start = finer.minStart(k);
    coarser.add(start, finer.maxEndFrom(k, start), finer.count(k) - from.lastCount, finer.longest[k], finer.longestLen(k), finer.look[k]);
  }
  for (; i < finer.length; i++) coarser.addFrom(finer, i);
  return was;
}

/**
 * Drop the finest level while it has more buckets than an eighth of the track's events (the track
 * grew denser than when the summary was made): the next level is already made. The summary stays
 * within the memory of one built whole, whose finest level may be up to a step finer.
 */
function coarsen(s: TrackSummary, events: number): void {
  const target = Math.max(1, events / EVENTS_PER_BUCKET);
  while (s.instants.length > 1 && s.lanes.reduce((n, l) => n + l[0].length, s.instants[0].length) > target) {
    for (const l of s.lanes) l.shift();
    s.instants.shift();
    s.base += LEVEL_STEP;
  }
}

/** Add coarser levels until the coarsest is a bucket of more than `top` ns (the track's latest start). */
function addCoarserLevels(store: TraceStore, s: TrackSummary, top: number): void {
  for (let j = s.instants.length; 2 ** (s.base + LEVEL_STEP * (j - 1)) <= top; j++) {
    const size = 2 ** (s.base + LEVEL_STEP * j);
    for (const level of s.lanes) level.push(coarserBuckets(level[j - 1], size));
    s.instants.push(coarserInstants(store, s.instants[j - 1], size));
  }
}

/** The summary of a track, up to date with its events (`ids`: the track's ids sorted by start). */
export function summaryOf(store: TraceStore, track: number, ids: TrackIndex): TrackSummary | undefined {
  if (!ids.length) return undefined;
  let all = cache.get(store);
  if (!all) cache.set(store, (all = []));
  const s = all[track];
  if (!s || s.edits !== (store.edits[track] ?? 0) || !patchGrown(store, s, store.grown[track] ?? [])) {
    all[track] = build(store, track, ids);
    return all[track];
  }
  if (s.upTo < ids.length) extend(store, s, ids);
  return s;
}

/**
 * Patch into `s` the spans of its track that grew since it was brought up to date (`grown`, the
 * store's list): each one it holds, at every level (one it does not hold yet is read as it is now
 * when `extend` adds it). False when one is not where it should be (then `s` is built again).
 */
function patchGrown(store: TraceStore, s: TrackSummary, grown: readonly number[]): boolean {
  if (s.grown === grown.length) return true;
  const name = store.name.view();
  const rows = store.traits.rows();
  const style = store.traits.styleOf();
  for (let i = s.grown; i < grown.length; i++) {
    const id = grown[i];
    if (id >= s.size) continue;
    const levels = s.lanes[store.lane.get(id)];
    if (!levels) return false;
    const start = store.start.get(id);
    const end = store.end.get(id);
    const look = lookOf(name[id], style[rows[id]]);
    for (const b of levels) if (!b.grow(start, end, id, store.end.span(id), look)) return false;
  }
  s.grown = grown.length;
  return true;
}

/**
 * Bring every track's summary up to date with the store (built for a track that has none): called
 * as a file's chunks arrive, so that each chunk's events are summarized once, as they come, and
 * neither a window of the whole trace asked meanwhile nor the first one after the read builds
 * them all in one go.
 */
export function extendSummaries(store: TraceStore): void {
  for (const t of store.tracks.all()) summaryOf(store, t.id, store.sortedIds(t.id));
}

/** Drop the spare capacity of the summaries (as `build` leaves them), a step a track: see TraceStore.trimSteps. */
export function summaryTrimSteps(store: TraceStore): (() => void)[] {
  // a track with no event has no summary, a hole in the array: Array.from visits it, map would leave a hole
  return Array.from(cache.get(store) ?? [], (s) => () => {
    if (!s) return;
    for (const level of s.lanes) for (const b of level) b.trim();
    for (const b of s.instants) b.trim();
  });
}

/** The index of the level to answer a resolution of 2^log2Res ns from, or -1 when all are coarser. */
export function levelFor(s: TrackSummary, log2Res: number): number {
  if (log2Res < s.base) return -1;
  return Math.min(s.instants.length - 1, Math.floor((log2Res - s.base) / LEVEL_STEP));
}

/** The first bucket of `b` whose earliest start is not before `t`. */
export function firstBucketFrom(b: Buckets, t: number): number {
  return lowerBound(b.length, (i) => b.minStart(i), t);
}
