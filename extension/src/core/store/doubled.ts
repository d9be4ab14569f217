/** Typed columns that grow by doubling: the one copy of "a new array twice as long, the old values first". */

/** A copy of `a` twice as long, its values first (the rest zero). */
export function doubled(a: Float64Array): Float64Array<ArrayBuffer>;
export function doubled(a: Uint8Array): Uint8Array<ArrayBuffer>;
export function doubled(a: Float64Array | Uint8Array): Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer> {
  const b = a instanceof Float64Array ? new Float64Array(a.length * 2) : new Uint8Array(a.length * 2);
  b.set(a);
  return b;
}
