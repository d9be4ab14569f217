/**
 * Turns wire records into events: pairs each AIO and io_uring request's submission with its
 * completion, each signal's generation with its delivery, keeps the process, fd and memory-map
 * tables current, and collects the stacks and symbols the trace carries.
 */
import {
  DropSourceNames,
  NO_CPU,
  SYSCALLS,
  TaskEventNames,
  type EndRecord,
  type StartRecord,
  type StackRecord,
  type SymFrameRecord,
  type SyscallRecord,
  type TaskRecord,
  type WireRecord,
  SyscallFlag,
} from '../../../../protocol/generated/wire';
import { MapTables } from './maps';
import { decodeSyscallArgs, EpollRegistry } from './args';
import type { Args, TraceEvent } from './events';
import { FdTables } from './fdtable';
import { FilteredCalls } from './filtered';
import { errnoName, F_SETSIG, O_ASYNC } from './names';
import { RequestTracker } from './requests';
import { SignalTracker } from './signals';
import { ProcessTable } from './processes';
import { uioDevice, type UioDevices } from './uio';
import type { NamespaceMeta } from '../system/containers';


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
  /** The target's namespaces, when they are not the tracer's (a container). */
  readonly namespace?: NamespaceMeta;
  readonly [key: string]: unknown;
}

/** Losses, by source. */
export interface DropTotals {
  total: number;
  readonly bySource: Map<string, number>;
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
  /** The recording's start (what was traced from the beginning), once it came. */
  start: StartRecord | undefined;
  /** Events emitted so far. */
  events = 0;
  /** Warnings about the content (not the framing) of the trace. */
  readonly warnings: string[] = [];

  private readonly epoll = new EpollRegistry();
  private readonly requests = new RequestTracker({
    fds: this.fds, rel: (ts) => this.rel(ts), lost: () => this.drops.total, emit: (e) => this.out(e),
  });
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
        this.requests.aioSubmit(r);
        break;
      case 'aio_complete':
        this.requests.aioComplete(r);
        break;
      case 'uring_ring':
        this.requests.ring(r);
        break;
      case 'uring_submit':
        this.requests.uringSubmit(r);
        break;
      case 'uring_complete':
        this.requests.uringComplete(r);
        break;
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
      case 'start':
        this.start = r;
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
    this.requests.finish();
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
    if (r.flags & SyscallFlag.nonblocking) args.nonblocking = true;
    if (info.name === 'epoll_ctl' && r.ret === 0 && r.data.length >= 2) {
      this.epoll.ctl(r.pid, Number(BigInt.asIntN(32, r.args[0])), Number(r.args[1]), Number(BigInt.asIntN(32, r.args[2])), r.data[1]);
    } else if (info.name === 'fcntl' && r.ret >= 0 && Number(r.args[1]) === F_SETSIG && Number(r.args[2]) > 0) {
      this.signals.setSignal(r.pid, Number(r.args[2]));
    } else if (info.name === 'fcntl' && r.ret >= 0 && Number(r.args[1]) === 4) {
      this.fds.setFlags(r.pid, Number(BigInt.asIntN(32, r.args[0])), Number(r.args[2]));
      args.async = (Number(r.args[2]) & O_ASYNC) !== 0;
    } else if (info.name === 'io_submit' && !unfinished) {
      args.iocbs = this.requests.takeSubmitted(r.tid);
    } else if ((info.name === 'io_getevents' || info.name === 'io_pgetevents') && !unfinished) {
      args.events = this.requests.takeReaped(r.tid);
    } else if (info.name === 'io_uring_enter') {
      const ring = this.requests.ringOf(r.pid, Number(r.args[0]));
      if (ring !== undefined) args.ring = '0x' + ring.toString(16);
    }
    this.out({
      kind: 'syscall', name: info.name, sys: r.sys, model: info.model, pid: r.pid, tid: r.tid, ts: this.rel(r.ts), dur: r.dur,
      ret: r.ret, error: r.ret < 0 && !unfinished ? errnoName(-r.ret) ?? `E${-r.ret}` : null, unfinished,
      cpu: r.cpu === NO_CPU ? null : r.cpu, stackId: r.stackId, args,
    });
    // the completions this call waited for were reaped when it returned
    if (info.name === 'io_uring_enter' && !unfinished) this.requests.enterReturned(r.tid, this.rel(r.ts), this.rel(r.ts + r.dur));
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
        this.requests.threadExited(r.tid);
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
