import * as assert from 'node:assert/strict';
import { Rng } from '../../../../test/fuzz/rng';
import { FineList } from './fineList';

type Ev = [number, number, number, number, number, number, boolean];

/**
 * A track's events, ascending; with `odd`, now and then a fraction of a ns, a start before the
 * last, a length past 2^40. Now and then an id before the last; some instants, some lanes.
 */
function track(r: Rng, odd: boolean, wide = false): { events: Ev[]; last: number } {
  const events: Ev[] = [];
  let t = 1e12;
  for (let i = 0; i < 5000; i++) {
    t += r.int(3000);
    const s = !odd ? t : r.next() < 0.002 ? t + 0.5 : r.next() < 0.01 ? t - r.int(100_000) : t;
    const instant = r.next() < 0.05;
    const span = instant ? Number.NaN : (odd || wide) && r.next() < 0.01 ? 2 ** 40 + r.int(9) : r.int(20_000);
    const id = i * 3 + (r.next() < 0.05 ? -r.int(50) : r.int(3)) + 100;
    events.push([s, instant ? Number.NaN : s + span, span, id, r.int(4) * 256 + r.int(3), r.next() < 0.02 ? 1 + r.int(3) : 0, instant]);
  }
  return { events, last: t };
}

describe('a track\'s compact event list (fineList.ts)', () => {
  for (const [odd, wide] of [[false, false], [false, true], [true, false]]) {
    const kind = odd ? 'chunks kept as they are, out of order' : wide ? 'varint chunks: spans past 2^32' : 'bit-packed chunks';
    it(`gives back every event of a start range in start order, exactly (${kind})`, () => {
      const r = new Rng(odd ? 21 : wide ? 23 : 22);
      const { events, last } = track(r, odd, wide);
      const list = new FineList();
      for (const e of events) list.add(...e);
      list.seal();
      const sorted = [...events].sort((a, b) => a[0] - b[0] || a[3] - b[3]);
      for (let k = 0; k < 200; k++) {
        const from = k ? 1e12 + r.next() * (last - 1e12) : 0;
        const to = k ? from + r.int(5_000_000) : Infinity;
        const got: Ev[] = [];
        list.each(from, to, (...e) => got.push(e));
        assert.deepEqual(got, sorted.filter((e) => e[0] >= from && e[0] < to), `[${from}, ${to})`);
      }
      if (!odd) assert.ok(list.bytes() < events.length * (wide ? 8 : 6.5), `${list.bytes()} bytes for ${events.length} events`);
    });
  }
});
