import * as assert from 'node:assert/strict';
import { STACK_SLOT_SHIFT, STACK_TAIL_MARK } from '../../../../protocol/generated/wire';
import { checkFramePointerChain, CPYTHON_TRAMPOLINE_RULE, decodeSnapshot, FRAME_POINTER_RULE, splitTail, unwindSnapshot, unwindTail, type UnwindContext } from './cfiUnwind';
import type { DwarfOp, UnwindRule } from './native';

const SP = 0x7ffd0000n;
const BREG7 = 0x77; // DW_OP_breg7 (rsp)
const BREG6 = 0x76; // DW_OP_breg6 (rbp)
const CFA = 0x9c; // DW_OP_call_frame_cfa
const DEREF = 0x06;

/** "CFA = rsp + n; return address at CFA - 8; rbp unchanged": a function without a frame pointer. */
function frameless(n: number): UnwindRule {
  return { cfa: [[BREG7, n, 0]], returnAddress: [[CFA, 0, 0], [0x23, 0, 0], [0x11, -8, 0], [0x22, 0, 0]] as DwarfOp[], framePointer: 'same', signal: false };
}

/** A snapshot record's frames: ip, sp, rbp, then slot-tagged words. */
function record(ip: bigint, bp: bigint, words: [number, bigint][]): bigint[] {
  return [ip, SP, bp, ...words.map(([slot, w]) => (BigInt(slot) << BigInt(STACK_SLOT_SHIFT)) | w)];
}

/** Code at 0x1000..0x9000; the rule of each function by the address range it covers. */
function context(rules: [bigint, bigint, UnwindRule | string][]): UnwindContext {
  return {
    isCode: (a) => a >= 0x1000n && a < 0x9000n,
    ruleAt: (pc, isReturn) => {
      const at = isReturn ? pc - 1n : pc;
      return rules.find(([lo, hi]) => at >= lo && at < hi)?.[2] ?? 'no FDE';
    },
  };
}

describe('cfiUnwind', () => {
  const outermost: UnwindRule = { cfa: [[BREG7, 8, 0]], returnAddress: 'undefined', framePointer: 'undefined', signal: false };

  it('unwinds frames of KiBs through the return addresses at their slots, to the outermost frame', () => {
    // syscall wrapper (CFA sp+8) -> f (3 KiB frame) -> g (2 KiB) -> _start
    const rules: [bigint, bigint, UnwindRule][] = [[0x1000n, 0x2000n, frameless(8)], [0x2000n, 0x3000n, frameless(3080)], [0x3000n, 0x4000n, frameless(2056)], [0x4000n, 0x5000n, outermost]];
    const words: [number, bigint][] = [[0, 0x2010n], [7, 0x1234n], [1 + 3080 / 8 - 1, 0x3020n], [1 + 385 + 2056 / 8 - 1, 0x4030n]];
    const s = decodeSnapshot(record(0x1100n, 0n, words), 16384, false, false);
    const r = unwindSnapshot(s, context(rules));
    assert.deepEqual(r.addrs, [0x1100n, 0x2010n, 0x3020n, 0x4030n]);
    assert.equal(r.end, 'complete');
  });

  it('unwinds JIT code a perf map names by its frame pointer, and still checks each return address', () => {
    // syscall wrapper (CFA sp+8) -> JIT function (rbp frame at sp+0x100) -> _start
    const rules: [bigint, bigint, UnwindRule][] = [[0x1000n, 0x2000n, frameless(8)], [0x2000n, 0x3000n, FRAME_POINTER_RULE], [0x4000n, 0x5000n, outermost]];
    const bp = SP + 0x100n;
    const words: [number, bigint][] = [[0, 0x2010n], [0x100 / 8, SP + 0x200n], [0x100 / 8 + 1, 0x4030n]];
    const r = unwindSnapshot(decodeSnapshot(record(0x1100n, bp, words), 16384, false, false), context(rules));
    assert.deepEqual(r.addrs, [0x1100n, 0x2010n, 0x4030n]);
    assert.equal(r.end, 'complete');
    // the same frame whose saved return address is no code: the stack ends there, nothing guessed
    const bad = unwindSnapshot(decodeSnapshot(record(0x1100n, bp, [[0, 0x2010n], [0x100 / 8, SP + 0x200n], [0x100 / 8 + 1, SP + 0x300n]]), 16384, false, false), context(rules));
    assert.deepEqual(bad.addrs, [0x1100n, 0x2010n]);
    assert.equal(bad.end, 'not_code');
  });

  it('unwinds a CPython perf trampoline from rsp when rbp is unknown (an interpreter built without frame pointers)', () => {
    // recv (CFA sp+8) -> _PyEval_EvalFrameDefault (CFA sp+0x50) -> trampoline `sub $8, %rsp; call *%rcx`
    // -> py_trampoline_evaluator (CFA sp+0x28) -> _start
    const rules: [bigint, bigint, UnwindRule][] = [
      [0x1000n, 0x2000n, frameless(8)], [0x2000n, 0x3000n, frameless(0x50)], [0x3000n, 0x3100n, CPYTHON_TRAMPOLINE_RULE],
      [0x5000n, 0x6000n, frameless(0x28)], [0x4000n, 0x5000n, outermost],
    ];
    // the trampoline's sp is SP+0x58: its return address at sp+8 (slot 12), its padding word at sp (slot 11)
    const words: [number, bigint][] = [[0, 0x2010n], [0x50 / 8, 0x3005n], [11, SP + 0x900n], [12, 0x5010n], [(0x68 + 0x20) / 8, 0x4010n]];
    const r = unwindSnapshot(decodeSnapshot(record(0x1100n, 0n, words), 16384, false, false), context(rules));
    assert.deepEqual(r.addrs, [0x1100n, 0x2010n, 0x3005n, 0x5010n, 0x4010n], r.why);
    assert.equal(r.end, 'complete');
    // the rule the perf map's frames had before: it needs rbp, which the snapshot does not have
    const before = unwindSnapshot(decodeSnapshot(record(0x1100n, 0n, words), 16384, false, false), context(rules.map(([lo, hi, rule]) => [lo, hi, rule === CPYTHON_TRAMPOLINE_RULE ? FRAME_POINTER_RULE : rule])));
    assert.deepEqual(before.addrs, [0x1100n, 0x2010n, 0x3005n]);
    assert.equal(before.end, 'register_unknown');
  });

  it('gives a `push %rbp` CPython trampoline\'s caller the rbp it saved, and a `sub $8` one\'s caller its own', () => {
    // _PyEval_EvalFrameDefault (CFA sp+0x50, rbp left alone) -> trampoline -> an rbp-framed caller -> _start
    const withFp: UnwindRule = { cfa: [[BREG6, 16, 0]], returnAddress: [[CFA, 0, 0], [0x11, -8, 0], [0x22, 0, 0]] as DwarfOp[], framePointer: [[CFA, 0, 0], [0x11, -16, 0], [0x22, 0, 0]] as DwarfOp[], signal: false };
    const rules: [bigint, bigint, UnwindRule][] = [[0x2000n, 0x3000n, frameless(0x50)], [0x3000n, 0x3100n, CPYTHON_TRAMPOLINE_RULE], [0x5000n, 0x6000n, withFp], [0x4000n, 0x5000n, outermost]];
    const callerBp = SP + 0x400n;
    // `push %rbp; mov %rsp, %rbp`: rbp is the trampoline's sp (SP+0x50), where the caller's rbp was pushed
    const pushed: [number, bigint][] = [[0x48 / 8, 0x3005n], [0x50 / 8, callerBp], [0x58 / 8, 0x5010n], [0x408 / 8, 0x4010n]];
    const r = unwindSnapshot(decodeSnapshot(record(0x2100n, SP + 0x50n, pushed), 16384, false, false), context(rules));
    assert.deepEqual(r.addrs, [0x2100n, 0x3005n, 0x5010n, 0x4010n], r.why);
    // `sub $8, %rsp`: rbp is the caller's own (it points into the caller's frame), the word at sp is padding
    const padded: [number, bigint][] = [[0x48 / 8, 0x3005n], [0x50 / 8, SP + 0x700n], [0x58 / 8, 0x5010n], [0x408 / 8, 0x4010n]];
    const s = unwindSnapshot(decodeSnapshot(record(0x2100n, callerBp, padded), 16384, false, false), context(rules));
    assert.deepEqual(s.addrs, [0x2100n, 0x3005n, 0x5010n, 0x4010n], s.why);
  });

  it('says the window was too small when a return address lies beyond it', () => {
    const rules: [bigint, bigint, UnwindRule][] = [[0x1000n, 0x2000n, frameless(8)], [0x2000n, 0x3000n, frameless(8192)]];
    const s = decodeSnapshot(record(0x1100n, 0n, [[0, 0x2010n]]), 4096, false, false);
    const r = unwindSnapshot(s, context(rules));
    assert.deepEqual(r.addrs, [0x1100n, 0x2010n]);
    assert.equal(r.end, 'window_too_small');
    assert.match(r.why, /4096-byte snapshot/);
  });

  it('never shows a word that is not code as a frame, and stops where no rule covers a frame', () => {
    const rules: [bigint, bigint, UnwindRule][] = [[0x1000n, 0x2000n, frameless(8)]];
    const notCode = unwindSnapshot(decodeSnapshot(record(0x1100n, 0n, [[0, SP + 64n]]), 16384, false, false), context(rules));
    assert.deepEqual(notCode.addrs, [0x1100n]);
    assert.equal(notCode.end, 'not_code');
    const noRule = unwindSnapshot(decodeSnapshot(record(0x1100n, 0n, [[0, 0x6000n]]), 16384, false, false), context(rules));
    assert.deepEqual(noRule.addrs, [0x1100n, 0x6000n]);
    assert.equal(noRule.end, 'no_cfi');
  });

  it('goes through a signal frame (CFA and interrupted pc read from the saved context) and rbp-based frames', () => {
    // handler (CFA sp+16) returns to the trampoline; the trampoline's CFA is the saved rsp at
    // sp+160, the interrupted pc at sp+168, the saved rbp at sp+120 (glibc's __restore_rt)
    const trampoline: UnwindRule = {
      cfa: [[BREG7, 160, 0], [DEREF, 0, 0]], returnAddress: [[CFA, 0, 0], [BREG7, 168, 0]] as DwarfOp[], framePointer: [[CFA, 0, 0], [BREG7, 120, 0]] as DwarfOp[], signal: true,
    };
    // the interrupted function keeps a frame pointer: CFA = rbp + 16, rbp saved at CFA - 16
    const withFp: UnwindRule = { cfa: [[BREG6, 16, 0]], returnAddress: [[CFA, 0, 0], [0x11, -8, 0], [0x22, 0, 0]] as DwarfOp[], framePointer: [[CFA, 0, 0], [0x11, -16, 0], [0x22, 0, 0]] as DwarfOp[], signal: false };
    const rules: [bigint, bigint, UnwindRule][] = [[0x1000n, 0x2000n, frameless(16)], [0x2fffn, 0x3100n, trampoline], [0x5000n, 0x6000n, withFp], [0x7000n, 0x8000n, outermost]];
    const ctxBase = SP + 16n; // the trampoline's frame starts at the handler's CFA
    const interruptedSp = SP + 0x800n;
    const rbp = SP + 0x900n;
    const slot = (addr: bigint): number => Number((addr - SP) / 8n);
    const words: [number, bigint][] = [
      [1, 0x3000n], // the handler's return address: the trampoline
      [slot(ctxBase + 120n), rbp], [slot(ctxBase + 160n), interruptedSp], [slot(ctxBase + 168n), 0x5500n],
      [slot(rbp), SP + 0xa00n], [slot(rbp + 8n), 0x7100n], // the interrupted function's frame: saved rbp, return address
    ].sort((a, b) => (a[0] as number) - (b[0] as number)) as [number, bigint][];
    const r = unwindSnapshot(decodeSnapshot(record(0x1100n, 0n, words), 16384, false, false), context(rules));
    assert.deepEqual(r.addrs, [0x1100n, 0x3000n, 0x5500n, 0x7100n]);
    assert.equal(r.end, 'complete', r.why);
  });

  describe('a frame-pointer chain checked against the unwind tables', () => {
    // as libdw gives "CFA = rbp + 16": DW_OP_bregx 6 16
    const withFp: UnwindRule = { cfa: [[0x92, 6, 16]], returnAddress: [[CFA, 0, 0], [0x11, -8, 0], [0x22, 0, 0]] as DwarfOp[], framePointer: [[CFA, 0, 0], [0x11, -16, 0], [0x22, 0, 0]] as DwarfOp[], signal: false };
    // wrapper 0x1000 (frameless), fp functions 0x2000 and 0x4000, a function without a frame pointer at 0x3000, _start at 0x7000, 0x8000 has no table
    const ruleAt = context([[0x1000n, 0x2000n, frameless(8)], [0x2000n, 0x3000n, withFp], [0x3000n, 0x4000n, frameless(2056)], [0x4000n, 0x5000n, withFp], [0x7000n, 0x7100n, outermost]]).ruleAt;

    it('keeps every link the tables agree with, and a complete walk that ends in the outermost frame', () => {
      const r = checkFramePointerChain([0x1100n, 0x2010n], [0x4020n, 0x7010n], 'complete', ruleAt);
      assert.deepEqual(r, { addrs: [0x1100n, 0x2010n, 0x4020n, 0x7010n], end: 'complete', why: null });
    });

    it('ends the stack at a frame without a frame pointer instead of showing the chain above it', () => {
      // 0x3010 keeps no frame pointer: the rbp the walk went on from was its caller's caller's, so 0x4020 would hide a frame
      const r = checkFramePointerChain([0x1100n, 0x2010n], [0x3010n, 0x4020n, 0x7010n], 'complete', ruleAt);
      assert.deepEqual(r.addrs, [0x1100n, 0x2010n, 0x3010n]);
      assert.equal(r.end, 'frame_pointer');
      assert.match(r.why ?? '', /frame at 0x3010 keeps no frame pointer/);
      // the same from the syscall wrapper itself when the CFI found no return address above sp
      const fromIp = checkFramePointerChain([0x1100n], [0x4020n], null, ruleAt);
      assert.deepEqual([fromIp.addrs, fromIp.end], [[0x1100n], 'frame_pointer']);
    });

    it("keeps the walk's own end where it stopped by itself (a saved rbp of 0)", () => {
      const r = checkFramePointerChain([0x1100n, 0x2010n], [0x3010n], 'complete', ruleAt);
      assert.deepEqual(r, { addrs: [0x1100n, 0x2010n, 0x3010n], end: 'complete', why: null });
    });

    describe('and continued with its tail snapshot', () => {
      const mark = (v: bigint): bigint => (BigInt(STACK_TAIL_MARK) << BigInt(STACK_SLOT_SHIFT)) | v;
      const tagged = (slot: number, w: bigint): bigint => (BigInt(slot) << BigInt(STACK_SLOT_SHIFT)) | w;
      const base = SP + 0x400n;

      it('splits the tail from the frames, and a record without one is left whole', () => {
        const frames = [0x1100n, 0x2010n, 0x3010n, mark(base), mark(512n), tagged(19, 0x4020n), tagged(29, 0x7010n)];
        const { frames: own, tail } = splitTail(frames);
        assert.deepEqual(own, [0x1100n, 0x2010n, 0x3010n]);
        assert.deepEqual(tail, { base, readBytes: 512, words: new Map([[19, 0x4020n], [29, 0x7010n]]) });
        assert.deepEqual(splitTail([0x1100n, 0x2010n]), { frames: [0x1100n, 0x2010n], tail: null });
      });

      it("goes on from the walk's last frame (no frame pointer: glibc's start-up code) with CFI to the outermost frame", () => {
        // the walk ended on a saved rbp of 0 in 0x3010 (CFA sp+2056): its caller 0x4020 (withFp,
        // but its rbp is lost: a rule that needs it ends the stack), here frameless instead
        const ctx = context([[0x3000n, 0x4000n, frameless(160)], [0x4000n, 0x5000n, frameless(80)], [0x7000n, 0x7100n, outermost]]);
        const tail = { base, readBytes: 512, words: new Map([[19, 0x4020n], [29, 0x7010n], [3, 0x4444n]]) };
        const r = unwindTail([0x1100n, 0x2010n, 0x3010n], tail, ctx, false);
        assert.deepEqual(r.addrs, [0x1100n, 0x2010n, 0x3010n, 0x4020n, 0x7010n]);
        assert.equal(r.end, 'complete', r.why);
        // the tail could not be read: the stack says so, and keeps the frames the chain proved
        const unread = unwindTail([0x1100n, 0x2010n, 0x3010n], { base, readBytes: 0, words: new Map() }, ctx, false);
        assert.deepEqual([unread.addrs, unread.end], [[0x1100n, 0x2010n, 0x3010n], 'unreadable']);
        // a caller beyond the tail: cut, saying it was the tail that was too short
        const short = unwindTail([0x1100n, 0x2010n, 0x3010n], { base, readBytes: 128, words: new Map() }, ctx, false);
        assert.equal(short.end, 'window_too_small');
        assert.match(short.why, /beyond the 128-byte tail snapshot/);
      });
    });

    it('keeps links no table covers as the walk found them (nothing says otherwise)', () => {
      const r = checkFramePointerChain([0x1100n, 0x2010n], [0x8010n, 0x8020n], null, ruleAt);
      assert.deepEqual(r, { addrs: [0x1100n, 0x2010n, 0x8010n, 0x8020n], end: null, why: null });
    });
  });
});
