/**
 * The interned state of the export's one packet sequence: event names, categories, argument
 * names, and callstacks with their frames, function names and source files, each sent once
 * (in the packet that first uses it) until the state is cleared. The writer clears it when it
 * holds too many entries, so memory stays bounded on traces of any length.
 */
import { basename } from 'node:path';
import type { ResolvedStack, StackFrame } from '../symbols/stacks';

/** Entries added since the last packet: that packet's `interned_data`. */
export interface InternedData {
  event_names?: { iid: number; name: string }[];
  event_categories?: { iid: number; name: string }[];
  debug_annotation_names?: { iid: number; name: string }[];
  function_names?: { iid: number; str: Uint8Array }[];
  source_paths?: { iid: number; str: Uint8Array }[];
  frames?: { iid: number; function_name_id: number; source_path_iid?: number; line_number?: number }[];
  callstacks?: { iid: number; frame_ids: number[] }[];
}

type Table = 'event_names' | 'event_categories' | 'debug_annotation_names';

/** The outermost frame added to a stack the tracer could not walk to its end. */
export const TRUNCATED_FRAME = '[stack truncated: the walk stopped before the outermost frame]';

/** The name shown for a frame without a function name. */
function frameName(f: StackFrame): string {
  if (f.function) return f.function;
  const at = '0x' + f.addr.toString(16);
  return f.module ? `${basename(f.module)}+${at}` : at;
}

/** One generation of interned state. */
export class InternState {
  private readonly strings: Record<Table, Map<string, number>> = { event_names: new Map(), event_categories: new Map(), debug_annotation_names: new Map() };
  private readonly functionIds = new Map<string, number>();
  private readonly pathIds = new Map<string, number>();
  private readonly frameIds = new Map<string, number>();
  private readonly stackIds = new Map<bigint, number>();
  private nextIid = { strings: 1, functions: 1, paths: 1, frames: 1, stacks: 1 };
  /** Entries held. */
  size = 0;
  private pending: InternedData = {};
  private dirty = false;

  constructor(private readonly resolve: (stackId: bigint) => ResolvedStack | undefined) {}

  /** iid of a name in one of the string tables (each table numbers its own entries). */
  name(table: Table, value: string): number {
    const m = this.strings[table];
    let iid = m.get(value);
    if (iid === undefined) {
      iid = this.nextIid.strings++;
      m.set(value, iid);
      (this.pending[table] ??= []).push({ iid, name: value });
      this.added();
    }
    return iid;
  }

  /** iid of the callstack of a stack id, 0 when it has no frames. */
  callstack(stackId: bigint): number {
    if (stackId === 0n) return 0;
    let iid = this.stackIds.get(stackId);
    if (iid !== undefined) return iid;
    const stack = this.resolve(stackId);
    iid = 0;
    if (stack?.frames.length) {
      const frameIds = stack.frames.map((f) => this.frame(frameName(f), f.file, f.line)).reverse();
      if (stack.truncated) frameIds.unshift(this.frame(TRUNCATED_FRAME, null, null));
      iid = this.nextIid.stacks++;
      (this.pending.callstacks ??= []).push({ iid, frame_ids: frameIds });
      this.added();
    } else {
      this.size++;
    }
    this.stackIds.set(stackId, iid);
    return iid;
  }

  private frame(fn: string, file: string | null, line: number | null): number {
    const key = `${fn}\0${file ?? ''}\0${line ?? ''}`;
    let iid = this.frameIds.get(key);
    if (iid === undefined) {
      iid = this.nextIid.frames++;
      this.frameIds.set(key, iid);
      const frame: NonNullable<InternedData['frames']>[number] = { iid, function_name_id: this.bytes(this.functionIds, 'function_names', 'functions', fn) };
      if (file) frame.source_path_iid = this.bytes(this.pathIds, 'source_paths', 'paths', file);
      if (line) frame.line_number = line;
      (this.pending.frames ??= []).push(frame);
      this.added();
    }
    return iid;
  }

  private bytes(m: Map<string, number>, table: 'function_names' | 'source_paths', counter: 'functions' | 'paths', value: string): number {
    let iid = m.get(value);
    if (iid === undefined) {
      iid = this.nextIid[counter]++;
      m.set(value, iid);
      (this.pending[table] ??= []).push({ iid, str: Buffer.from(value, 'utf8') });
      this.added();
    }
    return iid;
  }

  private added(): void {
    this.size++;
    this.dirty = true;
  }

  /** The entries added since the last call (undefined when none). */
  take(): InternedData | undefined {
    if (!this.dirty) return undefined;
    const out = this.pending;
    this.pending = {};
    this.dirty = false;
    return out;
  }
}
