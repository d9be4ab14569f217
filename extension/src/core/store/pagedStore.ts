/**
 * A trace file too large for every event's columns in memory (issue 14: 100 M events in 1.5 GB).
 * One pass over the file's blocks keeps what the timeline needs of the whole trace: per track the
 * mipmaps (buckets.ts' aggregates at 2^base, 2^(base+2)… ns, the first instant of each bucket) and
 * its events as a compact list (fineList.ts), the longest span, the arrows and loss gaps, and per
 * block of the file its first event id, its count, a fingerprint of its events and its context
 * records. The events themselves go through a store of a million at a time (the same pipeline and
 * TraceStore as an open in memory, so the ids are the same) and are dropped once summarized. A
 * window at a resolution no finer than the finest level is answered from the mipmaps, a finer one
 * by walking the compact lists into buckets of the resolution — both through `bucketWindow`, the
 * same reply as the store's. An event's details come from its block read back from the file and
 * decoded again (the context records of the blocks before it first; when it does not decode alone
 * as in order, after the blocks before it, to warm the assembler up), checked against the
 * fingerprint, a few decoded blocks kept (LRU).
 *
 * Not available on a paged store (they walk every event): filters, search, the analysis, export.
 * The first pass notes the id it gave each event (`eventIds`), so that another pass over the file
 * (the editor's analysis, in a worker) names the same events by the same ids.
 */
import { ns, type Ns, type TrackInfo, type WindowData } from '../../../../protocol/messages';
import type { NativeSymbolizer } from '../symbols/native';
import type { StackResolver } from '../symbols/stacks';
import { newReadState, openTraceFile, readBlock, readTraceIndex, type ByteSource } from '../trace/fileReader';
import { readTraceStreamOffThread } from '../trace/offThreadRead';
import { contextRecords } from '../trace/flight';
import { BlockType, type BlockInfo } from '../trace/format';
import { TracePipeline } from '../trace/pipeline';
import { BucketFill, Buckets, lookOf } from './buckets';
import { EventIdRecorder } from './eventIds';
import { FineList, type FineSink } from './fineList';
import { jsonHash, StringTable } from './columns';
import { Tracks } from './tracks';
import { Flag, TraceStore, type Gap, type StoredArrow, type StoredEvent } from './traceStore';
import { bucketWindow, linksOf, type BucketTrack } from './window';

/** Memory a paged store aims at by default, bytes (its mipmaps get half). */
export const DEFAULT_PAGED_BUDGET = 1 << 30;
/** Bytes a mipmap bucket costs (buckets.ts), and all levels together for each of the finest's. */
const BUCKET_BYTES = 22;
const LEVELS_FACTOR = 4 / 3;
/** log2 of the size ratio of two consecutive levels (as summary.ts). */
const LEVEL_STEP = 2;

/** Options of a paged open. */
export interface PagedOptions {
  /** Bytes the store aims at: its mipmaps' finest level is chosen so they take at most half (the compact lists are not counted). */
  readonly budget?: number;
  /** Events the first pass's store holds before they are summarized and dropped. */
  readonly segmentEvents?: number;
  /** Decoded blocks kept for later details. */
  readonly cached?: number;
  /** Resolve stacks with this symbolizer (null: never; by default the native one, as a pipeline's). */
  readonly symbolizer?: NativeSymbolizer | null;
  /** Told the fraction of the file's blocks read, between blocks. */
  readonly progress?: (fraction: number) => void;
  /** Where else to find the binaries it ran (the pipeline's `symbolPath`). */
  readonly symbolPath?: readonly string[];
}

/** What cannot be answered from a paged store, said as such (never a truncated answer). */
export class PagedUnavailable extends Error {}

/** Ascending first instants of buckets of `size` ns: times, styles, ids (ties: the earliest, then the lowest id). */
class InstantList {
  times = new Float64Array(16);
  styles = new Uint8Array(16);
  ids = new Uint32Array(16);
  length = 0;

  constructor(public size: number) {}

  /** Empty it, for buckets of `size` ns, keeping its capacity. */
  reset(size: number): void {
    this.size = size;
    this.length = 0;
  }

  add(t: number, style: number, id: number): void {
    const n = this.length;
    if (n > 0 && Math.floor(this.times[n - 1] / this.size) === Math.floor(t / this.size)) {
      if (t < this.times[n - 1] || (t === this.times[n - 1] && id < this.ids[n - 1])) {
        this.times[n - 1] = t;
        this.styles[n - 1] = style;
        this.ids[n - 1] = id;
      }
      return;
    }
    if (n === this.ids.length) this.resize(n * 2);
    this.times[n] = t;
    this.styles[n] = style;
    this.ids[n] = id;
    this.length = n + 1;
  }

  resize(capacity: number): void {
    const grow = <T extends Float64Array | Uint8Array | Uint32Array>(a: T, b: T): T => (b.set(a.subarray(0, this.length)), b);
    this.times = grow(this.times, new Float64Array(capacity));
    this.styles = grow(this.styles, new Uint8Array(capacity));
    this.ids = grow(this.ids, new Uint32Array(capacity));
  }

  view(): BucketTrack['instants'] {
    return { times: this.times.subarray(0, this.length), styles: this.styles.subarray(0, this.length), ids: this.ids.subarray(0, this.length) };
  }
}

/** One level of a track's mipmaps. */
interface Level {
  readonly lanes: (Buckets | undefined)[];
  readonly instants: InstantList;
}

/** A stretch of blocks decoded again: its store, whose id 0 is the trace's `offset`; blocks [lo, hi] checked. */
interface Page {
  readonly lo: number;
  readonly hi: number;
  readonly store: TraceStore;
  readonly offset: number;
}

/** Bytes of the typed arrays held by `x`'s own fields. */
function arrayBytes(x: object): number {
  let n = 0;
  for (const v of Object.values(x)) if (ArrayBuffer.isView(v)) n += v.byteLength;
  return n;
}

/** A double and its two 32-bit words, for `mix`. */
const mixDouble = new Float64Array(1);
const mixWords = new Uint32Array(mixDouble.buffer);

/** Hash `h` (FNV-1a over 32-bit words) with the two words of `x`. */
function mix(h: number, x: number): number {
  mixDouble[0] = x;
  return Math.imul(Math.imul(h ^ mixWords[0], 0x01000193) ^ mixWords[1], 0x01000193);
}

/** The hash of the arguments `args` of `store` (memoized in `argHashes`). */
function argsHash(store: TraceStore, args: number, argHashes: Map<number, number>): number {
  let ah = argHashes.get(args);
  if (ah === undefined) {
    ah = jsonHash(store.argTable.get(args) ?? {});
    argHashes.set(args, ah);
  }
  return ah;
}

/**
 * Event `id` of `store` as the timeline and the details show it, hashed with `at` (its place in
 * its block); `start`, `end`, `lane` and `row` (its traits' row) as the caller read them.
 */
function eventHash(store: TraceStore, id: number, at: number, start: number, end: number, lane: number, row: number, argHashes: Map<number, number>): number {
  const traits = store.traits;
  let h = mix(0x811c9dc5, at);
  h = mix(h, start);
  h = mix(h, end);
  h = mix(h, store.track.get(id));
  h = mix(h, lane);
  h = mix(h, traits.kindOf()[row] * 65536 + traits.styleOf()[row] * 256);
  h = mix(h, traits.flagsOf()[row]);
  h = mix(h, store.name.get(id));
  h = mix(h, store.value.get(id));
  h = mix(h, Number(store.stackIds[store.stack.get(id)] ?? 0n));
  return mix(h, argsHash(store, store.args.get(id), argHashes));
}

/**
 * A fingerprint of events [a, b) of `store`: the sum of their `eventHash`es, so that the first pass
 * adds them up as it summarizes them, track by track, without reading their columns again.
 */
function fingerprint(store: TraceStore, a: number, b: number, argHashes: Map<number, number>): number {
  const rows = store.traits.rows();
  let sum = 0;
  for (let id = a; id < b; id++) sum = (sum + eventHash(store, id, id - a, store.start.get(id), store.end.get(id), store.lane.get(id), rows[id], argHashes)) | 0;
  return sum >>> 0;
}

/**
 * log2 of the finest level's buckets for a trace of `events` like `seg` (its first stretch): the
 * finest whose buckets, counted on `seg` and scaled to the whole trace, take at most half the
 * budget with all levels, and hold two events or more on average (finer, the compact lists walk as fast).
 */
function finestFor(seg: TraceStore, events: number, budget: number): number {
  const scale = Math.max(1, events) / Math.max(1, seg.size);
  const starts: Float64Array[] = [];
  for (let t = 0; t < seg.tracks.size; t++) {
    const ids = seg.sortedIds(t);
    starts.push(Float64Array.from({ length: ids.length }, (_, i) => seg.start.get(ids.get(i))));
  }
  for (let base = 0; base < 60; base++) {
    const size = 2 ** base;
    let buckets = 0;
    for (const st of starts) {
      let last = Number.NaN;
      for (let i = 0; i < st.length; i++) {
        const b = Math.floor(st[i] / size);
        if (b !== last) {
          buckets++;
          last = b;
        }
      }
    }
    if (2 * buckets <= seg.size && buckets * scale * BUCKET_BYTES * LEVELS_FACTOR <= budget / 2) return base;
  }
  return 60;
}

/** A track's buckets and instants a window finer than the mipmaps fills, reused from window to window. */
interface TrackScratch {
  readonly lanes: BucketFill[];
  readonly instants: InstantList;
}

/**
 * Where a window's walk of one track's compact list goes (`FineList.fill`): each lane's spans
 * into its bucket fill, the instants from the window's first bucket on. One for every track and
 * window, so the walk's calls to it keep one target (a closure a track made the walk's optimized
 * code be thrown away and compiled again at the first windows).
 */
class TrackFill implements FineSink {
  private scratch: TrackScratch = { lanes: [], instants: new InstantList(1) };
  private fills: BucketFill[] = [];
  private res = 1;
  private fromB = 0;

  /** Start a track's walk into `scratch`, at `res` ns, instants from `fromB` on. */
  begin(scratch: TrackScratch, res: number, fromB: number): void {
    this.scratch = scratch;
    this.fills = [];
    this.res = res;
    this.fromB = fromB;
    scratch.instants.reset(res);
  }

  lane(lane: number): BucketFill {
    let f = this.fills[lane];
    if (!f) {
      f = this.fills[lane] = this.scratch.lanes[lane] ??= new BucketFill(new Buckets(this.res, 64));
      f.reset(this.res);
    }
    return f;
  }

  instant(start: number, look: number, id: number): void {
    if (start >= this.fromB) this.scratch.instants.add(start, look & 255, id);
  }

  /** The walk done: each lane's buckets. */
  finish(): Buckets[] {
    const lanes: Buckets[] = [];
    this.fills.forEach((f, lane) => {
      f.flush();
      lanes[lane] = f.into;
    });
    return lanes;
  }
}

/** The trace of a file, its events paged in from the file (see the file's comment). */
export class PagedStore {
  readonly tracks = new Tracks();
  readonly names = new StringTable();
  readonly arrows: StoredArrow[] = [];
  readonly gaps: Gap[] = [];
  /** Per track, its longest span and its events. */
  readonly maxSpan: number[] = [];
  private readonly counts: number[] = [];
  /** Per track, the buckets and instants a window finer than the mipmaps fills, reused. */
  private readonly scratch: TrackScratch[] = [];
  /** Where each track's walk goes, one for all (the walk's calls keep one target). */
  private readonly trackFill = new TrackFill();
  /**
   * A look's name, for every window's reply: one function, so that the reply's code keeps one call
   * target (a closure each way, zoomed out and finer, threw its optimized code away at the first fine window).
   */
  private readonly nameOf = (id: number): string => this.names.get(id);
  /** Per track, its events as a window finer than the mipmaps walks them. */
  private readonly fine: FineList[] = [];
  /** Per track and lane, the finest level's bucket being filled by the first pass. */
  private readonly fills: BucketFill[][] = [];
  /** Per track, its levels (finest first, 2^(base + LEVEL_STEP·j) ns). */
  private readonly levels: Level[][] = [];
  /** log2 of the finest level's buckets, ns (-1 until the first events are summarized). */
  base = -1;
  size = 0;
  duration = 0;
  /** The file's blocks that hold records, and per block its first event, its events and their fingerprint. */
  private readonly blocks: BlockInfo[] = [];
  private first = new Float64Array(0);
  private count = new Uint32Array(0);
  private hash = new Uint32Array(0);
  /** The context records of each block (empty for most). */
  private readonly context: Uint8Array[] = [];
  private streamHeader: Uint8Array = new Uint8Array(0);
  /** Warnings of the first pass (a damaged block: the rest of the file is not read). */
  readonly warnings: string[] = [];
  private readonly pages: Page[] = [];
  private readonly lastStart: number[] = [];
  /** The first pass's pipeline: its processes, stacks and symbols (the details' frames). */
  private pipeline!: TracePipeline;
  /** The id the first pass gave each event of the stream (another pass over the file gives them again: eventIds.ts). */
  readonly eventIds = new EventIdRecorder();

  private constructor(
    private readonly src: ByteSource,
    private readonly closeFile: () => void,
    private readonly options: PagedOptions,
  ) {}

  /** Open `path` (a format-2 file) paged: one pass over its blocks, the event loop turning between them. */
  static async open(path: string, options: PagedOptions = {}): Promise<PagedStore> {
    const file = openTraceFile(path);
    const s = new PagedStore(file.src, file.close, options);
    try {
      await s.firstPass(path, file.size);
    } catch (e) {
      file.close();
      throw e;
    }
    return s;
  }

  /** The first pass's stack resolver (the details' frames). */
  get resolver(): StackResolver {
    return this.pipeline.resolver;
  }

  /** The name of thread `tid` of process `pid`, as the whole trace knows it (the first pass's). */
  threadName(pid: number, tid: number): string {
    return this.pipeline.trace.processes.threadName(pid, tid);
  }

  /** The file's blocks of records read. */
  blockCount(): number {
    return this.blocks.length;
  }

  /** Close the file. */
  close(): void {
    this.closeFile();
  }

  private async firstPass(path: string, fileSize: number): Promise<void> {
    const index = readTraceIndex(this.src, fileSize);
    if (!index) throw new PagedUnavailable('a format-1 trace file has no blocks to page in from: it opens in memory only');
    this.streamHeader = index.streamHeader;
    for (const b of index.blocks) if (b.type === BlockType.records || b.type === BlockType.raw) this.blocks.push(b);
    const n = this.blocks.length;
    this.first = new Float64Array(n + 1);
    this.count = new Uint32Array(n);
    this.hash = new Uint32Array(n);
    let events = 0;
    for (const b of this.blocks) events += b.events;
    const segmentEvents = this.options.segmentEvents ?? 1 << 20;
    let segFirst = 0;
    let segBlock = 0;
    const shared = { tracks: this.tracks, names: this.names };
    let seg!: TraceStore;
    const ids = this.eventIds;
    this.pipeline = new TracePipeline((e) => {
      const before = seg.size;
      seg.add(e);
      // the id the editor's analysis gives it (the store's lastRef, as an open in memory hands it on)
      ids.note(seg.lastRef >= 0 ? segFirst + seg.lastRef : -1, seg.size - before);
    }, { symbolizer: this.options.symbolizer, symbolPath: this.options.symbolPath, pointers: false });
    seg = new TraceStore((pid, tid) => this.pipeline.trace.processes.threadName(pid, tid), this.pipeline.trace.uioDevices, shared);
    this.pipeline.push(this.streamHeader);
    const sealUpTo = (k: number): void => {
      if (this.base < 0) this.base = finestFor(seg, events, this.options.budget ?? DEFAULT_PAGED_BUDGET);
      this.seal(seg, segFirst, segBlock, k);
      segFirst += seg.size;
      segBlock = k;
    };
    // the blocks as the editor reads them (its warnings for a file cut short or damaged), one chunk a block (no
    // slicing), read, decompressed and unpacked by a worker thread; each chunk only valid until the next is asked for
    const state = newReadState();
    const chunks = readTraceStreamOffThread(path, state, Infinity);
    let read = 0;
    let header = true;
    for await (const bytes of chunks) {
      if (header) {
        header = false; // the stream header, pushed above
        continue;
      }
      const k = read;
      if (k >= n) break;
      this.context.push(contextRecords(bytes));
      const before = seg.size;
      this.pipeline.push(bytes);
      this.first[k] = segFirst + before;
      this.count[k] = seg.size - before;
      read = k + 1;
      if (seg.size >= segmentEvents) {
        sealUpTo(k + 1);
        seg = new TraceStore((pid, tid) => this.pipeline.trace.processes.threadName(pid, tid), this.pipeline.trace.uioDevices, shared);
      }
      if ((k & 7) === 7) {
        this.options.progress?.(read / n);
        await new Promise((r) => setImmediate(r));
      }
    }
    this.blocks.length = read;
    this.warnings.push(...state.warnings);
    const before = seg.size;
    this.warnings.push(...this.pipeline.end());
    if (read > 0) this.count[read - 1] += seg.size - before;
    sealUpTo(read);
    this.first[read] = segFirst;
    this.size = segFirst;
    for (const f of this.fine) f?.seal();
    for (const lanes of this.fills) for (const f of lanes ?? []) f?.flush();
    this.fills.length = 0;
    this.finishLevels();
    this.warm();
  }

  /**
   * Windows asked once before the first real one, their replies dropped: the whole trace (as a
   * timeline asks it first), one zoom between two mipmap levels (their buckets merged two by two)
   * and the two zooms just finer than the mipmaps (walked from the compact lists), so that their
   * code is compiled, with the types and object shapes the timeline's windows bring, during the open.
   * Otherwise the first windows of each kind paid it: at 100 M events the walk's and the reply's
   * compiles, 150 ms of CPU or more, fell into the first 2–4 windows of the 65.5 µs zoom.
   */
  private warm(): void {
    if (this.base < 0 || !this.size) return;
    const whole = 2 ** Math.floor(Math.log2(Math.max(1, this.duration / 1600)));
    this.window(ns(0), ns(this.duration), ns(whole));
    for (const log2 of [this.base + 1, this.base - 1, this.base - 2]) {
      const res = 2 ** log2;
      const start = Math.max(0, this.duration / 2 - 800 * res);
      if (log2 >= 0 && res < whole) this.window(ns(start), ns(start + 1600 * res), ns(res));
    }
  }

  /** Summarize the events of `seg` (the trace's ids from `first`, blocks [k0, k1)) into the finest level, the blocks' facts, then drop them. */
  private seal(seg: TraceStore, first: number, k0: number, k1: number): void {
    const size = 2 ** this.base;
    const rows = seg.traits.rows();
    const flags = seg.traits.flagsOf();
    const styles = seg.traits.styleOf();
    const names = seg.name.view();
    // each event's block (the blocks' fingerprints summed as the events are summarized)
    const blockOf = new Uint32Array(seg.size);
    for (let k = k0; k < k1; k++) {
      blockOf.fill(k, this.first[k] - first, this.first[k] - first + this.count[k]);
      this.hash[k] = 0;
    }
    const argHashes = new Map<number, number>();
    for (let t = 0; t < this.tracks.size; t++) {
      const ids = seg.sortedIds(t);
      if (!ids.length) continue;
      const level = (this.levels[t] ??= [{ lanes: [], instants: new InstantList(size) }])[0];
      const fine = (this.fine[t] ??= new FineList());
      const fills = (this.fills[t] ??= []);
      let last = this.lastStart[t] ?? -Infinity;
      for (let i = 0; i < ids.length; i++) {
        const id = ids.get(i);
        const s = seg.start.get(id);
        if (s < last && Math.floor(s / size) < Math.floor(last / size)) {
          throw new PagedUnavailable(`events of track ${t} arrive out of order across ${seg.size.toLocaleString('en-US')}-event stretches: this trace cannot be paged; open it in memory`);
        }
        last = s;
        const row = rows[id];
        const look = lookOf(names[id], styles[row]);
        const lane = seg.lane.get(id);
        const instant = (flags[row] & Flag.instant) !== 0;
        const end = seg.end.get(id);
        const span = seg.end.span(id);
        fine.add(s, end, span, first + id, look, lane, instant);
        const k = blockOf[id];
        this.hash[k] += eventHash(seg, id, first + id - this.first[k], s, end, lane, row, argHashes);
        if (instant) level.instants.add(s, styles[row], first + id);
        else (fills[lane] ??= new BucketFill((level.lanes[lane] ??= new Buckets(size, 1024)))).add(s, end, first + id, span, look);
      }
      this.lastStart[t] = last;
      this.maxSpan[t] = Math.max(this.maxSpan[t] ?? 0, seg.maxSpan[t] ?? 0);
      this.counts[t] = (this.counts[t] ?? 0) + ids.length;
    }
    for (const a of seg.arrows) this.arrows.push({ ...a, id: a.id + first });
    this.gaps.push(...seg.gaps);
    this.duration = Math.max(this.duration, seg.duration);

  }

  /** The coarser levels from the finest, the finest dropped while all take more than half the budget. */
  private finishLevels(): void {
    const budget = this.options.budget ?? DEFAULT_PAGED_BUDGET;
    for (const levels of this.levels) {
      if (!levels) continue;
      for (;;) {
        const finer = levels[levels.length - 1];
        const size = finer.instants.size * 2 ** LEVEL_STEP;
        if (finer.lanes.every((b) => !b || b.length <= 1) && finer.instants.length <= 1) break;
        const lanes = finer.lanes.map((b) => {
          if (!b) return undefined;
          const c = new Buckets(size, Math.max(1, b.length >>> LEVEL_STEP));
          for (let i = 0; i < b.length; i++) c.addFrom(b, i);
          c.trim();
          return c;
        });
        const instants = new InstantList(size);
        const f = finer.instants;
        for (let i = 0; i < f.length; i++) instants.add(f.times[i], f.styles[i], f.ids[i]);
        levels.push({ lanes, instants });
      }
      for (const l of levels) {
        for (const b of l.lanes) b?.trim();
        l.instants.resize(Math.max(1, l.instants.length));
      }
    }
    while (this.summaryBytes() > budget / 2 && this.levels.every((l) => !l || l.length > 1)) {
      for (const l of this.levels) l?.shift();
      this.base += LEVEL_STEP;
    }
  }

  /** Bytes of the mipmaps. */
  summaryBytes(): number {
    let n = 0;
    for (const levels of this.levels) {
      for (const l of levels ?? []) {
        n += arrayBytes(l.instants);
        for (const b of l.lanes) if (b) n += arrayBytes(b);
      }
    }
    return n;
  }

  /** Bytes of the tracks' compact event lists. */
  fineBytes(): number {
    return this.fine.reduce((n, f) => n + (f?.bytes() ?? 0), 0);
  }

  /** Bytes held: the mipmaps, the compact event lists, the blocks' facts and context. */
  heldBytes(): number {
    let n = this.summaryBytes() + this.fineBytes() + arrayBytes(this);
    for (const c of this.context) n += c.byteLength;
    return n;
  }

  /** The tracks in display order, each with its number of events. */
  trackInfos(): TrackInfo[] {
    return this.tracks.all().map((t) => ({ ...t, events: this.counts[t.id] ?? 0 }));
  }

  /** Everything of [start, end) at `resolution` ns, as `queryWindow` gives it from the store of the whole file. */
  window(start: Ns, end: Ns, resolution: Ns): WindowData {
    const res = Math.max(1, resolution);
    const log2 = Math.log2(res);
    const coarse = Number.isInteger(log2) && this.base >= 0 && log2 >= this.base;
    const tracks = coarse ? this.levelTracks(log2) : this.walkedTracks(start, end, res);
    const w = bucketWindow(tracks, start, end, res, this.nameOf);
    return { start, end, resolution: ns(res), spans: w.spans, instants: w.instants, ...linksOf(this, start, end, res, null), names: w.names };
  }

  /** Zoomed out: each track's mipmap level no coarser than 2^`log2` ns. */
  private levelTracks(log2: number): BucketTrack[] {
    const tracks: BucketTrack[] = [];
    for (let t = 0; t < this.levels.length; t++) {
      const levels = this.levels[t];
      if (!levels) continue;
      const l = levels[Math.min(levels.length - 1, Math.floor((log2 - this.base) / LEVEL_STEP))];
      tracks.push({ track: t, lanes: l.lanes, maxSpan: this.maxSpan[t] ?? 0, instants: l.instants.view() });
    }
    return tracks;
  }

  /** Finer: each track's events of [start, end) walked from its compact list, into buckets of `res` ns as the store's walk makes them. */
  private walkedTracks(start: number, end: number, res: number): BucketTrack[] {
    const fromB = Math.floor(start / res) * res;
    const toB = Math.ceil(end / res) * res;
    const tracks: BucketTrack[] = [];
    for (let t = 0; t < this.fine.length; t++) if (this.fine[t]) tracks.push(this.walkedTrack(t, fromB, toB, res));
    return tracks;
  }

  /**
   * Track `t`'s events that reach into [fromB, toB) (whole buckets of `res` ns) walked into its
   * buckets and instants, reused from window to window (bucketWindow copies the reply out).
   */
  private walkedTrack(t: number, fromB: number, toB: number, res: number): BucketTrack {
    const maxSpan = this.maxSpan[t] ?? 0;
    const first = Math.floor((fromB - maxSpan) / res) * res;
    const scratch = (this.scratch[t] ??= { lanes: [], instants: new InstantList(res) });
    this.trackFill.begin(scratch, res, fromB);
    this.fine[t].fill(first, toB, this.trackFill);
    return { track: t, lanes: this.trackFill.finish(), maxSpan, instants: scratch.instants.view() };
  }

  /** Event `id` read back (its block decoded again), or undefined past the end. */
  get(id: number): StoredEvent | undefined {
    const at = this.locate(id);
    const e = at?.store.get(at.id);
    return e && { ...e, id };
  }

  /**
   * Event `id` in a store of its block decoded again (sharing this store's tracks and names), with
   * its id there — what the details pane reads, beside `threadName` and `resolver` —, or undefined past the end.
   */
  locate(id: number): { store: TraceStore; id: number } | undefined {
    if (id < 0 || id >= this.size || !Number.isInteger(id)) return undefined;
    let lo = 0;
    let hi = this.blocks.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (this.first[mid] <= id) lo = mid;
      else hi = mid;
    }
    const page = this.page(lo, lo);
    return { store: page.store, id: id - page.offset };
  }

  /**
   * Blocks [lo, hi] decoded again into a store of their own (kept, LRU), alone or after the blocks
   * before them, checked against the first pass's fingerprints.
   */
  private page(lo: number, hi: number): Page {
    const i = this.pages.findIndex((p) => p.lo <= lo && p.hi >= hi);
    if (i >= 0) {
      const p = this.pages[i];
      this.pages.splice(i, 1);
      this.pages.push(p);
      return p;
    }
    let page: Page | undefined;
    // alone first (most blocks decode so), then after the blocks before them, to warm the assembler up
    for (let warm = 0; !page && warm <= 8; warm = warm ? warm * 2 : 1) page = this.decode(lo, hi, Math.max(0, lo - warm));
    if (!page) throw new PagedUnavailable(`blocks ${lo}–${hi} of the file do not decode alone as they did in order: their events are not available paged`);
    this.pages.push(page);
    if (this.pages.length > (this.options.cached ?? 4)) this.pages.shift();
    return page;
  }

  /** Blocks [from, hi] decoded after the context of the blocks before `from`; undefined when [lo, hi] are not as the first pass found them. */
  private decode(lo: number, hi: number, from: number): Page | undefined {
    // the store made after the pipeline it names threads from; events come only once bytes are pushed
    const pipeline = new TracePipeline((e) => store.add(e), { symbolizer: null, pointers: false });
    const store = new TraceStore((pid, tid) => pipeline.trace.processes.threadName(pid, tid), pipeline.trace.uioDevices, { tracks: this.tracks, names: this.names });
    pipeline.push(this.streamHeader);
    for (let k = 0; k < from; k++) if (this.context[k].length) pipeline.push(this.context[k]);
    if (store.size) return undefined;
    for (let k = from; k <= hi; k++) pipeline.push(readBlock(this.src, this.blocks[k]));
    if (hi === this.blocks.length - 1) pipeline.end();
    const offset = this.first[from];
    const argHashes = new Map<number, number>();
    for (let k = lo; k <= hi; k++) {
      const a = this.first[k] - offset;
      if (a + this.count[k] > store.size || fingerprint(store, a, a + this.count[k], argHashes) !== this.hash[k]) return undefined;
    }
    return { lo, hi, store, offset };
  }
}
