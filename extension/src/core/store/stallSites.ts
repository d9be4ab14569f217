/**
 * The stalls grouped by call site, as the Stalls view lists them: one group per call and line to
 * change (the analysis' notion of a site: analysis/resolve, the line the findings and the CodeLens
 * name), groups ranked by total time. A group's figures (count, total, longest) are those of all
 * the site's calls — the short ones, and those the tracer only counted under --min-duration —
 * when the analysis' call statistics are given; its stalls are those over the threshold. Calls
 * whose stack has no line in the program's own code group by call under "no source": no line is
 * made up for them.
 */
import { basename, isAbsolute } from 'node:path';
import { siteKeyOf, whereOf, type StackSource } from '../analysis/resolve';
import { moduleAddress } from '../analysis/chainText';
import type { AnalysisResult, Where } from '../analysis/types';
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
  /** Store ids of its stalls (the calls over the threshold), longest first. */
  readonly ids: readonly number[];
  /** The site's calls in all (the stalls, the shorter ones and those only counted). */
  readonly count: number;
  /** Of them, calls the tracer counted without sending them (under --min-duration). */
  readonly counted: number;
  /** Their time in all, ns. */
  readonly total: number;
  /** The longest, ns. */
  readonly longest: number;
  /** One of them is still in progress. */
  readonly unfinished: boolean;
}

/** The group of the stalls with no line in the program's own code (or no stack at all). */
const NO_SOURCE = 'no source';

/** What a call at one stack added up to (the analysis' call statistics: calls sent, and calls counted). */
export interface StackFigures {
  readonly call: string;
  readonly stackId: bigint;
  readonly count: number;
  readonly total: number;
  readonly max: number;
  /** The calls were counted by the tracer, not sent. */
  readonly counted: boolean;
}

/** The call statistics of an analysis, per stack: the calls sent (any duration) and those counted. */
export function stackFigures(result: Pick<AnalysisResult, 'sites' | 'filtered'>): StackFigures[] {
  return [
    ...result.sites.map((s) => ({ call: s.call, stackId: s.stackId, count: s.count, total: s.total, max: s.max, counted: false })),
    ...result.filtered.map((f) => ({ call: f.call, stackId: f.stackId, count: f.count, total: f.totalNs, max: f.maxNs, counted: true })),
  ];
}

interface Group {
  key: string;
  call: string;
  where: Where | null;
  ids: number[];
  count: number;
  counted: number;
  total: number;
  longest: number;
  unfinished: boolean;
}

/**
 * Group stalls (store ids, longest first, as store/analysis `stalls` gives them) by call and call
 * site; groups ranked by total time, the longest first among equals. With `figures` (the
 * analysis' call statistics: stackFigures) a group's count, total and longest cover every call of
 * its site (a stall still in progress is in no statistics: it is added); without, its stalls'
 * only. Each stack is resolved once.
 */
export function groupStalls(store: TraceStore, ids: readonly number[], stacks: StackSource, figures?: readonly StackFigures[]): StallSite[] {
  const siteOf = stallSiteOf(stacks);
  const groups = new Map<string, Group>();
  const ends = store.end;
  const rows = store.traits.rows();
  const flags = store.traits.flagsOf();
  for (const id of ids) {
    const site = siteOf(store.stackIds[store.stack.get(id)] ?? 0n);
    const call = store.names.get(store.name.get(id));
    const key = `${call}\0${site.key}`;
    let g = groups.get(key);
    if (!g) {
      g = { key, call, where: site.where, ids: [], count: 0, counted: 0, total: 0, longest: 0, unfinished: false };
      groups.set(key, g);
    }
    const span = ends.span(id);
    const dur = Number.isNaN(span) ? 0 : span;
    g.ids.push(id);
    const unfinished = (flags[rows[id]] & Flag.unfinished) !== 0;
    if (unfinished) g.unfinished = true;
    // with the statistics, a finished call is in them already
    if (figures && !unfinished) continue;
    g.count++;
    g.total += dur;
    g.longest = Math.max(g.longest, dur);
  }
  if (figures) {
    for (const f of figures) {
      const g = groups.get(`${f.call}\0${siteOf(f.stackId).key}`);
      if (!g) continue;
      g.count += f.count;
      g.total += f.total;
      g.longest = Math.max(g.longest, f.max);
      if (f.counted) g.counted += f.count;
    }
  }
  return [...groups.values()].sort((a, b) => b.total - a.total || b.longest - a.longest);
}

/** A stack's site as the Stalls view groups them: its line, or "no source" (each stack resolved once). */
function stallSiteOf(stacks: StackSource): (stackId: bigint) => { key: string; where: Where | null } {
  const siteKey = siteKeyOf(stacks);
  const sites = new Map<bigint, { key: string; where: Where | null }>();
  return (stackId) => {
    let site = sites.get(stackId);
    if (!site) {
      const where = whereOf(stacks, stackId);
      site = { key: where ? siteKey(stackId) : NO_SOURCE, where };
      sites.set(stackId, site);
    }
    return site;
  };
}

/** At most this many calls of a site are shown in the timeline. */
export const SITE_CALLS_SHOWN = 2000;

/**
 * Every call of a site in the store (its call, at a stack of its line), in time order, at most
 * `limit`: what the timeline marks when the site is selected.
 */
export function siteCalls(store: TraceStore, site: Pick<StallSite, 'key' | 'call'>, stacks: StackSource, limit = SITE_CALLS_SHOWN): number[] {
  const siteOf = stallSiteOf(stacks);
  const names = store.name.view();
  const stackRefs = store.stack.view();
  const name = store.names.find(site.call);
  const out: number[] = [];
  if (name === undefined) return out;
  const match = new Map<number, boolean>();
  for (let id = 0; id < names.length && out.length < limit; id++) {
    if (names[id] !== name) continue;
    const ref = stackRefs[id];
    let m = match.get(ref);
    if (m === undefined) {
      m = `${site.call}\0${siteOf(store.stackIds[ref] ?? 0n).key}` === site.key;
      match.set(ref, m);
    }
    if (m) out.push(id);
  }
  return out;
}

/**
 * Where a group's calls are: "src/epoll_stall.c:86" (relative to `base`, the workspace, inside
 * it; the file's name alone outside it), the function when it has no line, else the module and
 * the call's address in it ("memcached+0x1a2b0 · no source"), else "no source".
 */
export function stallSitePlace(where: Where | null, base: string): string {
  if (where?.file) {
    const at = formatLocation(where, base);
    return isAbsolute(at) ? basename(at) : at;
  }
  if (where?.function) return `${where.function} · no source`;
  return where?.module ? `${moduleAddress(where, basename(where.module))} · no source` : NO_SOURCE;
}

/**
 * "80.8 ms in 4 calls · longest 20.2 ms", or "20.2 ms in 1 call": the total first, as the sites
 * are ranked by it and a narrow view keeps the start.
 */
export function stallSiteSummary(site: StallSite): string {
  const n = site.count;
  return `${formatDuration(site.total)} in ${plural(n, 'call')}${n > 1 ? ` · longest ${formatDuration(site.longest)}` : ''}`;
}
