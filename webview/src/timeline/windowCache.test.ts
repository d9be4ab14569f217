import * as assert from 'node:assert/strict';
import { ns } from '../../../protocol/messages';
import { entry } from '../testing/fixtures';
import type { Viewport } from './timescale';
import { MAX_FINER, needsFetch, resolutionFor, WindowCache, windowFor } from './windowCache';

const v = (start: number, end: number): Viewport => ({ start: ns(start), end: ns(end) });
const isPow2 = (x: number): boolean => x >= 1 && Math.log2(x) === Math.floor(Math.log2(x));

describe('window requests', () => {
  it('ask for a power-of-two resolution no coarser than a device pixel', () => {
    for (const [span, px] of [[1e9, 1000], [1e9, 2000], [1234567, 1400], [500, 1000], [20e9, 2760]]) {
      const r = resolutionFor(v(0, span), px);
      assert.ok(isPow2(r), `${r}`);
      assert.ok(r <= Math.max(1, span / px), `${r} coarser than ${span / px} ns per device px`);
      assert.ok(r * 2 > span / px || r === 1, `${r} needlessly fine for ${span / px}`);
    }
    assert.equal(resolutionFor(v(0, 1e9), 1000), 2 ** 19);
  });

  it('pad the visible range by a screen on each side, aligned to the resolution', () => {
    const w = windowFor(v(10e9, 11e9), 1000);
    assert.equal(w.resolution, 2 ** 19);
    assert.ok(w.start <= 9e9 && w.start > 9e9 - w.resolution);
    assert.ok(w.end >= 12e9 && w.end < 12e9 + w.resolution);
    assert.equal(w.start % w.resolution, 0);
    assert.equal(w.end % w.resolution, 0);
    assert.equal(windowFor(v(0.2e9, 1.2e9), 1000).start, 0, 'never before the trace start');
  });
});

describe('needsFetch', () => {
  const duration = 100e9;
  const view = v(10e9, 11e9);
  const spec = windowFor(view, 1000);
  const cached = entry(spec.start, spec.end, spec.resolution, duration);

  it('needs data when there is none', () => {
    assert.equal(needsFetch(undefined, view, 1000, duration), true);
  });

  it('pans and zooms out inside the cached window without asking', () => {
    assert.equal(needsFetch(cached, view, 1000, duration), false);
    assert.equal(needsFetch(cached, v(10.9e9, 11.9e9), 1000, duration), false);
    assert.equal(needsFetch(cached, v(9.5e9, 11.5e9), 1000, duration), false, 'zoomed out 2x');
  });

  it('asks when the view leaves the cached range', () => {
    assert.equal(needsFetch(cached, v(11.5e9, 12.5e9), 1000, duration), true);
    assert.equal(needsFetch(cached, v(8.5e9, 9.5e9), 1000, duration), true);
  });

  it('asks when zooming in needs a finer resolution', () => {
    assert.equal(needsFetch(cached, v(10.2e9, 10.7e9), 1000, duration), true);
    assert.equal(needsFetch(cached, v(10e9, 11e9), 2000, duration), true, 'a wider canvas or a higher pixel ratio');
  });

  it('asks when the cached data is much finer than needed', () => {
    const fine = entry(0, 100e9, spec.resolution / (2 * MAX_FINER), duration);
    assert.equal(needsFetch(fine, view, 1000, duration), true);
  });

  it('asks when a live trace grew past what the window knew', () => {
    const live = entry(spec.start, spec.end, spec.resolution, 10.8e9);
    assert.equal(needsFetch(live, view, 1000, 10.8e9), false);
    assert.equal(needsFetch(live, view, 1000, 10.9e9), true);
  });
});

describe('WindowCache', () => {
  it('keeps the last three replies and draws from the one covering the view', () => {
    const c = new WindowCache();
    const a = entry(0, 10e9, 2 ** 20, 100e9, [], [], 1);
    const b = entry(50e9, 60e9, 2 ** 20, 100e9, [], [], 2);
    c.add(a);
    c.add(b);
    assert.equal(c.best(v(1e9, 2e9), 1000, 100e9), a);
    assert.equal(c.best(v(51e9, 52e9), 1000, 100e9), b);
    c.add(entry(0, 1, 1, 1, [], [], 3));
    c.add(entry(0, 1, 1, 1, [], [], 4));
    assert.equal(c.all.length, 3);
    assert.ok(!c.all.includes(a));
  });

  it('prefers, among covering replies, the resolution closest to the one needed', () => {
    const c = new WindowCache();
    const coarse = entry(0, 100e9, 2 ** 24, 100e9, [], [], 1);
    const right = entry(0, 20e9, 2 ** 19, 100e9, [], [], 2);
    c.add(right);
    c.add(coarse);
    assert.equal(c.best(v(10e9, 11e9), 1000, 100e9), right);
  });
});
