/**
 * Cutting the tracer's stream (after its header) into the blocks of a format-2 trace file
 * (format.ts): whole records are gathered until a block is full, then packed (packing.ts) and
 * compressed. Stream bytes that are not well-formed records (a record size that cannot be) make
 * every later byte go into raw blocks, kept as they came.
 */
import { RECORD_HEADER_SIZE } from '../../../../protocol/generated/wire';
import { encodeHere, type BlockEncoder, type BlockFields } from './blockEncoder';
import { contextRecords, recordTs } from './flight';
import { BLOCK_MAX_BYTES, BLOCK_MAX_RECORDS, BlockType } from './format';
import { EVENT_RECORD_KINDS } from './pipeline';

/** A block on its way to the file: its header fields, and its bytes once compressed. */
export interface PendingBlock {
  readonly info: BlockFields;
  readonly bytes: Promise<Uint8Array>;
  /** Its context records (flight.ts), when the builder was asked to keep them. */
  readonly context?: Uint8Array;
}

/** Gathers stream bytes into blocks; `emit` receives each block, in order. */
export class BlockBuilder {
  private buf = new Uint8Array(1 << 20);
  /** Bytes in buf. */
  private length = 0;
  /** End of the last whole record in buf (raw mode: unused). */
  private whole = 0;
  private records = 0;
  private events = 0;
  private firstTs = 0;
  private lastTs = 0;
  /** A malformed record was met: everything from it on goes into raw blocks. */
  private raw = false;

  /**
   * `keepContext`: each block carries a copy of its context records (a flight recording's ring);
   * `encode`: packs and compresses a block (on this thread by default, blockEncoder.ts).
   */
  constructor(
    private readonly emit: (block: PendingBlock) => void,
    private readonly keepContext = false,
    private readonly encode: BlockEncoder = encodeHere,
  ) {}

  /** Bytes held that are not in a block yet (whole records and a partial one). */
  get held(): number {
    return this.length;
  }

  /** The stream's framing broke: what follows is kept in raw blocks. */
  get broken(): boolean {
    return this.raw;
  }

  /** Bytes of a record cut short at the end of what came so far. */
  get partial(): number {
    return this.raw ? 0 : this.length - this.whole;
  }

  /** Stream bytes after the header, in order. The chunk is copied. */
  push(chunk: Uint8Array): void {
    for (let from = 0; from < chunk.length;) {
      const take = Math.min(chunk.length - from, Math.max(BLOCK_MAX_BYTES - this.length, 1 << 16));
      this.append(chunk.subarray(from, from + take));
      from += take;
      if (this.raw) {
        if (this.length >= BLOCK_MAX_BYTES) this.seal();
      } else this.scan();
    }
  }

  private append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + bytes.length));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Account for the whole records that came, sealing full blocks. */
  private scan(): void {
    const b = this.buf;
    const v = new DataView(b.buffer, 0, this.length);
    while (this.length - this.whole >= RECORD_HEADER_SIZE) {
      const at = this.whole;
      const kind = v.getUint16(at, true);
      const size = v.getUint16(at + 2, true);
      if (size < 8 || size % 8 !== 0) {
        // the stream's framing is broken here: what came before in blocks, the rest kept as it is
        this.seal();
        this.raw = true;
        return;
      }
      if (this.length - at < size) return;
      const ts = recordTs(v, at, kind, size);
      if (ts !== undefined) {
        if (ts && (!this.firstTs || ts < this.firstTs)) this.firstTs = ts;
        if (ts > this.lastTs) this.lastTs = ts;
      }
      if (EVENT_RECORD_KINDS.has(kind)) this.events++;
      this.records++;
      this.whole = at + size;
      if (this.records >= BLOCK_MAX_RECORDS || this.whole >= BLOCK_MAX_BYTES) {
        this.seal();
        return this.scan();
      }
    }
  }

  /** Drop a record cut short at the end (the stream stopped inside it). */
  dropPartial(): void {
    if (!this.raw) this.length = this.whole;
  }

  /** Put what is held (whole records; raw mode: every byte) into a block now, if anything. */
  seal(): void {
    const end = this.raw ? this.length : this.whole;
    if (end === 0) return;
    const content = this.buf.subarray(0, end);
    const info = this.raw
      ? { type: BlockType.raw, streamBytes: end, records: 0, events: 0, firstTs: 0, lastTs: 0 }
      : { type: BlockType.records, streamBytes: end, records: this.records, events: this.events, firstTs: this.firstTs, lastTs: this.lastTs };
    const context = this.keepContext ? (this.raw ? new Uint8Array(0) : contextRecords(content)) : undefined;
    // the encoder packs or copies the content at once: the buffer is reused below
    const bytes = this.encode(info, content);
    this.emit({ info, bytes, context });
    this.buf.copyWithin(0, end, this.length);
    this.length -= end;
    this.whole = 0;
    this.records = this.events = this.firstTs = this.lastTs = 0;
  }
}
