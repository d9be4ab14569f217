/**
 * Counted calls (call_summary records): cumulative per key, turned into deltas in stream order — and
 * a key that starts again from zero (the tracer dropped an exited thread's keys, a new thread got
 * its id) adds to what was counted before instead of being refused.
 */
import * as assert from 'node:assert/strict';
import { TracePipeline } from '../trace/pipeline';
import { StreamBuilder } from '../testing/synthetic';
import type { FilteredCounts } from './filtered';

const MS = 1e6;

function counted(b: StreamBuilder): { deltas: FilteredCounts[]; all: FilteredCounts[] } {
  const deltas: FilteredCounts[] = [];
  const pipeline = new TracePipeline(() => undefined, { symbolizer: null });
  pipeline.trace.filtered.listen((d) => deltas.push(d));
  pipeline.push(b.bytes());
  pipeline.end();
  return { deltas, all: pipeline.trace.filtered.all() };
}

describe('counted calls', () => {
  it('turns cumulative records into deltas', () => {
    const b = new StreamBuilder();
    b.summary({ ts: 10 * MS, call: 'fsync', fdType: 1, count: 10, totalNs: 5 * MS, maxNs: 900e3 });
    b.summary({ ts: 20 * MS, call: 'fsync', fdType: 1, count: 25, totalNs: 12 * MS, maxNs: 950e3 });
    const { deltas, all } = counted(b);
    assert.deepEqual(deltas.map((d) => [d.count, d.totalNs]), [[10, 5 * MS], [15, 7 * MS]]);
    assert.equal(all[0].count, 25);
  });

  it('adds a key that started again from zero (its thread id reused) to what it counted before', () => {
    const b = new StreamBuilder();
    b.summary({ ts: 10 * MS, call: 'read', fdType: 1, count: 10, totalNs: 5 * MS, maxNs: 900e3, errnos: [[5, 1]] });
    b.summary({ ts: 20 * MS, call: 'read', fdType: 1, count: 20, totalNs: 9 * MS, maxNs: 900e3, errnos: [[5, 2]] });
    // the tracer dropped the key when its thread exited; a new thread with that id counts from zero
    b.summary({ ts: 30 * MS, call: 'read', fdType: 1, count: 5, totalNs: 1 * MS, maxNs: 300e3, errnos: [[5, 1]] });
    b.summary({ ts: 40 * MS, call: 'read', fdType: 1, count: 8, totalNs: 2 * MS, maxNs: 400e3, errnos: [[5, 1]] });
    const { deltas, all } = counted(b);
    assert.deepEqual(deltas.map((d) => d.count), [10, 10, 5, 3]);
    assert.deepEqual(deltas.map((d) => d.totalNs), [5 * MS, 4 * MS, 1 * MS, 1 * MS]);
    assert.equal(all.length, 1);
    assert.equal(all[0].count, 28);
    assert.equal(all[0].totalNs, 11 * MS);
    assert.equal(all[0].maxNs, 900e3);
    assert.deepEqual(all[0].errnos, { EIO: 3 });
  });
});
