/**
 * The loadable segments of an ELF file (its PT_LOAD program headers): how addresses inside the
 * image map to offsets in the file. The native symbolizer takes file offsets, as a memory map
 * gives them; tools that print image addresses instead (strace -k) need this to meet it. Reads
 * 64-bit little-endian ELF only (what iolens traces); anything else gives null.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** One PT_LOAD segment. */
export interface LoadSegment {
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

/** The file's type and segments. */
export interface ElfLoad {
  /** ET_EXEC images run at their addresses; ET_DYN ones (PIE, shared libraries) anywhere. */
  readonly type: 'exec' | 'dyn' | 'other';
  readonly segments: readonly LoadSegment[];
}

const PT_LOAD = 1;
/** More program headers than any real file has: the header is damaged. */
const MAX_PHDRS = 4096;

function read(fd: number, at: number, n: number): Buffer | null {
  const b = Buffer.alloc(n);
  return readSync(fd, b, 0, n, at) === n ? b : null;
}

/** Read a file's PT_LOAD segments; null when it is not a 64-bit little-endian ELF file or cannot be read. */
export function elfLoad(path: string): ElfLoad | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const h = read(fd, 0, 64);
    if (!h || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return null;
    const eType = h.readUInt16LE(16);
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    if (phentsize < 56 || phnum > MAX_PHDRS) return null;
    const table = read(fd, phoff, phentsize * phnum);
    if (!table) return null;
    const segments: LoadSegment[] = [];
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (table.readUInt32LE(at) !== PT_LOAD) continue;
      segments.push({
        offset: Number(table.readBigUInt64LE(at + 8)),
        vaddr: Number(table.readBigUInt64LE(at + 16)),
        filesz: Number(table.readBigUInt64LE(at + 32)),
        memsz: Number(table.readBigUInt64LE(at + 40)),
        align: Number(table.readBigUInt64LE(at + 48)),
      });
    }
    return { type: eType === 2 ? 'exec' : eType === 3 ? 'dyn' : 'other', segments };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The file offset of an image address, or null when no segment holds it. */
export function offsetOf(load: ElfLoad, vaddr: number): number | null {
  for (const s of load.segments) if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return vaddr - s.vaddr + s.offset;
  return null;
}
