import * as assert from 'node:assert/strict';
import { ns } from '../../../protocol/messages';
import { around, clampViewport, limitsFor, MIN_SPAN_NS, panBy, TimeScale, zoomAround, type Viewport } from './timescale';

const v = (start: number, end: number): Viewport => ({ start: ns(start), end: ns(end) });

describe('TimeScale', () => {
  it('maps ns to px and back at every zoom', () => {
    for (const perPx of [0.1, 1, 3, 1000, 1e6, 1e9]) {
      const s = new TimeScale(ns(5e9), ns(5e9 + perPx * 1200), 200, 1200);
      assert.equal(s.nsPerPx, perPx);
      assert.equal(s.toPx(5e9), 200);
      assert.equal(s.toPx(5e9 + perPx * 1200), 1400);
      for (const px of [200, 201.5, 777, 1400]) {
        const back = s.toPx(s.toNs(px));
        assert.ok(Math.abs(back - px) < 1e-3, `${perPx} ns/px: ${px} -> ${back}`);
      }
    }
  });
});

describe('zoomAround', () => {
  const limits = limitsFor(100e9);

  it('keeps the anchor on the same pixel', () => {
    const before = v(10e9, 20e9);
    for (const [anchor, factor] of [[12e9, 0.5], [19e9, 0.1], [15e9, 2], [10.5e9, 1.3]]) {
      const after = zoomAround(before, anchor, factor, limits);
      const a = new TimeScale(before.start, before.end, 0, 1000).toPx(anchor);
      const b = new TimeScale(after.start, after.end, 0, 1000).toPx(anchor);
      assert.ok(Math.abs(a - b) < 1e-6, `anchor ${anchor} moved from ${a} to ${b}`);
      assert.ok(Math.abs(after.end - after.start - 10e9 * factor) < 1, 'span scaled by the factor');
    }
  });

  it('stops at the narrowest span and keeps the anchor', () => {
    const after = zoomAround(v(1000, 2000), 1500, 1e-6, limits);
    assert.equal(after.end - after.start, MIN_SPAN_NS);
    assert.ok(after.start <= 1500 && after.end >= 1500);
  });

  it('stops at the whole trace plus its margin', () => {
    const after = zoomAround(v(10e9, 20e9), 15e9, 1000, limits);
    assert.equal(after.start, limits.min);
    assert.equal(after.end, limits.max);
  });
});

describe('panBy and clampViewport', () => {
  const limits = limitsFor(10e9);

  it('pans by the delta', () => {
    assert.deepEqual(panBy(v(1e9, 2e9), 0.5e9, limits), v(1.5e9, 2.5e9));
  });

  it('shifts back inside the trace without changing the span', () => {
    const left = panBy(v(1e9, 2e9), -5e9, limits);
    assert.equal(left.start, limits.min);
    assert.equal(left.end - left.start, 1e9);
    const right = panBy(v(1e9, 2e9), 50e9, limits);
    assert.equal(right.end, limits.max);
    assert.equal(right.end - right.start, 1e9);
  });

  it('repairs nonsense', () => {
    const r = clampViewport(v(NaN, NaN), limits);
    assert.ok(Number.isFinite(r.start) && Number.isFinite(r.end) && r.end > r.start);
  });

  it('frames an event with margins, and a minimum span for instants', () => {
    const a = around(4e9, 5e9, limits, 0.5);
    assert.ok(a.start < 4e9 && a.end > 5e9);
    assert.ok(Math.abs(a.end - a.start - 2e9) < 1);
    const i = around(3e9, 3e9, limits, 0.15, 2000);
    assert.equal(i.end - i.start, 2000);
    assert.equal((i.start + i.end) / 2, 3e9);
  });
});
