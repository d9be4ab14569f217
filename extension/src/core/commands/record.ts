/**
 * `iolens record`: run the tracer, save the trace file at the speed the tracer writes it, show each
 * event as it happens (event lines or JSON lines, never holding the recording back: liveOutput.ts),
 * and end with what was recorded and what was lost. Every output is opened before the tracer
 * starts, so a mistake in a path costs nothing; a stop (Ctrl-C, --duration) ends it within a second.
 */
import { getPriority, setPriority } from 'node:os';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { endReasonText } from '../model/labels';
import { formatEventLine, type LineContext } from '../format/line';
import { JsonLines, skippedJsonLine, type JsonStacks } from '../format/jsonl';
import { formatCount } from '../../../../shared/format';
import { TraceFileWriter } from '../trace/file';
import { describeFlightWindow, type FlightOptions } from '../trace/flight';
import { UntilStop } from '../trace/until';
import { StreamIntake } from '../trace/intake';
import { debuginfodNotes } from '../report/stackEnds';
import type { DebuginfodOptions } from '../symbols/debuginfod';
import { TracePipeline } from '../trace/pipeline';
import { onTracerDiagnostics, startTracer, type StartTracer, type TracerOptions } from '../tracer/spawn';
import { LiveOutput } from './liveOutput';
import { addOverviewAfterWriting } from './overview';
import { fileProblem } from '../errors';

/** Options of `iolens record`. */
export interface RecordOptions extends TracerOptions, FlightOptions {
  /** Write the trace file here. */
  readonly output?: string;
  /** Fetch the debug files of modules without lines from these servers before the trace file's symbol section is written (`--debuginfod`). */
  readonly debuginfod?: DebuginfodOptions;
  /** Write JSON lines here ('-': `stdout`, instead of the readable lines). */
  readonly jsonl?: string;
  /** JSON lines carry each event's whole stack (default: a stack table, see format/jsonl.ts). */
  readonly jsonStacks?: JsonStacks;
  /** No readable lines. */
  readonly quiet?: boolean;
  readonly color?: boolean;
  /** Where the live lines go: a stream that writes off the main thread (fs.WriteStream on fd 1). */
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Stop when this signal fires (the CLI wires SIGINT/SIGTERM here). */
  readonly stopSignal?: AbortSignal;
  /** Leave the whole trace's overview out of the trace file (`--no-overview`): the command ends sooner after a long recording. */
  readonly noOverview?: boolean;
  /**
   * The nice value the overview's pass runs at (the command line: 19), then back to the one before:
   * a program attached to goes on running while the file is read back, and keeps the CPU.
   */
  readonly overviewNice?: number;
  /**
   * The overview's pass at the end (below) stops, the file kept without it, when this fires (the
   * CLI: a second Ctrl-C) or when `stopSignal` fires during the pass.
   */
  readonly leaveOutOverview?: AbortSignal;
  /** What starts the tracer (default startTracer; a replay of a stream for tests and benches). */
  readonly start?: StartTracer;
}

/** After a stop or the end, the live outputs get this long to be taken by their readers (ms). */
const FINISH_MS = 300;
/** What the live outputs still hold is formatted for this long at the end (ms), for this long
 * after a stop: the rest is left out, counted. */
const FINISH_FORMAT_MS = 200;
const STOP_FORMAT_MS = 20;
/** After a stop asked for (Ctrl-C, --until), resolving the stacks not resolved yet for the trace
 * file's symbol section stops after this long (ms); the rest are left out, said (the file still
 * opens, resolved from the binaries; `iolens symbolize` adds them). A recording that ends by itself
 * or at its --duration resolves every stack: it was asked for whole. */
const STOP_SYMBOLS_MS = 150;
/** An event read this long after it ended means the CLI reads the stream late (ns). */
const MAX_LATE_NS = 250e6;

/** CLOCK_MONOTONIC in ns, the tracer's clock. */
const monoNs = (): number => Number(process.hrtime.bigint());

/** Why a file cannot be written, in words. */
function cannotWrite(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why = (code !== undefined ? fileProblem(code, true) : undefined) ?? (e instanceof Error ? e.message : String(e));
  return `cannot write ${path}: ${why}`;
}

/** Run a recording; resolves with the process exit code. */
export async function record(o: RecordOptions): Promise<number> {
  // every output first: a path that cannot be written is said before anything is attached
  let writer: TraceFileWriter | undefined;
  let jsonFile: WriteStream | undefined;
  try {
    if (o.output) writer = await TraceFileWriter.create(o.output, { keep: o.keep, until: o.until !== undefined }).catch((e: unknown) => Promise.reject(new Error(cannotWrite(o.output!, e))));
    if (o.jsonl && o.jsonl !== '-') {
      const fh = await open(o.jsonl, 'w').catch((e: unknown) => Promise.reject(new Error(cannotWrite(o.jsonl!, e))));
      jsonFile = createWriteStream('', { fd: fh.fd, autoClose: true, highWaterMark: 1 << 16 });
    }
  } catch (e) {
    await writer?.discard();
    o.stderr.write(`iolens: ${(e as Error).message}\n`);
    return 1;
  }
  const jsonOut = o.jsonl === '-' ? o.stdout : jsonFile;
  const lineOut = o.quiet || o.jsonl === '-' ? undefined : o.stdout;
  const lives: LiveOutput[] = [];
  let until: UntilStop | undefined;
  const pipeline: TracePipeline = new TracePipeline(
    (e) => {
      until?.add(e);
      // the stream is read late (the CLI has more to do than it can): catch up first
      const late = pipeline.trace.origin ? monoNs() - (pipeline.trace.origin.mono + e.ts + ('dur' in e && e.dur ? e.dur : 0)) : 0;
      if (late > MAX_LATE_NS) lives.forEach((l) => l.fellBehind());
      else lives.forEach((l) => l.push(e));
    },
    // a target in a container: its binaries are read through /proc/PID/root while it runs
    { events: jsonOut !== undefined || lineOut !== undefined || o.until !== undefined, liveRoots: true, debuginfod: o.debuginfod },
  );
  const resolve = (id: bigint): ReturnType<typeof pipeline.resolver.resolve> => pipeline.resolver.resolve(id);
  if (lineOut) {
    const ctx: LineContext = {
      threadName: (pid, tid) => pipeline.trace.processes.threadName(pid, tid),
      stack: resolve,
      cwd: process.cwd(),
      color: o.color ?? false,
    };
    lives.push(new LiveOutput(lineOut, {
      event: (e) => formatEventLine(e, ctx) + '\n',
      skipped: (n) => `… ${formatCount(n)} event${n === 1 ? '' : 's'} not shown here: the output could not keep up (the trace file has every one)\n`,
    }));
  }
  if (jsonOut) {
    const json = new JsonLines(o.jsonStacks ?? 'table', resolve);
    lives.push(new LiveOutput(jsonOut, { event: (e) => json.lines(e), skipped: (n) => skippedJsonLine(n) + '\n' }));
  }

  if (pipeline.symbolizerError) o.stderr.write(`iolens: warning: ${pipeline.symbolizerError}\n`);
  const handle = (o.start ?? startTracer)(o);
  for (const note of handle.notes) o.stderr.write(`iolens: ${note}\n`);
  let stoppedAt = 0;
  /** Stopped by the user or --until (not at the end of --duration): the symbol section gets STOP_SYMBOLS_MS. */
  let interrupted = false;
  let durationTimer: NodeJS.Timeout | undefined;
  const stopping = (): void => {
    stoppedAt ||= Date.now();
    pipeline.decodeEvents = false; // the rest of the stream is read at full speed; shown: what came before
  };
  const onStop = (): void => {
    interrupted = true;
    stopping();
    handle.stop();
  };
  if (o.until) until = new UntilStop(o.until, pipeline, writer, (text) => o.stderr.write(`iolens: ${text}\n`), onStop);
  pipeline.onEventSkipped = () => lives.forEach((l) => l.skipUndecoded());
  o.stopSignal?.addEventListener('abort', onStop);
  let lastDiagnostic = '';
  onTracerDiagnostics(handle.log, (line) => {
    lastDiagnostic = line;
    o.stderr.write(`iolens: ${line}\n`);
  });
  let announced = false;
  // the trace file gets every byte at once; the pipeline a few ms of work at a time, so a Ctrl-C
  // is seen at once at any event rate
  const intake = new StreamIntake(handle.stream, pipeline, writer);
  intake.onProgress = () => {
    if (announced || !pipeline.trace.start) return;
    announced = true;
    o.stderr.write(`iolens: ${describeStart(pipeline)} (Ctrl-C stops)\n`);
    // the tracer stops by itself then: from that moment the rest is read at full speed too
    if (o.durationS) durationTimer = setTimeout(() => stopping(), o.durationS * 1000);
  };
  const streamDone = intake.done;
  const resolvedAhead = new Set<bigint>();
  const timer = setInterval(() => {
    // after a stop nothing more is formatted or resolved: the rest of the stream is only counted
    if (stoppedAt) return;
    until?.check();
    lives.forEach((l) => l.tick());
    if (writer || lives.length) resolveAhead(pipeline, resolvedAhead);
    // a live view that cannot keep up needs no events decoded until it can again
    if (lives.length) pipeline.decodeEvents = lives.some((l) => l.keepingUp) || until !== undefined;
  }, 50);
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  try {
    await Promise.race([streamDone, handle.exited]);
    await streamDone;
    // a complete recording: the tracer is gone or going (its probes come off in the background)
    exit = pipeline.trace.end ? { code: 0, signal: null } : await handle.exited;
    handle.detach();
  } finally {
    clearInterval(timer);
    clearTimeout(durationTimer);
    until?.dispose();
    o.stopSignal?.removeEventListener('abort', onStop);
  }
  const warnings = pipeline.end();
  const deadline = (stoppedAt || Date.now()) + FINISH_MS;
  // what the reader could not be handed by the deadline is left out, counted, and said last
  await Promise.all(lives.map((l) => l.finish(deadline, stoppedAt ? STOP_FORMAT_MS : FINISH_FORMAT_MS)));
  for (const l of lives) if (l.error) o.stderr.write(`iolens: warning: the live output failed: ${l.error.message}\n`);
  // (a tracer that refused wrote nothing: its own message says why, not "the stream is empty")
  if (pipeline.reader.header) for (const w of warnings) o.stderr.write(`iolens: warning: ${w}\n`);
  const skipped = lives.reduce((n, l) => n + l.skippedTotal, 0);
  if (!pipeline.reader.header) {
    // the tracer refused (no such process, no permission...): it said why; there is no trace
    await writer?.discard();
    if (!lastDiagnostic) o.stderr.write(`iolens: the tracer exited (status ${exit.code ?? exit.signal}) without writing anything\n`);
    return exit.code || 1;
  }
  summarize(o, pipeline, skipped);
  if (writer) {
    try {
      // the symbol section names the Java methods compiled until the end
      for (const n of await pipeline.askJvmsForPerfMaps()) o.stderr.write(`iolens: note: ${n}\n`);
      if (o.debuginfod) {
        // stopped (Ctrl-C, --duration): the modules of the stacks resolved while recording, so
        // that resolving the rest keeps within the symbol section's budget
        await (stoppedAt ? pipeline.resolver.fetchDebugInfo() : pipeline.fetchDebugInfo());
        for (const n of debuginfodNotes(pipeline.resolver)) o.stderr.write(`iolens: note: ${n}\n`);
      }
      const { left, flight } = await writer.finish(pipeline, interrupted ? STOP_SYMBOLS_MS : Infinity);
      if (flight) o.stderr.write(`iolens: ${describeFlightWindow(flight, pipeline.trace.origin?.mono ?? 0)}\n`);
      if (left) {
        o.stderr.write(`iolens: ${formatCount(left)} stack${left === 1 ? ' was' : 's were'} not resolved in time for the trace file's symbol section (the file resolves ${left === 1 ? 'it' : 'them'} from the binaries on this machine); \`iolens symbolize ${writer.path} -o OUT.iolens\` adds ${left === 1 ? 'it' : 'them'}\n`);
      }
      if (!o.noOverview) await addOverview(o, writer.path);
      o.stderr.write(`iolens: trace written to ${writer.path}; summarize it with \`iolens report ${writer.path}\`\n`);
    } catch (e) {
      o.stderr.write(`iolens: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  }
  if (exit.signal) return 1;
  return exit.code ?? 1;
}

/**
 * Give the trace file written the whole trace's overview (commands/overview.ts), made by reading
 * the file back as the editor reads it (the pipeline here decodes no events and holds no store),
 * once the recording is over and the file complete: it costs the traced program nothing. A flight
 * recording's file is its window, and so is its overview. A second stop leaves it out.
 */
async function addOverview(o: RecordOptions, path: string): Promise<void> {
  const pass = new AbortController();
  const leave = (): void => pass.abort();
  o.leaveOutOverview?.addEventListener('abort', leave);
  if (o.leaveOutOverview?.aborted) leave();
  const stopListened = o.stopSignal && !o.stopSignal.aborted ? o.stopSignal : undefined;
  stopListened?.addEventListener('abort', leave);
  const nice = o.overviewNice !== undefined ? renice(o.overviewNice) : undefined;
  try {
    await addOverviewAfterWriting(path, o.stderr, pass.signal);
  } finally {
    if (nice !== undefined) renice(nice);
    o.leaveOutOverview?.removeEventListener('abort', leave);
    stopListened?.removeEventListener('abort', leave);
  }
}

/** Set this thread's nice value (new threads inherit it); returns the one before, undefined when it could not be read or set. */
function renice(value: number): number | undefined {
  try {
    const before = getPriority();
    setPriority(value);
    return before;
  } catch {
    // not allowed (raising priority back needs CAP_SYS_NICE): the pass runs as it is
    return undefined;
  }
}

/**
 * Resolve the stacks that came, a few milliseconds' worth at a time while recording (loading a
 * library's debug information the first time it is needed), so that the trace file's symbol
 * section costs little when the recording ends.
 */
function resolveAhead(p: TracePipeline, done: Set<bigint>, budgetMs = 10): void {
  const start = Date.now();
  for (const id of p.trace.stacks.keys()) {
    if (done.has(id)) continue;
    if (Date.now() - start > budgetMs) return;
    p.resolver.resolve(id);
    if (p.resolver.settled(id)) done.add(id);
  }
}

/** "recording pid 812 (nginx) and its 2 child processes 813, 814". */
function describeStart(p: TracePipeline): string {
  const start = p.trace.start!;
  const procs = p.trace.processes;
  const name = procs.find(start.pid)?.name;
  const command = p.trace.meta?.command?.[0]?.split('/').pop();
  let text = `recording pid ${start.pid}${name || command ? ` (${name || command})` : ''}`;
  const others = start.processes - 1;
  if (others > 0) {
    const pids = procs.all().filter((q) => q.pid !== start.pid).map((q) => q.pid).sort((a, b) => a - b);
    const shown = pids.slice(0, 8).join(', ') + (pids.length > 8 ? ', …' : '');
    text += ` and ${others === 1 ? 'its child process' : `${formatCount(others)} processes descending from it:`} ${shown}`;
  }
  return text;
}

function summarize(o: RecordOptions, p: TracePipeline, skipped: number): void {
  const t = p.trace;
  const procs = t.processes.all();
  const threads = procs.reduce((n, pr) => n + pr.threads.size, 0);
  const lost = t.drops.total;
  const lostText = lost
    ? `LOST ${formatCount(lost)} records (${[...t.drops.bySource].map(([s, n]) => `${formatCount(n)} ${s}`).join(', ')})`
    : '0 lost';
  const reason = endReasonText(t.end);
  o.stderr.write(`iolens: ${formatCount(t.events)} events from ${procs.length} process${procs.length === 1 ? '' : 'es'} and ${threads} thread${threads === 1 ? '' : 's'}, ${lostText}; ${reason}\n`);
  if (skipped) o.stderr.write(`iolens: ${formatCount(skipped)} of them not shown live (the output could not keep up); \`iolens dump\` shows every one\n`);
  if (t.start?.untracedChildren) {
    o.stderr.write(`iolens: ${formatCount(t.start.untracedChildren)} existing child process${t.start.untracedChildren === 1 ? ' was' : 'es were'} not traced (--no-children)\n`);
  }
  const blind = t.meta?.cannot_see ?? [];
  if (blind.length) o.stderr.write(`iolens: the ${t.meta?.backend ?? ''} backend cannot see: ${blind.join('; ')}\n`);
}
