import * as assert from 'node:assert/strict';
import { entry, instants, spans } from '../testing/fixtures';
import { nearestInTrack, neighbourInTrack } from './navigation';

describe('keyboard navigation', () => {
  const e = entry(0, 1e6, 1, 1e6, [
    spans(0, [{ s: 100, e: 200, id: 1 }, { s: 500, e: 900, id: 3 }, { s: 150, e: 400, id: 2, lane: 1 }]),
    spans(1, [{ s: 1000, e: 2000, id: 10 }]),
  ], [instants(0, [300], undefined, [7])]);

  it('moves to the next and previous event of the track in time order, lanes and instants included', () => {
    const order: number[] = [];
    let at = { id: 1, track: 0, start: 100, end: 200 };
    order.push(at.id);
    for (let n = neighbourInTrack(e, at, 1); n; n = neighbourInTrack(e, n, 1)) order.push(n.id);
    assert.deepEqual(order, [1, 2, 7, 3]);
    at = { id: 3, track: 0, start: 500, end: 900 };
    assert.equal(neighbourInTrack(e, at, -1)?.id, 7);
    assert.equal(neighbourInTrack(e, { id: 1, track: 0, start: 100, end: 200 }, -1), null);
  });

  it('finds the event of another track containing or nearest a time', () => {
    assert.equal(nearestInTrack(e, 0, 600)?.id, 3);
    assert.equal(nearestInTrack(e, 0, 450)?.id, 3);
    assert.equal(nearestInTrack(e, 0, 310)?.id, 2);
    assert.equal(nearestInTrack(e, 1, 0)?.id, 10);
    assert.equal(nearestInTrack(e, 5, 0), null);
  });
});
