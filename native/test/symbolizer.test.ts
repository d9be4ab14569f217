/**
 * Tests of the native symbolizer (native/build/Release/iolens_symbols.node).
 * Run: npx mocha --require tsx/cjs native/test/symbolizer.test.ts
 *
 * The fixtures are the C/C++ files in ./fixtures, built here with gcc into a
 * temporary directory; expected lines come from the `@line:` markers in them,
 * expected addresses from nm/objdump/readelf, and binutils addr2line serves as
 * an independent oracle.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

import type { IolensSymbols, ResolvedFrame, Symbolizer, SymbolizerError } from '../index';
import {
  addr2line,
  fileOffsetOf,
  findInstruction,
  instructionsOf,
  loadSegments,
  mappingOffset,
  markerColumn,
  markerLine,
  readText,
  requireTool,
  run,
  symbol,
} from './elf-tools';

const ADDON = path.join(__dirname, '..', 'build', 'Release', 'iolens_symbols.node');
const FIXTURES = path.join(__dirname, 'fixtures');
const CFLAGS_O0 = ['-g', '-O0', '-fno-omit-frame-pointer'];

function loadAddon(): IolensSymbols {
  if (!fs.existsSync(ADDON)) {
    throw new Error(`${ADDON} is missing: build it with \`npx node-gyp rebuild --directory native\``);
  }
  return createRequire(__filename)(ADDON) as IolensSymbols;
}

/** Asserts that `fn` throws a SymbolizerError with `code` whose message names `file`. */
function assertSymbolError(fn: () => unknown, code: SymbolizerError['code'], file: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof Error, 'an Error');
    const e = error as SymbolizerError;
    assert.equal(e.code, code);
    assert.equal(e.path, file);
    assert.ok(e.message.includes(file), `message names the path: ${e.message}`);
    return true;
  });
}

/** The single frame an offset resolves to, checked to be an out-of-line function. */
function onlyFrame(frames: ResolvedFrame[]): ResolvedFrame {
  assert.equal(frames.length, 1, `one frame expected, got ${JSON.stringify(frames)}`);
  assert.equal(frames[0].inlined, false);
  return frames[0];
}

describe('native Symbolizer', function () {
  this.timeout(60_000);

  let native: IolensSymbols;
  let symbolizer: Symbolizer;
  let dir: string;
  /** Absolute path of a fixture source in the build directory. */
  let src: (name: string) => string;
  /** Text of a fixture source. */
  let text: (name: string) => string;
  /** Compiles in `dir` with relative source names, so DWARF paths need DW_AT_comp_dir. */
  let build: (compiler: string, output: string, args: readonly string[]) => string;

  before(function () {
    requireTool('gcc', 'gcc');
    requireTool('g++', 'g++');
    for (const tool of ['nm', 'objdump', 'readelf', 'strip', 'objcopy', 'addr2line']) requireTool(tool, 'binutils');
    native = loadAddon();
    symbolizer = new native.Symbolizer();

    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'iolens-symbols-')));
    fs.mkdirSync(path.join(dir, 'src'));
    for (const name of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, name), path.join(dir, 'src', name));
    src = (name) => path.join(dir, 'src', name);
    text = (name) => readText(src(name));
    build = (compiler, output, args) => {
      run(compiler, [...args, '-o', output], dir);
      return path.join(dir, output);
    };
  });

  after(function () {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('resolve() with DWARF', function () {
    let pie: string;
    let calls: string;

    before(function () {
      pie = build('gcc', 'calls', [...CFLAGS_O0, 'src/calls.c']);
      calls = text('calls.c');
    });

    it('resolves a function entry of a PIE to its name, absolute file, line and column', function () {
      const helper = symbol(pie, 'helper');
      const [frames] = symbolizer.resolve(pie, [fileOffsetOf(pie, helper.address)]);
      assert.deepEqual(onlyFrame(frames), {
        function: 'helper',
        file: src('calls.c'),
        line: markerLine(calls, 'helper_entry'),
        column: markerColumn(calls, 'helper_entry', '{'),
        inlined: false,
      });
    });

    it('resolves a call instruction and its return address − 1 to the calling line', function () {
      const main = instructionsOf(pie, 'main');
      const call = findInstruction(main, /^call [0-9a-f]+ <helper>$/);
      const returnAddress = main[call.index + 1].address;
      const result = symbolizer.resolve(pie, [fileOffsetOf(pie, call.address), fileOffsetOf(pie, returnAddress - 1)]);
      const expected: ResolvedFrame = {
        function: 'main',
        file: src('calls.c'),
        line: markerLine(calls, 'main_call'),
        column: markerColumn(calls, 'main_call', 'helper('),
        inlined: false,
      };
      assert.deepEqual(result, [[expected], [expected]]);
    });

    it('agrees with binutils addr2line at every instruction of helper and main', function () {
      const vaddrs = [...instructionsOf(pie, 'helper'), ...instructionsOf(pie, 'main')].map((i) => i.address);
      const results = symbolizer.resolve(
        pie,
        vaddrs.map((a) => fileOffsetOf(pie, a)),
      );
      vaddrs.forEach((vaddr, i) => {
        const oracle = addr2line(pie, vaddr);
        const frames = results[i];
        assert.deepEqual(
          frames.map((f) => [f.function, f.line, path.basename(f.file ?? '')]),
          oracle.map((o) => [o.function, o.line, path.basename(o.file)]),
          `at 0x${vaddr.toString(16)}`,
        );
      });
    });

    it('resolves a non-PIE (ET_EXEC) executable, whose segments have file offset != vaddr', function () {
      const exec = build('gcc', 'calls-nopie', [...CFLAGS_O0, '-no-pie', 'src/calls.c']);
      const text = loadSegments(exec).find((s) => s.flags.includes('E'));
      assert.ok(text && text.offset !== text.vaddr, 'the executable segment is mapped at vaddr != offset');
      assert.equal(symbolizer.inspect(exec).type, 'exec');

      const helper = symbol(exec, 'helper');
      const offset = fileOffsetOf(exec, helper.address);
      assert.notEqual(offset, helper.address);
      const write = findInstruction(instructionsOf(exec, 'helper'), /^call [0-9a-f]+ <write@plt>$/);
      const [entry, atWrite] = symbolizer.resolve(exec, [offset, fileOffsetOf(exec, write.address)]);
      assert.equal(onlyFrame(entry).function, 'helper');
      assert.equal(onlyFrame(entry).line, markerLine(calls, 'helper_entry'));
      assert.deepEqual(onlyFrame(atWrite), {
        function: 'helper',
        file: src('calls.c'),
        line: markerLine(calls, 'helper_write'),
        column: markerColumn(calls, 'helper_write', 'write('),
        inlined: false,
      });
    });

    it('returns [] for offsets in no function: the ELF header, data, and past the end of the file', function () {
      const size = fs.statSync(pie).size;
      const rodata = run('readelf', ['-SW', pie])
        .split('\n')
        .map((l) => /\]\s+\.rodata\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(l))
        .find((m) => m !== null);
      assert.ok(rodata, '.rodata found');
      const offsets = [0, parseInt(rodata[1], 16), size + 4096];
      assert.deepEqual(symbolizer.resolve(pie, offsets), [[], [], []]);
      assert.deepEqual(symbolizer.resolve(pie, []), []);
    });
  });

  describe('inlined calls', function () {
    it('lists the always_inline chain innermost first, each line inside its own function', function () {
      const exe = build('gcc', 'inline', ['-g', '-O2', 'src/inline.c']);
      const source = text('inline.c');
      const main = instructionsOf(exe, 'main');
      const call = findInstruction(main, /^call [0-9a-f]+ <write@plt>$/);
      const returnAddress = main[call.index + 1].address;
      const [atCall, atReturn] = symbolizer.resolve(exe, [fileOffsetOf(exe, call.address), fileOffsetOf(exe, returnAddress - 1)]);
      const file = src('inline.c');
      const expected: ResolvedFrame[] = [
        { function: 'inner', file, line: markerLine(source, 'inner_write'), column: markerColumn(source, 'inner_write', 'write('), inlined: true },
        { function: 'outer', file, line: markerLine(source, 'outer_call'), column: markerColumn(source, 'outer_call', 'inner('), inlined: true },
        { function: 'main', file, line: markerLine(source, 'main_call'), column: markerColumn(source, 'main_call', 'outer('), inlined: false },
      ];
      assert.deepEqual(atCall, expected);
      assert.deepEqual(atReturn, expected);

      // And the same chains as binutils addr2line -i at every instruction of main.
      const results = symbolizer.resolve(
        exe,
        main.map((i) => fileOffsetOf(exe, i.address)),
      );
      main.forEach((instruction, i) => {
        assert.deepEqual(
          results[i].map((f) => [f.function, f.line, f.inlined]),
          addr2line(exe, instruction.address).map((o, k, all) => [o.function, o.line, k < all.length - 1]),
          `at 0x${instruction.address.toString(16)}`,
        );
      });
    });

    it('places an address in its unit by the unit\'s own ranges when the file has no .debug_aranges (clang\'s default)', function () {
      requireTool('clang-14', 'clang-14');
      // libdwfl 0.188 finds a unit only through .debug_aranges: a clang-built program's every
      // frame had its function from the symbol table and no line
      const exe = build('clang-14', 'inline-clang', ['-g', '-O2', 'src/inline.c']);
      assert.doesNotMatch(run('readelf', ['-S', '-W', exe], dir), /\.debug_aranges/, 'the case: no .debug_aranges');
      const source = text('inline.c');
      const main = instructionsOf(exe, 'main');
      const call = findInstruction(main, /^call [0-9a-f]+ <write@plt>$/);
      const [frames] = symbolizer.resolve(exe, [fileOffsetOf(exe, main[call.index + 1].address - 1)]);
      const file = src('inline.c');
      assert.deepEqual(
        frames.map((f) => [f.function, f.file, f.line, f.inlined]),
        [
          ['inner', file, markerLine(source, 'inner_write'), true],
          ['outer', file, markerLine(source, 'outer_call'), true],
          ['main', file, markerLine(source, 'main_call'), false],
        ],
      );
    });
  });

  describe('shared libraries and running programs', function () {
    let lib: string;
    let uselib: string;

    before(function () {
      lib = build('gcc', 'libfix.so', [...CFLAGS_O0, '-shared', '-fPIC', 'src/lib.c']);
      uselib = build('gcc', 'uselib', [...CFLAGS_O0, 'src/uselib.c', '-L.', '-lfix', `-Wl,-rpath,${dir}`]);
    });

    it('resolves offsets in a shared library', function () {
      const source = text('lib.c');
      const work = instructionsOf(lib, 'lib_work');
      const call = findInstruction(work, /^call [0-9a-f]+ <lib_static>$/);
      const [entry, atCall] = symbolizer.resolve(lib, [fileOffsetOf(lib, work[0].address), fileOffsetOf(lib, call.address)]);
      assert.deepEqual(onlyFrame(entry), {
        function: 'lib_work',
        file: src('lib.c'),
        line: markerLine(source, 'lib_work_entry'),
        column: markerColumn(source, 'lib_work_entry', '{'),
        inlined: false,
      });
      assert.equal(onlyFrame(atCall).line, markerLine(source, 'lib_call'));
      assert.equal(onlyFrame(atCall).column, markerColumn(source, 'lib_call', 'lib_static('));
      assert.equal(symbolizer.inspect(lib).type, 'dyn');
    });

    it('resolves run-time addresses of a program and its library through /proc/self/maps', function () {
      const output = run(uselib, []);
      const ret = Number(/^ret (0x[0-9a-f]+)$/m.exec(output)?.[1]);
      const libAddress = Number(/^lib (0x[0-9a-f]+)$/m.exec(output)?.[1]);
      assert.ok(ret > 0 && libAddress > 0, output);

      // A return address points after the call: look up pc − 1.
      const inMain = mappingOffset(output, ret - 1);
      assert.equal(inMain.path, uselib);
      const inLib = mappingOffset(output, libAddress);
      assert.equal(inLib.path, lib);

      const [mainFrames] = symbolizer.resolve(inMain.path, [inMain.offset]);
      assert.deepEqual(onlyFrame(mainFrames), {
        function: 'main',
        file: src('uselib.c'),
        line: markerLine(text('uselib.c'), 'uselib_call'),
        column: markerColumn(text('uselib.c'), 'uselib_call', 'caller_address('),
        inlined: false,
      });
      const [libFrames] = symbolizer.resolve(inLib.path, [inLib.offset]);
      assert.equal(onlyFrame(libFrames).function, 'lib_static');
      assert.equal(onlyFrame(libFrames).line, markerLine(text('lib.c'), 'lib_static_entry'));
    });
  });

  describe('names', function () {
    it('demangles C++ and Rust names (legacy and v0), from DWARF and from the symbol table', function () {
      const exe = build('g++', 'names', [...CFLAGS_O0, 'src/names.cc']);
      const stripped = path.join(dir, 'names-stripped');
      run('strip', ['-g', exe, '-o', stripped]);
      const symbols = [
        '_ZN2ns6Widget4pokeEi',
        '_ZN4core3fmt5write17h0123456789abcdefE',
        '_ZN71_$LT$Test$u20$$u2b$$u20$$u27$static$u20$as$u20$foo..Bar$LT$Test$GT$$GT$3bar17h930b740aa94f1d3aE',
        '_RNvXs_NtNtCsjrHSEGnQ3l9_3std3net3tcpNtB4_9TcpStreamNtNtB8_2io4Read4read',
      ];
      const offsets = symbols.map((name) => fileOffsetOf(exe, symbol(exe, name).address));
      const expected = ['ns::Widget::poke(int)', 'core::fmt::write', "<Test + 'static as foo::Bar<Test>>::bar", '<std::net::tcp::TcpStream as std::io::Read>::read'];
      for (const file of [exe, stripped]) {
        const names = symbolizer.resolve(file, offsets).map((frames) => onlyFrame(frames).function);
        assert.deepEqual(names, expected, file);
      }
      const [poke] = symbolizer.resolve(exe, [offsets[0]]);
      assert.equal(onlyFrame(poke).line, markerLine(text('names.cc'), 'poke_entry'));
    });
  });

  describe('without DWARF, and with separate debug files', function () {
    let pie: string;
    let stripped: string;
    let helperOffset: number;
    let expectedHelper: ResolvedFrame;

    before(function () {
      pie = build('gcc', 'calls-for-debug', [...CFLAGS_O0, 'src/calls.c']);
      stripped = path.join(dir, 'calls-stripped');
      run('strip', ['-g', pie, '-o', stripped]);
      helperOffset = fileOffsetOf(pie, symbol(pie, 'helper').address);
      const calls = text('calls.c');
      expectedHelper = {
        function: 'helper',
        file: src('calls.c'),
        line: markerLine(calls, 'helper_entry'),
        column: markerColumn(calls, 'helper_entry', '{'),
        inlined: false,
      };
    });

    it('names functions from the symbol table of a binary stripped with strip -g', function () {
      const [frames] = symbolizer.resolve(stripped, [helperOffset]);
      assert.deepEqual(frames, [{ function: 'helper', file: null, line: null, column: null, inlined: false }]);
      const info = symbolizer.inspect(stripped);
      assert.equal(info.hasLines, false);
      assert.equal(info.hasSymbols, true);
      assert.equal(info.debugFile, null);
    });

    it('names functions from .gnu_debugdata (MiniDebugInfo: an xz-compressed symbol table) of a binary stripped of its own', function () {
      requireTool('xz', 'xz-utils');
      // Fedora's recipe (fedoraproject.org/wiki/Features/MiniDebugInfo), keeping one local function's symbol
      const mini = path.join(dir, 'calls-minidebuginfo');
      const allStripped = path.join(dir, 'calls-strip-all');
      run('objcopy', ['--only-keep-debug', pie, `${mini}.debug`]);
      run('objcopy', ['-S', '--remove-section', '.comment', '--keep-symbol=helper', `${mini}.debug`, `${mini}.symtab`]);
      run('xz', ['-f', `${mini}.symtab`]);
      run('strip', ['--strip-all', '-R', '.comment', pie, '-o', allStripped]);
      run('objcopy', ['--add-section', `.gnu_debugdata=${mini}.symtab.xz`, allStripped, mini]);
      const plain = new native.Symbolizer({ debugDirs: [] });
      assert.notEqual(plain.resolve(allStripped, [helperOffset])[0][0]?.function, 'helper', 'without .gnu_debugdata the stripped binary does not name helper');
      assert.deepEqual(plain.resolve(mini, [helperOffset]), [[{ function: 'helper', file: null, line: null, column: null, inlined: false }]]);
      assert.equal(plain.inspect(mini).hasSymbols, true);
    });

    it('finds a separate debug file by build-id under the given debugDirs', function () {
      const buildId = symbolizer.inspect(pie).buildId;
      assert.match(buildId ?? '', /^[0-9a-f]{40}$/);
      const root = path.join(dir, 'debug-root');
      const debugFile = path.join(root, '.build-id', buildId!.slice(0, 2), `${buildId!.slice(2)}.debug`);
      fs.mkdirSync(path.dirname(debugFile), { recursive: true });
      run('objcopy', ['--only-keep-debug', pie, debugFile]);

      const withDebug = new native.Symbolizer({ debugDirs: [root] });
      assert.deepEqual(withDebug.inspect(stripped), { buildId, type: 'dyn', debugFile, hasLines: true, hasSymbols: true });
      assert.deepEqual(withDebug.resolve(stripped, [helperOffset]), [[expectedHelper]]);
      // Without the directory the stripped file has no lines.
      assert.equal(new native.Symbolizer({ debugDirs: [] }).resolve(stripped, [helperOffset])[0][0].line, null);
    });

    it('finds a debug file in a debuginfod client cache (buildIdCaches) and rejects one from another build', function () {
      const buildId = symbolizer.inspect(pie).buildId!;
      const cache = path.join(dir, 'debuginfod_client');
      const debugFile = path.join(cache, buildId, 'debuginfo');
      fs.mkdirSync(path.dirname(debugFile), { recursive: true });
      // another program's debug info under this build-id first: never used
      const other = build('gcc', 'calls-cache-other', [...CFLAGS_O0, 'src/version_a.c']);
      run('objcopy', ['--only-keep-debug', other, debugFile]);
      const cached = new native.Symbolizer({ debugDirs: [], buildIdCaches: [cache] });
      assert.equal(cached.inspect(stripped).debugFile, null);
      assert.equal(cached.resolve(stripped, [helperOffset])[0][0].line, null);

      run('objcopy', ['--only-keep-debug', pie, debugFile]);
      cached.clear();
      assert.deepEqual(cached.inspect(stripped), { buildId, type: 'dyn', debugFile, hasLines: true, hasSymbols: true });
      assert.deepEqual(cached.resolve(stripped, [helperOffset]), [[expectedHelper]]);
      assert.equal(new native.Symbolizer({ debugDirs: [] }).resolve(stripped, [helperOffset])[0][0].line, null, 'the cache is read only when given');
    });

    it('finds a debug file through .gnu_debuglink and rejects one from another build', function () {
      const linkDir = path.join(dir, 'linked');
      fs.mkdirSync(linkDir);
      const debugFile = path.join(linkDir, 'calls.debug');
      run('objcopy', ['--only-keep-debug', pie, debugFile]);
      const linked = path.join(linkDir, 'calls');
      // objcopy finds the debug file by this path, and records only its base name.
      run('objcopy', [`--add-gnu-debuglink=${debugFile}`, stripped, linked]);
      const local = new native.Symbolizer({ debugDirs: [] });
      assert.equal(local.inspect(linked).debugFile, debugFile);
      assert.deepEqual(local.resolve(linked, [helperOffset]), [[expectedHelper]]);

      // The same name next to the binary, but the debug info of another program.
      const otherDir = path.join(dir, 'linked-other');
      fs.mkdirSync(otherDir);
      const other = build('gcc', 'calls-other', [...CFLAGS_O0, 'src/version_a.c']);
      run('objcopy', ['--only-keep-debug', other, path.join(otherDir, 'calls.debug')]);
      const mismatched = path.join(otherDir, 'calls');
      fs.copyFileSync(linked, mismatched);
      assert.notEqual(local.inspect(other).buildId, local.inspect(linked).buildId);
      assert.equal(local.inspect(mismatched).debugFile, null);
      assert.equal(local.resolve(mismatched, [helperOffset])[0][0].line, null);
    });
  });

  describe('libc with libc6-dbg', function () {
    let libc: string;

    before(function () {
      libc = fs.realpathSync(run('gcc', ['-print-file-name=libc.so.6']).trim());
    });

    it('inspect() reports the debug file found by build-id', function () {
      const info = symbolizer.inspect(libc);
      assert.match(info.buildId ?? '', /^[0-9a-f]{40}$/);
      const expected = `/usr/lib/debug/.build-id/${info.buildId!.slice(0, 2)}/${info.buildId!.slice(2)}.debug`;
      assert.ok(fs.existsSync(expected), `${expected} is missing: apt-get install libc6-dbg`);
      assert.deepEqual(info, { buildId: info.buildId, type: 'dyn', debugFile: expected, hasLines: true, hasSymbols: true });
    });

    it('resolves the file offset of read() to read.c with a line', function () {
      const read = symbol(libc, 'read', true);
      const [frames] = symbolizer.resolve(libc, [fileOffsetOf(libc, read.address)]);
      const outer = frames[frames.length - 1];
      assert.ok(['__GI___libc_read', '__libc_read', 'read'].includes(outer.function ?? ''), JSON.stringify(frames));
      assert.equal(outer.inlined, false);
      assert.match(outer.file ?? '', /(^|\/)read\.c$/);
      assert.ok((outer.line ?? 0) > 0);
    });

    it('cfa() gives rsp+8 at read() and rsp+0x30 at its multi-threaded syscall', function () {
      const read = symbol(libc, 'read', true);
      const instructions = instructionsOf(libc, 'read', true);
      const sub = findInstruction(instructions, /^sub \$0x28,%rsp$/);
      const syscall = findInstruction(instructions, /^syscall$/, sub.index + 1);
      const rules = symbolizer.cfa(libc, [fileOffsetOf(libc, read.address), fileOffsetOf(libc, syscall.address)]);
      assert.deepEqual(rules, [
        { register: 'rsp', offset: 8 },
        { register: 'rsp', offset: 0x30 },
      ]);
    });
  });

  describe('cfa()', function () {
    it('follows the prologue of a frame-pointer function and is null outside any FDE', function () {
      const exe = build('gcc', 'calls-cfa', [...CFLAGS_O0, 'src/calls.c']);
      const helper = instructionsOf(exe, 'helper');
      const afterPush = findInstruction(helper, /^mov %rsp,%rbp$/);
      const afterMov = helper[afterPush.index + 1];
      const offsets = [helper[0].address, afterPush.address, afterMov.address].map((a) => fileOffsetOf(exe, a));
      const rules = symbolizer.cfa(exe, [...offsets, fs.statSync(exe).size + 1]);
      assert.deepEqual(rules, [{ register: 'rsp', offset: 8 }, { register: 'rsp', offset: 16 }, { register: 'rbp', offset: 16 }, null]);
    });
  });

  describe('caching', function () {
    it('re-reads a file rebuilt under the same path after first use', function () {
      const target = path.join(dir, 'rebuilt');
      build('gcc', 'rebuilt', [...CFLAGS_O0, 'src/version_a.c']);
      const alpha = fileOffsetOf(target, symbol(target, 'alpha_function').address);
      assert.equal(onlyFrame(symbolizer.resolve(target, [alpha])[0]).function, 'alpha_function');

      build('gcc', 'rebuilt', [...CFLAGS_O0, 'src/version_b.c']);
      const omega = fileOffsetOf(target, symbol(target, 'omega_function').address);
      assert.equal(omega, alpha, 'both versions have the same layout');
      assert.equal(onlyFrame(symbolizer.resolve(target, [alpha])[0]).function, 'omega_function');
    });

    it('re-reads a file overwritten in place (same inode) and works after clear()', function () {
      const a = build('gcc', 'inplace-a', [...CFLAGS_O0, 'src/version_a.c']);
      const b = build('gcc', 'inplace-b', [...CFLAGS_O0, 'src/version_b.c']);
      const target = path.join(dir, 'inplace');
      fs.copyFileSync(a, target);
      const offset = fileOffsetOf(target, symbol(target, 'alpha_function').address);
      assert.equal(onlyFrame(symbolizer.resolve(target, [offset])[0]).function, 'alpha_function');
      const inode = fs.statSync(target).ino;
      fs.writeFileSync(target, fs.readFileSync(b));
      assert.equal(fs.statSync(target).ino, inode);
      assert.equal(onlyFrame(symbolizer.resolve(target, [offset])[0]).function, 'omega_function');
      symbolizer.clear();
      assert.equal(onlyFrame(symbolizer.resolve(target, [offset])[0]).function, 'omega_function');
    });
  });

  describe('errors', function () {
    it('ENOENT for a missing file', function () {
      const missing = path.join(dir, 'does-not-exist');
      assertSymbolError(() => symbolizer.resolve(missing, [0]), 'ENOENT', missing);
      assertSymbolError(() => symbolizer.inspect(missing), 'ENOENT', missing);
      assertSymbolError(() => symbolizer.cfa(missing, [0]), 'ENOENT', missing);
    });

    it('ENOTELF for a text file, an empty file and a directory', function () {
      const textFile = path.join(dir, 'not-elf.txt');
      fs.writeFileSync(textFile, 'just some text, certainly not an ELF header\n');
      const empty = path.join(dir, 'empty');
      fs.writeFileSync(empty, '');
      for (const file of [textFile, empty, dir]) {
        assertSymbolError(() => symbolizer.resolve(file, [0]), 'ENOTELF', file);
        assertSymbolError(() => symbolizer.inspect(file), 'ENOTELF', file);
      }
    });

    it('EELF for a file with an ELF magic but no valid ELF header', function () {
      const broken = path.join(dir, 'broken.elf');
      fs.writeFileSync(broken, Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(60, 0xff)]));
      assertSymbolError(() => symbolizer.resolve(broken, [0]), 'EELF', broken);
      const truncated = path.join(dir, 'truncated.elf');
      fs.writeFileSync(truncated, fs.readFileSync(build('gcc', 'whole', [...CFLAGS_O0, 'src/version_a.c'])).subarray(0, 40));
      assertSymbolError(() => symbolizer.inspect(truncated), 'EELF', truncated);
    });

    it('TypeError and RangeError for malformed arguments', function () {
      const exe = build('gcc', 'args', [...CFLAGS_O0, 'src/version_a.c']);
      const loose = symbolizer as unknown as Record<string, (...args: unknown[]) => unknown>;
      assert.throws(() => loose.resolve.call(symbolizer, 42, [0]), TypeError);
      assert.throws(() => loose.resolve.call(symbolizer, exe, 0), TypeError);
      assert.throws(() => loose.resolve.call(symbolizer, exe, ['0']), TypeError);
      assert.throws(() => loose.cfa.call(symbolizer, exe), TypeError);
      assert.throws(() => loose.inspect.call(symbolizer), TypeError);
      assert.throws(() => symbolizer.resolve(exe, [-1]), RangeError);
      assert.throws(() => symbolizer.resolve(exe, [1.5]), RangeError);
      assert.throws(() => symbolizer.resolve(exe, [Number.NaN]), RangeError);
      assert.throws(() => new native.Symbolizer({ debugDirs: ['relative/dir'] }), TypeError);
      assert.throws(() => new native.Symbolizer({ debugDirs: ['/a:b'] }), TypeError);
      assert.throws(() => new native.Symbolizer({ buildIdCaches: ['relative/cache'] }), TypeError);
      const Loose = native.Symbolizer as unknown as new (options: unknown) => Symbolizer;
      assert.throws(() => new Loose({ debugDirs: '/usr/lib/debug' }), TypeError);
      assert.throws(() => new Loose('options'), TypeError);
    });
  });
});
