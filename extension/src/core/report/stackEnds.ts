/**
 * The report's "Stacks" section: how many of the trace's stacks reach the thread's first frame,
 * and the others counted by the module they stop in and why (StackEnd), so that no cut-short
 * stack goes unnoticed.
 */
import type { StackEndName } from '../../../../protocol/generated/wire';
import type { TraceAssembler } from '../model/assembler';
import { NO_DEBUG_INFO, STACK_END_TEXT, type ResolvedStack } from '../symbols/stacks';
import { debugPackageOf, owningPackages } from '../system/debugPackages';

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
  /** Modules whose frames have no line (no debug information found), most frames first. */
  readonly noLines: readonly NoLinesModule[];
  /** Modules whose lines debuginfod supplied, and where from (a server, or the client cache). */
  readonly fromDebuginfod: readonly { readonly module: string; readonly source: string }[];
}

/** A module whose frames have functions but no file and line, and what would add them. */
export interface NoLinesModule {
  readonly module: string;
  /** Its frames in the trace's stacks. */
  readonly frames: number;
  /** The Debian package with its debug information, when this system's dpkg knows the file's package. */
  readonly debugPackage: string | null;
  /** Why debuginfod gave none, when it was asked (the `--debuginfod` option, the `iolens.debuginfod.urls` setting). */
  readonly debuginfod: string | null;
}

/** What debuginfod did for a trace's modules (StackResolver's). */
export interface DebuginfodOutcome {
  /** Modules whose lines it supplied: mapped path -> where from. */
  readonly fromDebuginfod: ReadonlyMap<string, string>;
  /** Modules it had nothing for: mapped path -> why. */
  readonly debuginfodProblems: ReadonlyMap<string, string>;
}

/** Options of the summary. */
export interface StackEndOptions {
  /** The package that installed each file (dpkg's; a test's own). */
  readonly packages?: (paths: readonly string[]) => Map<string, string>;
  /** What debuginfod did, when it was asked. */
  readonly debuginfod?: DebuginfodOutcome;
}

/** Count the trace's stacks by how they end. */
export function summarizeStackEnds(
  trace: Pick<TraceAssembler, 'stacks' | 'symbols'>, resolve: (id: bigint) => ResolvedStack | undefined, o: StackEndOptions = {},
): StackEndSummary {
  const ids = new Set<bigint>([...trace.stacks.keys(), ...trace.symbols.keys()]);
  const cut = new Map<string, StackEndCount>();
  const noLines = new Map<string, number>();
  let complete = 0;
  let unknown = 0;
  let total = 0;
  for (const id of ids) {
    const s = resolve(id);
    if (!s) continue;
    total++;
    for (const f of s.frames) if (f.module && !f.file && f.problem?.startsWith(NO_DEBUG_INFO)) noLines.set(f.module, (noLines.get(f.module) ?? 0) + 1);
    if (!s.end) unknown++;
    else if (s.end === 'complete') complete++;
    else {
      const module = s.frames[s.frames.length - 1]?.module ?? '(no module)';
      const key = `${module}\0${s.end}`;
      const c = cut.get(key);
      cut.set(key, { module, end: s.end, count: (c?.count ?? 0) + 1 });
    }
  }
  const packages = (o.packages ?? owningPackages)([...noLines.keys()]);
  return {
    total, complete, unknown, cut: [...cut.values()].sort((a, b) => b.count - a.count || a.module.localeCompare(b.module)),
    noLines: [...noLines].map(([module, frames]) => {
      const pkg = packages.get(module);
      return { module, frames, debugPackage: pkg ? debugPackageOf(pkg) : null, debuginfod: o.debuginfod?.debuginfodProblems.get(module) ?? null };
    }).sort((a, b) => b.frames - a.frames || a.module.localeCompare(b.module)),
    fromDebuginfod: [...(o.debuginfod?.fromDebuginfod ?? [])].map(([module, source]) => ({ module, source })).sort((a, b) => a.module.localeCompare(b.module)),
  };
}

/** The section's lines (none when the trace says of no stack how it ends and debuginfod was not asked: no stacks, or an older trace). */
export function stackEndLines(s: StackEndSummary): string[] {
  const known = s.total - s.unknown;
  const lines: string[] = [];
  if (known) {
    lines.push('', `Stacks: ${s.complete} of ${known} reach the thread's first frame${s.unknown ? ` (${s.unknown} more: the trace does not say)` : ''}`);
    if (s.cut.length) lines.push('  cut short, by the module where they stop:');
    for (const c of s.cut) lines.push(`    ${c.count}  ${c.module}: ${STACK_END_TEXT[c.end]}`);
  }
  if ((s.noLines.length || s.fromDebuginfod.length) && !known) lines.push('', 'Stacks');
  if (s.noLines.length) {
    lines.push('  no line information (functions only) in these modules, by frames:');
    for (const m of s.noLines) {
      lines.push(`    ${m.frames}  ${m.module}${m.debugPackage ? ` — its lines come with the package ${m.debugPackage}` : ''}${m.debuginfod ? ` — debuginfod: ${m.debuginfod}` : ''}`);
    }
  }
  if (s.fromDebuginfod.length) {
    lines.push('  lines supplied by debuginfod:');
    for (const m of s.fromDebuginfod) lines.push(`    ${m.module} — from ${m.source}`);
  }
  return lines;
}

/** What debuginfod did, one line per module (the command line's notes). */
export function debuginfodNotes(d: DebuginfodOutcome): string[] {
  return [
    ...[...d.fromDebuginfod].map(([module, source]) => `debuginfod: the lines of ${module} come from ${source}`),
    ...[...d.debuginfodProblems].map(([module, why]) => `debuginfod: ${module}: ${why}`),
  ];
}
