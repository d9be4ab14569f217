import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD_MIN_SIZE, RecordKind, RecordKindNames, encodeHeader } from '../../../../protocol/generated/wire';
import { sampleTrace } from '../testing/sampleTrace';
import { PID, StreamBuilder, sysId } from '../testing/synthetic';
import { TraceFileWriter, readTraceFile, type WriterOptions } from './file';
import { bytesSource, decodeTraceBytes, newReadState, oneBuffer, readBlock, readTraceIndex, streamChunks } from './fileReader';
import { BLOCK_HEADER_SIZE, BLOCK_MAX_MS, FILE_MAGIC } from './format';
import { TracePipeline } from './pipeline';

/** Deterministic pseudo-random bytes. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** A record of `kind` and `size` bytes whose fields are random bytes. */
function randomRecord(kind: number, size: number, seed: number): Uint8Array {
  const r = randomBytes(size, seed);
  const v = new DataView(r.buffer);
  v.setUint16(0, kind, true);
  v.setUint16(2, size, true);
  return r;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/**
 * Write a stream (given in chunks) as a recording is saved: a block after every `blockEvery`
 * chunks past the first; `symbols: false` leaves the symbol section out (a stream of random records).
 */
async function writeFile(path: string, chunks: Uint8Array[], blockEvery = 0, symbols = true, options: WriterOptions = {}): Promise<void> {
  const writer = await TraceFileWriter.create(path, options);
  const pipeline = new TracePipeline(() => undefined, { symbolizer: null, events: false });
  for (let i = 0; i < chunks.length; i++) {
    writer.write(chunks[i]);
    if (symbols) pipeline.push(chunks[i]);
    if (blockEvery && i > 0 && i % blockEvery === 0) await writer.flush();
  }
  pipeline.end();
  await writer.finish(pipeline);
}

/** Events the stream holds (counted as the loader counts them). */
function eventsOf(stream: Uint8Array): number {
  const p = new TracePipeline(() => undefined, { symbolizer: null, events: false });
  p.push(stream);
  p.end();
  return p.trace.events;
}

/** A trace of `n` syscalls on 4 threads, one record per chunk. */
function syscalls(n: number): Uint8Array[] {
  const b = new StreamBuilder();
  const head = b.bytes();
  const out: Uint8Array[] = [head];
  for (let i = 0; i < n; i++) {
    const one = new StreamBuilder(false);
    one.syscall({ sys: sysId('read'), tid: PID + (i % 4), ts: b.at(i * 1e6), dur: 1000 + i, ret: i, stackId: BigInt(1 + (i % 3)), args: [3n, 0n, 4096n, 0n, 0n, 0n] });
    out.push(one.bytes().subarray(encodeHeader().length));
  }
  return out;
}

describe('trace file format 2', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-format-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips every record kind of the schema, and kinds it does not know, byte for byte', async () => {
    const kinds = [...RecordKindNames.keys(), 999];
    const records: Uint8Array[] = [];
    let seed = 1;
    for (let round = 0; round < 3; round++) {
      for (const kind of kinds) {
        const min = Math.ceil((RECORD_MIN_SIZE.get(kind) ?? 16) / 8) * 8;
        // the fixed part, then tails of different lengths (paths, frames, data words)
        records.push(randomRecord(kind, min + 8 * round * (seed % 3), seed++));
      }
    }
    assert.equal(new Set(records.map((r) => r[0] | (r[1] << 8))).size, Object.keys(RecordKind).length + 1);
    const stream = concat([encodeHeader(), ...records]);
    const path = join(dir, 'all.iolens');
    // records split across chunks at odd places
    const chunks: Uint8Array[] = [];
    for (let o = 0; o < stream.length; o += 37) chunks.push(stream.subarray(o, o + 37));
    await writeFile(path, chunks, 0, false);
    const file = readFileSync(path);
    assert.deepEqual([...file.subarray(0, 8)], FILE_MAGIC);
    const back = decodeTraceBytes(file);
    assert.deepEqual(back.warnings, []);
    assert.equal(Buffer.compare(back.stream, stream), 0);
  });

  it('a reader that unpacks every block into one buffer gets the same stream as one that does not', async () => {
    // blocks of calls packed in columns, a word zero in some blocks and not in others (a reused
    // buffer holds the earlier block's bytes: each word must be written), and of records kept as rows
    const b = new StreamBuilder();
    const chunks: Uint8Array[] = [b.bytes()];
    const kinds = [...RecordKindNames.keys()];
    for (let i = 0; i < 160; i++) {
      const one = new StreamBuilder(false);
      const n = BigInt(Math.floor(i / 9) % 2 ? 0 : 1000 + i);
      one.syscall({ sys: sysId('read'), tid: PID + (i % 4), ts: b.at(i * 1e6), dur: 1000 + i, ret: Number(n), stackId: n, args: [3n, n, 4096n + n, 0n, n, 0n] });
      chunks.push(one.bytes().subarray(encodeHeader().length));
      if (i % 5 === 0) {
        const kind = kinds[i % kinds.length];
        chunks.push(randomRecord(kind, Math.ceil((RECORD_MIN_SIZE.get(kind) ?? 16) / 8) * 8 + 8 * (i % 4), 1000 + i));
      }
    }
    const path = join(dir, 'blocks.iolens');
    await writeFile(path, chunks, 9, false);
    const file = readFileSync(path);
    const whole = decodeTraceBytes(file);
    const state = newReadState();
    // each chunk copied before the next is asked for, as a consumer of a reused buffer must
    const reused = [...(function* () { for (const c of streamChunks(bytesSource(file), state, oneBuffer())) yield Uint8Array.from(c); })()];
    assert.ok(reused.length > 10, `several blocks (${reused.length} chunks)`);
    assert.deepEqual(state.warnings, []);
    assert.equal(Buffer.compare(Buffer.concat(reused), whole.stream), 0, 'the stream read through one buffer differs');
  });

  it('opens a format-1 file (the stream as the tracer wrote it, as files were before)', async () => {
    const old = join(__dirname, '../../../../demo/traces/uio-edu-epoll.iolens');
    const bytes = readFileSync(old);
    assert.notDeepEqual([...bytes.subarray(0, 8)], FILE_MAGIC, 'the demo trace is a format-1 file');
    const events: string[] = [];
    const loaded = await readTraceFile(old, (e) => events.push(e.kind), { symbolizer: null });
    assert.deepEqual(loaded.warnings, []);
    assert.ok(events.length > 100, `${events.length} events`);
    // the same trace saved again in format 2 opens to the same events and symbols, in less space
    const again = join(dir, 'again.iolens');
    await writeFile(again, [bytes]);
    const events2: string[] = [];
    const loaded2 = await readTraceFile(again, (e) => events2.push(e.kind), { symbolizer: null });
    assert.deepEqual(loaded2.warnings, []);
    assert.deepEqual(events2, events);
    assert.equal(loaded2.pipeline.trace.symbols.size, loaded.pipeline.trace.symbols.size);
    assert.ok(readFileSync(again).length < bytes.length / 2, `${readFileSync(again).length} bytes against ${bytes.length}`);
  });

  it('keeps the sample trace whole: events and symbols', async () => {
    const stream = sampleTrace();
    const path = join(dir, 'sample.iolens');
    await writeFile(path, [stream]);
    const { stream: back, warnings } = decodeTraceBytes(readFileSync(path));
    assert.deepEqual(warnings, []);
    assert.equal(Buffer.compare(back.subarray(0, stream.length), stream), 0);
  });

  it('indexes its blocks in the footer, and finds them by walking the file without it', async () => {
    const path = join(dir, 'blocks.iolens');
    await writeFile(path, syscalls(100), 10);
    const file = readFileSync(path);
    const index = readTraceIndex(bytesSource(file), file.length);
    assert.ok(index?.fromFooter);
    assert.equal(index.blocks.length, 10); // no symbol section: the trace has no stacks
    assert.equal(index.blocks.reduce((n, b) => n + b.events, 0), 100);
    // seeking: the block of a time range decodes on its own
    const third = index.blocks[2];
    assert.ok(third.firstTs < third.lastTs);
    assert.equal(eventsOf(concat([index.streamHeader, readBlock(bytesSource(file), third)])), third.events);
    const walked = readTraceIndex(bytesSource(file.subarray(0, index.blocks[9].offset)), index.blocks[9].offset);
    assert.equal(walked?.fromFooter, false);
    assert.deepEqual(walked.blocks, index.blocks.slice(0, 9));
  });

  it('a file cut at any block boundary or inside a block opens to its last whole block, with a warning', async () => {
    const path = join(dir, 'cut.iolens');
    await writeFile(path, syscalls(60), 10);
    const file = readFileSync(path);
    const { blocks } = readTraceIndex(bytesSource(file), file.length)!;
    const whole = decodeTraceBytes(file);
    assert.equal(eventsOf(whole.stream), 60);
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i];
      const before = blocks.slice(0, i).reduce((n, x) => n + x.events, 0);
      const cuts = [b.offset, b.offset + 7, b.offset + BLOCK_HEADER_SIZE, b.offset + BLOCK_HEADER_SIZE + Math.floor(b.payloadLength / 2)];
      for (const at of cuts) {
        const { stream, warnings } = decodeTraceBytes(file.subarray(0, at));
        assert.equal(eventsOf(stream), before, `cut at ${at}`);
        assert.equal(warnings.length, 1, `cut at ${at}: ${warnings.join('; ')}`);
        assert.match(warnings[0], at === b.offset ? new RegExp(`ends after block ${i} without its index`) : new RegExp(`ends inside block ${i + 1}:.* lost`));
      }
    }
    // cut after the last block: every event is there, the index is not
    const end = blocks[blocks.length - 1].offset + BLOCK_HEADER_SIZE + blocks[blocks.length - 1].payloadLength;
    const tail = decodeTraceBytes(file.subarray(0, end));
    assert.equal(eventsOf(tail.stream), 60);
    assert.match(tail.warnings.join('\n'), new RegExp(`ends after block ${blocks.length} without its index`));
    // the loader says it too
    writeFileSync(path, file.subarray(0, blocks[3].offset + BLOCK_HEADER_SIZE + 5));
    const loaded = await readTraceFile(path, () => undefined, { symbolizer: null });
    assert.equal(loaded.pipeline.trace.events, 30);
    assert.match(loaded.warnings.join('\n'), /the file ends inside block 4: the last \d+ ms of the recording are lost/);
  });

  it('a recording writes a block at least every second, so a crash loses at most that', async () => {
    const path = join(dir, 'live.iolens');
    const writer = await TraceFileWriter.create(path);
    const [head, ...rest] = syscalls(5);
    writer.write(concat([head, ...rest]));
    // no flush, no finish: only the timer can write the block (compressed off the main thread: give it time)
    let index: ReturnType<typeof readTraceIndex>;
    for (let waited = 0; waited < BLOCK_MAX_MS + 3000 && !index?.blocks.length; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      const crashed = readFileSync(path);
      index = readTraceIndex(bytesSource(crashed), crashed.length);
    }
    assert.equal(index?.blocks.length, 1, 'the timer wrote the block');
    assert.equal(index.blocks[0].events, 5);
    await writer.discard();
  });

  it('a damaged block is reported and what comes before it is kept', async () => {
    const path = join(dir, 'bad.iolens');
    await writeFile(path, syscalls(30), 10);
    const file = Buffer.from(readFileSync(path));
    const { blocks } = readTraceIndex(bytesSource(file), file.length)!;
    file[blocks[1].offset + BLOCK_HEADER_SIZE + 3] ^= 0xff;
    const { stream, warnings } = decodeTraceBytes(file);
    assert.equal(eventsOf(stream), 10);
    assert.match(warnings.join('\n'), /block 2 at offset \d+ is damaged/);
  });

  it('a stream without a readable header is written as it came, so opening it says what is wrong', async () => {
    const path = join(dir, 'junk.iolens');
    await writeFile(path, [new TextEncoder().encode('this is not a trace at all, not even close')]);
    await assert.rejects(readTraceFile(path, () => undefined, { symbolizer: null }), /not an iolens stream/);
  });

  it('a stream that breaks (a record size that cannot be) keeps its bytes, and the reader stops where it always did', async () => {
    const good = concat(syscalls(5));
    const bad = concat([good, new Uint8Array([3, 0, 5, 0, 1, 2, 3, 4]), randomBytes(64, 3)]);
    const path = join(dir, 'broken.iolens');
    await writeFile(path, [bad]);
    const loaded = await readTraceFile(path, () => undefined, { symbolizer: null });
    assert.equal(loaded.pipeline.trace.events, 5);
    assert.match(loaded.warnings.join('\n'), /bad record size 5/);
    assert.equal(Buffer.compare(decodeTraceBytes(readFileSync(path)).stream, bad), 0);
  });

  it('a writer that packs and compresses in a worker (a live recording) writes the same bytes as one that does it here', async () => {
    const broken = concat([concat(syscalls(300)), new Uint8Array([3, 0, 5, 0, 1, 2, 3, 4]), randomBytes(5000, 7)]);
    for (const [name, chunks, every] of [['blocks', syscalls(300), 40], ['broken', [0, 1, 2, 3].map((q) => broken.subarray((q * broken.length) >> 2, ((q + 1) * broken.length) >> 2)), 1]] as const) {
      const here = join(dir, `${name}-here.iolens`);
      const worker = join(dir, `${name}-worker.iolens`);
      await writeFile(here, [...chunks], every);
      await writeFile(worker, [...chunks], every, true, { offThread: true });
      const bytes = readFileSync(here);
      assert.ok(readTraceIndex(bytesSource(bytes), bytes.length)!.blocks.length >= 3, `${name}: several blocks`);
      assert.equal(Buffer.compare(readFileSync(worker), bytes), 0, `${name}: the same file`);
    }
  });
});
