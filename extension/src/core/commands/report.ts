/**
 * `iolens report FILE` and `iolens dump FILE`: a trace file summarized and diagnosed, or replayed
 * event by event.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { BatchedAnalyzer } from '../analysis/batch';
import { siteKeysOf } from '../analysis/resolve';
import { atLeast } from '../analysis/severity';
import type { AnalysisResult, Severity } from '../analysis/types';
import { formatEventLine } from '../format/line';
import { JsonLines, type JsonStacks } from '../format/jsonl';
import type { TraceEvent } from '../model/events';
import { ReportBuilder } from '../report/aggregate';
import { reportJson } from '../report/json';
import { debuginfodNotes } from '../report/stackEnds';
import { renderReport, type ReportInput } from '../report/render';
import { readTraceFile } from '../trace/file';
import { rereadTraceStream } from '../trace/fileReader';
import type { DebuginfodOptions } from '../symbols/debuginfod';
import { TracePipeline } from '../trace/pipeline';

/** The analysis of a trace not analysed (`--no-analysis`; a paged trace's, until its pass in the background is done). */
export const NO_ANALYSIS: AnalysisResult = { findings: [], threads: [], processes: [], loops: [], sites: [], filtered: [], minDurationNs: null };

/** Exit status of `report --fail-on` when a finding at least that severe exists. */
export const EXIT_FINDINGS = 3;

/** Options of `iolens report`. */
export interface ReportOptions {
  readonly symbolPath?: readonly string[];
  /** One JSON document instead of the text. */
  readonly json?: boolean;
  /** Exit with EXIT_FINDINGS when a finding at least this severe exists. */
  readonly failOn?: Severity;
  /** Skip the analysis (the figures only): for measuring what it costs. */
  readonly noAnalysis?: boolean;
  /** Events the analysis is handed at a time (analysis/batch.ts; default BATCH, 1: one by one): for measuring what batching saves. */
  readonly analysisBatch?: number;
  /** Base of relative paths (default: the working directory). */
  readonly cwd?: string;
  /** Fetch the debug files of modules without lines from these servers (`--debuginfod`). */
  readonly debuginfod?: DebuginfodOptions;
  /**
   * Each event's id, asked once an event in stream order (default: its ordinal) — the editor's
   * paged trace gives its store's (store/eventIds.ts), so the findings name the events it shows.
   */
  readonly eventIds?: () => number;
  /** Told the file bytes read so far, chunk by chunk. */
  readonly progress?: (bytesRead: number) => void;
}

/**
 * Read a trace file once, building the report's figures and running the analysis in the same
 * pass. Event ids are the events' ordinals in the stream (as `iolens dump` prints them), unless
 * `o.eventIds` gives them.
 */
export async function analyzeTraceFile(path: string, o: ReportOptions = {}): Promise<ReportInput> {
  let builder = new ReportBuilder();
  // fed in batches (analysis/batch.ts): the same result, in less CPU time
  let analyzer: BatchedAnalyzer | undefined;
  let id = 0;
  const nextId = o.eventIds ?? ((): number => id++);
  const { pipeline, warnings } = await readTraceFile(
    path,
    (e) => {
      builder.add(e);
      analyzer?.add(e, nextId());
    },
    {
      symbolPath: o.symbolPath,
      debuginfod: o.debuginfod,
      onChunk: o.progress,
      onPipeline: (p) => {
        if (!o.noAnalysis) analyzer = new BatchedAnalyzer(p.trace, {}, o.analysisBatch);
        // the analysis' call sites count the syscalls for the report's per-thread table too (one histogram per call)
        builder = new ReportBuilder(p.trace.uioDevices, analyzer ?? null);
      },
    },
  );
  await pipeline.fetchDebugInfo();
  const analysis = analyzer?.result(siteKeysOf(pipeline.resolver)) ?? NO_ANALYSIS;
  analyzer?.dispose();
  return { title: path, trace: pipeline.trace, builder, analysis, resolver: pipeline.resolver, cwd: o.cwd ?? process.cwd(), warnings };
}

/** Print the report of a trace file. Returns the exit status. */
export async function report(path: string, out: Writable, err: Writable, o: ReportOptions = {}): Promise<number> {
  const input = await analyzeTraceFile(path, o);
  const text = o.json ? JSON.stringify(reportJson(input), null, 1) + '\n' : renderReport(input);
  if (!out.write(text)) await once(out, 'drain');
  for (const w of input.warnings) err.write(`iolens: warning: ${path}: ${w}\n`);
  for (const n of input.resolver.substitutionNotes()) err.write(`iolens: note: ${n}\n`);
  for (const n of debuginfodNotes(input.resolver)) err.write(`iolens: note: ${n}\n`);
  const failOn = o.failOn;
  if (failOn) {
    const bad = input.analysis.findings.filter((f) => atLeast(f.severity, failOn));
    if (bad.length) {
      err.write(`iolens: ${bad.length} finding${bad.length > 1 ? 's' : ''} of severity ${failOn} or worse\n`);
      return EXIT_FINDINGS;
    }
  }
  return 0;
}

/**
 * Print every event of a trace file, as readable lines or JSON lines. Two passes: the symbol
 * section is at the end of the file, and a trace of millions of events is never held in memory.
 */
export async function dump(
  path: string,
  o: { jsonl: boolean; jsonStacks?: JsonStacks; color: boolean; out: Writable; err: Writable; symbolPath?: readonly string[] },
): Promise<number> {
  const { pipeline: context, warnings } = await readTraceFile(path, () => undefined, { events: false, symbolPath: o.symbolPath });
  const ctx = {
    threadName: (pid: number, tid: number) => context.trace.processes.threadName(pid, tid),
    stack: (id: bigint) => context.resolver.resolve(id),
    cwd: process.cwd(),
    color: o.color,
  };
  const json = new JsonLines(o.jsonStacks ?? 'table', ctx.stack);
  let batch: TraceEvent[] = [];
  const replay = new TracePipeline((e) => batch.push(e), { symbolizer: null });
  const write = async (events: TraceEvent[]): Promise<void> => {
    const text = events.map((e) => (o.jsonl ? json.lines(e) : formatEventLine(e, ctx) + '\n')).join('');
    if (text && !o.out.write(text)) await once(o.out, 'drain');
  };
  for await (const chunk of rereadTraceStream(path)) {
    const ok = replay.push(chunk);
    const ready = batch;
    batch = [];
    await write(ready);
    if (!ok) break;
  }
  replay.end();
  await write(batch);
  for (const w of warnings) o.err.write(`iolens: warning: ${path}: ${w}\n`);
  for (const n of context.resolver.substitutionNotes()) o.err.write(`iolens: note: ${n}\n`);
  return 0;
}
