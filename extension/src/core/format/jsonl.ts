/**
 * One JSON object per event (`iolens record --jsonl`, `iolens dump --jsonl`), documented in
 * docs/trace-format.md. 64-bit identifiers (addresses, user data) are hex strings; times are
 * nanoseconds since the start. Stacks are sent once, as a `stack` line before the first event that
 * names them by `stack_id` (a server's million events share a few dozen stacks), or, with
 * `--full-stacks`, whole in every event.
 */
import type { ArgValue, TraceEvent } from '../model/events';
import { frameFields, type ResolvedStack } from '../symbols/stacks';

/** A JSON value. */
export type Json = ArgValue;

const hex = (v: bigint): string => '0x' + v.toString(16);

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
  switch (e.kind) {
    case 'syscall':
      o.dur = e.dur;
      o.ret = e.ret;
      o.error = e.error;
      o.model = e.model;
      o.unfinished = e.unfinished;
      o.cpu = e.cpu;
      break;
    case 'aio':
    case 'uring':
      o.submit_ts = e.submitTs;
      o.complete_ts = e.completeTs;
      o.dur = e.dur;
      o.ends = e.ends;
      o.reap_ts = e.reapTs;
      o.reap_dur = e.reapTs !== null && e.submitTs !== null ? e.reapTs - e.submitTs : null;
      o.submitted_before_recording = e.beforeRecording;
      if (e.kind === 'uring') o.more = e.more;
      o.res = e.res;
      o.data = hex(e.data);
      o.complete_tid = e.completeTid;
      break;
    case 'signal':
      o.phase = e.phase;
      o.signo = e.sig;
      if (e.dur !== null) o.dur = e.dur;
      o.generate_ts = e.generateTs;
      o.coalesced = e.coalesced;
      break;
    case 'irq':
      o.dur = e.dur;
      o.ret = e.ret;
      break;
    case 'process':
    case 'thread':
      o.comm = e.comm;
      if (e.exitCode !== null) o.ret = e.exitCode;
      break;
    case 'wake':
      o.wakee_pid = e.wakeePid;
      o.wakee_tid = e.wakeeTid;
      o.wakee_since = e.wakeeSince;
      break;
    case 'drop':
      o.count = e.count;
      o.total = e.total;
      break;
  }
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
