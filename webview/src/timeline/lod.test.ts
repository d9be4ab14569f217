import * as assert from 'node:assert/strict';
import { ns, Style } from '../../../protocol/messages';
import { entry, instants, spans } from '../testing/fixtures';
import { LodInstants, LodSpans, mergeInstants, mergeLane } from './lod';
import { TimeScale } from './timescale';

/** 100 ns per px over 1000 px starting at x = 0. */
const scale = new TimeScale(ns(0), ns(100_000), 0, 1000);

function lod(list: Parameters<typeof spans>[1], lane = 0): LodSpans {
  const e = entry(0, 100_000, 64, 100_000, [spans(0, list)]);
  const t = e.tracks.get(0);
  assert.ok(t);
  const out = new LodSpans(2);
  mergeLane(t.spans ?? spans(0, []), t.lanes[lane] ?? [], scale, 0, 1000, out);
  return out;
}

function blocks(b: LodSpans): { x0: number; x1: number; count: number; id: number; merged: boolean }[] {
  return Array.from({ length: b.n }, (_, i) => ({ x0: b.x0[i], x1: b.x1[i], count: b.count[i], id: b.id[i], merged: b.merged[i] === 1 }));
}

describe('LOD merging', () => {
  it('merges adjacent sub-pixel spans into one block', () => {
    // 20 ns spans every 30 ns: 0.2 px wide, 0.1 px apart.
    const list = Array.from({ length: 50 }, (_, i) => ({ s: 10_000 + 30 * i, e: 10_000 + 30 * i + 20 }));
    const b = blocks(lod(list));
    assert.equal(b.length, 1);
    assert.equal(b[0].count, 50);
    assert.ok(b[0].merged);
    assert.equal(b[0].x0, 100);
    assert.ok(Math.abs(b[0].x1 - (10_000 + 30 * 49 + 20) / 100) < 1e-3);
  });

  it('does not merge spans a pixel or more long', () => {
    const list = Array.from({ length: 10 }, (_, i) => ({ s: 1000 * i, e: 1000 * i + 500 })); // 5 px each, 5 px apart
    const b = blocks(lod(list));
    assert.equal(b.length, 10);
    assert.ok(b.every((x) => x.count === 1 && !x.merged));
    // Nor into a neighbouring block of small ones.
    const mixed = blocks(lod([{ s: 0, e: 20 }, { s: 30, e: 50 }, { s: 60, e: 400 }, { s: 410, e: 430 }]));
    assert.deepEqual(mixed.map((x) => x.count), [2, 1, 1]);
  });

  it('splits blocks at gaps of a pixel or more', () => {
    const b = blocks(lod([{ s: 0, e: 20 }, { s: 40, e: 60 }, { s: 300, e: 320 }, { s: 330, e: 350 }]));
    assert.deepEqual(b.map((x) => x.count), [2, 2]);
  });

  it('adds up the counts of spans the host had already merged', () => {
    const list = [{ s: 0, e: 20, count: 7 }, { s: 30, e: 50, count: 3 }, { s: 60, e: 70 }, { s: 5000, e: 5010, count: 4 }];
    const b = blocks(lod(list));
    assert.equal(b.reduce((a, x) => a + x.count, 0), 15);
    assert.deepEqual(b.map((x) => x.count), [11, 4]);
    assert.ok(b[1].merged, 'a single span standing for several events is a merged block');
  });

  it('keeps the id and style of the longest event of a block', () => {
    const list = [
      { s: 0, e: 10, id: 1, style: Style.blocking },
      { s: 20, e: 70, id: 2, style: Style.aio },
      { s: 75, e: 90, id: 3, style: Style.blocking },
    ];
    const out = lod(list);
    assert.equal(out.n, 1);
    assert.equal(out.id[0], 2);
    assert.equal(out.style[0], Style.aio);
  });

  it('never merges across lanes', () => {
    const list = [
      { s: 0, e: 20, lane: 0, id: 10 },
      { s: 10, e: 30, lane: 1, id: 20 },
      { s: 30, e: 50, lane: 0, id: 11 },
      { s: 40, e: 60, lane: 1, id: 21 },
    ];
    const l0 = lod(list, 0);
    const l1 = lod(list, 1);
    assert.equal(l0.n, 1);
    assert.equal(l1.n, 1);
    assert.equal(l0.count[0], 2);
    assert.equal(l1.count[0], 2);
    assert.ok([10, 11].includes(l0.id[0]));
    assert.ok([20, 21].includes(l1.id[0]));
  });

  it('keeps only what is visible, a span entering from the left included', () => {
    const e = entry(0, 100_000, 64, 100_000, [spans(0, [{ s: 0, e: 50_000 }, { s: 60_000, e: 61_000 }, { s: 90_000, e: 95_000 }])]);
    const t = e.tracks.get(0);
    assert.ok(t?.spans);
    const out = new LodSpans();
    const view = new TimeScale(ns(40_000), ns(70_000), 100, 300); // 100 ns per px
    mergeLane(t.spans, t.lanes[0], view, 100, 400, out);
    assert.equal(out.n, 2);
    assert.ok(out.x0[0] < 100, 'the first starts left of the view');
    assert.ok(out.x1[0] > 100 && out.x1[0] < 201);
    assert.equal(out.id[1], 1);
  });
});

describe('instant merging', () => {
  it('counts instants of a style closer than the limit into one mark', () => {
    const out = new LodInstants(1);
    // 100 ns per px: 0, 50, 120 ns are within 3 px; 900 ns is not.
    mergeInstants(instants(0, [0, 50, 120, 900]), scale, 0, 1000, out, 3);
    assert.equal(out.n, 2);
    assert.deepEqual([out.count[0], out.count[1]], [3, 1]);
  });

  it('keeps marks of different styles apart', () => {
    const a = instants(0, [0, 50], Style.signal);
    const mixed = { ...a, styles: Uint8Array.from([Style.signal, Style.wakeup]) };
    const out = new LodInstants();
    mergeInstants(mixed, scale, 0, 1000, out, 3);
    assert.equal(out.n, 2);
  });
});
