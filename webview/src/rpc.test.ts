import * as assert from 'node:assert/strict';
import { ns, type FromWebview, type WindowData } from '../../protocol/messages';
import { Rpc, RpcError } from './rpc';
import { FakeTimers, flushPromises } from './testing/fakeTimers';

const data: WindowData = { start: ns(0), end: ns(10), resolution: ns(1), spans: [], instants: [], arrows: [], gaps: [] };

function setup(): { rpc: Rpc; sent: FromWebview[]; timers: FakeTimers } {
  const sent: FromWebview[] = [];
  const timers = new FakeTimers();
  return { rpc: new Rpc((m) => sent.push(m), timers, 10_000), sent, timers };
}

async function rejection(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RpcError, `rejected with ${String(e)}`);
    return e;
  }
  assert.fail('did not reject');
}

describe('Rpc', () => {
  it('posts a request with a fresh id and resolves with its reply', async () => {
    const { rpc, sent } = setup();
    const p = rpc.request('window', { start: ns(0), end: ns(10), resolution: ns(1) });
    const q = rpc.request('rate', {});
    assert.equal(sent.length, 2);
    const [a, b] = sent;
    assert.ok(a.type === 'window' && b.type === 'rate');
    assert.notEqual(a.id, b.id);
    assert.equal(a.start, 0);
    assert.equal(rpc.handle({ type: 'window', id: a.id, data }), true);
    assert.equal((await p).data, data);
    rpc.handle({ type: 'rate', id: b.id, rate: { binNs: 1, starts: [], counts: [] } });
    assert.equal((await q).rate.binNs, 1);
    assert.equal(rpc.pendingCount, 0);
  });

  it('rejects a request that gets no reply in time, and ignores the late reply', async () => {
    const { rpc, sent, timers } = setup();
    const p = rpc.request('details', { eventId: 7 });
    timers.advance(9_999);
    assert.equal(rpc.pendingCount, 1);
    timers.advance(1);
    const e = await rejection(p);
    assert.equal(e.reason, 'timeout');
    const id = sent[0].type === 'details' ? sent[0].id : -1;
    assert.equal(rpc.handle({ type: 'details', id, details: null }), true, 'a stale reply is consumed');
    assert.equal(rpc.pendingCount, 0);
  });

  it('rejects everything pending on dispose, and whatever is asked after', async () => {
    const { rpc, timers } = setup();
    const a = rpc.request('rate', {});
    const b = rpc.request('details', { eventId: 1 });
    rpc.dispose();
    assert.equal((await rejection(a)).reason, 'disposed');
    assert.equal((await rejection(b)).reason, 'disposed');
    assert.equal((await rejection(rpc.request('rate', {}))).reason, 'disposed');
    assert.equal(timers.size, 0, 'no timer left running');
  });

  it('lets the newest request of a channel win', async () => {
    const { rpc, sent } = setup();
    const first = rpc.request('details', { eventId: 1 }, 'details');
    const second = rpc.request('details', { eventId: 2 }, 'details');
    assert.equal((await rejection(first)).reason, 'replaced');
    const [a, b] = sent;
    assert.ok(a.type === 'details' && b.type === 'details');
    rpc.handle({ type: 'details', id: a.id, details: null }); // the old one's reply: ignored
    let settled = false;
    const done = second.then(() => (settled = true));
    await flushPromises();
    assert.equal(settled, false, 'the stale reply did not answer the newer request');
    rpc.handle({ type: 'details', id: b.id, details: null });
    await done;
  });

  it('rejects on a host error for the request, and leaves unrelated errors to the caller', async () => {
    const { rpc, sent } = setup();
    const p = rpc.request('histogram', { eventId: 3, scope: 'kind' });
    const id = sent[0].type === 'histogram' ? sent[0].id : -1;
    assert.equal(rpc.handle({ type: 'error', id, message: 'no such event' }), true);
    const e = await rejection(p);
    assert.equal(e.reason, 'host');
    assert.equal(e.message, 'no such event');
    assert.equal(rpc.handle({ type: 'error', id: 0, message: 'trace file unreadable' }), false);
    assert.equal(rpc.handle({ type: 'error', id: id, message: 'again' }), true, 'an error for a settled request is stale');
  });

  it('rejects a reply of the wrong type', async () => {
    const { rpc, sent } = setup();
    const p = rpc.request('rate', {});
    const id = sent[0].type === 'rate' ? sent[0].id : -1;
    rpc.handle({ type: 'window', id, data });
    assert.equal((await rejection(p)).reason, 'protocol');
  });

  it('leaves messages that are not replies alone', () => {
    const { rpc } = setup();
    assert.equal(rpc.handle({ type: 'reveal', eventId: 1, track: 0, start: ns(0), end: ns(1) }), false);
  });
});
