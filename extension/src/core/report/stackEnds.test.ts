import * as assert from 'node:assert/strict';
import type { ResolvedStack, StackFrame } from '../symbols/stacks';
import { stackEndLines, summarizeStackEnds } from './stackEnds';

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
});
