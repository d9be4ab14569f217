/**
 * The vdso's image, for its unwind table (`.eh_frame`) and symbols: the kernel maps one vdso image
 * into every 64-bit process it runs, so this process's own `[vdso]` — always readable, where
 * another process's memory is not under Yama's ptrace scope — stands for a traced process's while
 * the trace is recorded on this machine. Written once to a private file the symbolizer can open.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryMap } from '../model/maps';

/** This process's vdso, written to a file: its path and size. */
export interface VdsoImage {
  readonly file: string;
  readonly size: number;
}

/** The [vdso] line of a /proc/PID/maps text: its address range; null when there is none. */
export function vdsoRange(mapsText: string): { start: number; end: number } | null {
  const line = mapsText.split('\n').find((l) => l.trimEnd().endsWith(' [vdso]'));
  const m = line ? /^([0-9a-f]+)-([0-9a-f]+) /.exec(line) : null;
  return m ? { start: parseInt(m[1], 16), end: parseInt(m[2], 16) } : null;
}

let own: VdsoImage | { problem: string } | undefined;

/** This process's vdso image in a file (made once, removed at exit), or why there is none. */
export function ownVdsoImage(): VdsoImage | { problem: string } {
  if (own) return own;
  try {
    const range = vdsoRange(readFileSync('/proc/self/maps', 'utf8'));
    if (!range) return (own = { problem: 'this system maps no vdso' });
    const image = Buffer.alloc(range.end - range.start);
    const fd = openSync('/proc/self/mem', 'r');
    try {
      if (readSync(fd, image, 0, image.length, range.start) !== image.length) return (own = { problem: 'the vdso could not be read whole' });
    } finally {
      closeSync(fd);
    }
    const dir = mkdtempSync(join(tmpdir(), 'iolens-vdso-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'vdso.so');
    writeFileSync(file, image, { mode: 0o600 });
    own = { file, size: image.length };
  } catch (e) {
    own = { problem: `the vdso could not be read (${e instanceof Error ? e.message : String(e)})` };
  }
  return own;
}

/**
 * The file that stands for a traced process's vdso mapping, or why none does: this process's image
 * when it is the same size (and build-id, when the trace has the mapping's).
 */
export function vdsoFileFor(m: MemoryMap, image: VdsoImage | { problem: string }, imageBuildId: string | null): { file: string } | { problem: string } {
  if ('problem' in image) return image;
  const size = Number(m.end - m.start);
  if (size !== image.size || (m.buildId && imageBuildId && m.buildId !== imageBuildId)) {
    return { problem: `the process's vdso (${size} bytes${m.buildId ? `, build-id ${m.buildId}` : ''}) is not this kernel's (a 32-bit process, or a trace from another kernel)` };
  }
  return { file: image.file };
}
