/**
 * Call sites: each traced call (and each AIO / io_uring request, by the stack that submitted it)
 * counted per process, call and stack, with a bounded latency histogram — what the longest-calls
 * list, the CodeLens above a line and its hover show. Memory grows with the number of distinct
 * stacks, not with the number of events.
 */
import { LatencyHistogram } from './histogram';
import type { SiteStats } from './types';

interface Site {
  readonly pid: number;
  readonly call: string;
  readonly stackId: bigint;
  readonly tids: Set<number>;
  /** The thread of the last call (in `tids` already: most calls at a site are its thread's). */
  lastTid: number;
  readonly hist: LatencyHistogram;
  errors: number;
  longest: number;
  longestDur: number;
}

const MAX_TIDS = 8;
/** Sites a thread's cache holds. */
const CACHED = 8;

/**
 * A thread's last few call sites, looked at before the table: a thread calls from a few sites
 * over and over, and comparing stack ids costs less than hashing them.
 */
export class SiteCache {
  readonly slots: Site[] = [];
  next = 0;
}

function cached(cache: SiteCache, pid: number, call: string, stackId: bigint): Site | undefined {
  const slots = cache.slots;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s.call === call && s.stackId === stackId && s.pid === pid) return s;
  }
  return undefined;
}

/** The call sites of a trace. */
export class SiteTable {
  private readonly sites = new Map<string, Site>();
  /** Calls with a stack, by stack id (the common case: no string key to build). */
  private readonly byStack = new Map<bigint, Site[]>();

  /** Count one call (or request) of `dur` ns, or `calls` of them (a coalesced run of polls); `cache`: the calling thread's. */
  add(pid: number, tid: number, call: string, stackId: bigint, dur: number, failed: boolean, id: number, cache?: SiteCache, calls = 1): void {
    let site = cache ? cached(cache, pid, call, stackId) : undefined;
    if (!site) {
      site = this.find(pid, call, stackId);
      if (cache) {
        cache.slots[cache.next] = site;
        cache.next = (cache.next + 1) % CACHED;
      }
    }
    if (tid !== site.lastTid && site.tids.size < MAX_TIDS) {
      site.tids.add(tid);
      site.lastTid = tid;
    }
    site.hist.addMany(dur, calls);
    if (failed) site.errors++;
    if (dur >= site.longestDur) {
      site.longestDur = dur;
      site.longest = id;
    }
  }

  /** The site of a process's call at a stack, made on first use. */
  private find(pid: number, call: string, stackId: bigint): Site {
    let site: Site | undefined;
    if (stackId) {
      const list = this.byStack.get(stackId);
      if (list) for (let i = 0; i < list.length && !site; i++) if (list[i].call === call && list[i].pid === pid) site = list[i];
      if (!site) {
        site = this.create(pid, call, stackId);
        if (list) list.push(site);
        else this.byStack.set(stackId, [site]);
      }
    } else {
      const k = `${pid}:${call}`;
      site = this.sites.get(k);
      if (!site) {
        site = this.create(pid, call, 0n);
        this.sites.set(k, site);
      }
    }
    return site;
  }

  private create(pid: number, call: string, stackId: bigint): Site {
    return { pid, call, stackId, tids: new Set(), lastTid: -1, hist: new LatencyHistogram(), errors: 0, longest: -1, longestDur: -1 };
  }

  /** Every site's figures, longest call first. */
  all(): SiteStats[] {
    const out: SiteStats[] = [];
    const each = (s: Site): void => {
      const [p50, p99] = s.hist.percentiles([50, 99]);
      out.push({
        pid: s.pid, tids: [...s.tids], call: s.call, stackId: s.stackId, count: s.hist.count, errors: s.errors, total: s.hist.total,
        p50, p99, max: s.hist.max, longest: s.longest, bins: s.hist.log2Bins(),
      });
    };
    for (const list of this.byStack.values()) list.forEach(each);
    for (const s of this.sites.values()) each(s);
    return out.sort((a, b) => b.max - a.max);
  }
}
