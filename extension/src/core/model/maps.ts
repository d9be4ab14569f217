/**
 * Executable memory maps of traced processes, from map records: address -> the file and the file
 * offset to look up.
 */
import type { MapRecord } from '../../../../protocol/generated/wire';

/** One executable mapping. */
export interface MemoryMap {
  readonly pid: number;
  readonly start: bigint;
  readonly end: bigint;
  /** File offset of `start`. */
  readonly pgoff: bigint;
  readonly path: string;
  readonly ino: number;
  readonly dev: number;
  /** Build-id the kernel read from the mapped file (lowercase hex), or null. */
  readonly buildId: string | null;
  /** The file was deleted (or replaced) while mapped. */
  readonly deleted: boolean;
  readonly vdso: boolean;
  readonly anonymous: boolean;
}

function buildIdHex(r: MapRecord): string | null {
  if (!(r.flags & 2) || r.buildIdLen === 0) return null;
  return Buffer.from(r.buildId.subarray(0, r.buildIdLen)).toString('hex');
}

/**
 * The mappings of every traced process, by address-space generation: exec starts a new one, so a
 * stack taken before an exec still resolves against the image it was taken in.
 */
export class MapTables {
  private readonly byPid = new Map<number, MemoryMap[][]>();

  private generations(pid: number): MemoryMap[][] {
    let g = this.byPid.get(pid);
    if (!g) {
      g = [[]];
      this.byPid.set(pid, g);
    }
    return g;
  }

  /** The current generation of a process's address space (0 before any exec). */
  generation(pid: number): number {
    return this.generations(pid).length - 1;
  }

  /** Record a mapping in the current generation (a newer mapping of the same range wins). */
  add(r: MapRecord): void {
    const gens = this.generations(r.pid);
    const m: MemoryMap = {
      pid: r.pid,
      start: r.start,
      end: r.end,
      pgoff: BigInt(r.pgoff),
      path: r.path,
      ino: r.ino,
      dev: r.dev,
      buildId: buildIdHex(r),
      deleted: (r.flags & 1) !== 0,
      vdso: (r.flags & 4) !== 0,
      anonymous: (r.flags & 8) !== 0,
    };
    const kept = gens[gens.length - 1].filter((o) => o.end <= m.start || o.start >= m.end);
    kept.push(m);
    gens[gens.length - 1] = kept;
  }

  /** A forked process has its parent's mappings until it execs. */
  fork(parent: number, child: number): void {
    const p = this.generations(parent);
    this.byPid.set(child, [[...p[p.length - 1]]]);
  }

  /** exec replaced the address space. */
  exec(pid: number): void {
    this.generations(pid).push([]);
  }

  /** The mapping that holds `addr` in generation `gen` (default: the current one). */
  find(pid: number, addr: bigint, gen?: number): MemoryMap | undefined {
    const gens = this.byPid.get(pid);
    if (!gens) return undefined;
    const list = gens[gen ?? gens.length - 1] ?? [];
    for (const m of list) if (addr >= m.start && addr < m.end) return m;
    return undefined;
  }

  /** All mappings of a process's current generation. */
  list(pid: number): readonly MemoryMap[] {
    const gens = this.byPid.get(pid);
    return gens ? gens[gens.length - 1] : [];
  }
}

/** File offset of `addr` inside mapping `m`. */
export function fileOffset(m: MemoryMap, addr: bigint): number {
  return Number(addr - m.start + m.pgoff);
}
