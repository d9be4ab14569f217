import * as assert from 'node:assert/strict';
import { RingDepths } from './ringDepth';

describe('io_uring ring depth', () => {
  it('is the most requests in flight at once, requests arriving in the order they end', () => {
    const d = new RingDepths();
    // three overlapping [0,10) [2,12) [4,8), then one that begins when the first ended
    d.add(1n, 7, 4, 8);
    d.add(1n, 7, 0, 10);
    d.add(1n, 7, 10, 20);
    d.add(1n, 7, 2, 12);
    assert.equal(d.depthOf(7), 3);
    assert.equal(d.depthOf(8), 0);
  });

  it('counts one after the other as depth 1 (an end at the instant of the next start is no overlap)', () => {
    const d = new RingDepths();
    for (let i = 0; i < 2000; i++) d.add(1n, 7, i * 10, i * 10 + 10);
    assert.equal(d.depthOf(7), 1);
  });

  it('sees a depth that straddles the edge of a swept chunk, and keeps the deepest of all chunks', () => {
    const d = new RingDepths();
    // 510 serial requests, then 6 in flight together across the 512th
    for (let i = 0; i < 510; i++) d.add(1n, 7, i * 10, i * 10 + 10);
    for (let k = 0; k < 6; k++) d.add(1n, 7, 6000 + k, 6100);
    for (let i = 0; i < 3000; i++) d.add(1n, 7, 7000 + i * 10, 7000 + i * 10 + 5);
    assert.equal(d.depthOf(7), 6);
    // asked again as a live recording goes on: the same, and what comes after counts
    for (let k = 0; k < 9; k++) d.add(1n, 7, 90000 + k, 90100);
    assert.equal(d.depthOf(7), 9);
  });

  it('keeps each thread its own rings', () => {
    const d = new RingDepths();
    for (let k = 0; k < 4; k++) d.add(1n, 7, k, 100);
    for (let k = 0; k < 2; k++) d.add(2n, 8, k, 100);
    assert.equal(d.depthOf(7), 4);
    assert.equal(d.depthOf(8), 2);
  });
});
