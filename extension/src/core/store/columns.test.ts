import * as assert from 'node:assert/strict';
import { Rng } from '../../../../test/fuzz/rng';
import { Column, EndColumn, IntColumn, NarrowColumn, sameJson, sameJsonWithout } from './columns';
import { StartColumn } from './startColumn';
import { ZeroColumn } from './zeroColumn';

describe("the columns' reserve", () => {
  it('keeps every value pushed before and after, and the columns still grow and widen past it', () => {
    const rng = new Rng(7);
    const between = (lo: number, hi: number): number => lo + rng.int(hi - lo + 1);
    const starts = new StartColumn();
    const ends = new EndColumn(starts);
    const ints = new IntColumn();
    const narrow = new NarrowColumn();
    const floats = new Column(Float64Array);
    const rows: number[][] = [];
    for (let i = 0; i < 30_000; i++) {
      if (i === 5000) for (const c of [starts, ends, ints, narrow, floats]) c.reserve(20_000);
      const start = 1e9 + i * 1000 + between(0, 999);
      const end = start + between(0, 2 ** 33);
      // values that widen past the reserve: 1 byte a row at first, 4 bytes later
      const small = i < 10_000 ? between(0, 200) : between(0, 2 ** 32 - 1);
      const value = i % 97 === 0 ? 0.5 : i < 10_000 ? between(-100, 100) : between(-(2 ** 31) + 1, 2 ** 31 - 1);
      starts.push(start);
      ends.push(end);
      ints.push(value);
      narrow.push(small);
      floats.push(start / 3);
      rows.push([start, end, value, small, start / 3]);
    }
    const got = rows.map((_, i) => [starts.get(i), ends.get(i), ints.get(i), narrow.get(i), floats.get(i)]);
    assert.deepEqual(got, rows);
    assert.equal(narrow.width, 4);
    assert.equal(ints.width, 4);
  });
});

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

describe('StartColumn', () => {
  it('gives back every start: near its chunk base in 32 bits, far, fractional or huge ones aside', () => {
    const r = new Rng(99);
    const starts = new StartColumn();
    const values: number[] = [];
    let t = 1.7e12;
    // more than two chunks of 4096 rows, nearly in time order, with the starts no offset holds
    for (let i = 0; i < 10_000; i++) {
      t += r.int(2000);
      const pick = r.int(50);
      const far = [t - 2 ** 31 - r.int(10), t + 2 ** 31 + r.int(10), t + 0.5, 2 ** 53 + 2 * r.int(100), -t, t + 2 ** 40, t - 2 ** 38 * (1 + r.int(2))];
      const v = pick < far.length ? far[pick] : t - r.int(5000);
      values.push(v);
      starts.push(v);
    }
    starts.trim();
    assert.equal(starts.length, values.length);
    const wrong = values.map((v, i) => [i, v, starts.get(i)]).filter(([, v, got]) => v !== got);
    assert.deepEqual(wrong.slice(0, 5), [], 'rows read back other than stored (row, stored, read)');
    starts.set(5000, 0.25);
    starts.set(5001, values[5000]);
    assert.deepEqual([starts.get(5000), starts.get(5001)], [0.25, values[5000]], 'a start replaced by one kept aside, and back');
    // 4 bytes a row while every start is within 2.1 s after its chunk's first, 5 once one is not
    const near = new StartColumn();
    const first = 5e9;
    const rows = [first, first - 2 ** 31, first + 2 ** 31 - 1, first + 17];
    for (const v of rows) near.push(v);
    assert.deepEqual([near.width, ...rows.map((_, i) => near.get(i))], [4, ...rows], 'near starts, the one whose offset is the aside mark included');
    near.push(first + 3e9);
    assert.deepEqual([near.width, near.get(4), near.get(3)], [5, first + 3e9, first + 17], 'a start 3 s after its chunk\'s first');
  });

  it('drops the high bits when trimmed if every chunk\'s starts fit 32 bits from its least, and keeps them if one chunk\'s do not', () => {
    // two chunks of starts that drift up to 3 s before and after their chunk's first (past the
    // 2.1 s its base allows), spanning under 4.3 s, with a fractional start aside
    const r = new Rng(7);
    const make = (spread: number): { c: StartColumn; values: number[] } => {
      const c = new StartColumn();
      const values: number[] = [];
      for (let i = 0; i < 6000; i++) {
        const v = i === 4500 ? 1e10 + 0.5 : 1e10 + i * 100 + (r.int(2) ? spread : -spread) * r.int(1000) / 1000;
        values.push(Math.round(v * 2) / 2);
        c.push(values[i]);
      }
      return { c, values };
    };
    const readBack = (c: StartColumn, values: number[]): number[][] => values.map((v, i) => [i, v, c.get(i)]).filter(([, v, got]) => v !== got).slice(0, 5);
    const fits = make(2.1e9);
    assert.equal(fits.c.width, 5, 'the drifting starts did not need high bits before trim');
    fits.c.trim();
    assert.deepEqual(readBack(fits.c, fits.values), [], 'rows read back other than stored after the rebase (row, stored, read)');
    assert.equal(fits.c.width, 4, 'the high bits were kept though no chunk needs them');
    // appended and changed after the rebase: a start before its chunk's least needs high bits again
    fits.c.push(1e10 - 3e9);
    fits.c.set(5999, 1e10 - 4e9);
    fits.values.push(1e10 - 3e9);
    fits.values[5999] = 1e10 - 4e9;
    assert.deepEqual(readBack(fits.c, fits.values), [], 'rows appended and changed after the rebase');
    // a chunk spanning 5 s: nothing changes
    const wide = make(2.5e9);
    wide.c.trim();
    assert.deepEqual([wide.c.width, ...readBack(wide.c, wide.values)], [5], 'a chunk spanning 5 s');
  });

  it('trims in steps, every row reading back the same between any two, as trimmed whole', () => {
    // 1.25 M drifting starts (several steps of the rebase), one chunk near the end spanning 5 s or not
    for (const lastSpread of [2.1e9, 2.5e9]) {
      const r = new Rng(11);
      const c = new StartColumn();
      const whole = new StartColumn();
      const values: number[] = [];
      const n = 1_250_000;
      for (let i = 0; i < n; i++) {
        const spread = i >= n - 4096 ? lastSpread : 2.1e9;
        const v = i % 100_003 === 0 ? 1e10 + i + 0.5 : Math.round(1e10 + i * 100 + (r.int(2) ? spread : -spread) * r.int(1000) / 1000);
        values.push(v);
        c.push(v);
        whole.push(v);
      }
      const steps = c.trimSteps();
      assert.ok(steps.length >= 6, `several steps (${steps.length})`);
      for (const [k, step] of steps.entries()) {
        step();
        for (let i = 0; i < n; i += k === steps.length - 1 ? 1 : 97) if (c.get(i) !== values[i]) assert.fail(`row ${i} after step ${k}: ${c.get(i)}, not ${values[i]}`);
      }
      whole.trim();
      assert.equal(c.width, lastSpread < 2.2e9 ? 4 : 5, 'the high bits dropped only when every chunk fits');
      assert.equal(whole.width, c.width, 'as trimmed whole');
    }
  });
});

describe('ZeroColumn', () => {
  it('gives back every value, zeros before and after the first other one', () => {
    const c = new ZeroColumn();
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) values.push(i === 2500 || (i > 2500 && i % 7 === 0) ? 1 + (i % 200) : 0);
    for (const v of values) c.push(v);
    c.set(10, 0);
    assert.equal(c.length, values.length);
    assert.deepEqual(values.map((_, i) => c.get(i)), values);
    const d = new ZeroColumn();
    d.push(0);
    d.push(0);
    d.set(1, 3);
    d.trim();
    assert.deepEqual([d.get(0), d.get(1), d.length], [0, 3, 2], 'a set other than 0 on a column of zeros');
  });
});

describe('sameJson', () => {
  it('answers as a comparison of JSON texts would, nested objects and arrays included, keys in order', () => {
    const values: unknown[] = [
      { fd: 3, count: 8 }, { count: 8, fd: 3 }, { fd: 3, count: 9 }, { fd: 3 }, { fd: 3, count: 8, ready: [{ fd: 4, path: 'p' }] },
      { fd: 3, count: 8, ready: [{ path: 'p', fd: 4 }] }, { fd: 3, count: 8, ready: [{ fd: 4, path: 'q' }] }, { fd: 3, count: 8, ready: [] }, [1, 2], [1, 2, 3], 'x', 3, null,
    ];
    for (const a of values) for (const b of values) assert.equal(sameJson(a, structuredClone(b)), JSON.stringify(a) === JSON.stringify(b), `${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  });

  it('leaves the skipped keys of the first object out, wherever they are', () => {
    const args = { fd: 3, buf: '0x7f00', count: 8, ready: [{ fd: 4, buf: 'kept' }] };
    const cases: [object, boolean][] = [
      [{ fd: 3, count: 8, ready: [{ fd: 4, buf: 'kept' }] }, true],
      [{ count: 8, fd: 3, ready: [{ fd: 4, buf: 'kept' }] }, false],
      [{ fd: 3, count: 8, ready: [{ fd: 4 }] }, false],
      [{ fd: 3, count: 8 }, false],
      [{ fd: 3, buf: '0x7f00', count: 8, ready: [{ fd: 4, buf: 'kept' }] }, false],
    ];
    assert.deepEqual(cases.map(([b]) => sameJsonWithout(args, b, ['buf'])), cases.map(([, same]) => same));
    assert.equal(sameJsonWithout(args, structuredClone(args), []), true, 'nothing skipped: sameJson');
  });
});
