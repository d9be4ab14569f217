/**
 * The bookkeeping behind an export's flows (the timeline's arrows), in bounded memory: events
 * arrive as they end, so an arrow's far end is often not known when its near end is written.
 * Flow ids are allocated here; the ends still to come wait in small per-thread queues.
 */
import type { SyscallEvent } from '../model/events';
import type { FlowEnd } from './model';

/** A flow end waiting for the next finished syscall of a thread. */
export interface PendingEnd {
  readonly flow: FlowEnd;
  /** Whether that syscall is the far end (the io_getevents that reaped, the wait that was woken). */
  readonly matches: (e: SyscallEvent) => boolean;
  /** The instant written instead when it is not (or never comes). */
  readonly fallback: { readonly pid: number; readonly tid: number; readonly ts: number; readonly name: string; readonly category: string };
}

/** Most ends kept waiting for one thread; older ones get their fallback instant. */
const MAX_PENDING_PER_THREAD = 1024;
/** Most AIO submissions remembered for ids (a batch whose io_submit record was lost is forgotten). */
const MAX_AIO_BATCHES = 65536;

/** Flow ids and the ends waiting for a thread's next call. */
export class FlowBook {
  private next = 1;
  private readonly pending = new Map<number, PendingEnd[]>();
  /** io_submit batches: "tid:ts" -> the first flow id of its iocbs and how many are still to come. */
  private readonly aioBatches = new Map<string, { base: number; left: number }>();
  /** Requests completed before their io_submit record arrived: "tid:ts:index" -> id. */
  private readonly aioEarly = new Map<string, number>();

  /** A new flow id. */
  fresh(): number {
    return this.next++;
  }

  /** The flow ids of an io_submit's accepted iocbs (in order). */
  aioSubmit(tid: number, ts: number, count: number): number[] {
    const ids: number[] = [];
    let missing = 0;
    for (let i = 0; i < count; i++) {
      const early = this.aioEarly.get(`${tid}:${ts}:${i}`);
      if (early !== undefined) this.aioEarly.delete(`${tid}:${ts}:${i}`);
      else missing++;
      ids.push(early ?? 0);
    }
    const base = this.next;
    this.next += count;
    for (let i = 0; i < count; i++) if (!ids[i]) ids[i] = base + i;
    if (missing) this.remember(this.aioBatches, `${tid}:${ts}`, { base, left: missing });
    return ids;
  }

  /** The flow id of one AIO request, the same its io_submit was given. */
  aioRequest(tid: number, submitTs: number, index: number): number {
    const batch = this.aioBatches.get(`${tid}:${submitTs}`);
    if (batch) {
      if (--batch.left <= 0) this.aioBatches.delete(`${tid}:${submitTs}`);
      return batch.base + index;
    }
    const id = this.fresh();
    this.remember(this.aioEarly, `${tid}:${submitTs}:${index}`, id);
    return id;
  }

  private remember<V>(m: Map<string, V>, k: string, v: V): void {
    m.set(k, v);
    if (m.size > MAX_AIO_BATCHES) m.delete(m.keys().next().value as string);
  }

  /** Wait for thread `tid`'s next finished syscall. Returns the ends pushed out by the cap. */
  wait(tid: number, end: PendingEnd): PendingEnd[] {
    const list = this.pending.get(tid) ?? [];
    this.pending.set(tid, list);
    list.push(end);
    return list.length > MAX_PENDING_PER_THREAD ? list.splice(0, list.length - MAX_PENDING_PER_THREAD) : [];
  }

  /** A finished syscall of `e.tid`: the flows that end on it, and the ends that get their fallback. */
  settle(e: SyscallEvent): { flowsIn: FlowEnd[]; unmatched: PendingEnd[] } {
    const list = this.pending.get(e.tid);
    if (!list) return { flowsIn: [], unmatched: [] };
    this.pending.delete(e.tid);
    const flowsIn: FlowEnd[] = [];
    const unmatched: PendingEnd[] = [];
    for (const p of list) {
      if (p.matches(e)) flowsIn.push(p.flow);
      else unmatched.push(p);
    }
    return { flowsIn, unmatched };
  }

  /** Every end still waiting (the input ended). */
  drain(): PendingEnd[] {
    const all = [...this.pending.values()].flat();
    this.pending.clear();
    return all;
  }
}
