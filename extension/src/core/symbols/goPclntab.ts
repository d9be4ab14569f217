/**
 * Function names and source lines of Go binaries from their `.gopclntab`, the table the Go runtime
 * itself reads for its tracebacks: every Go binary has it, stripped ones (`-ldflags=-s -w`)
 * included, and its lines are right where libdw finds none (elfutils 0.188 reads Go 1.19's
 * DWARF, compressed or not, without a single line). The layout is Go's own (runtime/symtab.go,
 * debug/gosym), of Go 1.18 and later: a header (pcHeader), a function table of (entry, _func)
 * offsets sorted by entry, and per function varint-coded pc → value tables for its file and line;
 * the calls the compiler inlined from the function's inline tree (a funcdata in `.rodata`, found
 * through the runtime's moduledata, whose layout is checked against the section headers).
 * No maintained library reads it for us (Go's debug/gosym is Go; the C and Python readers are
 * disassembler plug-ins), hence this one. Older layouts (Go 1.2–1.17) give null: their frames keep
 * what libdw says.
 */
import { elfLoad, elfSections, vaddrOf, type ElfSection } from './elfLoad';

/** What the table says of a pc: the function it is in, and the file and line of its instruction. */
export interface GoLine {
  readonly function: string;
  /** The source file of the instruction (of the innermost inlined call, as `go tool addr2line` says). */
  readonly file: string | null;
  readonly line: number | null;
  /**
   * Go's own tracebacks end at this function: 'first', the first frame of a goroutine or thread
   * (goexit, mstart, rt0_go: TOPFRAME); 'switch', one that moves the stack pointer to another
   * stack (mcall, systemstack, morestack: SPWRITE), beyond which a frame-pointer walk finds no
   * caller; null for the others.
   */
  readonly outermost: 'first' | 'switch' | null;
}

/** One frame of a pc's inline chain (innermost first): `inlined` when its code was inlined into the next. */
export interface GoFrame extends GoLine {
  readonly inlined: boolean;
}

/** Where the inline trees are, and the layout of their entries. */
interface InlineTrees {
  readonly rodata: Buffer;
  readonly rodataAddr: number;
  /** The image address funcdata offsets count from (moduledata.gofunc). */
  readonly gofunc: number;
  /** Size of an inlinedCall, and where its name offset and parent pc are. */
  readonly size: number;
  readonly nameAt: number;
  readonly parentPcAt: number;
}

/** The header's magic per layout: Go 1.18–1.19, and 1.20 on (whose _func has a start line). */
const MAGIC_118 = 0xfffffff0;
const MAGIC_120 = 0xfffffff1;
/** The _func fields the lookups read, as byte offsets. */
const FUNC_NAMEOFF = 4;
const FUNC_PCFILE = 20;
const FUNC_PCLN = 24;
const FUNC_CUOFFSET = 32;
/** The _func's flag byte: after funcID; Go 1.20 put a start line before both. */
const FUNC_FLAG_118 = 37;
const FUNC_FLAG_120 = 41;
/** funcFlag_TOPFRAME and funcFlag_SPWRITE (runtime/symtab.go). */
const FLAG_TOPFRAME = 1;
const FLAG_SPWRITE = 2;
const FUNC_NPCDATA = 28;
/** The size of a _func before its pcdata offsets. */
const FUNC_SIZE_118 = 40;
const FUNC_SIZE_120 = 44;
/** PCDATA_InlTreeIndex and FUNCDATA_InlTree (runtime/symtab.go). */
const PCDATA_INLTREE = 2;
const FUNCDATA_INLTREE = 3;
/** moduledata.rodata's offset (gofunc follows it): Go 1.20 added the coverage counters before it. */
const MODULEDATA_RODATA_118 = 296;
const MODULEDATA_RODATA_120 = 312;
/** Inline chains longer than this are damage. */
const MAX_INLINE_DEPTH = 64;
/** A table entry that names no file. */
const NO_FILE = 0xffffffff;

/** One Go binary's table, read once (StackResolver keeps one per module). */
export class GoPclntab {
  private readonly names = new Map<number, string>();

  private constructor(
    private readonly tab: Buffer,
    private readonly quantum: number,
    /** Where a _func keeps its flags. */
    private readonly flagAt: number,
    private readonly nfunc: number,
    private readonly textStart: number,
    private readonly funcnames: number,
    private readonly cutab: number,
    private readonly filetab: number,
    private readonly pctab: number,
    private readonly functab: number,
    /** The image address of a file offset (the resolver has offsets). */
    readonly vaddrOf: (offset: number) => number | null,
    /** The inline trees; null when the moduledata was not found (the chains are then not expanded). */
    private readonly inline: InlineTrees | null,
  ) {}

  /**
   * The table of the Go binary at `path`; null when it has none (not Go), an older layout, or one
   * that does not hold together.
   */
  static read(path: string): GoPclntab | null {
    const sections = elfSections(path, ['.gopclntab', '.text', '.rodata', '.noptrdata'], ['.gopclntab', '.rodata', '.noptrdata']);
    const tab = sections?.get('.gopclntab')?.data;
    const load = elfLoad(path);
    if (!tab || tab.length < 72 || !load) return null;
    const magic = tab.readUInt32LE(0);
    if ((magic !== MAGIC_118 && magic !== MAGIC_120) || tab[7] !== 8) return null;
    const word = (i: number): number => Number(tab.readBigUInt64LE(8 + 8 * i));
    const nfunc = word(0);
    // a position-independent binary has its text start filled in by a relocation at load: 0 in the file
    const textStart = word(2) || (sections?.get('.text')?.addr ?? 0);
    const [funcnames, cutab, filetab, pctab, functab] = [word(3), word(4), word(5), word(6), word(7)];
    if (!textStart || [funcnames, cutab, filetab, pctab, functab].some((o) => o >= tab.length) || functab + 8 * (nfunc + 1) > tab.length) return null;
    const inline = sections ? inlineTrees(sections, magic === MAGIC_120) : null;
    return new GoPclntab(tab, tab[6], magic === MAGIC_120 ? FUNC_FLAG_120 : FUNC_FLAG_118, nfunc, textStart, funcnames, cutab, filetab, pctab, functab, (offset) => vaddrOf(load, offset), inline);
  }

  /**
   * The frames of the instruction at image address `pc`, innermost first: each call the compiler
   * inlined there (at the line of its instruction, then of each call site), then the function
   * itself, as the runtime's tracebacks give them; null outside the table's functions.
   */
  frames(pc: number): GoFrame[] | null {
    const outer = this.lookup(pc);
    const fn = outer ? this.funcAt(pc - this.textStart) : null;
    const inline = this.inline;
    if (!outer || !fn || !inline) return outer && [{ ...outer, inlined: false }];
    const tab = this.tab;
    const size = this.flagAt === FUNC_FLAG_120 ? FUNC_SIZE_120 : FUNC_SIZE_118;
    const npcdata = tab.readUInt32LE(fn.at + FUNC_NPCDATA);
    const nfuncdata = tab[fn.at + size - 1];
    const funcdataAt = fn.at + size + 4 * npcdata + 4 * FUNCDATA_INLTREE;
    if (npcdata <= PCDATA_INLTREE || nfuncdata <= FUNCDATA_INLTREE || funcdataAt + 4 > tab.length) return [{ ...outer, inlined: false }];
    const treeOff = tab.readUInt32LE(funcdataAt);
    const indexTable = tab.readUInt32LE(fn.at + size + 4 * PCDATA_INLTREE);
    const tree = inline.gofunc + treeOff - inline.rodataAddr;
    const frames: GoFrame[] = [];
    let off = pc - this.textStart;
    for (let depth = 0; depth < MAX_INLINE_DEPTH; depth++) {
      const ix = treeOff === NO_FILE ? null : this.value(indexTable, fn.entry, off);
      const at = ix !== null && ix >= 0 ? tree + ix * inline.size : -1;
      if (at < 0 || at + inline.size > inline.rodata.length) break;
      const here = this.lookup(off + this.textStart);
      frames.push({ function: this.name(inline.rodata.readInt32LE(at + inline.nameAt)), file: here?.file ?? null, line: here?.line ?? null, outermost: null, inlined: true });
      off = fn.entry + inline.rodata.readInt32LE(at + inline.parentPcAt);
    }
    const site = this.lookup(off + this.textStart) ?? outer;
    frames.push({ ...outer, file: site.file, line: site.line, inlined: false });
    return frames;
  }

  /** The function whose code holds `off` (from the text start): its entry and its _func's offset. */
  private funcAt(off: number): { entry: number; at: number } | null {
    const tab = this.tab;
    let lo = 0;
    let hi = this.nfunc;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (tab.readUInt32LE(this.functab + 8 * mid) <= off) lo = mid;
      else hi = mid - 1;
    }
    if (off < 0 || lo >= this.nfunc || off >= tab.readUInt32LE(this.functab + 8 * (lo + 1))) return null;
    const at = this.functab + tab.readUInt32LE(this.functab + 8 * lo + 4);
    return at + FUNC_SIZE_120 <= tab.length ? { entry: tab.readUInt32LE(this.functab + 8 * lo), at } : null;
  }

  /** The function, file and line of the instruction at image address `pc`; null outside the table's functions. */
  lookup(pc: number): GoLine | null {
    const off = pc - this.textStart;
    const tab = this.tab;
    const found = this.funcAt(off);
    if (!found) return null;
    const { entry, at: fn } = found;
    const name = this.name(tab.readInt32LE(fn + FUNC_NAMEOFF));
    const fileno = this.value(tab.readUInt32LE(fn + FUNC_PCFILE), entry, off);
    const line = this.value(tab.readUInt32LE(fn + FUNC_PCLN), entry, off);
    let file: string | null = null;
    const cu = tab.readUInt32LE(fn + FUNC_CUOFFSET);
    if (fileno !== null && fileno >= 0 && cu !== NO_FILE) {
      const at = this.cutab + 4 * (cu + fileno);
      const fileOff = at + 4 <= tab.length ? tab.readUInt32LE(at) : NO_FILE;
      if (fileOff !== NO_FILE) file = this.string(this.filetab + fileOff);
    }
    const flag = tab[fn + this.flagAt];
    const outermost = flag & FLAG_TOPFRAME ? 'first' : flag & FLAG_SPWRITE ? 'switch' : null;
    return { function: name, file, line: line !== null && line > 0 ? line : null, outermost };
  }

  private name(nameoff: number): string {
    let s = this.names.get(nameoff);
    if (s === undefined) {
      s = this.string(this.funcnames + nameoff);
      this.names.set(nameoff, s);
    }
    return s;
  }

  private string(at: number): string {
    const end = this.tab.indexOf(0, at);
    return this.tab.toString('utf8', at, end < 0 ? this.tab.length : end);
  }

  /**
   * The value a pc-value table gives at `target` (offsets from the text start): pairs of a
   * zig-zag varint value delta and a varint pc delta (in quanta), starting from -1 at the entry,
   * each value holding up to its pc; null when the table has none for it.
   */
  private value(table: number, entry: number, target: number): number | null {
    if (!table) return null;
    const tab = this.tab;
    let p = this.pctab + table;
    let pc = entry;
    let val = -1;
    const uvarint = (): number | null => {
      let v = 0;
      for (let shift = 0; shift < 35 && p < tab.length; shift += 7) {
        const b = tab[p++];
        v += (b & 0x7f) * 2 ** shift;
        if (!(b & 0x80)) return v;
      }
      return null;
    };
    for (let first = true; ; first = false) {
      const delta = uvarint();
      if (delta === null || (delta === 0 && !first)) return null;
      val += delta % 2 ? -(delta + 1) / 2 : delta / 2;
      const step = uvarint();
      if (step === null) return null;
      pc += step * this.quantum;
      if (target < pc) return val;
    }
  }
}

/**
 * The inline trees' base (moduledata.gofunc) and entry layout. The runtime's first moduledata is
 * the word in `.noptrdata` that points at `.gopclntab`; its `rodata` field must be `.rodata`'s
 * address (which proves the layout), and `gofunc` follows it. inlinedCall: Go 1.18–1.19
 * {parent, funcID, _, file, line, nameOff, parentPc}; 1.20 on {funcID, _, nameOff, parentPc, startLine}.
 */
function inlineTrees(sections: Map<string, ElfSection>, go120: boolean): InlineTrees | null {
  const pcln = sections.get('.gopclntab');
  const rodata = sections.get('.rodata');
  const data = sections.get('.noptrdata');
  if (!pcln || !rodata || !data || !rodata.data.length) return null;
  const needle = Buffer.alloc(8);
  needle.writeBigUInt64LE(BigInt(pcln.addr));
  const rodataAt = go120 ? MODULEDATA_RODATA_120 : MODULEDATA_RODATA_118;
  for (let at = data.data.indexOf(needle); at >= 0; at = data.data.indexOf(needle, at + 8)) {
    if (at % 8 || at + rodataAt + 16 > data.data.length) continue;
    if (Number(data.data.readBigUInt64LE(at + rodataAt)) !== rodata.addr) continue;
    const gofunc = Number(data.data.readBigUInt64LE(at + rodataAt + 8));
    if (gofunc < rodata.addr || gofunc >= rodata.addr + rodata.data.length) return null;
    return go120
      ? { rodata: rodata.data, rodataAddr: rodata.addr, gofunc, size: 16, nameAt: 4, parentPcAt: 8 }
      : { rodata: rodata.data, rodataAddr: rodata.addr, gofunc, size: 20, nameAt: 12, parentPcAt: 16 };
  }
  return null;
}
