/**
 * Each event's kind, style and flags in one narrow row instead of three bytes: a trace holds few
 * distinct (kind, style, flags) combinations (a few dozen in the fixtures and the synthetic
 * server), so a row keeps the id of its combination — 1 byte while there are 256 or fewer, 2 up
 * to 65,536, else 4 (`NarrowColumn`) — and small tables give each combination's parts.
 */
import { NarrowColumn, type UintArray } from './columns';
import { doubled } from './doubled';

/** A value of one part (kind, style or flags): a byte. */
function part(what: string, v: number): number {
  if (!(v >= 0 && v <= 0xff && Number.isInteger(v))) throw new RangeError(`a trait's ${what} is a byte, not ${v}`);
  return v;
}

/** The kinds, styles and flags of the events, a combination id a row. */
export class TraitColumn {
  private readonly rowIds = new NarrowColumn();
  /** Combination ids by key (kind << 16 | style << 8 | flags). */
  private readonly ids = new Map<number, number>();
  /** Per combination id, its kind, style and flags. */
  private kinds: Uint8Array = new Uint8Array(64);
  private styles: Uint8Array = new Uint8Array(64);
  private flagBits: Uint8Array = new Uint8Array(64);

  /** Number of rows. */
  get length(): number {
    return this.rowIds.length;
  }

  /** Number of distinct combinations held. */
  get combinations(): number {
    return this.ids.size;
  }

  /** The id of a combination, made when new. */
  private idOf(kind: number, style: number, flags: number): number {
    const key = (part('kind', kind) << 16) | (part('style', style) << 8) | part('flags', flags);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.ids.size;
      if (id === this.kinds.length) {
        this.kinds = doubled(this.kinds);
        this.styles = doubled(this.styles);
        this.flagBits = doubled(this.flagBits);
      }
      this.kinds[id] = kind;
      this.styles[id] = style;
      this.flagBits[id] = flags;
      this.ids.set(key, id);
    }
    return id;
  }

  /** Append a row; returns its index. */
  push(kind: number, style: number, flags: number): number {
    return this.rowIds.push(this.idOf(kind, style, flags));
  }

  /** Change row `i`'s style and flags (its kind stays). */
  set(i: number, style: number, flags: number): void {
    this.rowIds.set(i, this.idOf(this.kind(i), style, flags));
  }

  kind(i: number): number {
    return this.kinds[this.rowIds.get(i)];
  }

  style(i: number): number {
    return this.styles[this.rowIds.get(i)];
  }

  flags(i: number): number {
    return this.flagBits[this.rowIds.get(i)];
  }

  /** Each row's combination id (a view: do not keep it across pushes); index `kindOf()`, `styleOf()`, `flagsOf()` with it. */
  rows(): UintArray {
    return this.rowIds.view();
  }

  /** Each combination's kind, by id (do not keep it across pushes). */
  kindOf(): Uint8Array {
    return this.kinds;
  }

  /** Each combination's style, by id (do not keep it across pushes). */
  styleOf(): Uint8Array {
    return this.styles;
  }

  /** Each combination's flags, by id (do not keep it across pushes). */
  flagsOf(): Uint8Array {
    return this.flagBits;
  }

  /** Bytes a row. */
  get width(): number {
    return this.rowIds.width;
  }

  /** Drop the spare capacity. */
  trim(): void {
    this.rowIds.trim();
  }

  /** Room for `rows` rows in all, made now (see Column.reserve). */
  reserve(rows: number): void {
    this.rowIds.reserve(rows);
  }
}
