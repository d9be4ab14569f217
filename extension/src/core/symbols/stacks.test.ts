import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSymFrame, StackFlag, STACK_SLOT_SHIFT, type SymFrameRecord } from '../../../../protocol/generated/wire';
import type { StackInfo } from '../model/assembler';
import { MapTables } from '../model/maps';
import { elfLoad } from './elfLoad';
import { PerfMaps } from './perfMap';
import type { NativeSymbolizer, UnwindRule } from './native';
import { encodeSymbolSection } from '../trace/symbolSection';
import { mapsExecutable, StackResolver } from './stacks';

describe('StackResolver: frames in JIT code', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-jit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A process with CPython's trampoline arena (anonymous, executable) and V8-like code in no known mapping. */
  function trace(frames: bigint[]): { maps: MapTables; stacks: Map<bigint, StackInfo>; symbols: Map<bigint, never[]> } {
    const maps = new MapTables();
    maps.add({ kind: 'map', prot: 5, buildIdLen: 0, flags: 8, pid: 7, dev: 0, ts: 0, start: 0x7000n, end: 0x8000n, pgoff: 0, ino: 0, buildId: new Uint8Array(20), path: '' });
    const stacks = new Map<bigint, StackInfo>([[1n, { id: 1n, pid: 7, gen: 0, frames, spSlots: 0, flags: 0 }]]);
    return { maps, stacks, symbols: new Map() };
  }

  it("names the frames from the process's perf map, return addresses looked up before the call's end", () => {
    const file = join(dir, 'perf-7.map');
    writeFileSync(file, '7000 b py::read_blocking:/srv/app.py\n100000 40 JS:~blockLoop /srv/app.js:17:19\n');
    const maps = new PerfMaps(() => ({ path: '/tmp/perf-7.map', readable: { file } }));
    const r = new StackResolver(trace([0x7004n, 0x100040n]), null, null, [], null, maps);
    const s = r.resolve(1n);
    assert.deepEqual(s?.frames.map((f) => [f.function, f.file, f.line, f.module, f.problem]), [
      ['read_blocking', '/srv/app.py', null, '/tmp/perf-7.map', "the runtime's perf map gives no line"],
      // 0x100040 is the return address right after the function's last byte: the call is in it
      ['blockLoop', '/srv/app.js', 17, '/tmp/perf-7.map', null],
    ]);
    assert.equal(r.settled(1n), true);
  });

  it('resolves again a stack whose JIT code the map did not name yet, once it does', () => {
    const file = join(dir, 'perf-7.map');
    writeFileSync(file, '');
    const maps = new PerfMaps(() => ({ path: '/tmp/perf-7.map', readable: { file } }));
    const r = new StackResolver(trace([0x7010n]), null, null, [], null, maps);
    assert.match(r.resolve(1n)?.frames[0].problem ?? '', /^anonymous executable memory \(JIT\?\): \/tmp\/perf-7\.map is empty/);
    assert.equal(r.settled(1n), false);
    appendFileSync(file, '7010 20 py::handler:/srv/app.py\n');
    assert.equal(r.resolve(1n)?.frames[0].function, 'handler');
    assert.equal(r.settled(1n), true);
  });

  it('tells a stack that holds code in no file mapping (which a perf map may name) from one that does not', () => {
    const t = trace([0x7004n]);
    t.maps.add({ kind: 'map', prot: 5, buildIdLen: 0, flags: 0, pid: 7, dev: 1, ts: 0, start: 0x9000n, end: 0xa000n, pgoff: 0, ino: 5, buildId: new Uint8Array(20), path: '/bin/app' });
    t.stacks.set(2n, { id: 2n, pid: 7, gen: 0, frames: [0x9004n, 0x9100n], spSlots: 0, flags: 0 });
    // a snapshot: ip and code in /bin/app, a word into its own stack (above sp), none in JIT code
    t.stacks.set(3n, { id: 3n, pid: 7, gen: 0, frames: [0x9004n, 0x7ffd0000n, 0n, (1n << BigInt(STACK_SLOT_SHIFT)) | 0x7ffd0100n, (2n << BigInt(STACK_SLOT_SHIFT)) | 0x9100n], spSlots: 4096, flags: StackFlag.snapshot });
    const r = new StackResolver(t, null);
    assert.deepEqual([1n, 2n, 3n, 4n].map((id) => r.holdsAnonymousCode(id)), [true, false, false, false]);
  });

  it('reads no perf map when not recording (a saved trace keeps its frames in its symbol section)', () => {
    const r = new StackResolver(trace([0x7010n]), null);
    assert.equal(r.resolve(1n)?.frames[0].problem, 'anonymous executable memory (JIT?)');
    assert.equal(r.settled(1n), true);
  });
});

describe('StackResolver: frame-pointer chains', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-chain-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('ends a chain at a function its unwind table says keeps no frame pointer, naming where', () => {
    const app = join(dir, 'app');
    writeFileSync(app, '');
    const withFp: UnwindRule = { cfa: [[0x92, 6, 16]], returnAddress: [[0x9c, 0, 0], [0x11, -8, 0], [0x22, 0, 0]], framePointer: [[0x9c, 0, 0], [0x11, -16, 0], [0x22, 0, 0]], signal: false };
    const noFp: UnwindRule = { cfa: [[0x77, 2056, 0]], returnAddress: [[0x9c, 0, 0], [0x11, -8, 0], [0x22, 0, 0]], framePointer: 'same', signal: false };
    // app mapped at 0x1000: offsets 0x1000-0x1fff keep a frame pointer, 0x2000-0x2fff do not
    const symbolizer: NativeSymbolizer = {
      inspect: () => ({ buildId: null, type: 'dyn', debugFile: null, hasLines: false, hasSymbols: true }),
      resolve: (_f, offs) => offs.map((o) => [{ function: `f${o.toString(16)}`, file: null, line: null, column: null, inlined: false }]),
      cfa: (_f, offs) => offs.map(() => null),
      unwind: (_f, offs) => offs.map((o) => (o >= 0x1000 && o < 0x2000 ? withFp : o >= 0x2000 && o < 0x3000 ? noFp : null)),
      clear: () => undefined,
    };
    const maps = new MapTables();
    maps.add({ kind: 'map', prot: 5, buildIdLen: 0, flags: 0, pid: 7, dev: 0, ts: 0, start: 0x1000n, end: 0x5000n, pgoff: 0, ino: 0, buildId: new Uint8Array(20), path: app });
    // ip in a function with a frame pointer; the chain: a return into one without (0x3010), then what its rbp led to
    const stacks = new Map<bigint, StackInfo>([[1n, { id: 1n, pid: 7, gen: 0, frames: [0x2100n, 0x3010n, 0x4010n], spSlots: 0, flags: StackFlag.complete }]]);
    const s = new StackResolver({ maps, stacks, symbols: new Map() }, symbolizer).resolve(1n);
    assert.deepEqual(s?.frames.map((f) => f.addr), [0x2100n, 0x3010n]);
    assert.equal(s?.end, 'frame_pointer');
    assert.match(s?.why ?? '', /the frame at 0x3010 in app keeps no frame pointer/);
  });
});

describe('StackResolver: the function at a code address (codeAt)', () => {
  it("names the function at an address as it is (no return address's -1), its own frame past the inlined ones; nothing outside the maps", () => {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-code-'));
    try {
      const app = join(dir, 'app');
      writeFileSync(app, '');
      const asked: number[] = [];
      const symbolizer: NativeSymbolizer = {
        inspect: () => ({ buildId: null, type: 'dyn', debugFile: null, hasLines: true, hasSymbols: true }),
        resolve: (_f, offs) => offs.map((o) => (asked.push(o), [
          { function: 'inlined_helper', file: '/src/app.c', line: 3, column: 1, inlined: true },
          { function: 'on_alarm', file: '/src/app.c', line: 14, column: 31, inlined: false },
        ])),
        cfa: (_f, offs) => offs.map(() => null),
        unwind: (_f, offs) => offs.map(() => null),
        clear: () => undefined,
      };
      const maps = new MapTables();
      maps.add({ kind: 'map', prot: 5, buildIdLen: 0, flags: 0, pid: 7, dev: 0, ts: 0, start: 0x1000n, end: 0x5000n, pgoff: 0, ino: 0, buildId: new Uint8Array(20), path: app });
      const r = new StackResolver({ maps, stacks: new Map(), symbols: new Map() }, symbolizer);
      const f = r.codeAt(7, 0x12a0n);
      assert.deepEqual([f?.function, f?.file, f?.line, f?.module], ['on_alarm', '/src/app.c', 14, app]);
      assert.deepEqual(asked, [0x2a0]);
      assert.equal(r.codeAt(7, 0x9000n), undefined);
      assert.equal(r.codeAt(8, 0x12a0n), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('StackResolver: frames without a symbol', () => {
  it("gives each its address in the module's ELF image, and keeps it in the symbol section", () => {
    // node is an ET_EXEC file whose code lies at other image addresses than file offsets: map its
    // first executable segment as the loader would, with a symbolizer that knows no symbol there
    const load = elfLoad(process.execPath);
    const text = load?.segments.find((seg) => seg.offset > 0);
    assert.ok(load && text, `${process.execPath}: no loadable segment past the first`);
    const symbolizer: NativeSymbolizer = {
      inspect: () => ({ buildId: null, type: 'exec', debugFile: null, hasLines: false, hasSymbols: false }),
      resolve: (_f, offs) => offs.map(() => []),
      cfa: (_f, offs) => offs.map(() => null),
      unwind: (_f, offs) => offs.map(() => null),
      clear: () => undefined,
    };
    const maps = new MapTables();
    maps.add({ kind: 'map', prot: 5, buildIdLen: 0, flags: 0, pid: 7, dev: 0, ts: 0, start: 0x10000000n, end: 0x10010000n, pgoff: text.offset, ino: 0, buildId: new Uint8Array(20), path: process.execPath });
    const stacks = new Map<bigint, StackInfo>([[1n, { id: 1n, pid: 7, gen: 0, frames: [0x10000010n, 0x10000100n], spSlots: 0, flags: StackFlag.complete }]]);
    const resolver = new StackResolver({ maps, stacks, symbols: new Map() }, symbolizer);
    // the ip as it is, the return address less one: the call
    const expected = [text.vaddr + 0x10, text.vaddr + 0xff];
    assert.deepEqual(resolver.resolve(1n)?.frames.map((f) => f.imageAddr), expected);

    const records: SymFrameRecord[] = encodeSymbolSection([1n], resolver).records.map((b) => decodeSymFrame(new DataView(b.buffer, b.byteOffset), 0, b.length));
    const saved = new StackResolver({ maps: new MapTables(), stacks, symbols: new Map([[1n, records]]) }, null);
    assert.deepEqual(saved.resolve(1n)?.frames.map((f) => f.imageAddr), expected);
  });
});

describe('StackResolver: a Go program launched by a relative path', () => {
  it('matches the executable named as execve was given it with its mapped path', () => {
    assert.equal(mapsExecutable('/srv/app/server', '/srv/app/server'), true);
    assert.equal(mapsExecutable('/srv/app/server', './server'), true);
    assert.equal(mapsExecutable('/srv/app/bin/server', 'bin/server'), true);
    assert.equal(mapsExecutable('/srv/bin/server', '../bin/server'), true);
    assert.equal(mapsExecutable('/srv/app/myserver', './server'), false);
    assert.equal(mapsExecutable('/srv/app/server', '/srv/other/server'), false);
  });

});
