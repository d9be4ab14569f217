/**
 * What the details pane shows for one event: labelled fields (arguments, fd and path, result,
 * duration, thread) and the stack, each frame saying whether its source can be opened.
 */
import { existsSync } from 'node:fs';
import { ns, type EventDetails, type FrameInfo } from '../../../../protocol/messages';
import { formatDuration } from '../../../../shared/format';
import { KINDS, kindModule } from '../kinds/registry';
import type { ArgValue, EventKind } from '../model/events';
import { errnoName } from '../model/names';
import { frameFields, stackEndText, type StackResolver } from '../symbols/stacks';
import type { ChainHop } from '../analysis/types';
import { NEVER_SLEPT_WHY } from '../analysis/catalogue';
import type { CallSites } from './analysis';
import { chainLinks } from './chainLinks';
import { Flag } from './flags';
import type { TraceStore } from './traceStore';

function show(v: ArgValue): string {
  if (v === null) return '—';
  // parts without a value are left out: "fd — path — events IN" said nothing with its dashes
  const known = (x: object): [string, ArgValue][] => Object.entries(x).filter(([, y]) => y !== null) as [string, ArgValue][];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? known(x).map(([k, y]) => `${k} ${show(y)}`).join(' ') : show(x))).join('; ') || '—';
  if (typeof v === 'object') return known(v).map(([k, y]) => `${k}=${show(y)}`).join(' ');
  return String(v);
}

/**
 * A ready or polled descriptor as a reader says it: "fd 3 (/dev/uio0): IN", or, when the fd is
 * not known (added to the epoll set before the trace began), "data 0x3: IN".
 */
function readyEntry(x: ArgValue): string {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return show(x);
  const who = typeof x.fd === 'number' ? `fd ${x.fd}${typeof x.path === 'string' ? ` (${x.path})` : ''}` : `data ${show(x.data ?? null)}`;
  const events = x.revents ?? x.events;
  return `${who}: ${show(events ?? null)}`;
}

/** Arguments shown by a field of their own (or not at all). */
const SHOWN_APART = new Set(['path', 'fd_type', 'submitted_by', 'completed_by', 'ready', 'fds', 'ends', 'reap_ns', 'never_slept']);

/** What the details pane says of a call the thread never slept in (the eBPF tracer's never_slept). */
export const NEVER_SLEPT_FIELD = { label: 'Slept in the call', value: `no: ${NEVER_SLEPT_WHY}` } as const;

/** Frames of a stack, for the details pane and for opening source. */
export function frameInfos(resolver: StackResolver, stackId: bigint): FrameInfo[] {
  const stack = resolver.resolve(stackId);
  if (!stack) return [];
  return stack.frames.map((f, index) => ({
    index,
    ...frameFields(f),
    openable: !!(f.file && f.line),
    problem: f.problem ?? (f.file && !existsSync(f.file) ? `${f.file} is not on this machine` : f.file ? null : 'no source line'),
  }));
}

/** What a duration measures: a request's says where it ends (the CQE, or the reap). */
function durationLabel(kind: EventKind, ends: ArgValue | undefined, unfinished: boolean): string {
  if (unfinished) return KINDS[kind].engine !== null ? 'Duration (still in flight)' : 'Duration (still in progress)';
  if (ends === 'posted') return 'Duration (submit → CQE posted)';
  if (ends === 'reaped') return 'Duration (submit → reaped by io_getevents)';
  return 'Duration';
}

/**
 * The details of event `id`. `threadName` names the event's thread (or, as a function, any
 * thread: the ones that submitted and reaped a request, the hops of its wake-up `chain`).
 */
export function eventDetails(
  store: TraceStore, resolver: StackResolver, sites: CallSites, id: number, threadName: string | ((pid: number, tid: number) => string), chain: readonly ChainHop[] = [],
): EventDetails | null {
  const e = store.get(id);
  if (!e) return null;
  const nameOf = (pid: number, tid: number): string => (typeof threadName === 'string' ? threadName : threadName(pid, tid));
  const fields: { label: string; value: string }[] = [];
  const dur = e.end !== null ? e.end - e.start : null;
  fields.push({ label: 'Start', value: `${(e.start / 1e9).toFixed(6)} s` });
  if (dur !== null) fields.push({ label: durationLabel(e.kind, e.args.ends, (e.flags & Flag.unfinished) !== 0), value: formatDuration(dur) });
  if (typeof e.args.reap_ns === 'number') fields.push({ label: 'Submit → reaped (io_uring_enter returned)', value: formatDuration(e.args.reap_ns) });
  const track = store.tracks.info(e.track);
  const kind = kindModule(e.kind);
  fields.push(...(kind.details.who?.(e, { track, nameOf }) ?? [{ label: 'Thread', value: `${nameOf(e.pid, e.tid)} (pid ${e.pid}, tid ${e.tid})` }]));
  const result = kind.details.result;
  if (result !== null && !(e.flags & Flag.unfinished)) {
    const err = e.value < 0 ? errnoName(-e.value) : undefined;
    fields.push({ label: result, value: err ? `-1 ${err}` : String(e.value) });
  }
  const fdShown = typeof e.args.fd === 'number' && typeof e.args.path === 'string';
  if (fdShown) fields.push({ label: 'File descriptor', value: `${e.args.fd} → ${e.args.path}` });
  if (e.args.never_slept === true) fields.push({ ...NEVER_SLEPT_FIELD });
  for (const [k, v] of Object.entries(e.args)) {
    if ((fdShown && k === 'fd') || SHOWN_APART.has(k) || kind.details.hides?.(k, v)) continue;
    fields.push({ label: k, value: show(v) });
  }
  for (const k of ['ready', 'fds'] as const) {
    const list = e.args[k];
    if (Array.isArray(list) && list.length) fields.push({ label: k === 'ready' ? 'Ready' : 'Polled', value: list.map(readyEntry).join('; ') });
  }
  const engine = KINDS[e.kind].engine;
  const title = `${engine !== null ? `${engine} ` : ''}${e.name}${dur !== null ? ` — ${formatDuration(dur)}` : ''}`;
  return {
    id,
    kind: e.kind,
    name: e.name,
    title,
    pid: e.pid,
    tid: e.tid,
    thread: KINDS[e.kind].threadless ? (track?.label ?? '') : nameOf(e.pid, e.tid),
    start: ns(e.start),
    end: e.end === null ? null : ns(e.end),
    track: e.track,
    fields,
    stack: frameInfos(resolver, e.stackId),
    stackEnd: stackEndText(resolver.resolve(e.stackId)),
    callSite: sites.of(id),
    chain: chainLinks(store, resolver, chain, nameOf),
  };
}
