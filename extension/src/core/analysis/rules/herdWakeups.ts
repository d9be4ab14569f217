/**
 * herd-wakeups: threads or processes woken together for one connection on a shared listening
 * socket, all but one failing accept() with EAGAIN (a thundering herd). From accept calls sent
 * (-m 0) and those the tracer only counted. One finding per process, line of the program and
 * call (stacks that differ above the line are one site). Impact: the futile wake-ups, each costing
 * a turn of the loop (its median turn).
 */
import type { SyscallEvent } from '../../model/events';
import type { FilteredCounts } from '../../model/filtered';
import { formatDuration } from '../../../../../shared/format';
import { HERD_FIX } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { BY_STACK_ID, unreachedNote, type SiteKeys } from '../resolve';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

const MIN_FUTILE = 50;
const MIN_SHARE = 0.1;

interface Acc {
  readonly pid: number;
  readonly tid: number;
  /** Every loop thread of the process that made the call at this site. */
  readonly tids: Set<number>;
  stackId: bigint;
  call: string;
  ok: number;
  futile: number;
  top: TopEvents;
}

/** The herd-wakeups rule. */
export class HerdWakeupsRule {
  /** Per process and call site: the threads of a pre-fork / multi-loop server share it. */
  private readonly accs = new Map<string, Acc>();

  private acc(pid: number, tid: number, stackId: bigint, call: string): Acc {
    const k = `${pid}:${stackId}:${call}`;
    let a = this.accs.get(k);
    if (!a) {
      a = { pid, tid, tids: new Set(), stackId, call, ok: 0, futile: 0, top: new TopEvents(50) };
      this.accs.set(k, a);
    }
    a.tids.add(tid);
    return a;
  }

  /** An accept or accept4 sent as an event; `eagain`: it found no connection. */
  accept(e: SyscallEvent, id: number, eagain: boolean): void {
    const a = this.acc(e.pid, e.tid, e.stackId, e.name);
    if (eagain) {
      a.futile++;
      a.top.add(id, e.dur);
    } else if (e.ret >= 0) {
      a.ok++;
    }
  }

  /** accept calls the tracer counted. */
  filtered(d: FilteredCounts): void {
    if (d.call !== 'accept' && d.call !== 'accept4') return;
    const a = this.acc(d.pid, d.tid, d.stackId, d.call);
    const eagain = d.errnos.EAGAIN ?? 0;
    a.futile += eagain;
    a.ok += d.count - d.errors;
  }

  /** The sites merged per process, line of the program and call; each keeps the stack that failed most. */
  private merged(sites: SiteKeys): Acc[] {
    const out = new Map<string, Acc>();
    /** Per merged site, the futile calls of the stack it keeps. */
    const kept = new Map<Acc, number>();
    for (const a of this.accs.values()) {
      const k = `${a.pid}:${sites.key(a.stackId)}:${a.call}`;
      const m = out.get(k);
      if (!m) {
        const copy = { ...a, tids: new Set(a.tids), top: a.top.clone() };
        out.set(k, copy);
        kept.set(copy, a.futile);
        continue;
      }
      if (a.futile > (kept.get(m) ?? 0)) {
        m.stackId = a.stackId;
        kept.set(m, a.futile);
      }
      for (const tid of a.tids) m.tids.add(tid);
      m.ok += a.ok;
      m.futile += a.futile;
      for (const [id, v] of a.top.entries()) m.top.add(id, v);
    }
    return [...out.values()];
  }

  /** Findings. */
  findings(ctx: AnalysisContext, sites: SiteKeys = BY_STACK_ID): RawFinding[] {
    const out: RawFinding[] = [];
    for (const a of this.merged(sites)) {
      const loops = [...a.tids].map((tid) => ctx.loops.get(tid)).filter((l) => l !== undefined);
      if (!loops.length || a.futile < MIN_FUTILE || a.futile < MIN_SHARE * (a.futile + a.ok)) continue;
      const turn = loops.map((l) => l.lengths.percentiles([50])[0]).sort((x, y) => x - y)[Math.floor(loops.length / 2)];
      const impact = a.futile * turn;
      const pct = Math.round((100 * a.futile) / (a.futile + a.ok));
      const who = a.tids.size > 1 ? `${plural(a.tids.size, 'loop thread')} of ${ctx.threadName(a.pid, a.pid) || 'process'} ${a.pid}` : threadLabel(ctx, ctx.threads.get(a.pid, a.tid));
      out.push({
        rule: 'herd-wakeups', severity: severityOf(impact, ctx.span.last - ctx.span.first, 'medium'),
        title: `${who} were woken for connections another waiter took: ${a.futile.toLocaleString('en-US')} of ${plural(a.futile + a.ok, a.call + ' call')} (${pct} %) failed with EAGAIN`,
        detail: `The loops were told the listening socket was readable, and by the time they called ${a.call} the connection was gone to another waiter. Each futile wake-up costs a turn of a loop (median ${formatDuration(turn)}), ${formatDuration(impact)} in all.${unreachedNote(sites, a.stackId)}`,
        suggestion: HERD_FIX, pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: a.stackId, impactNs: impact,
        events: a.top.list(), eventCount: a.futile, chain: [],
      });
    }
    return out;
  }
}
