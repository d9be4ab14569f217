/** TidCounts: a few thread ids kept in arrays, the rest in a map, counted and iterated as one map would. */
import * as assert from 'node:assert/strict';
import { TidCounts } from './threadState';

describe('TidCounts', () => {
  it('counts as a map by tid would, iterated in the order each tid came first, past the few kept in arrays', () => {
    const counts = new TidCounts();
    const expected = new Map<number, number>();
    let seed = 11;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 48271) % 2147483647;
      // a few tids often, in runs, and now and then one of many more
      const tid = seed % 10 === 0 ? 1000 + (seed % 37) : 200 + (seed % 5);
      const times = 1 + (seed % 3);
      for (let k = 0; k < times; k++) {
        counts.bump(tid);
        expected.set(tid, (expected.get(tid) ?? 0) + 1);
      }
    }
    assert.ok(expected.size > 20);
    assert.deepEqual([...counts], [...expected]);
    for (const tid of [...expected.keys(), 5, 999]) assert.equal(counts.get(tid), expected.get(tid) ?? 0, `tid ${tid}`);
  });
});
