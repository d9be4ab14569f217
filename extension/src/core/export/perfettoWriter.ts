/**
 * Writes an export as a Perfetto protobuf trace: a stream of TracePackets on one sequence — a
 * clock snapshot (CLOCK_MONOTONIC, iolens's clock, as the trace clock, with the wall clock), a
 * TrackDescriptor per row, and TrackEvents (slice begin/end, instants) with interned names,
 * categories, argument names and callstacks (frames with function, file and line), flows, and
 * the arguments as debug annotations. Packets are encoded by protobufjs from perfetto.proto and
 * handed out in batches, so a trace of any length is written in bounded memory.
 */
import type { ArgValue, Args } from '../model/events';
import type { ResolvedStack } from '../symbols/stacks';
import type { ExportItem, ExportSink, ExportTrack } from './model';
import { InternState } from './perfettoInterning';
import { perfettoTypes } from './perfettoSchema';

/** The one packet sequence this writer uses. */
const SEQUENCE_ID = 1;
/** Packets encoded together. */
const BATCH = 512;

/** Options of a PerfettoWriter. */
export interface PerfettoWriterOptions {
  /** CLOCK_MONOTONIC ns of the trace's time 0 (item times are ns since then). */
  readonly origin: number;
  /** Wall-clock ns at the origin, when the trace knows it. */
  readonly realtime: number | null;
  /** The frames of a stack id. */
  readonly stack: (id: bigint) => ResolvedStack | undefined;
  /** Receives the encoded bytes, in order. */
  readonly write: (chunk: Uint8Array) => void;
  /** Interned entries after which the incremental state is cleared (default 200,000). */
  readonly internLimit?: number;
}

type Packet = Record<string, unknown>;

/** A Perfetto trace being written. */
export class PerfettoWriter implements ExportSink {
  /** Packets written. */
  packets = 0;
  /** Times the interned state was cleared to bound memory (after the first). */
  resets = 0;
  /** The message types and, read from perfetto.proto, the enum values written. */
  private readonly types = perfettoTypes();
  private readonly e = this.types;
  private batch: Packet[] = [];
  private state: InternState;
  private clearNext = true;
  private readonly limit: number;

  constructor(private readonly o: PerfettoWriterOptions) {
    this.limit = o.internLimit ?? 200_000;
    this.state = new InternState(o.stack);
    const clocks = [{ clock_id: this.e.clocks.BUILTIN_CLOCK_MONOTONIC, timestamp: o.origin }];
    if (o.realtime) clocks.push({ clock_id: this.e.clocks.BUILTIN_CLOCK_REALTIME, timestamp: o.realtime });
    this.push({ timestamp: o.origin, timestamp_clock_id: this.e.clocks.BUILTIN_CLOCK_MONOTONIC, clock_snapshot: { clocks, primary_trace_clock: this.e.clocks.BUILTIN_CLOCK_MONOTONIC } }, true);
  }

  /** A TrackDescriptor for the row. */
  track(t: ExportTrack): void {
    const d: Packet = { uuid: t.id };
    if (t.parent !== null) d.parent_uuid = t.parent;
    switch (t.kind) {
      case 'process':
        d.process = { pid: t.pid, process_name: t.name };
        break;
      case 'thread':
        d.thread = { pid: t.pid, tid: t.tid, thread_name: t.name };
        break;
      case 'requests':
        // the lanes of a process share their name: Perfetto shows them merged, as one row
        d.name = t.name;
        break;
      default:
        d.name = t.name;
        d.sibling_merge_behavior = this.e.merge.SIBLING_MERGE_BEHAVIOR_NONE;
    }
    this.push({ timestamp: this.o.origin, track_descriptor: d });
  }

  /** The packets of a slice (begin, end) or an instant. */
  item(i: ExportItem): void {
    const s = this.state;
    const begin: Packet = {
      type: i.dur === null ? this.e.eventType.TYPE_INSTANT : this.e.eventType.TYPE_SLICE_BEGIN,
      track_uuid: i.track,
      name_iid: s.name('event_names', i.name),
      category_iids: [s.name('event_categories', i.category)],
    };
    const annotations = this.annotations(i.args);
    if (annotations.length) begin.debug_annotations = annotations;
    const callstack = s.callstack(i.stackId);
    if (callstack) begin.callstack_iid = callstack;
    const out = [...i.flowsOut, ...i.flowsStep].map((f) => f.id);
    if (out.length) begin.flow_ids = out;
    const flowsIn = i.flowsIn.map((f) => f.id);
    if (i.dur === null && flowsIn.length) begin.terminating_flow_ids = flowsIn;
    this.event(i.ts, begin);
    if (i.dur !== null) {
      const end: Packet = { type: this.e.eventType.TYPE_SLICE_END, track_uuid: i.track };
      // a flow ends on the end of its slice: always after its start, whichever call began first
      if (flowsIn.length) end.terminating_flow_ids = flowsIn;
      this.event(i.ts + i.dur, end);
    }
  }

  /** Write what is buffered. */
  end(): void {
    this.flush();
  }

  private event(ts: number, te: Packet): void {
    const p: Packet = { timestamp: this.o.origin + ts, track_event: te };
    const interned = this.state.take();
    if (interned) p.interned_data = interned;
    this.push(p, false, true);
    if (this.state.size > this.limit) {
      // bound the memory: forget every interned entry; the next packet says so and re-sends what it uses
      this.state = new InternState(this.o.stack);
      this.clearNext = true;
      this.resets++;
    }
  }

  private push(p: Packet, first = false, incremental = false): void {
    p.trusted_packet_sequence_id = SEQUENCE_ID;
    if (first) p.first_packet_on_sequence = true;
    if (this.clearNext) {
      p.sequence_flags = this.e.sequenceFlags.SEQ_INCREMENTAL_STATE_CLEARED | this.e.sequenceFlags.SEQ_NEEDS_INCREMENTAL_STATE;
      p.trace_packet_defaults = { timestamp_clock_id: this.e.clocks.BUILTIN_CLOCK_MONOTONIC };
      this.clearNext = false;
    } else if (incremental) {
      p.sequence_flags = this.e.sequenceFlags.SEQ_NEEDS_INCREMENTAL_STATE;
    }
    this.batch.push(p);
    this.packets++;
    if (this.batch.length >= BATCH) this.flush();
  }

  private flush(): void {
    if (!this.batch.length) return;
    this.o.write(this.types.Trace.encode({ packet: this.batch }).finish());
    this.batch = [];
  }

  private annotations(args: Args): Packet[] {
    const out: Packet[] = [];
    for (const [k, v] of Object.entries(args) as [string, ArgValue][]) {
      const a = this.annotation(v);
      if (!a) continue;
      a.name_iid = this.state.name('debug_annotation_names', k);
      out.push(a);
    }
    return out;
  }

  private annotation(v: ArgValue): Packet | undefined {
    if (v === null) return undefined;
    if (typeof v === 'boolean') return { bool_value: v };
    if (typeof v === 'number') return Number.isSafeInteger(v) ? { int_value: v } : { double_value: v };
    if (typeof v === 'string') return { string_value: v };
    if (Array.isArray(v)) return { array_values: v.map((x) => this.annotation(x) ?? { string_value: 'null' }) };
    return { dict_entries: this.annotations(v) };
  }
}
