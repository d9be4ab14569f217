/**
 * What the details pane shows for one event: labelled fields (arguments, fd and path, result,
 * duration, thread) and the stack, each frame saying whether its source can be opened.
 */
import { existsSync } from 'node:fs';
import { ns, type EventDetails, type FrameInfo } from '../../../../protocol/messages';
import { formatDuration } from '../../../../shared/format';
import type { ArgValue } from '../model/events';
import { errnoName } from '../model/names';
import type { StackResolver } from '../symbols/stacks';
import type { CallSites } from './analysis';
import { Flag, type TraceStore } from './traceStore';

function show(v: ArgValue): string {
  if (v === null) return '—';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? Object.entries(x).map(([k, y]) => `${k} ${show(y as ArgValue)}`).join(' ') : show(x))).join('; ') || '—';
  if (typeof v === 'object') return Object.entries(v).map(([k, y]) => `${k}=${show(y)}`).join(' ');
  return String(v);
}

/** Frames of a stack, for the details pane and for opening source. */
export function frameInfos(resolver: StackResolver, stackId: bigint): FrameInfo[] {
  const stack = resolver.resolve(stackId);
  if (!stack) return [];
  return stack.frames.map((f, index) => ({
    index,
    addr: '0x' + f.addr.toString(16),
    function: f.function,
    file: f.file,
    line: f.line,
    column: f.column,
    module: f.module,
    inlined: f.inlined,
    openable: !!(f.file && f.line),
    problem: f.problem ?? (f.file && !existsSync(f.file) ? `${f.file} is not on this machine` : f.file ? null : 'no source line'),
  }));
}

/** The details of event `id`. */
export function eventDetails(store: TraceStore, resolver: StackResolver, sites: CallSites, id: number, threadName: string): EventDetails | null {
  const e = store.get(id);
  if (!e) return null;
  const fields: { label: string; value: string }[] = [];
  const dur = e.end !== null ? e.end - e.start : null;
  fields.push({ label: 'Start', value: `${(e.start / 1e9).toFixed(6)} s` });
  if (dur !== null) fields.push({ label: e.flags & Flag.unfinished ? 'Duration (still in progress)' : 'Duration', value: formatDuration(dur) });
  fields.push({ label: 'Thread', value: `${threadName} (pid ${e.pid}, tid ${e.tid})` });
  if (e.kind === 'syscall' || e.kind === 'aio' || e.kind === 'uring') {
    const err = e.value < 0 ? errnoName(-e.value) : undefined;
    if (!(e.flags & Flag.unfinished)) fields.push({ label: e.kind === 'syscall' ? 'Result' : 'Completion result', value: err ? `-1 ${err}` : String(e.value) });
  }
  if (typeof e.args.fd === 'number' && typeof e.args.path === 'string') fields.push({ label: 'File descriptor', value: `${e.args.fd} → ${e.args.path}` });
  for (const [k, v] of Object.entries(e.args)) {
    if (k === 'path' || k === 'fd_type') continue;
    fields.push({ label: k, value: show(v) });
  }
  const title = `${e.kind === 'aio' ? 'AIO ' : e.kind === 'uring' ? 'io_uring ' : ''}${e.name}${dur !== null ? ` — ${formatDuration(dur)}` : ''}`;
  return {
    id,
    kind: e.kind,
    name: e.name,
    title,
    pid: e.pid,
    tid: e.tid,
    thread: threadName,
    start: ns(e.start),
    end: e.end === null ? null : ns(e.end),
    track: e.track,
    fields,
    stack: frameInfos(resolver, e.stackId),
    callSite: sites.of(id),
  };
}
