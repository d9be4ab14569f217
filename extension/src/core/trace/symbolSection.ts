/**
 * The symbol section of a trace file: every stack of the trace resolved to source, so that a trace
 * opens with its source lines on a machine that has none of the binaries.
 */
import { encodeSymFrame, StackEnd } from '../../../../protocol/generated/wire';
import type { StackResolver } from '../symbols/stacks';

/** The symbol section, and how many stacks were left out of it. */
export interface SymbolSection {
  readonly records: Uint8Array[];
  /** Stacks whose resolution did not fit in the budget. */
  readonly left: number;
}

/**
 * sym_frame records for the given stacks. Stacks already resolved cost nothing; resolving the
 * others (reading debug information the first time) stops once `budgetMs` has passed, and the rest
 * are left out (counted).
 */
export function encodeSymbolSection(stackIds: Iterable<bigint>, resolver: StackResolver, budgetMs = Infinity): SymbolSection {
  const records: Uint8Array[] = [];
  const until = performance.now() + budgetMs;
  let left = 0;
  for (const id of stackIds) {
    if (!resolver.settled(id) && performance.now() >= until) {
      left++;
      continue;
    }
    const stack = resolver.resolve(id);
    if (!stack) continue;
    // an address's frames are its inline chain: inlined ones, then the real function
    let index = 0;
    let depth = 0;
    const first = records.length;
    for (const f of stack.frames) {
      records.push(
        encodeSymFrame({
          index, depth, line: f.line ?? 0, column: f.column ?? 0, flags: (f.inlined ? 1 : 0) | (f.file ? 0 : 2), stackEnd: stack.end ? StackEnd[stack.end] : 0,
          stackId: id, addr: f.addr, strings: [f.function ?? '', f.file ?? '', f.module ?? '', f.problem ?? '', records.length === first && stack.why ? stack.why : '', f.imageAddr !== undefined ? f.imageAddr.toString(16) : ''],
        }),
      );
      if (f.inlined) depth++;
      else {
        index++;
        depth = 0;
      }
    }
  }
  return { records, left };
}
