/**
 * aio-serialized: Linux native AIO that never has more than one request in flight on a context —
 * each completion is reaped before the next submission. The depth is followed per context from
 * io_submit (requests accepted) and io_getevents (completions reaped), or the completions the
 * application took from the AIO ring in user space (each its own event, no call), in stream order. Impact: the
 * requests' latencies, which run one after the other instead of overlapping.
 */
import type { AioEvent, SyscallEvent } from '../../model/events';
import { formatDuration } from '../../../../../shared/format';
import { AIO_SERIALIZED_FIX } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { LatencyHistogram } from '../histogram';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

/** Requests needed before a depth of 1 means something. */
export const MIN_REQUESTS = 16;

interface Ctx {
  readonly ctx: string;
  pid: number;
  tid: number;
  stackId: bigint;
  /** Requests in flight whose submission was seen. */
  depth: number;
  /**
   * The deepest the context went, counting requests submitted before the recording: those were in
   * flight from its start until reaped, so the depth at any moment is `depth` plus the ones of them
   * still to come. Kept as the highest `depth - preReaped` seen, plus `preReaped` when asked.
   */
  peakLessPre: number;
  /** Requests submitted before the recording, reaped so far. */
  preReaped: number;
  /** Of those, the ones the next io_getevents' count includes (not taken off `depth`). */
  preToDiscount: number;
  submits: number;
  requests: number;
  /** Completions seen: reaped by io_getevents, or read from the ring. */
  completions: number;
  /** Of them, read from the AIO ring in user space. */
  fromRing: number;
  readonly latency: LatencyHistogram;
  readonly top: TopEvents;
}

/** The Linux AIO contexts a thread submitted to. */
export interface AioQueue {
  /** The deepest one went. */
  readonly depth: number;
  /** Completions seen on them. */
  readonly completions: number;
  /** Of them, read from the AIO ring in user space. */
  readonly fromRing: number;
}

/** Depth of Linux AIO contexts, and the aio-serialized rule. */
export class AioSerializedRule {
  private readonly ctxs = new Map<string, Ctx>();

  private of(ctx: string, e: { pid: number; tid: number }): Ctx {
    let c = this.ctxs.get(ctx);
    if (!c) {
      c = { ctx, pid: e.pid, tid: e.tid, stackId: 0n, depth: 0, peakLessPre: 0, preReaped: 0, preToDiscount: 0, submits: 0, requests: 0, completions: 0, fromRing: 0, latency: new LatencyHistogram(), top: new TopEvents(50) };
      this.ctxs.set(ctx, c);
    }
    return c;
  }

  /** io_submit, io_getevents or io_pgetevents finished. */
  syscall(e: SyscallEvent, id: number): void {
    const ctx = typeof e.args.ctx_id === 'string' ? e.args.ctx_id : null;
    if (!ctx || e.unfinished || e.ret <= 0) return;
    const c = this.of(ctx, e);
    if (e.name === 'io_submit') {
      c.submits++;
      c.requests += e.ret;
      c.depth += e.ret;
      c.peakLessPre = Math.max(c.peakLessPre, c.depth - c.preReaped);
      if (!c.stackId && e.stackId) {
        c.stackId = e.stackId;
        c.pid = e.pid;
        c.tid = e.tid;
      }
      c.top.add(id, e.dur);
    } else {
      // what the AIO ring showed first ended its request there (and left the depth then)
      const seen = Array.isArray(e.args.events) ? e.args.events.filter((x) => typeof x === 'object' && x !== null && 'seen_in_ring' in x).length : 0;
      const pre = Math.min(c.preToDiscount, e.ret - seen);
      c.preToDiscount -= pre;
      c.depth = Math.max(0, c.depth - (e.ret - seen - pre));
    }
  }

  /** A request completed (reaped). */
  request(e: AioEvent): void {
    const c = this.of('0x' + e.ctx.toString(16), e);
    if (e.completeTs === null) return; // still in flight at the end
    c.completions++;
    if (e.fromRing) {
      // taken from the ring in user space: no io_getevents counts it off the depth
      c.fromRing++;
      if (e.index === null) c.preReaped++;
      else c.depth = Math.max(0, c.depth - 1);
    } else if (e.index === null) {
      // submitted before the recording (a process attached to while its queue was full)
      c.preReaped++;
      c.preToDiscount++;
    }
    if (e.dur !== null) c.latency.add(e.dur);
  }

  private maxDepth(c: Ctx): number {
    return c.peakLessPre + c.preReaped;
  }

  /** Requests of a context in flight now. */
  depth(ctx: string): number {
    return this.ctxs.get(ctx)?.depth ?? 0;
  }

  /**
   * The contexts a thread submitted to: the deepest one went, and how their completions were seen
   * (none: the depth only grew, and says nothing).
   */
  queueOf(tid: number): AioQueue {
    const q = { depth: 0, completions: 0, fromRing: 0 };
    for (const c of this.ctxs.values()) {
      if (c.tid !== tid) continue;
      q.depth = Math.max(q.depth, this.maxDepth(c));
      q.completions += c.completions;
      q.fromRing += c.fromRing;
    }
    return q;
  }

  /** Findings; `syncContexts`: contexts whose io_submit did the I/O itself (aio-sync-submit says it better). */
  findings(ctx: AnalysisContext, syncContexts: ReadonlySet<string>): RawFinding[] {
    const out: RawFinding[] = [];
    for (const c of this.ctxs.values()) {
      if (c.requests < MIN_REQUESTS || this.maxDepth(c) !== 1 || syncContexts.has(c.ctx)) continue;
      const t = ctx.threads.get(c.pid, c.tid);
      const [p50] = c.latency.percentiles([50]);
      const impact = c.latency.total;
      out.push({
        rule: 'aio-serialized', severity: severityOf(impact, ctx.span.last - ctx.span.first, 'medium'),
        title: `Linux AIO context ${c.ctx} of ${threadLabel(ctx, t)} ran ${plural(c.requests, 'request')} one at a time (never more than 1 in flight)`,
        detail: `${plural(c.submits, 'io_submit')} each submitted one request, and its completion was reaped before the next submission; the requests took ${formatDuration(impact)} in all (p50 ${formatDuration(p50)}), one after the other. At queue depth 1, AIO is a slower pread.`,
        suggestion: AIO_SERIALIZED_FIX, pid: c.pid, tid: c.tid, thread: ctx.threadName(c.pid, c.tid), stackId: c.stackId, impactNs: impact,
        events: c.top.list(), eventCount: c.submits, chain: [],
      });
    }
    return out;
  }
}
