/**
 * Reading back a Perfetto trace written by the exporter, with protobufjs and iolens's
 * perfetto.proto, and checking what Perfetto's trace processor relies on: the first packet
 * clears the incremental state; every interned id, track and parent is defined before it is
 * used; every slice ends, and begin/end nest per track in the order Perfetto replays them (by
 * time, then as written); every flow has both ends, in time order.
 */
import { perfettoTypes } from '../export/perfettoSchema';

/** A decoded packet, as plain data (64-bit numbers as numbers, bytes as UTF-8 text). */
export type Packet = Record<string, unknown> & {
  timestamp?: number;
  sequence_flags?: number;
  first_packet_on_sequence?: boolean;
  interned_data?: Record<string, { iid: number; name?: string; str?: string; [k: string]: unknown }[]>;
  track_descriptor?: { uuid: number; parent_uuid?: number; name?: string; process?: { pid: number; process_name?: string }; thread?: { pid: number; tid: number; thread_name?: string } };
  track_event?: TrackEvent;
};

/** A decoded TrackEvent. */
export interface TrackEvent {
  type: number;
  track_uuid: number;
  name_iid?: number;
  category_iids?: number[];
  callstack_iid?: number;
  flow_ids?: number[];
  terminating_flow_ids?: number[];
  debug_annotations?: Annotation[];
}

/** A decoded DebugAnnotation. */
export interface Annotation {
  name_iid?: number;
  [value: string]: unknown;
}

/** A frame of a callstack, resolved through the interned tables. */
export interface CheckedFrame {
  function: string;
  file: string | null;
  line: number | null;
}

/** One slice or instant, resolved. */
export interface CheckedEvent {
  /** Index of its (begin) packet. */
  readonly packet: number;
  readonly track: number;
  readonly name: string;
  readonly category: string;
  readonly ts: number;
  /** null for instants. */
  readonly end: number | null;
  /** Outermost frame first. */
  readonly frames: CheckedFrame[];
  readonly args: Record<string, unknown>;
}

/** What the check found. */
export interface PerfettoCheck {
  readonly packets: Packet[];
  readonly events: CheckedEvent[];
  readonly tracks: Map<number, NonNullable<Packet['track_descriptor']>>;
  /** Flow id -> its events (begin packet indexes) in the order Perfetto links them. */
  readonly flows: Map<number, number[]>;
  /** Every broken invariant, in words (empty when the trace is sound). */
  readonly problems: string[];
}

const { sequenceFlags, eventType } = perfettoTypes();
const CLEARED = sequenceFlags.SEQ_INCREMENTAL_STATE_CLEARED;
const NEEDS = sequenceFlags.SEQ_NEEDS_INCREMENTAL_STATE;
const BEGIN = eventType.TYPE_SLICE_BEGIN;
const END = eventType.TYPE_SLICE_END;
const INSTANT = eventType.TYPE_INSTANT;

function plain(bytes: Uint8Array): Packet[] {
  const { Trace } = perfettoTypes();
  const msg = Trace.decode(bytes);
  const obj = Trace.toObject(msg, { longs: Number, enums: Number, bytes: String, arrays: false, defaults: false, oneofs: false }) as { packet?: Packet[] };
  const packets = obj.packet ?? [];
  for (const p of packets) {
    for (const list of Object.values(p.interned_data ?? {})) {
      for (const entry of list) if (typeof entry.str === 'string') entry.str = Buffer.from(entry.str, 'base64').toString('utf8');
    }
  }
  return packets;
}

/** Decode and check a trace. */
export function checkPerfetto(bytes: Uint8Array): PerfettoCheck {
  const packets = plain(bytes);
  const problems: string[] = [];
  const tracks = new Map<number, NonNullable<Packet['track_descriptor']>>();
  let tables = new Map<string, Map<number, Record<string, unknown>>>();
  const table = (name: string): Map<number, Record<string, unknown>> => {
    let t = tables.get(name);
    if (!t) tables.set(name, (t = new Map()));
    return t;
  };
  const lookup = (at: number, name: string, iid: number | undefined): Record<string, unknown> | undefined => {
    if (!iid) return undefined;
    const v = table(name).get(iid);
    if (!v) problems.push(`packet ${at}: ${name} iid ${iid} used before it is defined`);
    return v;
  };
  const events: CheckedEvent[] = [];
  const ends: { packet: number; track: number; ts: number; flowsIn: number[] }[] = [];
  const replay: { ts: number; packet: number; type: number; track: number; flows: number[]; terminating: number[] }[] = [];
  if (!packets.length || !((packets[0].sequence_flags ?? 0) & CLEARED) || !packets[0].first_packet_on_sequence) {
    problems.push('the first packet does not clear the incremental state as the first packet of its sequence');
  }
  packets.forEach((p, i) => {
    if ((p.sequence_flags ?? 0) & CLEARED) tables = new Map();
    for (const [name, list] of Object.entries(p.interned_data ?? {})) {
      for (const entry of list) {
        const known = table(name).get(entry.iid);
        if (known && JSON.stringify(known) !== JSON.stringify(entry)) problems.push(`packet ${i}: ${name} iid ${entry.iid} redefined`);
        table(name).set(entry.iid, entry);
      }
    }
    const d = p.track_descriptor;
    if (d) {
      if (tracks.has(d.uuid)) problems.push(`packet ${i}: track ${d.uuid} described twice`);
      if (d.parent_uuid !== undefined && !tracks.has(d.parent_uuid)) problems.push(`packet ${i}: track ${d.uuid}'s parent ${d.parent_uuid} is not described before it`);
      tracks.set(d.uuid, d);
    }
    const te = p.track_event;
    if (!te) return;
    if (!((p.sequence_flags ?? 0) & NEEDS)) problems.push(`packet ${i}: a track event without SEQ_NEEDS_INCREMENTAL_STATE`);
    if (!tracks.has(te.track_uuid)) problems.push(`packet ${i}: track ${te.track_uuid} used before it is described`);
    const ts = p.timestamp ?? 0;
    replay.push({ ts, packet: i, type: te.type, track: te.track_uuid, flows: te.flow_ids ?? [], terminating: te.terminating_flow_ids ?? [] });
    if (te.type === END) {
      ends.push({ packet: i, track: te.track_uuid, ts, flowsIn: te.terminating_flow_ids ?? [] });
      return;
    }
    const name = lookup(i, 'event_names', te.name_iid)?.name as string | undefined;
    const category = lookup(i, 'event_categories', te.category_iids?.[0])?.name as string | undefined;
    const frames: CheckedFrame[] = [];
    const stack = lookup(i, 'callstacks', te.callstack_iid);
    for (const fid of (stack?.frame_ids as number[] | undefined) ?? []) {
      const f = lookup(i, 'frames', fid);
      if (!f) continue;
      frames.push({
        function: (lookup(i, 'function_names', f.function_name_id as number)?.str as string) ?? '?',
        file: (lookup(i, 'source_paths', f.source_path_iid as number | undefined)?.str as string | undefined) ?? null,
        line: (f.line_number as number | undefined) ?? null,
      });
    }
    const args = annotations(te.debug_annotations ?? [], (iid) => lookup(i, 'debug_annotation_names', iid)?.name as string | undefined);
    events.push({ packet: i, track: te.track_uuid, name: name ?? '?', category: category ?? '?', ts, end: te.type === INSTANT ? null : Number.NaN, frames, args });
  });
  // pair each end with the latest unended begin of its track, as written
  const open = new Map<number, CheckedEvent[]>();
  const pairOf = new Map<number, number>();
  const byPacket = new Map(events.map((e) => [e.packet, e]));
  const endByPacket = new Map(ends.map((e) => [e.packet, e]));
  const order = [...events.filter((e) => e.end !== null).map((e) => ({ packet: e.packet, end: false })), ...ends.map((e) => ({ packet: e.packet, end: true }))].sort((a, b) => a.packet - b.packet);
  for (const o of order) {
    if (!o.end) {
      const e = byPacket.get(o.packet) as CheckedEvent;
      const list = open.get(e.track) ?? [];
      open.set(e.track, list);
      list.push(e);
      continue;
    }
    const end = endByPacket.get(o.packet) as (typeof ends)[number];
    const begin = open.get(end.track)?.pop();
    if (!begin) {
      problems.push(`packet ${end.packet}: an end without a begin on track ${end.track}`);
      continue;
    }
    (begin as { end: number | null }).end = end.ts;
    if (end.ts < begin.ts) problems.push(`packet ${end.packet}: slice '${begin.name}' ends before it begins`);
    pairOf.set(end.packet, begin.packet);
  }
  for (const [track, list] of open) for (const e of list) problems.push(`packet ${e.packet}: slice '${e.name}' on track ${track} never ends`);
  // replay as Perfetto does: by time, then as written; ends close the innermost open slice
  replay.sort((a, b) => a.ts - b.ts || a.packet - b.packet);
  const stacks = new Map<number, number[]>();
  const flows = new Map<number, number[]>();
  const flowState = new Map<number, 'open' | 'closed'>();
  for (const r of replay) {
    const stack = stacks.get(r.track) ?? [];
    stacks.set(r.track, stack);
    const owner = r.type === END ? pairOf.get(r.packet) : r.packet;
    if (r.type === BEGIN) stack.push(r.packet);
    if (r.type === END) {
      const top = stack.pop();
      if (top !== pairOf.get(r.packet)) problems.push(`packet ${r.packet}: the end closes packet ${top}'s slice, not its own (${pairOf.get(r.packet)}): slices do not nest on track ${r.track}`);
    }
    for (const id of r.flows) {
      if (flowState.get(id) === 'closed') problems.push(`packet ${r.packet}: flow ${id} continues after it ended`);
      flowState.set(id, 'open');
      flows.set(id, [...(flows.get(id) ?? []), owner ?? r.packet]);
    }
    for (const id of r.terminating) {
      if (flowState.get(id) !== 'open') problems.push(`packet ${r.packet}: flow ${id} ends before it starts`);
      flowState.set(id, 'closed');
      flows.set(id, [...(flows.get(id) ?? []), owner ?? r.packet]);
    }
  }
  for (const [id, list] of flows) if (list.length < 2) problems.push(`flow ${id} has one end only (packet ${list[0]})`);
  return { packets, events, tracks, flows, problems };
}

function annotations(list: Annotation[], name: (iid: number) => string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list) out[name(a.name_iid ?? 0) ?? '?'] = value(a, name);
  return out;
}

function value(a: Annotation, name: (iid: number) => string | undefined): unknown {
  if (Array.isArray(a.dict_entries)) return annotations(a.dict_entries as Annotation[], name);
  if (Array.isArray(a.array_values)) return (a.array_values as Annotation[]).map((x) => value(x, name));
  for (const k of ['bool_value', 'int_value', 'uint_value', 'double_value', 'string_value', 'pointer_value']) if (k in a) return a[k];
  return null;
}
