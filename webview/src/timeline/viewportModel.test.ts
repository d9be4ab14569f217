import * as assert from 'node:assert/strict';
import { ns } from '../../../protocol/messages';
import type { TrackInfo } from '../../../protocol/messages';
import { DEFAULT_TAIL_SPAN, densitySpan, MIN_TAIL_SPAN, ViewportModel } from './viewportModel';

describe('ViewportModel', () => {
  it('keeps the right edge on the newest time while following a live trace', () => {
    const changes: boolean[] = [];
    const m = new ViewportModel((user) => changes.push(user));
    m.setTrace(2e9, true);
    m.followTail(DEFAULT_TAIL_SPAN);
    assert.deepEqual(m.viewport, { start: 0, end: DEFAULT_TAIL_SPAN }, 'fills from the left until the span is reached');
    m.setTrace(25e9, true);
    assert.equal(m.viewport.end, 25e9);
    assert.equal(m.viewport.end - m.viewport.start, DEFAULT_TAIL_SPAN);
    m.setTrace(26e9, true);
    assert.equal(m.viewport.end, 26e9);
    assert.ok(changes.length >= 3);
  });

  it('stops following when the user zooms or pans', () => {
    const m = new ViewportModel(() => undefined);
    m.setTrace(30e9, true);
    m.followTail(5e9);
    m.zoomAt(28e9, 0.5);
    assert.equal(m.follow, 'off');
    const v = m.viewport;
    m.setTrace(40e9, true);
    assert.deepEqual(m.viewport, v, 'stays where the user put it');
    m.followTail();
    assert.equal(m.viewport.end, 40e9);
    m.panBy(-1e9);
    assert.equal(m.follow, 'off');
  });

  it('keeps the whole trace in view after "fit all" while live, and not after the end', () => {
    const m = new ViewportModel(() => undefined);
    m.setTrace(10e9, true);
    m.fitAll();
    assert.equal(m.follow, 'all');
    m.setTrace(20e9, true);
    assert.ok(m.viewport.start <= 0 && m.viewport.end >= 20e9);
    m.setTrace(21e9, false);
    assert.equal(m.follow, 'off');
  });

  it('shows a given range and clamps it to the trace', () => {
    const m = new ViewportModel(() => undefined);
    m.setTrace(10e9, false);
    m.show({ start: ns(2e9), end: ns(3e9) });
    assert.deepEqual(m.viewport, { start: 2e9, end: 3e9 });
    m.show({ start: ns(50e9), end: ns(51e9) });
    assert.ok(m.viewport.end <= m.limits.max);
  });

  it('sizes the live window to the density of the busiest track, in 1-2-5 steps', () => {
    const t = (events: number): TrackInfo => ({ id: 0, kind: 'thread', label: 'loop 1', group: 'p 1', pid: 1, tid: 1, lanes: 1, events });
    // 200 events a second over 1200 px, one every 12 px: 100 events, half a second
    assert.equal(densitySpan([t(2000), t(10)], 10e9, 1200), 500e6);
    assert.equal(densitySpan([t(5)], 10e9, 1200), DEFAULT_TAIL_SPAN, 'a quiet trace: the longest window');
    assert.equal(densitySpan([t(10_000_000)], 10e9, 1200), MIN_TAIL_SPAN, 'a flood: the shortest');
    assert.equal(densitySpan([], 0, 1200), DEFAULT_TAIL_SPAN);
  });

  it('follows the density while following automatically, without flapping between steps', () => {
    const m = new ViewportModel(() => undefined);
    m.setTrace(3e9, true);
    m.followTail(DEFAULT_TAIL_SPAN, true);
    m.setDensitySpan(500e6);
    assert.equal(m.viewport.end - m.viewport.start, 500e6);
    assert.equal(m.viewport.end, 3e9, 'still at the newest time');
    m.setDensitySpan(600e6);
    assert.equal(m.viewport.end - m.viewport.start, 500e6, 'just past the step: no flapping');
    m.setDensitySpan(200e6);
    assert.equal(m.viewport.end - m.viewport.start, 500e6, 'nor just below the one under it');
    m.setDensitySpan(700e6);
    assert.equal(m.viewport.end - m.viewport.start, 1e9, 'clearly above: the next step');
    m.setDensitySpan(90e6);
    assert.equal(m.viewport.end - m.viewport.start, 100e6);
    m.followTail(2e9);
    m.setDensitySpan(20e6);
    assert.equal(m.viewport.end - m.viewport.start, 2e9, 'a span the user chose stays');
  });
});
