import * as assert from 'node:assert/strict';
import { Rng } from '../../../../test/fuzz/rng';
import { TrackIndex } from './trackIndex';

/** The rows where `index` differs from `ids`: (row, expected, read). */
function differences(index: TrackIndex, ids: number[]): number[][] {
  const out: number[][] = [];
  if (index.length !== ids.length) out.push([-1, ids.length, index.length]);
  for (let k = 0; k < ids.length && out.length < 5; k++) if (index.get(k) !== ids[k]) out.push([k, ids[k], index.get(k)]);
  return out;
}

/** The id after `id`: mostly near it; one in `farOneIn` far (another track's millions in between), up to 2^32 - 1. */
function nextId(r: Rng, id: number, farOneIn: number): number {
  return Math.min(2 ** 32 - 1, id + (r.int(farOneIn) === 0 ? 70_000 + r.int(2 ** 24) : 1 + r.int(300)));
}

describe('TrackIndex', () => {
  it('gives back every id, close ones as offsets, spread ones whole, as appended, sorted and trimmed', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const r = new Rng(seed * 31337);
      const index = new TrackIndex();
      const ids: number[] = [];
      let id = r.int(1000);
      for (let k = 0; k < 5000; k++) {
        id = nextId(r, id, 40);
        ids.push(id);
        index.push(id);
        if (k === 2000) index.trim();
      }
      assert.deepEqual(differences(index, ids), [], `seed ${seed}: as appended (row, stored, read)`);
      assert.deepEqual(Array.from(index.toArray()), ids, `seed ${seed}: copied out`);
      // the order a sort by start gives: neighbours swapped, and a few far
      const sorted = ids.slice();
      for (let k = 0; k + 1 < sorted.length; k++) if (r.int(4) === 0) [sorted[k], sorted[k + 1]] = [sorted[k + 1], sorted[k]];
      for (let n = 0; n < 20; n++) {
        const a = r.int(sorted.length);
        const b = r.int(sorted.length);
        [sorted[a], sorted[b]] = [sorted[b], sorted[a]];
      }
      index.assign(Uint32Array.from(sorted));
      index.trim();
      assert.deepEqual(differences(index, sorted), [], `seed ${seed}: as sorted (row, stored, read)`);
      index.push(2 ** 32 - 1);
      assert.equal(index.get(sorted.length), 2 ** 32 - 1, `seed ${seed}: appended after a sort`);
    }
  });

  it('rewrites its ids from a position on, in chunks kept as offsets and whole, as often as merges ask', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const r = new Rng(seed * 7919);
      const index = new TrackIndex();
      const ids: number[] = [];
      let id = r.int(1000);
      for (let round = 0; round < 40; round++) {
        for (let n = 1 + r.int(300); n > 0; n--) {
          id = nextId(r, id, 60);
          ids.push(id);
          index.push(id);
        }
        // the ids from a position on, reordered (a merge reaches back a little or a lot)
        const from = Math.max(0, ids.length - 1 - r.int(r.int(4) === 0 ? ids.length : 600));
        const tail = ids.slice(from);
        for (let k = tail.length - 1; k > 0; k--) {
          const j = r.int(k + 1);
          [tail[k], tail[j]] = [tail[j], tail[k]];
        }
        ids.splice(from, tail.length, ...tail);
        index.rewrite(from, Uint32Array.from(tail));
        assert.deepEqual(differences(index, ids), [], `seed ${seed}, round ${round}: rewritten from ${from} (row, stored, read)`);
      }
      index.trim();
      assert.deepEqual(differences(index, ids), [], `seed ${seed}: trimmed`);
    }
  });
});
