import * as assert from 'node:assert/strict';
import { IntColumn } from './columns';

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
});
