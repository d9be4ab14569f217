import * as assert from 'node:assert/strict';
import { Rng } from '../../../../test/fuzz/rng';
import { BucketFill, Buckets, longer } from './buckets';

/** One bucket as plain numbers, aggregated naively. */
interface Plain {
  key: number;
  minStart: number;
  maxEnd: number;
  count: number;
  longest: number;
  longestLen: number;
  look: number;
}

/** A span's start and end: mostly small whole ns, some 4.3 s long or longer, fractional, or (the last ones) far from 0. */
function randomSpan(r: Rng, t: number, last: boolean): { s: number; e: number } {
  const pick = r.int(10);
  if (pick === 0) return { s: t, e: t + 2 ** 32 - 2 + r.int(3) };
  if (pick === 1) return { s: t, e: t + 2 ** 33 + r.int(1000) };
  if (pick === 2) return { s: t + 0.25, e: t + 10.5 };
  if (pick === 3 && last) return { s: 2 ** 52 + t, e: 2 ** 52 + t + 3 + r.int(5) };
  return { s: t, e: t + r.int(5000) };
}

describe('summary buckets', () => {
  it('read back every earliest start, latest end, count and longest span exactly, however long or fractional', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = new Rng(seed * 104729);
      const size = 2 ** (4 + r.int(12));
      const b = new Buckets(size, 4);
      // the same spans through a fill (reused from buckets of another size, as a window's walk reuses them)
      const fill = new BucketFill(new Buckets(size * 2, 4));
      fill.add(1, 2, 0, 1, 0);
      fill.reset(size);
      const plain: Plain[] = [];
      let t = 0;
      for (let id = 0; id < 3000; id++) {
        t += r.int(size / 2);
        const { s, e } = randomSpan(r, t, id >= 2900);
        const key = Math.floor(s / size);
        if (plain.length && key < plain[plain.length - 1].key) continue; // after one of the far starts, in the order of their buckets
        const look = r.int(2 ** 32);
        b.add(s, e, 1, id, e - s, look);
        fill.add(s, e, id, e - s, look);
        const last = plain[plain.length - 1];
        if (last?.key === key) {
          last.minStart = Math.min(last.minStart, s);
          last.maxEnd = Math.max(last.maxEnd, e);
          last.count++;
          if (longer(last.longest, last.longestLen, id, e - s)) Object.assign(last, { longest: id, longestLen: e - s, look });
        } else plain.push({ key, minStart: s, maxEnd: e, count: 1, longest: id, longestLen: e - s, look });
      }
      b.trim();
      assert.equal(b.length, plain.length, `seed ${seed}: buckets`);
      fill.flush();
      const each = (x: Buckets): number[][] => Array.from({ length: x.length }, (_, i) => [x.minStart(i), x.maxEnd(i), x.count(i), x.longest[i], x.longestLen(i), x.look[i]]);
      assert.deepEqual(each(fill.into), each(b), `seed ${seed}: the fill's buckets as adding each span`);
      const coarser = new Buckets(size * 4);
      for (let i = 0; i < b.length; i++) {
        const p = plain[i];
        const got = { minStart: b.minStart(i), maxEnd: b.maxEnd(i), count: b.count(i), longest: b.longest[i], longestLen: b.longestLen(i), look: b.look[i] };
        assert.deepEqual(got, { minStart: p.minStart, maxEnd: p.maxEnd, count: p.count, longest: p.longest, longestLen: p.longestLen, look: p.look }, `seed ${seed}, bucket ${i}`);
        coarser.addFrom(b, i);
      }
      // merged 4 to 1, the aggregates stay exact too
      let total = 0;
      for (let i = 0; i < coarser.length; i++) {
        total += coarser.count(i);
        const inIt = plain.filter((p) => Math.floor(p.minStart / (size * 4)) === Math.floor(coarser.minStart(i) / (size * 4)));
        assert.equal(coarser.maxEnd(i), Math.max(...inIt.map((p) => p.maxEnd)), `seed ${seed}, coarser bucket ${i}: latest end`);
        assert.equal(coarser.longestLen(i), Math.max(...inIt.map((p) => p.longestLen)), `seed ${seed}, coarser bucket ${i}: longest`);
      }
      assert.equal(total, plain.reduce((n, p) => n + p.count, 0), `seed ${seed}: counts`);
    }
  });

  it('keeps aside, exactly, counts of 65,535 and more and starts 4.3 s or more past their group\'s base or before it', () => {
    const size = 1024;
    const b = new Buckets(size, 2);
    // bucket 0: its count reaches the mark (65,535), then passes it, then passes 2^32
    b.add(1000, 1010, 65_534, 1, 10, 7);
    b.add(999, 1001, 1, 2, 2, 8); // earlier than the group's base (its first start, 1000)
    const counts = [b.count(0)];
    b.add(1002, 1003, 4465, 3, 1, 9);
    counts.push(b.count(0));
    b.add(1004, 1005, 2 ** 32, 4, 1, 9);
    counts.push(b.count(0));
    // buckets 1-3 in bucket 0's group: one 2^33 ns later (past 32 bits from the base), one at 2^52, one near again
    b.add(2 ** 33 + 5, 2 ** 33 + 6, 1, 5, 1, 1);
    b.add(2 ** 52, 2 ** 52 + 1, 65_535, 6, 1, 1);
    b.add(2 ** 53 + 1024 * 3, 2 ** 53 + 1024 * 3 + 2, 3, 7, 2, 1);
    assert.deepEqual(counts, [65_535, 70_000, 2 ** 32 + 70_000], 'counts as they grew past 16 bits');
    const got = Array.from({ length: b.length }, (_, i) => [b.minStart(i), b.maxEnd(i), b.count(i)]);
    assert.deepEqual(got, [
      [999, 1010, 2 ** 32 + 70_000],
      [2 ** 33 + 5, 2 ** 33 + 6, 1],
      [2 ** 52, 2 ** 52 + 1, 65_535],
      [2 ** 53 + 1024 * 3, 2 ** 53 + 1024 * 3 + 2, 3],
    ]);
    // merged into coarse buckets (2^34 ns: one bucket a group), the counts add up past 16 bits again
    const coarse = new Buckets(2 ** 34);
    for (let i = 0; i < b.length; i++) coarse.addFrom(b, i);
    assert.deepEqual(Array.from({ length: coarse.length }, (_, i) => [coarse.minStart(i), coarse.count(i)]), [
      [999, 2 ** 32 + 70_001],
      [2 ** 52, 65_535],
      [2 ** 53 + 1024 * 3, 3],
    ]);
    // reused (as a window's walk reuses them) for coarser buckets, fewer a base: every start read back
    const reused = new Buckets(16, 256);
    reused.add(0, 1, 70_000, 0, 1, 0);
    reused.reset(2 ** 29);
    for (let i = 0; i < 200; i++) reused.add(i * 2 ** 29, i * 2 ** 29 + 1, 1, i, 1, 0);
    assert.deepEqual(Array.from({ length: reused.length }, (_, i) => [reused.minStart(i), reused.count(i)]), Array.from({ length: 200 }, (_, i) => [i * 2 ** 29, 1]));
  });
});
