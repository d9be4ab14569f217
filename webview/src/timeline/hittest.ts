/**
 * What is under a point of the timeline, from the geometry of the last frame drawn (the merged
 * blocks of lod.ts), so the answer always matches the picture.
 */
import { lowerBound, partitionPoint } from '../../../shared/search';
import type { GroupRow, Row, TrackLayout, TrackRow } from './layout';
import type { LodInstants, LodSpans } from './lod';

/** What a track drew in the last frame. */
export interface TrackGeometry {
  /** Blocks of each lane. */
  readonly lanes: readonly LodSpans[];
  readonly instants: LodInstants;
}

/** A lost-records gap as drawn. */
export interface GapGeometry {
  readonly x0: number;
  readonly x1: number;
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

/** Everything hit-testable that the last frame drew. */
export interface FrameGeometry {
  readonly tracks: ReadonlyMap<number, TrackGeometry>;
  readonly gaps: readonly GapGeometry[];
}

/** The result of a hit test. */
export type Hit =
  | { readonly kind: 'span'; readonly row: TrackRow; readonly lane: number; readonly index: number; readonly blocks: LodSpans }
  | { readonly kind: 'instant'; readonly row: TrackRow; readonly index: number; readonly marks: LodInstants }
  | { readonly kind: 'gap'; readonly gap: GapGeometry }
  | { readonly kind: 'group'; readonly row: GroupRow }
  | { readonly kind: 'label'; readonly row: Row }
  | { readonly kind: 'track'; readonly row: TrackRow };

/** Pixels of slack around a span (blocks are at least 1 px wide). */
export const SPAN_SLACK_PX = 1;
/** Pixels of slack around an instant's mark. */
export const INSTANT_SLACK_PX = 4;

/** Index of the block of a lane under x (with slack), or -1. The nearest wins. */
export function hitSpan(blocks: LodSpans, x: number, slack = SPAN_SLACK_PX): number {
  const lo = partitionPoint(0, blocks.n, (i) => blocks.x0[i] <= x + slack);
  let best = -1;
  let bestDist = Infinity;
  for (let i = lo - 1; i >= 0 && i >= lo - 3; i--) {
    const x0 = blocks.x0[i];
    const x1 = Math.max(blocks.x1[i], x0 + 1);
    const d = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
    if (d <= slack && d < bestDist) {
      best = i;
      bestDist = d;
    }
  }
  return best;
}

/** Index of the instant mark nearest x within `slack` px, or -1. */
export function hitInstant(marks: LodInstants, x: number, slack = INSTANT_SLACK_PX): number {
  const lo = lowerBound(marks.n, (i) => marks.x[i], x - slack);
  let best = -1;
  let bestDist = Infinity;
  for (let i = lo; i < marks.n && marks.x[i] <= x + slack; i++) {
    const d = Math.abs(marks.x[i] - x);
    if (d < bestDist) {
      best = i;
      bestDist = d;
    }
  }
  return best;
}

/** The gap under x (drawn at least `minWidth` px wide), or undefined. */
export function hitGap(gaps: readonly GapGeometry[], x: number, minWidth = 3): GapGeometry | undefined {
  for (const g of gaps) {
    const pad = Math.max(0, (minWidth - (g.x1 - g.x0)) / 2);
    if (x >= g.x0 - pad - 1 && x <= g.x1 + pad + 1) return g;
  }
  return undefined;
}

/**
 * What is at canvas x and content y: left of `axisX0` is the label column; in a track, instants
 * (drawn on top) before spans, then a lost-records gap, then the track itself.
 */
export function hitTest(frame: FrameGeometry, layout: TrackLayout, axisX0: number, x: number, y: number): Hit | null {
  const row = layout.rowAt(y);
  if (x < axisX0) return row ? { kind: 'label', row } : null;
  if (row?.kind === 'group') return { kind: 'group', row };
  const geometry = row ? frame.tracks.get(row.track.id) : undefined;
  if (row && geometry) {
    const m = hitInstant(geometry.instants, x);
    if (m >= 0) return { kind: 'instant', row, index: m, marks: geometry.instants };
    const lane = layout.laneAt(row, y);
    const blocks = geometry.lanes[lane];
    if (blocks) {
      const s = hitSpan(blocks, x);
      if (s >= 0) return { kind: 'span', row, lane, index: s, blocks };
    }
  }
  const gap = hitGap(frame.gaps, x);
  if (gap) return { kind: 'gap', gap };
  return row ? { kind: 'track', row } : null;
}
