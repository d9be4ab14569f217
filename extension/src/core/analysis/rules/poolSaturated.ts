/**
 * pool-saturated: every thread of a pool doing blocking I/O for another thread was blocked at the
 * same time while work waited. Per thread, the time spent in blocking calls that waited (sent, or
 * counted by the tracer) is kept per 250 ms bucket; with the pool's threads known (models.ts), the
 * time all of them were blocked at once is at least bucket × (1 − Σ idle shares) in each bucket —
 * a lower bound that holds whatever the order of the calls inside the bucket. The calls sent as
 * events also keep their intervals (merged where they touch, a bounded number per thread: intervals.ts), and the
 * time all workers were inside them at once, swept exactly, is a lower bound too (the counted calls
 * only add to it): of the two, the larger is taken, the sweep only where work was seen queued (5 %
 * of the calls picked up at once); workers with loops of their own (worker_threads, fed one message
 * per job) not at all without it: all busy with nothing waiting is not a full pool. Work waited when a
 * worker started its next call at once, without being woken (it found the queue non-empty).
 * Impact: that saturated time. The buckets are at most MAX_BUCKETS per thread: a trace longer than
 * MAX_BUCKETS × 250 ms (or a corrupt time far in the future) doubles the bucket width, for every
 * thread at once, so memory and work stay bounded whatever the span.
 */
import type { FilteredCounts } from '../../model/filtered';
import { formatDuration } from '../../../../../shared/format';
import { poolSaturatedFix } from '../catalogue';
import { blockKind, callPhrase, inherentlyBlocking } from '../classify';
import { plural, TopEvents, type AnalysisContext } from '../context';
import { allBusyNs, Intervals } from '../intervals';
import type { SiteKeys } from '../resolve';
import { severityOf } from '../severity';
import type { ThreadState } from '../threadState';
import type { RawFinding, ThreadVerdict } from '../types';

const BUCKET_NS = 250e6;
/** Buckets kept per thread before they are merged pairwise into buckets twice as wide. */
const MAX_BUCKETS = 1 << 14;
/** A next call started this soon after the previous one ended was work already queued. */
const PICKUP_NS = 100_000;
const MIN_SATURATED_NS = 5e6;
/** Of the sent calls, the share begun at once after the previous one without a wake-up (work queued) that lets the exact sweep count. */
const MIN_PICKUP_SHARE = 0.05;
const MIN_SATURATED_SHARE = 0.05;
/** How a worker's main site starts when its stack reached no line of the program: its call tells it. */
const CALL_KEY = 'call:';

/** What the rule keeps per thread (on the thread's state). */
export interface PoolBusy {
  buckets: Float64Array;
  first: number;
  last: number;
  lastEnd: number;
  lastWoken: number;
  calls: number;
  pickups: number;
  readonly sites: Map<bigint, { call: string; kind: string; ns: number; count: number }>;
  readonly top: TopEvents;
  /** The bucket its last call fell in whole, its start and the width then (-1: none): a worker's next calls mostly fall in it too. */
  k: number;
  kStart: number;
  kWidth: number;
  /** Its last call's site and stack. */
  lastSite: { call: string; kind: string; ns: number; count: number } | null;
  lastStack: bigint;
  /** Its sent calls' intervals. */
  readonly iv: Intervals;
}

/**
 * The pool a worker's thread name tells, its numbers left out: a pool's threads are named by one
 * pattern (`worker-1`, `worker-2`; libuv's all `node`), while threads of unlike names are pools of
 * their own (RocksDB's `rocksdb:high` flushes and `rocksdb:low` compactions, one thread each by
 * default: a flush never waits for the compaction thread to be free), whatever line they block at.
 */
function poolNameOf(threadName: string): string {
  return threadName.replace(/\d+/g, '#');
}

/** The pool-saturated rule. */
export class PoolSaturatedRule {
  /** Per thread (each also on its state, looked up there per call). */
  private readonly busy = new Map<number, PoolBusy>();
  /** The bucket width now: BUCKET_NS, doubled each time a time falls past MAX_BUCKETS buckets. */
  private width = BUCKET_NS;

  private of(t: ThreadState): PoolBusy {
    let b = t.poolBusy;
    if (!b) {
      b = { buckets: new Float64Array(8), first: Number.POSITIVE_INFINITY, last: 0, lastEnd: Number.NEGATIVE_INFINITY, lastWoken: Number.NEGATIVE_INFINITY, calls: 0, pickups: 0, sites: new Map(), top: new TopEvents(50), k: -1, kStart: 0, kWidth: 0, lastSite: null, lastStack: 0n, iv: new Intervals() };
      this.busy.set(t.tid, b);
      t.poolBusy = b;
    }
    return b;
  }

  /** The bucket of a time, after widening the buckets until it fits in MAX_BUCKETS. */
  private bucketOf(t: number): number {
    if (!Number.isFinite(t) || t < 0) return -1;
    while (t / this.width >= MAX_BUCKETS) this.widen();
    return Math.floor(t / this.width);
  }

  /** Doubles the bucket width: every thread's buckets are merged pairwise. */
  private widen(): void {
    this.width *= 2;
    for (const b of this.busy.values()) {
      const merged = new Float64Array(Math.max(8, Math.ceil(b.buckets.length / 2)));
      for (let k = 0; k < b.buckets.length; k++) merged[k >> 1] += b.buckets[k];
      b.buckets = merged;
    }
  }

  private spread(b: PoolBusy, start: number, end: number, ns: number): void {
    // a call inside the bucket of the thread's last call: added there, as the loop below would
    if (end > start && b.kWidth === this.width && start >= b.kStart && end < b.kStart + b.kWidth) {
      b.buckets[b.k] += (end - start) * (ns / (end - start));
      return;
    }
    const k0 = this.bucketOf(start);
    const k1 = this.bucketOf(end); // may widen the buckets: k0 is taken again below
    if (k0 < 0 || k1 < 0) return;
    if (end <= start) {
      this.addTo(b, this.bucketOf(start), ns);
      return;
    }
    const rate = ns / (end - start);
    const w = this.width;
    const first = Math.floor(start / w);
    for (let k = first; k <= k1; k++) {
      const lo = Math.max(start, k * w);
      const hi = Math.min(end, (k + 1) * w);
      if (hi > lo) this.addTo(b, k, (hi - lo) * rate);
    }
    b.k = -1;
    b.kWidth = 0;
    if (first === k1 && k1 < b.buckets.length) {
      b.k = k1;
      b.kStart = k1 * w;
      b.kWidth = w;
    }
  }

  private addTo(b: PoolBusy, k: number, ns: number): void {
    if (k < 0 || !Number.isFinite(ns)) return;
    if (k >= b.buckets.length) {
      const grown = new Float64Array(Math.min(MAX_BUCKETS, Math.max(k + 1, b.buckets.length * 2)));
      grown.set(b.buckets);
      b.buckets = grown;
    }
    b.buckets[k] += ns;
  }

  private site(b: PoolBusy, stackId: bigint, call: string, kind: string, ns: number, count: number): void {
    // a worker calls from one site again and again: the last one compared before the table is hashed
    let s = b.lastSite !== null && b.lastStack === stackId ? b.lastSite : b.sites.get(stackId);
    if (!s) {
      s = { call, kind, ns: 0, count: 0 };
      b.sites.set(stackId, s);
    }
    b.lastSite = s;
    b.lastStack = stackId;
    s.ns += ns;
    s.count += count;
  }

  /** Another thread woke this one (it was idle, waiting for work). */
  woken(t: ThreadState, ts: number): void {
    const b = t.poolBusy;
    if (b) b.lastWoken = ts;
  }

  /**
   * A blocking call of a thread that waited; `handed`: another thread of the process ended it by
   * handing over work (chains.ts `handedWork`) — the thread waited for its next job, idle.
   */
  blocked(t: ThreadState, id: number, call: string, kind: string, stackId: bigint, ts: number, dur: number, handed = false): void {
    const b = this.of(t);
    if (handed) {
      // idle time of the pool's life: in its span, not in its busy time
      b.lastEnd = ts + dur;
      b.lastWoken = ts + dur;
      b.first = Math.min(b.first, ts);
      b.last = Math.max(b.last, ts + dur);
      return;
    }
    if (b.calls > 0 && ts >= b.lastEnd && ts - b.lastEnd < PICKUP_NS && b.lastWoken < b.lastEnd) b.pickups++;
    b.calls++;
    b.lastEnd = ts + dur;
    b.first = Math.min(b.first, ts);
    b.last = Math.max(b.last, ts + dur);
    this.spread(b, ts, ts + dur, dur);
    this.site(b, stackId, call, kind, dur, 1);
    b.top.add(id, dur);
    b.iv.keep(ts, ts + dur);
  }

  /**
   * Calls the tracer counted (those of a kind that always blocks). A key's first record (`since`
   * null) counts every call since the recording began: its time is spread from `recordingStart`,
   * not packed just before the record — packed, every worker's first record (often the one sent at
   * the end) made all of them look blocked at once in the last bucket.
   */
  filtered(t: ThreadState, d: FilteredCounts, recordingStart: number): void {
    const kind = blockKind(d.call, d.fdType);
    if (!inherentlyBlocking(kind) || kind === 'sleep' || !d.count) return;
    const b = this.of(t);
    const start = d.since ?? Math.max(0, Math.min(recordingStart, d.ts - d.totalNs));
    b.first = Math.min(b.first, start);
    b.last = Math.max(b.last, d.ts);
    this.spread(b, start, d.ts, d.totalNs);
    this.site(b, d.stackId, d.call, kind, d.totalNs, d.count);
  }

  /**
   * Findings, given the thread models: a pool of a process is its pool workers of one name
   * (poolNameOf), and the workers that block at one line (`key`: the line a stack's call is at)
   * are a pool of their own — an executor's threads beside other threads the loop's thread
   * started; the narrower pool is told
   * when it was saturated longer than all of them together. A stack with no frame of the program's
   * (a JVM's unnamed frames) tells no line: its call does (a Java pool's `read`s beside the
   * acceptor thread its owner started, blocked in `accept`).
   */
  findings(ctx: AnalysisContext, threads: readonly ThreadVerdict[], sites: SiteKeys): RawFinding[] {
    const pools = new Map<string, { pid: number; tids: number[] }>();
    for (const t of threads) {
      if (t.model !== 'pool-worker' || !this.busy.has(t.tid)) continue;
      const key = `${t.pid}/${poolNameOf(t.name)}`;
      const pool = pools.get(key) ?? { pid: t.pid, tids: [] };
      pool.tids.push(t.tid);
      pools.set(key, pool);
    }
    const out: RawFinding[] = [];
    for (const { pid, tids } of pools.values()) {
      const whole = this.saturation(ctx, pid, tids);
      const byLine = new Map<string, number[]>();
      for (const tid of tids) {
        const line = this.mainLine(this.busy.get(tid) as PoolBusy, sites);
        if (line !== null) byLine.set(line, [...(byLine.get(line) ?? []), tid]);
      }
      const groups: RawFinding[] = [];
      for (const [line, group] of byLine) {
        if (group.length === tids.length) continue;
        const f = this.saturation(ctx, pid, group, line.startsWith(CALL_KEY) ? 'call' : 'line');
        if (f) groups.push(f);
      }
      // the narrower pool when it was saturated longer (all of a process's workers at once only while its other threads happened to block too)
      if (whole && groups.every((g) => g.impactNs <= whole.impactNs)) out.push(whole);
      else out.push(...groups);
    }
    return out;
  }

  /**
   * The line a worker blocked at for most of its time (`key` of its sites' stacks), null when none;
   * for a stack that reaches no line of the program, its call (CALL_KEY and the call's name).
   */
  private mainLine(b: PoolBusy, sites: SiteKeys): string | null {
    const byKey = new Map<string, number>();
    for (const [id, s] of b.sites) {
      if (!id) continue;
      const k = sites.unreached(id) === null ? sites.key(id) : `${CALL_KEY}${s.call}:${sites.key(id)}`;
      byKey.set(k, (byKey.get(k) ?? 0) + s.ns);
    }
    let best: string | null = null;
    let most = -1;
    for (const [k, ns] of byKey) {
      if (ns > most) {
        best = k;
        most = ns;
      }
    }
    return best;
  }

  /** The finding of a pool `tids` of `pid` all blocked at once, if they were; `narrower`: a pool of the workers at one line, or in one call (no line known). */
  private saturation(ctx: AnalysisContext, pid: number, tids: readonly number[], narrower: 'line' | 'call' | null = null): RawFinding | undefined {
  if (tids.length < 2) return undefined;
    const bs = tids.map((tid) => this.busy.get(tid) as PoolBusy);
    const first = Math.min(...bs.map((b) => b.first));
    const last = Math.max(...bs.map((b) => b.last));
    let saturated = 0;
    const w = this.width;
    const calls = bs.reduce((n, b) => n + b.calls, 0);
    const pickups = bs.reduce((n, b) => n + b.pickups, 0);
    const queued = pickups >= MIN_PICKUP_SHARE * calls;
    // workers with loops of their own (worker_threads) get each job as a message their loop waits
    // for: with no work seen queued they were busy, not full — nothing waited for them. (Workers
    // that wait in a futex may have most calls counted, not sent: their pickups go unseen.)
    if (!queued && tids.every((tid) => ctx.threads.get(pid, tid).muxWaits > 0)) return undefined;
    // threads busy at once with no work seen queued (each woken for its job) are a pool in step: no exact sweep
    const swept = queued ? allBusyNs(bs.map((b) => b.iv)) : 0;
    const kLast = Math.min(MAX_BUCKETS - 1, Math.floor(last / w));
    for (let k = Math.max(0, Math.floor(first / w)); k <= kLast; k++) {
      const len = Math.min(last, (k + 1) * w) - Math.max(first, k * w);
      if (len <= 0) return undefined;
      let idle = 0;
      for (const b of bs) idle += 1 - Math.min(1, (b.buckets[k] ?? 0) / len);
      saturated += len * Math.max(0, 1 - idle);
    }
    saturated = Math.max(saturated, swept);
    const span = last - first;
    if (saturated < MIN_SATURATED_NS || saturated < MIN_SATURATED_SHARE * span) return undefined;
    const sites = new Map<bigint, { call: string; kind: string; ns: number; count: number }>();
    for (const b of bs) for (const [id, s] of b.sites) {
      const cur = sites.get(id) ?? { ...s, ns: 0, count: 0 };
      cur.ns += s.ns;
      cur.count += s.count;
      sites.set(id, cur);
    }
    const ranked = [...sites].sort((a, b) => b[1].ns - a[1].ns);
    // one line per call as the reader sees it ("fsync"), whatever stacks it came from
    const byPhrase = new Map<string, { count: number; ns: number }>();
    for (const [, s] of ranked) {
      const phrase = callPhrase(s.call, s.kind as never);
      const cur = byPhrase.get(phrase) ?? { count: 0, ns: 0 };
      cur.count += s.count;
      cur.ns += s.ns;
      byPhrase.set(phrase, cur);
    }
    const top = new TopEvents();
    for (const b of bs) for (const [id, v] of b.top.entries()) top.add(id, v);
    const what = [...byPhrase].sort((a, b) => b[1].ns - a[1].ns).slice(0, 3).map(([phrase, s]) => `${phrase} ${plural(s.count, 'time')} (${formatDuration(s.ns)})`).join(', ');
    const bare = tids.map((tid) => ctx.threadName(pid, tid) || String(tid));
    // threads of one name (a pool's usually are) told apart by their ids
    const names = bare.map((n, i) => (bare.indexOf(n) !== bare.lastIndexOf(n) ? `${n} ${tids[i]}` : n));
    const util = bs.map((b, i) => `${names[i]} ${Math.round((100 * b.buckets.reduce((x, y) => x + y, 0)) / Math.max(1, span))} %`).join(', ');
    const picked = calls > 1 && pickups > 0 ? ` ${Math.round((100 * pickups) / Math.max(1, calls - tids.length))} % of their calls began at once after the previous one, without a wake-up: work was queued.` : '';
    return {
      rule: 'pool-saturated', severity: severityOf(saturated, ctx.span.last - ctx.span.first),
      title: `All ${tids.length} pool threads of ${ctx.threadName(pid, pid) || 'process'} ${pid}${narrower ? ` that block ${narrower === 'line' ? 'at one line' : 'in one call'}` : ''} were blocked at once for at least ${formatDuration(saturated)} (${Math.round((100 * saturated) / Math.max(1, span))} % of their time)`,
      detail: `The pool (${names.join(', ')}) did ${what}; time blocked: ${util}.${picked} While all are blocked, new work waits for a free thread.`,
      suggestion: poolSaturatedFix(ctx.runtime(pid)), pid, tid: tids[0], thread: names[0], stackId: ranked[0]?.[0] ?? 0n, impactNs: saturated,
      events: top.list(), eventCount: calls, chain: [],
    };
  }
}
