/**
 * Questions asked of the whole trace: the stalls (the longest waits and blocking calls), the
 * latency histogram of a call kind or call site, the event rate.
 */
import type { Histogram, Rate } from '../../../../protocol/messages';
import { isSleep } from '../analysis/classify';
import { formatLocation, sourceFrame } from '../format/source';
import type { StackResolver } from '../symbols/stacks';
import { KindCode } from '../kinds/registry';
import { Flag, type TraceStore } from './traceStore';

/**
 * Per event: a wait or blocking call that can stall a thread. Sleeps are left out: a thread that
 * sleeps chose to (a ticker, a back-off), and listing them buried the real stalls.
 */
function stallFilter(store: TraceStore): (id: number) => boolean {
  const rows = store.traits.rows();
  const flags = store.traits.flagsOf();
  const kind = store.traits.kindOf();
  const name = store.name.view();
  const sleeps = new Set<number>();
  for (let i = 0; i < store.names.size; i++) if (isSleep(store.names.get(i))) sleeps.add(i);
  return (id) => kind[rows[id]] === KindCode.syscall && (flags[rows[id]] & (Flag.wait | Flag.blocking)) !== 0 && !sleeps.has(name[id]);
}

/** Ids of the waits and blocking calls (not sleeps) that lasted at least `thresholdNs`, longest first. */
export function stalls(store: TraceStore, thresholdNs: number, limit = 500): number[] {
  const out: number[] = [];
  const isStall = stallFilter(store);
  const ends = store.end;
  for (let id = 0; id < store.size; id++) {
    if (!isStall(id)) continue;
    if (ends.span(id) >= thresholdNs) out.push(id);
  }
  out.sort((a, b) => ends.span(b) - ends.span(a));
  return out.slice(0, limit);
}

/** The longest wait or blocking call, whatever its length: what the Stalls view names when none passes its threshold. */
export function longestStall(store: TraceStore): number | undefined {
  const isStall = stallFilter(store);
  const ends = store.end;
  let best: number | undefined;
  for (let id = 0; id < store.size; id++) {
    if (!isStall(id)) continue;
    if (best === undefined || ends.span(id) > ends.span(best)) best = id;
  }
  return best;
}

/**
 * "file:line" of the line that issued an event (cached per stack), or null: relative to
 * `sourceRoot` (the workspace) inside it, absolute elsewhere — as the Stalls view shows them.
 */
export class CallSites {
  private readonly cache = new Map<number, string | null>();

  constructor(
    private readonly store: TraceStore,
    private readonly resolver: StackResolver,
    private readonly sourceRoot = '',
  ) {}

  of(id: number): string | null {
    const stack = this.store.stack.get(id);
    if (!stack) return null;
    let site = this.cache.get(stack);
    if (site === undefined) {
      const f = sourceFrame(this.resolver.resolve(this.store.stackIds[stack]));
      site = f?.file && f.line ? formatLocation(f, this.sourceRoot) : null;
      this.cache.set(stack, site);
    }
    return site;
  }

  /** Forget the sites found, e.g. once debuginfod supplied lines where there were none. */
  clear(): void {
    this.cache.clear();
  }
}

/** Bin upper bounds: 1 µs · 2^k up to what is needed. */
function logBounds(max: number): number[] {
  const bounds: number[] = [];
  for (let b = 1000; ; b *= 2) {
    bounds.push(b);
    if (b >= max) break;
  }
  return bounds;
}

/** Latency histogram of the events with the same kind and name as `id` (and the same call site for 'site'). */
export function histogram(store: TraceStore, sites: CallSites, id: number, scope: 'kind' | 'site'): Histogram {
  const name = store.name.get(id);
  const kind = store.traits.kind(id);
  const site = scope === 'site' ? sites.of(id) : null;
  const ends = store.end;
  const names = store.name.view();
  const rows = store.traits.rows();
  const kinds = store.traits.kindOf();
  const durs: number[] = [];
  for (let i = 0; i < names.length; i++) {
    if (names[i] !== name || kinds[rows[i]] !== kind || Number.isNaN(ends.get(i))) continue;
    if (scope === 'site' && sites.of(i) !== site) continue;
    durs.push(ends.span(i));
  }
  const bounds = logBounds(durs.reduce((m, d) => Math.max(m, d), 0));
  const counts = new Array<number>(bounds.length).fill(0);
  for (const d of durs) {
    let k = 0;
    while (k < bounds.length - 1 && d > bounds[k]) k++;
    counts[k]++;
  }
  const label = store.names.get(name);
  return { title: scope === 'site' && site ? `${label} at ${site}` : label, bounds, counts, total: durs.length };
}

/** Events per bin, about 200 bins over the trace (at least 1 ms each). */
export function rate(store: TraceStore): Rate {
  const span = Math.max(store.duration, 1);
  const bins = 200;
  const binNs = Math.max(1e6, span / bins);
  const n = Math.ceil(span / binNs) || 1;
  const counts = new Array<number>(n).fill(0);
  const start = store.start;
  for (let i = 0; i < start.length; i++) counts[Math.min(n - 1, Math.floor(start.get(i) / binNs))]++;
  return { binNs, starts: counts.map((_, i) => i * binNs), counts };
}
