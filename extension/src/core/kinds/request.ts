/**
 * A Linux-AIO or io_uring request, from its submission to its completion (model/requests.ts pairs
 * them). It belongs to its process, not to a thread: the store and the exports put it on the
 * process's requests-in-flight lanes, with an arrow from the submitting call to the completion.
 */
import { Style, UNFINISHED_BIT, type StyleCode } from '../../../../protocol/messages';
import { formatDuration } from '../../../../shared/format';
import { NO_FLOWS } from '../export/model';
import { hex } from '../model/args';
import type { Args, ArgValue, EventBase } from '../model/events';
import { AIO_RING_REAP_TEXT, requestLabel } from '../model/labels';
import { Flag } from '../store/flags';
import type { EventKindModule, ExportContext, StoreContext } from './kind';
import { fdText } from './text';

/** What a request has in common, AIO or io_uring. */
interface RequestBase extends EventBase {
  /** null when submitted before the trace started. */
  readonly submitTs: number | null;
  /** The end of the request as `ends` says; null while in flight. */
  readonly completeTs: number | null;
  /**
   * What completeTs and dur measure: 'posted' — the kernel posted the CQE (io_uring); 'reaped' —
   * io_getevents returned the completion to the application (AIO: the kernel offers no tracepoint
   * for the completion itself).
   */
  readonly ends: 'posted' | 'reaped';
  /**
   * When the application got the completion: AIO, the io_getevents that reaped it (= completeTs);
   * io_uring, the return of the io_uring_enter that was waiting for it when it was posted (null when
   * the application took it from the ring without waiting in a call).
   */
  readonly reapTs: number | null;
  /** The trace does not hold its submission (made before the recording, or lost). */
  readonly beforeRecording: boolean;
  /** submitTs to completeTs. */
  readonly dur: number | null;
  readonly res: number | null;
  /** aio_data / user_data. */
  readonly data: bigint;
  readonly fd: number;
  /** The thread that reaped (AIO) or posted (io_uring) the completion. */
  readonly completeTid: number | null;
}

/** One Linux-AIO request, paired from io_submit to the io_getevents that reaped it. */
export interface AioEvent extends RequestBase {
  readonly kind: 'aio';
  readonly ends: 'reaped';
  readonly ctx: bigint;
  /** Its position in io_submit's iocb array (the `iocbs` argument), null when submitted before the trace. */
  readonly index: number | null;
  /**
   * Its completion was read from the AIO ring in user space (QEMU, fio --userspace_reap), not
   * reaped with io_getevents: completeTs is the first syscall boundary of the process where the
   * tracer saw it in the ring — written by the kernel (a context no io_getevents reaps), or taken
   * by the application (one io_getevents reaps too) — an upper bound.
   */
  readonly fromRing: boolean;
}

/** One io_uring request, paired from submission to completion; its stack is the submitting call's. */
export interface UringEvent extends RequestBase {
  readonly kind: 'uring';
  readonly ends: 'posted';
  readonly ring: bigint;
  /** Submitted by the SQPOLL kernel thread. */
  readonly sqThread: boolean;
  /** A completion of a multishot request with more to come (IORING_CQE_F_MORE): not its end. */
  readonly more: boolean;
}

/** A request, AIO or io_uring. */
export type RequestEvent = AioEvent | UringEvent;

function line(e: RequestEvent): string {
  const a = e.args;
  const engine = e.kind === 'aio' ? 'aio' : 'io_uring';
  const res = e.res === null ? '= ? (in flight)' : `= ${e.res}`;
  if (e.beforeRecording) {
    // what the completion tells: where it came from, its user data, its result
    const from = e.kind === 'aio' ? `ctx=${a.ctx}, obj=${a.obj}` : `ring=${a.ring}`;
    return `${engine} request ${e.name} (${from}, data=0x${e.data.toString(16)}) ${res}${e.kind === 'aio' ? `, reaped${ringText(e)}` : ', CQE posted'}`;
  }
  const parts = [`fd=${fdText(a.fd ?? e.fd, a.path)}`];
  if (e.kind === 'aio') {
    parts.push(`offset=${a.offset}`, `nbytes=${a.nbytes}`);
    if (a.resfd !== null && a.resfd !== undefined) parts.push(`eventfd=${a.resfd}`);
  } else if (a.sqpoll) {
    parts.push('sqpoll');
  }
  parts.push(`data=0x${e.data.toString(16)}`);
  // io_uring's duration ends at the CQE: when the application waited for it, say when it got it
  const reaped = e.kind === 'uring' && e.reapTs !== null && e.submitTs !== null ? `, reaped after ${formatDuration(e.reapTs - e.submitTs)}` : '';
  return `${engine} ${e.name}(${parts.join(', ')}) ${res}${reaped}${e.kind === 'aio' ? ringText(e) : ''}`;
}

/** Where an AIO completion read from the ring in user space says so (its time is an upper bound). */
function ringText(e: AioEvent): string {
  return e.fromRing ? ` ${AIO_RING_REAP_TEXT}` : '';
}

function json(e: RequestEvent): { [key: string]: ArgValue } {
  const o: { [key: string]: ArgValue } = {
    submit_ts: e.submitTs, complete_ts: e.completeTs, dur: e.dur, ends: e.ends, reap_ts: e.reapTs,
    reap_dur: e.reapTs !== null && e.submitTs !== null ? e.reapTs - e.submitTs : null, submitted_before_recording: e.beforeRecording,
  };
  if (e.kind === 'uring') o.more = e.more;
  else if (e.fromRing) o.from_ring = true;
  o.res = e.res;
  o.data = hex(e.data);
  o.complete_tid = e.completeTid;
  return o;
}

function storeAdder(ctx: StoreContext): (e: RequestEvent) => number {
  return (e) => {
    const track = ctx.tracks.requests(e.pid);
    const start = e.submitTs ?? e.completeTs ?? e.ts;
    const end = e.completeTs ?? Math.max(ctx.duration(), start);
    const lane = ctx.tracks.lane(track, start, end);
    const flags = (e.completeTs === null ? Flag.unfinished : 0) | (e.res !== null && e.res < 0 ? Flag.error : 0);
    // the threads that submitted and reaped it (the requests track belongs to the process)
    const args: Args = { ...e.args, data: hex(e.data), ends: e.ends, submitted_by: e.tid, completed_by: e.completeTid };
    if (e.reapTs !== null && e.submitTs !== null && e.reapTs !== e.completeTs) args.reap_ns = e.reapTs - e.submitTs;
    if (e.beforeRecording) args.submitted_before_recording = true;
    if (e.kind === 'aio' && e.fromRing) args.reaped_from = AIO_RING_REAP_TEXT;
    const model = e.kind === 'aio' ? Style.aio : Style.uring;
    const style = (e.completeTs === null ? model | UNFINISHED_BIT : model) as StyleCode;
    const id = ctx.push({ kind: e.kind, name: e.name, track, start, end, style, flags, value: e.res ?? 0, stackId: e.stackId, args, lane });
    if (e.submitTs !== null && e.completeTs !== null) {
      ctx.arrow({
        fromTrack: ctx.thread(e.pid, e.tid), fromTime: e.submitTs,
        toTrack: e.completeTid ? ctx.thread(e.pid, e.completeTid) : track, toTime: e.completeTs, style: model, id,
      });
    }
    return id;
  };
}

function exportRequest(ctx: ExportContext, e: RequestEvent): void {
  const label = requestLabel(e);
  const args: Args = { ...e.args, data: hex(e.data), res: e.res };
  if (e.completeTid !== null) args.complete_tid = e.completeTid;
  if (e.submitTs === null) {
    // submitted before the trace started: only its completion is known
    ctx.seen(e.ts);
    ctx.instant(ctx.tracks.laneTrack(e.pid, 0), e.ts, `${label} completed`, e.kind, { ...args, submitted_before_trace: true }, e.stackId, NO_FLOWS, NO_FLOWS);
    return;
  }
  const end = e.completeTs ?? Math.max(ctx.latest(), e.submitTs);
  ctx.seen(end);
  if (e.completeTs === null) args.unfinished = true;
  let id: number;
  if (e.kind === 'aio') {
    // its io_submit slice, written before, starts the flow
    id = e.index !== null ? ctx.flows.aioRequest(e.tid, e.submitTs, e.index) : ctx.flows.fresh();
  } else {
    // an io_uring submission has no call of its own (io_uring_enter submits many; SQPOLL none)
    id = ctx.flows.fresh();
    ctx.instant(ctx.tracks.thread(e.pid, e.tid), e.submitTs, `${label} submitted`, e.kind, { data: args.data }, 0n, [{ id, ts: e.submitTs }], NO_FLOWS);
    ctx.counts.flows++;
  }
  const lane = ctx.tracks.lane(e.pid, e.submitTs, end);
  ctx.slice(lane, e.submitTs, end - e.submitTs, label, e.kind, args, e.stackId, NO_FLOWS, [{ id, ts: e.submitTs }], NO_FLOWS);
  if (e.completeTs === null || e.completeTid === null) return;
  const completeTs = e.completeTs;
  const reaper = e.kind === 'aio' ? ['io_getevents', 'io_pgetevents'] : ['io_uring_enter'];
  ctx.wait(e.completeTid, {
    flow: { id, ts: completeTs },
    matches: (s) => reaper.includes(s.name) && s.ts <= completeTs && completeTs <= s.ts + s.dur,
    fallback: { pid: e.pid, tid: e.completeTid, ts: completeTs, name: `${label} completed`, category: e.kind },
  });
}

/** Linux-AIO and io_uring requests. */
export const requestKind: EventKindModule<RequestEvent> = {
  kinds: { aio: { threadless: false, engine: 'AIO' }, uring: { threadless: false, engine: 'io_uring' } },
  // paired by model/requests.ts, which emits each request when its completion comes (or at the end)
  decode: {
    aio_submit: (r, ctx) => ctx.requests.aioSubmit(r),
    aio_complete: (r, ctx) => ctx.requests.aioComplete(r),
    uring_ring: (r, ctx) => ctx.requests.ring(r),
    uring_submit: (r, ctx) => ctx.requests.uringSubmit(r),
    uring_complete: (r, ctx) => ctx.requests.uringComplete(r),
  },
  line,
  json,
  details: {
    who(e, ctx) {
      const rows = [{ label: 'Process', value: `${ctx.track?.group ?? e.pid}` }];
      const by = (label: string, tid: ArgValue): void => {
        if (typeof tid === 'number' && tid > 0) rows.push({ label, value: `${ctx.nameOf(e.pid, tid) || '?'} ${tid}` });
      };
      by('Submitted by', e.args.submitted_by ?? null);
      by('Reaped by', e.args.completed_by ?? null);
      return rows;
    },
    result: 'Completion result',
  },
  store: storeAdder,
  export: (ctx) => ({ add: (e) => exportRequest(ctx, e) }),
  aggregate(e, ctx) {
    if (e.dur !== null) {
      const d = ctx.entry(e.pid, e.tid, requestLabel(e), e.kind);
      d.add(e.dur);
      if (e.res !== null && e.res < 0) d.errors++;
    }
    // io_uring's duration ends at the CQE: the time until the application got it, where known
    if (e.kind === 'uring' && e.reapTs !== null && e.submitTs !== null) {
      ctx.entry(e.pid, e.tid, `${requestLabel(e)} until reaped`, e.kind).add(e.reapTs - e.submitTs);
    }
    ctx.engines.add(e);
  },
};
