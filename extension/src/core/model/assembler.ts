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
  type StackRecord,
  type SymFrameRecord,
  type SyscallRecord,
  type TaskRecord,
  type UringSubmitRecord,
  type WireRecord,
} from '../../../../protocol/generated/wire';
import { MapTables } from './maps';
import { decodeSyscallArgs, EpollRegistry } from './args';
import type { AioEvent, ArgValue, Args, TraceEvent, UringEvent } from './events';
import { FdTables } from './fdtable';
import { aioOpName, errnoName, O_ASYNC, uringOpName } from './names';
import { SignalTracker } from './signals';
import { ProcessTable } from './processes';
import { uioDevice, type UioDevices } from './uio';

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
  private readonly signals = new SignalTracker(this.fds, (ts) => this.rel(ts));

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
        this.out(this.signals.generate(r));
        break;
      case 'signal_deliver':
        this.out(this.signals.deliver(r));
        break;
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
    if (info.name === 'rt_sigreturn') {
      const run = this.signals.handlerReturned(r);
      if (run) this.out(run);
      return;
    }
    const args = decodeSyscallArgs(r, info, this.fds, this.epoll);
    if ((info.name === 'read' || info.name === 'pread64') && typeof args.path === 'string' && /^\/dev\/uio\d+$/.test(args.path) && args.fd_type === undefined) args.fd_type = 'uio';
    if (typeof args.interrupts === 'number') {
      // the count this fd started from: its first read can show a missed interrupt too
      const start = this.fds.get(r.pid, Number(BigInt.asIntN(32, r.args[0])))?.uioCount;
      if (start !== undefined) args.count_at_open = start;
    }
    const unfinished = (r.flags & 1) !== 0;
    if (info.name === 'epoll_ctl' && r.ret === 0 && r.data.length >= 2) {
      this.epoll.ctl(r.pid, Number(BigInt.asIntN(32, r.args[0])), Number(r.args[1]), Number(BigInt.asIntN(32, r.args[2])), r.data[1]);
    } else if (info.name === 'fcntl' && r.ret >= 0 && Number(r.args[1]) === F_SETSIG && Number(r.args[2]) > 0) {
      this.signals.setSignal(r.pid, Number(r.args[2]));
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
