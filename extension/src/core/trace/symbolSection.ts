/**
 * The symbol section of a trace file: every stack of the trace resolved to source, so that a trace
 * opens with its source lines on a machine that has none of the binaries.
 */
import { encodeSymFrame } from '../../../../protocol/generated/wire';
import type { StackResolver } from '../symbols/stacks';

/** sym_frame records for the given stacks. */
export function encodeSymbolSection(stackIds: Iterable<bigint>, resolver: StackResolver): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const id of stackIds) {
    const stack = resolver.resolve(id);
    if (!stack) continue;
    // an address's frames are its inline chain: inlined ones, then the real function
    let index = 0;
    let depth = 0;
    for (const f of stack.frames) {
      out.push(
        encodeSymFrame({
          index, depth, line: f.line ?? 0, column: f.column ?? 0, flags: (f.inlined ? 1 : 0) | (f.file ? 0 : 2),
          stackId: id, addr: f.addr, strings: [f.function ?? '', f.file ?? '', f.module ?? '', f.problem ?? ''],
        }),
      );
      if (f.inlined) depth++;
      else {
        index++;
        depth = 0;
      }
    }
  }
  return out;
}
