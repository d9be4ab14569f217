/**
 * A track's event ids (in arrival order, then sorted by start) in about 2 bytes each instead of 4:
 * each chunk of 256 holds its least id and, per id, a 16-bit offset from it — a track's ids are
 * close together (a track with a twentieth of the events has 256 ids within 5,000 of each
 * other). A chunk whose ids spread wider (a track with a rare event among millions of others')
 * keeps them whole, 4 bytes each.
 */

/** log2 of the ids that share a base. */
const CHUNK_BITS = 8;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
/** The widest offset a chunk kept as offsets holds. */
const MAX_OFFSET = 0xffff;

/** The ids of one track's events. */
export class TrackIndex {
  /** Per chunk, its least id (a chunk kept whole: unused). */
  private bases = new Uint32Array(4);
  /** Per chunk, -1 when it is kept as offsets, else its slot in `whole`. */
  private wholeAt = new Int32Array(4);
  private offsets = new Uint16Array(CHUNK);
  /** The chunks kept whole, CHUNK ids a slot. */
  private whole = new Uint32Array(0);
  private wholeSlots = 0;
  length = 0;

  /** The `k`th id. */
  get(k: number): number {
    const slot = this.wholeAt[k >>> CHUNK_BITS];
    return slot < 0 ? this.bases[k >>> CHUNK_BITS] + this.offsets[k] : this.whole[slot * CHUNK + (k & CHUNK_MASK)];
  }

  /** Append an id, no lower than those of its chunk (ids arrive in increasing order). */
  push(id: number): void {
    const k = this.length;
    const c = k >>> CHUNK_BITS;
    if ((k & CHUNK_MASK) === 0) {
      this.chunks(c + 1);
      this.bases[c] = id;
      this.wholeAt[c] = -1;
    }
    if (k === this.offsets.length) this.offsets = grown(this.offsets, k * 2);
    this.length = k + 1;
    this.put(k, id);
  }

  /** Replace the ids with `ids` (the same, sorted by start): each chunk based on its least. */
  assign(ids: Uint32Array): void {
    // the length first: a chunk turned whole copies its ids put so far
    this.length = ids.length;
    this.wholeSlots = 0;
    const chunks = Math.ceil(ids.length / CHUNK);
    this.chunks(chunks);
    if (this.offsets.length < ids.length) this.offsets = new Uint16Array(ids.length);
    for (let c = 0; c < chunks; c++) {
      const part = ids.subarray(c * CHUNK, (c + 1) * CHUNK);
      let least = part[0];
      for (let i = 1; i < part.length; i++) if (part[i] < least) least = part[i];
      this.bases[c] = least;
      this.wholeAt[c] = -1;
      for (let i = 0; i < part.length; i++) this.put(c * CHUNK + i, part[i]);
    }
  }

  /**
   * Replace the ids from position `from` on with `ids` (the same ids, reordered: a sorted tail
   * merged in). Only the chunks from `from`'s on are put again, each based on its least.
   */
  rewrite(from: number, ids: Uint32Array): void {
    const end = from + ids.length;
    const part = new Uint32Array(CHUNK);
    for (let c = from >>> CHUNK_BITS; c * CHUNK < end; c++) {
      const first = c * CHUNK;
      const upTo = Math.min(end, first + CHUNK);
      let least = 0xffffffff;
      for (let k = first; k < upTo; k++) {
        const id = k < from ? this.get(k) : ids[k - from];
        part[k - first] = id;
        if (id < least) least = id;
      }
      const slot = this.wholeAt[c];
      if (slot >= 0) {
        // kept whole: its slot takes the ids as they are
        for (let k = first; k < upTo; k++) this.whole[slot * CHUNK + (k - first)] = part[k - first];
        continue;
      }
      this.bases[c] = least;
      for (let k = first; k < upTo; k++) this.put(k, part[k - first]);
    }
  }

  /** All the ids, copied out. */
  toArray(): Uint32Array {
    const out = new Uint32Array(this.length);
    for (let k = 0; k < this.length; k++) out[k] = this.get(k);
    return out;
  }

  /** Drop the spare capacity. */
  trim(): void {
    const chunks = Math.ceil(this.length / CHUNK);
    this.bases = this.bases.slice(0, Math.max(1, chunks));
    this.wholeAt = this.wholeAt.slice(0, Math.max(1, chunks));
    this.offsets = this.offsets.slice(0, Math.max(1, this.length));
    this.whole = this.whole.slice(0, this.wholeSlots * CHUNK);
  }

  /** Set the `k`th id (its chunk's base set, `k` below the length). */
  private put(k: number, id: number): void {
    const c = k >>> CHUNK_BITS;
    let slot = this.wholeAt[c];
    if (slot < 0) {
      const o = id - this.bases[c];
      if (o >= 0 && o <= MAX_OFFSET) {
        this.offsets[k] = o;
        return;
      }
      slot = this.keepWhole(c);
    }
    this.whole[slot * CHUNK + (k & CHUNK_MASK)] = id;
  }

  /** Keep chunk `c` whole from now on: its ids so far copied into a new slot. */
  private keepWhole(c: number): number {
    const slot = this.wholeSlots++;
    if (this.whole.length < this.wholeSlots * CHUNK) this.whole = grown(this.whole, Math.max(CHUNK, this.whole.length * 2));
    const first = c * CHUNK;
    const upTo = Math.min(this.length, first + CHUNK);
    for (let k = first; k < upTo; k++) this.whole[slot * CHUNK + (k - first)] = this.bases[c] + this.offsets[k];
    this.wholeAt[c] = slot;
    return slot;
  }

  /** Room for `n` chunks. */
  private chunks(n: number): void {
    if (this.bases.length >= n) return;
    const capacity = Math.max(n, this.bases.length * 2);
    this.bases = grown(this.bases, capacity);
    this.wholeAt = grown(this.wholeAt, capacity);
  }
}

/** `a` copied into a new array of `capacity` elements. */
function grown<T extends Uint32Array | Int32Array | Uint16Array>(a: T, capacity: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a.subarray(0, Math.min(a.length, capacity)));
  return b;
}
