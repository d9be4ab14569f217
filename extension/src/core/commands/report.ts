/**
 * `iolens report FILE` and `iolens dump FILE`: a trace file summarized, or replayed event by event.
 */
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { formatEventLine } from '../format/line';
import { JsonLines, type JsonStacks } from '../format/jsonl';
import type { TraceEvent } from '../model/events';
import { ReportBuilder } from '../report/aggregate';
import { renderReport } from '../report/render';
import { readTraceFile } from '../trace/file';
import { TracePipeline } from '../trace/pipeline';

/** Print the report of a trace file. */
export async function report(path: string, out: Writable, err: Writable, symbolPath: readonly string[] = []): Promise<number> {
  let builder = new ReportBuilder();
  const { pipeline, warnings } = await readTraceFile(path, (e) => builder.add(e), {
    symbolPath,
    onPipeline: (p) => (builder = new ReportBuilder(p.trace.uioDevices)),
  });
  out.write(renderReport({ title: path, trace: pipeline.trace, builder, resolver: pipeline.resolver, cwd: process.cwd(), warnings }));
  for (const w of warnings) err.write(`iolens: warning: ${path}: ${w}\n`);
  for (const n of pipeline.resolver.substitutionNotes()) err.write(`iolens: note: ${n}\n`);
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
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const chunk of input) {
    const ok = replay.push(chunk as Buffer);
    const ready = batch;
    batch = [];
    await write(ready);
    if (!ok) break;
  }
  input.destroy();
  replay.end();
  await write(batch);
  for (const w of warnings) o.err.write(`iolens: warning: ${path}: ${w}\n`);
  for (const n of context.resolver.substitutionNotes()) o.err.write(`iolens: note: ${n}\n`);
  return 0;
}
