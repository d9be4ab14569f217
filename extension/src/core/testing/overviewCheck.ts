/**
 * For tests: that a trace file's overview block is what a session gives once it has read every
 * event of the file (the tests of each writer, unit and tracer layers).
 */
import * as assert from 'node:assert/strict';
import { ns, type WindowData } from '../../../../protocol/messages';
import type { Rng } from '../../../../test/fuzz/rng';
import { TraceSession } from '../session/traceSession';
import { decodeOverview, overviewAnswers, overviewWindow } from '../store/overview';
import { queryWindow } from '../store/window';
import { readFileOverview } from '../trace/fileReader';

/** A window without its arrows (the overview has none: a session adds the store's read so far). */
function spansOf(w: WindowData): WindowData {
  return { ...w, arrows: [] };
}

/**
 * The file's overview is what a session gives once it has read every event of the file: its
 * counts, duration and tracks, and windows at the overview's resolution and coarser (zooms four
 * times apart), the whole trace and random stretches. Returns the events the file holds.
 */
export async function assertOverviewIsTheStores(path: string, r: Rng): Promise<number> {
  const bytes = readFileOverview(path);
  assert.ok(bytes, `${path} has an overview`);
  const ov = decodeOverview(bytes);
  assert.ok(ov);
  const s = await TraceSession.open(path);
  try {
    const store = s.store;
    assert.equal(ov.events, store.size);
    assert.equal(ov.duration, store.duration);
    assert.deepEqual(ov.tracks, s.summary().tracks, 'the tracks as the timeline lists them once read');
    const t0 = store.start.get(0);
    const span = store.duration - t0;
    let compared = 0;
    for (let res = ov.resolution; res <= span * 2; res *= 4) {
      assert.ok(overviewAnswers(ov, res));
      for (let k = 0; k < 5; k++) {
        const a = k === 0 ? 0 : t0 + r.next() * span;
        const b = k === 0 ? store.duration : a + r.next() * (store.duration - a) + 1;
        const want = spansOf(queryWindow(store, ns(a), ns(b), ns(res)));
        assert.deepEqual(spansOf(overviewWindow(ov, ns(a), ns(b), ns(res))), want, `[${a}, ${b}) at ${res}`);
        compared += want.spans.length;
      }
    }
    assert.ok(compared > 20, `${compared} tracks' replies compared`);
    return store.size;
  } finally {
    await s.dispose();
  }
}
