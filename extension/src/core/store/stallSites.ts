/**
 * The stalls grouped by call site, as the Stalls view lists them: one group per call and line to
 * change (the analysis' notion of a site: analysis/resolve, the line the findings and the CodeLens
 * name), with its count, total and longest, groups ranked by total time. Calls whose stack has no
 * line in the program's own code group by call under "no source": no line is made up for them.
 */
import { basename, isAbsolute } from 'node:path';
import { siteKeyOf, whereOf, type StackSource } from '../analysis/resolve';
import type { Where } from '../analysis/types';
import { formatLocation } from '../format/source';
import { formatDuration, plural } from '../../../../shared/format';
import { Flag, type TraceStore } from './traceStore';

/** The stalls of one call at one call site. */
export interface StallSite {
  /** The call and its site: the group's identity across refreshes. */
  readonly key: string;
  readonly call: string;
  /** The line to change, null when the stacks have no frame of the program's own code. */
  readonly where: Where | null;
  /** Store ids of its stalls, longest first. */
  readonly ids: readonly number[];
  /** Their time in all, ns. */
  readonly total: number;
  /** The longest, ns. */
  readonly longest: number;
  /** One of them is still in progress. */
  readonly unfinished: boolean;
}

/** The group of the stalls with no line in the program's own code (or no stack at all). */
const NO_SOURCE = 'no source';

/**
 * Group stalls (store ids, longest first, as store/analysis `stalls` gives them) by call and call
 * site; groups ranked by total time, the longest first among equals. Each stack is resolved once.
 */
export function groupStalls(store: TraceStore, ids: readonly number[], stacks: StackSource): StallSite[] {
  const siteKey = siteKeyOf(stacks);
  const sites = new Map<bigint, { key: string; where: Where | null }>();
  const groups = new Map<string, { key: string; call: string; where: Where | null; ids: number[]; total: number; longest: number; unfinished: boolean }>();
  const start = store.start.view();
  const end = store.end.view();
  const flags = store.flags.view();
  for (const id of ids) {
    const stackId = store.stackIds[store.stack.get(id)] ?? 0n;
    let site = sites.get(stackId);
    if (!site) {
      const where = whereOf(stacks, stackId);
      site = { key: where ? siteKey(stackId) : NO_SOURCE, where };
      sites.set(stackId, site);
    }
    const call = store.names.get(store.name.get(id));
    const key = `${call}\0${site.key}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, call, where: site.where, ids: [], total: 0, longest: 0, unfinished: false };
      groups.set(key, g);
    }
    const dur = Number.isNaN(end[id]) ? 0 : end[id] - start[id];
    g.ids.push(id);
    g.total += dur;
    g.longest = Math.max(g.longest, dur);
    if (flags[id] & Flag.unfinished) g.unfinished = true;
  }
  return [...groups.values()].sort((a, b) => b.total - a.total || b.longest - a.longest);
}

/**
 * Where a group's calls are: "src/epoll_stall.c:86" (relative to `base`, the workspace, inside
 * it; the file's name alone outside it), the function when it has no line, else "no source".
 */
export function stallSitePlace(where: Where | null, base: string): string {
  if (where?.file) {
    const at = formatLocation(where, base);
    return isAbsolute(at) ? basename(at) : at;
  }
  return where?.function ? `${where.function} · no source` : NO_SOURCE;
}

/**
 * "80.8 ms in 4 calls · longest 20.2 ms", or "20.2 ms in 1 call": the total first, as the sites
 * are ranked by it and a narrow view keeps the start.
 */
export function stallSiteSummary(site: StallSite): string {
  const n = site.ids.length;
  return `${formatDuration(site.total)} in ${plural(n, 'call')}${n > 1 ? ` · longest ${formatDuration(site.longest)}` : ''}`;
}
