/**
 * One JSON object per event (`iolens record --jsonl`), documented in docs/trace-format.md.
 * 64-bit identifiers (addresses, user data) are hex strings; times are nanoseconds since the start.
 */
import type { ArgValue, TraceEvent } from '../model/events';
import type { ResolvedStack } from '../symbols/stacks';

/** A JSON value. */
export type Json = ArgValue;

const hex = (v: bigint): string => '0x' + v.toString(16);

/** The `stack` field: innermost first. */
export function stackJson(stack: ResolvedStack | undefined): Json {
  if (!stack) return [];
  return stack.frames.map((f) => ({
    addr: hex(f.addr),
    function: f.function,
    file: f.file,
    line: f.line,
    column: f.column,
    module: f.module,
    inlined: f.inlined,
    problem: f.problem,
  }));
}

/** The JSON object of one event. */
export function eventJson(e: TraceEvent, stack: ResolvedStack | undefined): { [key: string]: Json } {
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
  o.stack = stackJson(stack);
  return o;
}

/** The JSON line (no trailing newline). */
export function eventJsonLine(e: TraceEvent, stack: ResolvedStack | undefined): string {
  return JSON.stringify(eventJson(e, stack));
}
