/** TidCounts and ThreadTable: a few thread ids kept in arrays, the rest in a map, answered as one map would. */
import * as assert from 'node:assert/strict';
import { ThreadTable, TidCounts, type ThreadState } from './threadState';

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

describe('ThreadTable', () => {
  it('answers as its map by tid would, a tid reused by another process included, past the threads it compares by id', () => {
    const table = new ThreadTable();
    const byTid = new Map<number, ThreadState>();
    const seen = new Set<ThreadState>();
    let seed = 7;
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 48271) % 2147483647;
      // a loop and its workers taking turns, now and then one of many threads, and a tid reused by a second process
      const tid = seed % 9 === 0 ? 1000 + (seed % 3) : seed % 11 === 0 ? 2000 + (seed % 29) : 200 + (seed % 5);
      const pid = tid === 202 && i > 1500 ? 2 : seed % 7 === 0 && tid >= 1000 && tid < 2000 ? 3 : 1;
      const t = table.get(pid, tid);
      const known = byTid.get(tid);
      if (known && known.pid === pid) assert.equal(t, known, `${pid}/${tid} at ${i}`);
      else {
        assert.ok(!seen.has(t), `${pid}/${tid} at ${i}: a new state, not one the map no longer holds`);
        seen.add(t);
        byTid.set(tid, t);
      }
      assert.equal(t.pid, pid);
      assert.equal(t.tid, tid);
    }
    assert.deepEqual(table.all(), [...byTid.values()]);
  });
});
