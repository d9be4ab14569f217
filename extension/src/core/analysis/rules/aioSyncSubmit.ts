/**
 * aio-sync-submit: io_submit that does the I/O itself. Evidence per io_submit made with nothing
 * else in flight on its context: the first wait the thread makes after it (io_getevents, epoll on
 * the AIO eventfd...) finds the completions ready at once — they were done when io_submit
 * returned, which lasted as long as the I/O. The file's open
 * flags and file system say why: no O_DIRECT (buffered AIO is synchronous), or a file system
 * without asynchronous direct I/O. Impact: the time spent inside those io_submit calls.
 */
import { DEV_MINOR_BITS } from '../../../../../protocol/generated/wire';
import type { SyscallEvent } from '../../model/events';
import { O_DIRECT } from '../../model/names';
import { formatDuration } from '../../../../../shared/format';
import { aioSyncFix } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { severityOf } from '../severity';
import type { RawFinding } from '../types';

/** A wait that returned within this found its completions ready. */
const INSTANT_NS = 20_000;
const MIN_SYNC = 4;
/** The "ready at once" evidence needs at least 1 in this many io_submit calls made alone. */
const ALONE_SHARE = 4;
const MIN_SLOW_REQUESTS = 16;
/** io_submit time per request above which it is doing the I/O, not queueing it. */
const SLOW_SUBMIT_NS = 20_000;
/**
 * The same for O_DIRECT on a device-backed file system, which takes the asynchronous path: there
 * submitting costs a VM exit per request (20-40 µs measured on this VM's virtio disk, where fio at
 * depth 16 then barely waits), so only a call as long as a device read (a local SSD's ~100 µs) is
 * doing the I/O.
 */
const SLOW_DIRECT_SUBMIT_NS = 100_000;

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
  /** Every io_submit of the key: calls, requests and time inside; and the time its context's io_getevents waited. */
  submits: number;
  requests: number;
  submitNs: number;
  reapNs: number;
  files: Map<string, FileFacts>;
  readonly top: TopEvents;
}

/** What the rule needs of a file its requests went to. */
interface FileFacts {
  readonly direct: boolean;
  readonly virtualFs: boolean;
}

/** The files of a key's requests, as the rule reads them. */
interface Files {
  readonly list: readonly (readonly [string, FileFacts])[];
  /** Those opened without O_DIRECT. */
  readonly buffered: readonly (readonly [string, FileFacts])[];
  /** Every one opened with O_DIRECT on a file system backed by a device. */
  readonly directOnDevice: boolean;
}

function filesOf(a: Acc): Files {
  const list = [...a.files];
  const buffered = list.filter(([, f]) => !f.direct);
  return { list, buffered, directOnDevice: list.length > 0 && list.every(([, f]) => f.direct && !f.virtualFs) };
}

/** The time the thread waited for completions: in io_getevents on the context, or in select/poll/epoll. */
function waitedNs(a: Acc, ctx: AnalysisContext | undefined): number {
  return a.reapNs + (ctx?.threads.find(a.tid)?.muxNs ?? 0);
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
    const c = typeof e.args.ctx_id === 'string' ? e.args.ctx_id : '?';
    const key = `${e.tid}:${c}:${e.stackId}`;
    let a = this.accs.get(key);
    if (!a) {
      a = { pid: e.pid, tid: e.tid, stackId: e.stackId, ctx: c, sync: 0, async: 0, syncNs: 0, submits: 0, requests: 0, submitNs: 0, reapNs: 0, files: new Map(), top: new TopEvents() };
      this.accs.set(key, a);
    }
    a.submits++;
    a.requests += e.ret;
    a.submitNs += e.dur;
    a.top.add(id, e.dur);
    const iocbs = Array.isArray(e.args.iocbs) ? e.args.iocbs : [];
    for (const i of iocbs) {
      if (!i || typeof i !== 'object' || Array.isArray(i) || typeof i.fd !== 'number') continue;
      const f = ctx.fd(e.pid, i.fd);
      if (!f || (f.type !== 'file' && f.type !== 'blk')) continue;
      if (a.files.size < 8) a.files.set(f.path || `fd ${i.fd}`, { direct: (f.flags & O_DIRECT) !== 0, virtualFs: f.dev >>> DEV_MINOR_BITS === 0 && f.type === 'file' });
    }
    if (alone) this.last.set(e.tid, { id, end: e.ts + e.dur, dur: e.dur, key });
    else this.last.delete(e.tid);
  }

  /** A wait of the thread (io_getevents, epoll, poll, select) — the first after an io_submit decides. */
  wait(e: SyscallEvent): void {
    if ((e.name === 'io_getevents' || e.name === 'io_pgetevents') && typeof e.args.ctx_id === 'string') {
      for (const a of this.accs.values()) if (a.ctx === e.args.ctx_id && a.tid === e.tid) a.reapNs += e.dur;
    }
    if (!this.last.size) return; // no io_submit waiting for its wait (a loop's every wait)
    const s = this.last.get(e.tid);
    if (!s || e.unfinished) return;
    this.last.delete(e.tid);
    const a = this.accs.get(s.key);
    if (!a) return;
    const gap = e.ts - s.end;
    if (e.ret > 0 && e.dur < INSTANT_NS && gap < Math.max(100_000, 2 * s.dur)) {
      a.sync++;
      a.syncNs += s.dur;
    } else if (e.dur >= INSTANT_NS || e.ret === 0) {
      a.async++;
    }
  }

  /** The requests and time inside io_submit of a key's thread and context, over all its call sites. */
  private contextTotals(a: Acc): { requests: number; submitNs: number } {
    let requests = 0;
    let submitNs = 0;
    for (const b of this.accs.values()) {
      if (b.tid !== a.tid || b.ctx !== a.ctx) continue;
      requests += b.requests;
      submitNs += b.submitNs;
    }
    return { requests, submitNs };
  }

  /** Contexts found doing synchronous submissions. */
  syncContexts(ctx: AnalysisContext | undefined, stopsDelayWaits: boolean, siteKey: (stackId: bigint) => string): Set<string> {
    return new Set(this.bySite(siteKey).filter((a) => this.how(a, ctx, stopsDelayWaits) !== null).map((a) => a.ctx));
  }

  /**
   * The accumulations merged per thread, context and line of the program: stacks that differ only
   * above the line (another caller, or an unwind without frame pointers whose outer frames vary from
   * call to call: 64 findings for one line of a `-O2` build) are one call site.
   */
  private bySite(siteKey: (stackId: bigint) => string): Acc[] {
    const merged = new Map<string, Acc>();
    for (const a of this.accs.values()) {
      const key = `${a.tid}:${a.ctx}:${siteKey(a.stackId)}`;
      const m = merged.get(key);
      if (!m) {
        merged.set(key, { ...a, files: new Map(a.files), top: a.top.clone() });
        continue;
      }
      m.sync += a.sync;
      m.async += a.async;
      m.syncNs += a.syncNs;
      m.submits += a.submits;
      m.requests += a.requests;
      m.submitNs += a.submitNs;
      // reapNs is the context's, the same in each of the thread's accumulations: not added up
      for (const [path, f] of a.files) if (m.files.size < 8) m.files.set(path, f);
      for (const [id, v] of a.top.entries()) m.top.add(id, v);
      m.top.count += a.top.count - a.top.entries().length;
    }
    return [...merged.values()];
  }

  /**
   * Why io_submit did the I/O, or null: completions found ready after io_submits made alone; or,
   * with several in flight (the first evidence cannot apply), io_submit costing 20 µs a request
   * and 5 times what the thread spent waiting for completions (io_getevents, select/poll/epoll).
   * `stopsDelayWaits` (a ptrace trace): its stops between io_submit's return and the next wait give
   * any device the time to finish, so completions found ready at once are no evidence there.
   */
  private how(a: Acc, ctx: AnalysisContext | undefined, stopsDelayWaits: boolean): 'ready' | 'slow' | 'buffered' | null {
    // an io_submit that does the I/O leaves nothing in flight, so nearly every one is made alone; a
    // program that keeps a queue (fio at depth 16) submits alone only at its start and end, where a
    // fast device's completions can be ready by the next wait without io_submit having waited
    const mostlyAlone = (a.sync + a.async) * ALONE_SHARE >= a.submits;
    // O_DIRECT on a file system backed by a device (ext4, xfs, a block device) takes the
    // asynchronous path; a fast device (a VM's disk, NVMe) can finish a batch before the next
    // wait all the same (fio at depth 16 here), so ready completions prove nothing there: only
    // io_submit's own time does
    const files = filesOf(a);
    if (!stopsDelayWaits && !files.directOnDevice && a.sync >= MIN_SYNC && a.sync >= a.async && mostlyAlone) return 'ready';
    const slowNs = files.directOnDevice ? SLOW_DIRECT_SUBMIT_NS : SLOW_SUBMIT_NS;
    // judged on all the thread's io_submits to the context, whatever their call site: a site of a few
    // slow ones (qemu-img's first 55 of 40,000 requests, 100 µs each) does not make the context synchronous
    const all = this.contextTotals(a);
    if (a.requests >= MIN_SLOW_REQUESTS && a.submitNs >= slowNs * a.requests && all.submitNs >= slowNs * all.requests && a.submitNs >= 5 * waitedNs(a, ctx)) return 'slow';
    // files opened without O_DIRECT: Linux AIO reads and writes them inside io_submit, whatever the
    // timing shows (from the page cache it is quick, and a kept queue hides it: fio --direct=0)
    if (a.requests >= MIN_SLOW_REQUESTS && files.list.length > 0 && files.buffered.length === files.list.length) return 'buffered';
    return null;
  }

  /** Findings. */
  findings(ctx: AnalysisContext, stopsDelayWaits: boolean, siteKey: (stackId: bigint) => string): RawFinding[] {
    const out: RawFinding[] = [];
    for (const a of this.bySite(siteKey)) {
      const how = this.how(a, ctx, stopsDelayWaits);
      if (!how) continue;
      const impact = how === 'ready' ? a.syncNs : a.submitNs;
      const t = ctx.threads.get(a.pid, a.tid);
      const { list: files, buffered } = filesOf(a);
      const direct = files.length > 0 && buffered.length === 0;
      const why = !files.length
        ? 'the file could not be identified'
        : buffered.length
          ? `${buffered.map(([p]) => p).join(', ')} ${buffered.length > 1 ? 'were' : 'was'} opened without O_DIRECT, and buffered AIO is synchronous`
          : `${files.map(([p]) => p).join(', ')} ${files.length > 1 ? 'were' : 'was'} opened with O_DIRECT, yet the ${files.some(([, f]) => f.virtualFs) ? 'virtual file system (tmpfs, overlayfs...)' : 'file system or device'} completed the requests synchronously`;
      const evidence = how === 'buffered'
        ? `io_submit ran ${plural(a.requests, 'request')} on context ${a.ctx} and spent ${formatDuration(a.submitNs)} inside (${formatDuration(a.submitNs / a.requests)} a request) doing them: the requests were never in flight while the thread went on.`
        : how === 'ready'
        ? `After ${a.sync.toLocaleString('en-US')} of ${plural(a.sync + a.async, 'io_submit')} made with nothing else in flight on context ${a.ctx}, the thread's next wait found the completions ready at once: io_submit returned only when the I/O was done.`
        : `io_submit took ${formatDuration(a.submitNs / a.requests)} a request (${formatDuration(a.submitNs)} for ${plural(a.requests, 'request')} on context ${a.ctx}), while the thread waited only ${formatDuration(waitedNs(a, ctx))} for completions: the I/O happened inside io_submit.`;
      out.push({
        rule: 'aio-sync-submit', severity: severityOf(impact, ctx.span.last - ctx.span.first),
        title: `io_submit did the I/O itself in ${threadLabel(ctx, t)}: ${formatDuration(impact)} inside io_submit`,
        detail: `${evidence} Why: ${why}.`,
        suggestion: aioSyncFix(direct), pid: a.pid, tid: a.tid, thread: ctx.threadName(a.pid, a.tid), stackId: a.stackId, impactNs: impact,
        events: a.top.list(), eventCount: how === 'ready' ? a.sync : a.requests, chain: [],
      });
    }
    return out;
  }
}
