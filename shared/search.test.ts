import * as assert from 'node:assert/strict';
import { lowerBound, partitionPoint } from './search';

describe('binary search', () => {
  it('finds where a monotone predicate turns false', () => {
    const xs = [1, 3, 3, 5, 8];
    assert.equal(partitionPoint(0, xs.length, (i) => xs[i] < 3), 1);
    assert.equal(partitionPoint(0, xs.length, (i) => xs[i] <= 3), 3);
    assert.equal(partitionPoint(0, xs.length, () => true), xs.length);
    assert.equal(partitionPoint(0, xs.length, () => false), 0);
    assert.equal(partitionPoint(2, 2, () => true), 2, 'an empty range');
    assert.equal(partitionPoint(2, xs.length, (i) => xs[i] < 8), 4, 'a sub-range');
  });

  it('gives the lower bound of a key', () => {
    const xs = Float64Array.of(0, 10, 10, 20);
    assert.equal(lowerBound(xs.length, (i) => xs[i], 10), 1);
    assert.equal(lowerBound(xs.length, (i) => xs[i], 11), 3);
    assert.equal(lowerBound(xs.length, (i) => xs[i], 99), 4);
    assert.equal(lowerBound(0, (i) => xs[i], 5), 0);
  });
});
