/**
 * Turns wire records into events: pairs each AIO and io_uring request's submission with its
 * completion, each signal's generation with its delivery, keeps the process, fd and memory-map
 * tables current, and collects the stacks and symbols the trace carries.
 */
import {
  DropSourceNames,
  SYSCALLS,
  TaskEventNames,
  type AioCompleteRecord,
  type AioSubmitRecord,
  type EndRecord,
  type SignalGenerateRecord,
  type StackRecord,
  type SymFrameRecord,
  type SyscallRecord,
  type TaskRecord,
  type UringSubmitRecord,
  type WireRecord,
  SignalFlag,
  SyscallFlag,
} from '../../../../protocol/generated/wire';
import { MapTables } from '../symbols/maps';
import { decodeSyscallArgs, EpollRegistry } from './args';
import type { AioEvent, ArgValue, Args, TraceEvent, UringEvent } from './events';
import { FdTables } from './fdtable';
import { FilteredCalls } from './filtered';
import { aioOpName, errnoName, isStandardSignal, O_ASYNC, signalName, uringOpName } from './names';
import { ProcessTable } from './processes';
import { uioDevice, type UioDevices } from './uio';

const SIGIO = 29;
const F_SETSIG = 10;

/** A stack as the tracer sent it, with the address-space generation it belongs to. */
export interface StackInfo {
  readonly id: bigint;
  readonly pid: number;
  readonly gen: number;
  readonly frames: readonly bigint[];
  readonly spSlots: number;
  readonly flags: number;
}

/** Trace metadata written by the tracer (meta record). */
export interface TraceMeta {
  readonly tracer?: string;
  readonly version?: string;
  readonly backend?: string;
  readonly pid?: number;
  readonly command?: string[];
  readonly launched?: boolean;
  readonly min_duration_ns?: number;
  readonly irq?: boolean;
  readonly stacks?: boolean;
  readonly kernel?: string;
  readonly hostname?: string;
  readonly missing_tracepoints?: string[];
  readonly cannot_see?: string[];
  readonly [key: string]: unknown;
}

/** Losses, by source. */
export interface DropTotals {
  total: number;
  readonly bySource: Map<string, number>;
}

const IORING_CQE_F_MORE = 2;

function key(a: bigint | number, b: bigint | number): string {
  return `${a}:${b}`;
}

/** Consumes wire records in stream order and calls `emit` with each finished event. */
export class TraceAssembler {
  readonly processes = new ProcessTable();
  readonly fds = new FdTables();
  readonly maps = new MapTables();
  readonly stacks = new Map<bigint, StackInfo>();
  /** Symbol section of a trace file: stack id -> resolved frame records. */
  readonly symbols = new Map<bigint, SymFrameRecord[]>();
  readonly drops: DropTotals = { total: 0, bySource: new Map() };
  /** Blocking calls the tracer counted instead of sending (under --min-duration). */
  readonly filtered = new FilteredCalls();
  /** UIO devices seen (uio_device records). */
  readonly uioDevices: UioDevices = new Map();
  meta: TraceMeta | undefined;
  /** Monotonic ns of the trace's time origin, and the wall-clock ns at that instant. */
  origin: { mono: number; real: number } | undefined;
  end: EndRecord | undefined;
  /** Events emitted so far. */
  events = 0;
  /** Warnings about the content (not the framing) of the trace. */
  readonly warnings: string[] = [];

  private readonly epoll = new EpollRegistry();
  private readonly aio = new Map<string, AioSubmitRecord>();
  private readonly aioSubmitBatch = new Map<number, AioSubmitRecord[]>();
  private readonly aioReapBatch = new Map<number, AioCompleteRecord[]>();
  private readonly uring = new Map<string, UringSubmitRecord>();
  private readonly rings = new Map<bigint, { pid: number; fd: number }>();
  /** Generated, not yet delivered signals: "tid:sig" or "p<pid>:sig" -> generation times (rel ns). */
  private readonly pendingSignals = new Map<string, number[]>();
  /** pid:signal of the signals fcntl(F_SETSIG) made the I/O-ready signal of some fd. */
  private readonly setsig = new Set<string>();
  /** Per thread, the signal handlers running (innermost last): what their rt_sigreturn ends. */
  private readonly handlers = new Map<number, { sig: number; ts: number; pid: number; handler: string; stackId: bigint }[]>();

  constructor(private readonly emit: (e: TraceEvent) => void) {}

  /** ns since the trace's origin. */
  rel(ts: number): number {
    if (!this.origin) this.origin = { mono: ts, real: 0 };
    return ts - this.origin.mono;
  }

  private out(e: TraceEvent): void {
    this.events++;
    this.emit(e);
  }

  /** Process one record. */
  push(r: WireRecord): void {
    switch (r.kind) {
      case 'clock':
        if (!this.origin || this.origin.real === 0) this.origin = { mono: r.monoNs, real: r.realNs };
        break;
      case 'meta':
        try {
          this.meta = JSON.parse(r.json) as TraceMeta;
        } catch {
          this.warnings.push('the trace metadata is not valid JSON; ignored');
        }
        break;
      case 'syscall':
        this.syscall(r);
        break;
      case 'stack':
        this.stack(r);
        break;
      case 'aio_submit':
        this.aio.set(key(r.ctx, r.obj), r);
        this.batch(this.aioSubmitBatch, r.tid).push(r);
        break;
      case 'aio_complete':
        this.aioComplete(r);
        break;
      case 'uring_ring':
        this.rings.set(r.ctx, { pid: r.pid, fd: r.fd });
        break;
      case 'uring_submit':
        this.uring.set(key(r.ctx, r.req), r);
        break;
      case 'uring_complete': {
        const k = key(r.ctx, r.req);
        const sub = this.uring.get(k);
        if (sub && (r.cflags & IORING_CQE_F_MORE) === 0) this.uring.delete(k);
        this.out(this.uringEvent(sub, r.pid, r.tid, r.ts, r.res, r.userData, r.ctx));
        break;
      }
      case 'signal_generate':
        this.signalGenerate(r);
        break;
      case 'signal_deliver': {
        const ts = this.rel(r.ts);
        const gen = this.takePendingSignal(r.pid, r.tid, r.sig);
        const args: Args = { code: r.code, handler: '0x' + r.handler.toString(16) };
        if (r.pollFd >= 0) args.si_fd = r.pollFd;
        if (r.pollFd >= 0) args.si_band = r.pollBand;
        this.sourceFd(r.pid, r.sig, r.pollFd, args);
        if (r.handler > 1n) {
          // SIG_DFL 0, SIG_IGN 1: anything else is a function whose rt_sigreturn ends the run
          const running = this.handlers.get(r.tid) ?? [];
          running.push({ sig: r.sig, ts, pid: r.pid, handler: args.handler as string, stackId: r.stackId });
          if (running.length > 16) running.shift(); // handlers left by longjmp never return
          this.handlers.set(r.tid, running);
        }
        this.out({
          kind: 'signal', name: signalName(r.sig), phase: 'deliver', pid: r.pid, tid: r.tid, ts, dur: null, sig: r.sig, code: r.code,
          stackId: r.stackId, args, generateTs: gen ?? null, coalesced: false,
        });
        break;
      }
      case 'irq':
        this.out({
          kind: 'irq', name: r.name || `irq${r.irq}`, pid: 0, tid: 0, ts: this.rel(r.ts), dur: r.dur, irq: r.irq, cpu: r.cpu,
          ret: r.ret, stackId: 0n, args: { irq: r.irq, cpu: r.cpu, handled: r.ret },
        });
        break;
      case 'task':
        this.task(r);
        break;
      case 'fd':
        this.fds.apply(r);
        break;
      case 'map':
        this.maps.add(r);
        break;
      case 'mmap':
        break; // the tracer answers it with map records
      case 'wake':
        this.out({
          kind: 'wake', name: SYSCALLS.get(r.wakerSys)?.name ?? 'wake', pid: r.pid, tid: r.tid, ts: this.rel(r.ts),
          wakeePid: r.wakeePid, wakeeTid: r.wakeeTid, wakeeSince: r.wakeeSince ? this.rel(r.wakeeSince) : null, stackId: 0n,
          args: {
            waker_call: SYSCALLS.get(r.wakerSys)?.name ?? null, fd: r.wakerFd >= 0 ? r.wakerFd : null,
            path: r.wakerFd >= 0 ? this.fds.get(r.pid, r.wakerFd)?.path ?? null : null,
            wakee_pid: r.wakeePid, wakee_tid: r.wakeeTid, wakee_call: SYSCALLS.get(r.wakeeSys)?.name ?? null,
          },
        });
        break;
      case 'drop': {
        const source = DropSourceNames.get(r.source) ?? `source${r.source}`;
        this.drops.total += r.count;
        this.drops.bySource.set(source, (this.drops.bySource.get(source) ?? 0) + r.count);
        this.out({ kind: 'drop', name: source, pid: 0, tid: 0, ts: this.rel(r.ts), count: r.count, total: r.total, stackId: 0n, args: {} });
        break;
      }
      case 'end':
        this.end = r;
        break;
      case 'uio_device':
        this.uioDevices.set(r.index, uioDevice(r));
        break;
      case 'call_summary':
        this.filtered.apply(r, this.rel(r.ts));
        break;
      case 'sym_frame': {
        const list = this.symbols.get(r.stackId) ?? [];
        list.push(r);
        this.symbols.set(r.stackId, list);
        break;
      }
    }
  }

  /** The end of the input: requests and signals still pending become events with no completion. */
  finish(): void {
    for (const sub of this.aio.values()) this.out(this.aioEvent(sub, undefined));
    this.aio.clear();
    for (const sub of this.uring.values()) {
      this.out(this.uringEvent(sub, sub.pid, sub.tid, undefined, 0, sub.userData, sub.ctx));
    }
    this.uring.clear();
  }

  private batch<T>(m: Map<number, T[]>, tid: number): T[] {
    let b = m.get(tid);
    if (!b) {
      b = [];
      m.set(tid, b);
    }
    return b;
  }

  private stack(r: StackRecord): void {
    this.stacks.set(r.stackId, {
      id: r.stackId, pid: r.pid, gen: this.maps.generation(r.pid), frames: r.frames, spSlots: r.spSlots, flags: r.flags,
    });
  }

  private syscall(r: SyscallRecord): void {
    const info = SYSCALLS.get(r.sys);
    if (!info) {
      this.warnings.push(`unknown syscall id ${r.sys} skipped`);
      return;
    }
    if (info.name === 'rt_sigreturn') return this.handlerReturned(r);
    const args = decodeSyscallArgs(r, info, this.fds, this.epoll);
    if ((info.name === 'read' || info.name === 'pread64') && typeof args.path === 'string' && /^\/dev\/uio\d+$/.test(args.path) && args.fd_type === undefined) args.fd_type = 'uio';
    if (typeof args.interrupts === 'number') {
      // the count this fd started from: its first read can show a missed interrupt too
      const start = this.fds.get(r.pid, Number(BigInt.asIntN(32, r.args[0])))?.uioCount;
      if (start !== undefined) args.count_at_open = start;
    }
    const unfinished = (r.flags & 1) !== 0;
    if (r.flags & SyscallFlag.nonblocking) args.nonblocking = true;
    if (info.name === 'epoll_ctl' && r.ret === 0 && r.data.length >= 2) {
      this.epoll.ctl(r.pid, Number(BigInt.asIntN(32, r.args[0])), Number(r.args[1]), Number(BigInt.asIntN(32, r.args[2])), r.data[1]);
    } else if (info.name === 'fcntl' && r.ret >= 0 && Number(r.args[1]) === F_SETSIG && Number(r.args[2]) > 0) {
      this.setsig.add(`${r.pid}:${Number(r.args[2])}`);
    } else if (info.name === 'fcntl' && r.ret >= 0 && Number(r.args[1]) === 4) {
      this.fds.setFlags(r.pid, Number(BigInt.asIntN(32, r.args[0])), Number(r.args[2]));
      args.async = (Number(r.args[2]) & O_ASYNC) !== 0;
    } else if (info.name === 'io_submit' && !unfinished) {
      args.iocbs = (this.aioSubmitBatch.get(r.tid) ?? []).map((s) => this.iocbArgs(s));
      this.aioSubmitBatch.delete(r.tid);
    } else if ((info.name === 'io_getevents' || info.name === 'io_pgetevents') && !unfinished) {
      args.events = (this.aioReapBatch.get(r.tid) ?? []).map((c) => ({
        obj: '0x' + c.obj.toString(16), data: '0x' + c.data.toString(16), res: c.res,
      }));
      this.aioReapBatch.delete(r.tid);
    } else if (info.name === 'io_uring_enter') {
      const ring = [...this.rings.entries()].find(([, v]) => v.pid === r.pid && v.fd === Number(r.args[0]));
      if (ring) args.ring = '0x' + ring[0].toString(16);
    }
    this.out({
      kind: 'syscall', name: info.name, sys: r.sys, model: info.model, pid: r.pid, tid: r.tid, ts: this.rel(r.ts), dur: r.dur,
      ret: r.ret, error: r.ret < 0 && !unfinished ? errnoName(-r.ret) ?? `E${-r.ret}` : null, unfinished,
      cpu: r.cpu === 0xffff ? null : r.cpu, stackId: r.stackId, args,
    });
  }

  private iocbArgs(s: AioSubmitRecord): ArgValue {
    return {
      op: aioOpName(s.opcode), fd: s.fd, path: this.fds.get(s.pid, s.fd)?.path ?? null, offset: s.offset, nbytes: s.nbytes,
      data: '0x' + s.data.toString(16), resfd: s.resfd >= 0 ? s.resfd : null,
    };
  }

  private aioComplete(c: AioCompleteRecord): void {
    const k = key(c.ctx, c.obj);
    const sub = this.aio.get(k);
    this.aio.delete(k);
    this.batch(this.aioReapBatch, c.tid).push(c);
    this.out(this.aioEvent(sub, c));
  }

  private aioEvent(sub: AioSubmitRecord | undefined, c: AioCompleteRecord | undefined): AioEvent {
    const submitTs = sub ? this.rel(sub.ts) : null;
    const completeTs = c ? this.rel(c.ts) : null;
    const args: Args = sub ? (this.iocbArgs(sub) as Args) : { obj: '0x' + (c?.obj ?? 0n).toString(16) };
    args.ctx = '0x' + (sub?.ctx ?? c?.ctx ?? 0n).toString(16);
    return {
      kind: 'aio', name: sub ? aioOpName(sub.opcode) : 'unknown', pid: sub?.pid ?? c?.pid ?? 0, tid: sub?.tid ?? c?.tid ?? 0,
      ts: submitTs ?? completeTs ?? 0, submitTs, completeTs, dur: submitTs !== null && completeTs !== null ? completeTs - submitTs : null,
      res: c ? c.res : null, data: sub?.data ?? c?.data ?? 0n, ctx: sub?.ctx ?? c?.ctx ?? 0n, fd: sub?.fd ?? -1,
      completeTid: c?.tid ?? null, stackId: sub?.stackId ?? 0n, args,
    };
  }

  private uringEvent(
    sub: UringSubmitRecord | undefined, pid: number, tid: number, completeMono: number | undefined, res: number,
    userData: bigint, ring: bigint,
  ): UringEvent {
    const submitTs = sub ? this.rel(sub.ts) : null;
    const completeTs = completeMono !== undefined ? this.rel(completeMono) : null;
    const ringInfo = this.rings.get(ring);
    const fd = sub?.fd ?? -1;
    return {
      kind: 'uring', name: sub ? uringOpName(sub.opcode) : 'unknown', pid: sub?.pid ?? pid, tid: sub?.tid ?? tid,
      ts: submitTs ?? completeTs ?? 0, submitTs, completeTs,
      dur: submitTs !== null && completeTs !== null ? completeTs - submitTs : null,
      res: completeTs !== null ? res : null, data: userData, ring, fd, sqThread: sub?.sqThread === 1,
      completeTid: completeTs !== null ? tid : null, stackId: 0n,
      args: {
        fd, path: fd >= 0 ? this.fds.get(sub?.pid ?? pid, fd)?.path ?? null : null, ring: '0x' + ring.toString(16),
        ring_fd: ringInfo && ringInfo.fd >= 0 ? ringInfo.fd : null, sqpoll: sub?.sqThread === 1,
      },
    };
  }

  private signalKey(pid: number, tid: number, sig: number, group: boolean): string {
    return group ? `p${pid}:${sig}` : `${tid}:${sig}`;
  }

  private signalGenerate(r: SignalGenerateRecord): void {
    const ts = this.rel(r.ts);
    const k = this.signalKey(r.pid, r.tid, r.sig, r.group === 1);
    const coalesced = r.result === 2;
    if (r.result === 0 || coalesced) {
      const list = this.pendingSignals.get(k) ?? [];
      list.push(ts);
      this.pendingSignals.set(k, list);
    }
    // sent by an interrupt handler (kill_fasync): the task it came in on did not send it
    const fromIrq = (r.flags & SignalFlag.from_interrupt) !== 0;
    const args: Args = fromIrq
      ? { code: r.code, sender: 'an interrupt handler', from_interrupt: true, interrupted: `${r.senderComm}[${r.senderTid}]`, group: r.group === 1, result: r.result }
      : { code: r.code, sender_pid: r.senderPid, sender_tid: r.senderTid, sender: r.senderComm, group: r.group === 1, result: r.result };
    if (r.pollFd >= 0) args.si_fd = r.pollFd;
    if (r.pollFd >= 0) args.si_band = r.pollBand;
    this.sourceFd(r.pid, r.sig, r.pollFd, args);
    this.out({
      kind: 'signal', name: signalName(r.sig), phase: 'generate', pid: r.pid, tid: r.tid, ts, dur: null, sig: r.sig, code: r.code,
      stackId: 0n, args, generateTs: null, coalesced,
    });
  }

  /**
   * Which fd raised a SIGIO-style signal: si_fd when the kernel sent it (F_SETSIG), else the
   * process's fds set up for it with fcntl (O_ASYNC): one is named, several are listed.
   */
  private sourceFd(pid: number, sig: number, siFd: number, args: Args): void {
    if (siFd >= 0) {
      const info = this.fds.get(pid, siFd);
      if (info) args.path = info.path;
      return;
    }
    if (sig !== SIGIO && !this.setsig.has(`${pid}:${sig}`)) return;
    const async = [...this.fds.entries(pid)].filter(([, f]) => (f.flags & O_ASYNC) !== 0);
    if (async.length === 1) {
      const [fd, f] = async[0];
      Object.assign(args, { fd, path: f.path, fd_from: 'fcntl setup (O_ASYNC)' });
    } else if (async.length > 1) {
      args.async_fds = async.map(([fd, f]) => ({ fd, path: f.path }));
    }
  }

  /** rt_sigreturn: the innermost running handler of the thread returned. */
  private handlerReturned(r: SyscallRecord): void {
    const h = this.handlers.get(r.tid)?.pop();
    if (!h) return; // its delivery came before the attach
    const ts = this.rel(r.ts);
    this.out({
      kind: 'signal', name: signalName(h.sig), phase: 'handler', pid: h.pid, tid: r.tid, ts: h.ts, dur: ts - h.ts, sig: h.sig, code: 0,
      stackId: h.stackId, args: { handler: h.handler }, generateTs: null, coalesced: false,
    });
  }

  /** The generation a delivery answers: the oldest pending one; a standard signal consumes all merged into it. */
  private takePendingSignal(pid: number, tid: number, sig: number): number | undefined {
    for (const k of [this.signalKey(pid, tid, sig, false), this.signalKey(pid, tid, sig, true)]) {
      const list = this.pendingSignals.get(k);
      if (!list?.length) continue;
      const first = list[0];
      if (isStandardSignal(sig)) this.pendingSignals.delete(k);
      else list.shift();
      return first;
    }
    return undefined;
  }

  private task(r: TaskRecord): void {
    const ts = this.rel(r.ts);
    const ev = TaskEventNames.get(r.event);
    const p = this.processes.process(r.pid);
    const t = this.processes.thread(r.pid, r.tid);
    const groupDead = (r.flags & 1) !== 0;
    if ((r.flags & 2) !== 0) p.target = true;
    let kind: 'process' | 'thread' = r.tid === r.pid ? 'process' : 'thread';
    let name: 'start' | 'exec' | 'exit' | 'rename' | 'existing';
    switch (ev) {
      case 'existing':
        name = 'existing';
        if (r.comm) t.name = r.comm;
        if (r.tid === r.pid) {
          p.name = r.comm;
          if (r.filename) p.exe = r.filename;
        }
        break;
      case 'process_start':
        name = 'start';
        kind = 'process';
        p.parent = r.ppid;
        p.start = ts;
        p.name = r.comm;
        t.start = ts;
        t.name = r.comm;
        p.exe = this.processes.find(r.ppid)?.exe ?? '';
        this.fds.fork(r.ppid, r.pid);
        this.maps.fork(r.ppid, r.pid);
        break;
      case 'thread_start':
        name = 'start';
        t.start = ts;
        t.name = r.comm;
        break;
      case 'exec':
        name = 'exec';
        kind = 'process';
        p.exe = r.filename;
        p.name = r.comm;
        t.name = r.comm;
        this.fds.exec(r.pid);
        this.maps.exec(r.pid);
        break;
      case 'exit':
        name = 'exit';
        t.end = ts;
        if (groupDead) {
          kind = 'process';
          p.end = ts;
          p.exitCode = r.exitCode;
          this.fds.exit(r.pid);
        }
        break;
      case 'rename':
        name = 'rename';
        t.name = r.comm;
        if (r.tid === r.pid) p.name = r.comm;
        break;
      default:
        return;
    }
    const args: Args = { comm: r.comm };
    if (name === 'start') args.parent_pid = r.ppid;
    if (name === 'start') args.parent_tid = r.ptid;
    if (r.filename) args.filename = r.filename;
    if (name === 'exit') args.status = r.exitCode;
    this.out({ kind, name, pid: r.pid, tid: r.tid, ts, comm: r.comm, exitCode: name === 'exit' ? r.exitCode : null, stackId: 0n, args });
  }
}
