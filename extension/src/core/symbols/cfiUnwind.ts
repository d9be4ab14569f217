/**
 * Unwinds a sparse stack snapshot (StackFlag.snapshot: the words above sp that point into code or
 * into the stack, with their slots) with each module's CFI, the way a debugger does: from ip, sp
 * and rbp at the syscall, the CFA of each frame, then the return address at its slot. A frame is
 * shown only when its return address is read from a word the tracer sent and lies in the
 * process's code; otherwise the stack ends there and says why (StackEnd). Nothing is guessed.
 */
import { STACK_SLOT_SHIFT, STACK_TAIL_MARK, type StackEndName } from '../../../../protocol/generated/wire';
import type { DwarfOp, RegisterRule, UnwindRule } from './native';

/** A stack snapshot as the tracer sent it, decoded. */
export interface Snapshot {
  readonly ip: bigint;
  readonly sp: bigint;
  /** The frame-pointer register at the syscall; null when it held no stack address. */
  readonly bp: bigint | null;
  /** Word index above sp -> the word there (only words into code or into the stack were sent). */
  readonly words: ReadonlyMap<number, bigint>;
  /** Bytes of the window the tracer read. */
  readonly readBytes: number;
  /** Part of the window could not be read (the rest of the window was not scanned). */
  readonly unreadable: boolean;
  /** The snapshot had more words than the record holds: words above the last one are missing. */
  readonly full: boolean;
  /** What the words were read as, in an end's words (default: the --stack-window snapshot). */
  readonly label?: string;
}

/** What the unwinder asks of the trace: where code is, and the unwind rule at a code address. */
export interface UnwindContext {
  /** The address is in an executable mapping of the process. */
  isCode(addr: bigint): boolean;
  /**
   * The rule at pc (`isReturn`: pc is a return address, so the call before it is looked up);
   * a string saying why there is none (the module, read from the caller's point of view).
   */
  ruleAt(pc: bigint, isReturn: boolean): UnwindRule | string;
}

/** An unwound stack: its addresses (innermost first) and why it ends. */
export interface UnwoundStack {
  readonly addrs: bigint[];
  readonly end: StackEndName;
  /** The end in words, for the details pane and the report (module, address). */
  readonly why: string;
}

/**
 * The rule of code that keeps a frame pointer and has no unwind table: JIT code a runtime's perf map
 * names (V8's functions, CPython's perf trampolines), which sets up `push rbp; mov rbp, rsp` —
 * CFA = rbp + 16, the return address at rbp + 8, the caller's rbp at rbp. Its return address is
 * still checked like any other (a slot the tracer sent, inside the process's code).
 */
export const FRAME_POINTER_RULE: UnwindRule = { cfa: [[0x76, 16, 0]], returnAddress: [[0x76, 8, 0]], framePointer: [[0x76, 0, 0]], signal: false };

/**
 * A function of V8's embedded builtins (`Builtins_CEntry_Return1_ArgvOnStack_BuiltinExit`,
 * `Builtins_InterpreterEntryTrampoline`, ...): code V8 generates into the node binary's text with
 * no unwind table, which sets up frames as its JIT code does — V8's own stack walker follows rbp
 * through them. Where such a function calls out (its return address is in a stack) it stands by
 * FRAME_POINTER_RULE: a Node.js stack snapshot unwound with CFI went on from CEntry to the
 * JavaScript that called into C++, instead of ending there for want of an unwind table.
 */
export function isV8Builtin(fn: string | null | undefined): boolean {
  return fn?.startsWith('Builtins_') ?? false;
}

/**
 * The rule of a CPython 3.12+ perf trampoline (a `py::` entry of the perf map): a copy of
 * libpython's `_Py_trampoline_func_start`, which calls the evaluator with one word pushed below its
 * return address — `sub $8, %rsp; call *%rcx` in pyenv's and Debian's 3.12 and 3.13, `push %rbp;
 * mov %rsp, %rbp; call *%rcx` where it keeps a frame pointer. Either way, at its call's return
 * address CFA = rsp + 16 and the return address is at rsp + 8, so it unwinds without rbp (which an
 * interpreter built without frame pointers does not give back). The caller's rbp is the word at
 * rsp when the trampoline's own rbp points there (the `push %rbp` form), else rbp itself
 * (unwindSnapshot). In a frame-pointer chain it stands like FRAME_POINTER_RULE (keepsFramePointer:
 * the `sub` form's link skips only libpython's py_trampoline_evaluator, never a Python frame).
 */
export const CPYTHON_TRAMPOLINE_RULE: UnwindRule = { cfa: [[0x77, 16, 0]], returnAddress: [[0x77, 8, 0]], framePointer: 'same', signal: false };

/** Frames an unwind follows at most (deeper stacks end with depth_limit): a Python 3.12+ frame is some five native ones (its trampoline, the evaluator, the vectorcall), so an import 25 modules deep is 128. */
export const MAX_UNWIND_FRAMES = 512;

const SLOT_MASK = (1n << BigInt(STACK_SLOT_SHIFT)) - 1n;
const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const hex = (v: bigint): string => '0x' + v.toString(16);

/** Decode a snapshot record's frames (see the stack record in protocol/schema.json). */
export function decodeSnapshot(frames: readonly bigint[], readBytes: number, unreadable: boolean, full: boolean): Snapshot {
  const words = new Map<number, bigint>();
  for (const v of frames.slice(3)) words.set(Number(v >> BigInt(STACK_SLOT_SHIFT)), v & SLOT_MASK);
  const bp = frames[2] ?? 0n;
  return { ip: frames[0] ?? 0n, sp: frames[1] ?? 0n, bp: bp === 0n ? null : bp, words, readBytes, unreadable, full };
}

/** A frame-pointer stack's tail snapshot (StackFlag.tail): the code words above its chain's last frame. */
export interface TailSnapshot {
  /** The CFA of the chain's last frame: the caller's sp once that frame returned. */
  readonly base: bigint;
  /** Bytes above base the tracer read (0: none could be). */
  readonly readBytes: number;
  /** Word index above base -> the word there (only words into code were sent). */
  readonly words: ReadonlyMap<number, bigint>;
}

/**
 * Split a frame-pointer stack record's frames from the tail snapshot that follows them (see the
 * stack record in protocol/schema.json): two header words marked STACK_TAIL_MARK above the slot
 * bits, then `slot << STACK_SLOT_SHIFT | word` words. `tail` is null when the record has none.
 */
export function splitTail(frames: readonly bigint[]): { frames: readonly bigint[]; tail: TailSnapshot | null } {
  const mark = BigInt(STACK_TAIL_MARK);
  const at = frames.findIndex((v) => v >> BigInt(STACK_SLOT_SHIFT) === mark);
  if (at < 0 || at + 1 >= frames.length || frames[at + 1] >> BigInt(STACK_SLOT_SHIFT) !== mark) return { frames, tail: null };
  const words = new Map<number, bigint>();
  for (const v of frames.slice(at + 2)) words.set(Number(v >> BigInt(STACK_SLOT_SHIFT)), v & SLOT_MASK);
  return { frames: frames.slice(0, at), tail: { base: frames[at] & SLOT_MASK, readBytes: Number(frames[at + 1] & SLOT_MASK), words } };
}

/** Why evaluation stopped (an unwind end and its words). */
class Stop extends Error {
  constructor(readonly end: StackEndName, readonly why: string) {
    super(why);
  }
}

interface Regs {
  sp: bigint;
  bp: bigint | null;
}

/** The word at addr, from the snapshot; a Stop saying why when it is not there. */
function readWord(s: Snapshot, addr: bigint, what: string): bigint {
  const off = addr - s.sp;
  if (off < 0n || off % 8n !== 0n) throw new Stop('not_code', `${what} at ${hex(addr)} is not a slot of the stack above sp`);
  const slot = Number(off / 8n);
  const word = s.words.get(slot);
  if (word !== undefined) return word;
  if (off >= BigInt(s.readBytes)) {
    if (s.unreadable) throw new Stop('unreadable', `${what} is at sp+${off}, beyond the ${s.readBytes} bytes of stack the tracer could read`);
    throw new Stop('window_too_small', `${what} is at sp+${off}, beyond the ${s.readBytes}-byte ${s.label ?? 'snapshot (--stack-window)'}`);
  }
  if (s.full) throw new Stop('snapshot_full', `${what} is at sp+${off}, past the words the snapshot record could hold`);
  throw new Stop('not_code', `${what} at sp+${off} holds neither code nor a stack address`);
}

/** Evaluate a DWARF expression (the subset CFI uses); `location`: the result is an address to read. */
function evaluate(ops: readonly DwarfOp[], regs: Regs, cfa: bigint | null, s: Snapshot, what: string): { value: bigint; location: boolean } {
  const stack: bigint[] = [];
  let location = true;
  const pop = (): bigint => {
    const v = stack.pop();
    if (v === undefined) throw new Stop('no_cfi', `the unwind rule for ${what} is malformed`);
    return v;
  };
  const reg = (n: number): bigint => {
    if (n === 7) return regs.sp;
    if (n === 6 && regs.bp !== null) return regs.bp;
    throw new Stop('register_unknown', `the unwind rule for ${what} needs register ${n === 6 ? 'rbp' : `#${n}`}, which the snapshot does not have`);
  };
  for (const [atom, n1, n2] of ops) {
    if (atom >= 0x30 && atom <= 0x4f) stack.push(BigInt(atom - 0x30)); // DW_OP_lit0..31
    else if (atom >= 0x70 && atom <= 0x8f) stack.push(U64(reg(atom - 0x70) + BigInt(n1))); // DW_OP_breg0..31
    else if (atom >= 0x08 && atom <= 0x11) stack.push(U64(BigInt(n1))); // DW_OP_const*
    else if (atom === 0x92) stack.push(U64(reg(n1) + BigInt(n2))); // DW_OP_bregx
    else if (atom === 0x9c) {
      if (cfa === null) throw new Stop('no_cfi', `the unwind rule for ${what} uses the CFA where it is not known`);
      stack.push(cfa); // DW_OP_call_frame_cfa
    } else if (atom === 0x06) stack.push(readWord(s, pop(), `${what} (a saved pointer)`)); // DW_OP_deref
    else if (atom === 0x12) {
      const v = pop();
      stack.push(v, v); // DW_OP_dup
    } else if (atom === 0x22) stack.push(U64(pop() + pop())); // DW_OP_plus
    else if (atom === 0x1c) {
      const b = pop();
      stack.push(U64(pop() - b)); // DW_OP_minus
    } else if (atom === 0x23) stack.push(U64(pop() + BigInt(n1))); // DW_OP_plus_uconst
    else if (atom === 0x9f) location = false; // DW_OP_stack_value
    else throw new Stop('no_cfi', `the unwind rule for ${what} uses DWARF operation 0x${atom.toString(16)}, which this unwinder does not evaluate`);
  }
  return { value: pop(), location };
}

/** A caller's register by its rule; null when it cannot be recovered (only an error if used later). */
function recover(rule: RegisterRule, current: bigint | null, regs: Regs, cfa: bigint, s: Snapshot, what: string): bigint | null {
  if (rule === 'undefined') return null;
  if (rule === 'same') return current;
  try {
    const r = evaluate(rule, regs, cfa, s, what);
    if (!r.location) return r.value;
    const off = r.value - s.sp;
    // a saved general register that holds no stack address was not sent: unknown, not wrong
    return off >= 0n && off % 8n === 0n ? s.words.get(Number(off / 8n)) ?? null : null;
  } catch (e) {
    if (e instanceof Stop) return null;
    throw e;
  }
}

/**
 * The rbp of a CPython trampoline's caller: a `push %rbp; mov %rsp, %rbp` trampoline points rbp at
 * its saved rbp, at its rsp below the return address; a `sub $8, %rsp` one leaves rbp alone (its
 * caller's rbp points into the caller's frame, above the trampoline's CFA, never at its rsp).
 */
function trampolineCallerBp(regs: Regs, s: Snapshot): bigint | null {
  if (regs.bp !== regs.sp) return regs.bp;
  const off = regs.sp - s.sp;
  return off >= 0n && off % 8n === 0n ? s.words.get(Number(off / 8n)) ?? null : null;
}

/**
 * Unwind a snapshot: every frame proven by its module's CFI, or the stack ends with the reason.
 * `ipIsReturn`: s.ip is a return address (a tail snapshot goes on from a chain's last frame), so
 * its rule is looked up at the call before it.
 */
export function unwindSnapshot(s: Snapshot, ctx: UnwindContext, ipIsReturn = false): UnwoundStack {
  const addrs = [s.ip];
  let regs: Regs = { sp: s.sp, bp: s.bp };
  let pc = s.ip;
  let isReturn = ipIsReturn;
  for (;;) {
    if (addrs.length >= MAX_UNWIND_FRAMES) return { addrs, end: 'depth_limit', why: `more than ${MAX_UNWIND_FRAMES} frames` };
    const rule = ctx.ruleAt(pc, isReturn);
    if (typeof rule === 'string') return { addrs, end: 'no_cfi', why: rule };
    if (rule.returnAddress === 'undefined' || !rule.cfa.length) return { addrs, end: 'complete', why: 'the outermost frame' };
    try {
      const what = `the frame at ${hex(pc)}`;
      const cfaResult = evaluate(rule.cfa, regs, null, s, `the CFA of ${what}`);
      const cfa = cfaResult.value;
      if (!rule.signal && cfa <= regs.sp) throw new Stop('not_code', `the CFA of ${what} (${hex(cfa)}) is not above its sp`);
      if (rule.returnAddress === 'same') throw new Stop('no_cfi', `the unwind rule of ${what} keeps its return address in a register`);
      const raLoc = evaluate(rule.returnAddress, regs, cfa, s, `the return address of ${what}`);
      const ra = raLoc.location ? readWord(s, raLoc.value, `the return address of ${what}`) : raLoc.value;
      if (!ctx.isCode(ra)) throw new Stop('not_code', `the return address of ${what} (${hex(ra)}) is in no executable mapping`);
      const bp = rule === CPYTHON_TRAMPOLINE_RULE ? trampolineCallerBp(regs, s) : recover(rule.framePointer, regs.bp, regs, cfa, s, `the saved rbp of ${what}`);
      addrs.push(ra);
      // after a signal frame the "return address" is the interrupted pc itself
      isReturn = !rule.signal;
      pc = ra;
      regs = { sp: cfa, bp: bp !== null && bp >= s.sp ? bp : null };
    } catch (e) {
      if (e instanceof Stop) return { addrs, end: e.end, why: e.why };
      throw e;
    }
  }
}

/**
 * The rule is that of a frame with a frame pointer: CFA = rbp + 16 (after `push rbp; mov rbp, rsp`),
 * so the saved rbp at rbp and the return address at rbp + 8 are its own and a frame-pointer walk
 * through it finds its caller. libdw gives "register + offset" as DW_OP_bregx; ours as DW_OP_breg6.
 */
export function keepsFramePointer(rule: UnwindRule): boolean {
  if (rule === CPYTHON_TRAMPOLINE_RULE) return true;
  if (rule.cfa.length !== 1) return false;
  const [atom, n1, n2] = rule.cfa[0];
  return (atom === 0x76 && n1 === 16) || (atom === 0x92 && n1 === 6 && n2 === 16);
}

/**
 * The rule of a Go function at one of its calls. Go's `.debug_frame` computes every CFA from rsp
 * (CFA = rsp + frame size) and says nothing of rbp, yet on amd64 every Go function with a frame
 * saves rbp just below its return address and points rbp there (the compiler's prologue, and the
 * assembler's for assembly functions with a frame): CFA = rbp + 16, as FRAME_POINTER_RULE. A
 * frame of 8 bytes (the return address alone: a frameless function such as the runtime's system
 * call stubs) keeps no frame pointer, and keeps its own rule.
 */
export function goFrameRule(rule: UnwindRule): UnwindRule {
  if (rule.cfa.length !== 1) return rule;
  const [atom, n1, n2] = rule.cfa[0];
  const rspOffset = atom === 0x77 ? n1 : atom === 0x92 && n1 === 7 ? n2 : null;
  return rspOffset !== null && rspOffset >= 16 ? FRAME_POINTER_RULE : rule;
}

/** A frame-pointer stack checked against the unwind tables; `end` null when the walk did not say. */
export interface CheckedChain {
  readonly addrs: bigint[];
  readonly end: StackEndName | null;
  readonly why: string | null;
}

/**
 * A frame-pointer walk's stack, each link checked against the unwind table of the frame it leaves.
 * `start`: the instruction pointer and the return addresses proven by CFI (the frameless functions
 * under it); `chain`: the return addresses the walk read at rbp + 8, outward. A link stands where
 * the frame's table says its CFA is rbp + 16 (it keeps a frame pointer), or where no table covers
 * it (nothing says otherwise). Where the table computes the CFA otherwise the function keeps no
 * frame pointer, rbp is an outer function's (or a general register), and the chain's next address
 * would skip its caller or be no frame at all: the stack ends there, saying so. Where the walk
 * itself stopped, its own end stands (a saved rbp of 0 in glibc's __libc_start_call_main leaves
 * out its two callers, which only a snapshot would give).
 */
export function checkFramePointerChain(
  start: readonly bigint[], chain: readonly bigint[], end: StackEndName | null, ruleAt: UnwindContext['ruleAt'],
  /** An address in words (its module, when the caller knows it). */
  where: (pc: bigint) => string = hex,
): CheckedChain {
  const addrs = [...start];
  /** Why the walk cannot go on from the last frame ('outermost' when it has no caller); null when it can. */
  const verdict = (): string | null => {
    const pc = addrs[addrs.length - 1];
    const rule = ruleAt(pc, addrs.length > 1);
    if (typeof rule === 'string' || keepsFramePointer(rule)) return null;
    if (rule.returnAddress === 'undefined' || !rule.cfa.length) return 'outermost';
    return `the frame at ${where(pc)} keeps no frame pointer (its unwind table computes the CFA otherwise), so the frame-pointer walk cannot give its caller`;
  };
  for (const ra of chain) {
    const bad = verdict();
    if (bad === 'outermost') return { addrs, end: 'complete', why: null };
    if (bad) return { addrs, end: 'frame_pointer', why: bad };
    addrs.push(ra);
  }
  return { addrs, end, why: null };
}

/**
 * A frame-pointer chain (`addrs`, checked, its last frame the one the walk ended at) continued with
 * its tail snapshot: from the last return address, with the CFA of its callee as sp, each caller
 * proven by its module's CFI up to the frame whose rule says the return address is undefined
 * (_start, clone3's child), or the stack ends saying why. `full`: the record lost words.
 */
export function unwindTail(addrs: readonly bigint[], tail: TailSnapshot, ctx: UnwindContext, full: boolean): UnwoundStack {
  const s: Snapshot = {
    ip: addrs[addrs.length - 1], sp: tail.base, bp: null, words: tail.words, readBytes: tail.readBytes,
    unreadable: tail.readBytes === 0, full, label: 'tail snapshot kept above the frame-pointer chain',
  };
  const u = unwindSnapshot(s, ctx, true);
  return { addrs: [...addrs.slice(0, -1), ...u.addrs], end: u.end, why: u.why };
}
