/**
 * Growable typed-array columns: a million events cost tens of megabytes, not the hundreds that
 * a million objects would.
 */

type TypedArray = Float64Array | Uint32Array | Uint16Array | Uint8Array | Int32Array;
type TypedArrayCtor<T extends TypedArray> = { new (n: number): T };

/** One growable column of a typed array type. */
export class Column<T extends TypedArray> {
  private data: T;
  length = 0;

  constructor(
    private readonly ctor: TypedArrayCtor<T>,
    initial = 1024,
  ) {
    this.data = new ctor(initial);
  }

  /** Append a value; returns its index. */
  push(v: number): number {
    if (this.length === this.data.length) {
      const bigger = new this.ctor(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length] = v;
    return this.length++;
  }

  get(i: number): number {
    return this.data[i];
  }

  set(i: number, v: number): void {
    this.data[i] = v;
  }

  /** Drop the spare capacity (a column grows by doubling: up to half of it unused). */
  trim(): void {
    if (this.data.length > this.length) this.data = this.data.slice(0, Math.max(1, this.length)) as T;
  }

  /** The filled part (a view: do not keep it across pushes). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** Marks a value of an `IntColumn` kept aside (not a 32-bit integer). */
const ASIDE = -0x80000000;

/**
 * A column of numbers that are nearly all 32-bit integers (return values, counts, codes): 4 bytes
 * a row instead of 8, the few others (a pointer returned by mmap, a fraction) kept aside by row.
 */
export class IntColumn {
  private readonly ints = new Column(Int32Array);
  private readonly aside = new Map<number, number>();

  get length(): number {
    return this.ints.length;
  }

  /** Append a value; returns its index. */
  push(v: number): number {
    const i = this.ints.push(0);
    this.set(i, v);
    return i;
  }

  get(i: number): number {
    const x = this.ints.get(i);
    return x === ASIDE ? (this.aside.get(i) ?? 0) : x;
  }

  set(i: number, v: number): void {
    if ((v | 0) === v && v !== ASIDE) {
      this.ints.set(i, v);
      if (this.aside.size) this.aside.delete(i);
    } else {
      this.ints.set(i, ASIDE);
      this.aside.set(i, v);
    }
  }

  /** Drop the spare capacity. */
  trim(): void {
    this.ints.trim();
  }
}

/** Strings interned to small ids. */
export class StringTable {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  get(id: number): string {
    return this.strings[id] ?? '';
  }

  /** The id of a string interned already, undefined when it is not. */
  find(s: string): number | undefined {
    return this.ids.get(s);
  }

  get size(): number {
    return this.strings.length;
  }
}

/** How many recently interned values InternTable compares a new one with before stringifying it. */
const RECENT = 8;

/** Values interned by their JSON text: a million identical argument lists are stored once. */
export class InternTable<T extends object> {
  private readonly ids = new Map<string, number>();
  private readonly values: T[] = [];
  /**
   * The last RECENT values interned and their ids, a ring (slot `next` is the oldest): consecutive
   * events often carry the same arguments, and a few interleaved threads or processes each repeat
   * their own, so most values are found here without being stringified.
   */
  private readonly recent: (T | undefined)[] = new Array<T | undefined>(RECENT).fill(undefined);
  private readonly recentIds = new Int32Array(RECENT);
  private next = 0;

  id(v: T): number {
    // the newest first: a run of the same value costs one comparison
    for (let i = 1; i <= RECENT; i++) {
      const slot = (this.next - i + RECENT) % RECENT;
      const r = this.recent[slot];
      if (r === undefined) break;
      if (sameJson(r, v)) return this.recentIds[slot];
    }
    const key = JSON.stringify(v);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(v);
      this.ids.set(key, id);
    }
    this.recent[this.next] = v;
    this.recentIds[this.next] = id;
    this.next = (this.next + 1) % RECENT;
    return id;
  }

  get(id: number): T | undefined {
    return this.values[id];
  }

  get size(): number {
    return this.values.length;
  }
}

/**
 * Would JSON.stringify give `a` and `b` the same text? True when they hold the same keys in the
 * same order with identical primitive values, arrays and plain objects compared element by element
 * (an epoll_wait's list of ready events included). False whenever unsure (a value of another
 * kind): the caller then stringifies, so a false answer costs time, never correctness.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i];
    if (k !== kb[i] || !sameJson(ra[k], rb[k])) return false;
  }
  return true;
}
