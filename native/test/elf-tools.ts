/**
 * Test helpers: build fixtures with gcc and read the expected answers with
 * binutils (nm, objdump, readelf, addr2line) — tools independent of libdw.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Runs a command and returns its stdout; throws with its stderr on failure. */
export function run(command: string, args: readonly string[], cwd?: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${(error as Error).message}\n${stderr}`);
  }
}

/** Fails with an explanation when a tool the fixtures need is not installed. */
export function requireTool(tool: string, aptPackage: string): void {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`'${tool}' is required to build and check the symbolizer fixtures: apt-get install ${aptPackage}`);
  }
}

/** 1-based number of the line of `source` that carries the comment marker `@line:<marker>`. */
export function markerLine(source: string, marker: string): number {
  const lines = source.split('\n');
  const index = lines.findIndex((line) => line.includes(`/* @line:${marker} */`));
  if (index < 0) throw new Error(`marker @line:${marker} not found`);
  return index + 1;
}

/** 1-based column of `token` on the line marked `marker`. */
export function markerColumn(source: string, marker: string, token: string): number {
  const line = source.split('\n')[markerLine(source, marker) - 1];
  const index = line.indexOf(token);
  if (index < 0) throw new Error(`'${token}' not on the line marked ${marker}`);
  return index + 1;
}

/** A PT_LOAD program header. */
export interface LoadSegment {
  offset: number;
  vaddr: number;
  fileSize: number;
  flags: string;
}

/** The PT_LOAD segments of an ELF file, from `readelf -lW`. */
export function loadSegments(file: string): LoadSegment[] {
  const segments: LoadSegment[] = [];
  for (const line of run('readelf', ['-lW', file]).split('\n')) {
    const m = /^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+([RWE ]+?)\s+0x/.exec(line);
    if (m) segments.push({ offset: Number(m[1]), vaddr: Number(m[2]), fileSize: Number(m[3]), flags: m[4].replace(/\s/g, '') });
  }
  if (segments.length === 0) throw new Error(`no PT_LOAD in ${file}`);
  return segments;
}

/** The file offset of virtual address `vaddr`: what a memory mapping's pgoff arithmetic yields. */
export function fileOffsetOf(file: string, vaddr: number): number {
  const segment = loadSegments(file).find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.fileSize);
  if (!segment) throw new Error(`0x${vaddr.toString(16)} is in no PT_LOAD of ${file}`);
  return vaddr - segment.vaddr + segment.offset;
}

/** A symbol from nm. */
export interface NmSymbol {
  address: number;
  size: number;
}

/** A defined symbol's address and size (`nm -S`, or `nm -D -S` for the dynamic table). */
export function symbol(file: string, name: string, dynamic = false): NmSymbol {
  const args = dynamic ? ['-D', '-S', file] : ['-S', file];
  for (const line of run('nm', args).split('\n')) {
    const m = /^([0-9a-f]+)\s+([0-9a-f]+)\s+[TtWi]\s+(\S+)$/.exec(line);
    if (m && (m[3] === name || m[3].startsWith(`${name}@`))) {
      return { address: parseInt(m[1], 16), size: parseInt(m[2], 16) };
    }
  }
  throw new Error(`function symbol ${name} not found in ${file}`);
}

/** One disassembled instruction. */
export interface Instruction {
  address: number;
  text: string;
}

/** The instructions of function `name` (objdump -d over its nm address range). */
export function instructionsOf(file: string, name: string, dynamic = false): Instruction[] {
  const { address, size } = symbol(file, name, dynamic);
  const out = run('objdump', [
    '-d',
    '--no-show-raw-insn',
    `--start-address=0x${address.toString(16)}`,
    `--stop-address=0x${(address + size).toString(16)}`,
    file,
  ]);
  const instructions: Instruction[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s+([0-9a-f]+):\s+(.*\S)\s*$/.exec(line);
    if (m) instructions.push({ address: parseInt(m[1], 16), text: m[2].replace(/\s+/g, ' ') });
  }
  return instructions;
}

/** The address of the first instruction of `instructions` whose text matches `pattern`, after index `from`. */
export function findInstruction(instructions: readonly Instruction[], pattern: RegExp, from = 0): { index: number; address: number } {
  for (let i = from; i < instructions.length; i++) {
    if (pattern.test(instructions[i].text)) return { index: i, address: instructions[i].address };
  }
  throw new Error(`no instruction matches ${pattern}`);
}

/** One frame as binutils addr2line prints it. */
export interface OracleFrame {
  function: string;
  file: string;
  line: number | null;
}

/** `addr2line -f -i -C` at a virtual address: the inline chain, innermost first. */
export function addr2line(file: string, vaddr: number): OracleFrame[] {
  const lines = run('addr2line', ['-e', file, '-f', '-i', '-C', `0x${vaddr.toString(16)}`]).trim().split('\n');
  const frames: OracleFrame[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const m = /^(.*):(\d+|\?)/.exec(lines[i + 1]);
    frames.push({ function: lines[i], file: m ? m[1] : lines[i + 1], line: m && m[2] !== '?' ? Number(m[2]) : null });
  }
  return frames;
}

/** Where a run-time address lies: the mapped file and the file offset (pgoff + address − start). */
export function mappingOffset(maps: string, address: number): { path: string; offset: number } {
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+([0-9a-f]+)\s+\S+\s+\d+\s+(\/.*)$/.exec(line);
    if (!m) continue;
    const start = parseInt(m[1], 16);
    const end = parseInt(m[2], 16);
    if (address >= start && address < end) return { path: m[4], offset: parseInt(m[3], 16) + (address - start) };
  }
  throw new Error(`0x${address.toString(16)} is in no file mapping`);
}

/** Reads a file as text. */
export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}
