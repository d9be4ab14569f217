/**
 * Request engines as events: each Linux-AIO iocb paired from io_submit to the io_getevents that
 * reaped it (or to the syscall boundary where the tracer saw the application take it from the AIO
 * ring in user space), each io_uring request from its submission to its CQE, and to when the application
 * consumed that CQE. The ring's CQ head, read by the kernel side at every submission and completion,
 * tells in which order and by when the application consumed its CQEs: a CQE was reaped by the first
 * moment the head is seen past it (an upper bound, as close as the ring's next activity). When it was
 * posted while the application waited for completions in io_uring_enter, and the head shows it taken
 * before the application's next submission, it was reaped when that call returned (exact). A
 * request whose submission the trace does not hold (made before the recording) is labelled so,
 * with what its completion tells.
 */
import {
  AioCompleteFlag,
  UringFlag,
  UringReqFlag,
  UringStackFromNames,
  type AioCompleteRecord,
  type AioSubmitRecord,
  type UringCompleteRecord,
  type UringRingRecord,
  type UringSubmitRecord,
} from '../../../../protocol/generated/wire';
import type { AioEvent, ArgValue, Args, UringEvent } from './events';
import type { FdTables } from './fdtable';
import { aioOpName, uringOpName } from './names';

/** The name of a request whose submission is not in the trace. */
export const BEFORE_RECORDING = 'submitted before the recording';
/** The same, when records were lost before it: its submission may be among them. */
export const BEFORE_RECORDING_OR_LOST = 'submitted before the recording (or its submission was lost)';

/** Requests io_getevents reaped, or ended from the AIO ring, kept to tell a second sight of the same completion. */
const MAX_REAPED_BY_CALL = 4096;
/** IORING_CQE_F_MORE: more completions of the same (multishot) request will follow. */
const IORING_CQE_F_MORE = 2;
/** CQEs of a ring kept waiting to learn when they were consumed, before the oldest is let go. */
const MAX_UNREAPED = 65536;
/** A CQE whose consumption has not been seen after this long (ns of trace time) is let go without it. */
const REAP_WAIT_NS = 1e9;

const hex = (v: bigint): string => '0x' + v.toString(16);
const key = (a: bigint, b: bigint): string => `${a}:${b}`;

/** An io_uring_enter that returned: the span in which it waited. */
interface EnterSpan {
  readonly start: number;
  readonly end: number;
}

/** A CQE whose reap is not known yet. */
interface Unreaped {
  readonly e: UringEvent;
  /** Its number in the ring's completion queue, null when the tracer could not read it. */
  readonly seq: number | null;
  /** The thread waiting for it in io_uring_enter when it was posted, 0 when none was (or that call returned). */
  waiter: number;
  /** The return of the wait that got it: its reap, if the head shows it taken before the next submission. */
  afterWait: number | null;
}

/** The CQ head passed CQE number `seq` (u32 counters that wrap). */
function consumed(head: number, seq: number): boolean {
  const d = (head - seq) >>> 0;
  return d > 0 && d < 0x80000000;
}

/** AIO requests of one context dropped unseen: their iocb was submitted again before their completion showed. */
export interface AioReused {
  readonly pid: number;
  readonly ctx: bigint;
  count: number;
}

/** Everything the tracker needs from the assembler. */
export interface RequestContext {
  readonly fds: FdTables;
  /** Monotonic ns -> ns since the trace's origin. */
  rel(ts: number): number;
  /** Records lost so far (a missing submission may be among them). */
  lost(): number;
  /** An event is ready (possibly later than its completion record: see uringComplete). */
  emit(e: AioEvent | UringEvent): void;
}

/** Pairs request records into events as they stream by. */
export class RequestTracker {
  private readonly aio = new Map<string, AioSubmitRecord>();
  private readonly aioSubmitBatch = new Map<number, AioSubmitRecord[]>();
  private readonly aioReapBatch = new Map<number, { c: AioCompleteRecord; seenInRing: boolean }[]>();
  /** Requests io_getevents reaped lately (the oldest first), by context and iocb: see aioComplete. */
  private readonly aioReapedByCall = new Set<string>();
  /** Requests ended by a completion seen in the AIO ring lately (the oldest first): see aioComplete. */
  private readonly aioEndedInRing = new Set<string>();
  private readonly uring = new Map<string, UringSubmitRecord>();
  private readonly rings = new Map<bigint, { pid: number; fd: number }>();
  /** Per ring, CQEs posted whose consumption is not known yet, in posting order. */
  private readonly unreaped = new Map<bigint, Unreaped[]>();
  /** Per thread, its last io_uring_enter (a completion may be read after the call's record). */
  private readonly lastEnter = new Map<number, EnterSpan>();
  /**
   * Per process and AIO context (`pid:ctx`), the requests whose completion the trace never saw
   * before the program submitted their iocb again: dropped, and counted so that they are told.
   */
  private readonly aioReused = new Map<string, AioReused>();

  constructor(private readonly ctx: RequestContext) {}

  /** One iocb io_submit accepted (its io_submit record follows). */
  aioSubmit(r: AioSubmitRecord): void {
    const k = key(r.ctx, r.obj);
    // the iocb's last request ended unseen (taken from the ring between two looks, or lost records)
    if (this.aio.has(k)) this.countReused(r.pid, r.ctx);
    this.aio.set(k, r);
    // the iocb is used again: a completion of it is this request's
    this.aioReapedByCall.delete(k);
    this.aioEndedInRing.delete(k);
    batch(this.aioSubmitBatch, r.tid).push(r);
  }

  /**
   * One completion io_getevents reaped (its record follows), or one seen in the AIO ring of a
   * context the application reaps in user space (AioCompleteFlag.ring: no record follows): the
   * request's event. The two can see the same completion: the tracer follows a context's ring until
   * the first io_getevents on it (which then reaps what the ring showed), and a thread can take
   * from the ring while another is in io_getevents. The first sight ends the request; the second is
   * no request of its own (the io_getevents lists it, marked seen_in_ring).
   */
  aioComplete(c: AioCompleteRecord): void {
    const k = key(c.ctx, c.obj);
    const sub = this.aio.get(k);
    const fromRing = (c.flags & AioCompleteFlag.ring) !== 0;
    if (fromRing && !sub && this.aioReapedByCall.delete(k)) return;
    const seenInRing = !fromRing && !sub && this.aioEndedInRing.delete(k);
    if (!fromRing) {
      batch(this.aioReapBatch, c.tid).push({ c, seenInRing });
      remember(this.aioReapedByCall, k);
    }
    if (seenInRing) return;
    if (fromRing) remember(this.aioEndedInRing, k);
    this.aio.delete(k);
    this.ctx.emit(this.aioEvent(sub, c));
  }

  /** Requests dropped because their iocb was submitted again before their completion was seen, in all. */
  aioReusedTotal(): number {
    let n = 0;
    for (const r of this.aioReused.values()) n += r.count;
    return n;
  }

  /** Requests of context ctx of process pid dropped that way. */
  aioReusedOf(pid: number, ctx: bigint): number {
    return this.aioReused.get(key(BigInt(pid), ctx))?.count ?? 0;
  }

  private countReused(pid: number, ctx: bigint): void {
    const k = key(BigInt(pid), ctx);
    const r = this.aioReused.get(k);
    if (r) r.count++;
    else this.aioReused.set(k, { pid, ctx, count: 1 });
  }

  /** The iocbs of the io_submit record of thread tid (sent before it). */
  takeSubmitted(tid: number): ArgValue[] {
    const list = (this.aioSubmitBatch.get(tid) ?? []).map((s) => this.iocbArgs(s));
    this.aioSubmitBatch.delete(tid);
    return list;
  }

  /** The completions of the io_getevents record of thread tid (sent before it). */
  takeReaped(tid: number): ArgValue[] {
    const list = (this.aioReapBatch.get(tid) ?? []).map(({ c, seenInRing }) => ({
      obj: hex(c.obj), data: hex(c.data), res: c.res, ...(seenInRing ? { seen_in_ring: true } : {}),
    }));
    this.aioReapBatch.delete(tid);
    return list;
  }

  /** An io_uring instance. */
  ring(r: UringRingRecord): void {
    this.rings.set(r.ctx, { pid: r.pid, fd: r.fd });
  }

  /** The ring a process's io_uring_enter names by its fd, if known. */
  ringOf(pid: number, fd: number): bigint | undefined {
    for (const [ring, v] of this.rings) if (v.pid === pid && v.fd === fd) return ring;
    return undefined;
  }

  uringSubmit(r: UringSubmitRecord): void {
    this.uring.set(key(r.ctx, r.req), r);
    const at = this.ctx.rel(r.ts);
    // the application's own submission (not the SQPOLL thread's) ends what it did right after a wait
    if (r.flags & UringFlag.cq_known) this.observeHead(r.ctx, r.cqHead, at, r.sqThread === 0);
    this.expire(at);
  }

  /** A CQE posted: its event waits until the trace tells when the application consumed it. */
  uringComplete(r: UringCompleteRecord): void {
    const k = key(r.ctx, r.req);
    const sub = this.uring.get(k);
    const more = (r.cflags & IORING_CQE_F_MORE) !== 0;
    if (sub && !more) this.uring.delete(k);
    const completeTs = this.ctx.rel(r.ts);
    const known = (r.flags & UringFlag.cq_known) !== 0;
    const e = this.uringEvent(sub, r, completeTs, more, null);
    const u: Unreaped = { e, seq: known ? r.cqSeq : null, waiter: r.waiterTid, afterWait: null };
    // the waiting call's record can come first (the CQE was posted on another CPU)
    const span = u.waiter ? this.lastEnter.get(u.waiter) : undefined;
    if (span && span.start <= completeTs && completeTs <= span.end) {
      u.waiter = 0;
      u.afterWait = span.end;
    }
    if (u.seq === null && !u.waiter) {
      this.ctx.emit({ ...e, reapTs: u.afterWait }); // an older tracer: the wait tells, or nothing does
    } else {
      const list = batch(this.unreaped, r.ctx);
      list.push(u);
      if (list.length > MAX_UNREAPED) this.ctx.emit((list.shift() as Unreaped).e);
    }
    if (known) this.observeHead(r.ctx, r.cqHead, completeTs, false);
    this.expire(completeTs);
  }

  /** An io_uring_enter of thread tid returned (not a report of one still in progress): the completions it waited for. */
  enterReturned(tid: number, start: number, end: number): void {
    this.lastEnter.set(tid, { start, end });
    this.settleWaiter(tid, (e) => (e.completeTs !== null && start <= e.completeTs && e.completeTs <= end ? end : null));
  }

  /** Thread tid ended: what waited for its io_uring_enter is told by the CQ head, or goes as it is. */
  threadExited(tid: number): void {
    this.settleWaiter(tid, () => null);
    this.lastEnter.delete(tid);
  }

  /** The end of the input: requests still in flight, and completions whose reap was not seen. */
  finish(): void {
    for (const list of this.unreaped.values()) for (const u of list) this.ctx.emit(u.e);
    this.unreaped.clear();
    for (const sub of this.aio.values()) this.ctx.emit(this.aioEvent(sub, undefined));
    this.aio.clear();
    for (const sub of this.uring.values()) this.ctx.emit(this.uringEvent(sub, undefined, null, false, null));
    this.uring.clear();
  }

  /**
   * The ring's CQ head was `head` at `at`: the CQEs it passed were consumed by then — when the
   * wait that got them returned, if that came first. A submission of the application (`byApp`)
   * that finds one not consumed shows it was not taken right after its wait.
   */
  private observeHead(ring: bigint, head: number, at: number, byApp: boolean): void {
    const list = this.unreaped.get(ring);
    if (!list) return;
    const left = list.filter((u) => {
      if (u.waiter || u.seq === null) return true;
      if (consumed(head, u.seq)) {
        this.ctx.emit({ ...u.e, reapTs: u.afterWait ?? Math.max(at, u.e.completeTs ?? at) });
        return false;
      }
      if (byApp) u.afterWait = null;
      return true;
    });
    this.store(ring, left);
  }

  /** The waits of thread tid are settled: a CQE one of them got may have been reaped at its end (the CQ head will tell). */
  private settleWaiter(tid: number, waitEnd: (e: UringEvent) => number | null): void {
    for (const [ring, list] of this.unreaped) {
      const left = list.filter((u) => {
        if (u.waiter !== tid) return true;
        u.waiter = 0;
        u.afterWait = waitEnd(u.e);
        if (u.seq !== null) return true;
        this.ctx.emit({ ...u.e, reapTs: u.afterWait }); // an older tracer: no CQ head to confirm it
        return false;
      });
      this.store(ring, left);
    }
  }

  /** CQEs whose consumption was not seen for REAP_WAIT_NS go without it (a ring gone quiet). */
  private expire(now: number): void {
    for (const [ring, list] of this.unreaped) {
      let n = 0;
      while (n < list.length && (list[n].e.completeTs ?? now) < now - REAP_WAIT_NS) this.ctx.emit(list[n++].e);
      if (n) this.store(ring, list.slice(n));
    }
  }

  private store(ring: bigint, list: Unreaped[]): void {
    if (list.length) this.unreaped.set(ring, list);
    else this.unreaped.delete(ring);
  }

  private beforeRecordingName(): string {
    return this.ctx.lost() > 0 ? BEFORE_RECORDING_OR_LOST : BEFORE_RECORDING;
  }

  private iocbArgs(s: AioSubmitRecord): Args {
    return {
      op: aioOpName(s.opcode), fd: s.fd, path: this.ctx.fds.get(s.pid, s.fd)?.path ?? null, offset: s.offset, nbytes: s.nbytes,
      data: hex(s.data), resfd: s.resfd >= 0 ? s.resfd : null,
    };
  }

  private aioEvent(sub: AioSubmitRecord | undefined, c: AioCompleteRecord | undefined): AioEvent {
    const submitTs = sub ? this.ctx.rel(sub.ts) : null;
    const completeTs = c ? this.ctx.rel(c.ts) : null;
    // without its submission, what the completion tells: the iocb's address, aio_data, the results
    const args: Args = sub ? this.iocbArgs(sub) : { obj: hex(c?.obj ?? 0n), res2: c?.res2 ?? null };
    args.ctx = hex(sub?.ctx ?? c?.ctx ?? 0n);
    return {
      kind: 'aio', name: sub ? aioOpName(sub.opcode) : this.beforeRecordingName(), pid: sub?.pid ?? c?.pid ?? 0,
      tid: sub?.tid ?? c?.tid ?? 0, ts: submitTs ?? completeTs ?? 0, submitTs, completeTs, ends: 'reaped', reapTs: completeTs,
      beforeRecording: !sub, dur: submitTs !== null && completeTs !== null ? completeTs - submitTs : null, res: c ? c.res : null,
      data: sub?.data ?? c?.data ?? 0n, ctx: sub?.ctx ?? c?.ctx ?? 0n, fd: sub?.fd ?? -1, completeTid: c?.tid ?? null,
      index: sub?.index ?? null, fromRing: c !== undefined && (c.flags & AioCompleteFlag.ring) !== 0, stackId: sub?.stackId ?? 0n, args,
    };
  }

  private uringEvent(
    sub: UringSubmitRecord | undefined, c: UringCompleteRecord | undefined, completeTs: number | null, more: boolean,
    reapTs: number | null,
  ): UringEvent {
    const submitTs = sub ? this.ctx.rel(sub.ts) : null;
    const ring = sub?.ctx ?? c?.ctx ?? 0n;
    const pid = sub?.pid ?? c?.pid ?? 0;
    const ringInfo = this.rings.get(ring);
    // a registered file's index (IOSQE_FIXED_FILE) is no descriptor: naming fd N's path would be a wrong label
    const fixed = sub !== undefined && (sub.reqFlags & BigInt(UringReqFlag.fixed_file)) !== 0n;
    const fd = fixed ? -1 : sub?.fd ?? -1;
    const args: Args = {
      ...(fixed ? { fd: null, registered_file: sub.fd } : { fd }),
      path: fd >= 0 ? this.ctx.fds.get(pid, fd)?.path ?? null : null, ring: hex(ring),
      ring_fd: ringInfo && ringInfo.fd >= 0 ? ringInfo.fd : null, sqpoll: sub?.sqThread === 1,
    };
    const from = sub ? UringStackFromNames.get(sub.stackFrom) : undefined;
    if (from === 'enter') args.stack_from = 'the io_uring_enter that submitted it';
    else if (from === 'last_enter') args.stack_from = 'the last io_uring_enter on the ring (the SQPOLL thread submitted it)';
    else if (from === 'setup') args.stack_from = 'the io_uring_setup that created the ring (the SQPOLL thread submitted it before any io_uring_enter)';
    else if (sub?.sqThread === 1) args.stack_from = 'none: the SQPOLL thread submitted it and no call of the program on the ring was seen';
    if (c && !sub) args.cflags = c.cflags;
    return {
      kind: 'uring', name: sub ? uringOpName(sub.opcode) : this.beforeRecordingName(), pid, tid: sub?.tid ?? c?.tid ?? 0,
      ts: submitTs ?? completeTs ?? 0, submitTs, completeTs, ends: 'posted', reapTs, beforeRecording: !sub, more,
      dur: submitTs !== null && completeTs !== null ? completeTs - submitTs : null, res: c ? c.res : null,
      data: sub?.userData ?? c?.userData ?? 0n, ring, fd, sqThread: sub?.sqThread === 1, completeTid: c ? c.tid : null,
      stackId: sub?.stackId ?? 0n, args,
    };
  }
}

/** Keep `k` among the last MAX_REAPED_BY_CALL keys of `set`. */
function remember(set: Set<string>, k: string): void {
  set.add(k);
  if (set.size > MAX_REAPED_BY_CALL) set.delete(set.values().next().value as string);
}

function batch<K, T>(m: Map<K, T[]>, k: K): T[] {
  let b = m.get(k);
  if (!b) {
    b = [];
    m.set(k, b);
  }
  return b;
}
