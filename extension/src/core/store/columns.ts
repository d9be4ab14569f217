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

  /** The filled part (a view: do not keep it across pushes). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
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

  get size(): number {
    return this.strings.length;
  }
}

/** Values interned by their JSON text: a million identical argument lists are stored once. */
export class InternTable<T> {
  private readonly ids = new Map<string, number>();
  private readonly values: T[] = [];

  id(v: T): number {
    const key = JSON.stringify(v);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(v);
      this.ids.set(key, id);
    }
    return id;
  }

  get(id: number): T | undefined {
    return this.values[id];
  }

  get size(): number {
    return this.values.length;
  }
}
