/**
 * `iolens record`: run the tracer, show each event as it happens (or write JSON lines), save the
 * trace file, and end with what was lost.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { formatEventLine, type LineContext } from '../format/line';
import { eventJsonLine } from '../format/jsonl';
import { formatCount } from '../../../../shared/format';
import type { TraceEvent } from '../model/events';
import { TraceFileWriter } from '../trace/file';
import { TracePipeline } from '../trace/pipeline';
import { startTracer, type TracerOptions } from '../tracer/spawn';

/** Options of `iolens record`. */
export interface RecordOptions extends TracerOptions {
  /** Write the trace file here. */
  readonly output?: string;
  /** Write JSON lines here ('-': standard output, instead of the readable lines). */
  readonly jsonl?: string;
  /** No readable lines. */
  readonly quiet?: boolean;
  readonly color?: boolean;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Stop when this signal fires (the CLI wires SIGINT/SIGTERM here). */
  readonly stopSignal?: AbortSignal;
}

/** Events are shown this long after they arrive, so that the memory maps their stacks need have arrived too. */
const PRINT_LAG_MS = 150;

/** Run a recording; resolves with the process exit code. */
export async function record(o: RecordOptions): Promise<number> {
  const writer = o.output ? await TraceFileWriter.create(o.output) : undefined;
  const jsonOut: Writable | undefined = o.jsonl === '-' ? o.stdout : o.jsonl ? createWriteStream(o.jsonl) : undefined;
  const lineOut = o.quiet || o.jsonl === '-' ? undefined : o.stdout;
  const queue: { e: TraceEvent; at: number }[] = [];
  const showEvents = jsonOut !== undefined || lineOut !== undefined;
  const pipeline = new TracePipeline((e) => queue.push({ e, at: Date.now() }), { events: showEvents });
  const ctx: LineContext = {
    threadName: (pid, tid) => pipeline.trace.processes.threadName(pid, tid),
    stack: (id) => pipeline.resolver.resolve(id),
    cwd: process.cwd(),
    color: o.color ?? false,
  };
  const flush = (all: boolean): void => {
    const cutoff = Date.now() - PRINT_LAG_MS;
    let n = 0;
    while (n < queue.length && (all || queue[n].at <= cutoff)) n++;
    if (!n) return;
    // events arrive when they end; show each batch in start order
    const batch = queue.splice(0, n).sort((a, b) => a.e.ts - b.e.ts);
    if (jsonOut) jsonOut.write(batch.map(({ e }) => eventJsonLine(e, ctx.stack(e.stackId)) + '\n').join(''));
    if (lineOut) lineOut.write(batch.map(({ e }) => formatEventLine(e, ctx) + '\n').join(''));
  };

  if (pipeline.symbolizerError) o.stderr.write(`iolens: warning: ${pipeline.symbolizerError}\n`);
  const handle = startTracer(o);
  const onStop = (): void => handle.stop();
  o.stopSignal?.addEventListener('abort', onStop);
  let logText = '';
  handle.log.setEncoding('utf8');
  handle.log.on('data', (s: string) => {
    logText += s;
    for (let nl = logText.indexOf('\n'); nl >= 0; nl = logText.indexOf('\n')) {
      const line = logText.slice(0, nl);
      logText = logText.slice(nl + 1);
      const started = /^iolens-tracer: tracing pid (\d+)/.exec(line);
      if (started) o.stderr.write(`iolens: recording pid ${started[1]} (Ctrl-C stops)\n`);
      else if (/^iolens-tracer: stopped /.test(line)) continue; // the summary says why
      else if (line) o.stderr.write(line.replace(/^iolens-tracer: /, 'iolens: ') + '\n');
    }
  });
  const streamDone = new Promise<void>((resolve) => {
    handle.stream.on('data', (chunk: Buffer) => {
      writer?.write(chunk);
      pipeline.push(chunk);
    });
    handle.stream.on('end', resolve);
    handle.stream.on('error', () => resolve());
  });
  const timer = setInterval(() => flush(false), 50);
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  try {
    await Promise.race([streamDone, handle.exited]);
    await streamDone;
    if (pipeline.trace.end) {
      // a complete recording: the tracer still takes seconds to take its probes off; don't wait
      exit = { code: 0, signal: null };
      handle.detach();
    } else {
      exit = await handle.exited;
    }
  } finally {
    clearInterval(timer);
    o.stopSignal?.removeEventListener('abort', onStop);
  }
  if (logText) o.stderr.write(logText.replace(/^iolens-tracer: /, 'iolens: ') + '\n');
  const warnings = pipeline.end();
  flush(true);
  if (jsonOut && jsonOut !== o.stdout) await new Promise<void>((r) => (jsonOut as Writable).end(r));
  for (const w of warnings) o.stderr.write(`iolens: warning: ${w}\n`);
  summarize(o, pipeline, exit);
  if (writer) {
    try {
      await writer.finish(pipeline);
      o.stderr.write(`iolens: trace written to ${writer.path}; summarize it with \`iolens report ${writer.path}\`\n`);
    } catch (e) {
      o.stderr.write(`iolens: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  }
  if (exit.signal) return 1;
  return exit.code ?? 1;
}

function summarize(o: RecordOptions, p: TracePipeline, exit: { code: number | null; signal: NodeJS.Signals | null }): void {
  const t = p.trace;
  if (!p.reader.header) {
    if (exit.code === 0) o.stderr.write('iolens: the tracer wrote nothing\n');
    return;
  }
  const procs = t.processes.all();
  const threads = procs.reduce((n, pr) => n + pr.threads.size, 0);
  const lost = t.drops.total;
  const lostText = lost
    ? `LOST ${formatCount(lost)} records (${[...t.drops.bySource].map(([s, n]) => `${formatCount(n)} ${s}`).join(', ')})`
    : '0 lost';
  const reason = t.end ? ['', 'the target exited', 'stopped by a signal', 'duration reached', 'the parent process died', 'the output was closed', 'an error'][t.end.reason] ?? '' : 'the tracer stopped without an end record';
  o.stderr.write(`iolens: ${formatCount(t.events)} events from ${procs.length} process${procs.length === 1 ? '' : 'es'} and ${threads} thread${threads === 1 ? '' : 's'}, ${lostText}; ${reason}\n`);
  const blind = t.meta?.cannot_see ?? [];
  if (blind.length) o.stderr.write(`iolens: the ${t.meta?.backend ?? ''} backend cannot see: ${blind.join('; ')}\n`);
}
