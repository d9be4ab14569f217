/**
 * Trace file size (format 2, extension/src/core/trace/format.ts): the block codecs compared on the
 * synthetic trace — the records as they are or packed (packing.ts), each through deflate, brotli 4
 * and brotli 6, in blocks of 1 and 4 MiB — then, for each .iolens file given, its bytes an event
 * as it is and saved again in format 2 (the same events: format-1 recordings compare exactly).
 *
 *   npx tsx bench/fileFormat.ts [--events N] [FILE.iolens...]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants as zc, deflateSync, inflateSync } from 'node:zlib';
import { TraceFileWriter, readTraceFile } from '../extension/src/core/trace/file';
import { rereadTraceStream } from '../extension/src/core/trace/fileReader';
import { packRecords, unpackRecords } from '../extension/src/core/trace/packing';
import { TracePipeline } from '../extension/src/core/trace/pipeline';
import { HEADER_SIZE, RECORD_HEADER_SIZE } from '../protocol/generated/wire';
import { syntheticTrace } from './synthetic';

type Codec = [name: string, compress: (b: Uint8Array) => Uint8Array, decompress: (b: Uint8Array) => Uint8Array];

const brotli = (quality: number): Codec => [
  `brotli ${quality}`,
  (b) => brotliCompressSync(b, { params: { [zc.BROTLI_PARAM_QUALITY]: quality, [zc.BROTLI_PARAM_LGWIN]: 22 } }),
  (b) => brotliDecompressSync(b),
];
const CODECS: Codec[] = [['deflate 6', (b) => deflateSync(b, { level: 6 }), (b) => inflateSync(b)], brotli(4), brotli(6)];

/** The records after the header, cut into blocks of about `size` bytes at record boundaries. */
function blocksOf(stream: Uint8Array, size: number): Uint8Array[] {
  const body = stream.subarray(HEADER_SIZE);
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out: Uint8Array[] = [];
  for (let start = 0, o = 0; o < body.length;) {
    o += v.getUint16(o + RECORD_HEADER_SIZE - 2, true);
    if (o - start >= size || o >= body.length) {
      out.push(body.slice(start, o));
      start = o;
    }
  }
  return out;
}

function codecs(events: number): string[] {
  const lines = [`codecs on the synthetic trace (${events.toLocaleString('en-US')} events; bytes an event, compress / decompress ms for the whole trace, one thread):`];
  const stream = syntheticTrace(events);
  for (const size of [1 << 20, 4 << 20]) {
    const blocks = blocksOf(stream, size);
    let t0 = performance.now();
    const packed = blocks.map(packRecords);
    const packMs = performance.now() - t0;
    t0 = performance.now();
    packed.forEach((p, i) => unpackRecords(p, blocks[i].length));
    const unpackMs = performance.now() - t0;
    lines.push(`  ${size >> 20} MiB blocks (${blocks.length}): records as they are ${(stream.length / events).toFixed(1)}, packed ${(packed.reduce((n, p) => n + p.length, 0) / events).toFixed(1)} (pack ${packMs.toFixed(0)} ms, unpack ${unpackMs.toFixed(0)} ms)`);
    for (const [name, compress, decompress] of CODECS) {
      for (const [what, input] of [['as they are', blocks], ['packed', packed]] as const) {
        t0 = performance.now();
        const out = input.map(compress);
        const cMs = performance.now() - t0;
        t0 = performance.now();
        out.forEach(decompress);
        const dMs = performance.now() - t0;
        lines.push(`    ${name.padEnd(10)} ${what.padEnd(12)} ${(out.reduce((n, b) => n + b.length, 0) / events).toFixed(2).padStart(6)} B/event  ${cMs.toFixed(0).padStart(6)} / ${dMs.toFixed(0).padStart(5)} ms`);
      }
    }
  }
  return lines;
}

/** A trace file's events, bytes, and its bytes saved again in format 2. */
async function resave(path: string, dir: string): Promise<string> {
  const { pipeline } = await readTraceFile(path, () => undefined, { symbolizer: null, events: false });
  const out = join(dir, basename(path));
  const writer = await TraceFileWriter.create(out);
  const replay = new TracePipeline(() => undefined, { symbolizer: null, events: false });
  for await (const chunk of rereadTraceStream(path)) {
    writer.write(chunk);
    replay.push(chunk);
    await writer.ready();
  }
  replay.end();
  await writer.finish(replay);
  const n = pipeline.trace.events;
  const before = statSync(path).size;
  const after = statSync(out).size;
  return `  ${basename(path).padEnd(28)} ${n.toLocaleString('en-US').padStart(10)} events  ${(before / n).toFixed(1).padStart(7)} → ${(after / n).toFixed(2).padStart(6)} bytes an event (${(before / 1024).toFixed(0)} → ${(after / 1024).toFixed(0)} KiB)`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--events');
  const events = at >= 0 ? Number(argv.splice(at, 2)[1]) : 1_000_000;
  const lines = codecs(events);
  if (argv.length) {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-bench-format-'));
    try {
      lines.push('', 'trace files as they are → saved again in format 2 (symbol sections included):');
      for (const f of argv) lines.push(await resave(f, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
