import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../../../test/fuzz/rng';
import { analyzeTraceFile } from '../commands/report';
import { encodeHeader, TaskEvent } from '../../../../protocol/generated/wire';
import { StreamBuilder } from '../testing/synthetic';
import { writeWithOverview } from '../testing/traceFiles';
import { eventIdCursor, EventIdRecorder } from './eventIds';
import { PagedStore } from './pagedStore';

/**
 * Calls of four threads, a fifth of them reported while in progress first (the store updates its
 * row: no row of their own), the thread's name changed now and then (no row at all).
 */
function updatingStream(r: Rng, events: number): Uint8Array[] {
  const head = new StreamBuilder();
  const out: Uint8Array[] = [head.bytes()];
  const clock = [0, 0, 0, 0];
  for (let i = 0; i < events; i++) {
    const t = r.int(4);
    const tid = 101 + t;
    const ts = head.at((clock[t] += 1 + r.int(2000)));
    const dur = 1 + r.int(r.next() < 0.9 ? 5000 : 5_000_000);
    const one = new StreamBuilder(false);
    const name = r.next() < 0.5 ? 'read' : 'write';
    // 40 call sites
    const stackId = BigInt(1 + r.int(40));
    if (r.next() < 0.2) one.call(name, { tid, ts, dur: dur >> 1, fd: 3 + t, stackId, unfinished: true });
    if (r.next() < 0.01) one.task({ event: TaskEvent.rename, tid, ts, comm: `worker-${i}` });
    one.call(name, { tid, ts, dur, fd: 3 + t, stackId });
    clock[t] += dur;
    out.push(one.bytes().subarray(encodeHeader().length));
  }
  return out;
}

describe('a paged pass\'s event ids, given again to another pass over the file', () => {
  it('gives back every id noted, the exceptions and the rows between them', () => {
    const r = new Rng(11);
    const rec = new EventIdRecorder();
    const noted: number[] = [];
    let rows = 0;
    for (let i = 0; i < 5000; i++) {
      const k = r.int(10);
      // mostly the next row; else none (a rename), a row stored before (an update), or two rows
      const [id, added] = k < 7 ? [rows, 1] : k === 7 ? [-1, 0] : k === 8 ? [r.int(rows + 1) - 1, 0] : [rows + 1, 2];
      rec.note(id, added);
      noted.push(id);
      rows += added;
    }
    assert.ok(rec.counts.exceptions > 500 && rec.counts.exceptions < 2000, `${rec.counts.exceptions} exceptions`);
    const next = eventIdCursor(rec.exceptions());
    assert.deepEqual(noted.map(() => next()), noted);
  });

  it('names each call site\'s longest call by the paged store\'s id across its million-event stretches (here 5,000)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-event-ids-'));
    try {
      const path = join(dir, 'updating.iolens');
      await writeWithOverview(path, updatingStream(new Rng(5), 30_000), false);
      const paged = await PagedStore.open(path, { segmentEvents: 5000, symbolizer: null });
      try {
        assert.ok(paged.eventIds.counts.exceptions > 0, 'events that store no row of their own');
        const { analysis } = await analyzeTraceFile(path, { eventIds: eventIdCursor(paged.eventIds.exceptions()) });
        const sites = analysis.sites.filter((s) => s.longest >= 0);
        assert.ok(sites.length > 10, `${sites.length} sites`);
        for (const s of sites) {
          const e = paged.get(s.longest);
          assert.ok(e, `site ${s.call}: event ${s.longest}`);
          assert.equal(e.name, s.call.replace(/^(aio|io_uring) /, ''), `site ${s.call}: event ${s.longest}`);
          assert.equal((e.end ?? e.start) - e.start, s.max, `site ${s.call}: event ${s.longest} is its longest call`);
        }
      } finally {
        paged.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
