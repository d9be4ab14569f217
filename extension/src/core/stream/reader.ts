/**
 * Incremental reader of the iolens event stream (protocol/schema.json): checks the header, cuts
 * records out of arbitrarily split chunks, skips kinds it does not know, and reports a stream cut
 * short in the middle of a record instead of throwing.
 */
import {
  HEADER_SIZE,
  MAGIC,
  RECORD_HEADER_SIZE,
  RECORD_MIN_SIZE,
  RecordKindNames,
  SCHEMA_VERSION,
  decodeHeader,
  decodeRecord,
  type RecordSlots,
  type StreamHeader,
  type WireRecord,
} from '../../../../protocol/generated/wire';
import { UserError } from '../errors';

const EMPTY = new Uint8Array(0);
/** The largest header the reader accepts. */
export const HEADER_MAX = 4096;
const NOT_A_STREAM = 'not an iolens stream (bad magic bytes at the start)';
const NOT_A_STREAM_FIX = 'Open a trace written by I/O Lens (Save Trace…, `iolens record -o`, `iolens-tracer --output`).';

/**
 * Why the stream header at the start of `buf` (at least HEADER_SIZE bytes) is not one this version
 * reads, or undefined when it is.
 */
export function headerProblem(buf: Uint8Array): { message: string; offset: number; fix?: string } | undefined {
  for (let i = 0; i < MAGIC.length; i++) if (buf[i] !== MAGIC[i]) return { message: NOT_A_STREAM, offset: 0, fix: NOT_A_STREAM_FIX };
  const header = decodeHeader(new DataView(buf.buffer, buf.byteOffset, buf.byteLength), 0);
  if (header.version > SCHEMA_VERSION) {
    return { message: `this stream uses schema version ${header.version}; this iolens reads up to version ${SCHEMA_VERSION}: update iolens`, offset: 8, fix: 'Update I/O Lens.' };
  }
  if (header.headerSize < HEADER_SIZE || header.headerSize > HEADER_MAX || header.headerSize % 8 !== 0) {
    return { message: `bad header size ${header.headerSize}`, offset: 10 };
  }
  return undefined;
}

/** Receives what the reader finds. */
export interface StreamSink {
  /**
   * One decoded record; `offset` is its position in the stream. (Its raw bytes are not handed
   * over: a view of them for each record cost live ingest an allocation an event, unused.)
   */
  record(rec: WireRecord, offset: number): void;
  /** A record of a kind this version does not know; skipped. */
  unknown?(kind: number, size: number, offset: number): void;
  /** A known record the reader was asked not to decode (see StreamReader's `decode`). */
  skipped?(kind: number, size: number): void;
}

/** Counters a reader keeps. */
export interface ReaderStats {
  records: number;
  unknownRecords: number;
  bytes: number;
}

/**
 * Feeds chunks in, calls the sink for each whole record. A malformed record (bad size) is an
 * error: everything after it is unreadable, so the reader stops there and `error` says why.
 */
export class StreamReader {
  private pending: Uint8Array = EMPTY;
  private consumed = 0;
  private headerSeen = false;
  /** The header, once read. */
  header: StreamHeader | undefined;
  /** The first problem found (its `offset` says where); after it, input is ignored. */
  error: UserError | undefined;
  readonly stats: ReaderStats = { records: 0, unknownRecords: 0, bytes: 0 };

  /**
   * @param decode which kinds to decode (default: all); the others go to `sink.skipped`, which
   * costs nothing per record (a recording that only saves a file needs almost none decoded)
   * @param slots the objects to decode the most common records into (`recordSlots()`), when the sink
   * keeps no record past its `record` call: no object made for each of them.
   */
  constructor(
    private readonly sink: StreamSink,
    private readonly decode?: (kind: number) => boolean,
    private readonly slots?: RecordSlots,
  ) {}

  /**
   * Process a chunk. Returns false once the stream is known to be broken. Only the bytes of a record
   * split across chunks are copied, never a chunk (a fresh buffer per chunk costs page faults).
   */
  push(chunk: Uint8Array): boolean {
    if (this.error) return false;
    this.stats.bytes += chunk.length;
    let from = 0;
    while ((this.pending.length || !this.headerSeen) && from < chunk.length) {
      // finish what was held back (the header, or one record) with the chunk's first bytes
      const take = Math.min(Math.max(1, this.pendingNeed(chunk.subarray(from))), chunk.length - from);
      const joined = new Uint8Array(this.pending.length + take);
      joined.set(this.pending, 0);
      joined.set(chunk.subarray(from, from + take), this.pending.length);
      from += take;
      const used = this.parse(joined, 0);
      if (this.error) return false;
      this.pending = used < joined.length ? joined.slice(used) : EMPTY;
    }
    if (this.pending.length || !this.headerSeen) return true; // the chunk is used up
    const used = this.parse(chunk, from);
    if (this.error) return false;
    // a copy: a view would keep the whole chunk alive
    this.pending = used < chunk.length ? Uint8Array.prototype.slice.call(chunk, used) : EMPTY;
    return true;
  }

  /** How many more bytes the held-back header or record needs (a guess until its size is known). */
  private pendingNeed(chunk: Uint8Array): number {
    const p = this.pending;
    if (!this.headerSeen) return HEADER_MAX;
    if (p.length >= RECORD_HEADER_SIZE) return new DataView(p.buffer, p.byteOffset, p.byteLength).getUint16(2, true) - p.length;
    // the size field itself is split: it ends within the chunk's first bytes
    const sizeAt = 2 - p.length;
    if (chunk.length < sizeAt + 2) return chunk.length;
    const lo = sizeAt < 0 ? p[2] : chunk[sizeAt];
    const hi = chunk[sizeAt + 1];
    return (lo | (hi << 8)) - p.length;
  }

  /**
   * The input has ended. Returns a warning when it stopped inside the header or a record (a
   * recording cut short by a crash or a full disk): everything before is kept. A stream without a
   * whole header is unreadable: `error` then says why and what to do.
   */
  end(): string | undefined {
    if (this.error) return this.error.message;
    if (!this.headerSeen) {
      const n = Math.min(this.pending.length, MAGIC.length);
      let bad = false;
      for (let i = 0; i < n; i++) if (this.pending[i] !== MAGIC[i]) bad = true;
      this.error =
        this.pending.length === 0
          ? new UserError('trace', 'the stream is empty', 'It holds no recording: record the trace again (a recording that could not start leaves an empty file).', 0)
          : bad
            ? new UserError('trace', NOT_A_STREAM, NOT_A_STREAM_FIX, 0)
            : new UserError('trace', `the stream ends inside its ${HEADER_SIZE}-byte header`, 'It was cut short before its first record: record the trace again.', 0);
      return this.error.message;
    }
    if (this.pending.length) {
      const at = this.consumed;
      return `the stream ends ${this.pending.length} bytes into a record at offset ${at}: it was cut short (crash or full disk); ${this.stats.records === 1 ? 'the 1 whole record' : `the ${this.stats.records} whole records`} before it ${this.stats.records === 1 ? 'is' : 'are'} kept`;
    }
    return undefined;
  }

  /** Bytes of a partial record held back, waiting for more input. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  private fail(message: string, offset: number, fix = 'The trace is damaged from this point on: everything before it was read.'): number {
    this.error = new UserError('trace', message, fix, offset);
    return Number.MAX_SAFE_INTEGER;
  }

  private parse(buf: Uint8Array, start: number): number {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let off = start;
    if (!this.headerSeen) {
      if (buf.length < HEADER_SIZE) return 0;
      const problem = headerProblem(buf);
      if (problem) return this.fail(problem.message, problem.offset, problem.fix);
      const header = decodeHeader(view, 0);
      if (buf.length < header.headerSize) return 0;
      this.header = header;
      this.headerSeen = true;
      off = header.headerSize;
      this.consumed = off;
    }
    while (buf.length - off >= RECORD_HEADER_SIZE) {
      const kind = view.getUint16(off, true);
      const size = view.getUint16(off + 2, true);
      if (size < 8 || size % 8 !== 0) {
        this.fail(`bad record size ${size} (kind ${kind}) at offset ${this.consumed}`, this.consumed);
        return buf.length;
      }
      if (buf.length - off < size) break;
      const min = RECORD_MIN_SIZE.get(kind);
      if (min === undefined) {
        this.stats.unknownRecords++;
        this.sink.unknown?.(kind, size, this.consumed);
      } else if (size < min) {
        const name = RecordKindNames.get(kind) ?? String(kind);
        this.fail(`${name} record of ${size} bytes at offset ${this.consumed} is shorter than its ${min}-byte fixed part`, this.consumed);
        return buf.length;
      } else if (this.decode && !this.decode(kind)) {
        this.sink.skipped?.(kind, size);
      } else {
        const rec = decodeRecord(view, off, kind, size, this.slots);
        if (rec) {
          this.stats.records++;
          this.sink.record(rec, this.consumed);
        }
      }
      off += size;
      this.consumed += size;
    }
    return off;
  }
}
