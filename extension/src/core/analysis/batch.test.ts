/**
 * The analysis fed in batches (batch.ts) gives the same result as fed one event at a time, on
 * streams where the trace's side tables change while a batch is held back: each stream is also
 * fed late (every event after the whole stream was read), to show that it does depend on the table
 * it changes, so that only the flush before the change can keep the batched result the same.
 */
import * as assert from 'node:assert/strict';
import * as wire from '../../../../protocol/generated/wire';
import { TracePipeline } from '../trace/pipeline';
import type { TraceEvent } from '../model/events';
import { O_NONBLOCK } from '../model/names';
import { PID, StreamBuilder, sysId } from '../testing/synthetic';
import { TraceAnalyzer } from './analyzer';
import { BATCH, BatchedAnalyzer } from './batch';
import { siteKeysOf } from './resolve';
import { analyze } from './testing';
import type { AnalysisResult } from './types';

const MS = 1e6;
const US = 1e3;
const WORKER = PID + 1;

function json(r: AnalysisResult): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v), 1);
}

/** Every event handed to the analyzer after the whole stream was read: a batch never flushed. */
function fedLate(b: StreamBuilder): AnalysisResult {
  const events: TraceEvent[] = [];
  const pipeline = new TracePipeline((e) => events.push(e), { symbolizer: null });
  const a = new TraceAnalyzer(pipeline.trace, { keepChainsFrom: 1e6 });
  pipeline.push(b.bytes());
  pipeline.end();
  events.forEach((e, id) => a.add(e, id));
  return a.result(siteKeysOf(pipeline.resolver));
}

/** How many events a stream assembles into. */
function eventCount(b: StreamBuilder): number {
  let n = 0;
  const pipeline = new TracePipeline(() => n++, { symbolizer: null });
  pipeline.push(b.bytes());
  pipeline.end();
  return n;
}

/** A loop thread PID reading pipe fd 5 (opened blocking) and woken by thread WORKER. */
function loop(): StreamBuilder {
  const b = new StreamBuilder();
  b.task({ event: wire.TaskEvent.existing, comm: 'server', filename: '/work/app/server', flags: 2, ts: b.at(0) });
  b.task({ event: wire.TaskEvent.existing, tid: WORKER, comm: 'worker-1', ts: b.at(0) });
  b.fd({ op: 4, fd: 3, type: wire.FdType.epoll, path: 'anon_inode:[eventpoll]' });
  b.fd({ op: 4, fd: 5, type: wire.FdType.pipe, path: 'pipe:[11]' });
  return b;
}

/** `turns` turns of the loop, each a 20 ms read of fd 5 the worker ends; returns the time after them. */
function blockedTurns(b: StreamBuilder, from: number, turns: number): number {
  let t = from;
  for (let i = 0; i < turns; i++) {
    b.epollWait({ ts: t, dur: 2 * MS, ret: 0, stackId: 1n });
    t += 2 * MS + 10 * US;
    b.wake({ tid: WORKER, ts: t + 19 * MS, wakee: PID, since: t, call: 'write', wakeeCall: 'read', fd: 5 });
    b.call('read', { ts: t, dur: 20 * MS, ret: 1, fd: 5, stackId: 2n });
    t += 20 * MS + 10 * US;
  }
  b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
  return t + 1 * MS;
}

/** The batched and the one-at-a-time results are the same; the late one differs (the stream tests something). */
function assertExact(b: StreamBuilder, what: string): AnalysisResult {
  const n = eventCount(b);
  assert.ok(n > 1 && n < BATCH, `the stream must fit in one batch (${n} events, batches of ${BATCH})`);
  const one = analyze(b, 4096, false).result;
  for (const chunk of [4096, 7]) {
    const batched = analyze(b, chunk, true).result;
    assert.equal(json(batched), json(one), `fed in batches (chunks of ${chunk} bytes), the result differs from fed one event at a time`);
  }
  assert.notEqual(json(fedLate(b)), json(one), `the stream does not depend on ${what}: fed late, the result is the same`);
  return one;
}

describe('the analysis fed in batches', () => {
  it('sees an fd as it was before an fd record replaced it (a pipe reopened O_NONBLOCK)', () => {
    const b = loop();
    const t = blockedTurns(b, 1 * MS, 3);
    b.fd({ op: 2, fd: 5 });
    b.fd({ op: 1, fd: 5, type: wire.FdType.pipe, path: 'pipe:[12]', openFlags: O_NONBLOCK });
    b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
    const one = assertExact(b, 'the fd table');
    assert.deepEqual(one.findings.map((f) => f.rule), ['loop-blocked'], 'the reads were on a blocking pipe');
  });

  it('sees an fd\'s flags as they were before fcntl(F_SETFL) changed them', () => {
    const b = loop();
    const t = blockedTurns(b, 1 * MS, 3);
    b.syscall({ sys: sysId('fcntl'), ts: b.at(t), dur: 2 * US, ret: 0, args: [5n, 4n, BigInt(O_NONBLOCK), 0n, 0n, 0n] });
    const one = assertExact(b, 'the fd flags');
    assert.deepEqual(one.findings.map((f) => f.rule), ['loop-blocked'], 'the reads were on a blocking pipe');
  });

  it('names a waker as it was called before it was renamed', () => {
    const b = loop();
    const t = blockedTurns(b, 1 * MS, 3);
    b.task({ event: wire.TaskEvent.rename, tid: WORKER, comm: 'renamed', ts: b.at(t) });
    const one = assertExact(b, 'the thread names');
    assert.match(json(one), /worker-1 100\/101/, 'the chain names the waker as it was called then');
  });

  it('takes counted calls after the events before them', () => {
    const b = loop();
    let t = 1 * MS;
    for (let i = 0; i < 6; i++) {
      b.epollWait({ ts: t, dur: 10 * US, ret: 0, timeoutMs: 0, stackId: 1n });
      t += 20 * US;
    }
    b.summary({ ts: t, call: 'recvfrom', fdType: wire.FdType.socket, nonblocking: true, inLoop: true, stackId: 3n, count: 5000, totalNs: 5 * MS, errnos: [[11, 5000]] });
    for (let i = 0; i < 6; i++) {
      b.epollWait({ ts: t, dur: 10 * US, ret: 0, timeoutMs: 0, stackId: 1n });
      t += 20 * US;
    }
    assertExact(b, 'the counted calls');
  });

  it('knows a UIO device from its record on, not before', () => {
    const b = loop();
    b.fd({ op: 4, fd: 11, type: wire.FdType.uio, path: '/dev/uio0', aux: 2 ** 32 });
    let count = 0;
    for (let i = 0; i < 12; i++) {
      // the device's record comes halfway: the reads before it concern no known device
      if (i === 6) b.add(wire.encodeUioDevice({ index: 0, irq: 22, dev: 240 << 20, ts: b.at(i * MS), strings: ['uio_pci_generic', '0.01.0', '0000:00:02.0'] }));
      count += i % 2 ? 3 : 1;
      b.syscall({ sys: sysId('read'), ts: b.at(i * MS + 500 * US), dur: 300 * US, ret: 4, args: [11n, 0x7ffe1000n, 4n, 0n, 0n, 0n], dataFormat: 7, data: [BigInt(count)], stackId: 8n });
    }
    const one = assertExact(b, 'the UIO devices');
    // from the device's record on: the first read (from the count at the open) and reads 7, 9, 11 (fed late: 6 jumps)
    const title = one.findings.find((f) => f.rule === 'uio-missed-irq')?.title ?? '';
    assert.match(title, /the count jumped 4 times/, `only the reads after the device's record count; got: ${title}`);
  });

  it('reads the metadata as it was (a blocking call before the meta record that says ptrace)', () => {
    const b = new StreamBuilder(false);
    b.add(wire.encodeClock({ monoNs: b.origin, realNs: 1_700_000_000_000_000_000 }));
    b.add(wire.encodeMeta({ json: JSON.stringify({ tracer: 'test', backend: 'ebpf', pid: PID }) }));
    b.task({ event: wire.TaskEvent.existing, comm: 'server', flags: 2, ts: b.at(0) });
    b.fd({ op: 4, fd: 5, type: wire.FdType.pipe, path: 'pipe:[11]' });
    let t = 1 * MS;
    for (let i = 0; i < 4; i++) {
      b.call('read', { ts: t, dur: 2 * MS, ret: 1, fd: 5, stackId: 2n });
      t += 3 * MS;
    }
    b.add(wire.encodeMeta({ json: JSON.stringify({ tracer: 'test', backend: 'ptrace', pid: PID }) }));
    assertExact(b, 'the metadata');
  });

  it('answers a chain asked between batches (the editor\'s selected event) as fed one at a time', () => {
    const b = loop();
    blockedTurns(b, 1 * MS, 2);
    const events: TraceEvent[] = [];
    const pipeline = new TracePipeline((e) => events.push(e), { symbolizer: null });
    const batched = new BatchedAnalyzer(pipeline.trace, { keepChainsFrom: 1 * MS });
    const one = new TraceAnalyzer(pipeline.trace, { keepChainsFrom: 1 * MS });
    pipeline.push(b.bytes());
    events.forEach((e, id) => {
      batched.add(e, id);
      one.add(e, id);
    });
    assert.ok(events.length < BATCH, 'the events are still held back');
    const reads = events.flatMap((e, id) => (e.kind === 'syscall' && e.name === 'read' ? [id] : []));
    assert.equal(reads.length, 2);
    for (const id of reads) {
      const chain = batched.chainOf(id);
      assert.ok(chain && chain.length > 0, `the read ${id} has its chain`);
      assert.deepEqual(chain, one.chainOf(id));
    }
    batched.dispose();
    one.dispose();
  });
});
