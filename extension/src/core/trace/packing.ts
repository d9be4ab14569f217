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

/** Bytes a varint takes by the count of leading zero bits of its value (Math.clz32, 0 to 32). */
const VARINT_SIZE = Uint8Array.from({ length: 33 }, (_, zeros) => Math.max(1, Math.ceil((32 - zeros) / 7)));

/** Bytes a varint of `v` (an unsigned 32-bit value) takes (without branches: columns alternate). */
function varintSize(v: number): number {
  return VARINT_SIZE[Math.clz32(v)];
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

/**
 * The records of each kind (their first word's index), kinds in order of first appearance.
 * (Plain loops over arrays: pack and unpack run once a block, and an iterator over a Map's values
 * kept their optimized code from settling — deoptimized at a later block's call.)
 */
function groupByKind(words: Uint32Array, starts: Int32Array, count: number): { lists: Int32Array[]; group: Int32Array } {
  const group = new Int32Array(count);
  const counts = groupOf(words, starts, group);
  const lists: Int32Array[] = [];
  for (let k = 0; k < counts.length; k++) lists.push(new Int32Array(counts[k]));
  fillLists(lists, group, starts);
  return { lists, group };
}

/** Each record's group (`group`: its kind's, by order of first appearance); returns the count of each. */
function groupOf(words: Uint32Array, starts: Int32Array, group: Int32Array): number[] {
  const groupOfKind = new Map<number, number>();
  const counts: number[] = [];
  let last = -1;
  let g = -1;
  for (let i = 0; i < group.length; i++) {
    const kind = words[starts[i]] & 0xffff;
    if (kind !== last) {
      last = kind;
      const known = groupOfKind.get(kind);
      if (known === undefined) {
        g = counts.length;
        groupOfKind.set(kind, g);
        counts.push(0);
      } else g = known;
    }
    group[i] = g;
    counts[g]++;
  }
  return counts;
}

/** Each group's records' starts, in order, into its list. */
function fillLists(lists: Int32Array[], group: Int32Array, starts: Int32Array): void {
  const filled = new Int32Array(lists.length);
  for (let i = 0; i < group.length; i++) lists[group[i]][filled[group[i]]++] = starts[i];
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
  const count = cutRecords(words, starts);
  const out = scratch(10 + count * 6 + words.length * 10 + 256);
  const p = putRecordHeads(out, words, starts, count);
  const { lists } = groupByKind(words, starts, count);
  let q = p;
  for (let g = 0; g < lists.length; g++) q = packKind(words, src, lists[g], out, q);
  return out.slice(0, q);
}

/*
 * The loops over a block's records are each in a function of their own: pack and unpack run once a
 * block, and a loop in a longer function was optimized by on-stack replacement at every call, then
 * deoptimized by the code after it (no type feedback there yet at the first calls).
 */

/** Where each record starts (its first word's index) into `starts`; returns the count. */
function cutRecords(words: Uint32Array, starts: Int32Array): number {
  let count = 0;
  for (let w = 0; w < words.length;) {
    const size = words[w] >>> 18; // size / 4 (bytes are at bits 16.., a multiple of 8)
    if (size < 2 || w + size > words.length) throw new PackingError(`bad record size ${size * 4}`);
    starts[count++] = w;
    w += size;
  }
  return count;
}

/** The record count, then each record's kind and size / 8, as varints from the start of `out`; returns the position after them. */
function putRecordHeads(out: Uint8Array, words: Uint32Array, starts: Int32Array, count: number): number {
  let p = putVarint(out, 0, count);
  for (let i = 0; i < count; i++) {
    p = putVarint(out, p, words[starts[i]] & 0xffff);
    p = putVarint(out, p, words[starts[i]] >>> 19);
  }
  return p;
}

/** Pack the records of one kind (`list`: their first word's index) at `p` in `out`; returns the position after them. */
function packKind(words: Uint32Array, src: Uint8Array, list: Int32Array, out: Uint8Array, p: number): number {
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
    return p;
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
  return p;
}

/** packRecords' working buffer, kept from one block to the next (its result is a copy). */
let scratchBuf = new Uint8Array(0);

/** The working buffer, at least `size` bytes. */
function scratch(size: number): Uint8Array {
  if (scratchBuf.length < size) scratchBuf = new Uint8Array(size);
  return scratchBuf;
}

/** Where unpackRecords reads its header varints (the next byte's index in the packed bytes). */
let readAt = 0;

/** The varint at `readAt` in `packed` (advancing it); throws past the end or on a malformed one. */
function readVarint(packed: Uint8Array): number {
  let v = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (readAt >= packed.length) throw new PackingError('packed records end early');
    const b = packed[readAt++];
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return v >>> 0;
  }
  throw new PackingError('bad varint');
}

/** A column's mode in unpackRecords' state: its kind's records are kept as rows (at its word 0). */
const MODE_ROWS = 2;

/**
 * Unpack what packRecords made, given the records' total size in bytes (`rawLength`). With `into`
 * (at least `rawLength` bytes, at a 4-byte aligned offset) the records are written there and a
 * view of it is returned: a reader that is done with each block before the next reuses one buffer
 * (a fresh one per block is megabytes of page faults and garbage).
 *
 * The state of every column of every kind is in flat typed arrays (a kind's columns from its
 * `base`), and the records are filled in one loop of typed-array reads and writes (`fillRecords`):
 * a loop V8 optimizes within the first block, where a loop over a Map of objects per kind took
 * the first dozen blocks of every open to be optimized (deoptimized again each call).
 */
export function unpackRecords(packed: Uint8Array, rawLength: number, into?: Uint8Array): Uint8Array {
  if (rawLength % 8 !== 0) throw new PackingError(`bad block length ${rawLength}`);
  readAt = 0;
  const out = into && into.length >= rawLength && into.byteOffset % 4 === 0 ? into.subarray(0, rawLength) : new Uint8Array(rawLength);
  // every word is written below (the count check: the records fill the block), so a reused buffer needs no clearing
  const words = new Uint32Array(out.buffer, out.byteOffset, rawLength >>> 2);
  const count = readVarint(packed);
  if (count > rawLength / 8) throw new PackingError('bad record count in packed block');
  const starts = new Int32Array(count);
  const w = readRecordHeads(packed, words, starts);
  if (w !== words.length) throw new PackingError(`packed records fill ${w * 4} of ${rawLength} bytes`);
  const { lists, group } = groupByKind(words, starts, count);
  // each kind's columns from its base in the flat state: cursor, end and mode of column k at base + k
  const bases = new Int32Array(lists.length);
  let columns = 0;
  for (let g = 0; g < lists.length; g++) {
    bases[g] = columns;
    columns += Math.max(1, longest(words, lists[g]));
  }
  const cursor = new Int32Array(columns);
  const end = new Int32Array(columns);
  const modes = new Uint8Array(columns);
  for (let g = 0; g < lists.length; g++) {
    const list = lists[g];
    const base = bases[g];
    const most = longest(words, list);
    if (readAt >= packed.length) throw new PackingError('packed records end early');
    if (packed[readAt++] === ROWS) {
      // the rows' bytes: cursor and end at the kind's word 0
      modes[base] = MODE_ROWS;
      cursor[base] = readAt;
      for (let i = 0; i < list.length; i++) readAt += ((words[list[i]] >>> 18) - 1) * 4;
      end[base] = readAt;
      continue;
    }
    for (let k = 1; k < most; k++) {
      if (readAt >= packed.length) throw new PackingError('packed records end early');
      modes[base + k] = packed[readAt++];
      const length = readVarint(packed);
      cursor[base + k] = readAt;
      readAt += length;
      end[base + k] = readAt;
    }
  }
  if (readAt !== packed.length) throw new PackingError('packed block has trailing bytes');
  fillRecords(packed, out, words, starts, group, bases, cursor, modes, new Uint32Array(columns));
  for (let j = 0; j < columns; j++) if (cursor[j] !== end[j]) throw new PackingError('a packed column does not match its length');
  return out;
}

/**
 * Read the records' kinds and sizes (varints from `readAt`) into their first words, and where each
 * record starts into `starts`; returns the words they fill. (Its own function: the loop is
 * optimized within the first block, not on-stack replaced again in every call of unpackRecords.)
 */
function readRecordHeads(packed: Uint8Array, words: Uint32Array, starts: Int32Array): number {
  let w = 0;
  for (let i = 0; i < starts.length; i++) {
    const kind = readVarint(packed);
    const size = readVarint(packed) * 2; // in words
    if (kind > 0xffff || size < 2 || size > 0x3fff || w + size > words.length) throw new PackingError('bad record in packed block');
    words[w] = kind | (size << 18);
    starts[i] = w;
    w += size;
  }
  return w;
}

/**
 * Write every record's words after its first from its kind's columns (unpackRecords): record i's
 * columns are at `bases[group[i]]` in `cursor` (where the next varint is), `modes` (0 as is, 1
 * deltas from `prev`, MODE_ROWS at word 0: the kind is kept as rows) and `prev`.
 */
function fillRecords(
  packed: Uint8Array, out: Uint8Array, words: Uint32Array, starts: Int32Array, group: Int32Array, bases: Int32Array,
  cursor: Int32Array, modes: Uint8Array, prev: Uint32Array,
): void {
  for (let i = 0; i < starts.length; i++) {
    const at = starts[i];
    const base = bases[group[i]];
    const size = words[at] >>> 18;
    if (modes[base] === MODE_ROWS) {
      const q = cursor[base];
      const length = (size - 1) * 4;
      if (q + length > packed.length) throw new PackingError('packed records end early');
      out.set(packed.subarray(q, q + length), (at + 1) * 4);
      cursor[base] = q + length;
      continue;
    }
    for (let k = 1; k < size; k++) {
      // a varint, read without bounds checks (past the end reads undefined, i.e. 0): checked per column after
      const j = base + k;
      let q = cursor[j];
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
      cursor[j] = q;
      z >>>= 0;
      const v = modes[j] === 1 ? (prev[j] + ((z >>> 1) ^ -(z & 1))) >>> 0 : z;
      words[at + k] = v;
      prev[j] = v;
    }
  }
}
