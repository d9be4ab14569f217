/**
 * The timeline's filter (shared/filter.ts) evaluated on the store: which events match, on which
 * tracks, and the next or previous event of a kind or call site. Names, argument lists and tracks
 * are tested once per distinct value (they are interned), then each event costs a few array reads.
 */
import type { EventRef } from '../../../../protocol/messages';
import { parseFilter, type FilterTerm } from '../../../../shared/filter';
import type { Args } from '../model/events';
import { Flag, type TraceStore } from './traceStore';

/** A filter ready to test events. */
export interface EventFilter {
  /** Does event `id` match? */
  matches(id: number): boolean;
  /** The tracks that can hold matches (a thread: term), or null for all. */
  readonly tracks: ReadonlySet<number> | null;
}

/** What a filter matches in the whole trace. */
export interface FilterSummary {
  /** Tracks with at least one match, in no particular order. */
  readonly tracks: number[];
  readonly events: number;
}

/** A set of the ids of a table's entries that pass `test`. */
function idsWhere(n: number, test: (id: number) => boolean): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < n; i++) if (test(i)) out.add(i);
  return out;
}

function pathOf(args: Args | undefined): string {
  return typeof args?.path === 'string' ? args.path.toLowerCase() : '';
}

/** Compile a filter's text for `store` (as it is now: compile again after it grows). Null: no filter. */
export function compileFilter(store: TraceStore, text: string): EventFilter | null {
  const { terms, error } = parseFilter(text);
  if (error) throw new Error(error);
  if (!terms.length) return null;
  const names = store.names;
  const args = store.argTable;
  const trackLabel = (id: number): string => {
    const t = store.tracks.info(id);
    return t ? `${t.label} ${t.group}`.toLowerCase() : '';
  };
  const nameCol = store.name.view();
  const argCol = store.args.view();
  const trackCol = store.track.view();
  const ends = store.end;
  const rows = store.traits.rows();
  const flags = store.traits.flagsOf();
  const trackSets: ReadonlySet<number>[] = [];
  const tests: ((id: number) => boolean)[] = [];
  for (const term of terms as FilterTerm[]) {
    switch (term.kind) {
      case 'name': {
        const ok = idsWhere(names.size, (i) => names.get(i).toLowerCase().includes(term.text));
        tests.push((id) => ok.has(nameCol[id]));
        break;
      }
      case 'path': {
        const ok = idsWhere(args.size, (i) => pathOf(args.get(i)).includes(term.text));
        tests.push((id) => ok.has(argCol[id]));
        break;
      }
      case 'fd': {
        const ok = idsWhere(args.size, (i) => args.get(i)?.fd === term.fd);
        tests.push((id) => ok.has(argCol[id]));
        break;
      }
      case 'thread': {
        const ok = idsWhere(store.tracks.size, (i) => trackLabel(i).includes(term.text));
        trackSets.push(ok);
        tests.push((id) => ok.has(trackCol[id]));
        break;
      }
      case 'minDuration': {
        const min = term.ns;
        tests.push((id) => !(flags[rows[id]] & Flag.instant) && ends.span(id) >= min);
        break;
      }
      case 'text': {
        const byName = idsWhere(names.size, (i) => names.get(i).toLowerCase().includes(term.text));
        const byPath = idsWhere(args.size, (i) => pathOf(args.get(i)).includes(term.text));
        const byTrack = idsWhere(store.tracks.size, (i) => trackLabel(i).includes(term.text));
        tests.push((id) => byName.has(nameCol[id]) || byPath.has(argCol[id]) || byTrack.has(trackCol[id]));
        break;
      }
    }
  }
  const tracks = trackSets.length ? new Set([...trackSets[0]].filter((t) => trackSets.every((s) => s.has(t)))) : null;
  return { matches: (id) => tests.every((t) => t(id)), tracks };
}

/** The tracks holding matches of `filter`, and how many events match. */
export function summarizeFilter(store: TraceStore, filter: EventFilter): FilterSummary {
  const tracks = new Set<number>();
  const trackCol = store.track.view();
  let events = 0;
  for (let id = 0; id < store.size; id++) {
    if (!filter.matches(id)) continue;
    events++;
    tracks.add(trackCol[id]);
  }
  return { tracks: [...tracks], events };
}

/**
 * The next (dir 1) or previous (dir -1) event after `id` in time, of the same name and kind
 * (`scope` 'kind') or from the same call site ('site'), matching `filter` when there is one.
 */
export function findOccurrence(store: TraceStore, sites: { of(id: number): string | null }, id: number, dir: 1 | -1, scope: 'kind' | 'site', filter: EventFilter | null): EventRef | null {
  if (id < 0 || id >= store.size) return null;
  const name = store.name.get(id);
  const kind = store.traits.kind(id);
  const site = scope === 'site' ? sites.of(id) : null;
  if (scope === 'site' && site === null) return null;
  const names = store.name.view();
  const rows = store.traits.rows();
  const kinds = store.traits.kindOf();
  const start = store.start;
  const t0 = start.get(id);
  let best = -1;
  for (let i = 0; i < names.length; i++) {
    if (i === id || names[i] !== name || kinds[rows[i]] !== kind) continue;
    // strictly after (before) in time; events starting together are ordered by id
    const after = start.get(i) > t0 || (start.get(i) === t0 && i > id);
    if ((dir === 1) !== after) continue;
    if (best >= 0) {
      const closer = dir === 1 ? start.get(i) < start.get(best) || (start.get(i) === start.get(best) && i < best) : start.get(i) > start.get(best) || (start.get(i) === start.get(best) && i > best);
      if (!closer) continue;
    }
    if (filter && !filter.matches(i)) continue;
    if (site !== null && sites.of(i) !== site) continue;
    best = i;
  }
  if (best < 0) return null;
  const e = store.get(best);
  return e ? { id: best, track: e.track, start: e.start, end: e.end ?? e.start } : null;
}
