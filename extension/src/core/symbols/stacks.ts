/**
 * Stack ids to source lines. Unwinds the tracer's stack snapshots with the modules' CFI
 * (cfiUnwind.ts); on a frame-pointer stack, picks the true return address of a frameless syscall
 * wrapper among the tracer's candidates (from the wrapper's unwind table) and checks the chain's
 * links against the unwind tables. Maps addresses to files through the
 * process's memory maps, checks that each file is still the one that was mapped (build-id), and
 * resolves through the native symbolizer, caching by (file identity, offset). Go binaries' frames
 * take their function and line from the binary's `.gopclntab` (goPclntab.ts) where libdw has no
 * line, and their frames keep frame pointers whatever their `.debug_frame` says (goFrameRule).
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { STACK_WINDOW_MAX, StackEndNames, StackFlag, type StackEndName } from '../../../../protocol/generated/wire';
import type { FrameInfo } from '../../../../protocol/messages';
import type { StackInfo, TraceAssembler } from '../model/assembler';
import { fileOffset, type MemoryMap } from '../model/maps';
import { checkFramePointerChain, CPYTHON_TRAMPOLINE_RULE, decodeSnapshot, FRAME_POINTER_RULE, goFrameRule, isV8Builtin, splitTail, unwindSnapshot, unwindTail, type UnwindContext } from './cfiUnwind';
import { cachedDebuginfo, type DebuginfodClient } from './debuginfod';
import { elfLoad, offsetOf, vaddrOf, type ElfLoad } from './elfLoad';
import { GoPclntab } from './goPclntab';
import type { CfaRule, NativeSymbolizer, ResolvedFrame, UnwindRule } from './native';
import type { PerfMaps } from './perfMap';
import { JsSources, jsCalleeOf } from './jsCallLine';
import { calleeOf } from './pythonCallee';
import { PythonDefs } from './pythonDefs';
import { vdsoFileFor, type VdsoImage } from './vdso';

/**
 * The file systems of processes in other mount namespaces (containers), while they can be read:
 * `fileOf` gives a binary's path as the process sees it, made readable here; `symbolizerOf` reads
 * with the container's debug directories first.
 */
export interface ProcessRoots {
  /** The readable path of `path` in process `pid`'s file system; null when it has none of its own; a string problem when it cannot be read. */
  fileOf(pid: number, path: string): { file: string } | { problem: string } | null;
  /** The symbolizer for binaries read from process `pid`'s file system. */
  symbolizerOf(pid: number): NativeSymbolizer | null;
}

/** One frame of a resolved stack (inlined calls are frames of their own). */
export interface StackFrame {
  readonly addr: bigint;
  readonly function: string | null;
  /** Absolute source path. */
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  /** The binary the address is in. */
  readonly module: string | null;
  readonly inlined: boolean;
  /** Why this frame has no source line, when it has none. */
  readonly problem: string | null;
  /**
   * The frame's address in its module's ELF image (the call's, for a return address): what
   * `addr2line -e MODULE` takes, the same in every run of a PIE; absent when the module's file
   * could not be read.
   */
  readonly imageAddr?: number;
}

/** A frame's fields as the JSON lines and the details pane show them (the address in hex). */
export function frameFields(f: StackFrame): Omit<FrameInfo, 'index' | 'openable' | 'problem'> {
  return { addr: '0x' + f.addr.toString(16), function: f.function, file: f.file, line: f.line, column: f.column, module: f.module, inlined: f.inlined };
}

/** A resolved stack, innermost frame first. */
export interface ResolvedStack {
  readonly frames: readonly StackFrame[];
  /** The stack does not reach the thread's first frame (`end` says why). */
  readonly truncated: boolean;
  /** Why it ends; absent or null when the trace does not say (written before this was kept). */
  readonly end?: StackEndName | null;
  /** The end in words (the module and address where it stopped), when known. */
  readonly why?: string | null;
}

/** Why a stack ends, in words for the report and the details pane. */
export const STACK_END_TEXT: Readonly<Record<StackEndName, string>> = {
  complete: 'complete',
  window_too_small: `stack cut: a caller lies beyond the stack snapshot (--stack-window, at most ${STACK_WINDOW_MAX} bytes)`,
  no_cfi: 'stack cut: no unwind information for a frame',
  unreadable: 'stack cut: stack memory could not be read',
  not_code: 'stack cut: a return address is not in the program\'s code',
  depth_limit: 'stack cut: too many frames',
  snapshot_full: 'stack cut: the snapshot had more words than a record holds',
  frame_pointer: 'stack cut: the frame-pointer walk ended before the outermost frame, or at a function without a frame pointer',
  register_unknown: 'stack cut: an unwind rule needs a register the snapshot does not have',
};

/** Why a stack stops short, in words (with where, when known); null when it is complete or the trace does not say. */
export function stackEndText(stack: ResolvedStack | undefined): string | null {
  if (!stack?.end || stack.end === 'complete') return null;
  return stack.why ? `${STACK_END_TEXT[stack.end]}: ${stack.why}` : STACK_END_TEXT[stack.end];
}

/** The end of a frame-pointer stack (no snapshot) from its flags; null when they do not say. */
function fpEnd(flags: number): StackEndName | null {
  if (flags & StackFlag.complete) return 'complete';
  if (flags & StackFlag.truncated) return 'depth_limit';
  if (flags & StackFlag.bad_frame_pointer) return 'frame_pointer';
  return null;
}

interface ModuleState {
  readonly key: string;
  /** The file read for it: the mapped path, its copy found in a search directory, or the path in its container. */
  readonly file: string;
  /** Reads it (a container's files are read with the container's debug directories). */
  readonly symbolizer: NativeSymbolizer | null;
  readonly problem: string | null;
  readonly noLines: boolean;
}

const UNMAPPED = 'address in no known executable mapping';
/** The entry stub's bytes in which a call starts the process (x86-64 `_start`: a few moves, then the call). */
const ENTRY_STUB_BYTES = 32;
/** The rule of the process's first frame: no caller (its return address is undefined). */
const ENTRY_RULE: UnwindRule = { cfa: [], returnAddress: 'undefined', framePointer: 'undefined', signal: false };
/** A frame's problem in a module without line information, before the module's path. */
export const NO_DEBUG_INFO = 'no debug information for ';
/** A snapshot's word this little above its sp points into the stack (a thread's stack is at most this big here). */
const STACK_SPAN = 1n << 30n;
/** A frame in JIT code the process's perf map does not name (yet: it is read again later). */
const NOT_IN_PERF_MAP = 'anonymous executable memory (JIT?)';
/** A Python frame's line is its function's def: CPython's perf map names no line inside a function. */
const PYTHON_DEF_LINE = 'the line of the function\'s def: CPython\'s perf map names no line inside it';
/** A runtime frame's line is the one line of its function that calls `callee`, as its source says: `why` the runtime did not name it. */
function runtimeCallLine(callee: string, why: string): string {
  return `the line of the function's one call of ${callee}(), from its source: ${why}`;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

/** Resolves the stacks of one trace. */
export class StackResolver {
  private readonly modules = new Map<string, ModuleState>();
  private readonly cache = new Map<string, ResolvedFrame[]>();
  private readonly rules = new Map<string, UnwindRule | null>();
  private readonly resolved = new Map<bigint, ResolvedStack>();
  /** Each module's entry point as a file offset (null: none, or not read). */
  /** Each module's loadable segments and entry point, read once. */
  private readonly loads = new Map<string, ElfLoad | null>();
  /** Python source files read for their functions' def and call lines. */
  private readonly pythonDefs = new PythonDefs();
  /** JavaScript source files parsed for the lines of their functions' calls. */
  private readonly jsSources = new JsSources();
  /** Go binaries' tables by module key (null: not Go, or a layout not read). */
  private readonly goTables = new Map<string, GoPclntab | null>();
  /** Binaries read from the search path instead of their mapped path: mapped path -> what was used. */
  readonly substitutions = new Map<string, { file: string; verified: boolean }>();
  /** Modules without lines that have a build-id: what debuginfod is asked for (build-id -> mapped path). */
  private readonly wanted = new Map<string, string>();
  private readonly asked = new Set<string>();
  /** Modules whose lines debuginfod supplied: mapped path -> where from (a server, or the client cache). */
  readonly fromDebuginfod = new Map<string, string>();
  /** Modules debuginfod had nothing for: mapped path -> why, per server. */
  readonly debuginfodProblems = new Map<string, string>();

  constructor(
    private readonly trace: Pick<TraceAssembler, 'stacks' | 'maps' | 'symbols'> & Partial<Pick<TraceAssembler, 'processes'>>,
    private readonly symbolizer: NativeSymbolizer | null,
    /** Why there is no symbolizer (shown on frames it would have resolved). */
    private readonly symbolizerError: string | null = null,
    /**
     * Where else to look for the binaries of a trace recorded on another machine (a device, a
     * guest, a container): in each directory, the mapped path under it (a sysroot) and the file's
     * name; a candidate is used only when its build-id is the one the process ran.
     */
    private readonly searchPath: readonly string[] = [],
    /** Containers' file systems, while the trace is recorded (TracePipeline's `liveRoots`). */
    private readonly roots: ProcessRoots | null = null,
    /** The runtimes' perf maps, while the trace is recorded: names of frames in JIT code. */
    private readonly perfMaps: PerfMaps | null = null,
    /** The vdso image standing for the processes' vdso, while the trace is recorded on this machine (vdso.ts). */
    private readonly vdso: (() => VdsoImage | { problem: string }) | null = null,
    /** Where modules without lines get their debug files (opt-in; fetchDebugInfo), else null. */
    private readonly debuginfod: DebuginfodClient | null = null,
  ) {}

  /** The stack, or undefined when its record was never received (lost or not taken). */
  resolve(stackId: bigint): ResolvedStack | undefined {
    if (stackId === 0n) return undefined;
    const done = this.resolved.get(stackId);
    if (done) return done;
    const fromFile = this.trace.symbols.get(stackId);
    let result: ResolvedStack | undefined;
    // a symbol section written without a module's lines that debuginfod supplied: from the binaries
    if (fromFile && !(this.debuginfod && this.debuginfodSupplies(stackId, fromFile))) {
      result = this.fromSymbolSection(stackId);
    } else {
      const info = this.trace.stacks.get(stackId);
      if (!info) return undefined;
      result = this.fromAddresses(info);
    }
    // an address outside every known mapping may be in one whose map record has not arrived yet,
    // JIT code in a perf map entry not read yet
    if (!result.frames.some((f) => f.problem === UNMAPPED || f.problem?.startsWith(`${NOT_IN_PERF_MAP}: `))) this.resolved.set(stackId, result);
    return result;
  }

  /**
   * A stack of the trace's symbol section has frames without lines in a module whose lines
   * debuginfod supplied (so it is resolved again from the binaries). Its other modules without
   * lines that are here, with the build-id that ran, are noted for fetchDebugInfo.
   */
  private debuginfodSupplies(stackId: bigint, recs: readonly { addr: bigint; strings: readonly string[] }[]): boolean {
    const info = this.trace.stacks.get(stackId);
    if (!info) return false;
    let supplied = false;
    for (const r of recs) {
      if (!r.strings[3]?.startsWith(NO_DEBUG_INFO)) continue;
      const m = this.trace.maps.find(info.pid, r.addr, info.gen);
      if (!m || m.anonymous || m.vdso) continue;
      this.module(m);
      if (this.fromDebuginfod.has(m.path)) supplied = true;
    }
    return supplied;
  }

  /** The substitutions in words, one line each (for a report's notes). */
  substitutionNotes(): string[] {
    return [...this.substitutions].map(([path, s]) =>
      s.verified ? `${path}: read from ${s.file} (same build-id)` : `${path}: read from ${s.file}, matched by name only (the trace has no build-id for it: kernels before 6.11 do not give one)`,
    );
  }

  /**
   * The stack holds an address in no file mapping — code a runtime compiled (JIT), which only its
   * perf map names — or in a mapping not known yet. Words of a snapshot that point into the stack
   * itself (at most STACK_SPAN above its sp) are not code.
   */
  holdsAnonymousCode(stackId: bigint): boolean {
    const info = this.trace.stacks.get(stackId);
    if (!info) return false;
    const snap = info.flags & StackFlag.snapshot ? decodeSnapshot(info.frames, 0, false, false) : null;
    const { frames, tail } = splitTail(info.frames);
    const addrs = snap ? [snap.ip, ...snap.words.values()] : [...frames, ...(tail?.words.values() ?? [])];
    return addrs.some((a) => {
      if (snap && a >= snap.sp && a - snap.sp < STACK_SPAN) return false;
      const m = this.trace.maps.find(info.pid, a, info.gen);
      return !m || m.anonymous;
    });
  }

  /**
   * The function whose code is at `addr` in process `pid` now (a signal handler's, as installed):
   * its own frame, not an inlined one; undefined when the address is in no file mapping or its
   * module cannot be read.
   */
  codeAt(pid: number, addr: bigint): StackFrame | undefined {
    const m = this.trace.maps.find(pid, addr);
    if (!m || m.anonymous || m.vdso) return undefined;
    const mod = this.module(m);
    if (mod.problem || !mod.symbolizer) return undefined;
    const off = fileOffset(m, addr);
    const found = this.functionsAt(mod, off);
    const f = found?.[found.length - 1];
    if (!f) return undefined;
    const load = this.load(mod);
    const imageAddr = load ? vaddrOf(load, off) : null;
    return { addr, module: m.path, function: f.function, file: f.file, line: f.line, column: f.column, inlined: false, problem: null, ...(imageAddr === null ? {} : { imageAddr }) };
  }

  /** The stack was resolved for good (every address in a known mapping): resolve() answers from its cache. */
  settled(stackId: bigint): boolean {
    return this.resolved.has(stackId);
  }

  /**
   * Fetch from debuginfod the debug files of the modules seen without lines (each build-id once),
   * then forget what was resolved from those modules so their frames are resolved again. Resolves
   * with whether any arrived; never rejects (each failure is kept in debuginfodProblems).
   */
  async fetchDebugInfo(): Promise<boolean> {
    const client = this.debuginfod;
    if (!client) return false;
    const todo = [...this.wanted];
    this.wanted.clear();
    for (const [id] of todo) this.asked.add(id);
    const got = await Promise.all(todo.map(async ([id, path]) => ({ path, result: await client.fetch(id) })));
    let arrived = false;
    for (const { path, result } of got) {
      if ('file' in result) {
        arrived = true;
        this.fromDebuginfod.set(path, result.url);
      } else {
        this.debuginfodProblems.set(path, result.problems.join('; '));
      }
    }
    if (!arrived) return false;
    // a module is keyed by its path when the trace has no build-id for it: forget every one (once per fetch)
    this.symbolizer?.clear();
    this.modules.clear();
    this.cache.clear();
    this.resolved.clear();
    return true;
  }

  /** Forget results, e.g. after more memory maps arrived. */
  invalidate(): void {
    this.resolved.clear();
  }

  /**
   * The addresses of a frame-pointer stack: the instruction pointer, then the return addresses of
   * the frameless functions between it and the first function with a frame pointer (found among
   * the tracer's candidate words by unwinding with each function's CFI), then the frame-pointer
   * chain, each of its links checked against the unwind table of the frame it leaves
   * (checkFramePointerChain): a chain the tables contradict ends the stack, saying why. Where the
   * walk itself ended (a saved rbp of 0, or no frame pointer above), the stack goes on with CFI
   * from the tail snapshot the tracer kept above the last frame (unwindTail): glibc's start-up
   * frames and a thread's start_thread keep no frame pointer.
   */
  private chainAddresses(info: StackInfo): { addrs: bigint[]; end: StackEndName | null; why: string | null } {
    const { frames, tail } = splitTail(info.frames);
    const ncand = popcount(info.spSlots);
    const ip = frames[0];
    const words = new Map<number, bigint>();
    let k = 1;
    for (let slot = 0; slot < 32 && k <= ncand; slot++) {
      if (info.spSlots & (1 << slot)) words.set(slot, frames[k++]);
    }
    const chain = frames.slice(1 + ncand);
    const start = [ip, ...this.unwindFrameless(info, ip, words)];
    // the chain's first links may be frames CFI already proved (Go's tables compute every CFA
    // from rsp, so the frameless unwind goes on through frames that have a frame pointer): the
    // longest run of the chain's head that ends the proven frames is theirs, not new frames
    for (let k = Math.min(chain.length, start.length - 1); k > 0; k--) {
      if (chain.slice(0, k).every((a, i) => a === start[start.length - k + i])) {
        chain.splice(0, k);
        break;
      }
    }
    const where = (pc: bigint): string => {
      const m = this.trace.maps.find(info.pid, pc, info.gen);
      return `0x${pc.toString(16)}${m?.path ? ` in ${basename(m.path)}` : ''}`;
    };
    const checked = checkFramePointerChain(start, chain, fpEnd(info.flags), (pc, isReturn) => this.ruleAt(info, pc, isReturn), where);
    // the tail goes on from the walk's own last frame only: a chain the tables cut ends where they cut it
    if (!tail || checked.addrs.length !== start.length + chain.length) return checked;
    const u = unwindTail(checked.addrs, tail, this.unwindContext(info), (info.flags & StackFlag.snapshot_full) !== 0);
    return { addrs: u.addrs, end: u.end, why: u.end === 'complete' ? null : u.why };
  }

  /** Unwind through frameless functions using the candidate words above sp (slot = 8-byte index). */
  private unwindFrameless(info: StackInfo, ip: bigint, words: Map<number, bigint>): bigint[] {
    if (!words.size) return [];
    const out: bigint[] = [];
    let pc = ip;
    let spOffset = 0; // the current frame's sp, in bytes above the sp at syscall entry
    for (let step = 0; step < 16; step++) {
      const rule = this.cfaAt(info, pc, step > 0);
      if (rule === undefined) {
        // no unwind information: trust only the word at sp, and only for the first frame
        if (step === 0 && words.has(0) && this.trace.maps.find(info.pid, words.get(0) as bigint, info.gen)) out.push(words.get(0) as bigint);
        break;
      }
      if (rule === null || rule.register !== 'rsp') break; // this function has a frame: the chain goes on from here
      const at = spOffset + rule.offset - 8;
      if (at < 0 || at % 8 !== 0) break;
      const ret = words.get(at / 8);
      if (ret === undefined) break; // the return address is outside the words the tracer read
      out.push(ret);
      pc = ret;
      spOffset += rule.offset;
    }
    return out;
  }

  /** CFA rule at pc (pc-1 for a return address); undefined when nothing can say, null for no rule. */
  private cfaAt(info: StackInfo, pc: bigint, isReturn: boolean): CfaRule | null | undefined {
    const m = this.trace.maps.find(info.pid, pc, info.gen);
    if (!m || m.anonymous) return undefined;
    const mod = this.module(m);
    if (!mod.symbolizer || mod.problem) return undefined;
    try {
      return mod.symbolizer.cfa(mod.file, [fileOffset(m, pc) - (isReturn ? 1 : 0)])[0];
    } catch {
      return undefined;
    }
  }

  private module(m: MemoryMap): ModuleState {
    if (m.vdso) return this.vdsoModule(m);
    // a container's /app/server is not the host's: its files are told apart by the process's root
    const inRoot = this.roots?.fileOf(m.pid, m.path) ?? null;
    const id = `${m.path}\0${m.ino}\0${m.buildId ?? ''}${inRoot ? `\0${'file' in inRoot ? inRoot.file : m.pid}` : ''}`;
    const known = this.modules.get(id);
    if (known) return known;
    let problem: string | null = null;
    let noLines = false;
    let file = m.path;
    const symbolizer = inRoot && 'file' in inRoot ? this.roots?.symbolizerOf(m.pid) ?? this.symbolizer : this.symbolizer;
    if (!symbolizer) {
      problem = this.symbolizerError ?? 'no symbolizer';
    } else {
      const copy = this.findCopy(m);
      if (copy) file = copy;
      else if (inRoot && 'file' in inRoot) file = inRoot.file;
      if (inRoot && 'problem' in inRoot && !copy) {
        problem = `${m.path}: ${inRoot.problem}`;
      } else if (!existsSync(file)) {
        problem = m.deleted ? `${m.path} was deleted after it was mapped` : `${m.path} is not there`;
        if (this.searchPath.length) problem += ` (nor, with build-id ${m.buildId ?? 'unknown'}, in ${this.searchPath.join(', ')})`;
      } else {
        try {
          const info = symbolizer.inspect(file);
          if (m.buildId && info.buildId && info.buildId !== m.buildId) {
            problem = `${m.path} was replaced after it was mapped (build-id ${info.buildId}, the process runs ${m.buildId})`;
          } else if (file === m.path && !m.buildId && m.ino && statSync(m.path).ino !== m.ino) {
            problem = `${m.path} was replaced after it was mapped (different inode)`;
          }
          noLines = !info.hasLines;
          const buildId = m.buildId ?? info.buildId;
          if (this.debuginfod && buildId && info.debugFile === cachedDebuginfo(this.debuginfod.options.cacheDir, buildId)) {
            if (!this.fromDebuginfod.has(m.path)) this.fromDebuginfod.set(m.path, `the debuginfod client cache (${this.debuginfod.options.cacheDir})`);
          } else if (this.debuginfod && buildId && noLines && !this.asked.has(buildId)) {
            this.wanted.set(buildId, m.path);
          }
        } catch (e) {
          problem = e instanceof Error ? e.message : String(e);
        }
      }
    }
    const state = { key: m.buildId ?? `${file}:${m.ino}`, file, symbolizer, problem, noLines };
    this.modules.set(id, state);
    return state;
  }

  /** The vdso's module: this process's image when it is the traced process's (vdso.ts), or why not. */
  private vdsoModule(m: MemoryMap): ModuleState {
    const id = `[vdso]\0${m.end - m.start}\0${m.buildId ?? ''}`;
    const known = this.modules.get(id);
    if (known) return known;
    let state: ModuleState = { key: id, file: m.path, symbolizer: null, problem: 'the vdso is read only while the trace is recorded on its machine', noLines: true };
    if (this.vdso && this.symbolizer) {
      const image = this.vdso();
      let imageBuildId: string | null = null;
      try {
        imageBuildId = 'file' in image ? this.symbolizer.inspect(image.file).buildId : null;
      } catch {
        // an unreadable image: vdsoFileFor compares sizes only, and the lookups below say what fails
      }
      const found = vdsoFileFor(m, image, imageBuildId);
      state = 'file' in found ? { ...state, file: found.file, symbolizer: this.symbolizer, problem: null } : { ...state, problem: found.problem };
    }
    this.modules.set(id, state);
    return state;
  }

  /**
   * The binary in the search path that the process ran, when the mapped path is not it: the one
   * with the build-id the trace recorded, or, when the kernel gave none (before 6.11), the first
   * by name (noted in `substitutions` as unverified).
   */
  private findCopy(m: MemoryMap): string | undefined {
    if (!this.searchPath.length || !this.symbolizer) return undefined;
    const buildId = (path: string): string | null | undefined => {
      try {
        return existsSync(path) && statSync(path).isFile() ? this.symbolizer?.inspect(path).buildId ?? null : undefined;
      } catch {
        return undefined;
      }
    };
    const here = buildId(m.path);
    if (here !== undefined && (!m.buildId || here === m.buildId)) return undefined;
    for (const dir of this.searchPath) {
      for (const candidate of [join(dir, m.path), join(dir, basename(m.path))]) {
        const id = buildId(candidate);
        if (id === undefined || (m.buildId && id !== m.buildId)) continue;
        this.substitutions.set(m.path, { file: candidate, verified: m.buildId !== null });
        return candidate;
      }
    }
    return undefined;
  }

  /** A snapshot's addresses, unwound with CFI, and why it ends. */
  private unwound(info: StackInfo): { addrs: bigint[]; end: StackEndName; why: string } {
    const snap = decodeSnapshot(info.frames, info.spSlots, (info.flags & StackFlag.snapshot_unreadable) !== 0, (info.flags & StackFlag.snapshot_full) !== 0);
    return unwindSnapshot(snap, this.unwindContext(info));
  }

  /** What the CFI unwinder asks of this stack's process: where its code is, the rule at an address. */
  private unwindContext(info: StackInfo): UnwindContext {
    return {
      // JIT code is often in no mapping (V8 makes its code space executable with mprotect)
      isCode: (addr) => this.trace.maps.find(info.pid, addr, info.gen) !== undefined || this.namedByPerfMap(info, addr),
      ruleAt: (pc, isReturn) => this.ruleAt(info, pc, isReturn),
    };
  }

  /** The full unwind rule at pc (pc-1 for a return address), or why there is none. */
  private ruleAt(info: StackInfo, pc: bigint, isReturn: boolean): UnwindRule | string {
    const m = this.trace.maps.find(info.pid, pc, info.gen);
    const at = `0x${pc.toString(16)}`;
    if (!m || m.anonymous) {
      const jit = this.perfMaps?.lookup(info.pid, isReturn ? pc - 1n : pc);
      // V8 sets up rbp frames; CPython's trampolines unwind from rsp (an interpreter built without
      // frame pointers leaves rbp unknown there)
      if (jit && 'symbol' in jit) return jit.symbol.trampoline ? CPYTHON_TRAMPOLINE_RULE : FRAME_POINTER_RULE;
    }
    if (!m) return `${at} is in no known executable mapping`;
    if (m.anonymous) return `${at} is in anonymous executable memory (JIT?), which has no unwind table`;
    const mod = this.module(m);
    if (!mod.symbolizer || mod.problem) return `${m.path}: ${mod.problem ?? 'no symbolizer'}`;
    const off = fileOffset(m, pc) - (isReturn ? 1 : 0);
    const key = `${mod.key}:${off}`;
    let rule = this.rules.get(key);
    if (rule === undefined) {
      try {
        rule = mod.symbolizer.unwind(mod.file, [off])[0] ?? null;
      } catch (e) {
        return `${m.path}: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (rule && this.goTable(mod)) rule = goFrameRule(rule);
      this.rules.set(key, rule);
    }
    if (!rule && isReturn && this.inEntryStub(mod, off)) return ENTRY_RULE;
    if (!rule && this.v8BuiltinAt(mod, off)) return FRAME_POINTER_RULE;
    return rule ?? `${m.path} has no unwind information for ${at}`;
  }

  /** The function at `off` of the module is one of V8's embedded builtins (isV8Builtin). */
  private v8BuiltinAt(mod: ModuleState, off: number): boolean {
    const found = this.functionsAt(mod, off);
    return isV8Builtin(found?.[found.length - 1]?.function);
  }

  /** The functions at `off` of the module (inlined ones first, cached: `resolveAt`); null when it cannot be read. */
  private functionsAt(mod: ModuleState, off: number): ResolvedFrame[] | null {
    try {
      return this.resolveAt(mod, off);
    } catch {
      return null;
    }
  }

  /**
   * The functions at `off` of the module, inlined ones first — its debug information's, else a Go
   * binary's own table's (a stripped Go program: goFrames) — cached for every later asker (the
   * unwind's rules and the frames' names share the cache: each must see what the other would).
   * Throws what the symbolizer throws.
   */
  private resolveAt(mod: ModuleState, off: number): ResolvedFrame[] {
    const key = `${mod.key}:${off}`;
    let found = this.cache.get(key);
    if (!found) {
      if (!mod.symbolizer) return [];
      found = mod.symbolizer.resolve(mod.file, [off])[0] ?? [];
      if (!found.some((f) => f.file)) found = this.goFrames(mod, off) ?? found;
      this.cache.set(key, found);
    }
    return found;
  }

  /**
   * `off` (a call's file offset) lies in the first bytes of the module's entry point: the code the
   * kernel starts a process at (the dynamic loader's `_start`, which has no unwind table, calls
   * `_dl_start` from there). Nothing called it: its frame is the process's first.
   */
  private inEntryStub(mod: ModuleState, off: number): boolean {
    const load = this.load(mod);
    const entry = load && load.entry ? offsetOf(load, load.entry) : null;
    return entry !== null && off >= entry && off < entry + ENTRY_STUB_BYTES;
  }

  /** The module's loadable segments (null: its file is no readable ELF file). */
  private load(mod: ModuleState): ElfLoad | null {
    let load = this.loads.get(mod.key);
    if (load === undefined) {
      load = elfLoad(mod.file);
      this.loads.set(mod.key, load);
    }
    return load;
  }

  private fromAddresses(info: StackInfo): ResolvedStack {
    let { addrs, end, why } = info.flags & StackFlag.snapshot ? this.unwound(info) : this.chainAddresses(info);
    // a Go stack ends where Go's own tracebacks end it (a goroutine's or thread's first frame, a
    // switch of stacks), whatever the walk made of the frames beyond
    const goKeep = end !== 'complete' ? this.goOutermost(info, addrs) : null;
    if (goKeep !== null) {
      addrs = addrs.slice(0, goKeep);
      end = 'complete';
      why = null;
    }
    const frames: StackFrame[] = [];
    /** The frames a runtime's perf map named (JavaScript, Python functions). */
    const named: number[] = [];
    addrs.forEach((addr, index) => {
      const m = this.trace.maps.find(info.pid, addr, info.gen);
      const base = { addr, module: m?.path ?? null };
      // JIT code: V8's code space is made executable by mprotect, so it is often in no mapping
      // the trace knows; CPython's trampolines are in an anonymous one
      if ((!m || m.anonymous) && !m?.vdso && this.perfMaps) {
        const jit = this.jitFrame(info, addr, index);
        if (jit) {
          if (jit.function && jit.file) named.push(frames.length);
          frames.push(jit);
          return;
        }
      }
      if (!m) {
        frames.push({ ...base, function: null, file: null, line: null, column: null, inlined: false, problem: UNMAPPED });
        return;
      }
      if (m.anonymous) {
        frames.push({ ...base, module: m.path || null, function: null, file: null, line: null, column: null, inlined: false, problem: NOT_IN_PERF_MAP });
        return;
      }
      const mod = this.module(m);
      if (mod.problem || !mod.symbolizer) {
        frames.push({ ...base, function: null, file: null, line: null, column: null, inlined: false, problem: mod.problem });
        return;
      }
      // return addresses point after the call: look up the call itself
      const off = fileOffset(m, addr) - (index === 0 ? 0 : 1);
      const load = this.load(mod);
      const imageAddr = load ? vaddrOf(load, off) : null;
      const at = imageAddr === null ? base : { ...base, imageAddr };
      let found: ResolvedFrame[];
      try {
        found = this.resolveAt(mod, off);
      } catch (e) {
        frames.push({ ...at, function: null, file: null, line: null, column: null, inlined: false, problem: e instanceof Error ? e.message : String(e) });
        return;
      }
      if (!found.length) {
        frames.push({ ...at, function: null, file: null, line: null, column: null, inlined: false, problem: 'no symbol at this address' });
        return;
      }
      for (const f of found) {
        frames.push({
          ...at, function: f.function, file: f.file, line: f.line, column: f.column, inlined: f.inlined,
          problem: f.file ? null : mod.noLines ? `${NO_DEBUG_INFO}${m.path}` : null,
        });
      }
    });
    this.callLines(frames, named);
    return { frames, truncated: end !== null && end !== 'complete', end, why };
  }

  /**
   * Where Go's own traceback would end a stack the walk did not prove whole (GoLine.outermost): how
   * many of its frames to keep, or null when it would not end it. A goroutine's or thread's first
   * frame ends it, the frames after it kept as before. Else a switch of stacks (mcall, systemstack,
   * morestack) ends it: the walk's frames beyond one are another stack's, and beyond an mcall
   * they are a goroutine the thread parked, which another thread may be running (its stack
   * rewritten) by the time the walk reads it (the likely cause of the one cut netpoller wait, of
   * nine, in a CI run's attached Go program).
   */
  private goOutermost(info: StackInfo, addrs: readonly bigint[]): number | null {
    let cut: number | null = null;
    for (let index = 0; index < addrs.length; index++) {
      const m = this.trace.maps.find(info.pid, addrs[index], info.gen);
      const table = m && !m.anonymous && !m.vdso ? this.goTable(this.module(m)) : null;
      const pc = table?.vaddrOf(fileOffset(m as MemoryMap, addrs[index]) - (index === 0 ? 0 : 1));
      const fn = pc != null ? table?.lookup(pc) : null;
      if (fn?.outermost === 'first') return addrs.length;
      if (fn?.outermost === 'switch' && cut === null) cut = index + 1;
    }
    return cut;
  }

  /** The process's executable is a Go binary (it has a Go symbol table iolens can read). */
  goProcess(pid: number): boolean {
    const exe = this.trace.processes?.find(pid)?.exe;
    const m = this.trace.maps.list(pid).find((x) => !x.anonymous && !x.vdso && (exe ? mapsExecutable(x.path, exe) : true));
    return m !== undefined && this.goTable(this.module(m)) !== null;
  }

  /** The module's Go table, read once; null when it is no Go binary (or one too old to read). */
  private goTable(mod: ModuleState): GoPclntab | null {
    let table = this.goTables.get(mod.key);
    if (table === undefined) {
      table = GoPclntab.read(mod.file);
      this.goTables.set(mod.key, table);
    }
    return table;
  }

  /** The frames (inlined calls first) of file offset `off` in a Go binary, from its table; null when it is not one or the table has no function there. */
  private goFrames(mod: ModuleState, off: number): ResolvedFrame[] | null {
    const table = this.goTable(mod);
    const pc = table?.vaddrOf(off);
    const found = pc != null ? table?.frames(pc) : null;
    return found ? found.map((f) => ({ function: f.function, file: f.file, line: f.line, column: null, inlined: f.inlined })) : null;
  }

  /**
   * Each runtime frame's line made the line of its call where its function makes the call the next
   * frames show in one place of its source (the line to change): a Python frame's def line
   * (pythonCallee, pythonDefs), a JavaScript function's first line (jsCallLine).
   */
  private callLines(frames: StackFrame[], named: readonly number[]): void {
    for (const i of named) {
      const f = frames[i];
      if (!f.file || !f.function) continue;
      if (f.problem === PYTHON_DEF_LINE) {
        const callee = calleeOf(frames, i);
        const line = callee ? this.pythonDefs.callLineOf(f.file, f.function, callee) : null;
        if (callee && line) frames[i] = { ...f, line, problem: runtimeCallLine(callee.name, 'CPython\'s perf map names no line inside a function') };
      } else if (f.line && f.column && !f.problem) {
        const callee = jsCalleeOf(frames, i);
        const at = callee ? this.jsSources.callOf(f.file, f.line, f.column, callee) : null;
        if (callee && at) frames[i] = { ...f, line: at.line, column: at.column, problem: runtimeCallLine(callee.name, 'V8\'s perf map gives the function\'s first line') };
      }
    }
  }

  /** The process's perf map names a function at addr (JIT code). */
  private namedByPerfMap(info: StackInfo, addr: bigint): boolean {
    return this.perfMaps !== null && !('problem' in this.perfMaps.lookup(info.pid, addr));
  }

  /**
   * The frame a process's perf map names at addr; null when it names none and the address is in
   * no mapping; a frame saying why when the address is in anonymous executable memory.
   */
  private jitFrame(info: StackInfo, addr: bigint, index: number): StackFrame | null {
    const found = (this.perfMaps as PerfMaps).lookup(info.pid, index === 0 ? addr : addr - 1n);
    if ('problem' in found) {
      if (!this.trace.maps.find(info.pid, addr, info.gen)) return null;
      return { addr, module: null, function: null, file: null, line: null, column: null, inlined: false, problem: `${NOT_IN_PERF_MAP}: ${found.problem}` };
    }
    const s = found.symbol;
    // CPython's perf map names a function and its file, not a line: the line of its def, as V8 gives
    const defLine = !s.line && s.trampoline && s.file ? this.pythonDefs.lineOf(s.file, s.function) : null;
    return {
      addr, module: found.map, function: s.function || '(anonymous)', file: s.file, line: s.line ?? defLine, column: s.column, inlined: false,
      problem: s.line ? null : defLine ? PYTHON_DEF_LINE : s.file ? 'the runtime\'s perf map gives no line' : null,
    };
  }

  private fromSymbolSection(stackId: bigint): ResolvedStack {
    const recs = [...(this.trace.symbols.get(stackId) ?? [])].sort((a, b) => a.index - b.index || a.depth - b.depth);
    const info = this.trace.stacks.get(stackId);
    const frames: StackFrame[] = recs.map((r) => {
      const [fn, file, module, problem, , imageAddr] = r.strings;
      const frame: StackFrame = {
        addr: r.addr, function: fn || null, file: file || null, line: r.line || null, column: r.column || null,
        module: module || null, inlined: (r.flags & 1) !== 0, problem: problem || null,
      };
      return imageAddr ? { ...frame, imageAddr: Number.parseInt(imageAddr, 16) } : frame;
    });
    const stored = recs[0]?.stackEnd ? StackEndNames.get(recs[0].stackEnd) ?? null : null;
    const end = stored ?? (info && !(info.flags & StackFlag.snapshot) ? fpEnd(info.flags) : null);
    return { frames, truncated: end !== null && end !== 'complete', end, why: recs[0]?.strings[4] || null };
  }
}

/**
 * A mapping's path is the process's executable: the same path, or — for an executable named as the
 * program was launched, relative to its working directory (the eBPF side's exec record carries the
 * path given to execve: `./server`, `bin/server`) — the mapped path that ends with it (the last
 * component alone when it climbs with `..`).
 */
export function mapsExecutable(mapPath: string, exe: string): boolean {
  if (mapPath === exe || exe.startsWith('/')) return mapPath === exe;
  const relative = exe.replace(/^(\.\/)+/, '');
  const tail = relative.split('/').includes('..') ? basename(relative) : relative;
  return mapPath.endsWith(`/${tail}`);
}
