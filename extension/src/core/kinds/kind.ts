/**
 * The interface every kind of event implements, as Perfetto's UI gives each kind of track one
 * descriptor: what the kind is, its one-line text and JSON fields, its rows in the details pane,
 * its rows in the timeline's store, its slices, instants and flows in an export, and its numbers
 * in the report. A kind lives in one module of this folder; registry.ts lists the modules once and
 * every consumer (format, store, export, report) dispatches through it instead of switching on
 * the kind.
 *
 * A consumer that keeps state per kind (calls still in progress, signals waiting for their
 * delivery) gets it from the kind: `store` and `export` are factories called once per store or
 * export, whose closures hold that state. The contexts below are what the consumer lends a kind;
 * they are implemented by TraceStore, ExportMapper and ReportBuilder.
 */
import type { IoModelName, WireRecord } from '../../../../protocol/generated/wire';
import type { StyleCode, TrackInfo } from '../../../../protocol/messages';
import type { ExportCounts } from '../export/mapper';
import type { FlowBook, PendingEnd } from '../export/flows';
import type { FlowEnd } from '../export/model';
import type { ExportTracks } from '../export/tracks';
import type { DropTotals } from '../model/assembler';
import type { EpollRegistry } from '../model/args';
import type { Args, ArgValue, EventBase, TraceEvent } from '../model/events';
import type { FdTables } from '../model/fdtable';
import type { MapTables } from '../model/maps';
import type { ProcessTable } from '../model/processes';
import type { RequestTracker } from '../model/requests';
import type { SignalTracker } from '../model/signals';
import type { UioTracker, UioWake } from '../model/uio';
import type { EngineDepths } from '../report/engines';
import type { StoredArrow, StoredEvent, Gap } from '../store/traceStore';
import type { Tracks } from '../store/tracks';
import type { SyscallArgsMemo } from './syscallArgsMemo';

/** What a kind of event is. */
export interface KindInfo {
  /** The system's, not a thread's (an interrupt, lost records): no thread to name. */
  readonly threadless: boolean;
  /** A request submitted and completed (Linux AIO, io_uring), not a call: its title names the engine. */
  readonly engine: string | null;
}

/** Colours a piece of a text line (a no-op without colour). */
export type Paint = (style: 'dim' | 'bold' | 'red' | 'yellow' | 'cyan', s: string) => string;

/** The JSON fields of an event line. */
export type JsonFields = { [key: string]: ArgValue };

/** One row of the details pane. */
export interface DetailField {
  readonly label: string;
  readonly value: string;
}

/** What the details pane lends a kind. */
export interface DetailsContext {
  /** The track the event is on. */
  readonly track: TrackInfo | undefined;
  /** A thread's name. */
  nameOf(pid: number, tid: number): string;
}

/** What a kind adds to the details pane. */
export interface KindDetails {
  /** The rows that say whose event it is (default: its thread). */
  who?(e: StoredEvent, ctx: DetailsContext): DetailField[];
  /** The label of the result row (the stored value), null: no result row. */
  readonly result: string | null;
  /** Arguments the pane leaves out for this kind (shown in `who`, or meaningless). */
  hides?(key: string, value: ArgValue): boolean;
}

/** One row of the timeline's store, as a kind places it (`lane`: the lane of a requests track). */
export type StoreRow = Pick<StoredEvent, 'kind' | 'name' | 'track' | 'start' | 'end' | 'style' | 'flags' | 'value' | 'stackId' | 'args'> & {
  readonly lane?: number;
  /** Keys of `args` the store leaves out (a syscall's pointers): it keeps a copy without them, made only for a list it has not seen. */
  readonly hidden?: readonly string[];
  /** The kind found `args` unlike the track's last stored list (StoreContext.trackArgs): the store does not compare them again. */
  readonly notLast?: boolean;
};

/** A stored event seen again with newer values (a call reported while in progress, then finished). */
export interface StoreUpdate {
  readonly end: number;
  readonly flags: number;
  readonly style: StyleCode;
  readonly value: number;
  readonly args: Args;
  /** As StoreRow's: keys of `args` left out. */
  readonly hidden?: readonly string[];
  /** As StoreRow's: `args` found unlike the track's last stored list. */
  readonly notLast?: boolean;
  /** 0n: keep the stack it has. */
  readonly stackId: bigint;
}

/** What the timeline's store lends a kind. */
export interface StoreContext {
  readonly tracks: Tracks;
  readonly uio: UioTracker;
  /** The end of everything known so far, ns. */
  duration(): number;
  /** A thread's track (made on first use). */
  thread(pid: number, tid: number): number;
  /** The arguments last stored on a track (a thread mostly repeats its own calls); undefined: none yet. */
  trackArgs(track: number): Args | undefined;
  /** Store a row; its id. The row is read at once, not kept (an adder may reuse it). */
  push(row: StoreRow): number;
  /** Update stored event `id` in place. */
  update(id: number, u: StoreUpdate): void;
  arrow(a: StoredArrow): void;
  /** Records lost between two times (no row). */
  gap(g: Gap): void;
}

/** Adds one event of the kind to a store: its id, or -1 when it stored none (or only updated one). */
export type StoreAdder<E> = (e: E) => number;

/** What an export lends a kind. */
export interface ExportContext {
  readonly tracks: ExportTracks;
  readonly flows: FlowBook;
  readonly counts: ExportCounts;
  readonly uio: UioTracker;
  /** The latest time seen (where requests still in flight end). */
  latest(): number;
  /** Time `ts` was seen. */
  seen(ts: number): void;
  slice(
    track: number, ts: number, dur: number, name: string, category: string, args: Args, stackId: bigint,
    flowsOut: readonly FlowEnd[], flowsStep: readonly FlowEnd[], flowsIn: readonly FlowEnd[],
  ): void;
  instant(track: number, ts: number, name: string, category: string, args: Args, stackId: bigint, flowsOut: readonly FlowEnd[], flowsIn: readonly FlowEnd[]): void;
  /** A flow's far end waits for a call of thread `tid`. */
  wait(tid: number, end: PendingEnd): void;
  /** A flow's far end that is not a call of its thread: an instant of its own there. */
  fallback(p: PendingEnd): void;
  /** If a UIO interrupt woke event `e`, the flow from the interrupt ends in `flowsIn`. */
  uioWoke(e: TraceEvent, flowsIn: FlowEnd[]): void;
}

/** A kind's part of one export. */
export interface KindExporter<E> {
  add(e: E): void;
  /** The input ended: write what still waits, without inventing a partner. */
  finish?(): void;
  /** A UIO interrupt this kind holds woke an event: write it with the flow's start, the end in `flowsIn`. */
  woke?(w: UioWake, flowsIn: FlowEnd[]): void;
}

/** One of the longest waits of the report. */
export interface LongWait {
  readonly pid: number;
  readonly tid: number;
  readonly name: string;
  readonly ts: number;
  readonly dur: number;
  readonly unfinished: boolean;
  readonly stackId: bigint;
  readonly fd: number | null;
}

/** A histogram of durations of one kind of call in one thread. */
export interface DurationSink {
  add(dur: number): void;
  /** `n` calls of `dur` each (a coalesced run of polls). */
  addMany(dur: number, n: number): void;
  errors: number;
}

/** What the report lends a kind. */
export interface ReportContext {
  /** The statistics of `name` in a thread (pid 0, tid: the CPU for interrupts). */
  entry(pid: number, tid: number, name: string, model: IoModelName | 'irq'): DurationSink;
  /** Finished syscalls are counted by the analysis' call sites, which the report reads (no `entry` for them). */
  readonly syscallsCounted: boolean;
  /** A candidate for the longest waits. */
  long(w: LongWait): void;
  /** Whether a wait of `dur` ns would enter the longest waits (ask before building its LongWait). */
  longEnough(dur: number): boolean;
  /** A call still in progress, by key (null: it finished). */
  inProgress(key: string, w: LongWait | null): void;
  /** Whether any call is in progress (ask before building a key to clear). */
  anyInProgress(): boolean;
  readonly engines: EngineDepths;
}

/** What the assembler lends a kind to decode its records into events (model/assembler.ts). */
export interface DecodeContext {
  /** ns since the trace's origin. */
  rel(ts: number): number;
  /** A finished event. */
  emit(e: TraceEvent): void;
  readonly processes: ProcessTable;
  readonly fds: FdTables;
  readonly maps: MapTables;
  readonly epoll: EpollRegistry;
  /** Per thread, its last few different syscalls' args, shared by a repeat of one while the tables stay the same. */
  readonly argsMemo: SyscallArgsMemo;
  /**
   * Decode syscalls' pointer arguments (as hex), else leave them out of the args: false when every
   * consumer of the events drops them (a store keeps args without them, model/labels.ts hiddenArgs;
   * the analysis reads none), so that none is made for nothing.
   */
  readonly pointers: boolean;
  readonly requests: RequestTracker;
  readonly signals: SignalTracker;
  readonly drops: DropTotals;
  /** Warnings about the content of the trace. */
  readonly warnings: string[];
}

/** Decoders of wire records, by record kind. */
export type Decoders = { readonly [W in WireRecord['kind']]?: (r: Extract<WireRecord, { kind: W }>, ctx: DecodeContext) => void };

/** One kind of event (or a family sharing everything but a name, such as AIO and io_uring requests). */
export interface EventKindModule<E extends EventBase> {
  /** The kinds this module owns, with what each is (their order is the store's kind codes'). */
  readonly kinds: { readonly [K in E['kind']]: KindInfo };
  /** The wire records it is made of, each with how it is decoded (the schema's records). */
  readonly decode: Decoders;
  /** What `iolens record` prints after the time and thread. */
  line(e: E, paint: Paint): string;
  /** The fields of its JSON line between the common ones (kind, name, pid, tid, ts) and `args`. */
  json(e: E): JsonFields;
  readonly details: KindDetails;
  /** Its part of a store (called once per store). */
  store(ctx: StoreContext): StoreAdder<E>;
  /** Its part of an export (called once per export). */
  export(ctx: ExportContext): KindExporter<E>;
  /** Its numbers in the report. */
  aggregate(e: E, ctx: ReportContext): void;
}
