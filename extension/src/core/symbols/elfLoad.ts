/**
 * The loadable segments of an ELF file (its PT_LOAD program headers): how addresses inside the
 * image map to offsets in the file. The native symbolizer takes file offsets, as a memory map
 * gives them; tools that print image addresses instead (strace -k) need this to meet it. Also one
 * section's bytes by name (`elfSections`: Go's `.gopclntab`, goPclntab.ts). Reads 64-bit
 * little-endian ELF only (what iolens traces); anything else gives null.
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
  /** The entry point's address in the image (e_entry): where the kernel starts the process (an executable's `_start`, the dynamic loader's). */
  readonly entry: number;
}

const PT_LOAD = 1;
/** More program headers than any real file has: the header is damaged. */
const MAX_PHDRS = 4096;

function read(fd: number, at: number, n: number): Buffer | null {
  const b = Buffer.alloc(n);
  return readSync(fd, b, 0, n, at) === n ? b : null;
}

/**
 * `parse` given the open file and its 64-byte ELF header; null when the file cannot be opened, is
 * not a 64-bit little-endian ELF file, or `parse` throws on a damaged file.
 */
function withElfHeader<T>(path: string, parse: (fd: number, h: Buffer) => T | null): T | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const h = read(fd, 0, 64);
    if (!h || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) return null;
    return parse(fd, h);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Read a file's PT_LOAD segments; null when it is not a 64-bit little-endian ELF file or cannot be read. */
export function elfLoad(path: string): ElfLoad | null {
  return withElfHeader(path, (fd, h) => {
    const eType = h.readUInt16LE(16);
    const entry = Number(h.readBigUInt64LE(24));
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
    return { type: eType === 2 ? 'exec' : eType === 3 ? 'dyn' : 'other', segments, entry };
  });
}

/** A section of the file: its address in the image and its bytes as stored. */
export interface ElfSection {
  readonly addr: number;
  readonly data: Buffer;
}

const SHT_NOBITS = 8;
/** More sections than any real file has: the header is damaged. */
const MAX_SHDRS = 65535;
/** A section this big is no section iolens reads (Go's largest tables are tens of MiB). */
const MAX_SECTION = 1 << 30;

/**
 * The named sections of a file, those of `names` it has (the address of each, and the bytes of
 * those in `withData`); null when it is not a 64-bit little-endian ELF file or cannot be read.
 */
export function elfSections(path: string, names: readonly string[], withData: readonly string[]): Map<string, ElfSection> | null {
  return withElfHeader(path, (fd, h) => {
    const shoff = Number(h.readBigUInt64LE(40));
    const shentsize = h.readUInt16LE(58);
    const shnum = h.readUInt16LE(60);
    const shstrndx = h.readUInt16LE(62);
    if (shentsize < 64 || shnum > MAX_SHDRS || shstrndx >= shnum) return null;
    const table = read(fd, shoff, shentsize * shnum);
    if (!table) return null;
    const header = (i: number) => ({
      name: table.readUInt32LE(i * shentsize),
      type: table.readUInt32LE(i * shentsize + 4),
      addr: Number(table.readBigUInt64LE(i * shentsize + 16)),
      offset: Number(table.readBigUInt64LE(i * shentsize + 24)),
      size: Number(table.readBigUInt64LE(i * shentsize + 32)),
    });
    const strtab = header(shstrndx);
    const strings = strtab.size < MAX_SECTION ? read(fd, strtab.offset, strtab.size) : null;
    if (!strings) return null;
    const found = new Map<string, ElfSection>();
    for (let i = 0; i < shnum; i++) {
      const sh = header(i);
      const end = strings.indexOf(0, sh.name);
      const name = strings.toString('latin1', sh.name, end < 0 ? strings.length : end);
      if (!names.includes(name) || found.has(name)) continue;
      let data: Buffer = Buffer.alloc(0);
      if (withData.includes(name) && sh.type !== SHT_NOBITS) {
        const bytes = sh.size < MAX_SECTION ? read(fd, sh.offset, sh.size) : null;
        if (!bytes) return null;
        data = bytes;
      }
      found.set(name, { addr: sh.addr, data });
    }
    return found;
  });
}

/** The image address of a file offset, or null when no segment holds it. */
export function vaddrOf(load: ElfLoad, offset: number): number | null {
  for (const s of load.segments) if (offset >= s.offset && offset < s.offset + s.filesz) return offset - s.offset + s.vaddr;
  return null;
}

/** The file offset of an image address, or null when no segment holds it. */
export function offsetOf(load: ElfLoad, vaddr: number): number | null {
  for (const s of load.segments) if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return vaddr - s.vaddr + s.offset;
  return null;
}

const BUILD_ID_SECTION = '.note.gnu.build-id';
const NT_GNU_BUILD_ID = 3;

/** The file's GNU build-id (lowercase hex) from its `.note.gnu.build-id`; null when it has none or is no readable 64-bit ELF file. */
export function elfBuildId(path: string): string | null {
  const note = elfSections(path, [BUILD_ID_SECTION], [BUILD_ID_SECTION])?.get(BUILD_ID_SECTION)?.data;
  if (!note) return null;
  const pad = (n: number): number => (n + 3) & ~3;
  for (let at = 0; at + 12 <= note.length;) {
    const namesz = note.readUInt32LE(at);
    const descsz = note.readUInt32LE(at + 4);
    const type = note.readUInt32LE(at + 8);
    const desc = at + 12 + pad(namesz);
    if (desc + descsz > note.length) return null;
    if (type === NT_GNU_BUILD_ID && note.toString('latin1', at + 12, at + 12 + namesz) === 'GNU\0' && descsz) return note.toString('hex', desc, desc + descsz);
    at = desc + pad(descsz);
  }
  return null;
}
