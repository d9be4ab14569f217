/**
 * What the tests of the runtimes' frames share (runtimes.test.ts: Node.js, pythonFrames.test.ts:
 * Python): the fixtures, a Python with the perf trampoline, and the check of the blocking reads.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { userFrame } from '../../extension/src/core/symbols/userFrame';
import { FIXTURES, traceEvents, type JsonEvent, type JsonFrame, type Recording } from './harness';

/** The Node.js fixture. */
export const NODE_FIXTURE = join(FIXTURES, 'runtimes', 'block_loop.js');
/** The Node.js fixture whose openat stacks are snapshots (glibc's open64 keeps no frame pointer). */
export const NODE_OPEN_FIXTURE = join(FIXTURES, 'runtimes', 'open_loop.js');
/** The Python fixture (asyncio). */
export const PYTHON_FIXTURE = join(FIXTURES, 'runtimes', 'block_loop.py');

/** The 1-based line of the first line of `source` that contains `text`. */
export function lineOf(source: string, text: string): number {
  const i = readFileSync(source, 'utf8').split('\n').findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} is not in ${source}`);
  return i + 1;
}

/** The reads that blocked the loop on the FIFO (the writer writes every 500 ms: a loop late by up to 400 ms still blocks over 100 ms). */
export function blockingReads(rec: Recording): JsonEvent[] {
  return rec.events.filter((e) => e.kind === 'syscall' && e.name === 'read' && !e.unfinished && String(e.args.path ?? '').endsWith('/fifo') && (e.dur ?? 0) >= 100e6);
}

/** The event's location, as the event lines and findings name it. */
function location(e: JsonEvent): JsonFrame | undefined {
  const f = userFrame({ truncated: false, frames: e.stack.map((x) => ({ ...x, addr: BigInt(x.addr), problem: null })) });
  return f && e.stack.find((x) => x.addr === '0x' + f.addr.toString(16) && x.function === f.function);
}

/** The perf maps the recorded processes wrote: removed, so that nothing but the trace names the frames. */
export function removePerfMaps(rec: Recording): void {
  for (const pid of new Set(rec.events.map((e) => e.pid))) rmSync(`/tmp/perf-${pid}.map`, { force: true });
}

/**
 * A Python with the perf trampoline (3.12 or later): python3.13 or python3.12 on the PATH, else
 * the newest such version pyenv has. None: the test fails saying what to install.
 */
export function pythonWithPerf(): string {
  for (const name of ['python3.13', 'python3.12']) {
    if (spawnSync(name, ['-c', 'pass'], { stdio: 'ignore' }).status === 0) return name;
  }
  const root = spawnSync('pyenv', ['root'], { encoding: 'utf8' });
  const versions = root.status === 0 ? join(root.stdout.trim(), 'versions') : null;
  if (versions && existsSync(versions)) {
    const found = readdirSync(versions)
      .map((v) => /^3\.(\d+)\.\d+$/.exec(v))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) >= 12)
      .sort((a, b) => Number(b[1]) - Number(a[1]))
      .map((m) => join(versions, m[0], 'bin', `python3.${m[1]}`))
      .find((p) => existsSync(p));
    if (found) return found;
  }
  throw new Error('cannot run: no Python 3.12 or later here (the perf trampoline came with 3.12): install one (`pyenv install 3.12`, or Debian\'s python3.12) so that python3.12 is on the PATH or in pyenv');
}

/**
 * The three blocking reads of a recording of a fixture, from its saved trace alone (the perf maps
 * removed first): each stack names `fn` in `source` at `line` (the line of its call, or its first
 * line where the source does not tell), and that frame is the read's location.
 */
export async function checkReads(r: Recording, source: string, fn: string, line: number | null): Promise<void> {
  // the saved trace names them by itself: its symbol section, not the perf map
  removePerfMaps(r);
  r.events = await traceEvents(r.traceFile);
  const reads = blockingReads(r);
  const fifoReads = r.events.filter((e) => e.kind === 'syscall' && e.name === 'read' && String(e.args.path ?? '').endsWith('/fifo'));
  const seen = fifoReads.map((e) => `tid ${e.tid} ${((e.dur ?? 0) / 1e6).toFixed(1)} ms${e.unfinished ? ' unfinished' : ''}`).join(', ') || 'none';
  assert.equal(reads.length, 3, `three blocking reads of the FIFO (over 100 ms); the FIFO's reads: ${seen}; events ${r.events.length}\n${r.stderr}`);
  const named = reads.filter((e) => e.stack.some((f) => f.function === fn && f.file === source && f.line === line && /\/perf-\d+\.map$/.test(f.module ?? '')));
  const share = named.length / reads.length;
  process.stderr.write(`      ${fn}: ${named.length}/${reads.length} blocking reads name it (${Math.round(share * 100)} %)\n`);
  for (const e of reads) {
    const frames = e.stack.map((f) => `${f.function ?? '?'} ${f.file ?? f.module ?? ''}${f.line ? `:${f.line}` : ''}`).join('\n        ');
    // the runtime's frames are reached only when the walk gets through the interpreter's own
    // (libpython built without frame pointers needs the CFI unwinding of issue 10)
    assert.ok(named.includes(e), `the read's stack names ${fn} (${source}${line ? `:${line}` : ''}); it ${e.stack.some((f) => /\/perf-\d+\.map$/.test(f.module ?? '')) ? 'has' : 'reaches no'} frame of the runtime's perf map:\n        ${frames}`);
    assert.equal(location(e)?.function, fn, `the read's location is ${fn}:\n        ${frames}`);
  }
}
