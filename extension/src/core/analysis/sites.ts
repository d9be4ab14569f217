/**
 * Call sites: each traced call (and each AIO / io_uring request, by the stack that submitted it)
 * counted per process, call and stack, with a bounded latency histogram — what the longest-calls
 * list, the CodeLens above a line and its hover show. Memory grows with the number of distinct
 * stacks and threads, not with the number of events.
 *
 * One histogram per call: each call goes into one cell (its thread, call name and stack), and both
 * views are merged from the cells when asked for — a site's figures across its threads, and a
 * thread's figures per call name across its stacks (the report's per-thread call table, which
 * reads them instead of keeping a histogram of the same calls: commands/report.ts). Merged, the
 * figures are those of one histogram fed every call in stream order: the buckets and the exact
 * values do not depend on the order, and each view keeps its total in stream order (RunningTotal).
 */
import type { IoModelName } from '../../../../protocol/generated/wire';
import { LatencyHistogram, RunningTotal } from './histogram';
import type { CallFigures, SiteStats } from './types';

/**
 * What its cells' calls add up to in one view (a site's, or a thread's call name's): their count and
 * total, in stream order. A view of one cell (most: one thread at a site, one stack for a call name)
 * adds nothing of its own — its cell's histogram has the same count and total, added in the same
 * order (RunningTotal) — and takes them from its cell when a second one joins.
 */
class View extends RunningTotal {
  readonly cells: Cell[] = [];

  /** Add a cell (a view's first comes with it). */
  join(cell: Cell): void {
    if (this.cells.length === 1) {
      const solo = this.cells[0];
      this.count = solo.count;
      this.total = solo.total;
    }
    this.cells.push(cell);
  }

  /** Its calls' count. */
  calls(): number {
    return this.cells.length === 1 ? this.cells[0].count : this.count;
  }

  /** Its calls' total time, added in stream order. */
  time(): number {
    return this.cells.length === 1 ? this.cells[0].total : this.total;
  }
}

/** The calls of one thread, call name and stack: their histogram (one object per call reached, not two). */
class Cell extends LatencyHistogram {
  errors = 0;
  longest = -1;
  longestDur = -1;
  /** When its longest call came (the table's count of calls then): the latest of equally long calls wins. */
  longestAt = -1;
  /** Its calls the thread never slept in (eBPF's never_slept: CPU time and preemption, no wait), and their time. */
  neverSlept = 0;
  neverSleptNs = 0;

  constructor(
    readonly pid: number,
    readonly tid: number,
    readonly call: string,
    readonly stackId: bigint,
    /** Id of its first call. */
    readonly first: number,
    readonly site: View,
    /** A syscall's: the thread's call name (a row of the report's table); null for requests. */
    readonly row: View | null,
    /** The syscall's I/O model (the row's, from its first cell), null for requests. */
    readonly model: IoModelName | null,
  ) {
    super();
  }
}

/** A thread's figures for one syscall name, across its stacks (the report's per-thread call table). */
export interface ThreadCallStats extends CallFigures {
  readonly pid: number;
  readonly tid: number;
  readonly name: string;
  readonly model: IoModelName;
  /** Id of the thread's first call of this name. */
  readonly first: number;
}

const MAX_TIDS = 8;
/** Cells a thread's cache holds. */
const CACHED = 8;

/**
 * A thread's last few cells, looked at before the table: a thread calls from a few sites over and
 * over, and comparing stack ids costs less than hashing them.
 */
export class SiteCache {
  readonly slots: Cell[] = [];
  next = 0;
  /**
   * The cell of the thread's last call of each syscall (by id), looked at first when the call's
   * args object is new (a server's calls seldom share one: argFacts.ts keeps a cell per args object).
   */
  readonly bySys: (Cell | undefined)[] = [];
}

function cached(cache: SiteCache, pid: number, tid: number, call: string, stackId: bigint): Cell | undefined {
  const slots = cache.slots;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s.call === call && s.stackId === stackId && s.tid === tid && s.pid === pid) return s;
  }
  return undefined;
}

/** The merged histogram of a view's cells (the cell's own when it has one). */
function merged(v: View): LatencyHistogram {
  if (v.cells.length === 1) return v.cells[0];
  const h = new LatencyHistogram();
  for (const c of v.cells) h.merge(c);
  return h;
}

/** A thread's call at one stack: what `SiteTable.cellOf` gives, to count in with `addTo`. */
export type SiteCell = Cell;

/** The call sites of a trace. */
export class SiteTable {
  /** Sites without a stack, by `${pid}:${call}`. */
  private readonly sites = new Map<string, View>();
  /** Sites with a stack, by stack id (in the order each stack came first), then by creation. */
  private readonly byStack = new Map<bigint, View[]>();
  /** The syscall rows, by `${pid}:${tid}:${call}`. */
  private readonly rows = new Map<string, View>();
  private calls = 0;

  /**
   * Count one call (or request) of `dur` ns, or `calls` of them (a coalesced run of polls); `cache`:
   * the calling thread's; `model`: a syscall's I/O model (it makes a row of the thread's call
   * table), null for a request.
   */
  add(pid: number, tid: number, call: string, stackId: bigint, dur: number, failed: boolean, id: number, model: IoModelName | null, cache?: SiteCache, calls = 1): void {
    this.addTo(this.cellOf(pid, tid, call, stackId, id, model, cache), dur, failed, id, calls);
  }

  /**
   * The cell `add` counts a call in (from `cache`, the thread's, else the table; made on first use):
   * a caller that meets the same thread's call at the same stack again may keep it and `addTo` it.
   */
  cellOf(pid: number, tid: number, call: string, stackId: bigint, id: number, model: IoModelName | null, cache?: SiteCache): SiteCell {
    let cell = cache ? cached(cache, pid, tid, call, stackId) : undefined;
    if (!cell) {
      cell = this.find(pid, tid, call, stackId, id, model);
      if (cache) {
        cache.slots[cache.next] = cell;
        cache.next = (cache.next + 1) % CACHED;
      }
    }
    return cell;
  }

  /**
   * Count one call of `dur` ns (or `calls` of them) in a cell `cellOf` gave (as `add` does);
   * `neverSlept`: the tracer said the thread did not sleep in it.
   */
  addTo(cell: SiteCell, dur: number, failed: boolean, id: number, calls = 1, neverSlept = false): void {
    this.calls++;
    cell.addMany(dur, calls);
    // a view of this one cell has its count and total in the cell's histogram (View)
    const site = cell.site;
    if (site.cells.length !== 1) site.add(dur, calls);
    const row = cell.row;
    if (row !== null && row.cells.length !== 1) row.add(dur, calls);
    if (failed) cell.errors++;
    if (neverSlept) {
      cell.neverSlept += calls;
      cell.neverSleptNs += dur * calls;
    }
    if (dur >= cell.longestDur) {
      cell.longestDur = dur;
      cell.longest = id;
      cell.longestAt = this.calls;
    }
  }

  /** The cell of a thread's call at a stack, made on first use. */
  private find(pid: number, tid: number, call: string, stackId: bigint, id: number, model: IoModelName | null): Cell {
    let site: View | undefined;
    if (stackId) {
      const list = this.byStack.get(stackId);
      if (list) for (let i = 0; i < list.length && !site; i++) if (list[i].cells[0].call === call && list[i].cells[0].pid === pid) site = list[i];
      if (!site) {
        site = new View();
        if (list) list.push(site);
        else this.byStack.set(stackId, [site]);
      }
    } else {
      const k = `${pid}:${call}`;
      site = this.sites.get(k);
      if (!site) {
        site = new View();
        this.sites.set(k, site);
      }
    }
    for (const c of site.cells) if (c.tid === tid) return c;
    let row: View | null = null;
    if (model !== null) {
      const k = `${pid}:${tid}:${call}`;
      row = this.rows.get(k) ?? null;
      if (!row) {
        row = new View();
        this.rows.set(k, row);
      }
    }
    const cell = new Cell(pid, tid, call, stackId, id, site, row, model);
    site.join(cell);
    row?.join(cell);
    return cell;
  }

  /** Every site's figures, longest call first. */
  all(): SiteStats[] {
    const out: SiteStats[] = [];
    const each = (s: View): void => {
      const h = merged(s);
      const [p50, p99] = h.percentiles([50, 99]);
      let errors = 0;
      let neverSlept = 0;
      let neverSleptNs = 0;
      let longest = s.cells[0];
      for (const c of s.cells) {
        errors += c.errors;
        neverSlept += c.neverSlept;
        neverSleptNs += c.neverSleptNs;
        if (c.longestDur > longest.longestDur || (c.longestDur === longest.longestDur && c.longestAt > longest.longestAt)) longest = c;
      }
      const first = s.cells[0];
      out.push({
        pid: first.pid, tids: s.cells.slice(0, MAX_TIDS).map((c) => c.tid), call: first.call, stackId: first.stackId, count: s.calls(), errors,
        total: s.time(), p50, p99, max: h.max, longest: longest.longest, bins: h.log2Bins(), neverSlept, neverSleptNs,
      });
    };
    for (const list of this.byStack.values()) list.forEach(each);
    for (const s of this.sites.values()) each(s);
    return out.sort((a, b) => b.max - a.max);
  }

  /** Each thread's syscalls by name, across their stacks, in the order each came first. */
  threadCalls(): ThreadCallStats[] {
    const out: ThreadCallStats[] = [];
    for (const r of this.rows.values()) {
      const h = merged(r);
      const [p50, p99] = h.percentiles([50, 99]);
      let errors = 0;
      for (const c of r.cells) errors += c.errors;
      const first = r.cells[0];
      out.push({
        pid: first.pid, tid: first.tid, name: first.call, model: first.model as IoModelName, first: first.first, count: r.calls(), errors,
        total: r.time(), p50, p99, max: h.max,
      });
    }
    return out;
  }
}
