import * as assert from 'node:assert/strict';
import { track } from '../testing/fixtures';
import { PINNED_GROUP, TrackChoice } from './trackChoice';

describe('the tracks shown', () => {
  const tracks = [track(0, 'A'), track(1, 'A'), track(2, 'B'), track(3, 'B')];
  const ids = (c: TrackChoice): string => c.visible(tracks).map((t) => `${t.id}${t.group === PINNED_GROUP ? '*' : ''}`).join(' ');

  it('narrows to the tracks with matches of the filter', () => {
    const c = new TrackChoice();
    assert.equal(ids(c), '0 1 2 3');
    c.setMatching([1, 3]);
    assert.equal(ids(c), '1 3');
    assert.equal(c.filtered, true);
    c.setMatching(null);
    assert.equal(ids(c), '0 1 2 3');
  });

  it('hides tracks and shows them again; pins tracks first, in their own group', () => {
    const c = new TrackChoice();
    c.toggleHidden(1);
    c.togglePinned(3);
    assert.equal(ids(c), '3* 0 2');
    c.setMatching([0]);
    assert.equal(ids(c), '3* 0', 'a pinned track stays, whatever the filter');
    c.togglePinned(1);
    assert.equal(ids(c), '1* 3* 0', 'pinning a hidden track shows it');
    c.showHidden();
    c.togglePinned(3);
    c.setMatching(null);
    assert.equal(ids(c), '1* 0 2 3');
  });
});
