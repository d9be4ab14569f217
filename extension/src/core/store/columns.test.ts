import * as assert from 'node:assert/strict';
import { Column, EndColumn, IntColumn, NarrowColumn } from './columns';

describe('IntColumn', () => {
  it('gives back every value: 32-bit integers in place, the others kept aside', () => {
    const values = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 0x7f12_3456_7000, -4096, 0.5, Number.NaN, Number.MAX_SAFE_INTEGER];
    const c = new IntColumn();
    for (const v of values) c.push(v);
    assert.deepEqual(values.map((_, i) => c.get(i)), values);
    c.set(5, 7);
    c.set(0, 2 ** 40);
    assert.equal(c.get(5), 7, 'a value aside replaced by an integer');
    assert.equal(c.get(0), 2 ** 40, 'an integer replaced by a value aside');
    c.trim();
    assert.equal(c.length, values.length);
    assert.equal(c.get(6), 0x7f12_3456_7000);
  });

  it('widens from 1 to 2 to 4 bytes a row, rows kept aside keeping their values', () => {
    const c = new IntColumn();
    const values = [0, -1, 127, 0.5, -128, 4096, -32_768, 2 ** 40, 70_000, -(2 ** 31)];
    const widths: number[] = [];
    for (const v of values) {
      c.push(v);
      widths.push(c.width);
    }
    assert.deepEqual(widths, [1, 1, 1, 1, 2, 2, 4, 4, 4, 4]);
    assert.deepEqual(values.map((_, i) => c.get(i)), values);
  });
});

describe('NarrowColumn', () => {
  it('widens from 1 to 2 to 4 bytes a row as larger values come, keeping every value', () => {
    const c = new NarrowColumn(2);
    const values = [0, 255, 7, 256, 65_535, 3, 65_536, 2 ** 32 - 1];
    const widths: number[] = [];
    for (const v of values) {
      c.push(v);
      widths.push(c.width);
    }
    assert.deepEqual(widths, [1, 1, 1, 2, 2, 2, 4, 4]);
    assert.deepEqual(Array.from(c.view()), values);
    const d = new NarrowColumn();
    d.push(1);
    d.set(0, 300);
    assert.equal(d.get(0), 300, 'a set wider than the column widens it');
    assert.equal(d.width, 2);
    assert.throws(() => d.push(-1), /NarrowColumn holds integers 0 to 2\^32-1, not -1/);
  });
});

describe('EndColumn', () => {
  it('gives back every end and length: short ones as lengths, long or fractional ones aside, none as NaN', () => {
    const starts = new Column(Float64Array, 2);
    const ends = new EndColumn(starts);
    const rows: [number, number][] = [
      [1e12, 1e12 + 500], [1e12, Number.NaN], [5, 5 + 2 ** 32 - 2], [5, 5 + 2 ** 32 - 1], [5, 5 + 10 * 2 ** 32], [0.5, 3], [2 ** 52, 2 ** 52 + 7], [10, 4],
    ];
    for (const [s, e] of rows) {
      starts.push(s);
      ends.push(e);
    }
    assert.deepEqual(rows.map((_, i) => ends.get(i)), rows.map(([, e]) => e));
    assert.deepEqual(rows.map((_, i) => ends.span(i)), rows.map(([s, e]) => e - s));
    ends.set(4, 6);
    ends.set(0, Number.NaN);
    ends.set(1, 1e12 + 2 ** 40);
    ends.trim();
    assert.deepEqual([ends.get(4), ends.get(0), ends.get(1)], [6, Number.NaN, 1e12 + 2 ** 40], 'ends replaced: aside by short, short by none, none by aside');
    assert.equal(ends.length, rows.length);
  });
});
