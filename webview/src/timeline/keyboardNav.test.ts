import * as assert from 'node:assert/strict';
import { ns } from '../../../protocol/messages';
import { entry, spans, track } from '../testing/fixtures';
import { nextSelection } from './keyboardNav';
import { buildLayout } from './layout';

describe('arrow-key selection', () => {
  const tracks = [track(0, 'A'), track(1, 'A'), track(2, 'B'), track(3, 'B')];
  const e = entry(0, 1e6, 1, 1e6, [
    spans(0, [{ s: 100, e: 200, id: 1 }, { s: 300, e: 400, id: 2 }]),
    // track 1 has nothing in the window
    spans(2, [{ s: 150, e: 160, id: 20 }, { s: 900, e: 950, id: 21 }]),
    spans(3, [{ s: 0, e: 1000, id: 30 }]),
  ]);
  const view = { start: ns(0), end: ns(1000) };

  it('starts at the event nearest the middle of the view in the top track', () => {
    assert.equal(nextSelection(e, buildLayout(tracks, new Set()), null, 'next', view, 0)?.id, 2);
  });

  it('moves along the track and across tracks, skipping empty ones', () => {
    const layout = buildLayout(tracks, new Set());
    const first = { id: 1, track: 0, start: 100, end: 200 };
    assert.equal(nextSelection(e, layout, first, 'next', view, 0)?.id, 2);
    const down = nextSelection(e, layout, first, 'down', view, 0);
    assert.equal(down?.id, 20, 'track 1 is empty: on to track 2, nearest 150');
    assert.equal(down && nextSelection(e, layout, down, 'down', view, 0)?.id, 30);
    assert.equal(down && nextSelection(e, layout, down, 'up', view, 0)?.id, 1);
    assert.equal(nextSelection(e, layout, { id: 30, track: 3, start: 0, end: 1000 }, 'down', view, 0), null);
  });

  it('skips the tracks of collapsed groups', () => {
    const layout = buildLayout(tracks, new Set(['B']));
    assert.equal(nextSelection(e, layout, { id: 1, track: 0, start: 100, end: 200 }, 'down', view, 0), null);
  });
});
