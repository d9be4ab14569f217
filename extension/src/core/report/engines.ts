/**
 * Request engines in figures: how many requests each Linux-AIO context and each io_uring ring had
 * in flight, over time — the queue depth a storage engineer looks for first ("fio at iodepth 16"
 * reads 16). A request is in flight from its submission (or from the start of the recording when
 * it was submitted before) until the application reaps it — what its iodepth counts; for io_uring
 * also until the kernel posts its CQE, the queue the kernel holds. A request that never completed
 * is in flight to the end of the recording; an io_uring CQE whose consumption was not seen counts
 * until it was posted (and the figures say how many). An AIO completion the application read from
 * the ring in user space counts until the tracer saw it taken (its next syscall), and the figures
 * say so; a context none of whose completions was seen says that instead of a depth that only grew.
 */
import { formatCount, formatDuration } from '../../../../shared/format';
import type { AioEvent, UringEvent } from '../model/events';
import { AIO_RING_TEXT, aioReusedText } from '../model/labels';
import { doubled } from '../store/doubled';

/** Time spent at one depth. */
export interface DepthTime {
  readonly depth: number;
  readonly ns: number;
}

/** The depth of one engine instance, with requests ending as `ends` says. */
export interface DepthView {
  /** reaped: the application got the completion (its view); posted: the kernel posted the CQE. */
  readonly ends: 'reaped' | 'posted';
  /** Requests whose end this view could not see and counted at their CQE instead. */
  readonly unknownEnds: number;
  /** From the first request's start to the last one's end. */
  readonly from: number;
  readonly to: number;
  /** Depths weighted by the time spent at them. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Time at each depth, deepest first; depths with no time left out. */
  readonly timeAt: readonly DepthTime[];
}

/** The in-flight figures of one engine instance. */
export interface EngineDepth {
  readonly engine: 'aio' | 'uring';
  readonly pid: number;
  /** The AIO context id, or the ring's kernel address. */
  readonly id: bigint;
  readonly requests: number;
  /** Requests whose submission the trace does not hold (in flight from the start of the recording). */
  readonly beforeRecording: number;
  /** Requests whose completion was seen. */
  readonly completed: number;
  /** AIO: of them, the ones the application read from the AIO ring in user space (their reap time an upper bound). */
  readonly fromRing: number;
  /** Until reaped first (the application's view); io_uring adds until the CQE. */
  readonly views: readonly DepthView[];
}

/** Growable columns: request starts, posted ends and reaped ends. */
class Intervals {
  starts: Float64Array = new Float64Array(64);
  posted: Float64Array = new Float64Array(64);
  reaped: Float64Array = new Float64Array(64);
  n = 0;
  beforeRecording = 0;
  unknownReaps = 0;
  completed = 0;
  fromRing = 0;

  add(start: number, posted: number, reaped: number): void {
    if (this.n === this.starts.length) {
      this.starts = doubled(this.starts);
      this.posted = doubled(this.posted);
      this.reaped = doubled(this.reaped);
    }
    this.starts[this.n] = start;
    this.posted[this.n] = posted;
    this.reaped[this.n] = reaped;
    this.n++;
  }
}

/** The depth reached by a time fraction: the smallest depth with at least `p` of the time at or below it. */
function weightedPercentile(sortedByDepth: DepthTime[], total: number, p: number): number {
  let acc = 0;
  for (const t of sortedByDepth) {
    acc += t.ns;
    if (acc >= p * total) return t.depth;
  }
  return sortedByDepth.length ? sortedByDepth[sortedByDepth.length - 1].depth : 0;
}

/**
 * Collects the requests of each engine as they stream by; `results` sweeps them. Keeps two
 * numbers per request (a million requests: 16 MB), as the report's duration percentiles do.
 */
export class EngineDepths {
  private readonly engines = new Map<string, { engine: 'aio' | 'uring'; pid: number; id: bigint; iv: Intervals }>();
  /** Requests still in flight at the end of the input (no completion): end at the recording's end. */
  private static readonly OPEN = Number.POSITIVE_INFINITY;

  /** One request event (a multishot request's intermediate completions are not its end). */
  add(e: AioEvent | UringEvent): void {
    if (e.kind === 'uring' && e.more) return;
    const id = e.kind === 'aio' ? e.ctx : e.ring;
    const k = `${e.kind}:${e.pid}:${id}`;
    let en = this.engines.get(k);
    if (!en) {
      en = { engine: e.kind, pid: e.pid, id, iv: new Intervals() };
      this.engines.set(k, en);
    }
    if (e.submitTs === null) en.iv.beforeRecording++;
    const end = e.completeTs ?? EngineDepths.OPEN;
    if (e.completeTs !== null && e.reapTs === null) en.iv.unknownReaps++;
    if (e.completeTs !== null) en.iv.completed++;
    if (e.kind === 'aio' && e.fromRing) en.iv.fromRing++;
    en.iv.add(e.submitTs ?? 0, end, e.reapTs ?? end);
  }

  /** The figures of every engine, the busiest first; `end` is the end of the recording (ns since its start). */
  results(end: number): EngineDepth[] {
    const out: EngineDepth[] = [];
    for (const en of this.engines.values()) {
      const { n } = en.iv;
      if (!n) continue;
      const starts = en.iv.starts.slice(0, n).sort();
      const views: DepthView[] = [];
      // AIO's completion is its reap; an io_uring request's reap is known when the trace saw it
      if (en.engine === 'aio' || en.iv.unknownReaps < n) {
        views.push(depthView(starts, en.iv.reaped.slice(0, n), end, 'reaped', en.engine === 'uring' ? en.iv.unknownReaps : 0));
      }
      if (en.engine === 'uring') views.push(depthView(starts, en.iv.posted.slice(0, n), end, 'posted', 0));
      out.push({
        engine: en.engine, pid: en.pid, id: en.id, requests: n, beforeRecording: en.iv.beforeRecording, completed: en.iv.completed,
        fromRing: en.iv.fromRing, views,
      });
    }
    return out.sort((a, b) => b.requests - a.requests);
  }
}

/** Sweep the requests (starts sorted) and their ends: the time spent at each depth. */
function depthView(starts: Float64Array, rawEnds: Float64Array, end: number, ends: 'reaped' | 'posted', unknownEnds: number): DepthView {
  const n = starts.length;
  const last = Math.max(end, starts[n - 1]);
  const stops = rawEnds.map((x) => (x === Number.POSITIVE_INFINITY ? last : x)).sort();
  const from = starts[0];
  const to = stops[n - 1];
  // at equal times, ends before starts: a request replaced at once keeps the depth
  const time = new Map<number, number>();
  let depth = 0;
  let max = 0;
  let t = from;
  for (let i = 0, j = 0; i < n || j < n; ) {
    const isEnd = j < n && (i >= n || stops[j] <= starts[i]);
    const next = isEnd ? stops[j] : starts[i];
    if (next > t) time.set(depth, (time.get(depth) ?? 0) + (next - t));
    t = next;
    if (isEnd) {
      depth--;
      j++;
    } else {
      depth++;
      i++;
      if (depth > max) max = depth;
    }
  }
  const byDepth = [...time].map(([d, ns]) => ({ depth: d, ns })).sort((a, b) => a.depth - b.depth);
  const total = to - from;
  return {
    ends, unknownEnds, from, to, max,
    p50: total > 0 ? weightedPercentile(byDepth, total, 0.5) : max,
    p99: total > 0 ? weightedPercentile(byDepth, total, 0.99) : max,
    timeAt: byDepth.filter((d) => d.ns > 0).reverse(),
  };
}

/** Depths shown one by one in the report at most (those with the most time); the rest are summed. */
const SHOWN_DEPTHS = 8;

/** Until when an AIO context's requests count: how their completions were seen, if they were. */
function aioUntil(d: EngineDepth): string {
  if (d.completed === 0) return `until the end (no completion seen: not reaped with io_getevents, nor ${AIO_RING_TEXT})`;
  if (d.fromRing === 0) return 'until io_getevents reaped them';
  const ring = `seen done in the AIO ring at its next syscall (${AIO_RING_TEXT})`;
  if (d.fromRing === d.completed) return `until ${ring}`;
  return `until reaped (${formatCount(d.fromRing)} of ${formatCount(d.completed)} ${ring}, the others by io_getevents)`;
}

/**
 * The report's lines for one process's engines (indented by `indent`); `reused` tells how many
 * requests of an AIO context were dropped because their iocb was submitted again unseen.
 */
export function engineLines(list: readonly EngineDepth[], indent: string, reused: (pid: number, ctx: bigint) => number): string[] {
  const lines: string[] = [];
  for (const d of list) {
    const what = d.engine === 'aio' ? `AIO context 0x${d.id.toString(16)}` : `io_uring ring 0x${d.id.toString(16)}`;
    const early = d.beforeRecording ? ` (${formatCount(d.beforeRecording)} submitted before the recording)` : '';
    const span = d.views[0].to - d.views[0].from;
    lines.push(`${indent}${what}: ${formatCount(d.requests)} request${d.requests === 1 ? '' : 's'}${early} over ${formatDuration(span)}`);
    const dropped = d.engine === 'aio' ? reused(d.pid, d.id) : 0;
    if (dropped) lines.push(`${indent}  ${aioReusedText(formatCount(dropped), dropped > 1)} (not counted here)`);
    for (const v of d.views) {
      const until = v.ends === 'posted' ? 'until the kernel posted the CQE' : d.engine === 'aio' ? aioUntil(d) : 'until the application reaped them';
      const unknown = v.unknownEnds ? ` (${formatCount(v.unknownEnds)} whose reap was not seen counted until their CQE)` : '';
      lines.push(`${indent}  in flight ${until}: p50 ${v.p50}, p99 ${v.p99}, max ${v.max}${unknown}`);
      const total = v.to - v.from;
      if (total <= 0) continue;
      const pct = (ns: number): string => `${((100 * ns) / total).toFixed(ns / total >= 0.1 ? 0 : 1)}%`;
      // the depths where most time went (at least 0.1% of it), deepest first; the others summed
      const top = [...v.timeAt].sort((a, b) => b.ns - a.ns).slice(0, SHOWN_DEPTHS)
        .filter((t, i) => i === 0 || t.ns >= total / 1000).sort((a, b) => b.depth - a.depth);
      const shown = top.map((t) => `${t.depth}: ${pct(t.ns)}`);
      const rest = total - top.reduce((s, t) => s + t.ns, 0);
      if (v.timeAt.length > top.length) shown.push(`${v.timeAt.length - top.length} other depths: ${pct(rest)}`);
      lines.push(`${indent}    time at each depth: ${shown.join(', ')}`);
    }
  }
  return lines;
}
