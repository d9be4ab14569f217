/**
 * The report's "Stacks" section: how many of the trace's stacks reach the thread's first frame,
 * and the others counted by the module they stop in and why (StackEnd), so that no cut-short
 * stack goes unnoticed.
 */
import type { StackEndName } from '../../../../protocol/generated/wire';
import type { TraceAssembler } from '../model/assembler';
import { STACK_END_TEXT, type ResolvedStack } from '../symbols/stacks';

/** Stacks that end early, by module and reason. */
export interface StackEndCount {
  readonly module: string;
  readonly end: StackEndName;
  readonly count: number;
}

/** The stacks of a trace, by how they end. */
export interface StackEndSummary {
  readonly total: number;
  readonly complete: number;
  /** The trace does not say how they end (written before this was kept). */
  readonly unknown: number;
  /** Cut short, most first. */
  readonly cut: readonly StackEndCount[];
}

/** Count the trace's stacks by how they end. */
export function summarizeStackEnds(trace: Pick<TraceAssembler, 'stacks' | 'symbols'>, resolve: (id: bigint) => ResolvedStack | undefined): StackEndSummary {
  const ids = new Set<bigint>([...trace.stacks.keys(), ...trace.symbols.keys()]);
  const cut = new Map<string, StackEndCount>();
  let complete = 0;
  let unknown = 0;
  let total = 0;
  for (const id of ids) {
    const s = resolve(id);
    if (!s) continue;
    total++;
    if (!s.end) unknown++;
    else if (s.end === 'complete') complete++;
    else {
      const module = s.frames[s.frames.length - 1]?.module ?? '(no module)';
      const key = `${module}\0${s.end}`;
      const c = cut.get(key);
      cut.set(key, { module, end: s.end, count: (c?.count ?? 0) + 1 });
    }
  }
  return { total, complete, unknown, cut: [...cut.values()].sort((a, b) => b.count - a.count || a.module.localeCompare(b.module)) };
}

/** The section's lines (none when the trace says of no stack how it ends: no stacks, or an older trace). */
export function stackEndLines(s: StackEndSummary): string[] {
  const known = s.total - s.unknown;
  if (!known) return [];
  const lines = ['', `Stacks: ${s.complete} of ${known} reach the thread's first frame${s.unknown ? ` (${s.unknown} more: the trace does not say)` : ''}`];
  if (s.cut.length) lines.push('  cut short, by the module where they stop:');
  for (const c of s.cut) lines.push(`    ${c.count}  ${c.module}: ${STACK_END_TEXT[c.end]}`);
  return lines;
}
