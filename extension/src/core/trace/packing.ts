/**
 * The records of one block of a trace file, packed before compression: the wire records are cut
 * into 32-bit words, and the words are stored column by column (word w of every record of one
 * kind together), each column either as it is or as differences from the previous record of the
 * kind (chosen per column, whichever is smaller), as varints. Timestamps become small deltas,
 * constant fields (pid, flags, a stack id) become runs of zeros, and the compressor that follows
 * sees long repetitive columns. It works on any record the stream may hold (a kind this version
 * does not know included): nothing here depends on a record's fields, so a new kind needs no code.
 *
 * Records of a kind whose columns hardly shrink (text: paths, names, source files) are kept as rows,
 * their bytes as they are, which the compressor handles better than text cut into columns.
 *
 * Layout: varint count; per record varint kind, varint size/8; then for each kind in order of first
 * appearance a layout byte: ROWS, then each record's bytes after its first word, in order; or
 * COLUMNS, then for each word index w ≥ 1 up to its longest record: a mode byte (0 as is, 1
 * deltas), the column's length in bytes (varint), and one varint per record of the kind that has
 * word w. The lengths let the decoder write the records in order, reading every column at once
 * (its writes then go through memory once, not once per column).
 */

const COLUMNS = 0;
const ROWS = 1;

/** Thrown when packed bytes are malformed (a damaged file). */
export class PackingError extends Error {}

/** Bytes a varint of `v` (an unsigned 32-bit value) takes. */
function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Zigzag of the 32-bit difference a - b (wrapping): small either way. */
function zigzagDelta(a: number, b: number): number {
  const d = (a - b) | 0;
  return ((d << 1) ^ (d >> 31)) >>> 0;
}

/** Write `v` (unsigned 32-bit) as a varint at `p`; returns the position after it. */
function putVarint(out: Uint8Array, p: number, v: number): number {
  while (v >= 0x80) {
    out[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[p++] = v;
  return p;
}

/** The records of each kind (their first word's index), kinds in order of first appearance. */
function groupByKind(words: Uint32Array, starts: Int32Array, count: number): Int32Array[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const kind = words[starts[i]] & 0xffff;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const lists = new Map<number, { at: Int32Array; n: number }>();
  for (const [kind, n] of counts) lists.set(kind, { at: new Int32Array(n), n: 0 });
  for (let i = 0; i < count; i++) {
    const l = lists.get(words[starts[i]] & 0xffff)!;
    l.at[l.n++] = starts[i];
  }
  return [...lists.values()].map((l) => l.at);
}

/** The most words a record of the list has. */
function longest(words: Uint32Array, list: Int32Array): number {
  let most = 0;
  for (let i = 0; i < list.length; i++) most = Math.max(most, words[list[i]] >>> 18);
  return most;
}

/**
 * Pack whole records (kind u16, size u16 in bytes, a multiple of 8, at least 8), laid end to end.
 * The caller guarantees the framing (sizes were checked when the records were cut).
 */
export function packRecords(records: Uint8Array): Uint8Array {
  const src = records.byteOffset % 4 === 0 ? records : records.slice();
  const words = new Uint32Array(src.buffer, src.byteOffset, src.byteLength >>> 2);
  const starts = new Int32Array(words.length >>> 1);
  let count = 0;
  for (let w = 0; w < words.length;) {
    const size = words[w] >>> 18; // size / 4 (bytes are at bits 16.., a multiple of 8)
    if (size < 2 || w + size > words.length) throw new PackingError(`bad record size ${size * 4}`);
    starts[count++] = w;
    w += size;
  }
  const out = scratch(10 + count * 6 + words.length * 10 + 256);
  let p = putVarint(out, 0, count);
  for (let i = 0; i < count; i++) {
    p = putVarint(out, p, words[starts[i]] & 0xffff);
    p = putVarint(out, p, words[starts[i]] >>> 19);
  }
  for (const list of groupByKind(words, starts, count)) {
    const most = longest(words, list);
    // what each column takes as it is and as deltas, and what rows would take: one pass in
    // record order (the block is read once, in order, not once per column)
    const raw = new Int32Array(most);
    const delta = new Int32Array(most);
    const prev = new Uint32Array(most);
    let rows = 0;
    for (let i = 0; i < list.length; i++) {
      const at = list[i];
      const size = words[at] >>> 18;
      rows += (size - 1) * 4;
      for (let k = 1; k < size; k++) {
        const v = words[at + k];
        raw[k] += varintSize(v);
        delta[k] += varintSize(zigzagDelta(v, prev[k]));
        prev[k] = v;
      }
    }
    const deltas = new Uint8Array(most);
    let columns = 0;
    for (let k = 1; k < most; k++) {
      deltas[k] = delta[k] < raw[k] ? 1 : 0;
      columns += Math.min(raw[k], delta[k]) + 2;
    }
    if (columns * 2 > rows) {
      out[p++] = ROWS;
      for (let i = 0; i < list.length; i++) {
        const at = list[i];
        const bytes = src.subarray((at + 1) * 4, (at + (words[at] >>> 18)) * 4);
        out.set(bytes, p);
        p += bytes.length;
      }
      continue;
    }
    out[p++] = COLUMNS;
    // each column's header, and where its varints go (`cursor`, advanced as they are written)
    const cursor = new Int32Array(most);
    for (let k = 1; k < most; k++) {
      const length = Math.min(raw[k], delta[k]);
      out[p++] = deltas[k];
      p = putVarint(out, p, length);
      cursor[k] = p;
      p += length;
    }
    prev.fill(0);
    for (let i = 0; i < list.length; i++) {
      const at = list[i];
      const size = words[at] >>> 18;
      for (let k = 1; k < size; k++) {
        let v = words[at + k];
        if (deltas[k]) {
          const d = zigzagDelta(v, prev[k]);
          prev[k] = v;
          v = d;
        }
        let q = cursor[k];
        while (v >= 0x80) {
          out[q++] = (v & 0x7f) | 0x80;
          v >>>= 7;
        }
        out[q++] = v;
        cursor[k] = q;
      }
    }
  }
  return out.slice(0, p);
}

/** packRecords' working buffer, kept from one block to the next (its result is a copy). */
let scratchBuf = new Uint8Array(0);

/** The working buffer, at least `size` bytes. */
function scratch(size: number): Uint8Array {
  if (scratchBuf.length < size) scratchBuf = new Uint8Array(size);
  return scratchBuf;
}

/** Unpack what packRecords made, given the records' total size in bytes (`rawLength`). */
export function unpackRecords(packed: Uint8Array, rawLength: number): Uint8Array {
  if (rawLength % 8 !== 0) throw new PackingError(`bad block length ${rawLength}`);
  let p = 0;
  const get = (): number => {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (p >= packed.length) throw new PackingError('packed records end early');
      const b = packed[p++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v >>> 0;
    }
    throw new PackingError('bad varint');
  };
  const out = new Uint8Array(rawLength);
  const words = new Uint32Array(out.buffer);
  const count = get();
  if (count > rawLength / 8) throw new PackingError('bad record count in packed block');
  const starts = new Int32Array(count);
  let w = 0;
  for (let i = 0; i < count; i++) {
    const kind = get();
    const size = get() * 2; // in words
    if (kind > 0xffff || size < 2 || size > 0x3fff || w + size > words.length) throw new PackingError('bad record in packed block');
    words[w] = kind | (size << 18);
    starts[i] = w;
    w += size;
  }
  if (w !== words.length) throw new PackingError(`packed records fill ${w * 4} of ${rawLength} bytes`);
  // where each kind's columns are: cursor, end and mode of column k at [k]
  const columns = new Map<number, { at: Int32Array; end: Int32Array; deltas: Uint8Array; prev: Uint32Array; rows: boolean }>();
  for (const list of groupByKind(words, starts, count)) {
    const most = longest(words, list);
    const c = { at: new Int32Array(most), end: new Int32Array(most), deltas: new Uint8Array(most), prev: new Uint32Array(most), rows: false };
    if (p >= packed.length) throw new PackingError('packed records end early');
    c.rows = packed[p++] === ROWS;
    if (c.rows) {
      // the rows' bytes: cursor and end at [0]
      c.at[0] = p;
      for (let i = 0; i < list.length; i++) p += ((words[list[i]] >>> 18) - 1) * 4;
      c.end[0] = p;
    }
    for (let k = 1; k < most && !c.rows; k++) {
      if (p >= packed.length) throw new PackingError('packed records end early');
      c.deltas[k] = packed[p++];
      const length = get();
      c.at[k] = p;
      p += length;
      c.end[k] = p;
    }
    columns.set(words[list[0]] & 0xffff, c);
  }
  if (p !== packed.length) throw new PackingError('packed block has trailing bytes');
  let kind = -1;
  let cursor: Int32Array = new Int32Array(0);
  let modes: Uint8Array = new Uint8Array(0);
  let prev: Uint32Array = new Uint32Array(0);
  let rows = false;
  for (let i = 0; i < count; i++) {
    const at = starts[i];
    if ((words[at] & 0xffff) !== kind) {
      kind = words[at] & 0xffff;
      const c = columns.get(kind)!;
      cursor = c.at;
      modes = c.deltas;
      prev = c.prev;
      rows = c.rows;
    }
    const size = words[at] >>> 18;
    if (rows) {
      const q = cursor[0];
      const length = (size - 1) * 4;
      if (q + length > packed.length) throw new PackingError('packed records end early');
      out.set(packed.subarray(q, q + length), (at + 1) * 4);
      cursor[0] = q + length;
      continue;
    }
    for (let k = 1; k < size; k++) {
      // a varint, read without bounds checks (past the end reads undefined, i.e. 0): checked per column below
      let q = cursor[k];
      let b = packed[q++];
      let z = b & 0x7f;
      if (b >= 0x80) {
        b = packed[q++];
        z |= (b & 0x7f) << 7;
        if (b >= 0x80) {
          b = packed[q++];
          z |= (b & 0x7f) << 14;
          if (b >= 0x80) {
            b = packed[q++];
            z |= (b & 0x7f) << 21;
            if (b >= 0x80) z |= (packed[q++] & 0x0f) << 28;
          }
        }
      }
      cursor[k] = q;
      z >>>= 0;
      const v = modes[k] === 1 ? (prev[k] + ((z >>> 1) ^ -(z & 1))) >>> 0 : z;
      words[at + k] = v;
      prev[k] = v;
    }
  }
  for (const c of columns.values()) {
    for (let k = 0; k < c.at.length; k++) if (c.at[k] !== c.end[k]) throw new PackingError('a packed column does not match its length');
  }
  return out;
}
