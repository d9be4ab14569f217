/**
 * Turns wire records into events: each kind of event decodes its own records (kinds/: syscalls,
 * requests, signals, interrupts, tasks, wake-ups, losses) with the tables kept here — processes,
 * fds, memory maps, AIO and io_uring requests paired from submission to completion, signals from
 * generation to delivery —; the records of no event (clock, metadata, stacks, fds, maps, symbols)
 * are read here.
 */
import { FdOp, type EndRecord, type StartRecord, type StackRecord, type SymFrameRecord, type WireRecord } from '../../../../protocol/generated/wire';
import type { DecodeContext } from '../kinds/kind';
import { decoderOf } from '../kinds/registry';
import { SyscallArgsMemo } from '../kinds/syscallArgsMemo';
import { MapTables } from './maps';
import { EpollRegistry } from './args';
import { TableChanges } from './changes';
import type { TraceEvent } from './events';
import { FdTables } from './fdtable';
import { EPOLL_CTL_ADD } from './names';
import { FilteredCalls } from './filtered';
import { RequestTracker } from './requests';
import { aioReusedText } from './labels';
import { formatCount } from '../../../../shared/format';
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


/** How a TraceAssembler builds its events. */
export interface AssemblerOptions {
  /** false: syscalls' pointer arguments left out of their args, for consumers that drop them (kinds/kind.ts DecodeContext.pointers). */
  readonly pointers?: boolean;
}

/** Consumes wire records in stream order and calls `emit` with each finished event. */
export class TraceAssembler {
  /**
   * Told before the tables read beside the events change: processes, fds, UIO devices, meta and
   * the counted calls (a consumer that holds events back hands them on first).
   */
  readonly changes = new TableChanges();
  readonly processes = new ProcessTable(this.changes);
  readonly fds = new FdTables(this.changes);
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
  /** A syscall's args kept for its thread's next call; the tables' changes void them (fds, processes, meta). */
  private readonly argsMemo: SyscallArgsMemo;
  private readonly requests = new RequestTracker({
    fds: this.fds, rel: (ts) => this.rel(ts), lost: () => this.drops.total, emit: (e) => this.out(e),
  });
  private readonly signals = new SignalTracker(this.fds, (ts) => this.rel(ts));
  /** What the kinds decode their records with (kinds/kind.ts). */
  private readonly decoding: DecodeContext;

  constructor(
    private readonly emit: (e: TraceEvent) => void,
    options: AssemblerOptions = {},
  ) {
    this.argsMemo = new SyscallArgsMemo(this.fds, options.pointers !== false);
    this.decoding = {
      rel: (ts) => this.rel(ts),
      emit: (e) => this.out(e),
      processes: this.processes,
      fds: this.fds,
      maps: this.maps,
      epoll: this.epoll,
      argsMemo: this.argsMemo,
      pointers: options.pointers !== false,
      requests: this.requests,
      signals: this.signals,
      drops: this.drops,
      warnings: this.warnings,
    };
    this.changes.listen(() => this.argsMemo.invalidate());
  }

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
        this.changes.before();
        try {
          this.meta = JSON.parse(r.json) as TraceMeta;
        } catch {
          this.warnings.push('the trace metadata is not valid JSON; ignored');
        }
        break;
      case 'stack':
        this.stack(r);
        break;
      case 'fd':
        this.fds.apply(r);
        // an epoll registration made before the tracer came: its data names the fd its events are for
        if (r.op === FdOp.watched) this.epoll.ctl(r.pid, r.fd, EPOLL_CTL_ADD, r.fd2, BigInt(r.aux));
        break;
      case 'map':
        this.maps.add(r);
        break;
      case 'mmap':
        break; // the tracer answers it with map records
      case 'end':
        this.end = r;
        break;
      case 'start':
        this.start = r;
        break;
      case 'uio_device':
        this.changes.before();
        this.uioDevices.set(r.index, uioDevice(r));
        break;
      case 'call_summary':
        this.changes.before();
        this.filtered.apply(r, this.rel(r.ts));
        break;
      case 'sym_frame': {
        const list = this.symbols.get(r.stackId) ?? [];
        list.push(r);
        this.symbols.set(r.stackId, list);
        break;
      }
      default:
        // the records of events: their kind's decoder (kinds/)
        decoderOf(r.kind)?.(r, this.decoding);
    }
  }

  /** The end of the input: requests and signals still pending become events with no completion. */
  finish(): void {
    this.requests.finish();
    const reused = this.requests.aioReusedTotal();
    if (reused) this.warnings.push(aioReusedText(formatCount(reused), reused > 1));
  }

  /** AIO requests of context ctx of process pid dropped because their iocb was submitted again before their completion was seen. */
  aioReusedOf(pid: number, ctx: bigint): number {
    return this.requests.aioReusedOf(pid, ctx);
  }


  private stack(r: StackRecord): void {
    this.stacks.set(r.stackId, {
      id: r.stackId, pid: r.pid, gen: this.maps.generation(r.pid), frames: r.frames, spSlots: r.spSlots, flags: r.flags,
    });
  }
}
