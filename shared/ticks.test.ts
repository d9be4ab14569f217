import * as assert from 'node:assert/strict';
import { makeTicks, mantissa, niceStep } from './ticks';

const UNIT: Record<string, number> = { ns: 1, 'µs': 1e3, ms: 1e6, s: 1e9 };

/** The time a label stands for, ns: "12.5 ms" or "+150 µs" (offset from `origin`). */
function parse(label: string, origin: number | null): number {
  const m = /^(\+?)(-?[\d.]+) (ns|µs|ms|s)$/.exec(label);
  assert.ok(m, `label "${label}" has a number and a unit`);
  const value = parseFloat(m[2]) * UNIT[m[3]];
  if (m[1]) {
    assert.notEqual(origin, null, `relative label "${label}" without origin`);
    return (origin ?? 0) + value;
  }
  return value;
}

describe('ticks', () => {
  it('steps are 1, 2 or 5 times a power of ten, at least 1 ns', () => {
    assert.equal(niceStep(0.01), 1);
    assert.equal(niceStep(1), 1);
    assert.equal(niceStep(1.1), 2);
    assert.equal(niceStep(3), 5);
    assert.equal(niceStep(7), 10);
    assert.equal(niceStep(0.3e6), 0.5e6);
    assert.equal(niceStep(220), 500);
    assert.equal(niceStep(2e9), 2e9);
  });

  it('gives readable 1-2-5 ticks with unit labels at every zoom from 1 ns/px to 1 s/px', () => {
    const width = 1400;
    const minSpacing = 90;
    for (let exp = 0; exp <= 9; exp++) {
      for (const m of [1, 1.5, 2, 3, 5, 7]) {
        const perPx = m * 10 ** exp;
        if (perPx > 1e9) continue;
        for (const start of [0, 1234567, 3.6e12 + 17]) {
          const end = start + perPx * width;
          const t = makeTicks(start, end, width, minSpacing);
          const where = `${perPx} ns/px from ${start}`;
          assert.ok([1, 2, 5].includes(mantissa(t.step)), `${where}: step ${t.step}`);
          assert.ok(t.step / perPx >= minSpacing - 1e-6, `${where}: ticks ${t.step / perPx} px apart`);
          assert.ok(t.step / perPx < minSpacing * 2.5 + 1e-6 || t.step === 1, `${where}: ticks too sparse (${t.step / perPx} px)`);
          assert.ok(t.major.length >= 5, `${where}: ${t.major.length} ticks`);
          const labels = new Set<string>();
          for (const k of t.major) {
            assert.ok(k.t >= start - 1e-6 && k.t <= end + 1e-6, `${where}: tick ${k.t} outside`);
            assert.ok(Math.abs(parse(k.label, t.origin) - k.t) <= t.step / 2, `${where}: "${k.label}" for ${k.t}`);
            assert.ok(k.label.length <= 12, `${where}: "${k.label}" too long`);
            labels.add(k.label);
          }
          assert.equal(labels.size, t.major.length, `${where}: labels repeat`);
          for (const x of t.minor) assert.ok(Math.abs(x / t.step - Math.round(x / t.step)) > 1e-9, `${where}: minor tick on a major one`);
        }
      }
    }
  });

  it('labels in the unit of the times shown', () => {
    const t = makeTicks(12e6, 13e6, 1000);
    assert.equal(t.step, 1e5);
    assert.equal(t.origin, null);
    assert.deepEqual(
      t.major.map((k) => k.label),
      ['12.0 ms', '12.1 ms', '12.2 ms', '12.3 ms', '12.4 ms', '12.5 ms', '12.6 ms', '12.7 ms', '12.8 ms', '12.9 ms', '13.0 ms'],
    );
    assert.equal(makeTicks(0, 10e9, 1000).major[1].label, '1 s');
  });

  it('switches to offsets from an origin deep into a long trace', () => {
    const t = makeTicks(3600e9 + 1234, 3600e9 + 2234, 1000);
    assert.notEqual(t.origin, null);
    assert.match(t.originLabel, /^3600\.\d+ s$/);
    assert.ok(t.major.every((k) => k.label.startsWith('+')));
  });

  it('puts no tick before the trace start', () => {
    assert.ok(makeTicks(-5e6, 5e6, 1000).major.every((k) => k.t >= 0));
  });
});
