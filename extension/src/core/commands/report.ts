/**
 * `iolens report FILE` and `iolens dump FILE`: a trace file summarized, or replayed event by event.
 */
import type { Writable } from 'node:stream';
import { formatEventLine } from '../format/line';
import { eventJsonLine } from '../format/jsonl';
import type { TraceEvent } from '../model/events';
import { ReportBuilder } from '../report/aggregate';
import { renderReport } from '../report/render';
import { readTraceFile } from '../trace/file';

/** Print the report of a trace file. */
export async function report(path: string, out: Writable, err: Writable): Promise<number> {
  const builder = new ReportBuilder();
  const { pipeline, warnings } = await readTraceFile(path, (e) => builder.add(e));
  out.write(renderReport({ title: path, trace: pipeline.trace, builder, resolver: pipeline.resolver, cwd: process.cwd(), warnings }));
  for (const w of warnings) err.write(`iolens: warning: ${path}: ${w}\n`);
  return 0;
}

/** Print every event of a trace file, as readable lines or JSON lines. */
export async function dump(path: string, o: { jsonl: boolean; color: boolean; out: Writable; err: Writable }): Promise<number> {
  const events: TraceEvent[] = [];
  // events are printed after the whole file is read: the symbol section is at the end
  const { pipeline, warnings } = await readTraceFile(path, (e) => events.push(e));
  const ctx = {
    threadName: (pid: number, tid: number) => pipeline.trace.processes.threadName(pid, tid),
    stack: (id: bigint) => pipeline.resolver.resolve(id),
    cwd: process.cwd(),
    color: o.color,
  };
  for (const e of events) o.out.write((o.jsonl ? eventJsonLine(e, ctx.stack(e.stackId)) : formatEventLine(e, ctx)) + '\n');
  for (const w of warnings) o.err.write(`iolens: warning: ${path}: ${w}\n`);
  return 0;
}
