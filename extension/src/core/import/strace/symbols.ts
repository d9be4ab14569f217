/**
 * The source lines of an strace log's -k stacks. strace names each frame by its binary, the
 * nearest ELF symbol and the address inside the image (with -kk, newer stracees add file:line).
 * When the binary is here (at its path, or found in --symbols directories as a sysroot or by
 * name), the native symbolizer resolves the address as it does for the tracer's stacks: function,
 * file, line, column and inlined calls. Otherwise the frame keeps what strace printed and says
 * why it has no more. strace records no build-ids: a binary modified after the log was written
 * may resolve wrongly, and is named in the import's notes.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { encodeSymFrame } from '../../../../../protocol/generated/wire';
import { elfLoad, offsetOf, type ElfLoad } from '../../symbols/elfLoad';
import type { NativeSymbolizer, ResolvedFrame } from '../../symbols/native';
import type { StraceFrame } from './lines';

interface Binary {
  readonly file: string | null;
  readonly load: ElfLoad | null;
  readonly problem: string | null;
}

/** Resolves strace frames, caching per binary and address. */
export class StraceSymbols {
  private readonly binaries = new Map<string, Binary>();
  private readonly cache = new Map<string, ResolvedFrame[]>();
  /** Frames resolved by the symbolizer, and frames left as strace printed them. */
  resolved = 0;
  unresolved = 0;
  /** Binaries modified after the log was written. */
  readonly newer: string[] = [];

  constructor(
    private readonly symbolizer: NativeSymbolizer | null,
    private readonly symbolizerError: string | null,
    private readonly searchPath: readonly string[] = [],
    /** Epoch ms of the log's last write. */
    private readonly logMs = Number.POSITIVE_INFINITY,
  ) {}

  private binary(module: string): Binary {
    let b = this.binaries.get(module);
    if (b) return b;
    const candidates = [module, ...this.searchPath.flatMap((d) => [join(d, module), join(d, basename(module))])];
    const file = candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
    const load = file ? elfLoad(file) : null;
    let problem: string | null = null;
    if (!this.symbolizer) problem = this.symbolizerError ?? 'no symbolizer';
    else if (!file) problem = `${module} is not here${this.searchPath.length ? ` (nor in ${this.searchPath.join(', ')})` : ''}`;
    else if (!load) problem = `${file} is not a 64-bit ELF file`;
    if (file && !problem && statSync(file).mtimeMs > this.logMs) this.newer.push(file);
    b = { file, load, problem };
    this.binaries.set(module, b);
    return b;
  }

  /** What one frame resolves to, innermost inlined call first; [] when it does not. */
  private resolve(f: StraceFrame, returnAddress: boolean): { frames: ResolvedFrame[]; problem: string | null } {
    if (!f.module || f.addr === null) return { frames: [], problem: f.error ?? 'strace could not name this frame' };
    const b = this.binary(f.module);
    if (b.problem || !b.file || !b.load || !this.symbolizer) return { frames: [], problem: b.problem };
    // strace prints the address in the image, from its lowest segment for a PIE or library
    const first = b.load.segments[0];
    const base = b.load.type === 'dyn' && first ? first.vaddr - (first.vaddr % Math.max(first.align, 1)) : 0;
    const offset = offsetOf(b.load, Number(f.addr) + base);
    if (offset === null) return { frames: [], problem: `0x${f.addr.toString(16)} is in no segment of ${b.file}` };
    // a return address points after its call: look up the call (strace 6.1 prints it undecremented)
    const at = offset - (returnAddress ? 1 : 0);
    const key = `${b.file}:${at}`;
    let frames = this.cache.get(key);
    if (!frames) {
      try {
        frames = this.symbolizer.resolve(b.file, [at])[0] ?? [];
      } catch (e) {
        return { frames: [], problem: e instanceof Error ? e.message : String(e) };
      }
      this.cache.set(key, frames);
    }
    return { frames, problem: frames.length ? null : 'no symbol at this address' };
  }

  /** sym_frame records for one stack (innermost frame first). */
  records(stackId: bigint, stack: readonly StraceFrame[]): Uint8Array[] {
    const out: Uint8Array[] = [];
    stack.forEach((f, index) => {
      const { frames, problem } = this.resolve(f, index > 0);
      const addr = f.addr ?? 0n;
      if (!frames.length) {
        this.unresolved++;
        const file = f.file ?? '';
        out.push(encodeSymFrame({ stackEnd: 0, index, depth: 0, line: f.line ?? 0, column: 0, flags: file ? 0 : 2, stackId, addr, strings: [f.symbol ?? '', file, f.module ?? '', file ? '' : problem ?? ''] }));
        return;
      }
      this.resolved++;
      frames.forEach((r, depth) => {
        out.push(encodeSymFrame({
          stackEnd: 0, index, depth, line: r.line ?? 0, column: r.column ?? 0, flags: (r.inlined ? 1 : 0) | (r.file ? 0 : 2), stackId, addr,
          strings: [r.function ?? f.symbol ?? '', r.file ?? '', f.module ?? '', r.file ? '' : 'no debug information'],
        }));
      });
    });
    return out;
  }
}
