import * as assert from 'node:assert/strict';
import type { AioEvent, UringEvent } from '../model/events';
import { EngineDepths, engineLines } from './engines';

const CTX = 0x7f00n;
const RING = 0xffff8800n;

function aio(submitTs: number | null, completeTs: number | null, ctx = CTX, fromRing = false): AioEvent {
  return {
    kind: 'aio', name: 'pread', pid: 1, tid: 1, ts: submitTs ?? completeTs ?? 0, submitTs, completeTs, ends: 'reaped', reapTs: completeTs, fromRing,
    beforeRecording: submitTs === null, dur: null, res: 4096, data: 0n, ctx, fd: 3, completeTid: 1, index: submitTs === null ? null : 0, stackId: 0n, args: {},
  };
}

function uring(submitTs: number, completeTs: number, reapTs: number | null, more = false): UringEvent {
  return {
    kind: 'uring', name: 'read', pid: 1, tid: 1, ts: submitTs, submitTs, completeTs, ends: 'posted', reapTs, beforeRecording: false,
    more, dur: completeTs - submitTs, res: 4096, data: 0n, ring: RING, fd: 3, sqThread: false, completeTid: 1, stackId: 0n, args: {},
  };
}

describe('request engine depth', () => {
  it('reads a steady AIO queue of 16 as 16: p50, p99 and max, with the time at each depth', () => {
    const d = new EngineDepths();
    // 16 requests always in flight: each replaced when it is reaped, 10 times over 10 ns each
    for (let slot = 0; slot < 16; slot++) {
      for (let k = 0; k < 10; k++) d.add(aio(k * 10 + slot * 0.01, (k + 1) * 10 + slot * 0.01));
    }
    const [r] = d.results(200);
    assert.equal(r.engine, 'aio');
    assert.equal(r.requests, 160);
    assert.equal(r.views.length, 1, 'AIO: its completion is its reap');
    const [v] = r.views;
    assert.equal(v.ends, 'reaped');
    assert.equal(v.p50, 16);
    assert.equal(v.p99, 16);
    assert.equal(v.max, 16);
    assert.equal(v.timeAt[0].depth, 16, 'deepest first');
    assert.ok(v.timeAt[0].ns / (v.to - v.from) > 0.99);
  });

  it('weights depths by time: a burst does not move the median, and idle time counts as depth 0', () => {
    const d = new EngineDepths();
    d.add(aio(0, 100)); // 1 in flight for 100
    for (let i = 0; i < 8; i++) d.add(aio(10, 14)); // 9 for 4
    d.add(aio(200, 300)); // idle 100..200
    const [r] = d.results(300);
    const [v] = r.views;
    assert.equal(v.max, 9);
    assert.equal(v.p50, 1);
    assert.equal(v.p99, 9, '4 of 300 ns at 9 is more than 1% of the time');
    assert.deepEqual(v.timeAt, [{ depth: 9, ns: 4 }, { depth: 1, ns: 196 }, { depth: 0, ns: 100 }]);
    assert.deepEqual(engineLines([r], '  ', () => 0), [
      '  AIO context 0x7f00: 10 requests over 300 ns',
      '    in flight until io_getevents reaped them: p50 1, p99 9, max 9',
      '      time at each depth: 9: 1.3%, 1: 65%, 0: 33%',
    ]);
  });

  it('says how AIO completions were seen: read from the ring in user space, partly, or not at all', () => {
    const until = (events: AioEvent[]): string => {
      const d = new EngineDepths();
      for (const e of events) d.add(e);
      return engineLines(d.results(100), '', () => 0)[1];
    };
    assert.equal(until([aio(0, 10, CTX, true), aio(10, 20, CTX, true)]),
      '  in flight until seen done in the AIO ring at its next syscall (read from the AIO ring in user space): p50 1, p99 1, max 1');
    assert.match(until([aio(0, 10, CTX, true), aio(10, 20)]), /^ {2}in flight until reaped \(1 of 2 seen done in the AIO ring at its next syscall \(read from the AIO ring in user space\), the others by io_getevents\)/);
    assert.match(until([aio(0, null), aio(10, null)]), /^ {2}in flight until the end \(no completion seen: not reaped with io_getevents, nor read from the AIO ring in user space\)/);
  });

  it('counts requests submitted before the recording from its start, and those never completed to its end', () => {
    const d = new EngineDepths();
    d.add(aio(null, 50)); // in flight since before the recording
    d.add(aio(10, null)); // still in flight at the end
    const [r] = d.results(100);
    const [v] = r.views;
    assert.equal(v.from, 0);
    assert.equal(v.to, 100);
    assert.equal(r.beforeRecording, 1);
    assert.deepEqual(v.timeAt, [{ depth: 2, ns: 40 }, { depth: 1, ns: 60 }]);
    assert.match(engineLines([r], '', () => 0)[0], /2 requests \(1 submitted before the recording\)/);
    assert.equal(engineLines([r], '', () => 0)[1].startsWith('  in flight'), true, 'no word of requests dropped when none were');
    assert.equal(engineLines([r], '', (pid, ctx) => (pid === r.pid && ctx === r.id ? 3 : 0))[1],
      '  3 AIO requests dropped: the program submitted their iocbs again before the trace saw their completions (not counted here)');
  });

  it('gives io_uring both views: until the application reaped them (its iodepth) and until the kernel posted the CQE', () => {
    const d = new EngineDepths();
    // 4 requests, each posted after 10 ns but reaped (and replaced) only after 100: the application keeps 4 outstanding
    for (let slot = 0; slot < 4; slot++) for (let k = 0; k < 5; k++) d.add(uring(k * 100, k * 100 + 10, (k + 1) * 100));
    d.add(uring(600, 610, null)); // its reap was not seen: counted until its CQE
    const [r] = d.results(700);
    assert.deepEqual(r.views.map((v) => [v.ends, v.p50, v.max, v.unknownEnds]), [['reaped', 4, 4, 1], ['posted', 0, 4, 0]]);
    const lines = engineLines([r], '', () => 0);
    assert.equal(lines[1], '  in flight until the application reaped them: p50 4, p99 4, max 4 (1 whose reap was not seen counted until their CQE)');
    assert.match(lines[3], /^ {2}in flight until the kernel posted the CQE: p50 0, p99 4, max 4$/);
  });

  it('keeps engines apart and counts a multishot request once, until its last completion', () => {
    const d = new EngineDepths();
    d.add(aio(0, 10));
    d.add(aio(0, 10, 0x8f00n));
    d.add(uring(0, 5, null, true));
    d.add(uring(0, 20, null));
    const list = d.results(20);
    assert.equal(list.length, 3);
    const ring = list.find((x) => x.engine === 'uring');
    assert.equal(ring?.requests, 1);
    assert.deepEqual(ring?.views.map((v) => v.ends), ['posted'], 'no reap seen: the CQE view only');
    assert.match(engineLines(list.filter((x) => x.engine === 'uring'), '', () => 0).join('\n'), /^io_uring ring 0xffff8800: 1 request over 20 ns\n {2}in flight until the kernel posted the CQE: p50 1, p99 1, max 1/);
  });
});
