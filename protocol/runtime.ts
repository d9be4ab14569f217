/**
 * The fixed helpers the generated decoder and encoders (generated/wire.ts) call: 64-bit numbers,
 * C strings and tail arrays read from and written to a DataView. Hand-written once; the generator
 * writes only what each record and syscall needs.
 */

/** An unsigned 64-bit little-endian integer as a number (exact below 2^53, as times and sizes are). */
export function u64n(v: DataView, o: number): number {
  return v.getUint32(o + 4, true) * 4294967296 + v.getUint32(o, true);
}

/** A signed 64-bit little-endian integer as a number (exact within ±2^53). */
export function i64n(v: DataView, o: number): number {
  return v.getInt32(o + 4, true) * 4294967296 + v.getUint32(o, true);
}

/**
 * A raw 64-bit word as a record gives it (a syscall's argument): a number when below 2^53, as fds,
 * sizes, flags and user addresses are (no BigInt made per word), else a bigint. Read with the
 * word helpers below, which take either form (a record built by hand may hold a small bigint).
 */
export type Word = number | bigint;

/** An unsigned 64-bit little-endian word: a number when exact (below 2^53), else a bigint. */
export function w64(v: DataView, o: number): Word {
  const hi = v.getUint32(o + 4, true);
  return hi < 0x200000 ? hi * 4294967296 + v.getUint32(o, true) : v.getBigUint64(o, true);
}

/**
 * The last few unsigned 64-bit values read as bigints, each with its two 32-bit halves: a field that
 * repeats from record to record (a stack id: a thread calls from the same places) gets the bigint
 * made before, not a new one for each record (a BigInt is an object).
 */
export class WordCache {
  /** How many values are kept (the slots are reused round robin). */
  static readonly SIZE = 4;
  /** Each kept value's low and high halves, in pairs. */
  private readonly halves = new Uint32Array(2 * WordCache.SIZE);
  private readonly values: bigint[] = Array.from({ length: WordCache.SIZE }, () => 0n);
  private next = 0;

  /** The unsigned 64-bit little-endian integer at `o`, as `v.getBigUint64(o, true)` reads it. */
  read(v: DataView, o: number): bigint {
    const lo = v.getUint32(o, true);
    const hi = v.getUint32(o + 4, true);
    const h = this.halves;
    for (let i = 0; i < WordCache.SIZE; i++) if (h[2 * i] === lo && h[2 * i + 1] === hi) return this.values[i];
    const value = v.getBigUint64(o, true);
    const n = this.next;
    this.next = (n + 1) % WordCache.SIZE;
    h[2 * n] = lo;
    h[2 * n + 1] = hi;
    this.values[n] = value;
    return value;
  }
}

/** An empty view (a slot before its first record). */
export const NO_VIEW = new DataView(new ArrayBuffer(0));

/** No bytes (`copyU32s` of an empty range). */
export const NO_U32S: readonly number[] = Object.freeze([]);

/** Whether the bytes from `start` to `end` of `v` (a multiple of 4 long) are those `copyU32s` kept in `kept`. */
export function sameU32s(v: DataView, start: number, end: number, kept: readonly number[]): boolean {
  const n = (end - start) >> 2;
  if (n !== kept.length) return false;
  for (let i = 0; i < n; i++) if (v.getUint32(start + i * 4, true) !== kept[i]) return false;
  return true;
}

/**
 * A copy of the bytes from `start` to `end` of `v` (a multiple of 4 long) as 32-bit words, kept
 * past the view's reuse. An array of numbers, not an ArrayBuffer: allocating a buffer costs about a
 * microsecond (measured: ArrayBuffer.slice of 16–128 bytes 0.8–1.2 µs, the array ~36 ns), paid at
 * every call a thread did not repeat.
 */
export function copyU32s(v: DataView, start: number, end: number): readonly number[] {
  const n = (end - start) >> 2;
  if (n <= 0) return NO_U32S;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = v.getUint32(start + i * 4, true);
  return out;
}

/** Writes a word as an unsigned 64-bit little-endian integer. */
export function setW64(v: DataView, o: number, w: Word): void {
  v.setBigUint64(o, BigInt.asUintN(64, BigInt(w)), true);
}

/** A word's low 32 bits as a signed int (an fd, an int argument). */
export function wordI32(w: Word): number {
  return typeof w === 'number' ? w | 0 : Number(BigInt.asIntN(32, w));
}

/** A word's low 32 bits, unsigned (flags). */
export function wordU32(w: Word): number {
  return typeof w === 'number' ? w >>> 0 : Number(w & 0xffffffffn);
}

/** A word as a number (inexact above 2^53). */
export function wordNumber(w: Word): number {
  return typeof w === 'number' ? w : Number(w);
}

/** A word as a signed 64-bit number (a negative offset; inexact beyond ±2^53). */
export function wordI64(w: Word): number {
  return typeof w === 'number' ? w : Number(BigInt.asIntN(64, w));
}

/** Whether a word is 0. */
export function wordIsZero(w: Word): boolean {
  return typeof w === 'number' ? w === 0 : w === 0n;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8enc = new TextEncoder();

/** A NUL-terminated string in a field of `max` bytes. */
export function cstr(v: DataView, o: number, max: number): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset + o, max);
  const nul = bytes.indexOf(0);
  return utf8.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** NUL-terminated strings from `o` to `end`; padding and empty trailing strings dropped. */
export function cstrs(v: DataView, o: number, end: number): string[] {
  const bytes = new Uint8Array(v.buffer, v.byteOffset + o, Math.max(0, end - o));
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(utf8.decode(bytes.subarray(start, i)));
      start = i + 1;
    }
  }
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

/** An empty tail, shared: most records have none (no array made for each). */
const NO_WORDS: readonly bigint[] = Object.freeze([]);

/** The whole u64 words from `o` to `end`. */
export function u64s(v: DataView, o: number, end: number): readonly bigint[] {
  if (o + 8 > end) return NO_WORDS;
  const out: bigint[] = [];
  for (let p = o; p + 8 <= end; p += 8) out.push(v.getBigUint64(p, true));
  return out;
}

/** The bytes of a record's tail: u64 words, or NUL-terminated strings. */
export function tailBytes(kind: 'string' | 'strings' | 'u64[]', v: string | string[] | readonly bigint[]): Uint8Array {
  if (kind === 'u64[]') {
    const words = v as readonly bigint[];
    const out = new Uint8Array(words.length * 8);
    const dv = new DataView(out.buffer);
    words.forEach((w, i) => dv.setBigUint64(i * 8, BigInt.asUintN(64, w), true));
    return out;
  }
  const parts = kind === 'string' ? [v as string] : (v as string[]);
  const chunks = parts.map((p) => utf8enc.encode(p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length + 1, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length + 1;
  }
  return out;
}

/** Writes a number as an unsigned 64-bit little-endian integer (truncated to an integer). */
export function setU64(v: DataView, o: number, x: number): void {
  v.setBigUint64(o, BigInt.asUintN(64, BigInt(Math.trunc(x))), true);
}

/** Writes a string into a NUL-terminated field of `max` bytes (cut to fit). */
export function setStr(v: DataView, o: number, max: number, s: string): void {
  const b = utf8enc.encode(s).subarray(0, max - 1);
  new Uint8Array(v.buffer, v.byteOffset + o, max).set(b);
}

/** A string as u64 words (wordsText's inverse): at most `maxWords`, NUL-padded; `truncated` when it did not fit. */
export function textWords(text: string, maxWords: number): { words: bigint[]; truncated: boolean } {
  const all = new TextEncoder().encode(text);
  const bytes = new Uint8Array(Math.min(maxWords, Math.ceil((all.length + 1) / 8)) * 8);
  bytes.set(all.subarray(0, bytes.length));
  const dv = new DataView(bytes.buffer);
  const words = Array.from({ length: bytes.length / 8 }, (_, i) => dv.getBigUint64(i * 8, true));
  return { words, truncated: all.length > bytes.length };
}

/** A string packed into u64 words (little-endian bytes, NUL-terminated or filling them all). */
export function wordsText(words: readonly bigint[]): string {
  const bytes = new Uint8Array(words.length * 8);
  const dv = new DataView(bytes.buffer);
  words.forEach((w, i) => dv.setBigUint64(i * 8, w, true));
  const nul = bytes.indexOf(0);
  return utf8.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}
