import * as assert from 'node:assert/strict';
import { ns } from '../../../protocol/messages';
import { entry, instants, spans, track } from '../testing/fixtures';
import { hitGap, hitInstant, hitSpan, hitTest, type FrameGeometry, type TrackGeometry } from './hittest';
import { buildLayout, GROUP_H, MULTI_LANE_H, SINGLE_LANE_H, TRACK_PAD } from './layout';
import { LodInstants, LodSpans, mergeInstants, mergeLane } from './lod';
import { TimeScale } from './timescale';

const LABEL_W = 200;
/** 100 ns per px, time axis from x = 200. */
const scale = new TimeScale(ns(0), ns(100_000), LABEL_W, 1000);

const tracks = [track(0, 'A'), track(1, 'A', 3, 'requests'), track(2, 'B'), track(3, 'B')];

/** Geometry as the renderer would build it. */
function geometry(): FrameGeometry {
  const e = entry(0, 100_000, 64, 100_000, [
    spans(0, [{ s: 10_000, e: 20_000, id: 1 }, ...Array.from({ length: 10 }, (_, i) => ({ s: 50_000 + 20 * i, e: 50_000 + 20 * i + 10, id: 100 + i }))]),
    spans(1, [{ s: 0, e: 30_000, lane: 0, id: 10 }, { s: 5_000, e: 40_000, lane: 2, id: 12 }]),
    spans(2, [{ s: 70_000, e: 80_000, id: 20 }]),
  ], [instants(0, [30_000], undefined, [50])]);
  const map = new Map<number, TrackGeometry>();
  for (const t of tracks) {
    const index = e.tracks.get(t.id);
    const lanes = Array.from({ length: t.lanes }, (_, l) => {
      const out = new LodSpans();
      if (index?.spans && index.lanes[l]) mergeLane(index.spans, index.lanes[l], scale, LABEL_W, LABEL_W + 1000, out);
      return out;
    });
    const marks = new LodInstants();
    if (index?.instants) mergeInstants(index.instants, scale, LABEL_W, LABEL_W + 1000, marks);
    map.set(t.id, { lanes, instants: marks });
  }
  return { tracks: map, gaps: [{ x0: scale.toPx(90_000), x1: scale.toPx(90_010), start: 90_000, end: 90_010, count: 42 }] };
}

describe('hit-testing', () => {
  const g = geometry();
  const open = buildLayout(tracks, new Set());
  const y0 = GROUP_H + TRACK_PAD + 5; // inside track 0

  it('finds a span, with a pixel of slack and no more', () => {
    const b = g.tracks.get(0)?.lanes[0];
    assert.ok(b);
    assert.equal(b.id[hitSpan(b, 350)], 1); // 10-20 µs = x 300..400
    assert.equal(b.id[hitSpan(b, 300.5)], 1);
    assert.equal(b.id[hitSpan(b, 400.8)], 1);
    assert.equal(hitSpan(b, 402), -1);
    assert.equal(hitSpan(b, 250), -1);
  });

  it('finds a merged block as one target carrying its count', () => {
    const h = hitTest(g, open, LABEL_W, 701, y0);
    assert.equal(h?.kind, 'span');
    if (h?.kind !== 'span') return;
    assert.equal(h.blocks.count[h.index], 10);
    assert.equal(h.blocks.merged[h.index], 1);
  });

  it('finds an instant within a few pixels, before the span under it', () => {
    const m = g.tracks.get(0)?.instants;
    assert.ok(m);
    assert.equal(hitInstant(m, 500 + 3.5), 0);
    assert.equal(hitInstant(m, 500 - 4), 0);
    assert.equal(hitInstant(m, 500 + 6), -1);
    const h = hitTest(g, open, LABEL_W, 502, y0);
    assert.equal(h?.kind, 'instant');
  });

  it('finds the lane under y in a multi-lane track', () => {
    const top = open.trackRow(1)?.top ?? -1;
    const lane2 = top + TRACK_PAD + 2 * MULTI_LANE_H + 4;
    const h2 = hitTest(g, open, LABEL_W, 550, lane2);
    assert.ok(h2?.kind === 'span' && h2.lane === 2 && h2.blocks.id[h2.index] === 12);
    const lane1 = top + TRACK_PAD + MULTI_LANE_H + 4;
    const h1 = hitTest(g, open, LABEL_W, 550, lane1);
    assert.equal(h1?.kind, 'track', 'lane 1 is empty there');
  });

  it('finds the right track under y with groups expanded and collapsed', () => {
    const yB = (l: ReturnType<typeof buildLayout>): number => (l.trackRow(2)?.top ?? -100) + 10;
    const h = hitTest(g, open, LABEL_W, 950, yB(open));
    assert.ok(h?.kind === 'span' && h.row.track.id === 2);
    const collapsed = buildLayout(tracks, new Set(['A']));
    assert.equal(collapsed.trackRow(0), undefined);
    assert.equal(collapsed.trackRow(2)?.top, 2 * GROUP_H);
    const hc = hitTest(g, collapsed, LABEL_W, 950, yB(collapsed));
    assert.ok(hc?.kind === 'span' && hc.row.track.id === 2);
    const header = hitTest(g, collapsed, LABEL_W, 850, 5);
    assert.ok(header?.kind === 'group' && header.row.group.key === 'A');
    assert.equal(open.trackRow(2)?.top, 2 * GROUP_H + SINGLE_LANE_H + (3 * MULTI_LANE_H + 2 * TRACK_PAD));
  });

  it('reports the label column and gaps, and nothing below the last row', () => {
    assert.equal(hitTest(g, open, LABEL_W, 50, y0)?.kind, 'label');
    const gap = hitTest(g, open, LABEL_W, scale.toPx(90_005), open.height - 5);
    assert.ok(gap?.kind === 'gap' && gap.gap.count === 42);
    assert.equal(hitTest(g, open, LABEL_W, 500, open.height + 50), null);
    assert.ok(hitGap(g.gaps, scale.toPx(90_000) - 1.5), 'a narrow gap is hit over its drawn width');
  });

  it('gives a few tracks the room of the view, up to a limit', () => {
    const few = [track(1, 'A'), track(2, 'A', 4)];
    const natural = buildLayout(few, new Set());
    const roomy = buildLayout(few, new Set(), 600);
    assert.ok((roomy.trackRow(1)?.height ?? 0) > (natural.trackRow(1)?.height ?? 0), 'taller when there is room');
    assert.ok((roomy.trackRow(1)?.laneH ?? 0) <= 40 && (roomy.trackRow(2)?.laneH ?? 0) <= 20, 'within the limits');
    assert.ok(roomy.height <= 600);
    const many = Array.from({ length: 40 }, (_, i) => track(i, 'A'));
    assert.equal(buildLayout(many, new Set(), 600).height, buildLayout(many, new Set()).height, 'no room: as before');
  });
});
