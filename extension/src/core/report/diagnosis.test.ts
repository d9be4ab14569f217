// The report's sections of the diagnosis that read the analysis' tallies: rows the reader cannot
// tell apart (the same thread, call and line) are one row.
import * as assert from 'node:assert/strict';
import type { AnalysisResult, FilteredStats, ProcessVerdict, ThreadVerdict } from '../analysis/types';
import type { ResolvedStack, StackFrame } from '../symbols/stacks';
import { filteredSection, modelsSection, noOwnFrame, type DiagnosisText } from './diagnosis';

function frame(f: Partial<StackFrame>): StackFrame {
  return { addr: 0x1000n, function: null, file: null, line: null, column: null, module: '/usr/sbin/server', inlined: false, problem: null, ...f };
}
const libc = frame({ function: 'sendfile', module: '/usr/lib/x86_64-linux-gnu/libc.so.6' });
/** Stacks 1 and 2: the same function (no line) reached from two callers; 3: another function. */
const STACKS = new Map<bigint, ResolvedStack>([
  [1n, { frames: [libc, frame({ function: 'state_machine' }), frame({ function: 'main' })], truncated: false }],
  [2n, { frames: [libc, frame({ function: 'state_machine' }), frame({ function: 'handle' })], truncated: false }],
  [3n, { frames: [libc, frame({ function: 'write_all' })], truncated: false }],
]);
const text: DiagnosisText = { stacks: { resolve: (id) => STACKS.get(id) }, relative: (f) => f, thread: (pid, tid) => `server ${pid}/${tid}` };

function counted(stackId: bigint, count: number, totalNs: number, maxNs: number, errnos: Record<string, number> = {}): FilteredStats {
  const errors = Object.values(errnos).reduce((a, b) => a + b, 0);
  return { pid: 1, tid: 1, call: 'sendfile', fdType: 'socket', nonblocking: true, stackId, count, totalNs, maxNs, errors, errnos };
}

describe('report: calls the tracer counted', () => {
  it('gives one row per thread, call and call site, adding up stacks that differ only above it', () => {
    const analysis = { filtered: [counted(1n, 6853, 72.4e6, 731e3, { EAGAIN: 3 }), counted(2n, 1506, 20.3e6, 140e3, { EAGAIN: 1, EPIPE: 1 }), counted(3n, 9, 0.5e6, 135e3)], minDurationNs: 1e6 } as unknown as AnalysisResult;
    assert.deepEqual(filteredSection(analysis, text), [
      '',
      'Calls under 1.00 ms, counted by the tracer (not in the event list)',
      '  sendfile (non-blocking socket): 8,359 calls, 92.7 ms in all, longest 731.0 µs, 5 failed (4 EAGAIN, 1 EPIPE)',
      '      at /usr/sbin/server (state_machine)  server 1/1',
      '  sendfile (non-blocking socket): 9 calls, 500.0 µs in all, longest 135.0 µs',
      '      at /usr/sbin/server (write_all)  server 1/1',
    ]);
  });
});

describe('report: a call without a location', () => {
  it('says there is no stack, no frame of the program, that its Java methods ran interpreted, that its Python names none before 3.12, or that the stack was cut short', () => {
    const map = '/tmp/perf-7.map';
    const stacks = new Map<bigint, ResolvedStack>([
      [4n, { frames: [libc, frame({ function: 'start_thread', module: '/usr/lib/x86_64-linux-gnu/libc.so.6' })], truncated: false }],
      [5n, { frames: [libc, frame({ function: 'sun.nio.ch.FileChannelImpl.force(boolean)', module: map }), frame({ function: 'Interpreter', module: map })], truncated: false }],
      [6n, { frames: [libc, frame({ function: 'pysleep', module: '/root/.pyenv/versions/3.11.7/bin/python3.11' })], truncated: false }],
      [7n, { frames: [libc, frame({ function: '_PyEval_EvalFrameDefault', module: '/usr/lib/x86_64-linux-gnu/libpython3.10.so.1.0' })], truncated: false }],
      [8n, { frames: [libc, frame({ function: '_PyEval_EvalFrameDefault', module: '/usr/bin/python3.12' })], truncated: false }],
      [9n, { frames: [libc, frame({ function: 'Builtins_CEntry_Return1_ArgvOnStack_BuiltinExit', module: '/usr/bin/node' })], truncated: true, end: 'no_cfi', why: '/usr/bin/node has no unwind information for 0x195e376' }],
    ]);
    const source = { resolve: (id: bigint) => stacks.get(id) };
    assert.equal(noOwnFrame(source, 0n), 'no call site');
    assert.equal(noOwnFrame(source, 0n, 'no stack'), 'no stack');
    assert.equal(noOwnFrame(source, 4n), "no frame of the program's own code in the stack");
    assert.equal(noOwnFrame(source, 5n), "no frame of the program's own code in the stack (interpreted Java methods are not named)");
    const py = (v: string): string => `no frame of the program's own code in the stack (Python ${v} names no Python function in a native stack: run it under 3.12 or later, which iolens launches with its perf map)`;
    assert.equal(noOwnFrame(source, 6n), py('3.11'));
    assert.equal(noOwnFrame(source, 7n), py('3.10'));
    // 3.12 has its trampolines: a stack without them was taken without a perf map (the recording says so)
    assert.equal(noOwnFrame(source, 8n), "no frame of the program's own code in the stack");
    // a stack cut short says so: the program's code may be above where it ends
    assert.equal(noOwnFrame(source, 9n), "no frame of the program's own code in the stack (stack cut: no unwind information for a frame: /usr/bin/node has no unwind information for 0x195e376)");
  });
});

describe('report: the I/O models', () => {
  it('tells helpers of one name, each one quiet thread, in one line from three on', () => {
    const processes: ProcessVerdict[] = [{ pid: 10, name: 'loop', verdict: 'epoll loop on 1 thread', models: { multiplexing: 1 } }];
    const threads: ThreadVerdict[] = [{ pid: 10, tid: 10, name: 'loop', model: 'multiplexing', evidence: 'event loop: 30 epoll_wait calls', worksFor: null }];
    const helper = (pid: number, name: string): void => {
      processes.push({ pid, name, verdict: '1 thread without I/O of note', models: { none: 1 } });
      threads.push({ pid, tid: pid, name, model: 'none', evidence: `no I/O wait of note: sleeps 1 time (${pid} ms)`, worksFor: null });
    };
    for (let i = 0; i < 5; i++) helper(20 + 2 * i, 'sh');
    helper(40, 'sort');
    helper(41, 'sort');
    const lines = modelsSection({ processes, threads, loops: [] } as unknown as AnalysisResult, text);
    assert.deepEqual(lines, [
      '',
      'I/O models',
      '  process 10 loop: epoll loop on 1 thread',
      '    10 loop  multiplexing  event loop: 30 epoll_wait calls',
      '  processes sh: 5 processes of one thread without I/O of note (pids 20, 22, 24, 26, …); the first:',
      '      no I/O wait of note: sleeps 1 time (20 ms)',
      // two of a name are shown as they are
      '  process 40 sort: 1 thread without I/O of note',
      '    40 sort  none          no I/O wait of note: sleeps 1 time (40 ms)',
      '  process 41 sort: 1 thread without I/O of note',
      '    41 sort  none          no I/O wait of note: sleeps 1 time (41 ms)',
    ]);
  });
});
