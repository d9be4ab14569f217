import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ns, type WindowData } from '../../../../protocol/messages';
import { Rng } from '../../../../test/fuzz/rng';
import { TraceSession } from '../session/traceSession';
import { randomStream, writeWithOverview } from '../testing/traceFiles';
import { bytesSource, decodeTraceBytes, readFileOverview, readTraceIndex, readTraceOverview } from '../trace/fileReader';
import { decodeOverview, overviewAnswers, overviewWindow } from './overview';
import { queryWindow } from './window';

/** A window without its arrows (the overview has none: the session adds the store's read so far). */
function spansOf(w: WindowData): WindowData {
  return { ...w, arrows: [] };
}

describe('the whole trace\'s overview in the trace file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-overview-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers every window at its resolution or coarser as the store does, from the file alone', async () => {
    const r = new Rng(7);
    const path = join(dir, 'ov.iolens');
    const store = await writeWithOverview(path, randomStream(r, 20_000));
    const bytes = readFileOverview(path);
    assert.ok(bytes, 'the file has an overview');
    const ov = decodeOverview(bytes);
    assert.ok(ov);
    assert.equal(ov.events, store.size);
    assert.equal(ov.duration, store.duration);
    assert.deepEqual(ov.tracks, store.trackInfos());
    // the trace's times start at its clock's origin here
    const t0 = store.start.get(0);
    const span = store.duration - t0;
    assert.ok(Number.isInteger(Math.log2(ov.resolution)) && ov.resolution <= span / 4096 && ov.resolution > span / 16384, `${ov.resolution} for ${span}`);
    let compared = 0;
    for (let res = ov.resolution; res <= span * 2; res *= 2) {
      assert.ok(overviewAnswers(ov, res));
      for (let k = 0; k < 6; k++) {
        const a = k === 0 ? 0 : t0 + r.next() * span;
        const b = k === 0 ? store.duration : a + r.next() * (store.duration - a) + 1;
        const want = spansOf(queryWindow(store, ns(a), ns(b), ns(res)));
        assert.deepEqual(spansOf(overviewWindow(ov, ns(a), ns(b), ns(res))), want, `[${a}, ${b}) at ${res}`);
        compared += want.spans.length + want.instants.length;
      }
    }
    assert.ok(compared > 100, `${compared} tracks' replies compared`);
    assert.ok(!overviewAnswers(ov, ov.resolution / 2), 'a finer window waits for the events');
    assert.ok(!overviewAnswers(ov, ov.resolution * 3), 'a resolution not a power of two is the store\'s');
  });

  it('leaves the stream, the index and old readers as they were; a file without one, or cut short, has none', async () => {
    const chunks = randomStream(new Rng(3), 3000);
    const withIt = join(dir, 'with.iolens');
    const without = join(dir, 'without.iolens');
    await writeWithOverview(withIt, chunks);
    await writeWithOverview(without, chunks, false);
    const a = readFileSync(withIt);
    const b = readFileSync(without);
    assert.ok(a.length > b.length);
    assert.equal(readFileOverview(without), undefined, 'a file written without it');
    assert.deepEqual(decodeTraceBytes(a), decodeTraceBytes(b), 'the same stream and warnings');
    assert.deepEqual(readTraceIndex(bytesSource(a), a.length), readTraceIndex(bytesSource(b), b.length), 'the same index');
    // cut short anywhere from inside the last block to just before the end: no footer, no overview
    for (const cut of [b.length - 100, b.length - 16, b.length, a.length - 17, a.length - 1]) {
      const part = a.subarray(0, cut);
      assert.equal(readTraceOverview(bytesSource(part), part.length), undefined, `cut at ${cut} of ${a.length}`);
      assert.ok(decodeTraceBytes(part).stream.length > 0);
    }
    // a damaged overview is none, never a throw
    const damaged = Buffer.from(a);
    damaged[b.length] ^= 0xff;
    const got = readTraceOverview(bytesSource(damaged), damaged.length);
    assert.ok(got === undefined || decodeOverview(got) === undefined || got.length > 0);
    assert.equal(decodeOverview(new Uint8Array(40)), undefined);
    // a flight recording's file is a window of what its store saw: none
    const flight = join(dir, 'flight.iolens');
    await writeWithOverview(flight, chunks, true, { ns: 1e9 });
    assert.equal(readFileOverview(flight), undefined, 'a flight recording');
    // a format-1 file (the stream itself)
    const old = join(dir, 'old.iolens');
    writeFileSync(old, Buffer.concat(chunks));
    assert.equal(readFileOverview(old), undefined);
  });

  it('gives a session every track across the whole trace before its events load, then the store takes over', async () => {
    const path = join(dir, 'session.iolens');
    const store = await writeWithOverview(path, randomStream(new Rng(11), 20_000));
    const s = TraceSession.load(path);
    const res = ns(2 ** Math.ceil(Math.log2((store.duration - store.start.get(0)) / 1600)));
    let early: { loaded: number; summary: ReturnType<TraceSession['summary']>; window: WindowData } | undefined;
    const off = s.onDidChange(() => {
      early ??= { loaded: s.store.size, summary: s.summary(), window: s.window(ns(store.start.get(0)), ns(s.summary().duration), res) };
    });
    await s.whenFinished();
    off();
    assert.ok(early);
    assert.equal(early.loaded, 0, 'heard of before any event was read');
    assert.equal(early.summary.duration, store.duration);
    assert.equal(early.summary.events, store.size, 'the whole trace\'s count: the timeline draws the overview, not "Reading the trace…"');
    assert.ok(early.summary.loading !== null);
    const after = s.summary();
    assert.deepEqual(early.summary.tracks.map((t) => [t.id, t.label, t.lanes]), after.tracks.map((t) => [t.id, t.label, t.lanes]));
    assert.deepEqual(spansOf(early.window), spansOf(s.window(ns(store.start.get(0)), ns(after.duration), res)), 'the same reply once loaded');
    assert.ok(early.window.spans.length >= 4 && early.window.spans[0].counts.length > 100, 'every track, many blocks');
    await s.dispose();
  });
});
