/**
 * A syscall: a wait, a blocking call above the threshold, a setup call. A call still in progress
 * is reported again while it lasts and once more when it ends: the store updates it in place, the
 * export and the report wait for its end (and write it as unfinished if it never comes).
 */
import { SYSCALLS, type IoModelName, type SysName } from '../../../../protocol/generated/wire';
import { Style, UNFINISHED_BIT, type StyleCode } from '../../../../protocol/messages';
import { NO_FLOWS, type FlowEnd } from '../export/model';
import { callsOf, perCallNs } from '../model/args';
import type { Args, EventBase } from '../model/events';
import { hiddenIn, shownArgs } from '../model/labels';
import { NO_KEYS, sameJsonWithout } from '../store/columns';
import { Flag } from '../store/flags';
import type { EventKindModule, ExportContext, StoreContext, StoreRow } from './kind';
import { decodeSyscall } from './syscallDecode';
import { syscallLine } from './syscallText';

/** One syscall (a wait, a blocking call above the threshold, a setup call). */
export interface SyscallEvent extends EventBase {
  readonly kind: 'syscall';
  /** The syscall's name: one of the schema's (a comparison with any other name does not compile). */
  readonly name: SysName;
  /** iolens syscall id. */
  readonly sys: number;
  readonly model: IoModelName;
  readonly dur: number;
  readonly ret: number;
  /** errno name when ret is negative. */
  readonly error: string | null;
  /** Still in progress when this was recorded (dur is how long it had lasted). */
  readonly unfinished: boolean;
  readonly cpu: number | null;
}

const MODEL_STYLE: Record<string, StyleCode> = {
  multiplexing: Style.multiplexing, aio: Style.aio, uring: Style.uring, signal: Style.signal, uio: Style.uio,
  blocking: Style.blocking, wakeup: Style.wakeup, lifecycle: Style.lifecycle,
};

/** The key of a call reported more than once (in progress, then done). */
const callKey = (e: SyscallEvent): string => `${e.tid}:${e.ts}`;

function fdOf(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

/** What the store adder needs of a syscall id and an event's model, worked out once (asked for every event). */
interface SysFacts {
  /** The model these were worked out for (an event's own, always its syscall's from the decoder). */
  readonly model: IoModelName;
  /** The store's flag of the syscall's class (a wait, a blocking call), 0 for the rest. */
  readonly cls: number;
  /** The model's style. */
  readonly style: StyleCode;
}

function sysFacts(sys: number, model: IoModelName): SysFacts {
  const info = SYSCALLS.get(sys);
  return { model, cls: info?.class === 'wait' ? Flag.wait : info?.class === 'blocking' ? Flag.blocking : 0, style: MODEL_STYLE[model] ?? Style.blocking };
}

function storeAdder(ctx: StoreContext): (e: SyscallEvent) => number {
  /** Per syscall id, its SysFacts. */
  const facts: SysFacts[] = [];
  /** Per thread, its calls in progress: their start, and their store id. */
  const unfinished = new Map<number, Map<number, number>>();
  /** The row pushed, reused: the store reads it at once (no object made for each event). */
  const row: { -readonly [K in keyof StoreRow]: StoreRow[K] } = {
    kind: 'syscall', name: '', track: 0, start: 0, end: 0, style: Style.blocking, flags: 0, value: 0, stackId: 0n, args: {}, hidden: NO_KEYS,
    notLast: false,
  };
  /**
   * Per track, the last event args found the same as its stored list `sameStored` (neither changes
   * once made): an event sharing those args needs no comparison.
   */
  const sameAs: Args[] = [];
  const sameStored: Args[] = [];
  return (e) => {
    let known = facts[e.sys];
    if (known === undefined || known.model !== e.model) known = facts[e.sys] = sysFacts(e.sys, e.model);
    const track = ctx.thread(e.pid, e.tid);
    // most calls are reported once, finished: only a thread with calls in progress is looked up
    const calls = unfinished.size ? unfinished.get(e.tid) : undefined;
    // a coalesced run of empty polls spans many short calls: no wait of its length (not a stall)
    const cls = known.cls !== 0 && callsOf(e) > 1 ? 0 : known.cls;
    const flags = cls | (e.unfinished ? Flag.unfinished : 0) | (e.error ? Flag.error : 0);
    const model = known.style;
    const style = (e.unfinished ? model | UNFINISHED_BIT : model) as StyleCode;
    // the thread's last stored arguments when shownArgs(e) would be the same; else e.args, stored without its hidden keys (the store copies a new list only)
    const last = ctx.trackArgs(track);
    let args: Args;
    let hidden = NO_KEYS;
    // compared with the track's last list and found unlike it: the store need not compare them again
    let notLast = false;
    // an args object the decoder shared with the thread's call before (kinds/syscallArgsMemo.ts), found the same as this list then
    if (last !== undefined && sameAs[track] === e.args && sameStored[track] === last) args = last;
    else {
      const skip = hiddenIn(e);
      if (last !== undefined && sameJsonWithout(e.args, last, skip)) {
        args = last;
        sameAs[track] = e.args;
        sameStored[track] = last;
      } else {
        args = e.args;
        hidden = skip;
        notLast = last !== undefined;
      }
    }
    const previous = calls?.get(e.ts);
    if (calls && previous !== undefined) {
      // the same call, reported again while it lasts, or finished: update it in place
      ctx.update(previous, { end: e.ts + e.dur, flags, style, value: e.ret, args, hidden, notLast, stackId: e.stackId });
      if (!e.unfinished) {
        calls.delete(e.ts);
        if (!calls.size) unfinished.delete(e.tid);
      }
      return -1;
    }
    row.name = e.name;
    row.track = track;
    row.start = e.ts;
    row.end = e.ts + e.dur;
    row.style = style;
    row.flags = flags;
    row.value = e.ret;
    row.stackId = e.stackId;
    row.args = args;
    row.hidden = hidden;
    row.notLast = notLast;
    const id = ctx.push(row);
    if (e.unfinished) {
      if (calls) calls.set(e.ts, id);
      else unfinished.set(e.tid, new Map([[e.ts, id]]));
    }
    return id;
  };
}

function exporter(ctx: ExportContext): { add(e: SyscallEvent): void; finish(): void } {
  /** Calls still in progress when last reported, written at the end if they never finish. */
  const unfinished = new Map<string, SyscallEvent>();
  const write = (e: SyscallEvent): void => {
    const flowsIn: FlowEnd[] = [];
    if (!e.unfinished) {
      const settled = ctx.flows.settle(e);
      for (const p of settled.unmatched) ctx.fallback(p);
      flowsIn.push(...settled.flowsIn);
    }
    ctx.uioWoke(e, flowsIn);
    const iocbs = e.name === 'io_submit' && !e.unfinished && Array.isArray(e.args.iocbs) ? e.args.iocbs.length : 0;
    const flowsOut = iocbs ? ctx.flows.aioSubmit(e.tid, e.ts, iocbs).map((id) => ({ id, ts: e.ts })) : NO_FLOWS;
    ctx.counts.flows += flowsOut.length;
    const args: Args = { ...shownArgs(e), ret: e.ret };
    if (e.error) args.error = e.error;
    if (e.unfinished) args.unfinished = true;
    if (e.cpu !== null) args.cpu = e.cpu;
    ctx.slice(ctx.tracks.thread(e.pid, e.tid), e.ts, e.dur, e.name, e.model, args, e.stackId, flowsOut, NO_FLOWS, flowsIn);
  };
  return {
    add(e) {
      ctx.seen(e.ts + e.dur);
      if (e.unfinished) {
        unfinished.set(callKey(e), e);
        return;
      }
      unfinished.delete(callKey(e));
      write(e);
    },
    finish() {
      for (const e of unfinished.values()) write(e);
      unfinished.clear();
    },
  };
}

/** Syscalls. */
export const syscallKind: EventKindModule<SyscallEvent> = {
  kinds: { syscall: { threadless: false, engine: null } },
  decode: { syscall: decodeSyscall },
  line: syscallLine,
  json: (e) => ({ dur: e.dur, ret: e.ret, error: e.error, model: e.model, unfinished: e.unfinished, cpu: e.cpu }),
  details: { result: 'Result' },
  store: storeAdder,
  export: exporter,
  aggregate(e, ctx) {
    const info = SYSCALLS.get(e.sys);
    if (e.unfinished) {
      // reported again while it lasts: keep the latest, count it once at the end
      ctx.inProgress(callKey(e), { pid: e.pid, tid: e.tid, name: e.name, ts: e.ts, dur: e.dur, unfinished: true, stackId: e.stackId, fd: fdOf(e.args.fd) });
      return;
    }
    if (ctx.anyInProgress()) ctx.inProgress(callKey(e), null);
    if (!ctx.syscallsCounted) {
      const d = ctx.entry(e.pid, e.tid, e.name, e.model);
      // a coalesced run of empty polls: each of its calls
      d.addMany(perCallNs(e), callsOf(e));
      if (e.error) d.errors++;
    }
    // a coalesced run is many short calls back to back, not one long wait
    if (info && (info.class === 'wait' || info.class === 'blocking') && callsOf(e) === 1 && ctx.longEnough(e.dur)) {
      ctx.long({ pid: e.pid, tid: e.tid, name: e.name, ts: e.ts, dur: e.dur, unfinished: false, stackId: e.stackId, fd: fdOf(e.args.fd ?? e.args.epfd) });
    }
  },
};
