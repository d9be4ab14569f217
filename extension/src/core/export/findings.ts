/**
 * The diagnosis in an export: each finding becomes an instant on its thread named after its rule
 * ("finding: loop-blocked"), at the start of the worst event behind it, with its severity, title,
 * evidence, suggestion and line as arguments and its stack as the callstack — so a trace shared
 * in Perfetto or chrome://tracing shows what iolens concluded where it happened.
 *
 * The findings come from a first pass over the trace (the analysis needs all of it); the export's
 * second pass streams the events again in the same order, so an event's ordinal (the id the
 * analysis gave it, as `iolens dump` numbers events) finds the time to place each finding at.
 */
import { whereText } from '../analysis/chainText';
import type { Finding } from '../analysis/types';
import type { Args } from '../model/events';

/** The name of a finding's instant: the rule in it, for searching and filtering by rule. */
export function findingName(f: Pick<Finding, 'rule'>): string {
  return `finding: ${f.rule}`;
}

/** A finding's arguments in an export (stable names, as in `iolens report --json`). */
export function findingArgs(f: Finding): Args {
  const args: Args = {
    rule: f.rule, severity: f.severity, title: f.title, detail: f.detail, suggestion: f.suggestion,
    impact_ns: f.impactNs, event_count: f.eventCount,
  };
  const at = whereText(f.where, (file) => file);
  if (at) args.where = at;
  if (f.where?.file) args.file = f.where.file;
  if (f.where?.line) args.line = f.where.line;
  if (f.where?.function) args.function = f.where.function;
  if (f.events.length) args.event = f.events[0];
  return args;
}

/** Findings waiting for the event they are placed at, by event ordinal. */
export class FindingPlacer {
  private readonly byEvent = new Map<number, Finding[]>();
  private readonly unplaced: Finding[] = [];

  constructor(findings: readonly Finding[]) {
    for (const f of findings) {
      if (!f.events.length) {
        this.unplaced.push(f);
        continue;
      }
      const list = this.byEvent.get(f.events[0]) ?? [];
      list.push(f);
      this.byEvent.set(f.events[0], list);
    }
  }

  /** The findings placed at event `id` (taken: each is returned once). */
  at(id: number): readonly Finding[] | undefined {
    const list = this.byEvent.get(id);
    if (list) this.byEvent.delete(id);
    return list;
  }

  /** The findings not placed yet (no events, or their event never came by): placed by the caller at the trace's start. */
  rest(): Finding[] {
    const out = [...this.unplaced, ...[...this.byEvent.values()].flat()];
    this.unplaced.length = 0;
    this.byEvent.clear();
    return out;
  }
}
