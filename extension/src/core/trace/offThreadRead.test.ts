import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeHeader } from '../../../../protocol/generated/wire';
import { TraceSession } from '../session/traceSession';
import { PID, StreamBuilder, sysId } from '../testing/synthetic';
import { TraceFileWriter } from './file';
import { bytesSource, indexedEvents, newReadState, oneBuffer, rampedSizes, readTraceIndex, readTraceStream, type FileReadState } from './fileReader';
import { BLOCK_HEADER_SIZE } from './format';
import { readTraceStreamOffThread } from './offThreadRead';
import { TracePipeline } from './pipeline';

/** Chunks of this many bytes: several a block, as the editor's read slices a block. */
const SLICE = 1000;

/** Everything a reader of a file sees: the chunks (copied), the state at the end, the error. */
async function readAll(chunks: AsyncGenerator<Uint8Array>, state: FileReadState): Promise<unknown> {
  const seen: Buffer[] = [];
  let error: unknown;
  try {
    for await (const c of chunks) seen.push(Buffer.from(c));
  } catch (e) {
    const x = e as Error & { code?: unknown; fix?: unknown; offset?: unknown; syscall?: unknown };
    error = { type: x.constructor.name, name: x.name, message: x.message, code: x.code, fix: x.fix, offset: x.offset, syscall: x.syscall };
  }
  return { lengths: seen.map((c) => c.length), stream: Buffer.concat(seen).toString('base64'), state, error };
}

/** A trace of `n` syscalls on 4 threads, a block every `every` of them. */
async function writeTrace(path: string, n: number, every = 25): Promise<void> {
  const writer = await TraceFileWriter.create(path);
  const pipeline = new TracePipeline(() => undefined, { symbolizer: null, events: false });
  const b = new StreamBuilder();
  const put = (bytes: Uint8Array): void => {
    writer.write(bytes);
    pipeline.push(bytes);
  };
  put(b.bytes());
  for (let i = 0; i < n; i++) {
    const one = new StreamBuilder(false);
    one.syscall({ sys: sysId('read'), tid: PID + (i % 4), ts: b.at(i * 1e6), dur: 1000 + i, ret: i, stackId: BigInt(1 + (i % 3)), args: [3n, 0n, 4096n, 0n, 0n, 0n] });
    put(one.bytes().subarray(encodeHeader().length));
    if (i % every === every - 1) await writer.flush();
  }
  pipeline.end();
  await writer.finish(pipeline);
}

describe('reading a trace file off the main thread', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-offthread-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('slices the first chunks small and doubles them up to the most, the stream the same', async () => {
    const path = join(dir, 'ramp.iolens');
    await writeTrace(path, 2000, 1000);
    const whole = newReadState();
    const all = (await readAll(readTraceStream(path, whole, 1 << 20), whole)) as { stream: string };
    const state = newReadState();
    const ramped = (await readAll(readTraceStreamOffThread(path, state, rampedSizes(100, 1600)), state)) as { lengths: number[]; stream: string };
    assert.equal(ramped.stream, all.stream);
    // the stream header is a chunk of its own (a slice of its size), then each slice twice the last
    assert.deepEqual(ramped.lengths.slice(0, 5), [encodeHeader().length, 200, 400, 800, 1600]);
    assert.ok(ramped.lengths.every((n) => n <= 1600) && ramped.lengths.filter((n) => n === 1600).length > 10, 'then slices of the most');
  });

  it("counts a file's events from its index before the read (the store made that long at once), none for a format-1 file or no trace", async () => {
    const path = join(dir, 'whole.iolens');
    await writeTrace(path, 200);
    assert.equal(indexedEvents(path), 200);
    const s = await TraceSession.open(path);
    assert.equal(s.store.size, 200);
    await s.dispose();
    const stream: Buffer[] = [];
    for await (const c of readTraceStream(path, newReadState())) stream.push(Buffer.from(c));
    writeFileSync(path, Buffer.concat(stream));
    assert.equal(indexedEvents(path), undefined, 'format 1');
    writeFileSync(path, 'not a trace');
    assert.equal(indexedEvents(path), undefined, 'no trace');
    assert.equal(indexedEvents(join(dir, 'none.iolens')), undefined, 'missing');
  });

  it('gives the chunks, progress, warnings and errors of the in-thread read, whole, cut short, damaged or no trace', async () => {
    const whole = join(dir, 'whole.iolens');
    await writeTrace(whole, 200);
    const file = readFileSync(whole);
    const { blocks } = readTraceIndex(bytesSource(file), file.length)!;
    assert.ok(blocks.length >= 8, `several blocks (${blocks.length})`);
    const variants: [string, Uint8Array | 'missing' | 'folder'][] = [['whole', file], ['empty', new Uint8Array(0)], ['junk', new TextEncoder().encode('not a trace, not at all')]];
    variants.push(['header cut', file.subarray(0, 20)]);
    // cut at, and inside, the first, second and last blocks
    for (const i of [0, 1, blocks.length - 1]) {
      const b = blocks[i];
      variants.push([`cut at block ${i + 1}`, file.subarray(0, b.offset)], [`cut inside block ${i + 1}'s header`, file.subarray(0, b.offset + 7)]);
      variants.push([`cut inside block ${i + 1}'s payload`, file.subarray(0, b.offset + BLOCK_HEADER_SIZE + (b.payloadLength >> 1))]);
    }
    const damaged = Buffer.from(file);
    damaged[blocks[2].offset + BLOCK_HEADER_SIZE + 3] ^= 0xff;
    const newer = Buffer.from(file);
    newer.writeUInt16LE(99, 8);
    // a format-1 file (the stream itself) of several 1 MiB chunks: the first ones read here, the rest by the worker
    const long = join(dir, 'long.iolens');
    await writeTrace(long, 40_000, 10_000);
    const stream: Buffer[] = [];
    for await (const c of readTraceStream(long, newReadState())) stream.push(Buffer.from(c));
    assert.ok(Buffer.concat(stream).length > 3 << 20, 'over three chunks of a format-1 file');
    variants.push(['damaged block', damaged], ['newer format', newer], ['format 1', Buffer.concat(stream)], ['missing', 'missing'], ['folder', 'folder']);
    for (const [name, bytes] of variants) {
      const path = join(dir, `${name}.iolens`);
      if (bytes === 'folder') mkdirSync(path);
      else if (bytes !== 'missing') writeFileSync(path, bytes);
      const before = newReadState();
      const here = await readAll(readTraceStream(path, before, SLICE, oneBuffer()), before);
      const after = newReadState();
      const offThread = await readAll(readTraceStreamOffThread(path, after, SLICE), after);
      assert.deepEqual(offThread, here, name);
    }
  });

  it('an editor session opens a cut-short file with the same warning, and a missing or too new one fails the same way', async () => {
    const path = join(dir, 'cut.iolens');
    await writeTrace(path, 200);
    const file = readFileSync(path);
    const { blocks } = readTraceIndex(bytesSource(file), file.length)!;
    writeFileSync(path, file.subarray(0, blocks[3].offset + BLOCK_HEADER_SIZE + 5));
    assert.equal(indexedEvents(path), 75, "the blocks' headers walked: the whole blocks' events");
    const s = await TraceSession.open(path);
    assert.equal(s.store.size, 75);
    assert.match(s.warnings.join('\n'), /the file ends inside block 4: the last \d+ ms of the recording are lost/);
    await s.dispose();
    const missing = TraceSession.load(join(dir, 'none.iolens'));
    await missing.whenFinished();
    assert.equal(missing.failure?.code, 'file');
    assert.match(missing.failure?.message ?? '', /^cannot read \/.*\/none\.iolens: no such file or folder$/);
    // a folder is no trace file: said so at the open, not as EISDIR at the first read
    const folder = TraceSession.load(dir);
    await folder.whenFinished();
    assert.equal(folder.failure?.code, 'file');
    assert.match(folder.failure?.message ?? '', /^cannot read \/.*: it is a folder/);
    const newer = Buffer.from(file);
    newer.writeUInt16LE(99, 8);
    writeFileSync(path, newer);
    await assert.rejects(TraceSession.open(path), (e: Error & { code?: string; fix?: string }) => e.code === 'trace' && /of format 99; .* update iolens/.test(e.message) && e.fix === 'Update I/O Lens.');
  });
});
