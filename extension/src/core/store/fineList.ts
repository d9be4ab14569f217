/**
 * A track's events as a window finer than its mipmaps walks them (pagedStore.ts), compact: in
 * start order, in chunks of CHUNK events, each event four varints — its start as the distance from
 * the one before, its length, its id as the distance from the one before (zigzag), and the index of
 * its look (name and style), lane and instant flag in the chunk's small table — about 8 bytes an
 * event where the store's columns and index take 16. A chunk whose values are not all whole ns (or
 * not in start order) keeps them as they are instead. The arguments, stacks and results are not
 * here: an event's details are read back from the file.
 */

/** Events a chunk holds. */
const CHUNK = 1024;

/** One event as a walk sees it. */
export type FineVisit = (start: number, end: number, span: number, id: number, look: number, lane: number, instant: boolean) => void;

interface Chunk {
  readonly minStart: number;
  readonly maxStart: number;
  readonly count: number;
  readonly firstId: number;
  /** Per kind index: look, lane, instant (1) or not (0). */
  readonly kinds: Float64Array;
  /** The varints, or (a chunk kept as it is) undefined. */
  readonly bytes?: Uint8Array;
  readonly raw?: { readonly starts: Float64Array; readonly ends: Float64Array; readonly spans: Float64Array; readonly ids: Float64Array; readonly kinds: Uint32Array };
}

function put(out: number[], n: number): void {
  while (n >= 128) {
    out.push((n % 128) + 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

/** Events of one track, appended in start order, walked by start range. */
export class FineList {
  private readonly chunks: Chunk[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  private spans: number[] = [];
  private ids: number[] = [];
  private looks: number[] = [];
  private lanes: number[] = [];
  private instants: boolean[] = [];
  /** Every chunk starts at or after the one before's last start (else a walk looks at all). */
  private ordered = true;

  /** Add an event (`end` NaN for an instant). */
  add(start: number, end: number, span: number, id: number, look: number, lane: number, instant: boolean): void {
    this.starts.push(start);
    this.ends.push(end);
    this.spans.push(span);
    this.ids.push(id);
    this.looks.push(look);
    this.lanes.push(lane);
    this.instants.push(instant);
    if (this.starts.length === CHUNK) this.seal();
  }

  /** Seal the events added so far into a chunk (the last one, once all are added). */
  seal(): void {
    const n = this.starts.length;
    if (!n) return;
    const kindIndex = new Map<string, number>();
    const kinds: number[] = [];
    const kindOf = new Uint32Array(n);
    let sorted = true;
    let whole = true;
    for (let i = 0; i < n; i++) {
      const key = `${this.looks[i]},${this.lanes[i]},${this.instants[i] ? 1 : 0}`;
      let k = kindIndex.get(key);
      if (k === undefined) {
        kindIndex.set(key, (k = kinds.length / 3));
        kinds.push(this.looks[i], this.lanes[i], this.instants[i] ? 1 : 0);
      }
      kindOf[i] = k;
      const s = this.starts[i];
      if (i && s < this.starts[i - 1]) sorted = false;
      const span = this.spans[i];
      const exactEnd = this.instants[i] ? Number.isNaN(this.ends[i]) && Number.isNaN(span) : Number.isInteger(span) && span >= 0 && s + span === this.ends[i];
      if (!Number.isSafeInteger(s) || !Number.isSafeInteger(this.ids[i]) || !exactEnd) whole = false;
    }
    const minStart = Math.min(...this.starts);
    const maxStart = Math.max(...this.starts);
    const last = this.chunks[this.chunks.length - 1];
    if (last && minStart < last.maxStart) this.ordered = false;
    const base = { minStart, maxStart, count: n, firstId: this.ids[0], kinds: Float64Array.from(kinds) };
    if (sorted && whole) {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        put(out, i ? this.starts[i] - this.starts[i - 1] : 0);
        put(out, this.instants[i] ? 0 : this.spans[i]);
        const d = i ? this.ids[i] - this.ids[i - 1] : 0;
        put(out, d >= 0 ? 2 * d : -2 * d - 1);
        put(out, kindOf[i]);
      }
      this.chunks.push({ ...base, bytes: Uint8Array.from(out) });
    } else {
      this.chunks.push({
        ...base,
        raw: { starts: Float64Array.from(this.starts), ends: Float64Array.from(this.ends), spans: Float64Array.from(this.spans), ids: Float64Array.from(this.ids), kinds: kindOf },
      });
    }
    this.starts = [];
    this.ends = [];
    this.spans = [];
    this.ids = [];
    this.looks = [];
    this.lanes = [];
    this.instants = [];
  }

  /** Bytes held. */
  bytes(): number {
    let n = 0;
    for (const c of this.chunks) {
      n += 64 + c.kinds.byteLength + (c.bytes?.byteLength ?? 0);
      if (c.raw) for (const a of Object.values(c.raw)) n += a.byteLength;
    }
    return n;
  }

  /**
   * The events that start in [from, to), in start order (ties: by id), to `visit`. A chunk kept as
   * it is (not in order) and chunks that overlap in time are gathered and sorted first.
   */
  each(from: number, to: number, visit: FineVisit): void {
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
    const plain = this.ordered && picked.every((c) => c.bytes);
    if (plain) {
      for (const c of picked) walkChunk(c, from, to, visit);
      return;
    }
    const all: [number, number, number, number, number, number, boolean][] = [];
    for (const c of picked) walkChunk(c, from, to, (s, e, span, id, look, lane, inst) => all.push([s, e, span, id, look, lane, inst]));
    all.sort((a, b) => a[0] - b[0] || a[3] - b[3]);
    for (const x of all) visit(...x);
  }
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
  // the chunk's varints into numbers in one tight loop (a closure reading them one at a time was most of a walk's cost)
  const v = decodeVarints(c.bytes as Uint8Array, 4 * c.count);
  let s = c.minStart;
  let id = c.firstId;
  for (let i = 0; i < c.count; i++) {
    s += v[4 * i];
    const span = v[4 * i + 1];
    const z = v[4 * i + 2];
    id += z % 2 ? -(z + 1) / 2 : z / 2;
    const j = 3 * v[4 * i + 3];
    if (s >= to) return;
    if (s < from) continue;
    const instant = k[j + 2] === 1;
    visit(s, instant ? Number.NaN : s + span, instant ? Number.NaN : span, id, k[j], k[j + 1], instant);
  }
}
