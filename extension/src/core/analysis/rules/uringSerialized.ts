/**
 * uring-serialized: an io_uring ring whose file or block-device requests never overlap — each one
 * completes before the next is submitted, so the ring is used at queue depth 1 and the requests run
 * one after the other (what aio-serialized says of Linux AIO). Only storage reads and writes count:
 * a network request (a recv waiting for its peer) is in flight for as long as the peer is silent,
 * and one at a time is then the program's protocol, not a missed chance to overlap.
 *
 * Nor does a ring the program fills several requests at a time: an io_uring_enter that submitted
 * two or more, or requests the SQPOLL thread picked up (it takes whatever is queued), may still
 * never overlap when each completes inline (a buffered read from the page cache), and there is
 * nothing more to queue then.
 *
 * Requests stream by in about the order they complete, not exactly; each new one is compared with
 * the ring's last few (WINDOW), so memory stays bounded by the number of rings, and two requests in
 * flight at once are found wherever they are near each other in the stream.
 */
import type { UringEvent } from '../../model/events';
import { formatDuration } from '../../../../../shared/format';
import { URING_SERIALIZED_FIX } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { LatencyHistogram } from '../histogram';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';
import { MIN_REQUESTS } from './aioSerialized';

/** Requests of a ring each new one is compared with. */
const WINDOW = 8;

/** io_uring opcodes that move data to or from a file or device. */
const STORAGE_OPS: ReadonlySet<string> = new Set(['read', 'write', 'readv', 'writev', 'read_fixed', 'write_fixed', 'readv_fixed', 'writev_fixed']);

interface Ring {
  readonly ring: bigint;
  pid: number;
  tid: number;
  stackId: bigint;
  requests: number;
  /** Two of its requests were in flight at once. */
  overlapped: boolean;
  /** The last WINDOW requests' submissions and completions, a ring buffer. */
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  next: number;
  readonly latency: LatencyHistogram;
  readonly top: TopEvents;
  /** The file the first request read or wrote, when known. */
  path: string | null;
}

/** What a request's fd is: the rule counts only files and block devices (a registered file's is unknown). */
export type RequestFdType = (pid: number, fd: number) => string | undefined;

/** The depth of io_uring rings' storage requests, and the uring-serialized rule. */
export class UringSerializedRule {
  private readonly rings = new Map<bigint, Ring>();
  /** Rings (hex addresses, as io_uring_enter's `ring` argument) one call submitted several requests to. */
  private readonly batched = new Set<string>();

  constructor(private readonly fdType: RequestFdType) {}

  /** An io_uring_enter on `ring` submitted `submitted` requests. */
  enter(ring: string, submitted: number): void {
    if (submitted >= 2) this.batched.add(ring);
  }

  /** A request ended (or is still in flight at the end: not counted). */
  request(e: UringEvent, id: number): void {
    if (e.more || e.sqThread || e.submitTs === null || e.completeTs === null || !STORAGE_OPS.has(e.name)) return;
    if (e.fd >= 0) {
      const type = this.fdType(e.pid, e.fd);
      // a request that streams by after its fd was closed counts on a ring already known for files
      if (type === undefined ? !this.rings.has(e.ring) : type !== 'file' && type !== 'blk') return;
    }
    let r = this.rings.get(e.ring);
    if (!r) {
      r = {
        ring: e.ring, pid: e.pid, tid: e.tid, stackId: e.stackId, requests: 0, overlapped: false, starts: new Float64Array(WINDOW),
        ends: new Float64Array(WINDOW), next: 0, latency: new LatencyHistogram(), top: new TopEvents(50),
        path: typeof e.args.path === 'string' ? e.args.path : null,
      };
      this.rings.set(e.ring, r);
    }
    if (!r.stackId && e.stackId) {
      r.stackId = e.stackId;
      r.tid = e.tid;
    }
    if (!r.overlapped) {
      const seen = Math.min(r.requests, WINDOW);
      for (let i = 0; i < seen; i++) {
        // touching is not overlapping: the next submitted at the instant the last completed
        if (e.submitTs < r.ends[i] && r.starts[i] < e.completeTs) {
          r.overlapped = true;
          break;
        }
      }
      r.starts[r.next] = e.submitTs;
      r.ends[r.next] = e.completeTs;
      r.next = (r.next + 1) % WINDOW;
    }
    r.requests++;
    const dur = e.completeTs - e.submitTs;
    r.latency.add(dur);
    r.top.add(id, dur);
  }

  /** Findings: rings of at least MIN_REQUESTS storage requests, submitted one at a time, never two in flight. */
  findings(ctx: AnalysisContext): RawFinding[] {
    const out: RawFinding[] = [];
    for (const r of this.rings.values()) {
      if (r.requests < MIN_REQUESTS || r.overlapped || this.batched.has(`0x${r.ring.toString(16)}`)) continue;
      const t = ctx.threads.get(r.pid, r.tid);
      const [p50] = r.latency.percentiles([50]);
      const impact = r.latency.total;
      const on = r.path ? ` on ${r.path}` : '';
      out.push({
        rule: 'uring-serialized', severity: severityOf(impact, ctx.span.last - ctx.span.first, 'medium'),
        title: `io_uring ring 0x${r.ring.toString(16)} of ${threadLabel(ctx, t)} ran ${plural(r.requests, 'file request')} one at a time (never more than 1 in flight)`,
        detail: `Each request${on} completed before the next was submitted; they took ${formatDuration(impact)} in all (p50 ${formatDuration(p50)}), one after the other. At queue depth 1, io_uring is a slower pread or pwrite: the device never sees two requests to overlap.`,
        suggestion: URING_SERIALIZED_FIX, pid: r.pid, tid: r.tid, thread: ctx.threadName(r.pid, r.tid), stackId: r.stackId, impactNs: impact,
        events: r.top.list(), eventCount: r.requests, chain: [],
      });
    }
    return out;
  }
}
