/**
 * What the runtimes' jitdump files give for the line of a JavaScript or Python frame, on the node
 * and Python here: the measurement behind keeping perf maps (tracer/runtimes.ts,
 * docs/architecture.md "Runtimes' frames"). Runs node with `--perf-prof
 * --interpreted-frames-native-stack` in a scratch working directory on two programs:
 *
 *   - cold: test/fixtures/runtimes/block_loop.js (its blockLoop blocks 3 times, as a stall does);
 *   - hot: blockLoop called 200,000 times on /dev/zero first, so that V8 optimizes it.
 *
 * For each: where the file is written, its size while the program runs and at its end (what start-up
 * writes), the records by kind, and for every piece of code compiled for blockLoop its tier
 * (the name's marker: `~` interpreted, `^` Sparkplug, `+` Maglev, `*` TurboFan), its size and its
 * JIT_CODE_DEBUG_INFO entries (offset from the code's start minus V8's 0x40, line, column, and
 * whether the entry's file name is the function's file). Records whose entries do not add up to
 * their size when each file name ends at its first NUL are counted, and read by where the next
 * entry's address is. Then CPython 3.13's `-X perf_jit` (a jitdump of its perf trampolines) on a
 * function that reads 3 times.
 *
 *   npx tsx bench/v8Jitdump.ts
 *
 * Record layouts: Linux's tools/perf/Documentation/jitdump-specification.txt.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonWithPerf } from '../test/tracer/runtimeFrames';

const FIXTURE = join(__dirname, '..', 'test', 'fixtures', 'runtimes', 'block_loop.js');
const HOT = `'use strict';
const fs = require('fs');
const buf = Buffer.alloc(64);
function blockLoop(fd) {
  return fs.readSync(fd, buf, 0, buf.length, null); // the call
}
const fd = fs.openSync('/dev/zero', 'r');
let n = 0;
for (let i = 0; i < 200000; i++) n += blockLoop(fd);
setTimeout(() => console.log(n + blockLoop(fd)), 100);
`;
const PYTHON = `import os
def blockRead(fd):
    return os.read(fd, 64)  # the call
fd = os.open('/dev/zero', os.O_RDONLY)
for _ in range(3):
    blockRead(fd)
print('pid', os.getpid())
`;
const JITDUMP_MAGIC = 0x4a695444;
const HEADER_MIN = 40;
const RECORD_HEADER = 16;
const KINDS = ['CODE_LOAD', 'CODE_MOVE', 'CODE_DEBUG_INFO', 'CODE_CLOSE', 'CODE_UNWINDING_INFO'];
/** V8 writes debug entries' addresses this far past the code (perf's ELF header, kElfHeaderSize). */
const V8_ELF_HEADER = 0x40n;

interface DebugEntry {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly name: string;
}

interface Dump {
  readonly kinds: Map<string, number>;
  readonly code: { name: string; size: number; debug: DebugEntry[] | 'unparseable' | null }[];
  readonly unparseable: number;
  readonly debugRecords: number;
}

/**
 * The debug entries of one JIT_CODE_DEBUG_INFO record, or null when they do not fill it (up to
 * V8's padding to 8 bytes).
 * `plausible`: a file name ends at the first NUL after which the next entry's address is in the
 * code's first MiB (or the record ends), for names with a NUL inside them.
 */
function debugEntries(b: Buffer, start: number, end: number, plausible: boolean): { addr: bigint; entries: DebugEntry[] } | null {
  if (start + 16 > end) return null;
  const addr = b.readBigUInt64LE(start);
  const count = b.readBigUInt64LE(start + 8);
  const entries: DebugEntry[] = [];
  // V8 pads a record to 8 bytes with NULs
  const paddingOnly = (from: number, to: number): boolean => from <= to && to - from < 8 && b.subarray(from, to).every((x) => x === 0);
  const nextFits = (q: number, last: boolean): boolean => {
    if (last) return paddingOnly(q + 1, end);
    if (q + 17 > end) return false;
    const next = b.readBigUInt64LE(q + 1);
    return next >= addr && next - addr < 1n << 20n;
  };
  let p = start + 16;
  for (let i = 0n; i < count; i++) {
    if (p + 16 > end) return null;
    const at = b.readBigUInt64LE(p);
    let nul = b.indexOf(0, p + 16);
    while (plausible && nul >= 0 && nul < end && !nextFits(nul, i === count - 1n)) nul = b.indexOf(0, nul + 1);
    if (nul < 0 || nul >= end) return null;
    entries.push({ offset: Number(at - addr - V8_ELF_HEADER), line: b.readUInt32LE(p + 8), column: b.readUInt32LE(p + 12), name: b.toString('latin1', p + 16, nul) });
    p = nul + 1;
  }
  return paddingOnly(p, end) ? { addr, entries } : null;
}

/** The records of a jitdump file (little-endian, as V8 writes it on x86-64), bounds checked. */
function readDump(file: string, fn: RegExp): Dump {
  const b = readFileSync(file);
  if (b.length < HEADER_MIN || b.readUInt32LE(0) !== JITDUMP_MAGIC) throw new Error(`${file} is not a little-endian jitdump file`);
  const kinds = new Map<string, number>();
  const code: Dump['code'] = [];
  let unparseable = 0;
  let debugRecords = 0;
  let pending: ReturnType<typeof debugEntries> | 'unparseable' | null = null;
  for (let o = b.readUInt32LE(8); o + RECORD_HEADER <= b.length; ) {
    const id = b.readUInt32LE(o);
    const size = b.readUInt32LE(o + 4);
    if (size < RECORD_HEADER || o + size > b.length) break; // cut short (still being written)
    kinds.set(KINDS[id] ?? `kind ${id}`, (kinds.get(KINDS[id] ?? `kind ${id}`) ?? 0) + 1);
    if (id === 2) {
      debugRecords++;
      const strict = debugEntries(b, o + RECORD_HEADER, o + size, false);
      if (!strict) unparseable++;
      pending = strict ?? debugEntries(b, o + RECORD_HEADER, o + size, true) ?? 'unparseable';
    } else if (id === 0 && o + 56 <= o + size) {
      const codeAddr = b.readBigUInt64LE(o + 32);
      const nul = b.indexOf(0, o + 56);
      const name = b.toString('utf8', o + 56, nul > 0 && nul < o + size ? nul : o + size);
      if (fn.test(name)) {
        const debug = pending === 'unparseable' ? pending : pending && pending.addr === codeAddr ? pending.entries : null;
        code.push({ name, size: Number(b.readBigUInt64LE(o + 40)), debug });
      }
      pending = null;
    }
    o += size;
  }
  return { kinds, code, unparseable, debugRecords };
}

/** What one dump holds: its records by kind, and the code of the function `fn` with its debug entries checked against `file`. */
function report(path: string, fn: RegExp, file: string): void {
  const dump = readDump(path, fn);
  console.log(`  records: ${[...dump.kinds].map(([k, n]) => `${k} ${n}`).join(', ')}; debug records whose entries do not fill them (a NUL inside a file name; read below by the addresses that follow): ${dump.unparseable} of ${dump.debugRecords}`);
  for (const c of dump.code) {
    const debug = c.debug === null ? 'no debug info' : c.debug === 'unparseable' ? 'debug info unparseable' :
      c.debug.map((e) => `+${e.offset} ${e.line}:${e.column}${e.name === file ? '' : ` (file name ${JSON.stringify(e.name.slice(0, 20))}…${JSON.stringify(e.name.slice(-12))}, ${e.name.length} bytes)`}`).join(', ');
    console.log(`  ${c.name} (${c.size} bytes): ${debug}`);
  }
}

/** Run `script` under node --perf-prof in a scratch directory; the dump's sizes while it runs and at its end. */
async function measureNode(label: string, script: string, args: string[]): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), 'iolens-jitdump-'));
  try {
    const child = spawn(process.execPath, ['--perf-prof', '--interpreted-frames-native-stack', script, ...args], { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
    const dumpName = `jit-${child.pid}.dump`;
    let running = -1;
    child.stdout.on('data', (d: Buffer) => {
      if (!/^ready /.test(d.toString())) return;
      running = statSync(join(cwd, dumpName)).size; // after start-up, before the blocking reads
      child.stdin.end('go\n');
    });
    if (!args.includes('--wait')) child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`${label}: node exited with ${code}`);
    console.log(`\n${label}: files left in the working directory: ${readdirSync(cwd).join(', ')}`);
    console.log(`  ${dumpName}: ${running >= 0 ? `${running} bytes once started, ` : ''}${statSync(join(cwd, dumpName)).size} bytes at the end`);
    report(join(cwd, dumpName), /blockLoop/, script);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** CPython 3.13's jitdump (`-X perf_jit`, written to /tmp/jit-PID.dump) on a function that reads 3 times. */
function measurePython(dir: string): void {
  let python: string;
  try {
    python = pythonWithPerf();
  } catch (e) {
    console.log(`\npython: not measured: ${e instanceof Error ? e.message : String(e)}`);
    return;
  }
  const script = join(dir, 'reads.py');
  writeFileSync(script, PYTHON);
  const run = spawnSync(python, ['-X', 'perf_jit', script], { encoding: 'utf8' });
  const pid = /^pid (\d+)$/m.exec(run.stdout)?.[1];
  console.log(`\n${python} -X perf_jit: ${run.status === 0 && pid ? '' : `exited with ${run.status}: ${run.stderr.trim().split('\n').pop() ?? ''}`}`);
  if (run.status !== 0 || !pid) return;
  const dump = `/tmp/jit-${pid}.dump`;
  try {
    console.log(`  ${dump}: ${statSync(dump).size} bytes`);
    report(dump, /blockRead/, script);
  } finally {
    rmSync(dump, { force: true });
  }
}

async function main(): Promise<void> {
  console.log(`node ${process.version} (V8 ${process.versions.v8})`);
  const dir = mkdtempSync(join(tmpdir(), 'iolens-jitdump-hot-'));
  try {
    const hot = join(dir, 'hot.js');
    writeFileSync(hot, HOT);
    await measureNode('cold', FIXTURE, ['--wait']);
    await measureNode('hot', hot, []);
    const bytecode = spawnSync(process.execPath, ['--print-bytecode', '--print-bytecode-filter=blockLoop', hot], { encoding: 'utf8' });
    const offsets = [...bytecode.stdout.matchAll(/^\s+\d+ [SE]> 0x[0-9a-f]+ @\s+(\d+) :/gm)].map((m) => m[1]);
    console.log(`\nhot blockLoop's bytecode offsets that carry a source position (--print-bytecode): ${offsets.join(', ')}`);
    measurePython(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
