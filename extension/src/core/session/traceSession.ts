/**
 * A trace as an editor shows it: read from a file, or recorded live from the tracer into a
 * columnar store (and into a temporary trace file, so it can be saved at any moment). Answers the
 * timeline's questions. No VS Code here: the extension wraps it.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { EventDetails, Histogram, Ns, Rate, TraceSummary, WindowData } from '../../../../protocol/messages';
import { ns } from '../../../../protocol/messages';
import { importStrace, type ImportOptions, type ImportResult } from '../commands/import';
import { TraceAnalyzer } from '../analysis/analyzer';
import { resolveFindings, siteKeyOf } from '../analysis/resolve';
import type { ChainHop, Finding } from '../analysis/types';
import { CallSites, histogram, rate, stalls } from '../store/analysis';
import { eventDetails } from '../store/details';
import { TraceStore } from '../store/traceStore';
import { queryWindow } from '../store/window';
import { TraceFileWriter } from '../trace/file';
import { TracePipeline } from '../trace/pipeline';
import { onTracerDiagnostics, startTracer, type TracerHandle, type TracerOptions } from '../tracer/spawn';
import { EndReasonText } from '../../../../protocol/generated/wire';
import { containerLine, containerName, describeContainer } from '../system/containers';

/** How a live recording ended. */
export interface SessionEnd {
  readonly reason: string;
  /** The tracer failed (its last diagnostics). */
  readonly error: string | null;
}

/** Listener of session changes. */
export type SessionListener = () => void;


/** Waits and blocking calls from this long keep their wake-up chain (the timeline draws it). */
const CHAIN_FROM_NS = 1e6;

/** A trace being recorded or read. */
export class TraceSession {
  readonly pipeline: TracePipeline;
  readonly store: TraceStore;
  /** The diagnosis, fed the same events as the store, with the store's ids. */
  readonly analyzer: TraceAnalyzer;
  readonly sites: CallSites;
  /** Recording now. */
  live = false;
  /** The timeline stopped following (the recording goes on). */
  paused = false;
  ended: SessionEnd | undefined;
  /** Warnings (a file cut short...). */
  readonly warnings: string[] = [];
  private readonly listeners = new Set<SessionListener>();
  private tracer: TracerHandle | undefined;
  private writer: TraceFileWriter | undefined;
  private tempDir: string | undefined;
  private notifyTimer: NodeJS.Timeout | undefined;
  private finished: Promise<void> = Promise.resolve();

  private constructor(
    readonly title: string,
    /** The trace file this session reads or writes. */
    public file: string,
    /** Where else to find the traced binaries (a trace recorded on another machine). */
    symbolPath: readonly string[] = [],
    /** Recorded here and now: a container's files are read through /proc/PID/root. */
    live = false,
  ) {
    this.pipeline = new TracePipeline((e) => {
      this.store.add(e);
      this.analyzer.add(e, this.store.lastRef);
    }, { symbolPath, liveRoots: live });
    this.analyzer = new TraceAnalyzer(this.pipeline.trace, { keepChainsFrom: CHAIN_FROM_NS });
    this.store = new TraceStore((pid, tid) => this.pipeline.trace.processes.threadName(pid, tid), this.pipeline.trace.uioDevices);
    this.sites = new CallSites(this.store, this.pipeline.resolver);
  }

  private containerNoted = false;

  /** The target runs in a container: its group in the timeline says which, and its pid there. */
  private noteContainer(): void {
    const meta = this.pipeline.trace.meta;
    if (this.containerNoted || !meta?.namespace || !meta.pid) return;
    this.containerNoted = true;
    const ns = meta.namespace;
    const info = describeContainer(ns, this.live ? containerName(ns, this.pipeline.containerRoots?.path ?? null) : null);
    this.store.tracks.note(meta.pid, containerLine(ns, info));
  }

  /** Read a trace file; `symbolPath`: where else to find the binaries it ran (StackResolver). */
  static async open(path: string, title = path, symbolPath: readonly string[] = []): Promise<TraceSession> {
    const s = new TraceSession(title, path, symbolPath);
    const input = createReadStream(path, { highWaterMark: 1 << 20 });
    for await (const chunk of input) if (!s.pipeline.push(chunk as Buffer)) break;
    input.destroy();
    s.noteContainer();
    s.warnings.push(...s.pipeline.end());
    if (!s.pipeline.reader.header) throw new Error(`${path}: ${s.warnings[0] ?? 'not an iolens trace'}`);
    return s;
  }

  /**
   * An strace log in the timeline: imported (`iolens import`) into a trace file of the session's
   * own, removed with it. The import's result says what it skipped, line by line.
   */
  static async openStraceLog(
    log: string, title = log, options: ImportOptions = {},
  ): Promise<{ session: TraceSession; result: ImportResult }> {
    const dir = await mkdtemp(join(tmpdir(), 'iolens-import-'));
    try {
      const file = join(dir, `${basename(log)}.iolens`);
      const result = await importStrace(log, file, options);
      const session = await TraceSession.open(file, title, options.symbolPath);
      session.tempDir = dir;
      return { session, result };
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Start recording. `log` receives the tracer's diagnostic lines; `started` resolves once the
   * probes are attached (or rejects with the tracer's explanation).
   */
  static async record(
    options: TracerOptions, title: string, log: (line: string) => void, programOutput?: (text: string) => void,
  ): Promise<{ session: TraceSession; started: Promise<number> }> {
    const dir = await mkdtemp(join(tmpdir(), 'iolens-session-'));
    const file = join(dir, 'recording.iolens');
    const s = new TraceSession(title, file, [], true);
    s.tempDir = dir;
    s.live = true;
    s.writer = await TraceFileWriter.create(file);
    const handle = startTracer(options);
    s.tracer = handle;
    for (const out of [handle.programOutput.stdout, handle.programOutput.stderr]) {
      out?.setEncoding('utf8');
      out?.on('data', (text: string) => programOutput?.(text));
    }
    let lastError = '';
    let resolveStarted: (pid: number) => void = () => undefined;
    let rejectStarted: (e: Error) => void = () => undefined;
    const started = new Promise<number>((res, rej) => {
      resolveStarted = res;
      rejectStarted = rej;
    });
    onTracerDiagnostics(handle.log, (line) => {
      log(line);
      lastError += (lastError ? '\n' : '') + line;
    });
    handle.stream.on('data', (chunk: Buffer) => {
      s.writer?.write(chunk);
      s.pipeline.push(chunk);
      s.noteContainer();
      const start = s.pipeline.trace.start;
      if (start) resolveStarted(start.pid);
      s.changed();
    });
    const streamDone = new Promise<void>((r) => {
      handle.stream.on('end', r);
      handle.stream.on('error', () => r());
    });
    s.finished = (async () => {
      await Promise.race([streamDone, handle.exited.catch(() => undefined)]);
      await streamDone;
      const exit = s.pipeline.trace.end ? undefined : await handle.exited.catch((e: Error) => ({ code: 1, signal: null, error: e }));
      if (s.pipeline.trace.end) handle.detach();
      s.warnings.push(...s.pipeline.end());
      s.live = false;
      const end = s.pipeline.trace.end;
      s.ended = {
        reason: end ? EndReasonText.get(end.reason) ?? 'ended' : 'the tracer stopped without finishing the trace',
        error: end || (exit && exit.code === 0) ? null : lastError || `the tracer exited with status ${exit?.code ?? '?'}`,
      };
      rejectStarted(new Error(s.ended.error ?? 'the tracer stopped before attaching'));
      await s.writer?.finish(s.pipeline).catch((e: Error) => s.warnings.push(e.message));
      s.writer = undefined;
      s.changed(true);
    })();
    return { session: s, started };
  }

  /** Resolves when a live recording has ended and its file is complete. */
  whenFinished(): Promise<void> {
    return this.finished;
  }

  /** Stop recording (the tracer detaches; the target carries on). */
  stop(): void {
    this.tracer?.stop();
  }

  /** Listen for changes (throttled while live). */
  onDidChange(l: SessionListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private changed(now = false): void {
    if (now) {
      if (this.notifyTimer) clearTimeout(this.notifyTimer);
      this.notifyTimer = undefined;
      for (const l of this.listeners) l();
      return;
    }
    if (this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      for (const l of this.listeners) l();
    }, 250);
  }

  /** The trace as a whole. */
  summary(): TraceSummary {
    const t = this.pipeline.trace;
    const meta = t.meta ?? {};
    const missing = meta.missing_tracepoints ?? [];
    return {
      title: this.title,
      duration: ns(this.store.duration),
      live: this.live,
      paused: this.paused,
      tracks: this.store.tracks.all(),
      events: this.store.size,
      dropped: t.drops.total,
      wallClockStartMs: t.origin?.real ? t.origin.real / 1e6 : 0,
      note: `${meta.backend === 'ebpf' ? 'eBPF' : meta.backend ?? 'unknown'} backend${meta.kernel ? ` · kernel ${meta.kernel}` : ''}${missing.length ? ` · not visible here: ${missing.join(', ')}` : ''}${meta.cannot_see?.length ? ` · cannot see: ${meta.cannot_see.join('; ')}` : ''}${this.warnings.length ? ` · ${this.warnings.join('; ')}` : ''}`,
    };
  }

  window(start: Ns, end: Ns, resolution: Ns): WindowData {
    return queryWindow(this.store, start, end, resolution);
  }

  details(id: number): EventDetails | null {
    const e = this.store.get(id);
    return e ? eventDetails(this.store, this.pipeline.resolver, this.sites, id, this.pipeline.trace.processes.threadName(e.pid, e.tid)) : null;
  }

  histogram(id: number, scope: 'kind' | 'site'): Histogram {
    return histogram(this.store, this.sites, id, scope);
  }

  rate(): Rate {
    return rate(this.store);
  }

  /**
   * The findings so far, ranked, with their lines (the store's ids as their events). Asking
   * changes nothing: a live recording can be asked again as it grows.
   */
  findings(): Finding[] {
    const resolver = this.pipeline.resolver;
    return resolveFindings(this.analyzer.result(siteKeyOf(resolver)).findings, resolver);
  }

  /** The wake-up chain of a wait or blocking call of at least 1 ms (store id), innermost hop first. */
  chainOf(id: number): readonly ChainHop[] {
    return this.analyzer.chainOf(id) ?? [];
  }

  /** The longest waits and blocking calls, at least `thresholdNs` long. */
  stalls(thresholdNs: number, limit?: number): number[] {
    return stalls(this.store, thresholdNs, limit);
  }

  /** Save the trace (complete, or what is recorded so far) to `path`. */
  async save(path: string): Promise<void> {
    if (this.live && this.writer) {
      // a snapshot: the stream read so far, up to its last whole record, then the symbols known now
      await this.writer.flush();
      const whole = this.pipeline.reader.stats.bytes - this.pipeline.reader.pendingBytes;
      const snapshot = await TraceFileWriter.create(path);
      if (whole > 0) {
        const input = createReadStream(this.file, { start: 0, end: whole - 1 });
        for await (const chunk of input) snapshot.write(chunk as Buffer);
      }
      await snapshot.finish(this.pipeline);
      return;
    }
    await this.finished;
    await copyFile(this.file, path);
  }

  /** Stop and forget: the temporary recording goes away. */
  async dispose(): Promise<void> {
    this.stop();
    this.listeners.clear();
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    if (this.tempDir) {
      await this.finished.catch(() => undefined);
      await rm(this.tempDir, { recursive: true, force: true });
    }
  }
}
