/**
 * The rows of an export, announced to the writer as they are first used: a row per process and
 * thread, the requests-in-flight lanes of each process (AIO and io_uring requests, never two
 * overlapping on one lane), a row per CPU for interrupts and per UIO device, a row per source of
 * lost records. Slices of one row must nest (Perfetto's rule); one that would not is moved to an
 * "(overlapping)" row beside it and counted, never dropped.
 */
import { cpuLabel, FINDINGS_LABEL, IRQ_GROUP_LABEL, LOSSES_LABEL, REQUESTS_LABEL, UIO_GROUP_LABEL, uioLabel } from '../model/labels';
import type { UioDevice } from '../model/uio';
import type { ExportSink, ExportTrack, ExportTrackKind } from './model';

/** Names of processes and threads (the final ones: the trace was read once before the export). */
export interface ExportNames {
  processName(pid: number): string;
  threadName(pid: number, tid: number): string;
}

/** How many recent slices per row are checked for nesting. */
const RECENT = 64;

/** The registry. */
export class ExportTracks {
  private readonly byKey = new Map<string, ExportTrack>();
  private readonly byId: ExportTrack[] = [];
  private next = 1;
  /** Per process, the end of the last request on each lane. */
  private readonly laneEnds = new Map<number, number[]>();
  /** Per row, its recent outermost slices [start, end], sorted by start. */
  private readonly recent = new Map<number, [number, number][]>();
  /** Slices moved to an "(overlapping)" row. */
  overlapping = 0;

  constructor(
    private readonly sink: ExportSink,
    private readonly names: ExportNames,
  ) {}

  private get(key: string, kind: ExportTrackKind, name: string, o: { pid?: number; tid?: number; parent?: number | null; lane?: number } = {}): number {
    let t = this.byKey.get(key);
    if (!t) {
      t = { id: this.next++, kind, name, pid: o.pid ?? 0, tid: o.tid ?? 0, parent: o.parent ?? null, lane: o.lane ?? 0 };
      this.byKey.set(key, t);
      this.byId[t.id] = t;
      this.sink.track(t);
    }
    return t.id;
  }

  /** A process's row. */
  process(pid: number): number {
    return this.get(`p${pid}`, 'process', this.names.processName(pid) || `process ${pid}`, { pid });
  }

  /** A thread's row. */
  thread(pid: number, tid: number): number {
    const parent = this.process(pid);
    return this.get(`t${tid}`, 'thread', this.names.threadName(pid, tid) || `thread ${tid}`, { pid, tid, parent });
  }

  /** A lane of the process's requests row free over [start, end] (it becomes busy). */
  lane(pid: number, start: number, end: number): number {
    const ends = this.laneEnds.get(pid) ?? [];
    this.laneEnds.set(pid, ends);
    let lane = ends.findIndex((e) => e <= start);
    if (lane < 0) {
      lane = ends.length;
      ends.push(end);
    } else {
      ends[lane] = end;
    }
    return this.laneTrack(pid, lane);
  }

  /** Lane `lane` of the process's requests row (for instants, which need no free lane). */
  laneTrack(pid: number, lane: number): number {
    const parent = this.process(pid);
    return this.get(`r${pid}:${lane}`, 'requests', REQUESTS_LABEL, { pid, parent, lane });
  }

  /** A CPU's interrupts row. */
  irq(cpu: number): number {
    const parent = this.get('g:irq', 'group', IRQ_GROUP_LABEL);
    return this.get(`i${cpu}`, 'irq', cpuLabel(cpu), { parent });
  }

  /** A UIO device's row. */
  uio(d: UioDevice): number {
    const parent = this.get('g:uio', 'group', UIO_GROUP_LABEL);
    return this.get(`u${d.index}`, 'uio', uioLabel(d), { parent });
  }

  /** The row of the findings about the whole trace (a process's own go on its threads). */
  findings(): number {
    return this.get('f', 'findings', FINDINGS_LABEL);
  }

  /** The lost-records row of a source (ring_full...). */
  losses(source: string): number {
    const parent = this.get('g:lost', 'group', LOSSES_LABEL);
    return this.get(`l${source}`, 'losses', source, { parent });
  }

  /**
   * The row a slice [start, end] goes on: `track` when it nests with the slices already there
   * (around them, inside one, or apart, as Perfetto orders slices: by time, then as written),
   * else the row's "(overlapping)" sibling.
   */
  place(track: number, start: number, end: number): number {
    let list = this.recent.get(track);
    if (!list) {
      list = [];
      this.recent.set(track, list);
    }
    const last = list[list.length - 1];
    if (!last || last[1] <= start) {
      // the usual case: after everything on the row (outermost slices are disjoint, sorted by start)
      list.push([start, end]);
      if (list.length > RECENT) list.shift();
      return track;
    }
    let inside = false;
    const around: number[] = [];
    for (let i = 0; i < list.length; i++) {
      const [s, e] = list[i];
      // the slices on the row were written before this one: at equal times the earlier goes first
      if (e <= start || s > end) continue;
      if (start < s && e <= end) around.push(i);
      else if (s < start && end < e) inside = true;
      else return this.overflow(track, start, end);
    }
    if (inside) return track;
    for (let k = around.length - 1; k >= 0; k--) list.splice(around[k], 1);
    let at = list.length;
    while (at > 0 && list[at - 1][0] > start) at--;
    list.splice(at, 0, [start, end]);
    if (list.length > RECENT) list.shift();
    return track;
  }

  private overflow(track: number, start: number, end: number): number {
    this.overlapping++;
    const t = this.byId[track];
    const id = this.get(`o${track}`, 'overflow', `${t?.name ?? 'row'} (overlapping)`, { pid: t?.pid ?? 0, tid: t?.tid ?? 0, parent: t?.parent ?? null });
    return id === track ? track : this.place(id, start, end);
  }
}
