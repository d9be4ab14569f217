/**
 * Growable typed-array columns: a million events cost tens of megabytes, not the hundreds that
 * a million objects would.
 */

type TypedArray = Float64Array | Uint32Array | Uint16Array | Uint8Array | Int32Array | Int16Array | Int8Array;
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

  /** Room for `rows` rows in all, made now (no doubling, no copy, while it fills up to them). */
  reserve(rows: number): void {
    if (rows > this.data.length) this.data = resized(this.data, rows, this.length);
  }

  /** The filled part (a view: do not keep it across pushes). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** The first `keep` elements of `a` in a new array of the same type and `capacity` elements. */
export function resized<T extends TypedArray>(a: T, capacity: number, keep: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a.subarray(0, keep));
  return b;
}

/** The unsigned typed arrays a `NarrowColumn` widens through. */
export type UintArray = Uint8Array | Uint16Array | Uint32Array;

/**
 * A column of small unsigned integers (ids of tracks, stacks, argument lists, names) as narrow as
 * its largest value: 1 byte a row while every value is under 256, 2 under 65,536, else 4 — most
 * traces have a few dozen threads and stacks, so 4 bytes a row would be 3 wasted.
 */
export class NarrowColumn {
  private data: UintArray;
  /** The largest value the current array type holds. */
  private max = 0xff;
  length = 0;

  constructor(initial = 1024) {
    this.data = new Uint8Array(initial);
  }

  /** The array type holding `v`, no narrower than the current one. */
  private widenFor(v: number): void {
    // the common case first: an integer 0 to 2^32-1 (v >>> 0 gives back no other) the array holds
    if (v >>> 0 === v && v <= this.max) return;
    if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) throw new RangeError(`NarrowColumn holds integers 0 to 2^32-1, not ${v}`);
    const wider = v <= 0xffff ? new Uint16Array(this.data.length) : new Uint32Array(this.data.length);
    wider.set(this.data);
    this.data = wider;
    this.max = v <= 0xffff ? 0xffff : 0xffffffff;
  }

  /** Append a value; returns its index. */
  push(v: number): number {
    this.widenFor(v);
    if (this.length === this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => UintArray)(this.data.length * 2);
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
    this.widenFor(v);
    this.data[i] = v;
  }

  /** Drop the spare capacity. */
  trim(): void {
    if (this.data.length > this.length) this.data = this.data.slice(0, Math.max(1, this.length));
  }

  /** Room for `rows` rows in all, made now (see Column.reserve). */
  reserve(rows: number): void {
    if (rows > this.data.length) this.data = resized(this.data, rows, this.length);
  }

  /** The filled part (a view: do not keep it across pushes). */
  view(): UintArray {
    return this.data.subarray(0, this.length);
  }

  /** Bytes a row. */
  get width(): number {
    return this.data.BYTES_PER_ELEMENT;
  }
}

type IntArray = Int8Array | Int16Array | Int32Array;

/**
 * A column of numbers that are nearly all 32-bit integers (return values, counts, codes): 1, 2 or
 * 4 bytes a row, as narrow as its values (most calls return 0 or a small count), the few others
 * (a pointer returned by mmap, a fraction) kept aside by row. A row kept aside holds the array
 * type's least value, which is therefore itself kept aside at 4 bytes a row.
 */
export class IntColumn {
  private ints: IntArray = new Int8Array(1024);
  /** The least value of the current array type: marks a row kept aside. */
  private marker = -0x80;
  private readonly aside = new Map<number, number>();
  length = 0;

  /** Append a value; returns its index. */
  push(v: number): number {
    if (this.length === this.ints.length) this.resize(this.ints.length * 2);
    const i = this.length++;
    this.set(i, v);
    return i;
  }

  get(i: number): number {
    const x = this.ints[i];
    return x === this.marker ? (this.aside.get(i) ?? 0) : x;
  }

  set(i: number, v: number): void {
    if ((v | 0) === v && v !== -0x80000000) {
      if (v <= this.marker || v > -this.marker - 1) this.widen(v);
      this.ints[i] = v;
      if (this.aside.size) this.aside.delete(i);
    } else {
      this.ints[i] = this.marker;
      this.aside.set(i, v);
    }
  }

  /** Rows a 16- or 32-bit array, wide enough for the 32-bit integer `v`; the rows kept aside keep their mark. */
  private widen(v: number): void {
    const to16 = v > -0x8000 && v < 0x8000 && this.ints instanceof Int8Array;
    const wider = to16 ? new Int16Array(this.ints.length) : new Int32Array(this.ints.length);
    const marker = to16 ? -0x8000 : -0x80000000;
    for (let i = 0; i < this.length; i++) {
      const x = this.ints[i];
      wider[i] = x === this.marker ? marker : x;
    }
    this.ints = wider;
    this.marker = marker;
  }

  private resize(capacity: number): void {
    this.ints = resized(this.ints, capacity, Math.min(this.length, capacity));
  }

  /** Drop the spare capacity. */
  trim(): void {
    if (this.ints.length > this.length) this.resize(Math.max(1, this.length));
  }

  /** Room for `rows` rows in all, made now (see Column.reserve). */
  reserve(rows: number): void {
    if (rows > this.ints.length) this.resize(rows);
  }

  /** Bytes a row. */
  get width(): number {
    return this.ints.BYTES_PER_ELEMENT;
  }
}

/** Marks a row of an `EndColumn` whose end is kept aside (or, absent there, an instant's: none). */
const END_ASIDE = 0xffffffff;

/**
 * The ends of the events, as lengths from their starts: 4 bytes a row instead of 8. An instant
 * (no end) reads NaN; a length of 2^32 - 1 ns (4.3 s) or more, or not a whole number of ns, is
 * kept aside by row with its end.
 */
export class EndColumn {
  private readonly lens = new Column(Uint32Array);
  private readonly aside = new Map<number, number>();

  constructor(
    /** The events' starts: a row's start is pushed before its end. */
    private readonly starts: { get(i: number): number },
  ) {}

  get length(): number {
    return this.lens.length;
  }

  /** Append an end (NaN: none); returns its index. */
  push(end: number): number {
    const i = this.lens.push(0);
    this.set(i, end);
    return i;
  }

  /** The end of row `i`, NaN for none. */
  get(i: number): number {
    const len = this.lens.get(i);
    return len === END_ASIDE ? (this.aside.get(i) ?? Number.NaN) : this.starts.get(i) + len;
  }

  /** The length of row `i` (end - start), NaN for none. */
  span(i: number): number {
    const len = this.lens.get(i);
    return len === END_ASIDE ? (this.aside.get(i) ?? Number.NaN) - this.starts.get(i) : len;
  }

  set(i: number, end: number): void {
    const start = this.starts.get(i);
    const len = end - start;
    if (len >= 0 && len < END_ASIDE && Number.isInteger(len) && start + len === end) {
      this.lens.set(i, len);
      if (this.aside.size) this.aside.delete(i);
      return;
    }
    this.lens.set(i, END_ASIDE);
    if (Number.isNaN(end)) this.aside.delete(i);
    else this.aside.set(i, end);
  }

  /** Drop the spare capacity. */
  trim(): void {
    this.lens.trim();
  }

  /** Room for `rows` rows in all, made now (see Column.reserve). */
  reserve(rows: number): void {
    this.lens.reserve(rows);
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

/** How many recently interned values InternTable checks a new one against (by identity) before hashing it. */
const RECENT = 8;

/** How many values InternTable finds by identity (`byObject`) before it starts again. */
const BY_OBJECT_MAX = 16384;

/**
 * Values interned by their JSON content: a million identical argument lists are stored once. A
 * value is looked up by a hash of its content (jsonHash) and compared with the values of that hash
 * (sameJson): no JSON text is made, nor kept as a key — a server's calls, whose argument lists are
 * mostly each their own (an fd, a size, an offset), paid a stringify and a kept string for every
 * event. The hash comes first: comparing a new value with the last few whole, before hashing it,
 * cost a server's trace (a handful of threads alternating their calls, each list repeated but
 * rarely the last one's) eight failed comparisons an event, more than the hash itself.
 */
export class InternTable<T extends object> {
  /** The ids of the values of each hash: one id, or several when hashes collide. */
  private readonly byHash = new Map<number, number | number[]>();
  private readonly values: T[] = [];
  /**
   * The last RECENT values asked for and their ids, a ring (slot `next` is the oldest): a value
   * asked for again as the same object (a list shared by consecutive events) needs no hash.
   */
  private readonly recent: (T | undefined)[] = new Array<T | undefined>(RECENT).fill(undefined);
  private readonly recentIds = new Int32Array(RECENT);
  private next = 0;

  /**
   * The ids of the values asked for since it was last emptied, by the object asked with (at most
   * BY_OBJECT_MAX): a server's thread shares each of its connections' args objects between its
   * calls (kinds/syscallArgsMemo.ts), dozens of lists in turn, more than RECENT — found by
   * identity, not hashed and compared whole again. A value is never changed once asked for.
   */
  private readonly byObject = new Map<T, number>();

  id(v: T): number {
    for (let i = 0; i < RECENT; i++) if (this.recent[i] === v) return this.recentIds[i];
    let id = this.byObject.get(v);
    if (id === undefined) {
      id = this.lookup(v, jsonHash(v));
      if (this.byObject.size >= BY_OBJECT_MAX) this.byObject.clear();
      this.byObject.set(v, id);
    }
    this.recent[this.next] = v;
    this.recentIds[this.next] = id;
    this.next = (this.next + 1) % RECENT;
    return id;
  }

  /**
   * The id of `v` without its keys in `skip` (a syscall's pointers): `id` of that copy, the copy
   * made only when no equal value is interned yet — a server's calls differ in their pointers
   * alone, and a copy an event (then hashed and dropped) cost more than the hash.
   */
  idWithout(v: T, skip: readonly string[]): number {
    if (!skip.length) return this.id(v);
    const h = jsonHashWithout(v, skip);
    const found = this.byHash.get(h);
    if (typeof found === 'number') {
      if (sameJsonWithout(v, this.values[found], skip)) return found;
    } else if (found !== undefined) {
      for (let i = 0; i < found.length; i++) if (sameJsonWithout(v, this.values[found[i]], skip)) return found[i];
    }
    return this.add(withoutKeys(v, skip), h, found);
  }

  /** The id of a value equal to `v` (whose jsonHash is `h`), interned now if there is none. */
  private lookup(v: T, h: number): number {
    const found = this.byHash.get(h);
    if (typeof found === 'number') {
      if (sameJson(this.values[found], v)) return found;
    } else if (found !== undefined) {
      for (let i = 0; i < found.length; i++) if (sameJson(this.values[found[i]], v)) return found[i];
    }
    return this.add(v, h, found);
  }

  /** Intern `v`, new, of hash `h` (`found`: the ids of that hash before). */
  private add(v: T, h: number, found: number | number[] | undefined): number {
    const id = this.values.length;
    this.values.push(v);
    if (found === undefined) this.byHash.set(h, id);
    else if (typeof found === 'number') this.byHash.set(h, [found, id]);
    else found.push(id);
    return id;
  }

  get(id: number): T | undefined {
    return this.values[id];
  }

  get size(): number {
    return this.values.length;
  }
}

/** One step of jsonHash: `x` (32 bits) mixed into `h` (FNV-1a's multiplier). */
function mix(h: number, x: number): number {
  return Math.imul(h ^ x, 0x01000193) >>> 0;
}

/** stringHash's hashes of the strings met last (the same paths and names come back event after event). */
const stringHashes = new Map<string, number>();
/** How many strings stringHashes keeps before starting again. */
const STRING_HASHES_MAX = 4096;

/** A 32-bit hash of a string's characters, remembered for the strings met last (a Map finds a string by the hash V8 keeps in it). */
function stringHash(v: string): number {
  let x = stringHashes.get(v);
  if (x === undefined) {
    x = 0x811c9dc5;
    for (let i = 0; i < v.length; i++) x = mix(x, v.charCodeAt(i));
    x = mix(x, v.length);
    if (stringHashes.size >= STRING_HASHES_MAX) stringHashes.clear();
    stringHashes.set(v, x);
  }
  return x;
}

/**
 * A 32-bit hash of a JSON-like value's content, equal for values sameJson finds the same (keys in
 * their order, array items, strings by their characters, numbers by value: 0 and -0 alike).
 */
export function jsonHash(v: unknown, h = 0x811c9dc5): number {
  switch (typeof v) {
    case 'number':
      if (Number.isInteger(v)) return mix(mix(h, v | 0), Math.floor(v / 4294967296) | 0);
      return jsonHash(String(v), mix(h, 0x64));
    case 'string':
      return mix(mix(h, 0x73), stringHash(v));
    case 'boolean':
      return mix(h, v ? 0x74 : 0x66);
    case 'object': {
      if (v === null) return mix(h, 0x6e);
      if (Array.isArray(v)) {
        let x = mix(h, 0x5b);
        for (let i = 0; i < v.length; i++) x = jsonHash(v[i], x);
        return mix(x, v.length);
      }
      return objectHash(v as Record<string, unknown>, h, NO_KEYS);
    }
    default:
      return mix(h, 0x75);
  }
}

/** jsonHash of `withoutKeys(v, skip)`, the copy not made. */
export function jsonHashWithout(v: object, skip: readonly string[]): number {
  return objectHash(v as Record<string, unknown>, 0x811c9dc5, skip);
}

/** jsonHash's step for a plain object `o` (its keys in `skip` left out), from hash `h`. */
function objectHash(o: Record<string, unknown>, h: number, skip: readonly string[]): number {
  let x = mix(h, 0x7b);
  for (const k in o) {
    if (skip.length && skip.includes(k)) continue;
    x = jsonHash(o[k], jsonHash(k, x));
  }
  return x;
}

/** A plain copy of `v` without its keys in `skip`, the others in their order. */
export function withoutKeys<T extends object>(v: T, skip: readonly string[]): T {
  const out: Record<string, unknown> = {};
  const o = v as Record<string, unknown>;
  // for..in, not Object.entries: no array of pairs made
  for (const k in o) if (!skip.includes(k)) out[k] = o[k];
  return out as T;
}

/**
 * Would JSON.stringify give `a` and `b` the same text? True when they hold the same keys in the
 * same order with identical primitive values, arrays and plain objects compared element by element
 * (an epoll_wait's list of ready events included). False whenever unsure (a value of another
 * kind): an InternTable then keeps a second copy, so a false answer costs memory, never correctness.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return sameAt(a, b, 0);
}

/**
 * Would JSON.stringify give `a` without its keys in `skip` the same text as `b`? sameJson of `b`
 * and a copy of `a` without them, the copy not made.
 */
export function sameJsonWithout(a: object, b: object, skip: readonly string[]): boolean {
  return plainObjects(a, b) && sameKeysAndValues(a as Record<string, unknown>, b as Record<string, unknown>, 0, skip);
}

/** Per depth of sameAt's recursion, the second object's keys, reused: no array made for a comparison. */
const keysAt: string[][] = [];

/** No key skipped. */
export const NO_KEYS: readonly string[] = [];

/** sameJson of two values `depth` levels inside the compared ones. */
function sameAt(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameAt(a[i], b[i], depth + 1)) return false;
    return true;
  }
  return plainObjects(a, b) && sameKeysAndValues(a as Record<string, unknown>, b as Record<string, unknown>, depth, NO_KEYS);
}

/** Both plain objects (no array, Object's prototype): for..in gives their own keys in Object.keys' order. */
function plainObjects(a: object, b: object): boolean {
  return !Array.isArray(a) && !Array.isArray(b) && Object.getPrototypeOf(a) === Object.prototype && Object.getPrototypeOf(b) === Object.prototype;
}

/** The keys of `a` but those in `skip` are the keys of `b` in the same order, each with a sameJson value. */
function sameKeysAndValues(a: Record<string, unknown>, b: Record<string, unknown>, depth: number, skip: readonly string[]): boolean {
  const keys = keysAt[depth] ?? (keysAt[depth] = []);
  let n = 0;
  for (const k in b) keys[n++] = k;
  let i = 0;
  for (const k in a) {
    if (skip.length && skip.includes(k)) continue;
    if (i === n || keys[i] !== k || !sameAt(a[k], b[k], depth + 1)) return false;
    i++;
  }
  return i === n;
}
