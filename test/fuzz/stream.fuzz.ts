/**
 * Fuzzing the stream decoder and the trace loader: a million mutated traces (bit flips, bytes
 * overwritten with edge values, record sizes and kinds corrupted, chunks cut, repeated, spliced
 * from another trace) go through the whole reading path — reader, assembler, columnar store,
 * window query and report (every eighth input) — and must never throw, never hang, and end with either the records read
 * or a clear message.
 *
 * The same traces saved as files (format 2: compressed blocks) are mutated too, with damage aimed at
 * the file's own structure (block headers, the footer), and read back through the file reader.
 *
 *   npx mocha --require tsx/cjs --timeout 600000 test/fuzz/stream.fuzz.ts     (IOLENS_FUZZ_INPUTS=N to change)
 *   npx mocha --require tsx/cjs --timeout 600000 test/fuzz/stream.fuzz.ts -g files   (the file format only)
 */
import * as assert from 'node:assert/strict';
import { ns } from '../../protocol/messages';
import * as wire from '../../protocol/generated/wire';
import { ReportBuilder } from '../../extension/src/core/report/aggregate';
import { TraceAnalyzer } from '../../extension/src/core/analysis/analyzer';
import { reportJson } from '../../extension/src/core/report/json';
import { renderReport } from '../../extension/src/core/report/render';
import { TraceStore } from '../../extension/src/core/store/traceStore';
import { queryWindow } from '../../extension/src/core/store/window';
import { PID, StreamBuilder, sysId } from '../../extension/src/core/testing/synthetic';
import { sampleTrace } from '../../extension/src/core/testing/sampleTrace';
import { TracePipeline } from '../../extension/src/core/trace/pipeline';
import { Rng } from './rng';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUserError } from '../../extension/src/core/errors';
import { TraceFileWriter } from '../../extension/src/core/trace/file';
import { bytesSource, decodeTraceBytes, readTraceIndex } from '../../extension/src/core/trace/fileReader';

/** A second seed: lots of record kinds with tails, aio/uring pairs, signals, maps, stacks. */
function richTrace(): Uint8Array {
  const b = new StreamBuilder();
  b.add(wire.encodeMap({ prot: 5, buildIdLen: 20, flags: 2, pid: PID, dev: 1, ts: b.at(1), start: 0x400000n, end: 0x500000n, pgoff: 0, ino: 7, buildId: new Uint8Array(20).fill(7), path: '/bin/x' }));
  b.add(wire.encodeStack({ nframes: 3, flags: 2, pid: PID, spSlots: 1, stackId: 9n, frames: [0x401000n, 0x402000n, 0x403000n] }));
  for (let i = 0; i < 6; i++) {
    b.syscall({ sys: sysId('poll'), ts: b.at(10 + i), dur: 5, ret: 1, dataFormat: 2, data: [1000n, 0x0001000100000003n], stackId: 9n });
    b.add(wire.encodeUringSubmit({ stackFrom: 0, flags: 0, cqHead: 0, opcode: i, sqThread: i & 1, pid: PID, tid: PID, ts: b.at(20 + i), ctx: 1n, req: BigInt(i), userData: BigInt(i), reqFlags: 0n, fd: 3 }));
    b.add(wire.encodeUringComplete({ waiterTid: 0, pid: PID, tid: PID, ts: b.at(30 + i), ctx: 1n, req: BigInt(i), userData: BigInt(i), res: -i, cflags: i === 2 ? 2 : 0 }));
  }
  b.syscall({ sys: sysId('rt_sigtimedwait'), ts: b.at(40), dur: 9, ret: 29, dataFormat: 6, data: [5n, 29n | (1n << 32n), 1n, 4n] });
  b.add(wire.encodeTask({ event: 1, pid: 200, tid: 200, ts: b.at(50), ppid: PID, ptid: PID, exitCode: 0, flags: 0, comm: 'child', filename: '' }));
  b.add(wire.encodeTask({ event: 3, pid: 200, tid: 200, ts: b.at(51), ppid: 200, ptid: 0, exitCode: 0, flags: 0, comm: 'child', filename: '/bin/y' }));
  b.add(wire.encodeSymFrame({ stackEnd: 0, index: 0, depth: 0, line: 3, column: 1, flags: 0, stackId: 9n, addr: 0x401000n, strings: ['f', '/src/f.c', '/bin/x'] }));
  b.add(wire.encodeEnd({ reason: 1, signal: 0, ts: b.at(60), emitted: 30, dropped: 0, bytes: 0 }));
  return b.bytes();
}

const EDGE = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x08, 0x10];

function mutate(seed: Uint8Array, other: Uint8Array, r: Rng): Uint8Array {
  let b = Uint8Array.from(seed);
  const n = 1 + r.int(4);
  for (let k = 0; k < n; k++) {
    switch (r.int(9)) {
      case 0: // bit flip
        b[r.int(b.length)] ^= 1 << r.int(8);
        break;
      case 1: // an edge byte
        b[r.int(b.length)] = EDGE[r.int(EDGE.length)];
        break;
      case 2: { // a record's size field (the header is 32 bytes, records 8-aligned)
        const at = 32 + 8 * r.int(Math.max(1, (b.length - 32) / 8)) + 2;
        if (at + 1 < b.length) new DataView(b.buffer).setUint16(at, [0, 4, 8, 12, 0xffff, 0xfff8, r.int(65536)][r.int(7)], true);
        break;
      }
      case 3: { // a record's kind
        const at = 32 + 8 * r.int(Math.max(1, (b.length - 32) / 8));
        if (at + 1 < b.length) new DataView(b.buffer).setUint16(at, r.int(300), true);
        break;
      }
      case 4: // cut short
        b = b.subarray(0, r.int(b.length + 1));
        break;
      case 5: { // repeat a slice
        const s = r.int(b.length);
        const e = Math.min(b.length, s + r.int(256));
        const out = new Uint8Array(b.length + (e - s));
        out.set(b.subarray(0, e));
        out.set(b.subarray(s, e), e);
        out.set(b.subarray(e), e + (e - s));
        b = out;
        break;
      }
      case 6: { // splice from the other trace
        const s = r.int(other.length);
        const len = r.int(512);
        const at = r.int(b.length);
        const out = new Uint8Array(at + Math.min(len, other.length - s));
        out.set(b.subarray(0, at));
        out.set(other.subarray(s, s + len), at);
        b = out;
        break;
      }
      case 7: { // random 8-byte word (addresses, timestamps, counts)
        const at = r.int(Math.max(1, b.length - 8));
        for (let i = 0; i < 8 && at + i < b.length; i++) b[at + i] = r.int(256);
        break;
      }
      default: // the header's version or size
        if (b.length > 12) b[8 + r.int(4)] = r.int(256);
    }
  }
  return b;
}

/** Everything a trace goes through when opened; returns what went wrong, as messages. */
function open(bytes: Uint8Array, chunk: number, full: boolean): string[] {
  const box: { store?: TraceStore; analyzer?: TraceAnalyzer } = {};
  const builder = new ReportBuilder();
  let id = 0;
  const pipeline = new TracePipeline((e) => {
    builder.add(e);
    box.store?.add(e);
    box.analyzer?.add(e, id++);
  }, { symbolizer: null });
  box.analyzer = new TraceAnalyzer(pipeline.trace);
  const store = new TraceStore((pid, tid) => pipeline.trace.processes.threadName(pid, tid));
  box.store = store;
  for (let o = 0; o < bytes.length; o += chunk) if (!pipeline.push(bytes.subarray(o, o + chunk))) break;
  const warnings = pipeline.end();
  if (full) {
    queryWindow(store, ns(0), ns(Math.max(1, store.duration)), ns(Math.max(1, store.duration / 100)));
    const input = { title: 'fuzz', trace: pipeline.trace, builder, analysis: box.analyzer.result(), resolver: pipeline.resolver, cwd: '/', warnings };
    renderReport(input);
    JSON.stringify(reportJson(input));
  }
  return warnings;
}

describe('fuzzing the stream decoder and the trace loader', function () {
  const inputs = Number(process.env.IOLENS_FUZZ_INPUTS ?? 1_000_000);
  this.timeout(Math.max(60_000, inputs * 2));

  it(`survives ${inputs.toLocaleString('en-US')} malformed traces with a clear message for each`, () => {
    const seeds = [sampleTrace(), richTrace()];
    const r = new Rng(0x10e5);
    let broken = 0;
    let slowest = 0;
    const started = Date.now();
    for (let i = 0; i < inputs; i++) {
      const seed = seeds[i & 1];
      const input = mutate(seed, seeds[(i & 1) ^ 1], r);
      const t0 = performance.now();
      let warnings: string[];
      try {
        warnings = open(input, [input.length || 1, 1 + r.int(64), 4096][i % 3], i % 8 === 0);
      } catch (e) {
        assert.fail(`input #${i} (${input.length} bytes) threw: ${e instanceof Error ? e.stack : String(e)}`);
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      assert.ok(ms < 2000, `input #${i} took ${ms.toFixed(0)} ms: a hang`);
      if (warnings.length) {
        broken++;
        for (const w of warnings) assert.ok(w.length > 10 && !/undefined|NaN|\[object/.test(w), `unclear message for input #${i}: ${w}`);
      }
    }
    const secs = (Date.now() - started) / 1000;
    process.stderr.write(`      ${inputs.toLocaleString('en-US')} inputs in ${secs.toFixed(1)} s (${Math.round(inputs / secs).toLocaleString('en-US')}/s), ${broken.toLocaleString('en-US')} reported as malformed, slowest ${slowest.toFixed(1)} ms\n`);
  });
});

/** A stream saved as a trace file (format 2), a block every `every` bytes of it. */
async function saved(stream: Uint8Array, every: number): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'iolens-fuzz-'));
  try {
    const path = join(dir, 'seed.iolens');
    const writer = await TraceFileWriter.create(path);
    const pipeline = new TracePipeline(() => undefined, { symbolizer: null, events: false });
    for (let o = 0; o < stream.length; o += every) {
      writer.write(stream.subarray(o, o + every));
      pipeline.push(stream.subarray(o, o + every));
      await writer.flush();
    }
    pipeline.end();
    await writer.finish(pipeline);
    return readFileSync(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('fuzzing the trace file reader (format 2 files)', function () {
  // each file costs about 40 times a stream input (decompression, several blocks): a fortieth of them
  const inputs = Math.ceil(Number(process.env.IOLENS_FUZZ_INPUTS ?? 1_000_000) / 40);
  this.timeout(Math.max(60_000, inputs * 4));

  it(`survives ${inputs.toLocaleString('en-US')} damaged files with a clear message for each`, async () => {
    const seeds = [await saved(sampleTrace(), 512), await saved(richTrace(), 256)];
    // where the file's own structure is: block headers and the footer
    const structure = seeds.map((f) => {
      const index = readTraceIndex(bytesSource(f), f.length);
      assert.ok(index && index.blocks.length > 2, 'the seeds have several blocks');
      return [...index.blocks.map((b) => b.offset), f.length - 16];
    });
    const r = new Rng(0xf11e);
    let broken = 0;
    for (let i = 0; i < inputs; i++) {
      const k = i & 1;
      let input = mutate(seeds[k], seeds[k ^ 1], r);
      if (r.int(2) === 0 && input.length > 16) {
        // a word of a block header (type, codec, lengths, counts, times) or of the footer
        input = Uint8Array.from(input);
        const at = Math.min(input.length - 4, structure[k][r.int(structure[k].length)] + 4 * r.int(10));
        new DataView(input.buffer).setUint32(at, [0, 1, 0xffffffff, 0x7fffffff, r.int(2 ** 32)][r.int(5)], true);
      }
      let warnings: string[] = [];
      try {
        const file = decodeTraceBytes(input);
        warnings = [...file.warnings, ...open(file.stream, 4096, i % 8 === 0)];
      } catch (e) {
        if (!isUserError(e)) assert.fail(`file #${i} (${input.length} bytes) threw: ${e instanceof Error ? e.stack : String(e)}`);
        warnings = [e.message];
      }
      if (warnings.length) {
        broken++;
        for (const w of warnings) assert.ok(w.length > 10 && !/undefined|NaN|\[object/.test(w), `unclear message for file #${i}: ${w}`);
      }
    }
    process.stderr.write(`      ${inputs.toLocaleString('en-US')} files, ${broken.toLocaleString('en-US')} reported as damaged\n`);
  });
});
