/**
 * Python functions in the stacks: a Python 3.12+ asyncio coroutine blocks its event loop reading a
 * FIFO; launched (iolens sets PYTHONPERFSUPPORT=1) and attached (started with -X perf), each
 * blocking read's stack names the coroutine's function and file, and the line of its os.read call
 * (CPython's perf map gives no line: iolens finds the function's one call of what the next frames
 * show, os_read, in the file; through _pyio, whose read is called on two lines, its def), and that
 * frame is the event's location. The Python frames lie beyond libpython's, which pyenv's
 * and Debian's builds compile without frame pointers: they are reached only by the CFI unwinding
 * of stack snapshots (issue 10, wp-unwind).
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cleanup, recordAttachCommand, recordLaunch, requireBackend, type Recording } from './harness';
import { PYTHON_FIXTURE, blockingReads, checkReads, pythonWithPerf, removePerfMaps } from './runtimeFrames';

/** The line of `async def read_blocking(` in the fixture, found here as a reader would. */
const READ_BLOCKING_DEF = readFileSync(PYTHON_FIXTURE, 'utf8').split('\n').findIndex((l) => l.startsWith('async def read_blocking(')) + 1;
/** The line of its `os.read(` call: the one call of os_read in read_blocking (two lines call some `read(`). */
const OS_READ = readFileSync(PYTHON_FIXTURE, 'utf8').split('\n').findIndex((l) => l.includes('@mark:os.read')) + 1;

describe('Python functions in the stacks', function () {
  this.timeout(120000);
  let rec: Recording | undefined;
  afterEach(() => {
    if (rec) removePerfMaps(rec);
    cleanup(rec);
    rec = undefined;
  });

  it('names the Python coroutine and file of a launched Python 3.12+ (ebpf)', async function () {
    requireBackend(this, 'ebpf');
    const python = pythonWithPerf();
    rec = await recordLaunch([python, PYTHON_FIXTURE], [], 60000, 'ebpf');
    assert.equal(rec.code, 0, rec.stderr);
    assert.match(rec.stderr, /Python functions in the stacks: python runs with PYTHONPERFSUPPORT=1/);
    await checkReads(rec, PYTHON_FIXTURE, 'read_blocking', OS_READ);
  });

  it('names the Python coroutine of a read made through several standard-library frames (ebpf)', async function () {
    // read_blocking -> _pyio's BufferedReader.read -> _read_unlocked -> FileIO.read -> os.read: each
    // Python call its own perf trampoline, which pyenv's 3.12 and 3.13 build as `sub $8, %rsp; call`
    // (no frame pointer) and map RW, then mprotect RX
    requireBackend(this, 'ebpf');
    rec = await recordLaunch([pythonWithPerf(), PYTHON_FIXTURE, '--stdlib'], [], 60000, 'ebpf');
    assert.equal(rec.code, 0, rec.stderr);
    await checkReads(rec, PYTHON_FIXTURE, 'read_blocking', READ_BLOCKING_DEF);
    const stdlib = blockingReads(rec).map((e) => e.stack.filter((f) => /\/perf-\d+\.map$/.test(f.module ?? '') && /_pyio\.py$/.test(f.file ?? '')).length);
    assert.ok(stdlib.every((n) => n >= 3), `each blocking read's stack holds _pyio's frames under read_blocking (${stdlib.join(', ')})`);
  });

  it('names the Python coroutine and file of an attached Python 3.12+ started with -X perf (ebpf)', async function () {
    requireBackend(this, 'ebpf');
    rec = await recordAttachCommand([pythonWithPerf(), '-X', 'perf', PYTHON_FIXTURE, '--wait'], [], undefined, 60000, 'ebpf');
    assert.equal(rec.code, 0, rec.stderr);
    await checkReads(rec, PYTHON_FIXTURE, 'read_blocking', OS_READ);
  });
});
