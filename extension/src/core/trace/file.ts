/**
 * Trace files (.iolens): written in format 2 (format.ts: the stream's records in compressed blocks,
 * then the symbol section — every stack resolved to source — and an index), read in either format
 * (fileReader.ts). A file cut short opens up to its last whole block, with a warning.
 */
import { UserError } from '../errors';
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { HEADER_SIZE } from '../../../../protocol/generated/wire';
import type { TraceEvent } from '../model/events';
import { headerProblem } from '../stream/reader';
import { BlockBuilder, type PendingBlock } from './blockBuilder';
import { encodeHere, offThreadBlockEncoder } from './blockEncoder';
import { bytesSource, newReadState, oneBuffer, openTraceFile, readBlock, readTraceIndex, readTraceStream } from './fileReader';
import { FlightRing, UNTIL_SLACK_NS, type FlightWindow, type KeepLimit, type RingBlock } from './flight';
import { BLOCK_HEADER_SIZE, BLOCK_MAX_MS, BlockType, Codec, FOOTER_SIZE, encodeFileHeader, encodeFooter, encodeFooterRest, isFileMagic, readBlockHeader, readFooterTail, type BlockInfo } from './format';
import { encodeSymbolSection } from './symbolSection';
import { TracePipeline, type PipelineOptions } from './pipeline';

/** How a trace file's symbol section was written. */
export interface SymbolSectionResult {
  /** Stacks left out: their resolution did not fit in the time allowed (`iolens symbolize` adds them). */
  readonly left: number;
  /** A flight recording: the window saved (monotonic ns) and the events left out of it. */
  readonly flight?: FlightWindow & { readonly droppedEvents: number };
}

/** Options of a trace file's writer. */
export interface WriterOptions {
  /** A flight recording: keep only the last this much (flight.ts); the file is written at finish(). */
  readonly keep?: KeepLimit;
  /** The recording may end at an `--until` trigger: the ring holds a margin (UNTIL_SLACK_NS). */
  readonly until?: boolean;
  /**
   * Pack and compress the blocks in a worker thread (blockEncoder.ts): a live recording in the
   * extension host, whose main thread decodes and stores every event meanwhile. The file is the same.
   */
  readonly offThread?: boolean;
}

/** Blocks being compressed beyond which `ready()` waits. */
const MAX_PENDING_BLOCKS = 4;

/**
 * Writes a trace file (format 2, format.ts) while the stream arrives: the stream header goes into
 * the file header, records into blocks (a block at least every BLOCK_MAX_MS while recording, so a
 * crash loses at most that), and finish() adds the symbol section and the index. A stream that
 * does not start with a header this version reads is written as it came (format 1), so that
 * opening the file says what is wrong with it.
 */
export class TraceFileWriter {
  private queue: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;
  /** Where the next write goes. */
  private pos = 0;
  /** Stream bytes until the header is known. */
  private head: Uint8Array[] = [];
  private headBytes = 0;
  /** blocks: a format-2 file; passthrough: the bytes as they come (no readable header). */
  private mode: 'header' | 'blocks' | 'passthrough' = 'header';
  private readonly builder: BlockBuilder;
  private readonly written: BlockInfo[] = [];
  /** A flight recording's blocks until finish() (then undefined: blocks go to the file). */
  private ring: FlightRing | undefined;
  /** A flight recording's last time kept (ns); records after it are left out. */
  private windowTo = Infinity;
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;

  /** The file was emptied for this trace (an existing one is left as it was until the first write). */
  private started = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    /** The file did not exist before: discard() removes it. */
    private readonly created: boolean,
    options: WriterOptions,
  ) {
    if (options.keep) this.ring = new FlightRing(options.keep, options.until ? UNTIL_SLACK_NS : 0);
    this.builder = new BlockBuilder((b) => this.enqueue(b), this.ring !== undefined, options.offThread ? offThreadBlockEncoder() : encodeHere);
  }

  /**
   * Open the file for writing (created when missing), so that a path that cannot be written is
   * refused before anything starts; an existing file keeps its content until the first write.
   */
  static async create(path: string, options: WriterOptions = {}): Promise<TraceFileWriter> {
    let created = false;
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      fh = await open(path, constants.O_WRONLY);
    }
    return new TraceFileWriter(fh, path, created, options);
  }

  /** Nothing was recorded: close, and remove the file if this writer created it. */
  async discard(): Promise<void> {
    clearTimeout(this.timer);
    await this.queue;
    await this.fh.close();
    if (this.created && !this.started) await unlink(this.path).catch(() => undefined);
  }

  /** Append stream bytes, in order (the chunk is not kept: it may change afterwards). */
  write(chunk: Uint8Array): void {
    if (this.mode === 'passthrough') return this.put(Uint8Array.prototype.slice.call(chunk));
    if (this.mode === 'blocks') {
      const before = this.builder.held;
      this.builder.push(chunk);
      // a block is due BLOCK_MAX_MS after its first record came
      if (!before && this.builder.held && !this.timer) this.timer = setTimeout(() => this.seal(), BLOCK_MAX_MS).unref();
      return;
    }
    this.head.push(Uint8Array.prototype.slice.call(chunk));
    this.headBytes += chunk.length;
    if (this.headBytes < HEADER_SIZE) return;
    const head = Buffer.concat(this.head);
    if (headerProblem(head)) return this.passthrough();
    const size = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint16(10, true);
    if (head.length < size) return;
    this.mode = 'blocks';
    this.head = [];
    this.put(encodeFileHeader(head.subarray(0, size)));
    this.write(head.subarray(size));
  }

  /** The stream has no header this version reads: the file gets the bytes as they are. */
  private passthrough(): void {
    this.mode = 'passthrough';
    for (const c of this.head) this.put(c);
    this.head = [];
  }

  private seal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.builder.seal();
  }

  /**
   * A flight recording's window ends here (`--until`): the kept time counts back from `anchor`
   * (ns) and records after `to` are left out.
   */
  endWindow(anchor: number, to: number): void {
    this.ring?.setAnchor(anchor);
    this.windowTo = to;
  }

  private enqueue(block: PendingBlock): void {
    this.pending++;
    const ring = this.ring;
    if (ring) {
      this.chain(async () => {
        const bytes = await block.bytes;
        this.pending--;
        ring.add({ info: { ...block.info, payloadLength: bytes.length - BLOCK_HEADER_SIZE, codec: Codec.brotli }, bytes, context: block.context ?? new Uint8Array(0) });
      });
      return;
    }
    this.chain(async () => {
      const bytes = await block.bytes;
      this.pending--;
      const at = this.pos;
      await this.writeAt(bytes);
      this.written.push({ ...block.info, offset: at, payloadLength: bytes.length - BLOCK_HEADER_SIZE, codec: Codec.brotli });
    });
  }

  /** Queue bytes to be written after everything before them. */
  private put(bytes: Uint8Array): void {
    this.chain(() => this.writeAt(bytes));
  }

  private chain(step: () => Promise<void>): void {
    if (!this.started) {
      this.started = true;
      this.queue = this.queue.then(() => this.fh.truncate(0));
    }
    this.queue = this.queue.then(() => (this.failed ? undefined : step())).catch((e: Error) => {
      this.failed ??= e;
    });
  }

  private async writeAt(bytes: Uint8Array): Promise<void> {
    const at = this.pos;
    this.pos += bytes.length;
    for (let done = 0; done < bytes.length;) done += (await this.fh.write(bytes, done, bytes.length - done, at + done)).bytesWritten;
  }

  /** Resolves once few enough blocks are being compressed (a writer fed faster than it writes waits here). */
  async ready(): Promise<void> {
    while (this.pending > MAX_PENDING_BLOCKS) await this.queue;
  }

  /** Put the records so far into a block and wait until everything is on disk. */
  async flush(): Promise<void> {
    if (this.mode === 'blocks') this.seal();
    await this.queue;
  }

  /**
   * Add the symbol section for the stacks of the trace, then the index, and close. Throws if any
   * write failed. A record the stream stopped inside is left out. `budgetMs`: resolving stacks not
   * resolved yet stops after this long, and the rest are left out (said in the result; the file
   * still opens, resolved from the binaries where they are). `overview`: the whole trace's
   * overview (store/overview.ts' bytes), asked for once the records are in their blocks and written
   * in the footer, so the editor shows the whole trace at once while the rest loads; left out of a
   * flight recording, whose file is a window of what a store saw. `stackIds`: the stacks the
   * section is for (default: every stack of the trace; `symbolize` gives those its input's own
   * section, written with its stream, lacks).
   */
  async finish(pipeline: TracePipeline, budgetMs = Infinity, overview?: () => Uint8Array | undefined, stackIds: Iterable<bigint> = pipeline.trace.stacks.keys()): Promise<SymbolSectionResult> {
    const reader = pipeline.reader;
    let left = 0;
    let flight: SymbolSectionResult['flight'];
    const aWindow = this.ring !== undefined;
    if (this.mode === 'header') this.passthrough();
    if (this.mode === 'blocks') {
      this.builder.dropPartial();
      if (this.ring) flight = await this.writeWindow(this.ring);
      // the records in their blocks first: the symbol section (slow to resolve) in blocks of its
      // own, so that a crash while it is resolved loses none of the records
      this.seal();
      if (!reader.error && reader.header && !this.builder.broken) {
        const section = encodeSymbolSection(stackIds, pipeline.resolver, budgetMs);
        for (const rec of section.records) this.builder.push(rec);
        left = section.left;
      }
      this.seal();
      const view = aWindow || this.builder.broken ? undefined : overview?.();
      this.chain(async () => this.writeAt(await encodeFooter(this.written, this.pos, view)));
    }
    await this.queue;
    await this.fh.close();
    if (this.failed) throw new Error(`writing ${this.path} failed: ${this.failed.message}`);
    return { left, flight };
  }

  /** A flight recording: its last blocks into the ring, then the window into the file. */
  private async writeWindow(ring: FlightRing): Promise<NonNullable<SymbolSectionResult['flight']>> {
    this.seal();
    await this.queue;
    this.ring = undefined; // from here on blocks go to the file
    const window = ring.window(this.windowTo);
    const content = ring.take(window, (b: RingBlock) => readBlock(bytesSource(b.bytes), { ...b.info, offset: 0 }));
    for (const c of content.before) this.builder.push(c);
    for (const b of content.blocks) {
      if ('cut' in b) {
        this.builder.push(b.cut);
        continue;
      }
      this.seal();
      const whole = b.whole;
      this.chain(async () => {
        const at = this.pos;
        await this.writeAt(whole.bytes);
        this.written.push({ ...whole.info, offset: at });
      });
    }
    for (const c of content.after) this.builder.push(c);
    return { ...window, droppedEvents: content.droppedEvents };
  }
}

/** Why the file at `path` cannot get an overview: it has no index to put it after. */
function noIndex(path: string): UserError {
  return new UserError('trace', `${path} has no index to put the overview after`, 'It was cut short (a crash), or written before trace files had blocks: it opens as it is.');
}

/** Throws (a UserError) unless the trace file at `path` is finished: format 2 with its index in its footer (putFileOverview can add to it). */
export function assertIndexedTraceFile(path: string): void {
  let file: ReturnType<typeof openTraceFile> | undefined;
  try {
    file = openTraceFile(path);
    if (!readTraceIndex(file.src, file.size)?.fromFooter) throw noIndex(path);
  } finally {
    file?.close();
  }
}

/**
 * Give the finished trace file at `path` the whole trace's `overview` (store/overview.ts' bytes),
 * in place: written right after its index block, with the footer's tail after it (an overview it
 * had is replaced). Nothing before the index block changes. Throws a UserError for a file that has
 * no index to put it after: format 1, or cut short (its footer is missing).
 */
export async function putFileOverview(path: string, overview: Uint8Array): Promise<void> {
  const fh = await open(path, constants.O_RDWR);
  try {
    const size = (await fh.stat()).size;
    const read = async (at: number, length: number): Promise<Uint8Array> => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - at)));
      if (buf.length) await fh.read(buf, 0, buf.length, at);
      return buf;
    };
    const indexAt = isFileMagic(await read(0, 8)) && size >= FOOTER_SIZE ? readFooterTail(await read(size - FOOTER_SIZE, FOOTER_SIZE)) : undefined;
    const head = indexAt !== undefined ? await read(indexAt, BLOCK_HEADER_SIZE) : new Uint8Array(0);
    const index = readBlockHeader(new DataView(head.buffer, head.byteOffset, head.byteLength), 0, indexAt ?? 0);
    if (indexAt === undefined || index?.type !== BlockType.index) throw noIndex(path);
    const at = indexAt + BLOCK_HEADER_SIZE + index.payloadLength;
    const rest = await encodeFooterRest(indexAt, overview);
    for (let done = 0; done < rest.length;) done += (await fh.write(rest, done, rest.length - done, at + done)).bytesWritten;
    await fh.truncate(at + rest.length);
  } finally {
    await fh.close();
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
  path: string,
  onEvent: (e: TraceEvent) => void,
  options: PipelineOptions & { onPipeline?: (p: TracePipeline) => void; onChunk?: (bytesRead: number) => void } = {},
): Promise<LoadedTrace> {
  const pipeline = new TracePipeline(onEvent, options);
  options.onPipeline?.(pipeline);
  const state = newReadState();
  // the pipeline keeps no chunk: every chunk is read, or every block unpacked, into the same buffer
  for await (const chunk of readTraceStream(path, state, undefined, oneBuffer())) {
    if (!pipeline.push(chunk)) break;
    options.onChunk?.(state.position);
  }
  const warnings = [...state.warnings, ...pipeline.end()];
  const unreadable = unreadableTrace(pipeline);
  if (unreadable) throw new UserError('trace', `${path}: ${unreadable.message}`, unreadable.fix, unreadable.offset);
  return { pipeline, warnings };
}

/** Why a trace that has been read to its end cannot be shown at all (no whole header), or undefined. */
export function unreadableTrace(pipeline: TracePipeline): UserError | undefined {
  if (pipeline.reader.header) return undefined;
  return pipeline.reader.error ?? new UserError('trace', 'not an iolens trace');
}
