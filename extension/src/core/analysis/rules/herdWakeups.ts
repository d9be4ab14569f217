/**
 * herd-wakeups: threads or processes woken together for one connection on a shared listening
 * socket, all but one failing accept() with EAGAIN (a thundering herd). From accept calls sent
 * (-m 0) and those the tracer only counted. One finding per process, line of the program and
 * call (stacks that differ above the line are one site). Impact: the futile wake-ups, each costing
 * a turn of the loop (its median turn).
 *
 * A loop that accepts until EAGAIN (asyncio, libuv, redis, gunicorn's sync workers: the backlog
 * drained at every wake-up) ends each drain with an EAGAIN that is no lost race. So a sent EAGAIN
 * is futile only when the thread accepted nothing earlier in the same turn. Counted calls carry no
 * order: a thread's counted EAGAINs are futile when its accepts are about one a turn (each wake-up
 * accepts once, or finds nothing); when it accepts more often than its loop turns (it drains),
 * one EAGAIN a turn may be a drain's end, and only those beyond one a turn count.
 * And a herd needs several waiters: loop threads of the process at the line, or
 * pre-forked worker processes (the same program as their parent) accepting with the same call —
 * a loop alone that drains its backlog is no herd, however many connections come one by one.
 * Pre-forked workers' futile accepts at one line are judged by their sum (each process has its
 * share of the herd: 5 workers with 18 each make 90); their findings merge into one (siblings.ts).
 */
import type { SyscallEvent } from '../../model/events';
import type { FilteredCounts } from '../../model/filtered';
import { formatDuration } from '../../../../../shared/format';
import { herdFix } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { BY_STACK_ID, unreachedNote, type SiteKeys } from '../resolve';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

const MIN_FUTILE = 50;
const MIN_SHARE = 0.1;
/** Counted accepts past this many a loop turn: the thread drains its backlog at each wake-up. */
const DRAIN_ACCEPTS_PER_TURN = 1.5;

/** A thread's counted accept calls at one site. */
interface Counted {
  ok: number;
  eagain: number;
}

interface Acc {
  readonly pid: number;
  readonly tid: number;
  /** Every loop thread of the process that made the call at this site. */
  readonly tids: Set<number>;
  stackId: bigint;
  call: string;
  ok: number;
  futile: number;
  /** Counted calls by thread (their EAGAINs judged against the thread's turns: futileCounted). */
  readonly counted: Map<number, Counted>;
  top: TopEvents;
}

/** The herd-wakeups rule. */
export class HerdWakeupsRule {
  /** Per process and call site: the threads of a pre-fork / multi-loop server share it. */
  private readonly accs = new Map<string, Acc>();
  /** Per thread, the open turn (its start: LoopTurns.openTurn) in which it last accepted a connection. */
  private readonly acceptedInTurn = new Map<number, number>();

  private acc(pid: number, tid: number, stackId: bigint, call: string): Acc {
    const k = `${pid}:${stackId}:${call}`;
    let a = this.accs.get(k);
    if (!a) {
      a = { pid, tid, tids: new Set(), stackId, call, ok: 0, futile: 0, counted: new Map(), top: new TopEvents(50) };
      this.accs.set(k, a);
    }
    a.tids.add(tid);
    return a;
  }

  /**
   * An accept or accept4 sent as an event; `eagain`: it found no connection. `turn`: the start of
   * the thread's open loop turn (LoopTurns.openTurn), -1 outside a loop.
   */
  accept(e: SyscallEvent, id: number, eagain: boolean, turn: number): void {
    const a = this.acc(e.pid, e.tid, e.stackId, e.name);
    if (eagain) {
      // the end of a drain: the thread took a connection earlier in this turn
      if (turn >= 0 && this.acceptedInTurn.get(e.tid) === turn) return;
      a.futile++;
      a.top.add(id, e.dur);
    } else if (e.ret >= 0) {
      a.ok++;
      this.acceptedInTurn.set(e.tid, turn);
    }
  }

  /** accept calls the tracer counted. */
  filtered(d: FilteredCounts): void {
    if (d.call !== 'accept' && d.call !== 'accept4') return;
    const a = this.acc(d.pid, d.tid, d.stackId, d.call);
    const eagain = d.errnos.EAGAIN ?? 0;
    const c = a.counted.get(d.tid) ?? { ok: 0, eagain: 0 };
    c.eagain += eagain;
    c.ok += d.count - d.errors;
    a.counted.set(d.tid, c);
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
        const copy = { ...a, tids: new Set(a.tids), counted: new Map([...a.counted].map(([tid, c]) => [tid, { ...c }])), top: a.top.clone() };
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
      for (const [tid, c] of a.counted) {
        const into = m.counted.get(tid) ?? { ok: 0, eagain: 0 };
        into.ok += c.ok;
        into.eagain += c.eagain;
        m.counted.set(tid, into);
      }
      for (const [id, v] of a.top.entries()) m.top.add(id, v);
    }
    return [...out.values()];
  }

  /** Findings. */
  findings(ctx: AnalysisContext, sites: SiteKeys = BY_STACK_ID): RawFinding[] {
    const out: RawFinding[] = [];
    const merged = this.merged(sites);
    // pre-forked workers (the same program as their parent) that accept: several processes may wait on one socket
    const forkedAccepting = new Map<string, Set<number>>();
    for (const a of merged) {
      if (!ctx.forkedWorker(a.pid)) continue;
      const pids = forkedAccepting.get(a.call) ?? new Set<number>();
      pids.add(a.pid);
      forkedAccepting.set(a.call, pids);
    }
    // a herd spread over pre-forked workers is judged by its sum over those that accept at the line
    // (each finding is then one of siblings.ts's, merged into one with every process and the sum)
    const tally = merged.map((a) => {
      const counted = futileCounted(ctx, a.counted);
      return { futile: a.futile + counted.futile, calls: a.futile + a.ok + counted.calls };
    });
    const siblings = new Map<string, { futile: number; calls: number }>();
    const siblingKey = (a: Acc): string | null => (ctx.forkedWorker(a.pid) ? `${sites.key(a.stackId)}:${a.call}` : null);
    merged.forEach((a, i) => {
      const k = siblingKey(a);
      if (k === null) return;
      const sum = siblings.get(k) ?? { futile: 0, calls: 0 };
      sum.futile += tally[i].futile;
      sum.calls += tally[i].calls;
      siblings.set(k, sum);
    });
    for (const [i, a] of merged.entries()) {
      const loops = [...a.tids].map((tid) => ctx.loops.get(tid)).filter((l) => l !== undefined);
      const waiters = loops.length > 1 || (ctx.forkedWorker(a.pid) && (forkedAccepting.get(a.call)?.size ?? 0) > 1);
      const { futile, calls } = tally[i];
      const k = siblingKey(a);
      const judged = (k !== null ? siblings.get(k) : undefined) ?? tally[i];
      if (!loops.length || !waiters || futile === 0 || judged.futile < MIN_FUTILE || judged.futile < MIN_SHARE * judged.calls) continue;
      const turn = loops.map((l) => l.lengths.percentiles([50])[0]).sort((x, y) => x - y)[Math.floor(loops.length / 2)];
      const impact = futile * turn;
      const pct = Math.round((100 * futile) / calls);
      const who = a.tids.size > 1 ? `${plural(a.tids.size, 'loop thread')} of ${ctx.threadName(a.pid, a.pid) || 'process'} ${a.pid}` : threadLabel(ctx, ctx.threads.get(a.pid, a.tid));
      out.push({
        rule: 'herd-wakeups', severity: severityOf(impact, ctx.span.last - ctx.span.first, 'medium'),
        title: `${who} were woken for connections another waiter took: ${futile.toLocaleString('en-US')} of ${plural(calls, a.call + ' call')} (${pct} %) failed with EAGAIN`,
        detail: `The loops were told the listening socket was readable, and by the time they called ${a.call} the connection was gone to another waiter. Each futile wake-up costs a turn of a loop (median ${formatDuration(turn)}), ${formatDuration(impact)} in all.${unreachedNote(sites, a.stackId)}`,
        suggestion: herdFix(ctx.server(a.pid)), pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: a.stackId, impactNs: impact,
        events: a.top.list(), eventCount: futile, chain: [],
      });
    }
    return out;
  }
}

/**
 * Of the counted accepts of each thread: the calls, and the EAGAINs that tell a lost race. A thread
 * that accepts more often than its loop turns drains its backlog at each wake-up, ending each drain
 * with an EAGAIN: only the EAGAINs past one a turn are futile. One whose accepts are about one a
 * turn takes one connection a wake-up: each EAGAIN is a wake-up that found none.
 */
function futileCounted(ctx: AnalysisContext, counted: ReadonlyMap<number, Counted>): { calls: number; futile: number } {
  let calls = 0;
  let futile = 0;
  for (const [tid, c] of counted) {
    const turns = ctx.loops.get(tid)?.stats().turns ?? 0;
    calls += c.ok + c.eagain;
    futile += c.ok + c.eagain > DRAIN_ACCEPTS_PER_TURN * turns ? Math.max(0, c.eagain - turns) : c.eagain;
  }
  return { calls, futile };
}
