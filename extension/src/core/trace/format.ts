/**
 * The trace file format, version 2 (format 1 is the tracer's stream as it is, still read): a file
 * header, then self-contained blocks, then an index of the blocks (the footer).
 *
 *   file header   FILE_MAGIC (8) · version u16 · reserved u16 · stream header length u32 · the
 *                 stream header's bytes (protocol/schema.json `header`), as the tracer wrote them
 *   block         BLOCK_MAGIC (4) · type u8 · codec u8 · reserved u16 · payload length u32 ·
 *                 stream bytes u32 · records u32 · events u32 · first ts u64 · last ts u64 · payload
 *   footer        an index block (type INDEX, payload uncompressed: one entry per block), then
 *                 optionally an overview block (type OVERVIEW, compressed: the whole trace's
 *                 overview, store/overview.ts), then the index block's offset u64 and FOOTER_MAGIC
 *                 (8) as the file's last 16 bytes
 *
 * A records block holds whole stream records (packing.ts, then compressed): decoded, the blocks'
 * bytes one after the other are the stream exactly. A raw block holds stream bytes that are not
 * whole well-formed records (a damaged stream is kept as it came, so the reader reports what it
 * always reported). Each block decodes from its own bytes alone, so a reader can seek to any block
 * through the index, and a file cut short (a crash) reads to its last whole block: the footer is
 * then missing and the blocks are found by walking their headers from the start.
 *
 * The overview block (optional: files written before it, by a writer without a store, and files
 * cut short have none) lies between the index block and the footer's tail, where readers that do
 * not know it never look: they read the index at the tail's offset, and a walk of the blocks stops
 * at the index block. So the format stays version 2 and old readers open new files as before.
 */
import { brotliCompress, brotliDecompressSync, constants as zc } from 'node:zlib';
import { promisify } from 'node:util';

/** The first 8 bytes of a format-2 file (the stream's own magic starts format-1 files). */
export const FILE_MAGIC: readonly number[] = [0x89, 0x49, 0x4f, 0x4c, 0x54, 0x52, 0x43, 0x0a]; // \x89IOLTRC\n
/** The format version this code writes and reads at most. */
export const FILE_VERSION = 2;
/** The fixed part of the file header (the stream header follows). */
export const FILE_HEADER_SIZE = 16;
/** The first 4 bytes of every block. */
const BLOCK_MAGIC = 0x4b424c49; // "ILBK"
/** A block's header. */
export const BLOCK_HEADER_SIZE = 40;
/** The last 8 bytes of a file that was finished (its index is there). */
const FOOTER_MAGIC = [0x49, 0x4f, 0x4c, 0x49, 0x4e, 0x44, 0x45, 0x58]; // IOLINDEX
/** The footer's fixed tail: the index block's offset, then FOOTER_MAGIC. */
export const FOOTER_SIZE = 16;
/** One index entry: the block's offset u64, then a copy of its header. */
const INDEX_ENTRY_SIZE = 8 + BLOCK_HEADER_SIZE;

/**
 * A recording's block is written once it holds BLOCK_MAX_RECORDS records or BLOCK_MAX_BYTES of
 * stream, or BLOCK_MAX_MS after its first record came: a crash loses at most that much.
 */
export const BLOCK_MAX_RECORDS = 32768;
/** See BLOCK_MAX_RECORDS. */
export const BLOCK_MAX_BYTES = 4 << 20;
/** See BLOCK_MAX_RECORDS. */
export const BLOCK_MAX_MS = 1000;

/** More than any block this code writes holds or decodes to: a header that says more is damaged. */
const BLOCK_LIMIT = 4 * BLOCK_MAX_BYTES;

/** What a block holds. */
export const BlockType = { records: 1, raw: 2, index: 3, overview: 4 } as const;
/** How a block's payload is compressed. */
export const Codec = { none: 0, brotli: 1 } as const;

/**
 * Brotli at quality 4 with a 4 MiB window: measured (bench/fileFormat.ts, docs/architecture.md,
 * "Trace files") against deflate and brotli 6, the fastest to compress of the three and within a
 * few percent of the best ratio once the records are packed. A small block (a short recording, a
 * quiet second of a long one, the symbol section) gets the best quality, 11: 10% smaller, and on
 * so few bytes it costs milliseconds.
 */
const brotliOptions = (bytes: number): { params: Record<number, number> } => ({
  params: { [zc.BROTLI_PARAM_QUALITY]: bytes < SMALL_BLOCK ? 11 : 4, [zc.BROTLI_PARAM_LGWIN]: 22, [zc.BROTLI_PARAM_SIZE_HINT]: bytes },
});
const SMALL_BLOCK = 128 << 10;
const compress = promisify(brotliCompress);

/** A block's header, as read from the file or its index. */
export interface BlockInfo {
  /** Where the block starts in the file. */
  readonly offset: number;
  readonly type: number;
  readonly codec: number;
  /** Bytes of payload after the header. */
  readonly payloadLength: number;
  /** Stream bytes the payload decodes to. */
  readonly streamBytes: number;
  readonly records: number;
  /** Records that are events (syscalls, completions, signals...). */
  readonly events: number;
  /** The earliest and latest `ts` of its records (monotonic ns; 0 when none has one). */
  readonly firstTs: number;
  readonly lastTs: number;
}

/** The file header for a stream that starts with `streamHeader`. */
export function encodeFileHeader(streamHeader: Uint8Array): Uint8Array {
  const out = new Uint8Array(FILE_HEADER_SIZE + streamHeader.length);
  const v = new DataView(out.buffer);
  out.set(FILE_MAGIC, 0);
  v.setUint16(8, FILE_VERSION, true);
  v.setUint32(12, streamHeader.length, true);
  out.set(streamHeader, FILE_HEADER_SIZE);
  return out;
}

/** Whether `bytes` start like a format-2 file (all of FILE_MAGIC, or as much of it as there is). */
export function isFileMagic(bytes: Uint8Array): boolean {
  for (let i = 0; i < Math.min(bytes.length, FILE_MAGIC.length); i++) if (bytes[i] !== FILE_MAGIC[i]) return false;
  return bytes.length > 0;
}

/** A block: header and payload, ready to write. `info.offset` is ignored. */
export async function encodeBlock(info: Omit<BlockInfo, 'offset' | 'payloadLength' | 'codec'>, content: Uint8Array): Promise<Uint8Array> {
  const payload = info.type === BlockType.index ? content : await compress(content, brotliOptions(content.length));
  const out = new Uint8Array(BLOCK_HEADER_SIZE + payload.length);
  writeBlockHeader(new DataView(out.buffer), 0, { ...info, offset: 0, payloadLength: payload.length, codec: info.type === BlockType.index ? Codec.none : Codec.brotli });
  out.set(payload, BLOCK_HEADER_SIZE);
  return out;
}

function writeBlockHeader(v: DataView, at: number, b: BlockInfo): void {
  v.setUint32(at, BLOCK_MAGIC, true);
  v.setUint8(at + 4, b.type);
  v.setUint8(at + 5, b.codec);
  v.setUint32(at + 8, b.payloadLength, true);
  v.setUint32(at + 12, b.streamBytes, true);
  v.setUint32(at + 16, b.records, true);
  v.setUint32(at + 20, b.events, true);
  v.setBigUint64(at + 24, BigInt(b.firstTs), true);
  v.setBigUint64(at + 32, BigInt(b.lastTs), true);
}

/**
 * The block header at `at` of `v`, or undefined when the bytes there are no block header (or of a
 * type past `maxType`: only the footer's reader looks for an overview block).
 */
export function readBlockHeader(v: DataView, at: number, offset: number, maxType: number = BlockType.index): BlockInfo | undefined {
  if (v.byteLength - at < BLOCK_HEADER_SIZE || v.getUint32(at, true) !== BLOCK_MAGIC) return undefined;
  const type = v.getUint8(at + 4);
  const codec = v.getUint8(at + 5);
  const payloadLength = v.getUint32(at + 8, true);
  const streamBytes = v.getUint32(at + 12, true);
  if (type < BlockType.records || type > maxType || codec > Codec.brotli || payloadLength > BLOCK_LIMIT || streamBytes > BLOCK_LIMIT) return undefined;
  return {
    offset, type, codec, payloadLength, streamBytes,
    records: v.getUint32(at + 16, true),
    events: v.getUint32(at + 20, true),
    firstTs: Number(v.getBigUint64(at + 24, true)),
    lastTs: Number(v.getBigUint64(at + 32, true)),
  };
}

/** Decompress a block's payload (throws on a damaged one). */
export function decompressPayload(info: BlockInfo, payload: Uint8Array): Uint8Array {
  return info.codec === Codec.brotli ? brotliDecompressSync(payload, { maxOutputLength: 2 * info.streamBytes + 1024 } /* packing's most */) : payload;
}

/**
 * The footer: an index block listing `blocks`, the overview block when there is an `overview`
 * (store/overview.ts' bytes, compressed), then the tail that points at the index block.
 */
export async function encodeFooter(blocks: readonly BlockInfo[], at: number, overview?: Uint8Array): Promise<Uint8Array> {
  const content = new Uint8Array(blocks.length * INDEX_ENTRY_SIZE);
  const v = new DataView(content.buffer);
  blocks.forEach((b, i) => {
    const o = i * INDEX_ENTRY_SIZE;
    v.setBigUint64(o, BigInt(b.offset), true);
    writeBlockHeader(v, o + 8, b);
  });
  const index = await encodeBlock({ type: BlockType.index, streamBytes: 0, records: blocks.length, events: 0, firstTs: 0, lastTs: 0 }, content);
  const rest = await encodeFooterRest(at, overview);
  const out = new Uint8Array(index.length + rest.length);
  out.set(index, 0);
  out.set(rest, index.length);
  return out;
}

/**
 * What follows a footer's index block (at `indexAt`): the overview block when there is an
 * `overview`, then the tail. A finished file's overview is added or replaced by writing these
 * bytes right after its index block (file.ts' `putFileOverview`).
 */
export async function encodeFooterRest(indexAt: number, overview?: Uint8Array): Promise<Uint8Array> {
  const view = overview ? await encodeBlock({ type: BlockType.overview, streamBytes: overview.length, records: 0, events: 0, firstTs: 0, lastTs: 0 }, overview) : new Uint8Array(0);
  const out = new Uint8Array(view.length + FOOTER_SIZE);
  out.set(view, 0);
  new DataView(out.buffer).setBigUint64(view.length, BigInt(indexAt), true);
  out.set(FOOTER_MAGIC, view.length + 8);
  return out;
}

/** The index block's offset from a file's last FOOTER_SIZE bytes, or undefined when they are no footer. */
export function readFooterTail(tail: Uint8Array): number | undefined {
  if (tail.length !== FOOTER_SIZE) return undefined;
  for (let i = 0; i < 8; i++) if (tail[8 + i] !== FOOTER_MAGIC[i]) return undefined;
  return Number(new DataView(tail.buffer, tail.byteOffset, 8).getBigUint64(0, true));
}

/** The entries of an index block's payload. */
export function decodeIndex(content: Uint8Array): BlockInfo[] | undefined {
  if (content.length % INDEX_ENTRY_SIZE !== 0) return undefined;
  const v = new DataView(content.buffer, content.byteOffset, content.byteLength);
  const out: BlockInfo[] = [];
  for (let o = 0; o < content.length; o += INDEX_ENTRY_SIZE) {
    const offset = Number(v.getBigUint64(o, true));
    const info = readBlockHeader(v, o + 8, offset);
    if (!info) return undefined;
    out.push(info);
  }
  return out;
}
