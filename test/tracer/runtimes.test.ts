/**
 * JavaScript and Python functions in the stacks (symbols/perfMap.ts, tracer/runtimes.ts): a
 * Node.js timer and a Python 3.12 asyncio coroutine block their event loop reading a FIFO;
 * launched (iolens passes the runtime's flags itself) and attached (the program started with
 * them), each blocking read's stack names the fixture's function in its file, and that frame is
 * the event's location. The saved trace resolves them without the process or its perf map.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { userFrame } from '../../extension/src/core/symbols/userFrame';
import { BACKENDS, FIXTURES, cleanup, recordAttachCommand, recordLaunch, requireBackend, traceEvents, type JsonEvent, type JsonFrame, type Recording } from './harness';

const NODE_FIXTURE = join(FIXTURES, 'runtimes', 'block_loop.js');
const PYTHON_FIXTURE = join(FIXTURES, 'runtimes', 'block_loop.py');

/** The 1-based line of the first line of `source` that contains `text`. */
function lineOf(source: string, text: string): number {
  const i = readFileSync(source, 'utf8').split('\n').findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} is not in ${source}`);
  return i + 1;
}

/**
 * A Python with the perf trampoline (3.12 or later): python3.13 or python3.12 on the PATH, else
 * the newest such version pyenv has. None: the test fails saying what to install.
 */
function pythonWithPerf(): string {
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

/** The reads that blocked the loop on the FIFO (the writer writes every 200 ms). */
function blockingReads(rec: Recording): JsonEvent[] {
  return rec.events.filter((e) => e.kind === 'syscall' && e.name === 'read' && !e.unfinished && String(e.args.path ?? '').endsWith('/fifo') && (e.dur ?? 0) >= 100e6);
}

/** The event's location, as the event lines and findings name it. */
function location(e: JsonEvent): JsonFrame | undefined {
  const f = userFrame({ truncated: false, frames: e.stack.map((x) => ({ ...x, addr: BigInt(x.addr), problem: null })) });
  return f && e.stack.find((x) => x.addr === '0x' + f.addr.toString(16) && x.function === f.function);
}

/** The perf maps the recorded processes wrote: removed, so that nothing but the trace names the frames. */
function removePerfMaps(rec: Recording): void {
  for (const pid of new Set(rec.events.map((e) => e.pid))) rmSync(`/tmp/perf-${pid}.map`, { force: true });
}

describe('JavaScript and Python functions in the stacks', function () {
  this.timeout(120000);
  let rec: Recording | undefined;
  afterEach(() => {
    if (rec) removePerfMaps(rec);
    cleanup(rec);
    rec = undefined;
  });

  const checkReads = async (r: Recording, source: string, fn: string, line: number | null): Promise<void> => {
    // the saved trace names them by itself: its symbol section, not the perf map
    removePerfMaps(r);
    r.events = await traceEvents(r.traceFile);
    const reads = blockingReads(r);
    assert.equal(reads.length, 3, `three blocking reads of the FIFO\n${r.stderr}`);
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
  };

  for (const backend of BACKENDS) {
    it(`names the JavaScript function and line of a launched node (${backend})`, async function () {
      requireBackend(this, backend);
      rec = await recordLaunch(['node', NODE_FIXTURE], [], 60000, backend);
      assert.equal(rec.code, 0, rec.stderr);
      assert.match(rec.stderr, /JavaScript functions in the stacks: node runs with NODE_OPTIONS="--perf-basic-prof-only-functions --interpreted-frames-native-stack"/);
      await checkReads(rec, NODE_FIXTURE, 'blockLoop', lineOf(NODE_FIXTURE, 'function blockLoop('));
    });

    it(`names the JavaScript function of an attached node started with the flags (${backend})`, async function () {
      requireBackend(this, backend);
      rec = await recordAttachCommand(['node', '--perf-basic-prof-only-functions', '--interpreted-frames-native-stack', NODE_FIXTURE, '--wait'], [], undefined, 60000, backend);
      assert.equal(rec.code, 0, rec.stderr);
      assert.doesNotMatch(rec.stderr, /without a perf map/);
      await checkReads(rec, NODE_FIXTURE, 'blockLoop', lineOf(NODE_FIXTURE, 'function blockLoop('));
    });
  }

  it('says how to restart an attached node that writes no perf map', async function () {
    requireBackend(this, 'ebpf');
    rec = await recordAttachCommand(['node', NODE_FIXTURE, '--wait'], [], undefined, 60000, 'ebpf');
    assert.equal(rec.code, 0, rec.stderr);
    assert.match(rec.stderr, /runs Node\.js without a perf map .* restart it with NODE_OPTIONS="--perf-basic-prof-only-functions --interpreted-frames-native-stack"/);
    assert.equal(blockingReads(rec).length, 3);
  });

  it('names the Python coroutine and file of a launched Python 3.12+ (ebpf)', async function () {
    requireBackend(this, 'ebpf');
    const python = pythonWithPerf();
    rec = await recordLaunch([python, PYTHON_FIXTURE], [], 60000, 'ebpf');
    assert.equal(rec.code, 0, rec.stderr);
    assert.match(rec.stderr, /Python functions in the stacks: python runs with PYTHONPERFSUPPORT=1/);
    await checkReads(rec, PYTHON_FIXTURE, 'read_blocking', null);
  });

  it('names the Python coroutine and file of an attached Python 3.12+ started with -X perf (ebpf)', async function () {
    requireBackend(this, 'ebpf');
    rec = await recordAttachCommand([pythonWithPerf(), '-X', 'perf', PYTHON_FIXTURE, '--wait'], [], undefined, 60000, 'ebpf');
    assert.equal(rec.code, 0, rec.stderr);
    await checkReads(rec, PYTHON_FIXTURE, 'read_blocking', null);
  });
});
