import { strict as assert } from 'node:assert';
import { allBusyNs, Intervals } from './intervals';

describe('Intervals', () => {
  it('keeps every pair across its chunks in order, merges touching ones at a chunk boundary, and stops at its bound', () => {
    const l = new Intervals();
    for (let i = 0; i < 3000; i++) l.keep(10 * i, 10 * i + 5);
    assert.equal(l.count, 3000);
    for (const i of [0, 7, 8, 1023, 1024, 1025, 2047, 2048, 2999]) {
      assert.equal(l.start(i), 10 * i, `start ${i}`);
      assert.equal(l.end(i), 10 * i + 5, `end ${i}`);
    }
    // touching the last pair (the 3000th, in the third chunk): merged into it, not a new pair
    l.keep(29_995, 29_997);
    l.keep(29_996, 29_996);
    assert.equal(l.count, 3000);
    assert.equal(l.end(2999), 29_997);
    // the first pair of a chunk merged with the last of the one before
    const m = new Intervals();
    for (let i = 0; i < 1024; i++) m.keep(10 * i, 10 * i + 5);
    m.keep(10_235, 10_240);
    assert.equal(m.count, 1024);
    assert.equal(m.end(1023), 10_240);
    m.keep(10_241, 10_242);
    assert.equal(m.count, 1025);
    assert.equal(m.start(1024), 10_241);
    // bounded: past 65,536 pairs the rest are not kept
    const big = new Intervals();
    for (let i = 0; i < 70_000; i++) big.keep(2 * i, 2 * i + 1);
    assert.equal(big.count, 65_536);
    assert.equal(big.end(65_535), 131_071);
  });

  it('sweeps lists spanning several chunks', () => {
    const a = new Intervals();
    const b = new Intervals();
    for (let i = 0; i < 2500; i++) {
      a.keep(10 * i, 10 * i + 6);
      b.keep(10 * i + 3, 10 * i + 9);
    }
    assert.equal(allBusyNs([a, b]), 2500 * 3);
  });
});
