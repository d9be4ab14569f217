import * as assert from 'node:assert/strict';
import { ns } from '../../protocol/messages';
import { parseState, StateStore, stateFor, type PersistedState } from './state';
import { FakeTimers } from './testing/fakeTimers';

describe('saved state', () => {
  it('keeps well-formed parts and drops the rest', () => {
    const s = parseState({
      viewport: { start: 1, end: 5 },
      follow: 'tail',
      selection: { id: 3, track: 1, start: 10, end: 20 },
      collapsed: ['a', 7, 'b'],
      mainSplit: '60%',
      chartsOpen: false,
      histogramScope: 'site',
      scrollTop: 40,
      labelWidth: 'wide',
    });
    assert.deepEqual(s, {
      viewport: { start: 1, end: 5 },
      follow: 'tail',
      selection: { id: 3, track: 1, start: 10, end: 20 },
      collapsed: ['a', 'b'],
      mainSplit: '60%',
      chartsOpen: false,
      histogramScope: 'site',
      scrollTop: 40,
    });
    assert.deepEqual(parseState({ viewport: { start: 5, end: 1 }, follow: 'sideways', selection: { id: 'x' } }), {});
    assert.deepEqual(parseState(null), {});
    assert.deepEqual(parseState('junk'), {});
  });

  it('saves a moment after the last changes, once', () => {
    const saved: PersistedState[] = [];
    const timers = new FakeTimers();
    const store = new StateStore((s) => saved.push(s), undefined, timers, 300);
    store.update({ scrollTop: 1 });
    store.update({ scrollTop: 2, chartsOpen: true });
    assert.equal(saved.length, 0);
    timers.advance(300);
    assert.deepEqual(saved, [{ scrollTop: 2, chartsOpen: true }]);
    store.update({ labelWidth: 250 });
    store.flush();
    assert.equal(saved.length, 2);
    timers.advance(1000);
    assert.equal(saved.length, 2, 'flushing cancelled the pending save');
  });

  it('keeps the view of the same trace, and only the layout when the panel shows another', () => {
    const saved: PersistedState = { trace: '/tmp/a.iolens', viewport: { start: ns(1), end: ns(5) }, selection: { id: 3, track: 0, start: 1, end: 2 }, mainSplit: '60%', labelWidth: 180, chartsOpen: false };
    assert.deepEqual(stateFor(saved, '/tmp/a.iolens'), saved);
    assert.deepEqual(stateFor(saved, '/tmp/b.iolens'), { trace: '/tmp/b.iolens', mainSplit: '60%', bottomSplit: undefined, chartsOpen: false, histogramScope: undefined, labelWidth: 180 });
    const store = new StateStore(() => undefined, saved, new FakeTimers(), 300, '/tmp/b.iolens');
    assert.equal(store.value.viewport, undefined);
    assert.equal(store.value.labelWidth, 180);
  });
});
