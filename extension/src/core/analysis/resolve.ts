/**
 * Findings and chains with their source lines: a stack id becomes `where`, the first frame in the
 * user's own code (symbols/userFrame). Done after the pass, since a trace file's symbols come last.
 */
import type { ResolvedStack } from '../symbols/stacks';
import { userFrame } from '../symbols/userFrame';
import type { Finding, RawFinding, Where } from './types';

/** Anything that resolves stack ids (the StackResolver). */
export interface StackSource {
  resolve(stackId: bigint): ResolvedStack | undefined;
}

/** The call to change for a stack, null when it has no frame of the user's code. */
export function whereOf(stacks: StackSource, stackId: bigint): Where | null {
  if (!stackId) return null;
  const f = userFrame(stacks.resolve(stackId));
  return f ? { function: f.function, file: f.file, line: f.line, column: f.column, module: f.module } : null;
}

/** Findings with their `where`. */
export function resolveFindings(raw: readonly RawFinding[], stacks: StackSource): Finding[] {
  return raw.map((f) => ({ ...f, where: whereOf(stacks, f.stackId) }));
}

/** A key for the line a stack's call is at: stacks with the same key are one call site. */
export function siteKeyOf(stacks: StackSource): (stackId: bigint) => string {
  const cache = new Map<bigint, string>();
  return (stackId) => {
    let k = cache.get(stackId);
    if (k === undefined) {
      const w = whereOf(stacks, stackId);
      k = w ? `${w.module ?? ''}:${w.file ?? ''}:${w.line ?? ''}:${w.function ?? ''}` : stackId ? 'no frame of the program' : 'no stack';
      cache.set(stackId, k);
    }
    return k;
  };
}
