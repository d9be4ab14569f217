/**
 * Pixel-level level of detail: the spans of one lane, in time order, become what is drawn. A span
 * at least `minPx` wide is drawn as itself; narrower spans that follow each other within `minPx`
 * merge into one block that stands for all their events and keeps the id and style of the
 * longest. Hit-testing uses the same blocks, so what is under the cursor is what is drawn.
 */
import { lowerBound } from '../../../shared/search';
import type { TrackInstants, TrackSpans } from '../../../protocol/messages';
import type { TimeScale } from './timescale';

/** Growable columns of drawable spans of one lane (reused from frame to frame). */
export class LodSpans {
  x0: Float32Array;
  x1: Float32Array;
  /** Events the block stands for. */
  count: Uint32Array;
  /** Event id (the longest event of a block). */
  id: Uint32Array;
  style: Uint8Array;
  /** Index of the representative span in the source TrackSpans. */
  src: Uint32Array;
  /** 1 when the block merges several spans, or a span the host had already merged. */
  merged: Uint8Array;
  /** Start and end of the block in ns. */
  t0: Float64Array;
  t1: Float64Array;
  n = 0;

  constructor(capacity = 64) {
    this.x0 = new Float32Array(capacity);
    this.x1 = new Float32Array(capacity);
    this.count = new Uint32Array(capacity);
    this.id = new Uint32Array(capacity);
    this.style = new Uint8Array(capacity);
    this.src = new Uint32Array(capacity);
    this.merged = new Uint8Array(capacity);
    this.t0 = new Float64Array(capacity);
    this.t1 = new Float64Array(capacity);
  }

  /** Forget the content, keep the memory. */
  reset(): void {
    this.n = 0;
  }

  private grow(): void {
    const cap = this.x0.length * 2;
    const g = <T extends Float32Array | Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.x0 = g(this.x0, (n) => new Float32Array(n));
    this.x1 = g(this.x1, (n) => new Float32Array(n));
    this.count = g(this.count, (n) => new Uint32Array(n));
    this.id = g(this.id, (n) => new Uint32Array(n));
    this.style = g(this.style, (n) => new Uint8Array(n));
    this.src = g(this.src, (n) => new Uint32Array(n));
    this.merged = g(this.merged, (n) => new Uint8Array(n));
    this.t0 = g(this.t0, (n) => new Float64Array(n));
    this.t1 = g(this.t1, (n) => new Float64Array(n));
  }

  /** Append one drawable block. */
  push(x0: number, x1: number, t0: number, t1: number, count: number, id: number, style: number, src: number, merged: boolean): void {
    if (this.n === this.x0.length) this.grow();
    const i = this.n++;
    this.x0[i] = x0;
    this.x1[i] = x1;
    this.t0[i] = t0;
    this.t1[i] = t1;
    this.count[i] = count;
    this.id[i] = id;
    this.style[i] = style;
    this.src[i] = src;
    this.merged[i] = merged ? 1 : 0;
  }
}

/**
 * Append to `out` the blocks of the spans `order` (indices into `spans`, one lane, in time order)
 * that are visible in [xMin, xMax]. x coordinates are clamped to a few pixels outside that range.
 */
export function mergeLane(spans: TrackSpans, order: ArrayLike<number>, scale: TimeScale, xMin: number, xMax: number, out: LodSpans, minPx = 1): void {
  const { times, counts, ids, styles } = spans;
  const tMin = scale.toNs(xMin);
  const tMax = scale.toNs(xMax);
  // the first span (of `order`, in time order) starting at or after tMin
  let k = lowerBound(order.length, (i) => times[2 * order[i]], tMin);
  // Spans of a lane do not overlap: stepping back over the ones that end after tMin is short.
  while (k > 0 && times[2 * order[k - 1] + 1] > tMin) k--;

  const { start, nsPerPx, x0: axis } = scale;
  const lo = xMin - 2;
  const hi = xMax + 2;
  let open = false;
  let bx0 = 0, bx1 = 0, bt0 = 0, bt1 = 0, bCount = 0, bId = 0, bStyle = 0, bSrc = 0, bParts = 0, bLongest = -1;
  const flush = (): void => {
    if (!open) return;
    out.push(Math.max(bx0, lo), Math.min(bx1, hi), bt0, bt1, bCount, bId, bStyle, bSrc, bParts > 1 || bCount > 1);
    open = false;
  };

  for (; k < order.length; k++) {
    const i = order[k];
    const s = times[2 * i];
    if (s > tMax) break;
    const e = times[2 * i + 1];
    if (e < tMin) continue;
    const x0 = axis + (s - start) / nsPerPx;
    const x1 = axis + (e - start) / nsPerPx;
    if (x1 - x0 >= minPx) {
      flush();
      out.push(Math.max(x0, lo), Math.min(x1, hi), s, e, counts[i], ids[i], styles[i], i, counts[i] > 1);
      continue;
    }
    if (open && x0 - bx1 < minPx) {
      if (x1 > bx1) bx1 = x1;
      if (e > bt1) bt1 = e;
      bCount += counts[i];
      bParts++;
      if (e - s > bLongest) {
        bLongest = e - s;
        bId = ids[i];
        bStyle = styles[i];
        bSrc = i;
      }
      continue;
    }
    flush();
    open = true;
    bx0 = x0;
    bx1 = x1;
    bt0 = s;
    bt1 = e;
    bCount = counts[i];
    bId = ids[i];
    bStyle = styles[i];
    bSrc = i;
    bParts = 1;
    bLongest = e - s;
  }
  flush();
}

/** Growable columns of drawable instants of one track. */
export class LodInstants {
  x: Float32Array;
  t: Float64Array;
  count: Uint32Array;
  id: Uint32Array;
  style: Uint8Array;
  src: Uint32Array;
  n = 0;

  constructor(capacity = 32) {
    this.x = new Float32Array(capacity);
    this.t = new Float64Array(capacity);
    this.count = new Uint32Array(capacity);
    this.id = new Uint32Array(capacity);
    this.style = new Uint8Array(capacity);
    this.src = new Uint32Array(capacity);
  }

  /** Forget the content, keep the memory. */
  reset(): void {
    this.n = 0;
  }

  /** Append one instant (or a group of instants within a pixel). */
  push(x: number, t: number, id: number, style: number, src: number): void {
    if (this.n === this.x.length) {
      const cap = this.x.length * 2;
      const x = new Float32Array(cap); x.set(this.x); this.x = x;
      const tt = new Float64Array(cap); tt.set(this.t); this.t = tt;
      const c = new Uint32Array(cap); c.set(this.count); this.count = c;
      const d = new Uint32Array(cap); d.set(this.id); this.id = d;
      const s = new Uint8Array(cap); s.set(this.style); this.style = s;
      const r = new Uint32Array(cap); r.set(this.src); this.src = r;
    }
    const i = this.n++;
    this.x[i] = x;
    this.t[i] = t;
    this.count[i] = 1;
    this.id[i] = id;
    this.style[i] = style;
    this.src[i] = src;
  }
}

/**
 * Append to `out` the instants visible in [xMin, xMax] (with `slackPx` more on each side, since a
 * mark has a width); instants less than `minPx` after the previous kept one are counted into it.
 */
export function mergeInstants(inst: TrackInstants, scale: TimeScale, xMin: number, xMax: number, out: LodInstants, minPx = 1, slackPx = 6): void {
  const { times, ids, styles } = inst;
  const tMin = scale.toNs(xMin - slackPx);
  const tMax = scale.toNs(xMax + slackPx);
  const lo = lowerBound(times.length, (i) => times[i], tMin);
  let lastX = -Infinity;
  for (let i = lo; i < times.length; i++) {
    const t = times[i];
    if (t > tMax) break;
    const x = scale.toPx(t);
    if (out.n > 0 && x - lastX < minPx && out.style[out.n - 1] === styles[i]) {
      out.count[out.n - 1]++;
      continue;
    }
    out.push(x, t, ids[i], styles[i], i);
    lastX = x;
  }
}
