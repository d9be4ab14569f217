/**
 * Go binaries (test/fixtures/src/go/block_read.go): the `.gopclntab` reader (symbols/goPclntab.ts)
 * against `go tool addr2line` on many pcs of the fixture, the same answers from the stripped build
 * (no symbol table, no DWARF), and traced by launch and by attach on both backends: each blocking
 * read's stack names main.blockRead at its marked line, once and whole (no frame twice, up to
 * runtime.goexit), and that frame — not the runtime's or syscall's — is the read's location.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTraceFile } from '../../extension/src/core/commands/report';
import { MapTables } from '../../extension/src/core/model/maps';
import { ProcessTable } from '../../extension/src/core/model/processes';
import { GoPclntab } from '../../extension/src/core/symbols/goPclntab';
import { createSymbolizer } from '../../extension/src/core/symbols/native';
import type { StackInfo } from '../../extension/src/core/model/assembler';
import { StackResolver, type ResolvedStack } from '../../extension/src/core/symbols/stacks';
import { userFrame } from '../../extension/src/core/symbols/userFrame';
import { BACKENDS, cleanup, FIXTURES, fixture, recordAttachCommand, recordLaunch, requireBackend, traceEvents, type JsonEvent, type Recording } from './harness';

const SOURCE = join(FIXTURES, 'src', 'go', 'block_read.go');
const BINARY = fixture('go_block_read');
const STRIPPED = fixture('go_block_read_stripped');
/** The line of the marked read in the fixture's source. */
const READ_LINE = readFileSync(SOURCE, 'utf8').split('\n').findIndex((l) => l.includes('@mark:go-read')) + 1;

/** The Go fixture must be built (it is when Go is installed: setup.mjs installs golang-go for the tests). */
function requireGoFixture(): void {
  if (!existsSync(BINARY) || !existsSync(STRIPPED)) {
    throw new Error(`cannot run: the Go fixture is not built (${BINARY}); install Go (Debian: apt-get install golang-go, which \`node scripts/setup.mjs --for test\` does as root) and run make -C test/fixtures`);
  }
}

/** The text symbols of the binary with their sizes (`go tool nm -size`). */
function textSymbols(binary: string): { addr: number; size: number; name: string }[] {
  const r = spawnSync('go', ['tool', 'nm', '-size', '-sort', 'address', binary], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `go tool nm failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((p) => p.length >= 4 && /^[tT]$/.test(p[2]) && Number(p[1]) > 0)
    .map((p) => ({ addr: parseInt(p[0], 16), size: Number(p[1]), name: p.slice(3).join(' ') }));
}

/** `go tool addr2line`'s function and file:line for each pc ('?' where it knows none). */
function addr2line(binary: string, pcs: number[]): { function: string; where: string }[] {
  const r = spawnSync('go', ['tool', 'addr2line', binary], { input: pcs.map((pc) => '0x' + pc.toString(16)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `go tool addr2line failed: ${r.error?.message ?? r.stderr}`);
  const lines = r.stdout.split('\n');
  return pcs.map((_, i) => ({ function: lines[2 * i], where: lines[2 * i + 1] }));
}

/**
 * The address after `fn`'s first `op` instruction (on `operand`, as `go tool objdump` writes it:
 * `runtime.netpoll(SB)`, `R12`): a call's return address, the pc a syscall stops at.
 */
function after(binary: string, fn: string, op: string, operand?: string): bigint {
  const r = spawnSync('go', ['tool', 'objdump', '-s', `^${fn.replace(/[.()*]/g, '\\$&')}$`, binary], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `go tool objdump failed: ${r.error?.message ?? r.stderr}`);
  const ins = r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).find((p) => p[3] === op && (operand === undefined || p[4] === operand));
  assert.ok(ins, `${fn} has ${op} ${operand ?? ''}`);
  return BigInt(ins[1]) + BigInt(ins[2].length / 2);
}

/** The reads that blocked on the FIFO (the writer writes every 500 ms: each read waits well over 100 ms). */
function blockingReads(rec: Recording): JsonEvent[] {
  return rec.events.filter((e) => e.kind === 'syscall' && e.name === 'read' && !e.unfinished && String(e.args.path ?? '').endsWith('/fifo') && (e.dur ?? 0) >= 100e6);
}

/** Each of the three blocking reads, from the saved trace alone: main.blockRead at its line, the stack whole and no frame twice, the location that frame. */
async function checkGoReads(rec: Recording): Promise<void> {
  rec.events = await traceEvents(rec.traceFile);
  const reads = blockingReads(rec);
  const seen = rec.events.filter((e) => e.name === 'read').map((e) => `${((e.dur ?? 0) / 1e6).toFixed(1)} ms ${String(e.args.path ?? '')}`).join(', ');
  assert.equal(reads.length, 3, `three blocking reads of the FIFO; the reads: ${seen}\n${rec.stderr}`);
  for (const e of reads) {
    const frames = e.stack.map((f) => `${f.addr} ${f.function ?? '?'} ${f.file ?? f.module ?? ''}${f.line ? `:${f.line}` : ''}${f.inlined ? ' (inlined)' : ''}`).join('\n        ');
    const user = e.stack.filter((f) => f.function === 'main.blockRead');
    assert.equal(user.length, 1, `main.blockRead once in the read's stack:\n        ${frames}`);
    assert.equal(`${user[0].file}:${user[0].line}`, `${SOURCE}:${READ_LINE}`, `main.blockRead at the marked read:\n        ${frames}`);
    assert.ok(e.stack.some((f) => f.function === 'internal/poll.(*FD).Read' && f.file?.endsWith('.go') && f.line), `the standard library's frames have lines too:\n        ${frames}`);
    const addrs = e.stack.filter((f) => !f.inlined).map((f) => f.addr);
    assert.equal(new Set(addrs).size, addrs.length, `no frame twice:\n        ${frames}`);
    // the calls the compiler inlined are frames of their own, as gdb shows them (os.(*File).read into os.(*File).Read)
    const names = e.stack.map((f) => f.function);
    const calls = ['syscall.read', 'internal/poll.(*FD).Read', 'os.(*File).read', 'os.(*File).Read', 'main.blockRead', 'main.run.func1', 'runtime.goexit'];
    assert.deepEqual(names.filter((n) => n !== null && calls.includes(n)), calls, `every call from the goroutine's start to the read, in order:\n        ${frames}`);
    assert.ok(e.stack.some((f) => f.inlined && f.function === 'os.(*File).read' && f.file?.endsWith('/os/file_posix.go')), `the inlined os.(*File).read is a frame:\n        ${frames}`);
    assert.equal(e.stack[e.stack.length - 1].function, 'runtime.goexit', `the stack reaches the goroutine's first frame (it ends ${e.stack_end ?? '?'}: ${e.stack_end_detail ?? ''}):\n        ${frames}`);
    assert.equal(e.stack_end, 'complete', `the stack says it is whole:\n        ${frames}`);
    const where = userFrame({ truncated: false, frames: e.stack.map((x) => ({ ...x, addr: BigInt(x.addr), problem: null })) });
    assert.equal(where?.function, 'main.blockRead', `the read's location is main.blockRead, not ${where?.function ?? 'nothing'}:\n        ${frames}`);
  }
  // the scheduler's waits in the netpoller run on a thread's system stack, entered by mcall (or
  // from the thread's start, mstart): Go's tracebacks end there, and so do these stacks, whole
  const polls = rec.events.filter((e) => e.kind === 'syscall' && e.name === 'epoll_pwait' && e.stack.length);
  const cut = polls.filter((e) => e.stack_end !== 'complete').map((e) => `${e.stack_end ?? '?'} ${e.stack_end_detail ?? ''}: ${e.stack.map((f) => f.function ?? '?').join(' <- ')}`);
  assert.ok(polls.length > 0, 'the runtime waited in epoll_pwait (its netpoller) while the reads blocked');
  assert.deepEqual(cut, [], `every epoll_pwait stack is whole (${polls.length} of them); cut:\n        ${cut.join('\n        ')}`);
  // the diagnosis knows the program by its Go symbol table: its threads are the runtime's, no loop of its own
  const { analysis } = await analyzeTraceFile(rec.traceFile, { symbolPath: [] });
  const verdicts = analysis.processes.map((p) => `${p.pid}: ${p.verdict}`).join('; ');
  assert.ok(analysis.processes.some((p) => p.verdict.startsWith('Go runtime')), `the process's verdict names the Go runtime: ${verdicts}`);
  const loopRules = analysis.findings.filter((f) => f.rule === 'loop-blocked' || f.rule === 'busy-poll').map((f) => f.title);
  assert.deepEqual(loopRules, [], 'no finding about a loop of the program\'s own');
}

describe('Go binaries', function () {
  this.timeout(120000);

  describe('the .gopclntab reader', () => {
    it('gives what go tool addr2line gives for every function of the fixture, at its entry, middle and end', () => {
      requireGoFixture();
      const symbols = textSymbols(BINARY);
      assert.ok(symbols.length > 500, `the fixture has its functions (go tool nm listed ${symbols.length})`);
      const pcs = symbols.flatMap((s) => [s.addr, s.addr + (s.size >> 1), s.addr + s.size - 1]);
      const expected = addr2line(BINARY, pcs);
      const table = GoPclntab.read(BINARY);
      assert.ok(table, 'the fixture has a .gopclntab of a layout the reader knows');
      const wrong: string[] = [];
      let named = 0;
      pcs.forEach((pc, i) => {
        const got = table.lookup(pc);
        const want = expected[i];
        const gotText = got ? `${got.function} ${got.file ?? '?'}:${got.line ?? 0}` : '? ?:0';
        if (gotText !== `${want.function} ${want.where}`) wrong.push(`0x${pc.toString(16)}: ${gotText}, addr2line ${want.function} ${want.where}`);
        if (got?.line) named++;
      });
      process.stderr.write(`      ${pcs.length} pcs, ${named} with a line; ${wrong.length} differ\n`);
      assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} of ${pcs.length} pcs differ from go tool addr2line`);
      assert.ok(named > pcs.length * 0.9, `most pcs have a line (${named} of ${pcs.length})`);
    });

    it('reads the stripped build (no symbol table, no DWARF) as the whole one', () => {
      requireGoFixture();
      const whole = GoPclntab.read(BINARY);
      const stripped = GoPclntab.read(STRIPPED);
      assert.ok(whole && stripped, 'both builds have a .gopclntab the reader knows');
      const pcs = textSymbols(BINARY).map((s) => s.addr + (s.size >> 1));
      // the inline chains too: the stripped build's come through the runtime's moduledata alone
      const differ = pcs.filter((pc) => JSON.stringify(whole.frames(pc)) !== JSON.stringify(stripped.frames(pc)));
      assert.deepEqual(differ.slice(0, 10).map((pc) => `0x${pc.toString(16)}: ${JSON.stringify(whole.frames(pc))} / ${JSON.stringify(stripped.frames(pc))}`), []);
      const inlined = pcs.filter((pc) => (stripped.frames(pc)?.length ?? 0) > 1).length;
      assert.ok(inlined > 50, `the compiler inlined calls at many of the pcs (${inlined} of ${pcs.length})`);
    });

    it('says where Go ends its stacks: a goroutine\'s or thread\'s first frame, a switch of stacks', () => {
      requireGoFixture();
      const table = GoPclntab.read(BINARY);
      assert.ok(table, 'the fixture has a .gopclntab of a layout the reader knows');
      const entry = new Map(textSymbols(BINARY).map((s) => [s.name.replace(/\.abi0$/, ''), s.addr]));
      const ends = Object.fromEntries(['runtime.goexit', 'runtime.mstart', 'runtime.mcall', 'runtime.systemstack', 'main.blockRead', 'runtime.park_m'].map((name) => {
        const pc = entry.get(name);
        return [name, pc === undefined ? 'not in the binary' : table.lookup(pc + 1)?.outermost];
      }));
      assert.deepEqual(ends, {
        'runtime.goexit': 'first', 'runtime.mstart': 'first', 'runtime.mcall': 'switch', 'runtime.systemstack': 'switch', 'main.blockRead': null, 'runtime.park_m': null,
      });
    });

    it('never throws on a damaged table (it is untrusted input): it answers or gives null', () => {
      requireGoFixture();
      const bytes = readFileSync(BINARY);
      const at = bytes.indexOf(Buffer.from([0xf0, 0xff, 0xff, 0xff, 0, 0, 1, 8]));
      assert.ok(at > 0, 'the fixture\'s .gopclntab header is in the file');
      const pcs = textSymbols(BINARY).map((s) => s.addr + (s.size >> 1));
      const dir = mkdtempSync(join(tmpdir(), 'iolens-go-'));
      let seed = 12345;
      const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
      try {
        let answered = 0;
        for (let round = 0; round < 20; round++) {
          const damaged = Buffer.from(bytes);
          // a few bytes of the header, the function table and the pc tables
          for (let i = 0; i < 64; i++) damaged[at + (i < 8 ? 8 + random(64) : random(0x60000))] = random(256);
          const path = join(dir, `damaged-${round}`);
          writeFileSync(path, damaged);
          const table = GoPclntab.read(path);
          for (const pc of pcs) if (table?.frames(pc)) answered++;
        }
        process.stderr.write(`      ${answered} lookups of ${20 * pcs.length} answered on damaged tables\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('gives null for a binary that is not Go', () => {
      assert.equal(GoPclntab.read(process.execPath), null);
      assert.equal(GoPclntab.read(SOURCE), null);
    });

    it('tells a Go binary whose exec record names it relatively (eBPF: ./go_block_read) as one', () => {
      requireGoFixture();
      const maps = new MapTables();
      maps.add({ kind: 'map', prot: 5, buildIdLen: 0, flags: 0, pid: 7, dev: 1, ts: 0, start: 0x400000n, end: 0x500000n, pgoff: 0, ino: 5, buildId: new Uint8Array(20), path: BINARY });
      const processes = new ProcessTable();
      processes.process(7).exe = './build/go_block_read';
      const resolver = new StackResolver({ maps, stacks: new Map(), symbols: new Map(), processes }, null);
      assert.equal(resolver.goProcess(7), true);
    });

    it('ends a stack at its switch of stacks when the walk beyond went wrong (a parked goroutine\'s frames past mcall, rewritten)', () => {
      requireGoFixture();
      const st = statSync(BINARY);
      const maps = new MapTables();
      maps.add({ kind: 'map', prot: 5, buildIdLen: 0, flags: 0, pid: 7, dev: Number(st.dev), ts: 0, start: 0x400000n, end: 0x2000000n, pgoff: 0, ino: Number(st.ino), buildId: new Uint8Array(20), path: BINARY });
      const made = createSymbolizer();
      assert.ok(made.symbolizer, `the symbolizer is needed: ${made.error}`);
      // a netpoller wait as the ptrace tracer records it: the pc after epollwait's SYSCALL, the word
      // at sp (its return into netpoll), then the frame-pointer chain from findRunnable to mcall
      const frames = [
        after(BINARY, 'runtime.epollwait.abi0', 'SYSCALL'), after(BINARY, 'runtime.netpoll', 'CALL', 'runtime.epollwait.abi0(SB)'),
        after(BINARY, 'runtime.findRunnable', 'CALL', 'runtime.netpoll(SB)'), after(BINARY, 'runtime.schedule', 'CALL', 'runtime.findRunnable(SB)'),
        after(BINARY, 'runtime.park_m', 'CALL', 'runtime.schedule(SB)'), after(BINARY, 'runtime.mcall', 'CALL', 'R12'),
      ];
      const resolve = (beyond: bigint[]): ResolvedStack | undefined => {
        const info: StackInfo = { id: 1n, pid: 7, gen: 0, spSlots: 1, flags: 0, frames: [...frames, ...beyond] };
        return new StackResolver({ maps, stacks: new Map([[1n, info]]), symbols: new Map() }, made.symbolizer).resolve(1n);
      };
      const scheduler = ['runtime.epollwait', 'runtime.netpoll', 'runtime.findRunnable', 'runtime.schedule', 'runtime.park_m', 'runtime.mcall'];
      const parked = resolve([]);
      assert.deepEqual(parked?.frames.map((f) => f.function ?? f.problem), scheduler);
      assert.equal(parked?.end, 'complete', 'mcall its last frame: Go\'s traceback ends there');
      // past mcall, the parked goroutine's stack as another thread left it: a frame of code, then a word that is none
      const rewritten = resolve([after(BINARY, 'runtime.schedule', 'CALL', 'runtime.findRunnable(SB)'), 0x7f0000001234n]);
      assert.deepEqual(rewritten?.frames.map((f) => f.function ?? f.problem), scheduler, 'the frames up to the switch only');
      assert.equal(rewritten?.end, 'complete', 'Go\'s traceback ends there too');
    });
  });

  describe('traced', () => {
    let rec: Recording | undefined;
    afterEach(() => {
      cleanup(rec);
      rec = undefined;
    });

    for (const backend of BACKENDS) {
      it(`names main.blockRead at its line in a launched Go program's blocking reads (${backend})`, async function () {
        requireBackend(this, backend);
        requireGoFixture();
        rec = await recordLaunch([BINARY], [], 60000, backend);
        assert.equal(rec.code, 0, rec.stderr);
        await checkGoReads(rec);
      });

      it(`names main.blockRead at its line in an attached stripped Go program (${backend})`, async function () {
        requireBackend(this, backend);
        requireGoFixture();
        rec = await recordAttachCommand([STRIPPED, '--wait'], [], undefined, 60000, backend);
        assert.equal(rec.code, 0, rec.stderr);
        await checkGoReads(rec);
      });
    }
  });
});
