import * as assert from 'node:assert/strict';
import { binLabel, binOf, perSecond } from './bins';

describe('histogram bins', () => {
  const bounds = [1000, 2000, 4000, Infinity];

  it('labels bins by their upper bound, the last open-ended', () => {
    assert.equal(binLabel(bounds, 0), '≤ 1.00 µs');
    assert.equal(binLabel(bounds, 3), '> 4.00 µs');
  });

  it('finds the bin of a duration', () => {
    assert.equal(binOf(bounds, 10), 0);
    assert.equal(binOf(bounds, 1000), 0);
    assert.equal(binOf(bounds, 1001), 1);
    assert.equal(binOf(bounds, 1e12), 3);
    assert.equal(binOf([], 5), -1);
  });

  it('turns counts per bin into events per second', () => {
    assert.deepEqual(perSecond([5, 10], 500e6), [10, 20]);
  });
});
