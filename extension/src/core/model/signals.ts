/**
 * Signals as events: each generation paired with the delivery it led to (a standard signal sent
 * while one is pending is merged into it), the fd behind a SIGIO-style signal (si_fd, or the fds
 * set up with fcntl O_ASYNC / F_SETSIG), and each handler's run from its delivery to the
 * rt_sigreturn that ends it.
 */
import { SignalFlag, type SignalDeliverRecord, type SignalGenerateRecord, type SyscallRecord } from '../../../../protocol/generated/wire';
import type { Args, SignalEvent } from './events';
import type { FdTables } from './fdtable';
import { isStandardSignal, O_ASYNC, SIGIO, signalName } from './names';

/** Handlers left by longjmp never return: at most this many are kept running per thread. */
const MAX_NESTED_HANDLERS = 16;

/** A handler running on a thread (from its delivery on). */
interface RunningHandler {
  readonly sig: number;
  readonly ts: number;
  readonly pid: number;
  readonly handler: string;
  readonly stackId: bigint;
}

/** Follows the signals of a trace as its records stream by; returns the events they make. */
export class SignalTracker {
  /** Generated, not yet delivered signals: "tid:sig" or "p<pid>:sig" -> generation times (rel ns). */
  private readonly pending = new Map<string, number[]>();
  /** pid:signal of the signals fcntl(F_SETSIG) made the I/O-ready signal of some fd. */
  private readonly setsig = new Set<string>();
  /** Per thread, the signal handlers running (innermost last): what their rt_sigreturn ends. */
  private readonly handlers = new Map<number, RunningHandler[]>();

  /**
   * @param fds the process fd tables (to name the fd behind a SIGIO)
   * @param rel monotonic ns -> ns since the trace's origin
   */
  constructor(
    private readonly fds: FdTables,
    private readonly rel: (ts: number) => number,
  ) {}

  /** fcntl(fd, F_SETSIG, sig) succeeded: `sig` is now an I/O-ready signal in `pid`. */
  setSignal(pid: number, sig: number): void {
    this.setsig.add(`${pid}:${sig}`);
  }

  /** A signal sent to a traced task. */
  generate(r: SignalGenerateRecord): SignalEvent {
    const ts = this.rel(r.ts);
    const k = this.key(r.pid, r.tid, r.sig, r.group === 1);
    const coalesced = r.result === 2;
    if (r.result === 0 || coalesced) {
      const list = this.pending.get(k) ?? [];
      list.push(ts);
      this.pending.set(k, list);
    }
    // sent by an interrupt handler (kill_fasync): the task it came in on did not send it
    const fromIrq = (r.flags & SignalFlag.from_interrupt) !== 0;
    const args: Args = fromIrq
      ? { code: r.code, sender: 'an interrupt handler', from_interrupt: true, interrupted: `${r.senderComm}[${r.senderTid}]`, group: r.group === 1, result: r.result }
      : { code: r.code, sender_pid: r.senderPid, sender_tid: r.senderTid, sender: r.senderComm, group: r.group === 1, result: r.result };
    if (r.pollFd >= 0) args.si_fd = r.pollFd;
    if (r.pollFd >= 0) args.si_band = r.pollBand;
    this.sourceFd(r.pid, r.sig, r.pollFd, args);
    return {
      kind: 'signal', name: signalName(r.sig), phase: 'generate', pid: r.pid, tid: r.tid, ts, dur: null, sig: r.sig, code: r.code,
      stackId: 0n, args, generateTs: null, coalesced,
    };
  }

  /** A signal delivered to a traced thread: its handler (if any) starts running. */
  deliver(r: SignalDeliverRecord): SignalEvent {
    const ts = this.rel(r.ts);
    const gen = this.takePending(r.pid, r.tid, r.sig);
    const args: Args = { code: r.code, handler: '0x' + r.handler.toString(16) };
    if (r.pollFd >= 0) args.si_fd = r.pollFd;
    if (r.pollFd >= 0) args.si_band = r.pollBand;
    this.sourceFd(r.pid, r.sig, r.pollFd, args);
    if (r.handler > 1n) {
      // SIG_DFL 0, SIG_IGN 1: anything else is a function whose rt_sigreturn ends the run
      const running = this.handlers.get(r.tid) ?? [];
      running.push({ sig: r.sig, ts, pid: r.pid, handler: args.handler as string, stackId: r.stackId });
      if (running.length > MAX_NESTED_HANDLERS) running.shift();
      this.handlers.set(r.tid, running);
    }
    return {
      kind: 'signal', name: signalName(r.sig), phase: 'deliver', pid: r.pid, tid: r.tid, ts, dur: null, sig: r.sig, code: r.code,
      stackId: r.stackId, args, generateTs: gen ?? null, coalesced: false,
    };
  }

  /** rt_sigreturn: the innermost running handler of the thread returned (undefined when its delivery came before the attach). */
  handlerReturned(r: SyscallRecord): SignalEvent | undefined {
    const h = this.handlers.get(r.tid)?.pop();
    if (!h) return undefined;
    const ts = this.rel(r.ts);
    return {
      kind: 'signal', name: signalName(h.sig), phase: 'handler', pid: h.pid, tid: r.tid, ts: h.ts, dur: ts - h.ts, sig: h.sig, code: 0,
      stackId: h.stackId, args: { handler: h.handler }, generateTs: null, coalesced: false,
    };
  }

  private key(pid: number, tid: number, sig: number, group: boolean): string {
    return group ? `p${pid}:${sig}` : `${tid}:${sig}`;
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

  /** The generation a delivery answers: the oldest pending one; a standard signal consumes all merged into it. */
  private takePending(pid: number, tid: number, sig: number): number | undefined {
    for (const k of [this.key(pid, tid, sig, false), this.key(pid, tid, sig, true)]) {
      const list = this.pending.get(k);
      if (!list?.length) continue;
      const first = list[0];
      if (isStandardSignal(sig)) this.pending.delete(k);
      else list.shift();
      return first;
    }
    return undefined;
  }
}
