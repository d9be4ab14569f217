import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ns } from '../../../../protocol/messages';
import { Rng } from '../../../../test/fuzz/rng';
import { TraceSession } from '../session/traceSession';
import { denseStream, randomStream, writeWithOverview } from '../testing/traceFiles';
import { PagedStore, PagedUnavailable } from './pagedStore';
import type { TraceStore } from './traceStore';
import { queryWindow } from './window';

/** Random windows at every power of two from 2 ns to twice the trace: the paged store's reply and details as the store's. */
function compare(paged: PagedStore, store: TraceStore, r: Rng): { windows: number; fromBlocks: number; blocks: number } {
  assert.equal(paged.size, store.size);
  assert.equal(paged.duration, store.duration);
  assert.deepEqual(paged.trackInfos(), store.trackInfos());
  const t0 = store.start.get(0);
  const span = store.duration - t0;
  let windows = 0;
  let fromBlocks = 0;
  let blocks = 0;
  for (let res = 2; res <= span * 2; res *= 2) {
    for (let k = 0; k < 6; k++) {
      // up to 4800 units wide, as the timeline asks (3 screens of 1600 px), around a random event, or the whole trace
      const whole = k === 0 && Math.log2(res) >= paged.base;
      const a = whole ? 0 : Math.max(0, store.start.get(r.int(store.size)) - res * r.int(2400));
      const b = whole ? store.duration : a + res * (1 + r.int(4800));
      const want = queryWindow(store, ns(a), ns(b), ns(res));
      assert.deepEqual(paged.window(ns(a), ns(b), ns(res)), want, `[${a}, ${b}) at ${res}`);
      windows++;
      const n = want.spans.reduce((x, s) => x + s.counts.length, 0);
      if (Math.log2(res) < paged.base && n) fromBlocks++;
      blocks += n;
    }
  }
  for (let k = 0; k < 300; k++) {
    const id = k < 2 ? [0, store.size - 1][k] : r.int(store.size);
    assert.deepEqual(paged.get(id), store.get(id), `event ${id}`);
  }
  assert.equal(paged.get(store.size), undefined);
  return { windows, fromBlocks, blocks };
}

describe('the paged store (a trace file\'s events read back from it on demand)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-paged-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('answers every window and every event\'s details as the store of the whole file does', async () => {
    const r = new Rng(5);
    const path = join(dir, 'paged.iolens');
    const store = await writeWithOverview(path, randomStream(r, 30_000), false);
    // segments of 7,000 events: the first pass's stores are summarized and dropped four times
    const paged = await PagedStore.open(path, { segmentEvents: 7000, symbolizer: null, budget: 4 << 20 });
    try {
      assert.ok(paged.blockCount() >= 5, `${paged.blockCount()} blocks`);
      const got = compare(paged, store, r);
      assert.ok(got.fromBlocks >= 8 && got.windows - got.fromBlocks >= 8, `${got.fromBlocks} of ${got.windows} windows from the blocks`);
      assert.ok(got.blocks > 1000, `${got.blocks} blocks compared`);
      assert.deepEqual(paged.warnings, []);
    } finally {
      paged.close();
    }
  });

  it('answers fine windows from the tracks\' compact lists and details from the blocks read back, with the trace\'s ids', async () => {
    const r = new Rng(17);
    const path = join(dir, 'dense.iolens');
    const store = await writeWithOverview(path, denseStream(r, 20_000), false, undefined, 500);
    const paged = await PagedStore.open(path, { segmentEvents: 9000, symbolizer: null, budget: 16 << 20, cached: 1 });
    try {
      assert.ok(paged.blockCount() >= 30, `${paged.blockCount()} blocks`);
      const got = compare(paged, store, r);
      assert.ok(got.fromBlocks >= 20, `${got.fromBlocks} of ${got.windows} windows from the blocks`);
    } finally {
      paged.close();
    }
  });

  it('honours its budget: the finest level coarser as the budget shrinks, its mipmaps within half of it', async function () {
    // four opens, each compared with the whole store at every zoom: 15-20 s of CPU, more than the
    // default minute of wall time on a machine loaded by other work
    this.timeout(240_000);
    const path = join(dir, 'budget.iolens');
    const store = await writeWithOverview(path, randomStream(new Rng(9), 30_000), false);
    let lastBase = -1;
    for (const budget of [8 << 20, 1 << 20, 256 << 10, 64 << 10]) {
      const paged = await PagedStore.open(path, { budget, symbolizer: null });
      try {
        assert.ok(paged.summaryBytes() <= budget / 2, `${paged.summaryBytes()} bytes of mipmaps for a budget of ${budget}`);
        assert.ok(paged.base >= lastBase, `finest level 2^${paged.base} after 2^${lastBase}`);
        lastBase = paged.base;
        compare(paged, store, new Rng(budget));
      } finally {
        paged.close();
      }
    }
  });

  it('opens a file cut short to its last whole block, with a warning, as the session does', async () => {
    const path = join(dir, 'whole.iolens');
    await writeWithOverview(path, randomStream(new Rng(13), 20_000), false);
    const bytes = readFileSync(path);
    const cut = join(dir, 'cut.iolens');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const session = await TraceSession.open(cut);
    const paged = await PagedStore.open(cut, { symbolizer: null });
    try {
      assert.deepEqual(paged.warnings, session.warnings, "the reader's warnings");
      assert.match(paged.warnings.join(), /the file ends inside block \d+: .* \(it was cut short/);
      assert.ok(session.store.size > 0);
      compare(paged, session.store, new Rng(1));
    } finally {
      paged.close();
      await session.dispose();
    }
  });

  it('says that a format-1 file cannot be paged', async () => {
    const path = join(dir, 'old.iolens');
    writeFileSync(path, Buffer.concat(randomStream(new Rng(2), 100)));
    await assert.rejects(PagedStore.open(path, { symbolizer: null }), PagedUnavailable);
  });
});
