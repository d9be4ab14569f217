/**
 * `iolens import LOG -o OUT.iolens`: an strace log (`strace -f -tt -T [-k] [-y]`, or `-ttt`)
 * recorded anywhere, as a trace file — the same records the tracer writes, through the same
 * encoders and file writer — so the timeline, the report and the findings work on it. Two readings
 * of the log (who is who, then the conversion), each a stream: logs of any size. Every line is
 * accounted for: converted, a call iolens does not trace (counted by name), strace's own notes, or
 * an error with its line number (the import goes on).
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import * as wire from '../../../../protocol/generated/wire';
import { LineReader, LineSyntaxError, type StraceLine } from '../import/strace/lines';
import { StraceConverter } from '../import/strace/convert';
import { StraceScan } from '../import/strace/scan';
import { StraceSymbols } from '../import/strace/symbols';
import { createSymbolizer, type NativeSymbolizer } from '../symbols/native';
import { TraceFileWriter } from '../trace/file';
import { TracePipeline } from '../trace/pipeline';
import { UserError } from '../errors';

/** Blocking calls shorter than this are left out by default: iolens-tracer's default --min-duration. */
export const DEFAULT_MIN_DURATION_NS = 1e6;
/** Problems kept in words by default (all are counted). */
const MAX_MESSAGES = 20;

/** A line the import could not use. */
export interface LineProblem {
  readonly line: number;
  readonly message: string;
}

/** What an import did. */
export interface ImportResult {
  readonly lines: number;
  /** Lines read without a problem (calls, signals, exits, stack frames, strace's notes, blank lines). */
  readonly understood: number;
  /** Records written, by syscall name or record kind (aio_submit, signal_deliver...). */
  readonly recorded: ReadonlyMap<string, number>;
  /** Calls iolens does not trace, by name. */
  readonly notTraced: ReadonlyMap<string, number>;
  readonly filtered: number;
  /** Lines that are not strace's (counted; the first few listed). */
  readonly notUnderstood: number;
  /** Lines of strace's that could not be read (counted; the first few with their message). */
  readonly errors: number;
  readonly problems: readonly LineProblem[];
  readonly stacks: number;
  readonly framesResolved: number;
  readonly framesUnresolved: number;
  readonly notes: readonly string[];
}

/** Options of an import. */
export interface ImportOptions {
  readonly minDurationNs?: number;
  readonly symbolPath?: readonly string[];
  /** The symbolizer for -k stacks (default: the native one; null: none). */
  readonly symbolizer?: NativeSymbolizer | null;
  /** Problems kept in words (default 20; all are counted). */
  readonly maxMessages?: number;
}

async function eachLine(path: string, f: (text: string, n: number) => void): Promise<void> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of rl) f(text, ++n);
  } finally {
    rl.close();
    input.destroy();
  }
}

/** Import an strace log into a trace file. */
export async function importStrace(input: string, output: string, o: ImportOptions = {}): Promise<ImportResult> {
  const endMs = statSync(input).mtimeMs;
  // first reading: the tasks, whether there are stacks and durations, how long the log lasts
  const scan = new StraceScan();
  const first = new LineReader();
  let calls = 0;
  let untimed = 0;
  await eachLine(input, (text) => {
    try {
      const l = first.read(text);
      if (l.kind === 'call' || l.kind === 'unfinished') calls++;
      scan.add(l);
    } catch (e) {
      if (e instanceof LineSyntaxError && /no timestamp/.test(e.message)) untimed++;
    }
  });
  for (const p of first.pending()) scan.add(p.call);
  if (!calls) {
    throw untimed
      ? new UserError('trace', `${input} has no timestamps`, 'Record it with strace -f -tt -T (or -ttt).')
      : new UserError('trace', `${input} is not an strace log: no system call in it`, 'Import a log written by strace -f -tt -T -o LOG.');
  }

  const writer = await TraceFileWriter.create(output);
  const pipeline = new TracePipeline(() => undefined, { symbolizer: null, events: false });
  // records are small: hand them on in chunks of about 1 MiB
  let batch: Uint8Array[] = [];
  let batched = 0;
  const flush = (): void => {
    if (!batched) return;
    const chunk = Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
    writer.write(chunk);
    pipeline.push(chunk);
  };
  const write = (rec: Uint8Array): void => {
    batch.push(rec);
    batched += rec.length;
    if (batched >= 1 << 20) flush();
  };
  write(wire.encodeHeader());
  const untaggedTid = Number(/\.(\d+)$/.exec(input)?.[1] ?? 1);
  const minDurationNs = o.minDurationNs ?? DEFAULT_MIN_DURATION_NS;
  const conv = new StraceConverter(scan, write, { minDurationNs, endMs, untaggedTid });
  const reader = new LineReader();
  const problems: LineProblem[] = [];
  let lines = 0;
  let errors = 0;
  let notUnderstood = 0;
  let understood = 0;
  const problem = (line: number, message: string): void => {
    if (problems.length < (o.maxMessages ?? MAX_MESSAGES)) problems.push({ line, message });
  };
  const convert = (l: StraceLine, n: number): boolean => {
    try {
      conv.line(l);
      return true;
    } catch (e) {
      errors++;
      problem(n, e instanceof Error ? e.message : String(e));
      return false;
    }
  };
  await eachLine(input, (text, n) => {
    lines = n;
    let l: StraceLine;
    try {
      l = reader.read(text, n);
    } catch (e) {
      if (e instanceof LineSyntaxError && e.message === 'not an strace line') notUnderstood++;
      else errors++;
      problem(n, e instanceof Error ? e.message : String(e));
      return;
    }
    if (convert(l, n)) understood++;
  });
  // calls the log ends inside: their first line was read, their conversion may still fail
  for (const p of reader.pending()) if (!convert(p.call, p.line)) understood--;
  const notes = [...conv.notes];
  if (conv.stats.cutShort) notes.push(`${conv.stats.cutShort} io_submit/io_getevents calls had more iocbs or completions than strace printed (record with a larger -s, e.g. -s 256): the rest are not in the trace`);
  if (conv.stats.unpaired) notes.push(`${conv.stats.unpaired} AIO completions have no submission in the log (submitted before it began, or not printed): shown as completions only`);
  if (conv.stats.ignoredSignals) notes.push(`${conv.stats.ignoredSignals} deliveries of signals the program ignores are left out (strace's ptrace makes the kernel deliver them; iolens records them as the program sees them: not at all)`);
  if (scan.untagged) notes.push(`lines without a thread id (strace without -f, or -f to a terminal) are shown as thread ${untaggedTid}`);
  const cannotSee = [
    'io_uring requests and completions (strace shows the io_uring_enter calls only)',
    'wake-ups between threads',
    'signals sent by the kernel or by untraced processes (their delivery is shown)',
    'hard IRQs',
    'the CPU of each call',
  ];
  write(wire.encodeMeta({
    json: JSON.stringify({
      tracer: 'iolens import', backend: 'strace', source: input, launched: scan.launched.size > 0, command: scan.command,
      min_duration_ns: minDurationNs, stacks: scan.stacks, pid: scan.tids.length ? scan.pidOf(scan.tids[0]) : undefined, cannot_see: cannotSee,
      import: { lines, errors, not_understood: notUnderstood, filtered: conv.stats.filtered, not_traced: Object.fromEntries(conv.stats.notTraced) },
    }),
  }));
  conv.end();
  flush();
  // the symbol section: -k stacks resolved here (or as strace named them), written by the file writer
  let symbolizer = o.symbolizer;
  let symbolizerError: string | null = null;
  if (symbolizer === undefined && conv.stacks.size) ({ symbolizer, error: symbolizerError } = createSymbolizer());
  const symbols = new StraceSymbols(symbolizer ?? null, symbolizerError, o.symbolPath ?? [], endMs);
  for (const [id, frames] of conv.stacks) for (const rec of symbols.records(id, frames)) pipeline.push(rec);
  pipeline.end();
  await writer.finish(pipeline);
  for (const f of symbols.newer) notes.push(`${f} was modified after the log was written: its source lines may be wrong`);
  return {
    lines, understood, recorded: conv.stats.recorded, notTraced: conv.stats.notTraced, filtered: conv.stats.filtered, notUnderstood, errors, problems,
    stacks: conv.stacks.size, framesResolved: symbols.resolved, framesUnresolved: symbols.unresolved, notes,
  };
}

function top(m: ReadonlyMap<string, number>, n: number): string {
  const list = [...m].sort((a, b) => b[1] - a[1]);
  const shown = list.slice(0, n).map(([k, v]) => `${k} ${v}`).join(', ');
  return list.length > n ? `${shown}, … (${list.length - n} more)` : shown;
}

/** The CLI's face of import. */
export async function importCommand(input: string, output: string, o: ImportOptions, out: Writable, err: Writable): Promise<number> {
  const r = await importStrace(input, output, o);
  const recorded = [...r.recorded.values()].reduce((s, v) => s + v, 0);
  out.write(`${output}: ${r.lines} lines of ${input}, ${recorded} records (${top(r.recorded, 8) || 'none'})\n`);
  if (r.stacks) out.write(`  ${r.stacks} stacks: ${r.framesResolved} frames resolved to source here, ${r.framesUnresolved} as strace printed them\n`);
  const notTraced = [...r.notTraced.values()].reduce((s, v) => s + v, 0);
  if (notTraced) out.write(`  ${notTraced} calls iolens does not trace: ${top(r.notTraced, 6)}\n`);
  if (r.filtered) out.write(`  ${r.filtered} blocking calls shorter than --min-duration left out (--min-duration 0 keeps them)\n`);
  for (const p of r.problems) err.write(`iolens: ${input}:${p.line}: ${p.message} (line skipped)\n`);
  const shown = r.problems.length;
  if (r.errors + r.notUnderstood > shown) err.write(`iolens: ${r.errors + r.notUnderstood - shown} more lines skipped\n`);
  if (r.notUnderstood) err.write(`iolens: ${r.notUnderstood} lines are not strace's and were skipped\n`);
  for (const n of r.notes) err.write(`iolens: note: ${n}\n`);
  return 0;
}
