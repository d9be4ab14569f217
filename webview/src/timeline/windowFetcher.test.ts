import * as assert from 'node:assert/strict';
import { ns, type WindowData } from '../../../protocol/messages';
import { FakeTimers, flushPromises } from '../testing/fakeTimers';
import { windowData } from '../testing/fixtures';
import type { WindowSpec } from './windowCache';
import { WindowFetcher, type FetchContext } from './windowFetcher';

interface Call {
  spec: WindowSpec;
  resolve: (d: WindowData) => void;
  reject: (e: unknown) => void;
}

function setup(): { f: WindowFetcher; calls: Call[]; timers: FakeTimers; errors: unknown[]; data: number[] } {
  const timers = new FakeTimers();
  const calls: Call[] = [];
  const errors: unknown[] = [];
  const data: number[] = [];
  const f = new WindowFetcher(
    {
      fetch: (spec) => new Promise<WindowData>((resolve, reject) => calls.push({ spec, resolve, reject })),
      onData: (e) => data.push(e.serial),
      onError: (e) => errors.push(e),
    },
    timers,
    40,
    1000,
    () => timers.now,
  );
  return { f, calls, timers, errors, data };
}

const ctx = (start: number, end: number, duration = 100e9): FetchContext => ({ viewport: { start: ns(start), end: ns(end) }, widthDevicePx: 1000, duration: ns(duration) });
const answer = (c: Call): void => c.resolve(windowData(c.spec.start, c.spec.end, c.spec.resolution));

describe('WindowFetcher', () => {
  it('waits a moment, then asks once for the newest viewport', () => {
    const { f, calls, timers } = setup();
    f.update(ctx(10e9, 11e9));
    f.update(ctx(10.1e9, 11.1e9));
    assert.equal(calls.length, 0, 'not at once');
    timers.advance(39);
    assert.equal(calls.length, 0);
    f.update(ctx(10.2e9, 11.2e9));
    timers.advance(1);
    assert.equal(calls.length, 1);
    assert.ok(calls[0].spec.start <= 9.2e9 && calls[0].spec.end >= 12.2e9, 'for the last viewport');
  });

  it('keeps at most one request in flight, then asks for the newest view', async () => {
    const { f, calls, timers, data } = setup();
    f.update(ctx(10e9, 11e9));
    timers.advance(40);
    for (let i = 1; i <= 5; i++) {
      f.update(ctx(10e9 + i * 3e9, 11e9 + i * 3e9));
      timers.advance(100);
    }
    assert.equal(calls.length, 1, 'nothing more while one is out');
    answer(calls[0]);
    await flushPromises();
    assert.deepEqual(data, [1]);
    timers.advance(40);
    assert.equal(calls.length, 2);
    assert.ok(calls[1].spec.start <= 24e9 && calls[1].spec.end >= 27e9, 'for the newest viewport only');
  });

  it('asks nothing while the cache serves the view', async () => {
    const { f, calls, timers } = setup();
    f.update(ctx(10e9, 11e9));
    timers.advance(40);
    answer(calls[0]);
    await flushPromises();
    f.update(ctx(10.5e9, 11.5e9));
    f.update(ctx(9.6e9, 10.6e9));
    timers.advance(1000);
    assert.equal(calls.length, 1);
    assert.equal(f.needed(), false);
    assert.ok(f.current());
  });

  it('asks again when the live trace changed', async () => {
    const { f, calls, timers } = setup();
    f.update(ctx(10e9, 11e9));
    timers.advance(40);
    answer(calls[0]);
    await flushPromises();
    f.invalidate();
    timers.advance(40);
    assert.equal(calls.length, 2);
  });

  it('reports a failure and waits before trying again', async () => {
    const { f, calls, timers, errors } = setup();
    f.update(ctx(10e9, 11e9));
    timers.advance(40);
    calls[0].reject(new Error('boom'));
    await flushPromises();
    assert.equal(errors.length, 1);
    timers.advance(500);
    assert.equal(calls.length, 1, 'backing off');
    timers.advance(600);
    assert.equal(calls.length, 2);
  });

  it('asks nothing after dispose', () => {
    const { f, calls, timers } = setup();
    f.update(ctx(10e9, 11e9));
    f.dispose();
    timers.advance(1000);
    assert.equal(calls.length, 0);
  });
});
