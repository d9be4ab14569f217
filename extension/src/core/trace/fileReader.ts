/**
 * Reading trace files of either format (format.ts) back into the tracer's stream: format 1 is the
 * stream itself, format 2 is decoded block by block. Everything that reads a trace file goes
 * through here and sees the stream; what a file lost (cut short, a damaged block) comes back as
 * warnings. The index (format 2) lets a reader go straight to the blocks of a time range.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  BLOCK_HEADER_SIZE, BlockType, FILE_HEADER_SIZE, FILE_MAGIC, FILE_VERSION, FOOTER_SIZE,
  decodeIndex, decompressPayload, isFileMagic, readBlockHeader, readFooterTail, type BlockInfo,
} from './format';
import { unpackRecords } from './packing';
import { cannotRead, UserError } from '../errors';
import { HEADER_MAX } from '../stream/reader';

/** Bytes of a format-1 file handed on at a time. */
const CHUNK = 1 << 20;

/** Random access to a file's bytes (a file descriptor, or bytes in memory for tests and the fuzzer). */
export interface ByteSource {
  /**
   * Up to `length` bytes at `at` (fewer at the end); read into `into` (at least `length` long)
   * when the source copies, so a reader that keeps no chunk allocates none per read.
   */
  read(at: number, length: number, into?: Uint8Array): Uint8Array;
}

/** A ByteSource over a file descriptor. */
export function fdSource(fd: number): ByteSource {
  return {
    read(at, length, into) {
      const buf = into ?? Buffer.allocUnsafe(length);
      let n = 0;
      while (n < length) {
        const got = readSync(fd, buf, n, length - n, at + n);
        if (got === 0) break;
        n += got;
      }
      return n < buf.length ? buf.subarray(0, n) : buf;
    },
  };
}

/** A ByteSource over bytes in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { read: (at, length) => bytes.subarray(at, Math.min(bytes.length, at + length)) };
}

/** Where a read of a file is (progress) and what it found. */
export interface FileReadState {
  /** File bytes read so far. */
  position: number;
  /** 1 or 2 once the start of the file is read. */
  format: number | undefined;
  /** Parts of the file that could not be read (everything before them was). */
  readonly warnings: string[];
}

/**
 * Where a block's records are unpacked: a buffer of at least `bytes` to write them into, or
 * undefined for a fresh one.
 */
export type UnpackTarget = (bytes: number) => Uint8Array | undefined;

/** One buffer for every block, grown as needed (a consumer that keeps no chunk, as the pipeline). */
export function oneBuffer(): UnpackTarget {
  let scratch = new Uint8Array(0);
  return (bytes) => (scratch.length >= bytes ? scratch : (scratch = new Uint8Array(bytes)));
}

function ms(ns: number): string {
  return ns >= 1e9 ? `${(ns / 1e9).toFixed(1)} s` : `${Math.max(1, Math.round(ns / 1e6))} ms`;
}

/**
 * The stream bytes of the file behind `src`, a chunk at a time (synchronous: each step reads and
 * decodes one block). A format-2 file cut short or damaged ends at its last whole block, with a
 * warning that says what was lost. With `into`, a block's records are unpacked into the buffer it
 * gives (oneBuffer: a chunk is then only valid until the next is asked for). The first `skip`
 * chunks (the stream's header counts as one) are not given, and their blocks not decoded: another
 * reader has them (offThreadRead.ts reads the first ones itself while its worker starts).
 */
export function* streamChunks(src: ByteSource, state: FileReadState, into?: UnpackTarget, skip = 0): Generator<Uint8Array> {
  const start = src.read(0, FILE_HEADER_SIZE);
  if (!isFileMagic(start) || start.length < FILE_MAGIC.length) {
    if (start.length && isFileMagic(start)) {
      state.format = FILE_VERSION;
      state.warnings.push('the file ends inside its header: it holds no recording');
      return;
    }
    state.format = 1;
    for (let at = 0; ; at += CHUNK) {
      const chunk = src.read(at, CHUNK, into?.(CHUNK));
      if (!chunk.length) return;
      state.position = at + chunk.length;
      if (skip > 0) skip--;
      else yield chunk;
    }
  }
  state.format = FILE_VERSION;
  const head = new DataView(start.buffer, start.byteOffset, start.byteLength);
  if (start.length < FILE_HEADER_SIZE) {
    state.warnings.push('the file ends inside its header: it holds no recording');
    return;
  }
  const version = head.getUint16(8, true);
  if (version > FILE_VERSION) {
    throw new UserError('trace', `this trace file is of format ${version}; this iolens reads formats up to ${FILE_VERSION}: update iolens`, 'Update I/O Lens.', 8);
  }
  const headerLength = head.getUint32(12, true);
  if (headerLength > HEADER_MAX) throw new UserError('trace', `bad stream header length ${headerLength} in the file header`, 'The file is damaged at its start: nothing in it can be read.', 12);
  const streamHeader = src.read(FILE_HEADER_SIZE, headerLength);
  if (streamHeader.length < headerLength) {
    state.warnings.push('the file ends inside its header: it holds no recording');
    return;
  }
  let at = FILE_HEADER_SIZE + headerLength;
  state.position = at;
  if (skip > 0) skip--;
  else yield streamHeader;
  let n = 0;
  let firstTs = 0;
  let lastTs = 0;
  /** The records after the last whole block, said as the time they come after. */
  const after = (): string => (n && lastTs > firstTs ? `the records after the first ${ms(lastTs - firstTs)} of the recording` : 'the records after the start');
  const cut = (what: string): void => {
    const kept = n === 1 ? 'the 1 whole block before it is kept' : `the ${n} whole blocks before it are kept`;
    state.warnings.push(`the file ends inside block ${n + 1}: ${what} (it was cut short: a crash or a full disk); ${kept}`);
  };
  for (;;) {
    const bytes = src.read(at, BLOCK_HEADER_SIZE);
    const info = bytes.length ? readBlockHeader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, at) : undefined;
    if (!info) {
      if (bytes.length === BLOCK_HEADER_SIZE) {
        state.warnings.push(`block ${n + 1} at offset ${at} is damaged (no block header there): everything after it is lost`);
      } else if (!bytes.length) {
        // cut right after a block: the records of the block being filled then are lost
        state.warnings.push(`the file ends after block ${n} without its index (it was not finished: a crash?); ${after()} that were not in a block yet are lost`);
      } else {
        cut(`${after()} are lost`);
      }
      return;
    }
    if (info.type === BlockType.index) return;
    const payload = src.read(at + BLOCK_HEADER_SIZE, info.payloadLength);
    if (payload.length < info.payloadLength) {
      cut(info.lastTs && lastTs ? `the last ${ms(info.lastTs - lastTs)} of the recording are lost` : 'its records are lost');
      return;
    }
    let stream: Uint8Array | undefined;
    if (skip > 0) skip--;
    else {
      try {
        const content = decompressPayload(info, payload);
        stream = info.type === BlockType.records ? unpackRecords(content, info.streamBytes, into?.(info.streamBytes)) : content;
        if (stream.length !== info.streamBytes) throw new Error(`${stream.length} bytes instead of ${info.streamBytes}`);
      } catch (e) {
        state.warnings.push(`block ${n + 1} at offset ${at} is damaged (${(e as Error).message}): everything after it is lost`);
        return;
      }
    }
    n++;
    if (info.firstTs && !firstTs) firstTs = info.firstTs;
    if (info.lastTs) lastTs = info.lastTs;
    at += BLOCK_HEADER_SIZE + info.payloadLength;
    state.position = at;
    if (stream) yield stream;
  }
}

/** The stream of a whole trace file in memory (tests, the fuzzer, tools), and what was lost. */
export function decodeTraceBytes(bytes: Uint8Array): { stream: Uint8Array; warnings: string[] } {
  const state: FileReadState = { position: 0, format: undefined, warnings: [] };
  const chunks = [...streamChunks(bytesSource(bytes), state)];
  return { stream: Buffer.concat(chunks), warnings: state.warnings };
}

/**
 * Read a trace file as its stream, in chunks of at most `chunkSize` bytes, letting the event loop
 * turn between chunks; `state` says how far it got and what was lost. Rejects when the file cannot
 * be opened. `into`: as streamChunks' (oneBuffer: each chunk is only valid until the next is asked
 * for). The editor reads off the main thread instead (readWorker.ts), with the same chunks.
 */
export async function* readTraceStream(path: string, state: FileReadState, chunkSize: SliceSize = CHUNK, into?: UnpackTarget): AsyncGenerator<Uint8Array> {
  const fd = openTraceFd(path);
  try {
    for (const chunk of streamChunks(fdSource(fd), state, into)) yield* slices(chunk, chunkSize);
  } finally {
    closeSync(fd);
  }
}

/** A slice size: one for all, or asked for each slice in turn (`rampedSizes`). */
export type SliceSize = number | (() => number);

/**
 * Slice sizes that start at `first` and double up to `most`: the first slices of a read are
 * decoded by code not optimized yet (ten times slower at first), so small ones hold the event
 * loop no longer than the later full-sized ones do.
 */
export function rampedSizes(first: number, most: number): () => number {
  let size = Math.min(first, most);
  return () => {
    const now = size;
    size = Math.min(most, size * 2);
    return now;
  };
}

/** `chunk` in slices of at most `size` bytes, the event loop turning after each. */
export async function* slices(chunk: Uint8Array, size: SliceSize): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < chunk.length;) {
    const n = typeof size === 'number' ? size : size();
    yield at === 0 && chunk.length <= n ? chunk : chunk.subarray(at, at + n);
    at += n;
    await new Promise((r) => setImmediate(r));
  }
}

/** A format-2 file's blocks, and whether they came from its footer (else by walking the file). */
export interface TraceIndex {
  readonly blocks: readonly BlockInfo[];
  readonly fromFooter: boolean;
  /** The stream header (the first bytes of the stream, before any block's). */
  readonly streamHeader: Uint8Array;
}

/**
 * The index of a format-2 file: its footer, or when the file has none (cut short), its block
 * headers read one after the other. Undefined for a format-1 file (it has no blocks).
 */
export function readTraceIndex(src: ByteSource, fileSize: number): TraceIndex | undefined {
  const start = src.read(0, FILE_HEADER_SIZE);
  if (start.length < FILE_HEADER_SIZE || !isFileMagic(start)) return undefined;
  const headerLength = new DataView(start.buffer, start.byteOffset, start.byteLength).getUint32(12, true);
  if (headerLength > HEADER_MAX) return undefined;
  const streamHeader = src.read(FILE_HEADER_SIZE, headerLength);
  const first = FILE_HEADER_SIZE + headerLength;
  const indexAt = fileSize >= first + FOOTER_SIZE ? readFooterTail(src.read(fileSize - FOOTER_SIZE, FOOTER_SIZE)) : undefined;
  if (indexAt !== undefined) {
    const bytes = src.read(indexAt, BLOCK_HEADER_SIZE);
    const info = readBlockHeader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, indexAt);
    const blocks = info?.type === BlockType.index ? decodeIndex(src.read(indexAt + BLOCK_HEADER_SIZE, info.payloadLength)) : undefined;
    if (blocks) return { blocks, fromFooter: true, streamHeader };
  }
  const blocks: BlockInfo[] = [];
  for (let at = first; ;) {
    const bytes = src.read(at, BLOCK_HEADER_SIZE);
    const info = readBlockHeader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, at);
    if (!info || info.type === BlockType.index || at + BLOCK_HEADER_SIZE + info.payloadLength > fileSize) break;
    blocks.push(info);
    at += BLOCK_HEADER_SIZE + info.payloadLength;
  }
  return { blocks, fromFooter: false, streamHeader };
}

/**
 * The events a format-2 file's index says it holds (its records blocks' counts), as a hint of what
 * a read will bring: at most one a byte of the file, so a damaged index cannot ask for more.
 * Undefined for a format-1 file or one that cannot be read (the read itself then says why).
 */
export function indexedEvents(path: string): number | undefined {
  let file: ReturnType<typeof openTraceFile> | undefined;
  try {
    file = openTraceFile(path);
    const index = readTraceIndex(file.src, file.size);
    if (!index) return undefined;
    let events = 0;
    for (const b of index.blocks) if (b.type === BlockType.records) events += b.events;
    return Math.min(events, file.size);
  } catch {
    return undefined;
  } finally {
    file?.close();
  }
}

/**
 * The overview block's bytes (decompressed; store/overview.ts reads them) of a finished format-2
 * file: the block after the index block, before the footer's tail. Undefined when the file has
 * none (written without one, format 1, cut short: no footer) or it cannot be read.
 */
export function readTraceOverview(src: ByteSource, fileSize: number): Uint8Array | undefined {
  if (fileSize < FILE_HEADER_SIZE + FOOTER_SIZE || !isFileMagic(src.read(0, FILE_MAGIC.length))) return undefined;
  const indexAt = readFooterTail(src.read(fileSize - FOOTER_SIZE, FOOTER_SIZE));
  if (indexAt === undefined) return undefined;
  const header = (at: number): BlockInfo | undefined => {
    const bytes = src.read(at, BLOCK_HEADER_SIZE);
    return readBlockHeader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, at, BlockType.overview);
  };
  const index = header(indexAt);
  if (index?.type !== BlockType.index) return undefined;
  const at = indexAt + BLOCK_HEADER_SIZE + index.payloadLength;
  const info = at + BLOCK_HEADER_SIZE <= fileSize - FOOTER_SIZE ? header(at) : undefined;
  if (info?.type !== BlockType.overview || at + BLOCK_HEADER_SIZE + info.payloadLength !== fileSize - FOOTER_SIZE) return undefined;
  try {
    const content = decompressPayload(info, src.read(at + BLOCK_HEADER_SIZE, info.payloadLength));
    return content.length === info.streamBytes ? content : undefined;
  } catch {
    return undefined;
  }
}

/** The overview block's bytes of the trace file at `path` (readTraceOverview), or undefined. */
export function readFileOverview(path: string): Uint8Array | undefined {
  let file: ReturnType<typeof openTraceFile> | undefined;
  try {
    file = openTraceFile(path);
    return readTraceOverview(file.src, file.size);
  } catch {
    return undefined;
  } finally {
    file?.close();
  }
}

/** The stream bytes of one block (seeking through the index); throws when it is damaged. */
export function readBlock(src: ByteSource, info: BlockInfo): Uint8Array {
  const content = decompressPayload(info, src.read(info.offset + BLOCK_HEADER_SIZE, info.payloadLength));
  return info.type === BlockType.records ? unpackRecords(content, info.streamBytes) : content;
}

/**
 * Open a trace file to read it: a path that is no file, or cannot be opened, is the user's to fix
 * (a UserError naming the path and why), not a system error without the path (EISDIR at the first read).
 */
export function openTraceFd(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw cannotRead(path, e) ?? e;
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new UserError('file', `cannot read ${path}: it is a folder, not a trace file`, 'Give the path of a trace file (.iolens) in it.');
  }
  return fd;
}

/** Open a file for readTraceIndex/readBlock: its source, size, and how to close it. */
export function openTraceFile(path: string): { src: ByteSource; size: number; close: () => void } {
  const fd = openTraceFd(path);
  return { src: fdSource(fd), size: fstatSync(fd).size, close: () => closeSync(fd) };
}

/** A read that has not started. */
export function newReadState(): FileReadState {
  return { position: 0, format: undefined, warnings: [] };
}

/** A trace file's stream once more (a second pass: its warnings were reported by the first). */
export function rereadTraceStream(path: string): AsyncGenerator<Uint8Array> {
  return readTraceStream(path, newReadState());
}
