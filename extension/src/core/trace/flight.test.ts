import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeHeader, encodeStack, TaskEvent } from '../../../../protocol/generated/wire';
import type { TraceEvent } from '../model/events';
import { PID, StreamBuilder, sysId } from '../testing/synthetic';
import { TraceFileWriter, readTraceFile } from './file';
import { parseKeep, parseUntil, type KeepLimit } from './flight';
import { TracePipeline } from './pipeline';
import { UntilWatcher } from './until';

const MS = 1e6;
const S = 1e9;
const WORKER = PID + 1;

/**
 * A recording of `seconds` s: a worker thread named at the start, a file it opened, a stack, then
 * a read every 10 ms (odd ones by the worker, on the file, with the stack); chunks of 1 s of the
 * trace each, sealed into a block each as a recording's 1 s timer would.
 */
function recording(seconds: number): { chunks: Uint8Array[]; b: StreamBuilder; reads: number[] } {
  const b = new StreamBuilder();
  b.task({ event: TaskEvent.thread_start, tid: WORKER, comm: 'worker', ts: b.at(0) });
  b.fd({ op: 1, fd: 7, type: 1, tid: WORKER, path: '/var/db/journal', ts: b.at(0) });
  b.add(encodeStack({ nframes: 1, flags: 0, pid: PID, spSlots: 0, stackId: 42n, frames: [0x401000n] }));
  const chunks = [b.bytes()];
  const reads: number[] = [];
  for (let s = 0; s < seconds; s++) {
    const one = new StreamBuilder(false);
    for (let i = 0; i < 100; i++) {
      const n = s * 100 + i;
      const ts = b.at(n * 10 * MS);
      reads.push(ts - b.origin);
      const worker = n % 2 === 1;
      one.syscall({ sys: sysId('read'), tid: worker ? WORKER : PID, ts, dur: 2 * MS, ret: 4096, stackId: worker ? 42n : 0n, args: [worker ? 7n : 0n, 0n, 4096n, 0n, 0n, 0n] });
    }
    chunks.push(one.bytes().subarray(encodeHeader().length));
  }
  return { chunks, b, reads };
}

/**
 * Record `chunks` with `keep`, a block per chunk; `window` as `--until` sets it (ns since the
 * origin), once chunk `atChunk` was written (a trigger is noticed a little after the stall).
 */
async function record(path: string, chunks: Uint8Array[], keep: KeepLimit, origin: number, window?: { anchor: number; to: number; atChunk: number }) {
  const writer = await TraceFileWriter.create(path, { keep, until: window !== undefined });
  const pipeline = new TracePipeline(() => undefined, { symbolizer: null, events: false });
  for (const [i, c] of chunks.entries()) {
    writer.write(c);
    pipeline.push(c);
    await writer.flush();
    if (window && i === window.atChunk) writer.endWindow(origin + window.anchor, origin + window.to);
  }
  pipeline.end();
  return writer.finish(pipeline);
}

/** The syscall events of a file (ts since the origin), and its pipeline. */
async function read(path: string): Promise<{ events: TraceEvent[]; pipeline: TracePipeline; warnings: string[] }> {
  const events: TraceEvent[] = [];
  const { pipeline, warnings } = await readTraceFile(path, (e) => e.kind === 'syscall' && events.push(e), { symbolizer: null });
  return { events, pipeline, warnings };
}

describe('flight recorder', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-flight-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads --keep and --until, and says what it takes when they are wrong', () => {
    assert.deepEqual(parseKeep('30s'), { ns: 30 * S });
    assert.deepEqual(parseKeep('500ms'), { ns: 500 * MS });
    assert.deepEqual(parseKeep('200MiB'), { bytes: 200 * 2 ** 20 });
    assert.deepEqual(parseKeep('1.5 GiB'), { bytes: 1.5 * 2 ** 30 });
    assert.throws(() => parseKeep('30'), /--keep takes a time or a size, such as 30s, 500ms or 200MiB, not '30'/);
    assert.throws(() => parseKeep('0s'), /--keep takes/);
    assert.deepEqual(parseUntil('stall>100ms'), { kind: 'stall', ns: 100 * MS });
    assert.deepEqual(parseUntil('finding:busy-poll'), { kind: 'finding', rule: 'busy-poll' });
    assert.throws(() => parseUntil('finding:busy'), /no rule 'busy'/);
    assert.throws(() => parseUntil('stall'), /--until takes 'stall>DURATION'/);
  });

  it('keeps exactly the last N seconds, with the names, paths and stacks its events need', async () => {
    const { chunks, reads } = recording(60);
    const path = join(dir, 'keep.iolens');
    const result = await record(path, chunks, { ns: 10 * S }, new StreamBuilder().origin);
    const last = reads[reads.length - 1];
    const expected = reads.filter((ts) => ts >= last - 10 * S);
    const { events, pipeline, warnings } = await read(path);
    assert.deepEqual(warnings, []);
    assert.deepEqual(events.map((e) => e.ts), expected, `kept ${events.length} events from ${events[0]?.ts} to ${events.at(-1)?.ts}`);
    assert.equal(result.flight?.droppedEvents, reads.length - expected.length);
    const worker = events.find((e) => e.tid === WORKER);
    assert.ok(worker && worker.kind === 'syscall');
    assert.equal(pipeline.trace.processes.threadName(PID, WORKER), 'worker');
    assert.equal(pipeline.trace.fds.get(PID, 7)?.path, '/var/db/journal');
    assert.ok(pipeline.trace.stacks.has(42n), 'the stack record from the first second is kept');
  });

  it('ends the window at --until\'s trigger and a while after, keeping N seconds before it', async () => {
    const { chunks, reads } = recording(40);
    const path = join(dir, 'until.iolens');
    const anchor = 20 * S + 5 * MS;
    const to = 21 * S + 5 * MS;
    const result = await record(path, chunks, { ns: 5 * S }, new StreamBuilder().origin, { anchor, to, atChunk: 23 });
    const expected = reads.filter((ts) => ts >= anchor - 5 * S && ts <= to);
    const { events } = await read(path);
    assert.deepEqual(events.map((e) => e.ts), expected, `kept ${events.length} events from ${events[0]?.ts} to ${events.at(-1)?.ts}`);
    assert.equal(result.flight?.droppedEvents, reads.length - expected.length);
  });

  it('keeps the last N bytes of blocks: the newest events, none missing between them', async () => {
    const { chunks, reads } = recording(30);
    const whole = join(dir, 'whole.iolens');
    await record(whole, chunks, { ns: 1000 * S }, 0);
    const all = await read(whole);
    assert.equal(all.events.length, reads.length);
    const path = join(dir, 'size.iolens');
    const limit = 4096;
    await record(path, chunks, { bytes: limit }, 0);
    const { events, pipeline } = await read(path);
    const kept = events.map((e) => e.ts);
    assert.ok(kept.length > 0 && kept.length < reads.length, `kept ${kept.length} of ${reads.length}`);
    assert.deepEqual(kept, reads.slice(reads.length - kept.length), 'a suffix of the recording');
    assert.equal(pipeline.trace.processes.threadName(PID, WORKER), 'worker');
  });

  it('--until stall>100ms fires at the first blocking call or wait longer than that, not before', () => {
    const b = new StreamBuilder();
    b.call('epoll_ctl', { ts: 0, dur: 500 * MS });
    b.call('nanosleep', { ts: 500 * MS, dur: 400 * MS });
    b.call('read', { ts: 1 * S, dur: 100 * MS, fd: 3 });
    b.call('read', { ts: 2 * S, dur: 100 * MS + 1, fd: 3 });
    b.call('read', { ts: 3 * S, dur: 900 * MS, fd: 3 });
    const pipeline = new TracePipeline((e) => {
      const t = watcher.add(e);
      if (t) fired.push(t.anchor, t.end);
    }, { symbolizer: null });
    const watcher = new UntilWatcher({ kind: 'stall', ns: 100 * MS }, pipeline.trace);
    const fired: number[] = [];
    pipeline.push(b.bytes());
    pipeline.end();
    assert.deepEqual(fired, [2 * S, 2 * S + 100 * MS + 1]);
    assert.match(watcher.trigger?.what ?? '', /^read of thread 100 lasted 100/);
  });

  it('--until finding:busy-poll fires once the rule finds a spinning poll', () => {
    const b = new StreamBuilder();
    b.task({ event: TaskEvent.existing, comm: 'server', ts: b.at(0) });
    b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
    for (let i = 0; i < 1000; i++) b.epollWait({ ts: i * 2000, dur: 1000, ret: 0, timeoutMs: 0, stackId: 1n });
    let clock = 0;
    const pipeline = new TracePipeline((e) => watcher.add(e), { symbolizer: null });
    const watcher = new UntilWatcher({ kind: 'finding', rule: 'busy-poll' }, pipeline.trace, () => (clock += 1000));
    pipeline.push(b.bytes());
    pipeline.end();
    assert.equal(watcher.trigger?.what.startsWith('busy polling'), true, `trigger: ${watcher.trigger?.what}`);
    const quiet = new TracePipeline((e) => still.add(e), { symbolizer: null });
    const still = new UntilWatcher({ kind: 'finding', rule: 'busy-poll' }, quiet.trace, () => (clock += 1000));
    const calm = new StreamBuilder();
    for (let i = 0; i < 100; i++) calm.epollWait({ ts: i * 10 * MS, dur: 10 * MS, ret: 1, timeoutMs: -1, stackId: 1n, ready: [[7n, 1]] });
    quiet.push(calm.bytes());
    quiet.end();
    assert.equal(still.trigger, undefined);
  });
});
