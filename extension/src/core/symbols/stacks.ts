/**
 * Stack ids to source lines. Picks the true return address of a frameless syscall wrapper among
 * the tracer's candidates (from the wrapper's unwind table), maps addresses to files through the
 * process's memory maps, checks that each file is still the one that was mapped (build-id), and
 * resolves through the native symbolizer, caching by (file identity, offset).
 */
import { existsSync, statSync } from 'node:fs';
import type { StackInfo, TraceAssembler } from '../model/assembler';
import { fileOffset, type MemoryMap } from './maps';
import type { NativeSymbolizer, ResolvedFrame } from './native';

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
}

/** A resolved stack, innermost frame first. */
export interface ResolvedStack {
  readonly frames: readonly StackFrame[];
  /** The walk stopped at its depth limit or on a bad frame pointer. */
  readonly truncated: boolean;
}

interface ModuleState {
  readonly key: string;
  readonly problem: string | null;
  readonly noLines: boolean;
}

const STACK_FLAG_TRUNCATED = 1;
const UNMAPPED = 'address in no known executable mapping';
const STACK_FLAG_BAD_FP = 4;

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

/** Resolves the stacks of one trace. */
export class StackResolver {
  private readonly modules = new Map<string, ModuleState>();
  private readonly cache = new Map<string, ResolvedFrame[]>();
  private readonly resolved = new Map<bigint, ResolvedStack>();

  constructor(
    private readonly trace: Pick<TraceAssembler, 'stacks' | 'maps' | 'symbols'>,
    private readonly symbolizer: NativeSymbolizer | null,
    /** Why there is no symbolizer (shown on frames it would have resolved). */
    private readonly symbolizerError: string | null = null,
  ) {}

  /** The stack, or undefined when its record was never received (lost or not taken). */
  resolve(stackId: bigint): ResolvedStack | undefined {
    if (stackId === 0n) return undefined;
    const done = this.resolved.get(stackId);
    if (done) return done;
    const fromFile = this.trace.symbols.get(stackId);
    let result: ResolvedStack | undefined;
    if (fromFile) {
      result = this.fromSymbolSection(stackId);
    } else {
      const info = this.trace.stacks.get(stackId);
      if (!info) return undefined;
      result = this.fromAddresses(info);
    }
    // an address outside every known mapping may be in one whose map record has not arrived yet
    if (!result.frames.some((f) => f.problem === UNMAPPED)) this.resolved.set(stackId, result);
    return result;
  }

  /** Forget results, e.g. after more memory maps arrived. */
  invalidate(): void {
    this.resolved.clear();
  }

  /** The addresses a stack really has: ip, the chosen caller of a frameless wrapper, the frame-pointer chain. */
  addresses(info: StackInfo): bigint[] {
    const ncand = popcount(info.spSlots);
    const ip = info.frames[0];
    const candidates = info.frames.slice(1, 1 + ncand);
    const chain = info.frames.slice(1 + ncand);
    const out = [ip];
    const chosen = this.chooseCaller(info, ip, candidates);
    if (chosen !== undefined) out.push(chosen);
    out.push(...chain);
    return out;
  }

  private chooseCaller(info: StackInfo, ip: bigint, candidates: bigint[]): bigint | undefined {
    if (!candidates.length) return undefined;
    const slotIndex = (slot: number): number => {
      if (!(info.spSlots & (1 << slot))) return -1;
      return popcount(info.spSlots & ((1 << slot) - 1));
    };
    const m = this.trace.maps.find(info.pid, ip, info.gen);
    if (m && this.symbolizer && !m.vdso && !m.anonymous && !this.module(m).problem) {
      try {
        const [rule] = this.symbolizer.cfa(m.path, [fileOffset(m, ip)]);
        if (rule) {
          if (rule.register !== 'rsp') return undefined; // the function has a frame: the chain has its caller
          const slot = (rule.offset - 8) / 8;
          const i = Number.isInteger(slot) && slot >= 0 && slot < 32 ? slotIndex(slot) : -1;
          return i >= 0 ? candidates[i] : undefined;
        }
      } catch {
        /* no unwind table: fall back to the word at sp */
      }
    }
    const i = slotIndex(0);
    return i >= 0 && this.trace.maps.find(info.pid, candidates[i], info.gen) ? candidates[i] : undefined;
  }

  private module(m: MemoryMap): ModuleState {
    const id = `${m.path}\0${m.ino}\0${m.buildId ?? ''}`;
    const known = this.modules.get(id);
    if (known) return known;
    let problem: string | null = null;
    let noLines = false;
    if (!this.symbolizer) {
      problem = this.symbolizerError ?? 'no symbolizer';
    } else if (!existsSync(m.path)) {
      problem = m.deleted ? `${m.path} was deleted after it was mapped` : `${m.path} is not there`;
    } else {
      try {
        const info = this.symbolizer.inspect(m.path);
        if (m.buildId && info.buildId && info.buildId !== m.buildId) {
          problem = `${m.path} was replaced after it was mapped (build-id ${info.buildId}, the process runs ${m.buildId})`;
        } else if (!m.buildId && m.ino && statSync(m.path).ino !== m.ino) {
          problem = `${m.path} was replaced after it was mapped (different inode)`;
        }
        noLines = !info.hasLines;
      } catch (e) {
        problem = e instanceof Error ? e.message : String(e);
      }
    }
    const state = { key: m.buildId ?? `${m.path}:${m.ino}`, problem, noLines };
    this.modules.set(id, state);
    return state;
  }

  private fromAddresses(info: StackInfo): ResolvedStack {
    const addrs = this.addresses(info);
    const frames: StackFrame[] = [];
    addrs.forEach((addr, index) => {
      const m = this.trace.maps.find(info.pid, addr, info.gen);
      const base = { addr, module: m?.path ?? null };
      if (!m) {
        frames.push({ ...base, function: null, file: null, line: null, column: null, inlined: false, problem: UNMAPPED });
        return;
      }
      if (m.vdso || m.anonymous) {
        frames.push({ ...base, module: m.path || null, function: null, file: null, line: null, column: null, inlined: false, problem: m.vdso ? 'vdso' : 'anonymous executable memory (JIT?)' });
        return;
      }
      const mod = this.module(m);
      if (mod.problem || !this.symbolizer) {
        frames.push({ ...base, function: null, file: null, line: null, column: null, inlined: false, problem: mod.problem });
        return;
      }
      // return addresses point after the call: look up the call itself
      const off = fileOffset(m, addr) - (index === 0 ? 0 : 1);
      const key = `${mod.key}:${off}`;
      let found = this.cache.get(key);
      if (!found) {
        try {
          found = this.symbolizer.resolve(m.path, [off])[0] ?? [];
        } catch (e) {
          found = [];
          frames.push({ ...base, function: null, file: null, line: null, column: null, inlined: false, problem: e instanceof Error ? e.message : String(e) });
          return;
        }
        this.cache.set(key, found);
      }
      if (!found.length) {
        frames.push({ ...base, function: null, file: null, line: null, column: null, inlined: false, problem: 'no symbol at this address' });
        return;
      }
      for (const f of found) {
        frames.push({
          ...base, function: f.function, file: f.file, line: f.line, column: f.column, inlined: f.inlined,
          problem: f.file ? null : mod.noLines ? `no debug information for ${m.path}` : null,
        });
      }
    });
    return { frames, truncated: (info.flags & (STACK_FLAG_TRUNCATED | STACK_FLAG_BAD_FP)) !== 0 };
  }

  private fromSymbolSection(stackId: bigint): ResolvedStack {
    const recs = [...(this.trace.symbols.get(stackId) ?? [])].sort((a, b) => a.index - b.index || a.depth - b.depth);
    const info = this.trace.stacks.get(stackId);
    const frames: StackFrame[] = recs.map((r) => {
      const [fn, file, module, problem] = r.strings;
      return {
        addr: r.addr, function: fn || null, file: file || null, line: r.line || null, column: r.column || null,
        module: module || null, inlined: (r.flags & 1) !== 0, problem: problem || null,
      };
    });
    return { frames, truncated: info ? (info.flags & (STACK_FLAG_TRUNCATED | STACK_FLAG_BAD_FP)) !== 0 : false };
  }
}
