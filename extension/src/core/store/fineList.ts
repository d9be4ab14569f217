/**
 * A track's events as a window finer than its mipmaps walks them (pagedStore.ts), compact: in
 * start order, in chunks of CHUNK events, each event four numbers — its start as the distance from
 * the one before, its length, its id as the distance from the one before, and the index of its look
 * (name and style), lane and instant flag in the chunk's small table — about 6.5 bytes an event
 * where the store's columns and index take 16. The four are bit-packed at the chunk's own widths
 * (the id's distance less the chunk's least), so a walk unpacks them without a branch; a chunk with
 * a number of 2^32 or more (a span of 4.3 s) keeps them as varints (the id's distance zigzag), and
 * a chunk whose values are not all whole ns (or not in start order) keeps them as they are. The
 * arguments, stacks and results are not here: an event's details are read back from the file.
 */

import type { BucketFill } from './buckets';

/** Events a chunk holds. */
const CHUNK = 1024;

/** One event as a walk sees it. */
export type FineVisit = (start: number, end: number, span: number, id: number, look: number, lane: number, instant: boolean) => void;

/** Where `FineList.fill` puts a walk's events: each lane's spans into its bucket fill, the instants one by one. */
export interface FineSink {
  /** The fill of lane `lane`'s spans. */
  lane(lane: number): BucketFill;
  /** An instant. */
  instant(start: number, look: number, id: number): void;
}

/** The columns of a chunk kept as it is. */
interface RawChunk {
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  readonly spans: Float64Array;
  readonly ids: Float64Array;
  readonly kinds: Uint32Array;
}

/** A chunk of events: every field set, so that all chunks share one shape (a walk's optimized code is not thrown away for another). */
class Chunk {
  constructor(
    readonly minStart: number,
    readonly maxStart: number,
    readonly count: number,
    readonly firstId: number,
    /** Per kind index: look, lane, instant (1) or not (0). */
    readonly kinds: Float64Array,
    /** The bit-packed numbers (`Packing`), or undefined (varints, or kept as it is). */
    readonly words: Uint32Array | undefined,
    /** How `words` packs its events' numbers. */
    readonly packing: Packing | undefined,
    /** The varints, or undefined (bit-packed, or kept as it is). */
    readonly bytes: Uint8Array | undefined,
    /** The columns, or undefined (packed or varints). */
    readonly raw: RawChunk | undefined,
  ) {}
}

/** The events added since the last chunk, in arrays reused from chunk to chunk (grown up to CHUNK). */
class Pending {
  starts = new Float64Array(16);
  ends = new Float64Array(16);
  spans = new Float64Array(16);
  ids = new Float64Array(16);
  looks = new Float64Array(16);
  lanes = new Float64Array(16);
  instants = new Uint8Array(16);
  length = 0;

  grow(): void {
    const n = Math.min(CHUNK, this.starts.length * 2);
    const grown = <T extends Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (size: number) => T)(n);
      b.set(a);
      return b;
    };
    this.starts = grown(this.starts);
    this.ends = grown(this.ends);
    this.spans = grown(this.spans);
    this.ids = grown(this.ids);
    this.looks = grown(this.looks);
    this.lanes = grown(this.lanes);
    this.instants = grown(this.instants);
  }
}

/** A chunk's kind key: a number where the look and lane are small whole numbers (no string an event), else a string. */
function kindKey(look: number, lane: number, instant: number): number | string {
  return look >= 0 && look < 2 ** 32 && lane >= 0 && lane < 2 ** 20 && Number.isInteger(look) && Number.isInteger(lane)
    ? (lane * 2 ** 32 + look) * 2 + instant
    : `${look},${lane},${instant}`;
}

/** Varints of a chunk being sealed (reused): at most 4 an event, 8 bytes each. */
const encoded = new Uint8Array(4 * CHUNK * 8);

/** Write `n` (a whole number under 2^53) as a varint at `p` of `encoded`; the position after it. */
function put(p: number, n: number): number {
  while (n >= 2 ** 31) {
    encoded[p++] = (n % 128) + 128;
    n = Math.floor(n / 128);
  }
  // under 2^31: the same bytes with integer operations (a double's % is a library call)
  while (n >= 128) {
    encoded[p++] = (n & 127) | 128;
    n >>>= 7;
  }
  encoded[p++] = n;
  return p;
}

/**
 * A bit-packed chunk's layout: each event a record of `record` bits at `i · record`, holding its
 * start's distance from the one before (`startBits` wide), its length (`spanBits`), its id's
 * distance from the one before less `idLeast` (`idBits`) and its kind's index (`kindBits`).
 */
interface Packing {
  readonly record: number;
  readonly startBits: number;
  readonly spanBits: number;
  readonly idBits: number;
  readonly kindBits: number;
  readonly idLeast: number;
}

/** Bits that hold `x` (a whole number under 2^32). */
function bitsOf(x: number): number {
  return 32 - Math.clz32(x);
}

/** The mask of the low `w` bits (w ≤ 32) as an int32. */
function maskOf(w: number): number {
  return w >= 32 ? -1 : (2 ** w - 1) | 0;
}

/** Words of a chunk being packed (reused): at most 4 × 32 bits an event, and two to spare. */
const packedWords = new Uint32Array(4 * CHUNK + 2);

/** Write `v` (a whole number under 2^32, `w` bits) at bit `o` of `packedWords` (zeroed before). */
function putBits(o: number, w: number, v: number): void {
  const k = o >>> 5;
  const sh = o & 31;
  packedWords[k] |= v << sh;
  if (sh + w > 32) packedWords[k + 1] |= v >>> (32 - sh);
}

/** The `mask`-wide number at bit `o` of `words` (a word to spare after it): no branch. */
function getBits(words: Uint32Array, o: number, mask: number): number {
  const k = o >>> 5;
  const sh = o & 31;
  // (x << 1) << (31 - sh): the next word's low bits above the first's, nothing when sh is 0
  return (((words[k] >>> sh) | ((words[k + 1] << 1) << (31 - sh))) & mask) >>> 0;
}

/** Events of one track, appended in start order, walked by start range. */
export class FineList {
  private readonly chunks: Chunk[] = [];
  private pending = new Pending();
  /** Every chunk starts at or after the one before's last start (else a walk looks at all). */
  private ordered = true;

  /** Add an event (`end` NaN for an instant). */
  add(start: number, end: number, span: number, id: number, look: number, lane: number, instant: boolean): void {
    const p = this.pending;
    const i = p.length;
    if (i === p.starts.length) p.grow();
    p.starts[i] = start;
    p.ends[i] = end;
    p.spans[i] = span;
    p.ids[i] = id;
    p.looks[i] = look;
    p.lanes[i] = lane;
    p.instants[i] = instant ? 1 : 0;
    p.length = i + 1;
    if (i + 1 === CHUNK) this.seal();
  }

  /** Seal the events added so far into a chunk (the last one, once all are added). */
  seal(): void {
    const { starts, ends, spans, ids, looks, lanes, instants, length: n } = this.pending;
    if (!n) return;
    const kindIndex = new Map<number | string, number>();
    const kinds: number[] = [];
    const kindOf = new Uint32Array(n);
    let sorted = true;
    let whole = true;
    let minStart = starts[0];
    let maxStart = starts[0];
    for (let i = 0; i < n; i++) {
      const key = kindKey(looks[i], lanes[i], instants[i]);
      let k = kindIndex.get(key);
      if (k === undefined) {
        kindIndex.set(key, (k = kinds.length / 3));
        kinds.push(looks[i], lanes[i], instants[i]);
      }
      kindOf[i] = k;
      const s = starts[i];
      minStart = Math.min(minStart, s);
      maxStart = Math.max(maxStart, s);
      if (i && s < starts[i - 1]) sorted = false;
      const span = spans[i];
      const exactEnd = instants[i] ? Number.isNaN(ends[i]) && Number.isNaN(span) : Number.isInteger(span) && span >= 0 && s + span === ends[i];
      if (!Number.isSafeInteger(s) || !Number.isSafeInteger(ids[i]) || !exactEnd) whole = false;
    }
    const last = this.chunks[this.chunks.length - 1];
    if (last && minStart < last.maxStart) this.ordered = false;
    const kindTable = Float64Array.from(kinds);
    const chunk = (words: Uint32Array | undefined, packing: Packing | undefined, bytes: Uint8Array | undefined, raw: RawChunk | undefined): Chunk =>
      new Chunk(minStart, maxStart, n, ids[0], kindTable, words, packing, bytes, raw);
    const packed = sorted && whole ? pack(starts, spans, ids, instants, kindOf, n) : undefined;
    if (packed) {
      this.chunks.push(chunk(packed.words, packed.packing, undefined, undefined));
    } else if (sorted && whole) {
      let p = 0;
      for (let i = 0; i < n; i++) {
        p = put(p, i ? starts[i] - starts[i - 1] : 0);
        p = put(p, instants[i] ? 0 : spans[i]);
        const d = i ? ids[i] - ids[i - 1] : 0;
        p = put(p, d >= 0 ? 2 * d : -2 * d - 1);
        p = put(p, kindOf[i]);
      }
      this.chunks.push(chunk(undefined, undefined, encoded.slice(0, p), undefined));
    } else {
      this.chunks.push(chunk(undefined, undefined, undefined, { starts: starts.slice(0, n), ends: ends.slice(0, n), spans: spans.slice(0, n), ids: ids.slice(0, n), kinds: kindOf }));
    }
    // a list sealed at the end of the pass keeps no spare arrays
    if (n === CHUNK) this.pending.length = 0;
    else this.pending = new Pending();
  }

  /** Bytes held. */
  bytes(): number {
    let n = 0;
    for (const c of this.chunks) {
      n += 64 + c.kinds.byteLength + (c.bytes?.byteLength ?? 0) + (c.words ? c.words.byteLength + 64 : 0);
      if (c.raw) for (const a of Object.values(c.raw)) n += a.byteLength;
    }
    return n;
  }

  /**
   * The events that start in [from, to), in start order (ties: by id), to `visit`. A chunk kept as
   * it is (not in order) and chunks that overlap in time are gathered and sorted first.
   */
  each(from: number, to: number, visit: FineVisit): void {
    const picked = this.pick(from, to);
    if (this.ordered && picked.every((c) => !c.raw)) {
      for (const c of picked) walkChunk(c, from, to, visit);
      return;
    }
    const all: [number, number, number, number, number, number, boolean][] = [];
    for (const c of picked) walkChunk(c, from, to, (s, e, span, id, look, lane, inst) => all.push([s, e, span, id, look, lane, inst]));
    all.sort((a, b) => a[0] - b[0] || a[3] - b[3]);
    for (const x of all) visit(...x);
  }

  /**
   * The events that start in [from, to) as `each` gives them, each span added to its lane's fill
   * and each instant to `sink`: the packed chunks walked in one loop without a call an event (a
   * window just finer than the mipmaps walks 150,000 events).
   */
  fill(from: number, to: number, sink: FineSink): void {
    const picked = this.pick(from, to);
    if (!this.ordered || !picked.every((c) => !c.raw)) {
      this.each(from, to, (s, e, span, id, look, lane, instant) => (instant ? sink.instant(s, look, id) : sink.lane(lane).add(s, e, id, span, look)));
      return;
    }
    for (const c of picked) fillChunk(c, from, to, sink);
  }

  /** The chunks that may hold events starting in [from, to). */
  private pick(from: number, to: number): Chunk[] {
    let i = 0;
    if (this.ordered) {
      let hi = this.chunks.length;
      while (i < hi) {
        const mid = (i + hi) >>> 1;
        if (this.chunks[mid].maxStart < from) i = mid + 1;
        else hi = mid;
      }
    }
    const picked: Chunk[] = [];
    for (; i < this.chunks.length; i++) {
      const c = this.chunks[i];
      if (c.minStart >= to) {
        if (this.ordered) break;
        continue;
      }
      if (c.maxStart >= from) picked.push(c);
    }
    return picked;
  }
}

/**
 * A sorted chunk of whole ns bit-packed (`Packing`), or undefined when a number is 2^32 or more.
 * The first event's distances are 0.
 */
function pack(starts: Float64Array, spans: Float64Array, ids: Float64Array, instants: Uint8Array, kindOf: Uint32Array, n: number): { words: Uint32Array; packing: Packing } | undefined {
  let maxStart = 0;
  let maxSpan = 0;
  let idLeast = 0;
  let idMost = 0;
  let maxKind = 0;
  for (let i = 1; i < n; i++) {
    maxStart = Math.max(maxStart, starts[i] - starts[i - 1]);
    const d = ids[i] - ids[i - 1];
    idLeast = Math.min(idLeast, d);
    idMost = Math.max(idMost, d);
  }
  for (let i = 0; i < n; i++) {
    if (!instants[i]) maxSpan = Math.max(maxSpan, spans[i]);
    maxKind = Math.max(maxKind, kindOf[i]);
  }
  if (maxStart >= 2 ** 32 || maxSpan >= 2 ** 32 || idMost - idLeast >= 2 ** 32) return undefined;
  const startBits = bitsOf(maxStart);
  const spanBits = bitsOf(maxSpan);
  const idBits = bitsOf(idMost - idLeast);
  const kindBits = bitsOf(maxKind);
  const record = startBits + spanBits + idBits + kindBits;
  const length = Math.ceil((record * n) / 32) + 2;
  packedWords.fill(0, 0, length);
  for (let i = 0, o = 0; i < n; i++, o += record) {
    putBits(o, startBits, i ? starts[i] - starts[i - 1] : 0);
    putBits(o + startBits, spanBits, instants[i] ? 0 : spans[i]);
    putBits(o + startBits + spanBits, idBits, (i ? ids[i] - ids[i - 1] : 0) - idLeast);
    putBits(o + startBits + spanBits + idBits, kindBits, kindOf[i]);
  }
  return { words: packedWords.slice(0, length), packing: { record, startBits, spanBits, idBits, kindBits, idLeast } };
}

/**
 * A packed or varint chunk's numbers, four an event: its start's distance from the one before,
 * its length, its id's distance from the one before, its kind's index; in a buffer reused by the next call.
 */
function decodeChunk(c: Chunk): Float64Array {
  const n = 4 * c.count;
  if (!c.words || !c.packing) {
    const v = decodeVarints(c.bytes as Uint8Array, n);
    for (let q = 2; q < n; q += 4) v[q] = unzigzag(v[q]);
    return v;
  }
  if (decoded.length < n) decoded = new Float64Array(n);
  const v = decoded;
  const w = c.words;
  const { record, startBits, spanBits, idBits, kindBits, idLeast } = c.packing;
  const startMask = maskOf(startBits);
  const spanMask = maskOf(spanBits);
  const idMask = maskOf(idBits);
  const kindMask = maskOf(kindBits);
  const spanAt = startBits;
  const idAt = startBits + spanBits;
  const kindAt = idAt + idBits;
  for (let q = 0, o = 0; q < n; q += 4, o += record) {
    v[q] = getBits(w, o, startMask);
    v[q + 1] = getBits(w, o + spanAt, spanMask);
    v[q + 2] = getBits(w, o + idAt, idMask) + idLeast;
    v[q + 3] = getBits(w, o + kindAt, kindMask);
  }
  return v;
}

/** Numbers decoded from varints, reused from chunk to chunk. */
let decoded = new Float64Array(4 * CHUNK);

/** The first `n` varints of `b`, in a buffer reused by the next call. */
function decodeVarints(b: Uint8Array, n: number): Float64Array {
  if (decoded.length < n) decoded = new Float64Array(n);
  const out = decoded;
  let p = 0;
  for (let j = 0; j < n; j++) {
    let x = b[p++];
    if (x < 128) {
      out[j] = x;
      continue;
    }
    let value = x - 128;
    let m = 128;
    for (;;) {
      x = b[p++];
      if (x < 128) break;
      value += (x - 128) * m;
      m *= 128;
    }
    out[j] = value + x * m;
  }
  return out;
}

/** The signed number zigzag-encoded as `z` (a whole number under 2^53; no `%`: a double's modulo is a library call, most of a walk's cost). */
function unzigzag(z: number): number {
  const half = Math.floor(z / 2);
  return half * 2 === z ? half : -half - 1;
}

/** A chunk's events that start in [from, to), in its order. */
function walkChunk(c: Chunk, from: number, to: number, visit: FineVisit): void {
  const k = c.kinds;
  if (c.raw) {
    const r = c.raw;
    for (let i = 0; i < c.count; i++) {
      const s = r.starts[i];
      if (s < from || s >= to) continue;
      const j = 3 * r.kinds[i];
      visit(s, r.ends[i], r.spans[i], r.ids[i], k[j], k[j + 1], k[j + 2] === 1);
    }
    return;
  }
  // the chunk's numbers unpacked in one tight loop (a closure reading them one at a time was most of a walk's cost)
  const v = decodeChunk(c);
  let s = c.minStart;
  let id = c.firstId;
  for (let i = 0; i < c.count; i++) {
    s += v[4 * i];
    const span = v[4 * i + 1];
    id += v[4 * i + 2];
    const j = 3 * v[4 * i + 3];
    if (s >= to) return;
    if (s < from) continue;
    const instant = k[j + 2] === 1;
    visit(s, instant ? Number.NaN : s + span, instant ? Number.NaN : span, id, k[j], k[j + 1], instant);
  }
}

/** Per kind of the chunk being filled: its lane's fill, null for an instant, undefined until one is met (reused). */
const fills: (BucketFill | null | undefined)[] = [];

/** A chunk's event into `sink`: its kind's lane fill (met first: looked up and kept in `fills`) or an instant. */
function fillOne(k: Float64Array, kind: number, s: number, span: number, id: number, sink: FineSink): void {
  let f = fills[kind];
  if (f === undefined) f = fills[kind] = k[3 * kind + 2] === 1 ? null : sink.lane(k[3 * kind + 1]);
  if (f !== null) f.add(s, s + span, id, span, k[3 * kind]);
  else sink.instant(s, k[3 * kind], id);
}

/** A packed or varint chunk's events that start in [from, to) into `sink` (FineList.fill). */
function fillChunk(c: Chunk, from: number, to: number, sink: FineSink): void {
  const k = c.kinds;
  fills.fill(undefined, 0, k.length / 3);
  if (c.words && c.packing) {
    fillPacked(c, c.words, c.packing, from, to, sink);
    return;
  }
  const v = decodeChunk(c);
  const n = 4 * c.count;
  let s = c.minStart;
  let id = c.firstId;
  for (let q = 0; q < n; q += 4) {
    s += v[q];
    id += v[q + 2];
    if (s >= to) return;
    if (s >= from) fillOne(k, v[q + 3], s, v[q + 1], id, sink);
  }
}

/** A packed chunk's events that start in [from, to) into `sink`, unpacked as they are walked (a length and kind only for an event in range). */
function fillPacked(c: Chunk, w: Uint32Array, p: Packing, from: number, to: number, sink: FineSink): void {
  const { record, startBits, spanBits, idBits, kindBits, idLeast } = p;
  const startMask = maskOf(startBits);
  const spanMask = maskOf(spanBits);
  const idMask = maskOf(idBits);
  const kindMask = maskOf(kindBits);
  const idAt = startBits + spanBits;
  const kindAt = idAt + idBits;
  const n = c.count;
  let s = c.minStart;
  let id = c.firstId;
  for (let i = 0, o = 0; i < n; i++, o += record) {
    s += getBits(w, o, startMask);
    id += getBits(w, o + idAt, idMask) + idLeast;
    if (s >= to) return;
    if (s >= from) fillOne(c.kinds, getBits(w, o + kindAt, kindMask), s, getBits(w, o + startBits, spanMask), id, sink);
  }
}
