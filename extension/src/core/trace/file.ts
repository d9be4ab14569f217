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

/** How a trace file's symbol section was written. */
export interface SymbolSectionResult {
  /** Stacks left out: their resolution did not fit in the time allowed (`iolens symbolize` adds them). */
  readonly left: number;
}

/** Buffers per writev (the kernel's IOV_MAX). */
const IOV_MAX = 1024;

/** Writes a trace file while the stream arrives. */
export class TraceFileWriter {
  private queue: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;
  /** Where the next write goes. */
  private pos = 0;
  /** Chunks not yet handed to the file system, written together (one writev) from batchAt. */
  private batch: Uint8Array[] = [];
  private batchAt = 0;

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

  /**
   * Append raw stream bytes, in order. The chunk is kept, not copied, until it is written: it must
   * not change afterwards (a stream's chunks never do). Chunks that arrive while a write is under
   * way are written together by the next one.
   */
  write(chunk: Uint8Array): void {
    if (!this.started) {
      this.started = true;
      this.queue = this.queue.then(() => this.fh.truncate(0)).catch((e: Error) => {
        this.failed ??= e;
      });
    }
    if (!this.batch.length) {
      this.batchAt = this.pos;
      this.queue = this.queue.then(() => this.writeBatch()).catch((e: Error) => {
        this.failed ??= e;
      });
    }
    this.batch.push(chunk);
    this.pos += chunk.length;
  }

  private async writeBatch(): Promise<void> {
    const chunks = this.batch;
    let at = this.batchAt;
    this.batch = [];
    for (let i = 0; i < chunks.length && !this.failed; i += IOV_MAX) {
      const group = chunks.slice(i, i + IOV_MAX);
      const size = group.reduce((n, c) => n + c.length, 0);
      const { bytesWritten } = await this.fh.writev(group, at);
      if (bytesWritten < size) {
        // rare (a file system that writes part): the rest, byte-exact
        const all = Buffer.concat(group);
        for (let done = bytesWritten; done < size;) done += (await this.fh.write(all, done, size - done, at + done)).bytesWritten;
      }
      at += size;
    }
  }

  /** Wait until everything written so far is on disk. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /**
   * Append the symbol section for the stacks of the trace and close. Throws if any write failed.
   * `budgetMs`: resolving stacks not resolved yet stops after this long, and the rest are left out
   * (said in the result; the file still opens, resolved from the binaries where they are).
   */
  async finish(pipeline: TracePipeline, budgetMs = Infinity): Promise<SymbolSectionResult> {
    const reader = pipeline.reader;
    let left = 0;
    if (!reader.error && reader.header) {
      if (reader.pendingBytes) {
        // the stream stopped inside a record: cut it off so the symbol section starts on a boundary
        await this.queue;
        this.pos = reader.stats.bytes - reader.pendingBytes;
        await this.fh.truncate(this.pos);
      }
      const section = encodeSymbolSection(pipeline.trace.stacks.keys(), pipeline.resolver, budgetMs);
      for (const rec of section.records) this.write(rec);
      left = section.left;
    }
    await this.queue;
    await this.fh.close();
    if (this.failed) throw new Error(`writing ${this.path} failed: ${this.failed.message}`);
    return { left };
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
