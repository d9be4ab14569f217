import * as assert from 'node:assert/strict';
import { Rng } from '../../../../test/fuzz/rng';
import { TraitColumn } from './traitColumn';

/** Each row's (kind, style, flags) read back through the accessors and through the raw tables. */
function readBack(c: TraitColumn): [number, number, number][] {
  const rows = c.rows();
  const kinds = c.kindOf();
  const styles = c.styleOf();
  const flags = c.flagsOf();
  return Array.from({ length: c.length }, (_, i) => {
    const byGet: [number, number, number] = [c.kind(i), c.style(i), c.flags(i)];
    assert.deepEqual([kinds[rows[i]], styles[rows[i]], flags[rows[i]]], byGet, `row ${i}: the tables and the accessors differ`);
    return byGet;
  });
}

describe('TraitColumn', () => {
  it('gives back every row, one byte a row while 256 combinations or fewer, then 2, the tables growing', () => {
    const rng = new Rng(14);
    const c = new TraitColumn();
    const want: [number, number, number][] = [];
    const widths = new Set<number>();
    // 300 distinct combinations, each repeated: the 257th widens the rows
    for (let i = 0; i < 3000; i++) {
      const combo = rng.int(300);
      const t: [number, number, number] = [combo % 20, (combo >> 2) & 0xff, i % 10 === 0 ? 0xff : combo >> 5];
      want.push(t);
      c.push(...t);
      widths.add(c.width);
      if (c.combinations === 256) assert.equal(c.width, 1, 'rows widened before they had to');
    }
    assert.ok(c.combinations > 256, `only ${c.combinations} combinations made`);
    assert.deepEqual([...widths], [1, 2], 'the rows did not widen from 1 to 2 bytes');
    assert.deepEqual(readBack(c), want);
    c.trim();
    assert.deepEqual(readBack(c), want, 'after trim');
  });

  it('changes a row in place, its kind kept, other rows of the same combination untouched', () => {
    const c = new TraitColumn();
    c.push(3, 11, 1);
    c.push(3, 11, 1);
    c.push(4, 0, 0);
    c.set(0, 2, 8);
    assert.deepEqual(readBack(c), [[3, 2, 8], [3, 11, 1], [4, 0, 0]]);
    c.set(0, 11, 1);
    assert.deepEqual(readBack(c), [[3, 11, 1], [3, 11, 1], [4, 0, 0]]);
    assert.equal(c.combinations, 3, 'a combination seen before was made again');
  });

  it('refuses a part that is not a byte, instead of keeping another value', () => {
    const c = new TraitColumn();
    assert.throws(() => c.push(256, 0, 0), /kind is a byte, not 256/);
    assert.throws(() => c.push(0, -1, 0), /style is a byte, not -1/);
    assert.throws(() => c.push(0, 0, 1.5), /flags is a byte, not 1.5/);
    assert.equal(c.length, 0);
  });
});
