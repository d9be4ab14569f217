/**
 * aio-sync-submit: io_submit that does the I/O itself. Evidence per io_submit made with nothing
 * else in flight on its context: the first wait the thread makes after it (io_getevents, epoll on
 * the AIO eventfd...) finds the completions ready at once — they were done when io_submit
 * returned, which lasted as long as the I/O. The file's open
 * flags and file system say why: no O_DIRECT (buffered AIO is synchronous), or a file system
 * without asynchronous direct I/O. Impact: the time spent inside those io_submit calls.
 */
import type { SyscallEvent } from '../../model/events';
import { formatDuration } from '../../format/units';
import { aioSyncFix } from '../catalogue';
import { O_DIRECT } from '../classify';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

/** A wait that returned within this found its completions ready. */
const INSTANT_NS = 20_000;
const MIN_SYNC = 4;

interface Submit {
  readonly id: number;
  readonly end: number;
  readonly dur: number;
  readonly key: string;
}

interface Acc {
  readonly pid: number;
  readonly tid: number;
  readonly stackId: bigint;
  readonly ctx: string;
  sync: number;
  async: number;
  syncNs: number;
  direct: boolean | null;
  files: Map<string, { direct: boolean; virtualFs: boolean }>;
  readonly top: TopEvents;
}

/** The aio-sync-submit rule. */
export class AioSyncSubmitRule {
  private readonly last = new Map<number, Submit>();
  private readonly accs = new Map<string, Acc>();

  /**
   * A finished io_submit; `alone`: no older request of its context was in flight (then a
   * completion found right after it can only be its own).
   */
  submit(e: SyscallEvent, id: number, ctx: AnalysisContext, alone: boolean): void {
    if (e.unfinished || e.ret <= 0) return;
    if (!alone) {
      this.last.delete(e.tid);
      return;
    }
    const c = typeof e.args.ctx_id === 'string' ? e.args.ctx_id : '?';
    const key = `${e.tid}:${c}:${e.stackId}`;
    let a = this.accs.get(key);
    if (!a) {
      a = { pid: e.pid, tid: e.tid, stackId: e.stackId, ctx: c, sync: 0, async: 0, syncNs: 0, direct: null, files: new Map(), top: new TopEvents() };
      this.accs.set(key, a);
    }
    const iocbs = Array.isArray(e.args.iocbs) ? e.args.iocbs : [];
    for (const i of iocbs) {
      if (!i || typeof i !== 'object' || Array.isArray(i) || typeof i.fd !== 'number') continue;
      const f = ctx.fd(e.pid, i.fd);
      if (!f || (f.type !== 'file' && f.type !== 'blk')) continue;
      if (a.files.size < 8) a.files.set(f.path || `fd ${i.fd}`, { direct: (f.flags & O_DIRECT) !== 0, virtualFs: f.dev >>> 20 === 0 && f.type === 'file' });
    }
    this.last.set(e.tid, { id, end: e.ts + e.dur, dur: e.dur, key });
  }

  /** A wait of the thread (io_getevents, epoll, poll, select) — the first after an io_submit decides. */
  wait(e: SyscallEvent): void {
    const s = this.last.get(e.tid);
    if (!s || e.unfinished) return;
    this.last.delete(e.tid);
    const a = this.accs.get(s.key);
    if (!a) return;
    const gap = e.ts - s.end;
    if (e.ret > 0 && e.dur < INSTANT_NS && gap < Math.max(100_000, 2 * s.dur)) {
      a.sync++;
      a.syncNs += s.dur;
      a.top.add(s.id, s.dur);
    } else if (e.dur >= INSTANT_NS || e.ret === 0) {
      a.async++;
    }
  }

  /** Contexts found doing synchronous submissions. */
  syncContexts(): Set<string> {
    return new Set([...this.accs.values()].filter((a) => this.fires(a)).map((a) => a.ctx));
  }

  private fires(a: Acc): boolean {
    return a.sync >= MIN_SYNC && a.sync >= a.async;
  }

  /** Findings. */
  findings(ctx: AnalysisContext): RawFinding[] {
    const out: RawFinding[] = [];
    for (const a of this.accs.values()) {
      if (!this.fires(a)) continue;
      const t = ctx.threads.get(a.pid, a.tid);
      const files = [...a.files];
      const buffered = files.filter(([, f]) => !f.direct);
      const direct = files.length > 0 && buffered.length === 0;
      const why = !files.length
        ? 'the file could not be identified'
        : buffered.length
          ? `${buffered.map(([p]) => p).join(', ')} ${buffered.length > 1 ? 'were' : 'was'} opened without O_DIRECT, and buffered AIO is synchronous`
          : `${files.map(([p]) => p).join(', ')} ${files.length > 1 ? 'were' : 'was'} opened with O_DIRECT, yet the ${files.some(([, f]) => f.virtualFs) ? 'virtual file system (tmpfs, overlayfs...)' : 'file system or device'} completed the requests synchronously`;
      out.push({
        rule: 'aio-sync-submit', severity: severityOf(a.syncNs, ctx.span.last - ctx.span.first),
        title: `io_submit did the I/O itself ${plural(a.sync, 'time')} in ${threadLabel(ctx, t)}, ${formatDuration(a.syncNs)} inside io_submit`,
        detail: `After ${a.sync.toLocaleString('en-US')} of ${plural(a.sync + a.async, 'io_submit')} on context ${a.ctx}, the thread's next wait found the completions ready at once: io_submit returned only when the I/O was done. Why: ${why}.`,
        suggestion: aioSyncFix(direct), pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: a.stackId, impactNs: a.syncNs,
        events: a.top.list(), eventCount: a.sync, chain: [],
      });
    }
    return out;
  }
}
