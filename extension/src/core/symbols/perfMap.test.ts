import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerfMap, PerfMaps, parseJitName, parsePerfMapLine } from './perfMap';

describe('perf maps', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iolens-perfmap-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const me = (): number => process.getuid?.() ?? 0;

  it("parses V8's names of every Node.js version and CPython's trampolines", () => {
    assert.deepEqual(parseJitName('JS:*readIt /srv/app.js:12:5'), { function: 'readIt', file: '/srv/app.js', line: 12, column: 5 });
    assert.deepEqual(parseJitName('LazyCompile:~readIt /srv/my app/app.js:12:5'), { function: 'readIt', file: '/srv/my app/app.js', line: 12, column: 5 });
    assert.deepEqual(parseJitName('JS:~openSync node:fs:570:18'), { function: 'openSync', file: 'node:fs', line: 570, column: 18 });
    assert.deepEqual(parseJitName('JS:~ /srv/app.js:15:26'), { function: '', file: '/srv/app.js', line: 15, column: 26 });
    assert.deepEqual(parseJitName('JS:^get size /srv/app.js:3:7'), { function: 'get size', file: '/srv/app.js', line: 3, column: 7 });
    assert.deepEqual(parseJitName('Script:~ /srv/app.js'), { function: '', file: '/srv/app.js', line: null, column: null });
    assert.deepEqual(parseJitName('py::read_blocking:/srv/block.py'), { function: 'read_blocking', file: '/srv/block.py', line: null, column: null, trampoline: true });
    assert.deepEqual(parseJitName('Builtin:CallFunction'), { function: 'Builtin:CallFunction', file: null, line: null, column: null });
  });

  it("parses a JVM's map: hex with 0x, a compiled method as a Java developer names it, its stubs as they are", () => {
    const m = parsePerfMapLine('0x00007f9ea141c060 0x0000000000001bb0 void Journal.append(java.nio.channels.FileChannel, int)');
    assert.deepEqual(m, { start: 0x7f9ea141c060n, size: 0x1bb0n, function: 'Journal.append(FileChannel, int)', file: null, line: null, column: null });
    assert.equal(parseJitName('java.lang.Object jdk.internal.misc.Unsafe.getReferenceVolatile(java.lang.Object, long)').function, 'jdk.internal.misc.Unsafe.getReferenceVolatile(Object, long)');
    assert.equal(parseJitName('void com.acme.Outer$Inner.<init>(byte[], java.util.concurrent.ConcurrentHashMap$Node[])').function, 'com.acme.Outer$Inner.<init>(byte[], ConcurrentHashMap$Node[])');
    assert.equal(parseJitName('void Main$$Lambda$14/0x0000000800c0b000.run()').function, 'Main$$Lambda$14/0x0000000800c0b000.run()');
    assert.equal(parseJitName('I2C/C2I adapters').function, 'I2C/C2I adapters');
    assert.equal(parseJitName('StubRoutines (1)').function, 'StubRoutines (1)');
  });

  it('reads a map written again from its start (a JVM asked again) whole, not from where it left off', () => {
    const file = join(dir, 'perf-3.map');
    writeFileSync(file, '0x1000 0x10 void A.a()\n');
    const map = new PerfMap(file, me);
    map.refresh();
    // the second snapshot is longer and starts with the same entry: read as if appended, it would lose B.b
    writeFileSync(file, '0x1000 0x10 void A.a()\n0x2000 0x10 void B.b()\n');
    map.reread();
    assert.equal(map.lookup(0x2008n)?.function, 'B.b()');
    assert.equal(map.lookup(0x1008n)?.function, 'A.a()');
    assert.equal(map.size, 2);
  });

  it('refuses lines that are not entries', () => {
    assert.equal(parsePerfMapLine('garbage'), null);
    assert.equal(parsePerfMapLine('7f00 0 JS:~f /a.js:1:1'), null, 'empty code');
    assert.equal(parsePerfMapLine('7f00 ffffffffff JS:~f /a.js:1:1'), null, 'impossibly large');
    assert.equal(parsePerfMapLine('ffffffffffffff00 1000 x'), null, 'past the end of the address space');
    assert.equal(parsePerfMapLine('7f00 10 JS:~f /a.js:1:1')?.start, 0x7f00n);
  });

  it('finds the newest entry holding an address, and reads what was appended since', () => {
    const file = join(dir, 'perf-1.map');
    writeFileSync(file, '1000 100 JS:~old /a.js:1:1\nnot a line\n2000 10 py::f:/b.py\n');
    const map = new PerfMap(file, me);
    assert.equal(map.refresh(), true);
    assert.equal(map.lookup(0x1080n)?.function, 'old');
    assert.equal(map.lookup(0x1100n), undefined);
    assert.equal(map.lookup(0x2005n)?.file, '/b.py');
    // code moved by the GC: a new entry over the same addresses wins; a half-written line waits
    appendFileSync(file, '1040 20 JS:*new /a.js:2:1\n3000 10 JS:*la');
    assert.equal(map.refresh(), true);
    assert.equal(map.lookup(0x1050n)?.function, 'new');
    assert.equal(map.lookup(0x3000n), undefined);
    appendFileSync(file, 'ter /a.js:9:1\n');
    map.refresh();
    assert.equal(map.lookup(0x3000n)?.function, 'later');
    assert.equal(map.refresh(), false, 'nothing new');
  });

  it('skips over-long lines whole and reads past them', () => {
    const file = join(dir, 'perf-2.map');
    writeFileSync(file, `1000 10 JS:~${'x'.repeat(10_000)} /a.js:1:1\n2000 10 JS:~ok /a.js:1:1\n`);
    const map = new PerfMap(file, me);
    map.refresh();
    assert.equal(map.lookup(0x1000n), undefined);
    assert.equal(map.lookup(0x2000n)?.function, 'ok');
  });

  it('reads no symbolic link, no FIFO (it would block), no file of another user', () => {
    const target = join(dir, 'target');
    writeFileSync(target, '1000 10 JS:~f /a.js:1:1\n');
    const link = join(dir, 'perf-3.map');
    symlinkSync(target, link);
    const viaLink = new PerfMap(link, me);
    assert.equal(viaLink.refresh(), false);
    assert.match(viaLink.problem ?? '', /cannot be read \(ELOOP\)/);
    const fifo = join(dir, 'perf-4.map');
    execFileSync('mkfifo', [fifo]);
    const viaFifo = new PerfMap(fifo, me);
    assert.equal(viaFifo.refresh(), false);
    assert.match(viaFifo.problem ?? '', /not a regular file/);
    const other = new PerfMap(target, () => me() + 1);
    if (me() !== 0) {
      assert.equal(other.refresh(), false);
      assert.match(other.problem ?? '', /another user/);
    } else {
      assert.equal(other.refresh(), true, "root's own file is accepted for any process");
    }
  });

  it('names the map and says why when it cannot name a frame', () => {
    const file = join(dir, 'perf-5.map');
    writeFileSync(file, '1000 10 JS:~f /a.js:1:1\n');
    const maps = new PerfMaps((pid) => ({ path: `/tmp/perf-${pid}.map`, readable: pid === 5 ? { file } : { problem: 'unreadable root' } }));
    const hit = maps.lookup(5, 0x1004n);
    assert.ok('symbol' in hit && hit.symbol.function === 'f' && hit.map === '/tmp/perf-5.map');
    const miss = maps.lookup(5, 0x9000n);
    assert.ok('problem' in miss && miss.problem === 'not in /tmp/perf-5.map');
    const none = maps.lookup(6, 0x1004n);
    assert.ok('problem' in none && none.problem === 'unreadable root');
  });

  it('names the frames of a process gone since when its map was prefetched while it ran, and only then', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('sleep', ['30']);
    const pid = child.pid as number;
    const file = join(dir, `perf-${pid}.map`);
    writeFileSync(file, '1000 10 py::read_blocking:/app/block_loop.py\n');
    const other = join(dir, 'perf-other.map');
    writeFileSync(other, '1000 10 py::read_blocking:/app/block_loop.py\n');
    const maps = new PerfMaps((p) => ({ path: `/tmp/perf-${p}.map`, readable: { file } }));
    const late = new PerfMaps(() => ({ path: `/tmp/perf-${pid}.map`, readable: { file: other } }));
    maps.prefetch(pid, 0, false);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill();
    await exited;
    const hit = maps.lookup(pid, 0x1004n);
    assert.ok('symbol' in hit && hit.symbol.function === 'read_blocking', 'problem' in hit ? hit.problem : hit.symbol.function);
    // never read while the process lived: its pid may name another process by now
    const miss = late.lookup(pid, 0x1004n);
    assert.ok('problem' in miss && /was not read while the process ran/.test(miss.problem), 'problem' in miss ? miss.problem : 'named');
  });

  it("keeps a process's 'no map' until its next exec, unless a stack holds code in no file mapping", () => {
    const pid = process.pid; // a live process of this user: its map is trusted
    const entry = '1000 10 py::handler:/app/h.py\n';
    /** A map first looked for when absent, written, then prefetched again with (gen, jit), then removed: was it read? */
    const readAgain = (gen: number, jit: boolean): string => {
      const file = join(dir, `perf-${gen}-${jit}.map`);
      const maps = new PerfMaps(() => ({ path: `/tmp/perf-${pid}.map`, readable: { file } }));
      maps.prefetch(pid, 0, false);
      writeFileSync(file, entry);
      maps.prefetch(pid, gen, jit);
      rmSync(file);
      const hit = maps.lookup(pid, 0x1004n);
      return 'symbol' in hit ? hit.symbol.function : hit.problem;
    };
    assert.match(readAgain(0, false), /does not exist/, 'the same exec generation, file-backed code only: not looked for again');
    assert.equal(readAgain(1, false), 'handler', 'after an exec');
    assert.equal(readAgain(0, true), 'handler', 'a stack in JIT code');
  });
});
