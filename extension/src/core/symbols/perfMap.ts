/**
 * Frames in code a runtime compiled at run time (V8's JIT, CPython 3.12's perf trampolines, a
 * JVM's compiled methods: jvmPerfMap.ts), named
 * from the perf map the process writes: `/tmp/perf-PID.map`, one `START SIZE NAME` line per piece
 * of code (hex start and size), appended while the process runs (Linux perf's format).
 *
 * The file is written by the traced program, so it is untrusted input: opened without following a
 * symbolic link and without blocking, only a regular file owned by the process's user (or root),
 * read up to MAX_BYTES, lines longer than MAX_LINE skipped, entries bounded. It is only read while
 * the trace is recorded (a pid names another process later, or on another machine); a saved trace
 * keeps the frames in its symbol section.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** A function named by a perf map entry. */
export interface JitSymbol {
  /** The function's name ('' for an anonymous JavaScript function). */
  readonly function: string;
  /** Its source file or URL (`node:fs`, an absolute path), when the entry says. */
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  /** A CPython 3.12+ perf trampoline (`py::` names): its frame is laid out as cfiUnwind's CPYTHON_TRAMPOLINE_RULE says. */
  readonly trampoline?: true;
}

/** One entry: code at [start, start + size). */
export interface PerfMapEntry extends JitSymbol {
  readonly start: bigint;
  readonly size: bigint;
}

/** At most this much of one perf map is read (a long-running server's map grows without end). */
export const MAX_BYTES = 64 << 20;
/** Longer lines are skipped. */
const MAX_LINE = 4096;
/** No piece of compiled code is this large: such an entry is refused. */
const MAX_SIZE = 1n << 30n;
/** Entries overlapping an address that are looked at (code moved by V8's GC leaves older entries). */
const OVERLAP_SCAN = 64;

/** `START SIZE NAME`, in hex (HotSpot writes them with `0x`). */
const LINE = /^(?:0x)?([0-9a-fA-F]{1,16}) (?:0x)?([0-9a-fA-F]{1,16}) (.+)$/;
/** V8: `JS:*fn file:line:col` (Node.js ≥ 18), `LazyCompile:~fn file:line:col`, `Function:`, `Script:~ file`… */
const V8_NAME = /^(JS|LazyCompile|Function|Script|Eval):[~*^+-]?(.*)$/;
/** CPython 3.12+ perf trampoline: `py::qualname:/path/file.py`. */
const PY_NAME = /^py::([^:]*):(.*)$/;
/**
 * HotSpot: a compiled method as `RETURN_TYPE package.Class.method(parameter types)` (a nested or
 * generated class with `$`, a hidden one with `/0x…`); its stubs and adapters have no such form.
 */
const JVM_METHOD = /^\S+ ([\w$]+(?:[./][\w$]+)*\.(?:[\w$]+|<init>|<clinit>))\(([^()]*)\)$/;
/** Where a V8 location starts: a path, a URL or scheme (`node:`, `file:`), or a bracketed pseudo-file. */
const LOCATION_START = /^(?:\/|\.{1,2}\/|[a-zA-Z][\w+.-]*:|<|\[)/;

/** A V8 entry's `fn file:line:col` (file, line and column each optional). */
function v8Symbol(rest: string): JitSymbol {
  let fn = rest;
  let where = '';
  // a function name may hold spaces (`get x`): the location is the first word that looks like one
  for (let i = rest.indexOf(' '); i >= 0; i = rest.indexOf(' ', i + 1)) {
    if (LOCATION_START.test(rest.slice(i + 1))) {
      fn = rest.slice(0, i);
      where = rest.slice(i + 1);
      break;
    }
  }
  if (!where && rest.includes(' ')) {
    const i = rest.lastIndexOf(' ');
    fn = rest.slice(0, i);
    where = rest.slice(i + 1);
  }
  const lc = /^(.*?):(\d+):(\d+)$/.exec(where) ?? /^(.*?):(\d+)$/.exec(where);
  const file = (lc ? lc[1] : where) || null;
  return { function: fn, file, line: lc ? Number(lc[2]) || null : null, column: lc?.[3] ? Number(lc[3]) || null : null };
}

/**
 * A Java method as a Java developer names it: the class with its package, the method, and its
 * parameter types without theirs (`com.acme.Journal.append(FileChannel, int)`).
 */
function jvmMethodName(method: string, params: string): string {
  const simple = params
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => p.slice(p.lastIndexOf('.') + 1));
  return `${method}(${simple.join(', ')})`;
}

/** The function a perf map entry's name gives (V8's, CPython's and HotSpot's forms; else the name as it is). */
export function parseJitName(name: string): JitSymbol {
  const py = PY_NAME.exec(name);
  if (py) return { function: py[1], file: py[2] || null, line: null, column: null, trampoline: true };
  const v8 = V8_NAME.exec(name);
  if (v8) return v8Symbol(v8[2]);
  const jvm = JVM_METHOD.exec(name);
  if (jvm) return { function: jvmMethodName(jvm[1], jvm[2]), file: null, line: null, column: null };
  return { function: name, file: null, line: null, column: null };
}

/** One perf map line, or null when it is not one. */
export function parsePerfMapLine(line: string): PerfMapEntry | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const start = BigInt('0x' + m[1]);
  const size = BigInt('0x' + m[2]);
  if (size === 0n || size > MAX_SIZE || start + size > 0xffffffffffffffffn) return null;
  return { start, size, ...parseJitName(m[3].trim()) };
}

/** The entries of one process's perf map, read as it grows. */
export class PerfMap {
  private readonly entries: (PerfMapEntry & { seq: number })[] = [];
  private sorted = true;
  private offset = 0;
  private partial = '';
  private skipping = false;
  private identity: string | null = null;
  /** Why the map cannot be read (shown on the frames it would have named), or null. */
  problem: string | null = null;
  /** The last read found no file at the path (the process writes no perf map, or not yet). */
  absent = false;

  constructor(
    /** The path to read (through the process's root when it is in another mount namespace). */
    readonly path: string,
    /** The process's user, whose file it must be (or root's); null: the process is gone, trust the file already read. */
    private readonly owner: () => number | null,
  ) {}

  /** How many entries were read. */
  get size(): number {
    return this.entries.length;
  }

  /** Read what was appended since the last read; false when nothing new could be read. */
  refresh(): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.absent = code === 'ENOENT';
      this.problem = code === 'ENOENT' ? `${this.path} does not exist` : `${this.path} cannot be read (${code ?? String(e)})`;
      return false;
    }
    this.absent = false;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) {
        this.problem = `${this.path} is not a regular file`;
        return false;
      }
      const id = `${st.dev}:${st.ino}`;
      const owner = this.owner();
      if (owner !== null && st.uid !== owner && st.uid !== 0) {
        this.problem = `${this.path} belongs to another user than the process`;
        return false;
      }
      if (owner === null && this.identity !== id) {
        this.problem = `${this.path} was not read while the process ran`;
        return false;
      }
      if (this.identity !== id || st.size < this.offset) this.reset(id); // replaced or truncated: a new map
      const end = Math.min(st.size, MAX_BYTES);
      if (end <= this.offset) return false;
      const buf = Buffer.alloc(Math.min(end - this.offset, 1 << 20));
      let any = false;
      while (this.offset < end) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, end - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.take(buf.toString('latin1', 0, n));
        any = true;
      }
      this.problem = null;
      return any;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The file was written again from its start (a JVM's map: a snapshot of its code cache each
   * time it is asked, in the same file): read it whole again.
   */
  reread(): void {
    if (this.identity !== null) this.reset(this.identity);
    this.refresh();
  }

  private reset(identity: string): void {
    this.identity = identity;
    this.entries.length = 0;
    this.offset = 0;
    this.partial = '';
    this.skipping = false;
  }

  private take(text: string): void {
    let s = this.partial + text;
    this.partial = '';
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n')) {
      const line = s.slice(0, nl);
      s = s.slice(nl + 1);
      if (this.skipping) this.skipping = false; // the end of an over-long line
      else this.add(line);
    }
    if (s.length > MAX_LINE) {
      this.skipping = true;
      s = '';
    }
    this.partial = s;
  }

  private add(line: string): void {
    if (line.length > MAX_LINE) return;
    // names are UTF-8: decoded per line (the bytes were taken as latin1 to cut lines safely)
    const e = parsePerfMapLine(Buffer.from(line, 'latin1').toString('utf8'));
    if (!e) return;
    const last = this.entries[this.entries.length - 1];
    if (last && last.start > e.start) this.sorted = false;
    this.entries.push({ ...e, seq: this.entries.length });
  }

  /** The entry whose code holds addr (the latest one written, when code was moved), or undefined. */
  lookup(addr: bigint): PerfMapEntry | undefined {
    if (!this.sorted) {
      this.entries.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.seq - b.seq));
      this.sorted = true;
    }
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].start <= addr) lo = mid + 1;
      else hi = mid;
    }
    let best: (PerfMapEntry & { seq: number }) | undefined;
    for (let i = lo - 1; i >= 0 && i >= lo - OVERLAP_SCAN; i--) {
      const e = this.entries[i];
      if (addr < e.start + e.size && (!best || e.seq > best.seq)) best = e;
    }
    return best;
  }
}

/** The uid of a live process, or null when it is gone. */
function processOwner(pid: number): number | null {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return null;
  }
}

/** Where a process's perf map is: its path as the process names it, and a readable path here. */
export interface PerfMapLocation {
  /** `/tmp/perf-PID.map` with the process's own pid (in its PID namespace). */
  readonly path: string;
  /** The same file, readable from here (through /proc/PID/root for another mount namespace), or a problem. */
  readonly readable: { file: string } | { problem: string };
}

/**
 * The perf maps of the processes of a trace being recorded: the frames a stack walk found in
 * JIT code (in no file mapping, or an anonymous one), named by the runtime.
 */
export class PerfMaps {
  private readonly maps = new Map<number, { map: PerfMap; path: string }>();
  /** Processes found writing no perf map: pid -> the exec generation it was looked for in. */
  private readonly absent = new Map<number, number>();

  constructor(private readonly locate: (pid: number) => PerfMapLocation) {}

  /** The map of process pid (`fresh`: made, and so read, by this call), or why there is none. */
  private map(pid: number): { map: PerfMap; path: string; fresh?: boolean } | { problem: string } {
    const known = this.maps.get(pid);
    if (known) return known;
    const where = this.locate(pid);
    if ('problem' in where.readable) return { problem: where.readable.problem };
    const m = { map: new PerfMap(where.readable.file, () => processOwner(pid)), path: where.path };
    this.maps.set(pid, m);
    m.map.refresh();
    return { ...m, fresh: true };
  }

  /**
   * Read what process pid appended to its map so far, while it runs: a stack of it just arrived,
   * and once the process has exited its map is trusted only if it was read while it ran (a short
   * program launched traced is often gone before its stacks are resolved). A process found
   * writing no map is not asked again in the same exec generation `gen`, unless the stack holds
   * code in no file mapping (`anonymousCode`: JIT code, whose map a runtime may have begun since).
   */
  prefetch(pid: number, gen: number, anonymousCode: boolean): void {
    if (!anonymousCode && this.absent.get(pid) === gen) return;
    const known = this.map(pid);
    if ('problem' in known) return;
    if (!known.fresh) known.map.refresh();
    if (known.map.absent) this.absent.set(pid, gen);
    else this.absent.delete(pid);
  }

  /** Process pid wrote its map again from the start (jvmPerfMap.ts): read it whole, now, while it runs. */
  reread(pid: number): void {
    const known = this.map(pid);
    if ('problem' in known) return;
    if (!known.fresh) known.map.reread();
    if (!known.map.absent) this.absent.delete(pid);
  }

  /**
   * The symbol at addr in process pid, or why there is none. A miss reads what the process
   * appended since (the entry of code compiled a moment ago).
   */
  lookup(pid: number, addr: bigint): { symbol: PerfMapEntry; map: string } | { problem: string } {
    const known = this.map(pid);
    if ('problem' in known) return known;
    const { map, path } = known;
    let found = map.lookup(addr);
    if (!found && map.refresh()) found = map.lookup(addr);
    if (found) return { symbol: found, map: path };
    return { problem: map.problem ?? (map.size ? `not in ${path}` : `${path} is empty`) };
  }
}
