/**
 * Trace files (.iolens): the stream exactly as the tracer wrote it, then a symbol section (every
 * stack resolved to source). A file cut short opens up to its last whole record, with a warning.
 */
import { UserError } from '../errors';
import { constants, createReadStream } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import type { TraceEvent } from '../model/events';
import { encodeSymbolSection } from './symbolSection';
import { TracePipeline, type PipelineOptions } from './pipeline';

/** Writes a trace file while the stream arrives. */
export class TraceFileWriter {
  private queue: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;
  /** Where the next write goes. */
  private pos = 0;

  /** The file was emptied for this trace (an existing one is left as it was until the first write). */
  private started = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    /** The file did not exist before: discard() removes it. */
    private readonly created: boolean,
  ) {}

  /**
   * Open the file for writing (created when missing), so that a path that cannot be written is
   * refused before anything starts; an existing file keeps its content until the first write.
   */
  static async create(path: string): Promise<TraceFileWriter> {
    let created = false;
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      fh = await open(path, constants.O_WRONLY);
    }
    return new TraceFileWriter(fh, path, created);
  }

  /** Nothing was recorded: close, and remove the file if this writer created it. */
  async discard(): Promise<void> {
    await this.queue;
    await this.fh.close();
    if (this.created && !this.started) await unlink(this.path).catch(() => undefined);
  }

  /** Append raw stream bytes, in order. */
  write(chunk: Uint8Array): void {
    if (!this.started) {
      this.started = true;
      this.queue = this.queue.then(() => this.fh.truncate(0)).catch((e: Error) => {
        this.failed ??= e;
      });
    }
    const copy = Uint8Array.from(chunk);
    const at = this.pos;
    this.pos += copy.length;
    this.queue = this.queue.then(() => (this.failed ? undefined : this.fh.write(copy, 0, copy.length, at))).catch((e: Error) => {
      this.failed ??= e;
    });
  }

  /** Wait until everything written so far is on disk. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /** Append the symbol section for every stack of the trace and close. Throws if any write failed. */
  async finish(pipeline: TracePipeline): Promise<void> {
    const reader = pipeline.reader;
    if (!reader.error && reader.header) {
      if (reader.pendingBytes) {
        // the stream stopped inside a record: cut it off so the symbol section starts on a boundary
        await this.queue;
        this.pos = reader.stats.bytes - reader.pendingBytes;
        await this.fh.truncate(this.pos);
      }
      for (const rec of encodeSymbolSection(pipeline.trace.stacks.keys(), pipeline.resolver)) this.write(rec);
    }
    await this.queue;
    await this.fh.close();
    if (this.failed) throw new Error(`writing ${this.path} failed: ${this.failed.message}`);
  }
}

/** A trace read from a file. */
export interface LoadedTrace {
  readonly pipeline: TracePipeline;
  /** Problems found (cut short, malformed record...): everything before them was read. */
  readonly warnings: string[];
}

/** Read a trace file, calling `onEvent` for each event. Rejects only when the file cannot be read at all. */
export async function readTraceFile(
  path: string, onEvent: (e: TraceEvent) => void, options: PipelineOptions & { onPipeline?: (p: TracePipeline) => void } = {},
): Promise<LoadedTrace> {
  const pipeline = new TracePipeline(onEvent, options);
  options.onPipeline?.(pipeline);
  const input = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const chunk of input) {
    if (!pipeline.push(chunk as Buffer)) break;
  }
  input.destroy();
  const warnings = pipeline.end();
  const unreadable = unreadableTrace(pipeline);
  if (unreadable) throw new UserError('trace', `${path}: ${unreadable.message}`, unreadable.fix, unreadable.offset);
  return { pipeline, warnings };
}

/** Why a trace that has been read to its end cannot be shown at all (no whole header), or undefined. */
export function unreadableTrace(pipeline: TracePipeline): UserError | undefined {
  if (pipeline.reader.header) return undefined;
  return pipeline.reader.error ?? new UserError('trace', 'not an iolens trace');
}
