import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_DEBUG_INFO, type ResolvedStack, type StackFrame } from '../symbols/stacks';
import { owningPackages } from '../system/debugPackages';
import { debuginfodNotes, stackEndLines, summarizeStackEnds } from './stackEnds';

function frame(module: string): StackFrame {
  return { addr: 1n, function: null, file: null, line: null, column: null, module, inlined: false, problem: null };
}

describe('stackEnds', () => {
  it('counts the stacks that stop short by module and reason, and says nothing when the trace does not say', () => {
    const stacks = new Map<bigint, ResolvedStack>([
      [1n, { frames: [frame('/bin/a'), frame('/lib/libc.so.6')], truncated: false, end: 'complete' }],
      [2n, { frames: [frame('/bin/a')], truncated: true, end: 'window_too_small' }],
      [3n, { frames: [frame('/bin/a')], truncated: true, end: 'window_too_small' }],
      [4n, { frames: [frame('/bin/a'), frame('/opt/jit')], truncated: true, end: 'no_cfi' }],
      [5n, { frames: [frame('/bin/a')], truncated: false }],
    ]);
    const trace = { stacks: new Map([...stacks.keys()].map((k) => [k, { id: k, pid: 1, gen: 0, frames: [], spSlots: 0, flags: 0 }])), symbols: new Map() };
    const s = summarizeStackEnds(trace, (id) => stacks.get(id));
    assert.deepEqual({ total: s.total, complete: s.complete, unknown: s.unknown }, { total: 5, complete: 1, unknown: 1 });
    assert.deepEqual(s.cut.map((c) => [c.module, c.end, c.count]), [['/bin/a', 'window_too_small', 2], ['/opt/jit', 'no_cfi', 1]]);
    const text = stackEndLines(s).join('\n');
    assert.match(text, /Stacks: 1 of 4 reach the thread's first frame \(1 more: the trace does not say\)/);
    assert.match(text, /2 {2}\/bin\/a: stack cut: a caller lies beyond the stack snapshot/);
    assert.deepEqual(stackEndLines(summarizeStackEnds({ stacks: new Map(), symbols: new Map() }, () => undefined)), []);
  });

  it('names the modules whose frames have no line, and the Debian package with their lines when dpkg knows the file', () => {
    const noDebug = (module: string): StackFrame => ({ ...frame(module), function: 'f', problem: `${NO_DEBUG_INFO}${module}` });
    const stacks = new Map<bigint, ResolvedStack>([
      [1n, { frames: [noDebug('/usr/sbin/nginx'), noDebug('/usr/sbin/nginx'), noDebug('/usr/lib/x86_64-linux-gnu/libc.so.6')], truncated: false, end: 'complete' }],
      [2n, { frames: [noDebug('/opt/own/app'), { ...frame('/bin/a'), file: '/src/a.c', line: 3 }], truncated: false, end: 'complete' }],
    ]);
    const trace = { stacks: new Map([...stacks.keys()].map((k) => [k, { id: k, pid: 1, gen: 0, frames: [], spSlots: 0, flags: 0 }])), symbols: new Map() };
    const packages = (paths: readonly string[]): Map<string, string> =>
      new Map(paths.flatMap((p): [string, string][] => (p === '/usr/sbin/nginx' ? [[p, 'nginx']] : p.endsWith('libc.so.6') ? [[p, 'libc6']] : [])));
    const s = summarizeStackEnds(trace, (id) => stacks.get(id), { packages });
    assert.deepEqual(s.noLines.map((m) => [m.module, m.frames, m.debugPackage]), [
      ['/usr/sbin/nginx', 2, 'nginx-dbgsym'], ['/opt/own/app', 1, null], ['/usr/lib/x86_64-linux-gnu/libc.so.6', 1, 'libc6-dbg'],
    ]);
    const text = stackEndLines(s).join('\n');
    assert.match(text, /no line information \(functions only\) in these modules, by frames:\n {4}2 {2}\/usr\/sbin\/nginx — its lines come with the package nginx-dbgsym/);
    assert.match(text, /1 {2}\/opt\/own\/app$/m, 'no package named when dpkg does not know the file');
  });

  it('says which modules debuginfod supplied, and why it had none for others', () => {
    const noDebug = (module: string): StackFrame => ({ ...frame(module), function: 'f', problem: `${NO_DEBUG_INFO}${module}` });
    const stacks = new Map<bigint, ResolvedStack>([[1n, { frames: [noDebug('/opt/app'), { ...frame('/opt/lib.so'), file: '/src/lib.c', line: 9 }], truncated: false, end: 'complete' }]]);
    const trace = { stacks: new Map([[1n, { id: 1n, pid: 1, gen: 0, frames: [], spSlots: 0, flags: 0 }]]), symbols: new Map() };
    const debuginfod = {
      fromDebuginfod: new Map([['/opt/lib.so', 'http://d.example']]),
      debuginfodProblems: new Map([['/opt/app', 'no debug info for build-id ab at http://d.example']]),
    };
    const s = summarizeStackEnds(trace, (id) => stacks.get(id), { packages: () => new Map(), debuginfod });
    const text = stackEndLines(s).join('\n');
    assert.match(text, /^ {4}1 {2}\/opt\/app — debuginfod: no debug info for build-id ab at http:\/\/d\.example$/m);
    assert.match(text, /lines supplied by debuginfod:\n {4}\/opt\/lib\.so — from http:\/\/d\.example$/m);
    assert.deepEqual(debuginfodNotes(debuginfod), [
      'debuginfod: the lines of /opt/lib.so come from http://d.example',
      'debuginfod: /opt/app: no debug info for build-id ab at http://d.example',
    ]);
  });

  it('finds the package that installed a file in dpkg\'s lists, under its usrmerge name too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-dpkg-'));
    try {
      writeFileSync(join(dir, 'libc6:amd64.list'), '/.\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n');
      writeFileSync(join(dir, 'nginx.list'), '/usr/sbin/nginx\n');
      writeFileSync(join(dir, 'nginx.md5sums'), '/usr/sbin/other\n');
      const found = owningPackages(['/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/sbin/nginx', '/usr/sbin/other'], { infoDir: dir });
      assert.deepEqual([...found].sort(), [['/usr/lib/x86_64-linux-gnu/libc.so.6', 'libc6'], ['/usr/sbin/nginx', 'nginx']]);
      assert.deepEqual([...owningPackages(['/x'], { infoDir: join(dir, 'missing') })], [], 'no dpkg: nothing to say');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
