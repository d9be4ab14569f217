/**
 * The second reading of an strace log: each line into the records iolens-tracer would have
 * written — tasks (start, exec, rename, exit), fd-table changes, the syscalls iolens traces (waits
 * always, blocking calls from --min-duration, setup calls) with their arguments and tails, AIO
 * requests (each iocb strace printed, paired with its completion by context and aio_data),
 * signals delivered (and sent, from kill/tkill/tgkill), and the -k stacks. Calls iolens does not
 * trace are counted by name; nothing is dropped without a count.
 */
import * as wire from '../../../../../protocol/generated/wire';
import { ERRNO, IOCB_CMDS, SIGNALS, eventBits } from './constants';
import { hasPollFields, siCode } from '../../model/names';
import { decodeCall, field, FCNTL_RECORDED, num, signalNumber } from './calls';
import { durationNs, StraceClock } from './clock';
import type { StraceCall, StraceFrame, StraceLine } from './lines';
import type { StraceScan } from './scan';
import { StraceTasks } from './tasks';
import { ValueReader, type SValue } from './values';

const IOCB_FLAG_RESFD = 1;
/** The synthetic iocb addresses that pair a submission with its completion (strace prints none at submission). */
const SYNTHETIC_OBJ = 1n << 63n;
const DEFAULT_IGNORED = new Set([17, 18, 23, 28]); // SIGCHLD SIGCONT SIGURG SIGWINCH
const KILLS = new Set(['kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo']);

/** What the conversion saw, for the import's summary. */
export interface ConvertStats {
  /** Events by kind: syscall (by name), aio, signal... as records written. */
  readonly recorded: Map<string, number>;
  /** Calls iolens does not trace, by name. */
  readonly notTraced: Map<string, number>;
  /** Blocking calls shorter than --min-duration, left out as the tracer would. */
  filtered: number;
  /** Signals the program ignores (not recorded, as by the tracer). */
  ignoredSignals: number;
  /** io_submit / io_getevents whose iocbs strace cut short ("..."). */
  cutShort: number;
  /** Completions whose submission strace did not show. */
  unpaired: number;
}

/** Options of a conversion. */
export interface ConvertOptions {
  /** Blocking calls shorter than this are left out (as `iolens record --min-duration`). */
  readonly minDurationNs: number;
  /** Epoch ms of the log's last write (dates a -tt log). */
  readonly endMs: number;
  /** The tid of lines without one. */
  readonly untaggedTid: number;
}

/** A call's records, held until its -k stack lines have been read. */
interface PendingCall {
  readonly pid: number;
  readonly records: ((stackId: bigint) => Uint8Array)[];
  readonly frames: StraceFrame[];
}

/** Converts a log's lines, in order, into records. */
export class StraceConverter {
  readonly stats: ConvertStats = { recorded: new Map(), notTraced: new Map(), filtered: 0, ignoredSignals: 0, cutShort: 0, unpaired: 0 };
  /** Stacks seen: id -> frames (innermost first), for the symbol section. */
  readonly stacks = new Map<bigint, StraceFrame[]>();
  readonly clock: StraceClock;
  /** Warnings about what the log could not say (each once). */
  readonly notes = new Set<string>();
  private readonly tasks: StraceTasks;
  private pending: PendingCall | null = null;
  /** Per process: signal -> handler address (0 default, 1 ignored). */
  private readonly handlers = new Map<number, Map<number, bigint>>();
  /** AIO submissions waiting for their completion: "pid:ctx:data" -> synthetic iocb addresses. */
  private readonly aio = new Map<string, bigint[]>();
  private nextObj = 0n;
  private started = false;
  /** The latest time seen. */
  last = 0;

  constructor(
    private readonly scan: StraceScan,
    private readonly out: (rec: Uint8Array) => void,
    private readonly o: ConvertOptions,
  ) {
    this.clock = new StraceClock(o.endMs, scan.span);
    this.tasks = new StraceTasks(scan, (r) => this.emit(r));
  }

  private emit(rec: Uint8Array): void {
    this.out(rec);
  }

  private count(kind: string): void {
    this.stats.recorded.set(kind, (this.stats.recorded.get(kind) ?? 0) + 1);
  }

  /** The trace time of a line, writing the clock record before the first. */
  private time(text: string): number {
    const t = this.clock.at(text);
    if (!this.started) {
      this.started = true;
      this.emit(wire.encodeClock({ monoNs: t, realNs: this.clock.real(t) }));
    }
    this.last = Math.max(this.last, t);
    return t;
  }

  /** One line. Throws (with a message for the user) when a line of a call iolens traces cannot be read. */
  line(l: StraceLine): void {
    if (l.kind === 'stack') {
      if (!this.pending) throw new Error('a stack frame that follows no system call');
      this.pending.frames.push(l.frame);
      return;
    }
    if (l.kind === 'blank' || l.kind === 'note') return;
    this.flush();
    const tid = l.tid ?? this.o.untaggedTid;
    const ts = this.time(l.time);
    this.tasks.see(tid, ts, this.clock);
    const pid = this.scan.pidOf(tid);
    switch (l.kind) {
      case 'unfinished':
        return;
      case 'exit':
        this.tasks.exit(pid, tid, ts, l.status, l.signal === null ? null : SIGNALS.get(l.signal) ?? 0);
        // strace prints the stack of the thread's exit call after this line
        this.hold(pid, []);
        return;
      case 'signal':
        this.hold(pid, []);
        return this.signal(pid, tid, ts, l.name, l.info);
      case 'call':
        // its stack lines belong to it even when the call cannot be read
        this.hold(pid, []);
        return this.call(pid, tid, ts, l);
    }
  }

  /** The log ended: write what is held, then the end record. */
  end(): void {
    this.flush();
    this.emit(wire.encodeEnd({ reason: this.tasks.allExited() ? wire.EndReason.target_exited : wire.EndReason.output_closed, signal: 0, ts: this.last, emitted: 0, dropped: 0, bytes: 0 }));
  }

  private flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    let stackId = 0n;
    if (p.frames.length) {
      stackId = stackHash(p.frames);
      if (!this.stacks.has(stackId)) {
        this.stacks.set(stackId, p.frames);
        const frames = p.frames.map((f) => f.addr ?? 0n);
        const truncated = p.frames.some((f) => f.error !== null) ? wire.StackFlag.truncated : 0;
        this.emit(wire.encodeStack({ nframes: frames.length, flags: truncated, pid: p.pid, spSlots: 0, stackId, frames }));
      }
    }
    for (const r of p.records) this.emit(r(stackId));
  }

  private hold(pid: number, records: ((stackId: bigint) => Uint8Array)[]): void {
    this.pending = { pid, records, frames: [] };
  }

  private call(pid: number, tid: number, ts: number, c: StraceCall): void {
    const end = c.unfinished ? this.last : ts + durationNs(c.dur);
    if (!this.scan.durations) this.notes.add('the log has no durations (record with strace -T): calls last 0 ns');
    const info = wire.SYSCALLS_BY_NAME.get(c.name);
    const vals = (): SValue[] => new ValueReader(c.args).list(null);
    if (this.lifecycle(pid, tid, ts, end, c, vals)) {
      this.hold(pid, []);
      return;
    }
    if (!info || info.class === 'memory' || info.class === 'named') {
      this.stats.notTraced.set(c.name, (this.stats.notTraced.get(c.name) ?? 0) + 1);
      this.hold(pid, []);
      return;
    }
    const v = vals();
    this.tasks.fds.annotations(pid, tid, ts, v);
    const ret = retValue(c);
    // an fd call is recorded only when it is slow (an open that blocks), as the tracer does
    if (info.class === 'fd' && !(info.slow && !c.unfinished && end - ts >= this.o.minDurationNs)) {
      this.tasks.fds.effect(pid, tid, end, c, v, ret);
      this.hold(pid, []);
      return;
    }
    if (info.class === 'blocking' && !c.unfinished && end - ts < this.o.minDurationNs) {
      this.stats.filtered++;
      if (info.opens) this.tasks.fds.effect(pid, tid, end, c, v, ret);
      this.hold(pid, []);
      return;
    }
    if (info.name === 'fcntl' && !FCNTL_RECORDED.has(v[1]?.k === 'flags' ? v[1].v[0] : '')) {
      this.tasks.fds.effect(pid, tid, end, c, v, ret);
      this.hold(pid, []);
      return;
    }
    if (info.opens || info.name === 'io_uring_setup') this.tasks.fds.effect(pid, tid, end, c, v, ret);
    const d = decodeCall(info, c, v, ret);
    const records: ((stackId: bigint) => Uint8Array)[] = [];
    if (info.name === 'io_submit' && !c.unfinished) records.push(...this.submitted(pid, tid, ts, v, ret));
    if ((info.name === 'io_getevents' || info.name === 'io_pgetevents') && !c.unfinished) records.push(...this.reaped(pid, tid, end, v));
    const instant = info.class === 'instant';
    records.push((stackId) =>
      wire.encodeSyscall({
        sys: info.id, cpu: wire.NO_CPU, pid, tid, dataFormat: d.dataFormat, dataCount: d.data.length, flags: d.flags | (c.unfinished ? wire.SyscallFlag.unfinished : 0),
        ts, dur: instant ? 0 : end - ts, ret: c.unfinished ? 0 : ret, stackId, args: d.args, data: d.data,
      }),
    );
    this.count(info.name);
    this.hold(pid, records);
  }

  /** exec, prctl(PR_SET_NAME), rt_sigaction, kill: what the tracer learns from tracepoints, not syscall records. */
  private lifecycle(pid: number, tid: number, ts: number, end: number, c: StraceCall, vals: () => SValue[]): boolean {
    switch (c.name) {
      case 'execve':
      case 'execveat': {
        const path = vals()[c.name === 'execve' ? 0 : 1];
        if (c.ret === 0n && path?.k === 'str') this.tasks.exec(pid, tid, end, path.v);
        return true;
      }
      case 'prctl': {
        const v = vals();
        if (v[0]?.k === 'flags' && v[0].v[0] === 'PR_SET_NAME' && v[1]?.k === 'str' && c.ret === 0n) this.tasks.rename(pid, tid, end, v[1].v);
        this.stats.notTraced.set(c.name, (this.stats.notTraced.get(c.name) ?? 0) + 1);
        return true;
      }
      case 'rt_sigaction': {
        const v = vals();
        const sig = signalNumber(v[0]);
        const handler = field(v[1], 'sa_handler');
        if (sig !== undefined && handler && c.ret === 0n) {
          const h = handler.k === 'flags' ? (handler.v[0] === 'SIG_IGN' ? 1n : 0n) : num(handler) ?? 0n;
          const m = this.handlers.get(pid) ?? new Map<number, bigint>();
          this.handlers.set(pid, m);
          m.set(sig, h);
        }
        this.stats.notTraced.set(c.name, (this.stats.notTraced.get(c.name) ?? 0) + 1);
        return true;
      }
      default:
        if (!KILLS.has(c.name)) return false;
        this.sent(pid, tid, ts, c, vals());
        return true;
    }
  }

  /** A signal sent by a traced thread to a traced task: its generation. */
  private sent(pid: number, tid: number, ts: number, c: StraceCall, v: SValue[]): void {
    this.stats.notTraced.set(c.name, (this.stats.notTraced.get(c.name) ?? 0) + 1);
    if (c.ret !== 0n) return;
    const group = c.name === 'kill' || c.name === 'rt_sigqueueinfo';
    const target = Number(num(v[c.name === 'tgkill' || c.name === 'rt_tgsigqueueinfo' ? 1 : 0]) ?? 0n);
    const sig = signalNumber(v[c.name === 'tgkill' || c.name === 'rt_tgsigqueueinfo' ? 2 : 1]);
    if (!sig || !this.tasks.known(target)) return;
    const toPid = group ? target : this.scan.pidOf(target);
    this.emit(wire.encodeSignalGenerate({
      sig, group: group ? 1 : 0, result: 0, flags: 0, pid: toPid, tid: group ? toPid : target, ts, senderPid: pid, senderTid: tid,
      code: c.name === 'kill' ? 0 : c.name.startsWith('rt_') ? -1 : -6, sigErrno: 0, pollFd: -1, pollBand: 0, senderComm: this.tasks.name(tid),
    }));
    this.count('signal_generate');
  }

  private signal(pid: number, tid: number, ts: number, name: string, info: string): void {
    const sig = SIGNALS.get(name);
    if (sig === undefined) throw new Error(`unknown signal ${name}`);
    const handler = this.handlers.get(pid)?.get(sig);
    if (handler === 1n || ((handler ?? 0n) === 0n && DEFAULT_IGNORED.has(sig))) {
      this.stats.ignoredSignals++;
      return;
    }
    const si = info ? new ValueReader(info).value() : undefined;
    const codeValue = field(si, 'si_code');
    const code = codeValue?.k === 'flags' ? siCode(sig, codeValue.v[0]) ?? 0 : Number(num(codeValue) ?? 0n);
    let siFd = num(field(si, 'si_fd'));
    let band = eventBits(field(si, 'si_band'));
    if (siFd === undefined && hasPollFields(sig, code) && field(si, 'si_int')) {
      // strace decodes a real-time signal's siginfo as _rt: the SIGPOLL fields sit under other names
      siFd = num(field(si, 'si_int'));
      band = Number(num(field(si, 'si_pid')) ?? 0n);
    }
    if (handler === undefined) this.notes.add('signals whose disposition the log does not show (set before it began) are taken as default: handler runs show only for handlers installed in the log');
    // -k prints where the thread was interrupted, as the tracer's stack of a delivery
    this.hold(pid, [(stackId) => wire.encodeSignalDeliver({
      sig, pid, tid, ts, code, sigErrno: 0, pollFd: siFd === undefined ? -1 : Number(siFd), pollBand: band,
      handler: handler ?? 0n, saFlags: 0n, stackId,
    })]);
    this.count('signal_deliver');
  }

  /** io_submit's iocbs (the first `ret` strace printed). */
  private submitted(pid: number, tid: number, ts: number, v: SValue[], ret: number): ((stackId: bigint) => Uint8Array)[] {
    const ctx = BigInt.asUintN(64, num(v[0]) ?? 0n);
    const list = v[2]?.k === 'list' ? v[2].v.filter((x) => x.k === 'struct') : [];
    if (ret > list.length) this.stats.cutShort++;
    return list.slice(0, Math.max(0, ret)).map((iocb, index) => {
      const data = BigInt.asUintN(64, num(field(iocb, 'aio_data')) ?? 0n);
      const obj = SYNTHETIC_OBJ | this.nextObj++;
      const key = `${pid}:${ctx}:${data}`;
      this.aio.set(key, [...(this.aio.get(key) ?? []), obj]);
      const op = field(iocb, 'aio_lio_opcode');
      const f = field(iocb, 'aio_flags');
      const flags = f?.k === 'flags' ? (f.v.includes('IOCB_FLAG_RESFD') ? IOCB_FLAG_RESFD : 0) | (f.v.includes('IOCB_FLAG_IOPRIO') ? 2 : 0) : Number(num(f) ?? 0n);
      const resfd = (flags & IOCB_FLAG_RESFD) !== 0 ? Number(num(field(iocb, 'aio_resfd')) ?? -1n) : -1;
      this.count('aio_submit');
      return (stackId: bigint) => wire.encodeAioSubmit({
        opcode: op?.k === 'flags' ? IOCB_CMDS.get(op.v[0]) ?? 0 : Number(num(op) ?? 0n), index, pid, tid, ts, ctx, obj, data,
        offset: Number(num(field(iocb, 'aio_offset')) ?? 0n), nbytes: Number(num(field(iocb, 'aio_nbytes')) ?? 0n),
        fd: Number(num(field(iocb, 'aio_fildes')) ?? -1n), resfd, iocbFlags: flags, rwFlags: Number(num(field(iocb, 'aio_rw_flags')) ?? 0n), stackId,
      });
    });
  }

  /** io_getevents' completions, each paired with the iocb submitted with the same context and aio_data. */
  private reaped(pid: number, tid: number, end: number, v: SValue[]): ((stackId: bigint) => Uint8Array)[] {
    const ctx = BigInt.asUintN(64, num(v[0]) ?? 0n);
    const list = v[3]?.k === 'list' ? v[3].v : [];
    if (list.some((x) => x.k === 'more')) this.stats.cutShort++;
    return list.filter((x) => x.k === 'struct').map((ev, index) => {
      const data = BigInt.asUintN(64, num(field(ev, 'data')) ?? 0n);
      const queue = this.aio.get(`${pid}:${ctx}:${data}`);
      let obj = queue?.shift();
      if (queue && !queue.length) this.aio.delete(`${pid}:${ctx}:${data}`);
      if (obj === undefined) {
        this.stats.unpaired++;
        obj = BigInt.asUintN(64, num(field(ev, 'obj')) ?? 0n);
      }
      const o = obj;
      this.count('aio_complete');
      return () => wire.encodeAioComplete({
        index, flags: 0, pid, tid, ts: end, ctx, obj: o, data, res: Number(num(field(ev, 'res')) ?? 0n), res2: Number(num(field(ev, 'res2')) ?? 0n),
      });
    });
  }
}

/** What a call returned, as the kernel did: -errno on failure. */
export function retValue(c: StraceCall): number {
  if (c.errno && (c.ret === null || c.ret === -1n)) return -(ERRNO.get(c.errno) ?? 0);
  if (c.ret === null) return 0;
  return Number(BigInt.asIntN(64, c.ret));
}

/** A stack's id: FNV-1a of its frames (never 0). */
function stackHash(frames: readonly StraceFrame[]): bigint {
  let h = 0xcbf29ce484222325n;
  const text = frames.map((f) => `${f.module ?? f.error ?? ''}@${f.addr ?? ''}`).join('|');
  for (let i = 0; i < text.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return h || 1n;
}
