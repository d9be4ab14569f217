/**
 * Types of the native symbolizer addon, `native/build/Release/iolens_symbols.node`
 * (node-addon-api + elfutils libdw). Load it as CommonJS:
 *
 * ```ts
 * import { createRequire } from 'node:module';
 * const load = createRequire(__filename);
 * const { Symbolizer } = load('../native/build/Release/iolens_symbols.node') as IolensSymbols;
 * ```
 *
 * All calls are synchronous. Opening a module is the expensive part (tens of
 * milliseconds for libc's separate debug info), so keep one Symbolizer and pass
 * whole batches of offsets per call.
 */

/** One frame at an address. Every field that is not known is null. */
export interface ResolvedFrame {
  /**
   * Function name: the demangled DW_AT_linkage_name when there is one (so C++
   * gives `ns::Widget::poke(int)` and legacy Rust `core::fmt::write`, its
   * `::h<hash>` suffix dropped), else DW_AT_name, else the ELF symbol. Rust v0
   * (`_R…`) names are not demangled; DW_AT_name is used for them when present.
   */
  function: string | null;
  /**
   * Source file. Relative names are joined with the unit's DW_AT_comp_dir and
   * "." / ".." components are folded, so it is absolute whenever the compiler
   * recorded an absolute comp_dir. Binaries built with `-ffile-prefix-map`
   * (Debian's libc, for one) give paths relative to their source tree, such as
   * `sysdeps/unix/sysv/linux/read.c`.
   */
  file: string | null;
  /** 1-based line, null when unknown (no line table, or line 0 in DWARF). */
  line: number | null;
  /** 1-based column, null when unknown or 0 in DWARF. */
  column: number | null;
  /**
   * True for an inlined call: this frame's code was inlined into the next frame
   * of the same address, and the next frame's line/column is the call site.
   * The last frame of a non-empty list is the real (out-of-line) function.
   */
  inlined: boolean;
}

/** What inspect() learns about an ELF file. */
export interface ElfInfo {
  /** Lowercase hex of the NT_GNU_BUILD_ID note, or null when the file has none. */
  buildId: string | null;
  /** ET_EXEC (non-PIE executable), ET_DYN (PIE or shared library), or anything else. */
  type: 'exec' | 'dyn' | 'other';
  /**
   * The separate debug file in use, e.g.
   * `/usr/lib/debug/.build-id/ab/cdef….debug`; null when the DWARF is in the
   * file itself or none was found.
   */
  debugFile: string | null;
  /** Whether DWARF line information was found (in the file or its debug file). */
  hasLines: boolean;
  /** Whether a symbol table (.symtab or .dynsym, here or in the debug file) exists. */
  hasSymbols: boolean;
}

/**
 * How to compute the canonical frame address: CFA = register + offset.
 * `'rsp'` / `'rbp'` are the stack and frame pointers (DWARF registers 7 and 6 on
 * x86-64; esp/ebp on i386 and sp/x29 on AArch64 are reported under the same
 * names). `'other'` is any other register, or a DWARF expression, in which case
 * `offset` is 0. The return address is saved at CFA − 8 on x86-64.
 */
export interface CfaRule {
  register: 'rsp' | 'rbp' | 'other';
  offset: number;
}

/** A DWARF expression operation: [atom (DW_OP_*), operand 1, operand 2], operands as signed numbers. */
export type DwarfOp = [number, number, number];

/**
 * How a caller's register is recovered: 'undefined' (not recoverable: for the
 * return address, the outermost frame), 'same' (unchanged by this frame), or a
 * DWARF location evaluated with the CFA pushed first (a value, not a location,
 * when it ends with DW_OP_stack_value).
 */
export type RegisterRule = 'undefined' | 'same' | DwarfOp[];

/** The unwind rule at an address. */
export interface UnwindRule {
  /** A DWARF expression giving the CFA; empty when undefined. */
  cfa: DwarfOp[];
  returnAddress: RegisterRule;
  framePointer: RegisterRule;
  /** A signal trampoline's frame: its caller's pc is the interrupted pc itself, not a return address. */
  signal: boolean;
}

/**
 * The `.code` of errors thrown by inspect(), resolve() and cfa():
 * - `ENOENT`: the path does not exist (or a component of it is not a directory);
 * - `EACCES`: permission denied;
 * - `ENOTELF`: the file is not an ELF file (bad magic, empty, a directory, a FIFO);
 * - `EELF`: libelf/libdw rejected the file, or another system error occurred
 *   (the message says which).
 */
export type SymbolizerErrorCode = 'ENOENT' | 'EACCES' | 'ENOTELF' | 'EELF';

/** An Error thrown for a file that cannot be used; the message names the path. */
export interface SymbolizerError extends Error {
  code: SymbolizerErrorCode;
  /** The path that was being opened. */
  path: string;
}

/** Options of the Symbolizer constructor. */
export interface SymbolizerOptions {
  /**
   * Absolute directories searched for separate debug files, by build-id
   * (`<dir>/.build-id/ab/cdef….debug`) and, for `.gnu_debuglink`, as
   * `<dir>/<directory of the binary>/<link>` (after the binary's own directory
   * and its `.debug/` subdirectory). Default `['/usr/lib/debug']`; `[]` turns
   * the build-id lookup off. Entries must not contain ':'. The network
   * (debuginfod) is never used.
   */
  debugDirs?: string[];
  /**
   * Absolute directories in the debuginfod client cache's layout,
   * `<dir>/<build-id hex>/debuginfo`, looked at after `debugDirs` and before
   * `.gnu_debuglink`; a file there is used only when its build-id is the
   * module's. Default `[]`. The addon only reads them: fetching is
   * extension/src/core/symbols/debuginfod.ts's, off this thread; call clear()
   * after a fetch so the module is read again.
   */
  buildIdCaches?: string[];
}

/**
 * Resolves file offsets inside ELF files to functions and source lines (with
 * inlined calls), and reports unwind (CFA) rules. Opened files are cached by
 * path and re-read when their device, inode, size, mtime or ctime changes.
 */
export declare class Symbolizer {
  /** @throws TypeError when options or debugDirs are malformed. */
  constructor(options?: SymbolizerOptions);

  /**
   * Reads the file's identity and debug-information status. Loads the
   * separate debug file if there is one.
   * @throws {SymbolizerError} ENOENT, EACCES, ENOTELF or EELF.
   * @throws TypeError when `path` is not a string.
   */
  inspect(path: string): ElfInfo;

  /**
   * The frames at each file offset, innermost first (see ResolvedFrame).
   *
   * An offset is a position in the file, as a memory mapping gives it:
   * `pgoff + (address − mapping start)`. It is mapped to the ELF virtual
   * address through the PT_LOAD program headers, so PIE and non-PIE
   * executables and shared libraries all work. For a return address, pass the
   * offset of `pc − 1` to land inside the call instruction.
   *
   * DWARF is used when present (in the file, or in a separate debug file found
   * by build-id or `.gnu_debuglink`); otherwise the symbol table gives the
   * function name with `file`/`line` null — `.symtab`, `.dynsym`, or the
   * xz-compressed MiniDebugInfo symbol table in `.gnu_debugdata` (Fedora's
   * stripped binaries; libdw reads it when built with lzma, as Debian's is). An offset outside every segment or
   * function yields `[]`.
   * @returns one array per offset, in the order given.
   * @throws {SymbolizerError} ENOENT, EACCES, ENOTELF or EELF.
   * @throws TypeError when `path` is not a string, `offsets` not an array, or an element not a number.
   * @throws RangeError when an offset is negative, fractional or above Number.MAX_SAFE_INTEGER.
   */
  resolve(path: string, offsets: readonly number[]): ResolvedFrame[][];

  /**
   * The CFA rule in force at each file offset, from `.eh_frame` or else
   * `.debug_frame`; null when no unwind information covers the offset. At a
   * function's first instruction on x86-64 this is `{ register: 'rsp', offset: 8 }`.
   * Used to find where a frameless function (a libc syscall wrapper) keeps its
   * return address: at CFA − 8.
   * @throws {SymbolizerError} ENOENT, EACCES, ENOTELF or EELF.
   * @throws TypeError / RangeError as for resolve().
   */
  cfa(path: string, offsets: readonly number[]): (CfaRule | null)[];

  /**
   * The full unwind rule in force at each file offset (CFA, return address and
   * frame pointer), or null where no FDE covers it: what a CFI unwinder of a
   * stack snapshot needs.
   * @throws as for cfa().
   */
  unwind(path: string, offsets: readonly number[]): (UnwindRule | null)[];

  /** Forgets every cached file, so the next call re-reads from disk. */
  clear(): void;
}

/** The shape of the loaded `iolens_symbols.node` module. */
export interface IolensSymbols {
  Symbolizer: typeof Symbolizer;
}
