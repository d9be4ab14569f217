/**
 * `iolens export FILE.iolens --format perfetto|chrome -o OUT`: a trace for the tools people
 * already share traces with. Two passes over the file, as `dump`: the first learns what the
 * events refer to (processes, threads, UIO devices, the symbol section at the end), the second
 * streams the events through the mapper into the writer, so memory stays bounded on traces of
 * millions of events.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { BatchedAnalyzer } from '../analysis/batch';
import { resolveFindings, siteKeysOf } from '../analysis/resolve';
import type { Finding } from '../analysis/types';
import { FindingPlacer } from '../export/findings';
import type { TraceEvent } from '../model/events';
import { ChromeJsonWriter } from '../export/chromeWriter';
import { ExportMapper, type ExportCounts } from '../export/mapper';
import type { ExportSink } from '../export/model';
import { PerfettoWriter } from '../export/perfettoWriter';
import { readTraceFile } from '../trace/file';
import { rereadTraceStream } from '../trace/fileReader';
import { TracePipeline } from '../trace/pipeline';

/** The formats `export` writes. */
export const EXPORT_FORMATS = ['perfetto', 'chrome'] as const;
/** One of them. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The format an output file name asks for, if it says. */
export function formatOfPath(path: string): ExportFormat | undefined {
  if (/\.(pftrace|perfetto-trace|perfetto|pb)$/i.test(path)) return 'perfetto';
  if (/\.json$/i.test(path)) return 'chrome';
  return undefined;
}

/** What an export did. */
export interface ExportResult extends ExportCounts {
  readonly events: number;
  readonly bytes: number;
  /** Slices moved to an "(overlapping)" row because they did not nest on their own. */
  readonly overlapping: number;
  /** Problems found in the input (everything before them was exported). */
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

/** Options of an export. */
export interface ExportOptions {
  readonly format: ExportFormat;
  readonly symbolPath?: readonly string[];
  /** Leave the findings out (and skip the analysis: a faster export). Default: included. */
  readonly noFindings?: boolean;
  /** Perfetto: interned entries after which the incremental state is cleared (tests lower it). */
  readonly internLimit?: number;
}

/** Export `input` to `output`. */
export async function exportTrace(input: string, output: string, o: ExportOptions): Promise<ExportResult> {
  let analyzer: BatchedAnalyzer | undefined;
  let ordinal = 0;
  const { pipeline: context, warnings } = await readTraceFile(input, (e) => analyzer?.add(e, ordinal++), {
    events: !o.noFindings,
    symbolPath: o.symbolPath,
    onPipeline: (p) => {
      if (!o.noFindings) analyzer = new BatchedAnalyzer(p.trace);
    },
  });
  let findings: Finding[] = [];
  if (analyzer) {
    findings = resolveFindings(analyzer.result(siteKeysOf(context.resolver)).findings, context.resolver);
    analyzer.dispose();
  }
  const placer = new FindingPlacer(findings);
  const trace = context.trace;
  const stack = (id: bigint) => context.resolver.resolve(id);
  const out = createWriteStream(output);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  let bytes = 0;
  let waiting: Promise<void> | null = null;
  const write = (chunk: Uint8Array | string): void => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (!out.write(chunk) && !waiting) waiting = once(out, 'drain').then(() => undefined);
  };
  let writer: ExportSink & { end(): void };
  if (o.format === 'perfetto') {
    writer = new PerfettoWriter({ origin: trace.origin?.mono ?? 0, realtime: trace.origin?.real || null, stack, write, internLimit: o.internLimit });
  } else {
    writer = new ChromeJsonWriter({
      stack, write,
      otherData: { generator: 'iolens', source: input, backend: trace.meta?.backend ?? null, lost_records: trace.drops.total },
    });
  }
  let events = 0;
  let first: number | null = null;
  const box: { mapper?: ExportMapper } = {};
  const replay = new TracePipeline((e: TraceEvent) => {
    // the ordinal the analysis gave this event: the same stream, read in the same order
    const placed = placer.at(events++);
    first ??= e.ts;
    box.mapper?.add(e);
    for (const f of placed ?? []) box.mapper?.finding(f, e.ts);
  }, { symbolizer: null });
  // the replay's UIO devices: filled from uio_device records as they stream by, before their IRQs
  const mapper = new ExportMapper(
    writer,
    {
      processName: (pid) => trace.processes.find(pid)?.name ?? '',
      threadName: (pid, tid) => trace.processes.threadName(pid, tid),
    },
    replay.trace.uioDevices,
  );
  box.mapper = mapper;
  const input$ = rereadTraceStream(input);
  try {
    for await (const chunk of input$) {
      const ok = replay.push(chunk);
      if (waiting) {
        await Promise.race([waiting, failed]);
        waiting = null;
      }
      if (!ok) break;
    }
  } finally {
    await input$.return(undefined);
  }
  replay.end();
  for (const f of placer.rest()) mapper.finding(f, first ?? 0);
  mapper.finish();
  writer.end();
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  const notes: string[] = [...context.resolver.substitutionNotes()];
  if (mapper.tracks.overlapping) notes.push(`${mapper.tracks.overlapping} slices did not nest on their row and are on an "(overlapping)" row beside it`);
  return { ...mapper.counts, events, bytes, overlapping: mapper.tracks.overlapping, warnings, notes };
}

/** The CLI's face of export. */
export async function exportCommand(input: string, output: string, o: ExportOptions, out: Writable, err: Writable): Promise<number> {
  const r = await exportTrace(input, output, o);
  for (const w of r.warnings) err.write(`iolens: warning: ${input}: ${w}\n`);
  for (const n of r.notes) err.write(`iolens: note: ${n}\n`);
  const findings = o.noFindings ? '' : `, ${r.findings} finding${r.findings === 1 ? '' : 's'}`;
  out.write(`${output}: ${r.events} events as ${r.slices} slices, ${r.instants} instants and ${r.flows} flows${findings} (${o.format}, ${r.bytes} bytes)\n`);
  return 0;
}
