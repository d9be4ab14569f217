/**
 * One JSON object per event (`iolens record --jsonl`, `iolens dump --jsonl`), documented in
 * docs/trace-format.md. 64-bit identifiers (addresses, user data) are hex strings; times are
 * nanoseconds since the start. Stacks are sent once, as a `stack` line before the first event that
 * names them by `stack_id` (a server's million events share a few dozen stacks), or, with
 * `--full-stacks`, whole in every event.
 */
import { kindModule } from '../kinds/registry';
import { hex } from '../model/args';
import type { ArgValue, TraceEvent } from '../model/events';
import { frameFields, type ResolvedStack } from '../symbols/stacks';

/** A JSON value. */
export type Json = ArgValue;

/** The `stack` field: innermost first. */
export function stackJson(stack: ResolvedStack | undefined): Json {
  if (!stack) return [];
  return stack.frames.map((f) => ({ ...frameFields(f), problem: f.problem }));
}

/** How events carry their stacks: by id, with one `stack` line per stack (table), or whole (inline). */
export type JsonStacks = 'table' | 'inline';

/** The JSON object of one event: `stack` inline when given, else `stack_id` (null: no stack). */
export function eventJson(e: TraceEvent, stack: ResolvedStack | undefined | 'by-id'): { [key: string]: Json } {
  const o: { [key: string]: Json } = { kind: e.kind, name: e.name, pid: e.pid, tid: e.tid, ts: e.ts };
  Object.assign(o, kindModule(e.kind).json(e));
  o.args = e.args;
  if (stack === 'by-id') o.stack_id = e.stackId ? hex(e.stackId) : null;
  else o.stack = stackJson(stack);
  return o;
}

/** The JSON line (no trailing newline), the stack inline. */
export function eventJsonLine(e: TraceEvent, stack: ResolvedStack | undefined): string {
  return JSON.stringify(eventJson(e, stack));
}

/** The `stack` line of the stack table. */
export function stackJsonLine(id: bigint, stack: ResolvedStack | undefined): string {
  return JSON.stringify({ kind: 'stack', stack_id: hex(id), frames: stackJson(stack), end: stack?.end ?? null, end_detail: stack?.why ?? null });
}

/** The `skipped` line: events a live output left out because its reader could not keep up. */
export function skippedJsonLine(count: number): string {
  return JSON.stringify({ kind: 'skipped', count });
}

/** Writes events as JSON lines, each stack once before the first event naming it (or inline). */
export class JsonLines {
  private readonly sent = new Set<bigint>();

  constructor(
    private readonly stacks: JsonStacks,
    private readonly resolve: (id: bigint) => ResolvedStack | undefined,
  ) {}

  /** The line(s) of one event, each ended by a newline. */
  lines(e: TraceEvent): string {
    if (this.stacks === 'inline') return eventJsonLine(e, this.resolve(e.stackId)) + '\n';
    let head = '';
    if (e.stackId && !this.sent.has(e.stackId)) {
      this.sent.add(e.stackId);
      head = stackJsonLine(e.stackId, this.resolve(e.stackId)) + '\n';
    }
    return head + JSON.stringify(eventJson(e, 'by-id')) + '\n';
  }
}
