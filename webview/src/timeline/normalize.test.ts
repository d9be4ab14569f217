import * as assert from 'node:assert/strict';
import { ns, type WindowData } from '../../../protocol/messages';
import { spans } from '../testing/fixtures';
import { normalizeWindow } from './normalize';

describe('window replies as they arrive', () => {
  it('keeps typed arrays as they are', () => {
    const s = spans(3, [{ s: 1, e: 2 }]);
    const w = normalizeWindow({ start: ns(0), end: ns(10), resolution: ns(1), spans: [s], instants: [], arrows: [], gaps: [] });
    assert.equal(w.spans[0].times, s.times);
    assert.deepEqual(w.names, []);
  });

  it('accepts columns that were turned into arrays or JSON objects on the way', () => {
    const json = JSON.parse(JSON.stringify({ start: 0, end: 10, resolution: 1, spans: [spans(3, [{ s: 1, e: 2, count: 4 }])], instants: [], arrows: [], gaps: [] })) as WindowData;
    const w = normalizeWindow(json);
    assert.ok(w.spans[0].times instanceof Float64Array);
    assert.deepEqual(Array.from(w.spans[0].times), [1, 2]);
    assert.ok(w.spans[0].counts instanceof Uint32Array);
    assert.equal(w.spans[0].counts[0], 4);
    const arrays = normalizeWindow({ ...json, spans: [{ track: 1, times: [5, 6], styles: [2], counts: [1], ids: [9], lanes: [0] }] } as unknown as WindowData);
    assert.equal(arrays.spans[0].ids[0], 9);
  });

  it('reads the proposed span names when present', () => {
    const named = { ...spans(0, [{ s: 1, e: 2 }]), names: Uint32Array.from([1]) };
    const w = normalizeWindow({ start: ns(0), end: ns(10), resolution: ns(1), spans: [named], instants: [], arrows: [], gaps: [], names: ['read', 'epoll_wait'] } as WindowData);
    assert.equal(w.names[w.spans[0].names?.[0] ?? -1], 'epoll_wait');
  });
});
