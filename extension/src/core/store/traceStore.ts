/**
 * The trace as the timeline needs it: every event as a row of typed-array columns (start, end,
 * track, style...), per-track indexes sorted by start, the causal arrows and the gaps where
 * records were lost. Arguments are interned (a million identical epoll_wait argument lists are
 * stored once). Built while events stream in; queried by window (window.ts) and for analysis.
 */
import { Style, type StyleCode, type TrackInfo } from '../../../../protocol/messages';
import type { StoreAdder, StoreContext, StoreUpdate } from '../kinds/kind';
import { KindCode, kindOfCode, PerKind } from '../kinds/registry';
import type { Args, EventKind, TraceEvent } from '../model/events';
import { UioTracker, type UioDevices } from '../model/uio';
import { EndColumn, IntColumn, InternTable, NarrowColumn, NO_KEYS, sameJsonWithout, StringTable } from './columns';
import { Flag } from './flags';
import { StartColumn } from './startColumn';
import { TraitColumn } from './traitColumn';
import { TrackIndex } from './trackIndex';
import { ZeroColumn } from './zeroColumn';
import { Tracks } from './tracks';

export { Flag } from './flags';

/** One stored event, read back. */
export interface StoredEvent {
  readonly id: number;
  readonly kind: EventKind;
  readonly name: string;
  readonly pid: number;
  readonly tid: number;
  readonly track: number;
  readonly start: number;
  /** null for instants */
  readonly end: number | null;
  readonly style: StyleCode;
  readonly flags: number;
  /** ret, res, count... */
  readonly value: number;
  readonly stackId: bigint;
  readonly args: Args;
}

/** A causal link (request, signal, wake-up). */
export interface StoredArrow {
  readonly fromTrack: number;
  readonly fromTime: number;
  readonly toTrack: number;
  readonly toTime: number;
  readonly style: StyleCode;
  readonly id: number;
}

/** Records lost between two times. */
export interface Gap {
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

/** The columnar trace. */
export class TraceStore {
  readonly tracks: Tracks;
  readonly start = new StartColumn();
  readonly end = new EndColumn(this.start);
  readonly track = new NarrowColumn();
  readonly lane = new ZeroColumn();
  /** Each event's kind, style and flags (bits of `Flag`), packed in one narrow row. */
  readonly traits = new TraitColumn();
  readonly name = new NarrowColumn();
  readonly value = new IntColumn();
  readonly stack = new NarrowColumn();
  readonly args = new NarrowColumn();
  readonly names: StringTable;
  readonly argTable = new InternTable<Args>();
  /** Stack ids by index (0: none). */
  readonly stackIds: bigint[] = [0n];
  private readonly stackIndex = new Map<bigint, number>([[0n, 0]]);
  /** Per track, event ids in arrival order, sorted by start on demand. */
  private readonly perTrack: TrackIndex[] = [];
  private readonly sortedUpTo: number[] = [];
  /** Per track, how many of its ids sortedIds has handed out sorted (a summary may have read them). */
  private readonly handedOut: number[] = [];
  /** Longest span per track (bounds the window search). */
  readonly maxSpan: number[] = [];
  /** Per track, how many times one of its events changed in place other than by growing (`grown`), or its ids handed out sorted were reordered by a later arrival (summaries built before are stale). */
  readonly edits: number[] = [];
  /**
   * Per track, the events whose span grew in place (a call reported while in progress, then
   * finished, its start and lane the same), in the order they grew: summaries patch them in
   * (summary.ts) instead of being built again — at the end of a server's recording its few
   * calls still in progress finish, and each rebuilt its track's summaries whole.
   */
  readonly grown: number[][] = [];
  readonly arrows: StoredArrow[] = [];
  readonly gaps: Gap[] = [];
  /** End of everything known, ns. */
  duration = 0;
  dropped = 0;
  /** Bumped on every change, so views know when to refresh. */
  revision = 0;
  /**
   * The id of the event the last `add` stored or updated (a call reported again while in progress
   * keeps its first id); -1 when it stored none (a rename, a loss).
   */
  lastRef = -1;

  private readonly uio: UioTracker;
  /** Each kind's part of this store (kinds/). */
  private readonly adders: PerKind<StoreAdder<TraceEvent>>;

  constructor(
    private readonly threadName: (pid: number, tid: number) => string,
    uioDevices: UioDevices = new Map(),
    /** The tracks and names of a larger trace this store holds a stretch of (pagedStore.ts: its ids and name ids are the whole trace's). */
    shared?: { readonly tracks: Tracks; readonly names: StringTable },
  ) {
    this.tracks = shared?.tracks ?? new Tracks();
    this.names = shared?.names ?? new StringTable();
    this.uio = new UioTracker(uioDevices);
    const ctx = this.context();
    this.adders = new PerKind((m) => m.store(ctx));
  }

  /** What the kinds add to (kinds/kind.ts). */
  private context(): StoreContext {
    return {
      tracks: this.tracks,
      uio: this.uio,
      duration: () => this.duration,
      thread: (pid, tid) => this.threadTrack(pid, tid),
      trackArgs: (track) => {
        const id = this.lastArgs[track];
        return id === undefined ? undefined : this.argTable.get(id);
      },
      push: (r) => this.push(KindCode[r.kind], r.name, r.track, r.start, r.end, r.style, r.flags, r.value, r.stackId, r.args, r.lane, r.hidden, r.notLast),
      update: (id, u) => this.update(id, u),
      arrow: (a) => this.arrows.push(a),
      gap: (g) => {
        this.gaps.push(g);
        this.dropped += g.count;
        this.revision++;
      },
    };
  }

  /** Number of events. */
  get size(): number {
    return this.start.length;
  }

  private stackRef(id: bigint): number {
    let i = this.stackIndex.get(id);
    if (i === undefined) {
      i = this.stackIds.length;
      this.stackIds.push(id);
      this.stackIndex.set(id, i);
    }
    return i;
  }

  /**
   * Per track, the name and the stack of its last event and their ids: a thread mostly repeats its
   * call from the same place, found with one comparison each instead of a Map lookup (a stack's by a bigint).
   */
  private readonly lastName: string[] = [];
  private readonly lastNameId: number[] = [];
  private readonly lastStack: bigint[] = [];
  private readonly lastStackRef: number[] = [];

  private nameOn(track: number, name: string): number {
    const id = this.names.id(name);
    this.lastName[track] = name;
    this.lastNameId[track] = id;
    return id;
  }

  private stackOn(track: number, stackId: bigint): number {
    const ref = this.stackRef(stackId);
    this.lastStack[track] = stackId;
    this.lastStackRef[track] = ref;
    return ref;
  }

  private index(track: number): TrackIndex {
    while (this.perTrack.length <= track) {
      this.perTrack.push(new TrackIndex());
      this.sortedUpTo.push(0);
      this.handedOut.push(0);
      this.maxSpan.push(0);
      this.edits.push(0);
      this.grown.push([]);
    }
    return this.perTrack[track];
  }

  private push(
    kind: number, name: string, track: number, start: number, end: number | null, style: StyleCode, flags: number,
    value: number, stackId: bigint, args: Args, lane = 0, hidden: readonly string[] = NO_KEYS, notLast = false,
  ): number {
    const id = this.start.push(start);
    this.end.push(end ?? Number.NaN);
    this.track.push(track);
    this.lane.push(lane);
    this.traits.push(kind, style, flags | (end === null ? Flag.instant : 0));
    this.name.push(this.lastName[track] === name ? this.lastNameId[track] : this.nameOn(track, name));
    this.value.push(value);
    this.stack.push(this.lastStack[track] === stackId ? this.lastStackRef[track] : this.stackOn(track, stackId));
    this.args.push(this.argsId(track, args, hidden, notLast));
    const idx = this.index(track);
    idx.push(id);
    if (idx.length > 1 && this.start.get(idx.get(idx.length - 2)) > start) {
      this.sortedUpTo[track] = Math.min(this.sortedUpTo[track], idx.length - 2);
    } else if (this.sortedUpTo[track] === idx.length - 1) this.sortedUpTo[track] = idx.length;
    if (end !== null && end - start > this.maxSpan[track]) this.maxSpan[track] = end - start;
    this.duration = Math.max(this.duration, end ?? start);
    this.revision++;
    return id;
  }

  /** Each thread's track (Tracks.thread's answer never changes once given; asked for every event). */
  private readonly threadTracks = new Map<number, number>();

  /** Per track, the id of the argument list last stored on it: a thread mostly repeats its own calls. */
  private readonly lastArgs: number[] = [];

  /**
   * The id in argTable of the argument list `args` without its keys in `hidden`: the track's last
   * one when the same (one comparison, no hash), else the table's. `notLast`: the caller already found
   * them unlike the track's last (a server's calls mostly differ from it: that comparison is not made twice).
   */
  private argsId(track: number, args: Args, hidden: readonly string[], notLast: boolean): number {
    const last = this.lastArgs[track];
    if (last !== undefined && !notLast) {
      const stored = this.argTable.get(last) as Args;
      if (stored === args || sameJsonWithout(args, stored, hidden)) return last;
    }
    const id = this.argTable.idWithout(args, hidden);
    this.lastArgs[track] = id;
    return id;
  }

  private threadTrack(pid: number, tid: number): number {
    let track = this.threadTracks.get(tid);
    if (track === undefined) {
      track = this.tracks.thread(pid, tid, this.threadName(pid, tid));
      this.threadTracks.set(tid, track);
    }
    return track;
  }

  /** Add one event. Returns its id, or -1 when it only updated another (an unfinished call). */
  add(e: TraceEvent): number {
    this.lastRef = -1;
    const id = this.addEvent(e);
    if (id >= 0) this.lastRef = id;
    // an interrupt of a UIO device that woke its driver: an arrow from the device to the thread
    const wake = this.uio.add(e, id);
    if (wake && id >= 0) {
      this.arrows.push({
        fromTrack: this.track.get(wake.irqRef), fromTime: wake.irqTs, toTrack: this.track.get(id), toTime: wake.wakeTs, style: Style.uio, id,
      });
    }
    return id;
  }

  private addEvent(e: TraceEvent): number {
    return this.adders.of(e.kind)(e);
  }

  /** Update stored event `id` in place (a call reported again while in progress, or finished). */
  private update(id: number, u: StoreUpdate): void {
    const track = this.track.get(id);
    const was = this.end.get(id);
    const instant = (this.traits.flags(id) | u.flags) & Flag.instant;
    this.end.set(id, u.end);
    this.traits.set(id, u.style, u.flags);
    this.value.set(id, u.value);
    this.args.set(id, this.argsId(track, u.args, u.hidden ?? NO_KEYS, u.notLast ?? false));
    if (u.stackId) this.stack.set(id, this.stackRef(u.stackId));
    const span = u.end - this.start.get(id);
    if (span > this.maxSpan[track]) this.maxSpan[track] = span;
    // a span that only grew (a call in progress, then finished) is patched into its summaries; any other change rebuilds them
    if (!instant && u.end >= was) this.grown[track].push(id);
    else this.edits[track]++;
    this.duration = Math.max(this.duration, u.end);
    this.revision++;
    this.lastRef = id;
  }

  /** Drop the columns' spare capacity, once no more events are expected (a file read whole); adding more still works. */
  trim(): void {
    for (const step of this.trimSteps()) step();
  }

  /**
   * `trim` as steps, a column or track index each (the largest, at 10 M events, copies 40 MB), for
   * a caller that lets the event loop turn between them; the store stays whole between any two.
   */
  trimSteps(): (() => void)[] {
    const columns = [this.end, this.track, this.lane, this.traits, this.name, this.value, this.stack, this.args, ...this.perTrack];
    return [...this.start.trimSteps(), ...columns.map((c) => () => c.trim())];
  }

  /**
   * Room for `rows` events in all, made at once (a file's index tells how many are coming): the
   * columns then fill without doubling — at 10 M events each doubling copied the columns in one
   * piece of 0.3–0.9 s on the event loop, at 2, 4 and 8 M. More rows still fit (the columns grow
   * again), fewer leave spare capacity for `trim`.
   */
  reserve(rows: number): void {
    for (const c of [this.start, this.end, this.track, this.traits, this.name, this.value, this.stack, this.args]) c.reserve(rows);
  }

  /** The tracks in display order, each with its number of events. */
  trackInfos(): TrackInfo[] {
    return this.tracks.all().map((t) => ({ ...t, events: this.perTrack[t.id]?.length ?? 0 }));
  }

  /**
   * Event ids of a track, sorted by start (do not keep it across adds). The ids added since the last
   * call are sorted alone and merged into the sorted ones from where their least start falls — a
   * wake-up is stored before the call it ended, which began earlier, at every turn of a server's
   * loop: sorting the whole track again at each call made opening a real server's trace quadratic
   * (an nginx recording of 1.25 M events took 25 s of CPU). Equal starts keep the order they were
   * added in, as a stable sort of the whole track would. `edits` counts the calls whose merge
   * reached ids handed out sorted before (their summaries are built again).
   */
  sortedIds(track: number): TrackIndex {
    const idx = this.index(track);
    const from = this.sortedUpTo[track];
    if (from < idx.length) {
      const start = this.start;
      const tail = new Uint32Array(idx.length - from);
      for (let i = 0; i < tail.length; i++) tail[i] = idx.get(from + i);
      tail.sort((a, b) => start.get(a) - start.get(b));
      const least = start.get(tail[0]);
      // the first sorted id starting after the tail's least (ties stay before the tail's)
      let lo = 0;
      let hi = from;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (start.get(idx.get(mid)) <= least) lo = mid + 1;
        else hi = mid;
      }
      const merged = new Uint32Array(idx.length - lo);
      let i = lo;
      let j = 0;
      let k = 0;
      while (i < from && j < tail.length) {
        const a = idx.get(i);
        const b = tail[j];
        if (start.get(b) < start.get(a)) {
          merged[k++] = b;
          j++;
        } else {
          merged[k++] = a;
          i++;
        }
      }
      while (i < from) merged[k++] = idx.get(i++);
      while (j < tail.length) merged[k++] = tail[j++];
      idx.rewrite(lo, merged);
      if (lo < this.handedOut[track]) this.edits[track]++;
      this.sortedUpTo[track] = idx.length;
    }
    this.handedOut[track] = idx.length;
    return idx;
  }

  /** Read one event back. */
  get(id: number): StoredEvent | undefined {
    if (id < 0 || id >= this.size) return undefined;
    const track = this.track.get(id);
    const info = this.tracks.info(track);
    const end = this.end.get(id);
    return {
      id,
      kind: kindOfCode(this.traits.kind(id)),
      name: this.names.get(this.name.get(id)),
      pid: info?.pid ?? 0,
      tid: info?.tid ?? 0,
      track,
      start: this.start.get(id),
      end: Number.isNaN(end) ? null : end,
      style: this.traits.style(id) as StyleCode,
      flags: this.traits.flags(id),
      value: this.value.get(id),
      stackId: this.stackIds[this.stack.get(id)] ?? 0n,
      args: this.argTable.get(this.args.get(id)) ?? {},
    };
  }
}
