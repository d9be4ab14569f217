/**
 * A trace as an editor shows it: read from a file (progressively: the timeline fills while the
 * file is read, and a file that is no trace says why), or recorded live from the tracer into a
 * columnar store (and into a temporary trace file, so it can be saved at any moment). Answers the
 * timeline's questions. No VS Code here: the extension wraps it.
 */
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { EventDetails, EventRef, Histogram, Ns, Rate, TraceProblem, TraceSummary, TrackInfo, WindowData } from '../../../../protocol/messages';
import { ns } from '../../../../protocol/messages';
import { cannotRead, describeError, errorMessage, isUserError, UserError } from '../errors';
import { waitStatusText } from '../model/names';
import { importStrace, type ImportOptions, type ImportResult } from '../commands/import';
import { BatchedAnalyzer } from '../analysis/batch';
import { resolveFindings, siteKeysOf } from '../analysis/resolve';
import type { AnalysisResult, ChainHop, Finding } from '../analysis/types';
import { CallSites, histogram, rate, stalls } from '../store/analysis';
import { eventDetails } from '../store/details';
import { extendSummaries, summaryTrimSteps } from '../store/summary';
import { compileFilter, findOccurrence, summarizeFilter, type EventFilter, type FilterSummary } from '../store/filter';
import { decodeOverview, encodeOverview, overviewAnswers, overviewWindow, type TraceOverview } from '../store/overview';
import { PagedStore, PagedUnavailable } from '../store/pagedStore';
import { TraceStore, type StoredEvent } from '../store/traceStore';
import type { StackResolver } from '../symbols/stacks';
import { pagedAnalysisFailed, pagedFindingsNote, pagedNotice, pagedReason, pagedRefused, pagedUnavailable, type PagedAnalysisState, type PagedReason } from './pagedTrace';
import { analyseInBackground } from './backgroundAnalysis';
import { NO_ANALYSIS } from '../commands/report';
import { linksOf, queryWindow } from '../store/window';
import { assertIndexedTraceFile, putFileOverview, TraceFileWriter, unreadableTrace } from '../trace/file';
import { describeFlightWindow, type FlightOptions } from '../trace/flight';
import { UntilStop } from '../trace/until';
import { indexedEvents, newReadState, rampedSizes, readFileOverview, rereadTraceStream } from '../trace/fileReader';
import { readTraceStreamOffThread } from '../trace/offThreadRead';
import { TracePipeline } from '../trace/pipeline';
import { debuginfodNotes } from '../report/stackEnds';
import type { DebuginfodOptions } from '../symbols/debuginfod';
import { onTracerDiagnostics, startTracer, type StartTracer, type TracerHandle, type TracerOptions } from '../tracer/spawn';
import { endReasonText } from '../model/labels';
import { containerLine, containerName, describeContainer } from '../system/containers';

/** How a launched program ended. */
export interface ProgramExit {
  readonly pid: number;
  /** "exited with status 2", "was killed by SIGSEGV". */
  readonly text: string;
  /** A non-zero status or a signal. */
  readonly failed: boolean;
  /** The last lines it wrote to its standard error (up to a few kB). */
  readonly stderrTail: string;
}

/** How a live recording ended. */
export interface SessionEnd {
  readonly reason: string;
  /** The tracer failed (its last diagnostics). */
  readonly error: string | null;
  /** A launched program's own end, when it ended during the recording. */
  readonly program: ProgramExit | null;
}

/** Listener of session changes. */
export type SessionListener = () => void;

/** What a recording reports to, besides its session. */
export interface RecordingIo {
  readonly title: string;
  /** The tracer's diagnostic lines. */
  readonly log: (line: string) => void;
  /** A launched program's output as it comes. */
  readonly programOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** Source paths under this folder are shown relative to it (the workspace). */
  readonly sourceRoot?: string;
  /** Fetch the debug files of modules without lines from debuginfod (the `iolens.debuginfod.urls` setting). */
  readonly debuginfod?: DebuginfodOptions;
}

/** Options of a session read from a file. */
export interface OpenOptions {
  /** Where else to find the binaries it ran (a trace recorded on another machine). */
  readonly symbolPath?: readonly string[];
  /** Source paths under this folder are shown relative to it (the workspace). */
  readonly sourceRoot?: string;
  /** Fetch the debug files of modules without lines from debuginfod (the `iolens.debuginfod.urls` setting). */
  readonly debuginfod?: DebuginfodOptions;
  /**
   * Memory the trace may take, MiB (the `iolens.memoryBudgetMiB` setting): a file whose index
   * counts more events than fit opens paged (pagedTrace.ts). Undefined: always in memory.
   */
  readonly memoryBudgetMiB?: number;
}


/** Waits and blocking calls from this long keep their wake-up chain (the timeline draws it). */
const CHAIN_FROM_NS = 1e6;
/** Bytes read from a trace file between two looks at the event loop (about 10 ms of decoding). */
const READ_CHUNK = 256 << 10;
/**
 * The first chunk's bytes, doubled chunk by chunk up to READ_CHUNK: the decoding code is not
 * optimized yet, and a first chunk of READ_CHUNK held the event loop 0.4-0.8 s.
 */
const FIRST_CHUNK = 16 << 10;
/** How much of a launched program's standard error is kept for the message when it fails. */
const STDERR_TAIL = 4096;
/** How often the analysis is redone while a trace grows, ms. */
const ANALYSIS_INTERVAL_MS = 1000;

/** The last `max` characters of `text`, starting at a line. */
function tail(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(-max);
  const nl = cut.indexOf('\n');
  return nl >= 0 && nl < cut.length - 1 ? cut.slice(nl + 1) : cut;
}

/** A trace being recorded or read. */
export class TraceSession {
  readonly pipeline: TracePipeline;
  readonly store: TraceStore;
  readonly sites: CallSites;
  /** The diagnosis, fed the same events as the store, with the store's ids (in batches, as the report's pass feeds it: analysis/batch.ts). */
  readonly analyzer: BatchedAnalyzer;
  /** Recording now. */
  live = false;
  /** The timeline stopped following (the recording goes on). */
  paused = false;
  ended: SessionEnd | undefined;
  /** Reading a file: bytes read and the file's size; null once read. */
  loading: { bytes: number; total: number } | null = null;
  /** Why the trace cannot be shown at all (a file that is no trace, unreadable), else null. */
  failure: UserError | null = null;
  /**
   * While a file is read: the whole trace's overview its footer holds (store/overview.ts), which
   * answers zoomed-out windows and lists the tracks until every event is read; then undefined.
   */
  private overview: TraceOverview | undefined;
  /** Opened paged (past the memory budget): why, known before any event is read; else undefined. */
  pagedBy: PagedReason | undefined;
  /** The paged store, once its pass over the file is done (the session's own store stays empty). */
  private paged: PagedStore | undefined;
  /** A paged trace's analysis, computed in a worker once the paged store is open (backgroundAnalysis.ts). */
  private pagedAnalysis: PagedAnalysisState = { state: 'waiting' };
  private pagedResult: AnalysisResult | undefined;
  private stopAnalysis: (() => Promise<void>) | undefined;
  private analysed: Promise<void> = Promise.resolve();
  /** Warnings (a file cut short...). */
  readonly warnings: string[] = [];
  /** What the user should know about the recorded runtime (TracerHandle's notes): its flags, or how to get its functions named. */
  readonly notes: string[] = [];
  private readonly listeners = new Set<SessionListener>();
  private tracer: Omit<TracerHandle, 'child'> | undefined;
  private writer: TraceFileWriter | undefined;
  private tempDir: string | undefined;
  private notifyTimer: NodeJS.Timeout | undefined;
  private finished: Promise<void> = Promise.resolve();
  private cancelled = false;
  /** A flight recording that ended: what its trace file kept, in words (else null). */
  flightWindow: string | null = null;
  /** A live recording's --until (trace/until.ts). */
  private until: UntilStop | undefined;
  /** A flight recording: its trace file is written when it ends (trace/flight.ts). */
  private flight = false;

  private constructor(
    readonly title: string,
    /** The trace file this session reads or writes. */
    public file: string,
    private readonly options: OpenOptions = {},
    /** Recorded here and now: a container's files are read through /proc/PID/root. */
    live = false,
  ) {
    this.pipeline = new TracePipeline((e) => {
      this.store.add(e);
      this.analyzer.add(e, this.store.lastRef);
      this.until?.add(e);
    }, { symbolPath: options.symbolPath ?? [], liveRoots: live, debuginfod: options.debuginfod, pointers: false });
    this.analyzer = new BatchedAnalyzer(this.pipeline.trace, { keepChainsFrom: CHAIN_FROM_NS });
    this.store = new TraceStore((pid, tid) => this.pipeline.trace.processes.threadName(pid, tid), this.pipeline.trace.uioDevices);
    this.sites = new CallSites(this.store, this.pipeline.resolver, options.sourceRoot);
  }

  private containerNoted = false;
  private debugInfo: Promise<string[]> = Promise.resolve([]);

  /**
   * With debuginfod on: fetch the debug files of the modules seen without lines (asynchronously:
   * the host's thread never waits on the network), then show their frames again. Resolves with
   * what debuginfod did, in words (also added to `notes`); never rejects.
   */
  private async fetchDebugInfo(): Promise<string[]> {
    const arrived = await this.pipeline.fetchDebugInfo();
    const notes = debuginfodNotes(this.pipeline.resolver).filter((n) => !this.notes.includes(n));
    this.notes.push(...notes);
    if (arrived) {
      this.sites.clear();
      this.changed(true);
    }
    return notes;
  }

  /** What debuginfod did for this trace, in words, once it is done (nothing when it is off). */
  whenDebugInfo(): Promise<string[]> {
    return this.debugInfo;
  }

  /** The target runs in a container: its group in the timeline says which, and its pid there. */
  private noteContainer(): void {
    const meta = this.pipeline.trace.meta;
    if (this.containerNoted || !meta?.namespace || !meta.pid) return;
    this.containerNoted = true;
    const ns = meta.namespace;
    const info = describeContainer(ns, this.live ? containerName(ns, this.pipeline.containerRoots?.path ?? null) : null);
    this.store.tracks.note(meta.pid, containerLine(ns, info));
  }

  /**
   * Start reading a trace file; returns at once. The store fills chunk by chunk (the event loop
   * turns between chunks, so the timeline can already be asked for windows), listeners hear of
   * the progress, and `whenFinished()` resolves once the file is read. A file that is no trace
   * ends with `failure` set (empty, not a trace, unreadable), never with a throw.
   */
  static load(path: string, title = path, options: OpenOptions = {}): TraceSession {
    const s = new TraceSession(title, path, options);
    s.loading = { bytes: 0, total: 0 };
    s.finished = s.read();
    return s;
  }

  /** Read a whole trace file; rejects (a UserError) when it is no trace. */
  static async open(path: string, title = path, options: OpenOptions = {}): Promise<TraceSession> {
    const s = TraceSession.load(path, title, options);
    await s.whenFinished();
    if (s.failure) throw new UserError(s.failure.code, `${path}: ${s.failure.message}`, s.failure.fix, s.failure.offset);
    return s;
  }

  /**
   * The whole trace's overview (store/overview.ts) of the trace file at `path`, made by reading it
   * as the editor opens it — so it is byte for byte what a session's store and summary give once
   * every event is read. Undefined when the trace has no events or `signal` aborts the read;
   * rejects (a UserError) when the file is no trace or cannot be read.
   */
  static async overviewOf(path: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    if (signal?.aborted) return undefined;
    const s = TraceSession.load(path);
    const stop = (): void => s.stop();
    signal?.addEventListener('abort', stop);
    try {
      await s.whenFinished();
      if (s.failure) throw new UserError(s.failure.code, `${path}: ${s.failure.message}`, s.failure.fix, s.failure.offset);
      return signal?.aborted ? undefined : encodeOverview(s.store, s.summary().tracks);
    } finally {
      signal?.removeEventListener('abort', stop);
      await s.dispose();
    }
  }

  /**
   * Give the finished trace file at `path` the overview of its own events (overviewOf), in place:
   * what a file written without a store (a flight recording's window, a snapshot) gets, so that
   * it opens showing the whole trace at once. Resolves false when it got none (no events, aborted);
   * rejects (a UserError) for a file that is no finished trace (format 1, cut short: no index).
   */
  static async addOverview(path: string, signal?: AbortSignal): Promise<boolean> {
    assertIndexedTraceFile(path);
    const overview = await TraceSession.overviewOf(path, signal);
    if (!overview || signal?.aborted) return false;
    await putFileOverview(path, overview);
    return true;
  }

  private async read(): Promise<void> {
    const progress = this.loading ?? { bytes: 0, total: 0 };
    try {
      progress.total = (await stat(this.file)).size;
      const overview = readFileOverview(this.file);
      this.overview = overview && decodeOverview(overview);
      if (this.overview) {
        // the timeline hears of the whole trace at once, and its windows are answered before the
        // index is read and the first block decoded here (one task held the event loop for both)
        this.changed(true);
        await new Promise((r) => setImmediate(r));
      }
      const events = indexedEvents(this.file);
      this.pagedBy = pagedReason(events, this.options.memoryBudgetMiB);
      if (this.pagedBy) await this.readPaged(this.pagedBy, progress);
      else await this.readWhole(events, progress);
    } catch (e) {
      // the file itself (missing, a folder, no permission): say so plainly
      this.failure = isUserError(e) ? e : cannotRead(this.file, e) ?? new UserError('file', `cannot read it: ${describeError(e).message}`, 'Check that the file exists and that you may read it.');
    }
    this.loading = null;
    this.overview = undefined;
    this.changed(true);
    if (!this.failure && !this.pagedBy && this.options.debuginfod) this.debugInfo = this.fetchDebugInfo();
    if (this.paged && !this.failure && !this.cancelled) this.analysed = this.analysePaged(this.paged);
  }

  /**
   * A paged trace's findings, I/O models and call sites: `iolens report`'s pass over the file in a
   * worker, the events named by the paged store's ids, its progress told as the trace's changes.
   * A failure is said (the notice, the Findings view) and the trace stays open; never rejects.
   */
  private async analysePaged(paged: PagedStore): Promise<void> {
    const run = analyseInBackground(this.file, {
      symbolPath: this.options.symbolPath,
      ids: paged.eventIds.exceptions(),
      progress: (fraction) => {
        this.pagedAnalysis = { state: 'running', fraction };
        this.changed();
      },
    });
    this.stopAnalysis = run.stop;
    this.pagedAnalysis = { state: 'running', fraction: 0 };
    this.changed(true);
    try {
      const result = await run.result;
      if (!result) return;
      this.pagedResult = result;
      this.pagedAnalysis = { state: 'done' };
    } catch (e) {
      this.pagedAnalysis = { state: 'failed', error: pagedAnalysisFailed(e, this.file) };
    } finally {
      this.stopAnalysis = undefined;
    }
    this.changed(true);
  }

  /** While a paged trace's findings are computed in the background, the fraction of the file read; else null. */
  get analysing(): number | null {
    const a = this.pagedAnalysis;
    return this.pagedBy && !this.failure && (a.state === 'waiting' || a.state === 'running') ? (a.state === 'running' ? a.fraction : 0) : null;
  }

  /** Why a paged trace's background analysis failed (the trace stays open), else null. */
  get analysisFailure(): UserError | null {
    return this.pagedAnalysis.state === 'failed' ? this.pagedAnalysis.error : null;
  }

  /** Resolves once a paged trace's background analysis has ended (done, failed or stopped); at once for any other trace. */
  async whenAnalysed(): Promise<void> {
    await this.finished;
    await this.analysed;
  }

  /**
   * Past the memory budget: one pass over the file into a paged store (its mipmaps within the
   * budget), the progress told as the fraction of its blocks read; a trace it refuses fails, saying why.
   */
  private async readPaged(why: PagedReason, progress: { bytes: number; total: number }): Promise<void> {
    this.changed(true);
    // a session disposed meanwhile stops the pass (thrown from its progress, between blocks)
    const stopped = new Error('stopped');
    try {
      this.paged = await PagedStore.open(this.file, {
        budget: why.budgetMiB * 2 ** 20,
        symbolPath: this.options.symbolPath,
        progress: (fraction) => {
          if (this.cancelled) throw stopped;
          progress.bytes = Math.floor(fraction * progress.total);
          this.changed();
        },
      });
      this.warnings.push(...this.paged.warnings);
    } catch (e) {
      if (e === stopped) return;
      if (!(e instanceof PagedUnavailable)) throw e;
      this.failure = pagedRefused(e.message, why, this.file);
    }
  }

  /** Every event into the store, chunk by chunk (the timeline shows what is read so far). */
  private async readWhole(events: number | undefined, progress: { bytes: number; total: number }): Promise<void> {
    const state = newReadState();
    // the store's columns made as long as the file's index says at once: no copy as they fill
    this.reserveFor(events);
    // read and unpacked by a worker; the pipeline keeps nothing of a chunk (the reader copies a
    // record cut short), so each block's buffer goes back to the worker once consumed
    for await (const chunk of readTraceStreamOffThread(this.file, state, rampedSizes(FIRST_CHUNK, READ_CHUNK))) {
      if (this.cancelled) break;
      progress.bytes = state.position;
      if (!this.pipeline.push(chunk)) break;
      // the chunk's events summarized now: no window, and not the read's end, builds them all at once
      extendSummaries(this.store);
      this.changed();
    }
    this.noteContainer();
    this.warnings.push(...state.warnings, ...this.pipeline.end());
    this.failure = unreadableTrace(this.pipeline) ?? null;
    extendSummaries(this.store);
    // the spare capacity dropped a column or a track at a time, the event loop turning between
    for (const step of [...this.store.trimSteps(), ...summaryTrimSteps(this.store)]) {
      step();
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Room in the store for the events a file's index counts: a hint only — a damaged index's count
   * the memory cannot hold leaves the columns to grow as they fill.
   */
  private reserveFor(events: number | undefined): void {
    if (!events) return;
    try {
      this.store.reserve(events);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
  }

  /**
   * An strace log in the timeline: imported (`iolens import`) into a trace file of the session's
   * own, removed with it. The import's result says what it skipped, line by line.
   */
  static async openStraceLog(
    log: string, title = log, options: ImportOptions & { sourceRoot?: string } = {},
  ): Promise<{ session: TraceSession; result: ImportResult }> {
    const dir = await mkdtemp(join(tmpdir(), 'iolens-import-'));
    try {
      const file = join(dir, `${basename(log)}.iolens`);
      const result = await importStrace(log, file, options);
      const session = await TraceSession.open(file, title, { symbolPath: options.symbolPath, sourceRoot: options.sourceRoot });
      session.tempDir = dir;
      return { session, result };
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Start recording. `started` resolves with the traced pid once the probes are attached, or
   * rejects (a UserError) with the tracer's explanation when it stopped before that.
   * `start` starts the tracer (a bench replays a captured stream through it).
   */
  static async record(
    options: TracerOptions, io: RecordingIo, flight: FlightOptions = {}, start: StartTracer = startTracer,
  ): Promise<{ session: TraceSession; started: Promise<number> }> {
    const { log, programOutput } = io;
    const dir = await mkdtemp(join(tmpdir(), 'iolens-session-'));
    const file = join(dir, 'recording.iolens');
    const s = new TraceSession(io.title, file, { sourceRoot: io.sourceRoot, debuginfod: io.debuginfod }, true);
    s.tempDir = dir;
    s.live = true;
    s.writer = await TraceFileWriter.create(file, { keep: flight.keep, until: flight.until !== undefined, offThread: true });
    s.flight = flight.keep !== undefined;
    let handle: Omit<TracerHandle, 'child'>;
    try {
      handle = start(options);
    } catch (e) {
      await s.writer.finish(s.pipeline).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    s.tracer = handle;
    s.notes.push(...handle.notes);
    const until = flight.until ? new UntilStop(flight.until, s.pipeline, s.writer, log, () => s.tracer?.stop()) : undefined;
    s.until = until;
    const untilTimer = until ? setInterval(() => until.check(), ANALYSIS_INTERVAL_MS) : undefined;
    let stderr = '';
    handle.programOutput.stdout?.setEncoding('utf8');
    handle.programOutput.stdout?.on('data', (text: string) => programOutput?.(text, 'stdout'));
    handle.programOutput.stderr?.setEncoding('utf8');
    handle.programOutput.stderr?.on('data', (text: string) => {
      stderr = tail(stderr + text, STDERR_TAIL);
      programOutput?.(text, 'stderr');
    });
    let lastError = '';
    let pid = 0;
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
    // the diagnostics, and a launched program's output, come on pipes of their own: the end is
    // judged once they are closed too (a failing program's last words may come after the stream's)
    const ended = (r: Readable): Promise<void> => new Promise<void>((done) => {
      r.once('end', done);
      r.once('close', done);
      r.once('error', () => done());
    });
    const logDone = ended(handle.log);
    // a launched program's own output comes on pipes of its own too: its last words may follow
    const programDone = Promise.all([handle.programOutput.stdout, handle.programOutput.stderr].map((r) => (r ? ended(r) : Promise.resolve())));
    handle.stream.on('data', (chunk: Buffer) => {
      s.writer?.write(chunk);
      s.pipeline.push(chunk);
      s.noteContainer();
      const start = s.pipeline.trace.start;
      if (start && !pid) resolveStarted((pid = start.pid));
      s.changed();
    });
    const streamDone = ended(handle.stream);
    s.finished = (async () => {
      await Promise.race([streamDone, handle.exited.catch(() => undefined)]);
      await streamDone;
      const exit = s.pipeline.trace.end ? undefined : await handle.exited.catch((e: Error) => ({ code: 1, signal: null, error: e }));
      await Promise.race([logDone, new Promise((r) => setTimeout(r, 1000))]);
      const exited = options.command?.length && s.pipeline.trace.processes.find(pid)?.exitCode != null;
      if (exited) await Promise.race([programDone, new Promise((r) => setTimeout(r, 1000))]);
      if (s.pipeline.trace.end) handle.detach();
      s.warnings.push(...s.pipeline.end());
      s.live = false;
      const end = s.pipeline.trace.end;
      const launched = options.command?.length ? s.pipeline.trace.processes.find(pid) : undefined;
      const program: ProgramExit | null =
        launched && launched.exitCode !== null
          ? { pid, text: waitStatusText(launched.exitCode), failed: launched.exitCode !== 0, stderrTail: stderr.trimEnd() }
          : null;
      s.ended = {
        reason: endReasonText(end),
        error: end || (exit && exit.code === 0) ? null : lastError || `the tracer exited with status ${exit?.code ?? '?'}`,
        program,
      };
      rejectStarted(new UserError('tracing', s.ended.error ?? 'the tracer stopped before attaching'));
      clearInterval(untilTimer);
      until?.dispose();
      s.until = undefined;
      // the trace file's symbol section names the Java methods compiled until the end
      s.warnings.push(...(await s.pipeline.askJvmsForPerfMaps()));
      // the trace file's symbol section gets the lines debuginfod has
      if (io.debuginfod) await (s.debugInfo = s.fetchDebugInfo());
      // the file gets the whole trace's overview, so that opening it shows the whole trace at once
      const written = await s.writer?.finish(s.pipeline, Infinity, () => encodeOverview(s.store, s.summary().tracks)).catch((e: Error) => void s.warnings.push(e.message));
      // the timeline keeps every event it was shown; the trace file, what it saves, is the window
      // a flight recording's file is a window of what the store saw: its overview, from the window
      if (written?.flight) await TraceSession.addOverview(file).catch((e: Error) => void s.warnings.push(e.message));
      if (written?.flight) s.flightWindow = `${describeFlightWindow(written.flight, s.pipeline.trace.origin?.mono ?? 0)} (in the trace file, which Save Trace… writes; the timeline shows the whole recording)`;
      s.writer = undefined;
      s.changed(true);
    })();
    return { session: s, started };
  }

  /** Resolves when a live recording has ended and its file is complete, or a file is read. */
  whenFinished(): Promise<void> {
    return this.finished;
  }

  /** Stop recording (the tracer detaches; the target carries on), or stop reading a file. */
  stop(): void {
    this.cancelled = true;
    this.tracer?.stop();
    // the worker ended (its result then resolves undefined); terminate's own failure changes nothing
    this.stopAnalysis?.().catch(() => undefined);
  }

  /** Listen for changes (throttled while live or reading). */
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

  /** What stops the trace from being shown, or tells how the recording went wrong. */
  private problem(): TraceProblem | null {
    if (this.failure) return { message: this.failure.message, fix: this.failure.fix, fatal: true, severity: 'error' };
    if (this.pagedBy) return pagedNotice(this.pagedBy, this.file, this.pagedAnalysis);
    const p = this.ended?.program;
    if (p?.failed) {
      const name = this.pipeline.trace.processes.find(p.pid)?.name || this.title;
      return { message: `${name} ${p.text}`, fix: p.stderrTail ? `Its last output: ${tail(p.stderrTail, 400)}` : null, fatal: false, severity: 'error' };
    }
    if (this.ended?.error) return { message: `the recording failed: ${this.ended.error}`, fix: null, fatal: false, severity: 'error' };
    return null;
  }

  /** The trace as a whole. */
  summary(): TraceSummary {
    const t = this.pipeline.trace;
    const meta = t.meta ?? {};
    const missing = meta.missing_tracepoints ?? [];
    return {
      title: this.title,
      duration: ns(this.duration),
      live: this.live,
      paused: this.paused,
      loading: this.loading && this.loading.total ? Math.min(1, this.loading.bytes / this.loading.total) : this.loading ? 0 : null,
      problem: this.problem(),
      tracks: this.paged ? this.withModels(this.paged.trackInfos()) : this.overview?.tracks ?? this.withModels(this.store.trackInfos()),
      // the whole trace's while its overview stands for it (the fraction read says how far the read is)
      events: Math.max(this.store.size, this.paged?.size ?? 0, this.overview?.events ?? 0),
      dropped: t.drops.total,
      wallClockStartMs: t.origin?.real ? t.origin.real / 1e6 : 0,
      note: `${meta.backend === 'ebpf' ? 'eBPF' : meta.backend ?? 'unknown'} backend${meta.kernel ? ` · kernel ${meta.kernel}` : ''}${missing.length ? ` · not visible here: ${missing.join(', ')}` : ''}${meta.cannot_see?.length ? ` · cannot see: ${meta.cannot_see.join('; ')}` : ''}${this.warnings.length ? ` · ${this.warnings.join('; ')}` : ''}`,
    };
  }

  /** The end of the trace, ns since its start: what is read so far, or the whole trace's when its overview says. */
  get duration(): number {
    return Math.max(this.store.duration, this.paged?.duration ?? 0, this.overview?.duration ?? 0);
  }

  /**
   * Event `id` (a store id) as stored: from the store, or read back from the file when the trace
   * is opened paged; undefined when there is none (or it is not read yet).
   */
  event(id: number): StoredEvent | undefined {
    return this.paged ? this.paged.get(id) : this.store.get(id);
  }

  /** The stacks' resolver of the trace's events (the paged store's pass, when paged). */
  get resolver(): StackResolver {
    return this.paged?.resolver ?? this.pipeline.resolver;
  }

  /** The error of `feature`, which walks every event, when the trace is opened paged; else nothing to say. */
  private assertInMemory(feature: string): void {
    if (this.pagedBy) throw pagedUnavailable(feature, this.pagedBy, this.file);
  }

  /** Why what walks every event (the stalls) is unavailable for this trace, or null when it is not. */
  get unavailableWhy(): string | null {
    const n = this.pagedBy && pagedNotice(this.pagedBy, this.file, this.pagedAnalysis);
    return n ? `${n.message} ${n.fix}` : null;
  }

  /** Why a paged trace has no findings yet (computed in the background) or none at all (it failed); null when its findings are there, or for any other trace. */
  get findingsWhy(): string | null {
    return this.pagedBy ? pagedFindingsNote(this.pagedBy, this.pagedAnalysis) : null;
  }

  /** The name of thread `tid` of process `pid`, as the trace knows it (the paged store's pass, when paged). */
  threadName(pid: number, tid: number): string {
    return this.paged ? this.paged.threadName(pid, tid) : this.pipeline.trace.processes.threadName(pid, tid);
  }

  /**
   * What the timeline shows of [start, end) at `resolution`. While a file is read, a window its
   * overview answers (zoomed out, no filter) comes from it — every track across the whole trace —,
   * with the arrows read so far; any other from the events read so far.
   */
  window(start: Ns, end: Ns, resolution: Ns, filter = ''): WindowData {
    if (filter.trim()) this.assertInMemory('filtering');
    if (this.paged) return this.paged.window(start, end, resolution);
    const ov = this.overview;
    if (ov && !filter.trim() && overviewAnswers(ov, resolution)) {
      return { ...overviewWindow(ov, start, end, resolution), arrows: linksOf(this.store, start, end, resolution, null).arrows };
    }
    return queryWindow(this.store, start, end, resolution, this.filter(filter));
  }

  /** What the filter box's text matches in the whole trace. Throws (a UserError) when it makes no sense. */
  filterSummary(filter: string): FilterSummary {
    if (filter.trim()) this.assertInMemory('filtering');
    if (this.pagedBy) return { tracks: this.summary().tracks.map((t) => t.id), events: this.paged?.size ?? 0 };
    const f = this.filter(filter);
    return f ? summarizeFilter(this.store, f) : { tracks: this.store.tracks.all().map((t) => t.id), events: this.store.size };
  }

  /** The next (dir 1) or previous event of the kind or call site of `id`, matching `filter`. */
  find(id: number, dir: 1 | -1, scope: 'kind' | 'site', filter = ''): EventRef | null {
    this.assertInMemory(`finding the next event of the same ${scope === 'kind' ? 'kind' : 'call site'}`);
    return findOccurrence(this.store, this.sites, id, dir, scope, this.filter(filter));
  }

  private compiled: { key: string; filter: EventFilter | null } | undefined;

  /** The compiled filter of a text, kept while the text and what it was compiled from stay the same. */
  private filter(text: string): EventFilter | null {
    if (!text.trim()) return null;
    const s = this.store;
    const key = `${text}|${s.names.size}|${s.argTable.size}|${s.tracks.revision}`;
    if (this.compiled?.key !== key) {
      try {
        this.compiled = { key, filter: compileFilter(s, text) };
      } catch (e) {
        throw new UserError('usage', errorMessage(e));
      }
    }
    return this.compiled.filter;
  }

  details(id: number): EventDetails | null {
    if (this.paged) {
      // its block decoded again: its store, with the whole trace's tracks, threads and stacks
      const at = this.paged.locate(id);
      const p = this.paged;
      const d = at && eventDetails(at.store, p.resolver, new CallSites(at.store, p.resolver, this.options.sourceRoot), at.id, (pid, tid) => p.threadName(pid, tid));
      return d ? { ...d, id } : null;
    }
    const e = this.store.get(id);
    const processes = this.pipeline.trace.processes;
    return e ? eventDetails(this.store, this.pipeline.resolver, this.sites, id, (pid, tid) => processes.threadName(pid, tid), this.chainOf(id)) : null;
  }

  histogram(id: number, scope: 'kind' | 'site'): Histogram {
    this.assertInMemory('the latency histogram');
    return histogram(this.store, this.sites, id, scope);
  }

  rate(): Rate {
    this.assertInMemory('the event rate');
    return rate(this.store);
  }

  /**
   * The findings so far, ranked, with their lines (the store's ids as their events). Asking
   * changes nothing: a live recording can be asked again as it grows.
   */
  /**
   * The analysis of the trace so far: computed again when the trace changed, at most once a
   * second while it grows (live, or a file being read).
   */
  analysis(): AnalysisResult {
    // a paged trace's: from its pass in the background, once done
    if (this.pagedBy) return this.pagedResult ?? NO_ANALYSIS;
    const c = this.analysisCache;
    const revision = this.store.revision;
    const growing = this.live || !!this.loading;
    // (a trace that just ended is analysed again: its last records may have changed no event)
    if (c && c.growing === growing && (c.revision === revision || (growing && Date.now() - c.at < ANALYSIS_INTERVAL_MS))) return c.result;
    const result = this.analyzer.result(siteKeysOf(this.pipeline.resolver));
    this.analysisCache = { revision, growing, at: Date.now(), result };
    return result;
  }

  private analysisCache: { revision: number; growing: boolean; at: number; result: AnalysisResult } | undefined;

  /** `tracks` with each thread's I/O model (those with one of note). */
  private withModels(tracks: TrackInfo[]): TrackInfo[] {
    if (!tracks.some((t) => t.kind === 'thread')) return tracks;
    const models = new Map(this.analysis().threads.filter((t) => t.model !== 'none').map((t) => [`${t.pid}/${t.tid}`, t]));
    return tracks.map((t) => {
      const m = t.kind === 'thread' ? models.get(`${t.pid}/${t.tid}`) : undefined;
      return m ? { ...t, model: m.model, modelEvidence: m.evidence } : t;
    });
  }

  /** The findings of the current analysis, placed at their lines (resolved once per analysis: the
   * Problems panel, the Findings view and its refresh check all ask). */
  findings(): Finding[] {
    const result = this.analysis();
    if (this.findingsCache?.result !== result) this.findingsCache = { result, findings: resolveFindings(result.findings, this.resolver) };
    return this.findingsCache.findings;
  }

  private findingsCache: { result: AnalysisResult; findings: Finding[] } | undefined;

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
    if (this.live && this.flight) {
      throw new UserError('usage', 'a flight recording keeps its window in memory until it stops', 'Stop the recording, then save it.');
    }
    if (this.live && this.writer) {
      // a snapshot: the records so far (the recording's blocks), then the symbols known now
      await this.writer.flush();
      const snapshot = await TraceFileWriter.create(path);
      for await (const chunk of rereadTraceStream(this.file)) {
        snapshot.write(chunk);
        await snapshot.ready();
      }
      await snapshot.finish(this.pipeline);
      // a snapshot is not what the store holds (the records of the last block being filled are
      // not in it): its overview is made from its own events
      await TraceSession.addOverview(path).catch((e: Error) => void this.warnings.push(`the saved trace has no overview: ${e.message}`));
      return;
    }
    await this.finished;
    await copyFile(this.file, path);
  }

  /** Stop and forget: the temporary recording goes away. */
  async dispose(): Promise<void> {
    this.stop();
    await this.analysed;
    this.analyzer.dispose();
    this.paged?.close();
    this.listeners.clear();
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    if (this.tempDir) {
      await this.finished.catch(() => undefined);
      await rm(this.tempDir, { recursive: true, force: true });
    }
  }
}
