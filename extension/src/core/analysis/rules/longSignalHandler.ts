/**
 * long-signal-handler: a signal handler that runs long — it does the I/O itself (a read, a write
 * and an fsync in a SIGIO handler), or sleeps, instead of noting the signal and returning. While a
 * handler runs, its thread does nothing else and the signal it handles is blocked: more of it merge
 * into one (signal-coalesced counts those). A handler runs from its delivery to its rt_sigreturn;
 * the calls its thread made in between were made by the handler, and the one that took the most
 * time is the line to change (a handler that only computes has no call: the finding then names no
 * line). When that call's stack has no frame of the handler — its last call, compiled as a jump
 * (a tail call) — the line is the handler's start, found from its address (resolve.ts
 * placedWithin), never the interrupted code the stack leads to. Runs of half a millisecond or more
 * are long (5 ms under ptrace), and at least a tenth of the runs (a quarter under ptrace) must be. Impact: the time of the handler's long runs.
 */
import type { SignalEvent, SyscallEvent } from '../../model/events';
import { formatDuration } from '../../../../../shared/format';
import { LONG_SIGNAL_HANDLER_FIX } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

/**
 * A handler run this long is long: a healthy one sets a flag or writes a byte (microseconds); one
 * that writes a line to a log and fsyncs it took 0.7 ms a run on this project's VM's disk, and at
 * 1 ms such a handler, 51 runs and 36 ms of a 0.56 s recording, went unreported.
 */
export const LONG_RUN_NS = 0.5e6;
/** With the ptrace backend, whose stops lengthen every call the handler makes. */
export const LONG_RUN_NS_PTRACE = 5e6;
/** Long runs needed, and their time in all. */
const MIN_LONG_RUNS = 3;
const MIN_LONG_NS = 10e6;
/**
 * Of all runs, the share that must be long: a quick handler preempted now and then, or stretched
 * by a ptrace tracer's stops on a loaded machine (7 of 911 runs of a handler draining a pipe), is
 * not a slow one.
 */
const MIN_LONG_SHARE = 0.1;
const MIN_LONG_SHARE_PTRACE = 0.25;
/** Call sites kept per handler (those inside it). */
const MAX_SITES = 8;

interface CallSite {
  readonly name: string;
  readonly stackId: bigint;
  ns: number;
  count: number;
}

interface Acc {
  readonly pid: number;
  readonly tid: number;
  readonly sig: number;
  readonly name: string;
  readonly handler: string;
  runs: number;
  /** What a long run is here (LONG_RUN_NS, or LONG_RUN_NS_PTRACE), and the share of runs that must be. */
  longAt: number;
  longShare: number;
  longRuns: number;
  longNs: number;
  longest: number;
  /** The calls made inside its runs, by call site. */
  readonly sites: CallSite[];
  readonly top: TopEvents;
}

/** A thread's handler now running: the calls made since its delivery. */
interface Running {
  readonly calls: CallSite[];
}

/** Signal handlers' runs, and the long-signal-handler rule. */
export class LongSignalHandlerRule {
  private readonly accs = new Map<string, Acc>();
  /** Threads with a handler running (delivered, not returned yet). */
  private readonly running = new Map<number, Running>();

  /** A handler's run began (the delivery of a signal with a handler). */
  delivered(e: SignalEvent): boolean {
    const h = e.args.handler;
    if (typeof h !== 'string' || h === '0x0' || h === '0x1') return false;
    if (!this.running.has(e.tid)) this.running.set(e.tid, { calls: [] });
    return true;
  }

  /** Some thread has a handler running (its calls are the handler's: pass them to `call`). */
  get active(): boolean {
    return this.running.size > 0;
  }

  /** A call a thread made while one of its handlers ran. */
  call(e: SyscallEvent): void {
    const r = this.running.get(e.tid);
    if (!r || e.name === 'rt_sigreturn') return;
    addSite(r.calls, e.name, e.stackId, e.dur, 1);
  }

  /** A handler returned (rt_sigreturn); `ptrace`: the trace's backend stretches its calls. */
  returned(e: SignalEvent, id: number, ptrace: boolean): void {
    const r = this.running.get(e.tid);
    this.running.delete(e.tid);
    if (e.dur === null) return;
    const handler = typeof e.args.handler === 'string' ? e.args.handler : '?';
    const k = `${e.pid}:${e.tid}:${e.sig}:${handler}`;
    let a = this.accs.get(k);
    if (!a) {
      a = { pid: e.pid, tid: e.tid, sig: e.sig, name: e.name, handler, runs: 0, longAt: ptrace ? LONG_RUN_NS_PTRACE : LONG_RUN_NS, longShare: ptrace ? MIN_LONG_SHARE_PTRACE : MIN_LONG_SHARE, longRuns: 0, longNs: 0, longest: 0, sites: [], top: new TopEvents() };
      this.accs.set(k, a);
    }
    a.runs++;
    if (e.dur > a.longest) a.longest = e.dur;
    if (e.dur < a.longAt) return;
    a.longRuns++;
    a.longNs += e.dur;
    a.top.add(id, e.dur);
    for (const c of r?.calls ?? []) addSite(a.sites, c.name, c.stackId, c.ns, c.count);
  }

  /** Findings; `merged(pid, sig)`: the signal's generations merged into a pending one. */
  findings(ctx: AnalysisContext, merged: (pid: number, sig: number) => number): RawFinding[] {
    const out: RawFinding[] = [];
    for (const a of this.accs.values()) {
      if (a.longRuns < MIN_LONG_RUNS || a.longNs < MIN_LONG_NS || a.longRuns < a.longShare * a.runs) continue;
      const t = ctx.threads.get(a.pid, a.tid);
      const top = a.sites.reduce<CallSite | undefined>((best, s) => (!best || s.ns > best.ns ? s : best), undefined);
      const inside = [...a.sites].sort((x, y) => y.ns - x.ns).slice(0, 3).map((s) => `${s.name} ×${s.count} (${formatDuration(s.ns)})`);
      const m = merged(a.pid, a.sig);
      const addr = handlerAddr(a.handler);
      out.push({
        rule: 'long-signal-handler', severity: severityOf(a.longNs, ctx.span.last - ctx.span.first, 'high'),
        title: `${a.name}'s handler ran long on ${threadLabel(ctx, t)}: ${plural(a.longRuns, 'run')} of ${a.runs} took ${formatDuration(a.longAt)} or more, ${formatDuration(a.longNs)} in all`,
        detail:
          `The handler at ${a.handler} ran ${plural(a.runs, 'time')}, the longest ${formatDuration(a.longest)}; ` +
          (inside.length ? `inside its long runs it called ${inside.join(', ')}. ` : noCallText(ctx.minDurationNs)) +
          `While a handler runs, its thread does nothing else and ${a.name} is blocked: more of it merge into one` +
          (m ? ` (${plural(m, `${a.name} was`, `${a.name} were`)} merged).` : '.'),
        suggestion: LONG_SIGNAL_HANDLER_FIX, pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: top?.stackId ?? 0n, impactNs: a.longNs,
        events: a.top.list(), eventCount: a.longRuns, chain: [],
        ...(addr !== null ? { within: { addr, note: top ? tailCallNote(top.name) : NO_CALL_NOTE } } : {}),
      });
    }
    return out;
  }
}

/** The handler's address ("0x401136"), null when not known. */
function handlerAddr(handler: string): bigint | null {
  return /^0x[0-9a-f]+$/i.test(handler) ? BigInt(handler) : null;
}

/**
 * The detail's sentence for long runs in which no call was traced: they computed — or, in a
 * recording with a minimum duration, their calls were all shorter than it, counted, not traced one
 * by one (a handler writing a log line and fsyncing it, 0.7 ms a run, in 1 ms's recording).
 */
function noCallText(minDurationNs: number | null): string {
  if (!minDurationNs) return 'its long runs made no system call (it computed). ';
  return `its long runs made no call that lasted the recording's minimum duration, ${formatDuration(minDurationNs)} (shorter ones are counted, not traced one by one: record with --min-duration 0 to see them). `;
}

/** The detail's sentence when the finding names the handler's start because no call inside its runs was traced. */
const NO_CALL_NOTE = 'No call was traced inside its long runs, so the line named is the handler\'s start.';

/** The detail's sentence when the costliest call's stack has no frame of the handler. */
function tailCallNote(call: string): string {
  return `Its ${call} was a tail call (the handler's last call, made by a jump): the handler's frame was gone when it ran and its stack leads to the interrupted code, so the line named is the handler's start.`;
}

/** Count `count` calls of `ns` at a site, among at most MAX_SITES. */
function addSite(sites: CallSite[], name: string, stackId: bigint, ns: number, count: number): void {
  for (const s of sites) {
    if (s.stackId === stackId && s.name === name) {
      s.ns += ns;
      s.count += count;
      return;
    }
  }
  if (sites.length < MAX_SITES) sites.push({ name, stackId, ns, count });
}
