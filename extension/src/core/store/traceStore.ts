/**
 * The trace as the timeline needs it: every event as a row of typed-array columns (start, end,
 * track, style...), per-track indexes sorted by start, the causal arrows and the gaps where
 * records were lost. Arguments are interned (a million identical epoll_wait argument lists are
 * stored once). Built while events stream in; queried by window (window.ts) and for analysis.
 */
import { SYSCALLS } from '../../../../protocol/generated/wire';
import { Style, UNFINISHED_BIT, type StyleCode, type TrackInfo } from '../../../../protocol/messages';
import { KindCode, kindOfCode, type Args, type EventKind, type TraceEvent } from '../model/events';
import { UioTracker, type UioDevices } from '../model/uio';
import { LossGaps, generateThread, shownArgs, signalLabel, taskLabel, uioLabel, wakeLabel } from '../model/labels';
import { Column, IntColumn, InternTable, StringTable } from './columns';
import { Tracks } from './tracks';


/** Bits of the flags column. */
export const Flag = { unfinished: 1, error: 2, instant: 4, wait: 8, blocking: 16 } as const;

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

const MODEL_STYLE: Record<string, StyleCode> = {
  multiplexing: Style.multiplexing, aio: Style.aio, uring: Style.uring, signal: Style.signal, uio: Style.uio,
  blocking: Style.blocking, wakeup: Style.wakeup, lifecycle: Style.lifecycle,
};

/** The columnar trace. */
export class TraceStore {
  readonly tracks = new Tracks();
  readonly start = new Column(Float64Array);
  readonly end = new Column(Float64Array);
  readonly track = new Column(Uint32Array);
  readonly style = new Column(Uint8Array);
  readonly lane = new Column(Uint8Array);
  readonly kind = new Column(Uint8Array);
  readonly name = new Column(Uint16Array);
  readonly flags = new Column(Uint8Array);
  readonly value = new IntColumn();
  readonly stack = new Column(Uint32Array);
  readonly args = new Column(Uint32Array);
  readonly names = new StringTable();
  readonly argTable = new InternTable<Args>();
  /** Stack ids by index (0: none). */
  readonly stackIds: bigint[] = [0n];
  private readonly stackIndex = new Map<bigint, number>([[0n, 0]]);
  /** Per track, event ids in arrival order, sorted by start on demand. */
  private readonly perTrack: Column<Uint32Array>[] = [];
  private readonly sortedUpTo: number[] = [];
  /** Longest span per track (bounds the window search). */
  readonly maxSpan: number[] = [];
  /** Per track, how many times one of its events changed in place or arrived out of start order (summaries built before are stale). */
  readonly edits: number[] = [];
  readonly arrows: StoredArrow[] = [];
  readonly gaps: Gap[] = [];
  /** End of everything known, ns. */
  duration = 0;
  dropped = 0;
  private readonly unfinished = new Map<string, number>();
  private readonly generated = new Map<string, { track: number; ts: number }>();
  private readonly lossGaps = new LossGaps();
  /** Bumped on every change, so views know when to refresh. */
  revision = 0;
  /**
   * The id of the event the last `add` stored or updated (a call reported again while in progress
   * keeps its first id); -1 when it stored none (a rename, a loss).
   */
  lastRef = -1;

  private readonly uio: UioTracker;

  constructor(
    private readonly threadName: (pid: number, tid: number) => string,
    uioDevices: UioDevices = new Map(),
  ) {
    this.uio = new UioTracker(uioDevices);
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

  private index(track: number): Column<Uint32Array> {
    while (this.perTrack.length <= track) {
      this.perTrack.push(new Column(Uint32Array, 256));
      this.sortedUpTo.push(0);
      this.maxSpan.push(0);
      this.edits.push(0);
    }
    return this.perTrack[track];
  }

  private push(
    kind: number, name: string, track: number, start: number, end: number | null, style: StyleCode, flags: number,
    value: number, stackId: bigint, args: Args, lane = 0,
  ): number {
    const id = this.start.push(start);
    this.end.push(end ?? Number.NaN);
    this.track.push(track);
    this.style.push(style);
    this.lane.push(lane);
    this.kind.push(kind);
    this.name.push(this.names.id(name));
    this.flags.push(flags | (end === null ? Flag.instant : 0));
    this.value.push(value);
    this.stack.push(this.stackRef(stackId));
    this.args.push(this.argTable.id(args));
    const idx = this.index(track);
    idx.push(id);
    if (idx.length > 1 && this.start.get(idx.get(idx.length - 2)) > start) {
      this.sortedUpTo[track] = Math.min(this.sortedUpTo[track], idx.length - 2);
      this.edits[track]++;
    } else if (this.sortedUpTo[track] === idx.length - 1) this.sortedUpTo[track] = idx.length;
    if (end !== null && end - start > this.maxSpan[track]) this.maxSpan[track] = end - start;
    this.duration = Math.max(this.duration, end ?? start);
    this.revision++;
    return id;
  }

  private threadTrack(pid: number, tid: number): number {
    return this.tracks.thread(pid, tid, this.threadName(pid, tid));
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
    switch (e.kind) {
      case 'syscall':
        return this.addSyscall(e);
      case 'aio':
      case 'uring': {
        const track = this.tracks.requests(e.pid);
        const start = e.submitTs ?? e.completeTs ?? e.ts;
        const end = e.completeTs ?? Math.max(this.duration, start);
        const lane = this.tracks.lane(track, start, end);
        const flags = (e.completeTs === null ? Flag.unfinished : 0) | (e.res !== null && e.res < 0 ? Flag.error : 0);
        // the threads that submitted and reaped it (the requests track belongs to the process)
        const args: Args = { ...e.args, data: '0x' + e.data.toString(16), ends: e.ends, submitted_by: e.tid, completed_by: e.completeTid };
        if (e.reapTs !== null && e.submitTs !== null && e.reapTs !== e.completeTs) args.reap_ns = e.reapTs - e.submitTs;
        if (e.beforeRecording) args.submitted_before_recording = true;
        const model = e.kind === 'aio' ? Style.aio : Style.uring;
        const id = this.push(KindCode[e.kind], e.name, track, start, end, (e.completeTs === null ? model | UNFINISHED_BIT : model) as StyleCode, flags, e.res ?? 0, e.stackId, args, lane);
        if (e.submitTs !== null && e.completeTs !== null) {
          this.arrows.push({
            fromTrack: this.threadTrack(e.pid, e.tid), fromTime: e.submitTs,
            toTrack: e.completeTid ? this.threadTrack(e.pid, e.completeTid) : track, toTime: e.completeTs,
            style: e.kind === 'aio' ? Style.aio : Style.uring, id,
          });
        }
        return id;
      }
      case 'signal': {
        const track = this.threadTrack(e.pid, e.tid);
        if (e.phase === 'handler') {
          return this.push(KindCode.signal, signalLabel(e), track, e.ts, e.ts + (e.dur ?? 0), Style.signal, 0, 0, e.stackId, { ...e.args, handler_ns: e.dur });
        }
        if (e.phase === 'generate') {
          const sender = generateThread(e);
          const from = this.threadTrack(sender.pid, sender.tid);
          this.generated.set(`${e.pid}:${e.sig}:${e.ts}`, { track: from, ts: e.ts });
          return this.push(KindCode.signal, signalLabel(e), from, e.ts, null, Style.signal, 0, e.code, 0n, e.args);
        }
        const id = this.push(KindCode.signal, signalLabel(e), track, e.ts, null, Style.signal, 0, e.code, e.stackId, { ...e.args, generated_ns_ago: e.generateTs !== null ? e.ts - e.generateTs : null });
        const gen = e.generateTs !== null ? this.generated.get(`${e.pid}:${e.sig}:${e.generateTs}`) : undefined;
        if (gen) this.arrows.push({ fromTrack: gen.track, fromTime: gen.ts, toTrack: track, toTime: e.ts, style: Style.signal, id });
        return id;
      }
      case 'irq': {
        const dev = this.uio.deviceOfIrq(e.irq);
        const track = dev ? this.tracks.uio(dev.index, uioLabel(dev)) : this.tracks.irq(e.cpu);
        return this.push(KindCode.irq, e.name, track, e.ts, e.ts + e.dur, dev ? Style.uio : Style.irq, e.ret === 0 ? Flag.error : 0, e.ret, 0n, e.args);
      }
      case 'wake': {
        const from = this.threadTrack(e.pid, e.tid);
        const id = this.push(KindCode.wake, wakeLabel(e), from, e.ts, null, Style.wakeup, 0, 0, 0n, e.args);
        this.arrows.push({ fromTrack: from, fromTime: e.ts, toTrack: this.threadTrack(e.wakeePid, e.wakeeTid), toTime: e.ts, style: Style.wakeup, id });
        return id;
      }
      case 'process':
      case 'thread': {
        if (e.name === 'rename' || e.name === 'existing' || e.name === 'start' || e.name === 'exec') this.tracks.rename(e.pid, e.tid, e.comm);
        if (e.name === 'existing' || e.name === 'rename') {
          this.threadTrack(e.pid, e.tid);
          return -1;
        }
        return this.push(KindCode[e.kind], taskLabel(e), this.threadTrack(e.pid, e.tid), e.ts, null, Style.lifecycle, 0, e.exitCode ?? 0, 0n, e.args);
      }
      case 'drop': {
        const prev = this.lossGaps.start(e);
        this.gaps.push({ start: prev, end: e.ts, count: e.count });
        this.dropped += e.count;
        this.revision++;
        return -1;
      }
    }
  }

  private addSyscall(e: TraceEvent & { kind: 'syscall' }): number {
    const info = SYSCALLS.get(e.sys);
    const track = this.threadTrack(e.pid, e.tid);
    const key = `${e.tid}:${e.ts}`;
    const cls = info?.class === 'wait' ? Flag.wait : info?.class === 'blocking' ? Flag.blocking : 0;
    const flags = cls | (e.unfinished ? Flag.unfinished : 0) | (e.error ? Flag.error : 0);
    const model = MODEL_STYLE[e.model] ?? Style.blocking;
    const style = (e.unfinished ? model | UNFINISHED_BIT : model) as StyleCode;
    const args = shownArgs(e);
    const previous = this.unfinished.get(key);
    if (previous !== undefined) {
      // the same call, reported again while it lasts, or finished: update it in place
      this.end.set(previous, e.ts + e.dur);
      this.flags.set(previous, flags);
      this.style.set(previous, style);
      this.value.set(previous, e.ret);
      this.args.set(previous, this.argTable.id(args));
      if (e.stackId) this.stack.set(previous, this.stackRef(e.stackId));
      if (e.dur > this.maxSpan[track]) this.maxSpan[track] = e.dur;
      this.edits[track]++;
      this.duration = Math.max(this.duration, e.ts + e.dur);
      if (!e.unfinished) this.unfinished.delete(key);
      this.revision++;
      this.lastRef = previous;
      return -1;
    }
    const id = this.push(KindCode.syscall, e.name, track, e.ts, e.ts + e.dur, style, flags, e.ret, e.stackId, args);
    if (e.unfinished) this.unfinished.set(key, id);
    return id;
  }

  /** Drop the columns' spare capacity, once no more events are expected (a file read whole); adding more still works. */
  trim(): void {
    for (const c of [this.start, this.end, this.track, this.style, this.lane, this.kind, this.name, this.flags, this.value, this.stack, this.args, ...this.perTrack]) c.trim();
  }

  /** The tracks in display order, each with its number of events. */
  trackInfos(): TrackInfo[] {
    return this.tracks.all().map((t) => ({ ...t, events: this.perTrack[t.id]?.length ?? 0 }));
  }

  /** Event ids of a track, sorted by start. */
  sortedIds(track: number): Uint32Array {
    const idx = this.index(track);
    if (this.sortedUpTo[track] < idx.length) {
      const view = idx.view();
      const start = this.start.view();
      view.sort((a, b) => start[a] - start[b]);
      this.sortedUpTo[track] = idx.length;
    }
    return idx.view();
  }

  /** Read one event back. */
  get(id: number): StoredEvent | undefined {
    if (id < 0 || id >= this.size) return undefined;
    const track = this.track.get(id);
    const info = this.tracks.info(track);
    const end = this.end.get(id);
    return {
      id,
      kind: kindOfCode(this.kind.get(id)),
      name: this.names.get(this.name.get(id)),
      pid: info?.pid ?? 0,
      tid: info?.tid ?? 0,
      track,
      start: this.start.get(id),
      end: Number.isNaN(end) ? null : end,
      style: this.style.get(id) as StyleCode,
      flags: this.flags.get(id),
      value: this.value.get(id),
      stackId: this.stackIds[this.stack.get(id)] ?? 0n,
      args: this.argTable.get(this.args.get(id)) ?? {},
    };
  }
}
