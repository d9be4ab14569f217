/**
 * `iolens symbolize IN -o OUT`: a trace written by the tracer alone (on a device, in a guest or a
 * container, where the binaries are not the ones here) made self-contained: the stream as it was,
 * plus a symbol section resolved with the binaries found through the symbol path, so the trace
 * shows its source lines on any machine.
 */
import type { Writable } from 'node:stream';
import { UserError } from '../errors';
import { readTraceFile, TraceFileWriter } from '../trace/file';
import { readFileOverview, rereadTraceStream } from '../trace/fileReader';

/** What `symbolize` did. */
export interface SymbolizeResult {
  readonly stacks: number;
  /** Stacks with at least one frame resolved to a source line. */
  readonly withSource: number;
  /** Problems found in IN (everything before them was kept). */
  readonly warnings: readonly string[];
  /** Binaries read from the symbol path (StackResolver.substitutionNotes). */
  readonly notes: readonly string[];
}

/**
 * Write OUT: IN's stream and a symbol section for each of its stacks. A file whose section has
 * some stacks already (a recording stopped before all were resolved) keeps them: the stacks it
 * lacks are added.
 */
export async function symbolize(input: string, output: string, symbolPath: readonly string[]): Promise<SymbolizeResult> {
  const { pipeline, warnings } = await readTraceFile(input, () => undefined, { events: false, symbolPath });
  const { stacks, symbols } = pipeline.trace;
  const missing = [...stacks.keys()].filter((id) => !symbols.has(id));
  if (symbols.size && !missing.length) {
    // `iolens record` symbolizes what it saves (unless run with the tracer alone): nothing to add
    throw new UserError('usage', `${input} already has its symbol section: every stack was resolved when it was saved`, `Open or report ${input} as it is; symbolize is for a trace written by the tracer alone (iolens-tracer -o), or one whose recording left stacks out.`);
  }
  const writer = await TraceFileWriter.create(output);
  for await (const chunk of rereadTraceStream(input)) {
    writer.write(chunk);
    await writer.ready();
  }
  // the same events: IN's overview (when it has one) is OUT's; IN's own section came with its stream
  await writer.finish(pipeline, Infinity, () => readFileOverview(input), missing);
  let withSource = 0;
  for (const id of pipeline.trace.stacks.keys()) {
    if (pipeline.resolver.resolve(id)?.frames.some((f) => f.file && f.line)) withSource++;
  }
  return { stacks: pipeline.trace.stacks.size, withSource, warnings, notes: pipeline.resolver.substitutionNotes() };
}

/** The CLI's face of symbolize. */
export async function symbolizeCommand(input: string, output: string, symbolPath: readonly string[], out: Writable, err: Writable): Promise<number> {
  const r = await symbolize(input, output, symbolPath);
  for (const w of r.warnings) err.write(`iolens: warning: ${input}: ${w}\n`);
  for (const n of r.notes) err.write(`iolens: note: ${n}\n`);
  out.write(`${output}: ${r.stacks} stacks, ${r.withSource} with source lines\n`);
  return 0;
}
