/**
 * The rows of the timeline: a track per thread, grouped by process, a track of requests in flight
 * per process (in lanes), a track of interrupts per CPU.
 */
import type { TrackInfo, TrackKind } from '../../../../protocol/messages';
import { cpuLabel, IRQ_GROUP_LABEL, REQUESTS_LABEL, UIO_GROUP_LABEL } from '../model/labels';

/** Lanes a requests track may use; more overlapping requests share the last one. */
export const MAX_LANES = 16;

interface MutableTrack {
  id: number;
  kind: TrackKind;
  label: string;
  group: string;
  pid: number;
  tid: number;
  lanes: number;
  /** Per lane, the recent [start, end] intervals, to find a free lane. */
  busy: { start: number; end: number }[][];
}

const KIND_ORDER: Record<TrackKind, number> = { thread: 0, requests: 1, uio: 2, irq: 3, drops: 4 };

/** The track registry. */
export class Tracks {
  private readonly list: MutableTrack[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly processNames = new Map<number, string>();
  /** What a process's group label adds after its name and pid (its container). */
  private readonly processNotes = new Map<number, string>();
  private version = 0;

  /** Changes whenever a track is added or renamed. */
  get revision(): number {
    return this.version;
  }

  private get(key: string, make: () => Omit<MutableTrack, 'id' | 'busy'>): number {
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.list.length;
      this.list.push({ ...make(), id, busy: [[]] });
      this.byKey.set(key, id);
      this.version++;
    }
    return id;
  }

  private group(pid: number): string {
    const note = this.processNotes.get(pid);
    return `${this.processNames.get(pid) || 'process'} ${pid}${note ? ` · ${note}` : ''}`;
  }

  /** The track of a thread. */
  thread(pid: number, tid: number, name: string): number {
    return this.get(`t${tid}`, () => ({ kind: 'thread', label: `${name || '?'} ${tid}`, group: this.group(pid), pid, tid, lanes: 1 }));
  }

  /** The requests-in-flight track of a process. */
  requests(pid: number): number {
    return this.get(`r${pid}`, () => ({ kind: 'requests', label: REQUESTS_LABEL, group: this.group(pid), pid, tid: 0, lanes: 1 }));
  }

  /** The interrupts track of a CPU. */
  irq(cpu: number): number {
    return this.get(`i${cpu}`, () => ({ kind: 'irq', label: cpuLabel(cpu), group: IRQ_GROUP_LABEL, pid: 0, tid: 0, lanes: 1 }));
  }

  /** The track of a UIO device: its interrupts, with arrows to the threads they wake. */
  uio(index: number, label: string): number {
    return this.get(`u${index}`, () => ({ kind: 'uio', label, group: UIO_GROUP_LABEL, pid: 0, tid: 0, lanes: 1 }));
  }

  /** Add a note to a process's group label, e.g. the container it runs in. */
  note(pid: number, text: string): void {
    if (this.processNotes.get(pid) === text) return;
    this.processNotes.set(pid, text);
    for (const t of this.list) if (t.pid === pid && t.kind !== 'irq' && t.kind !== 'uio') t.group = this.group(pid);
    this.version++;
  }

  /** A thread or process got a (new) name. */
  rename(pid: number, tid: number, name: string): void {
    if (tid === pid && name && this.processNames.get(pid) !== name) {
      this.processNames.set(pid, name);
      for (const t of this.list) if (t.pid === pid && t.kind !== 'irq' && t.kind !== 'uio') t.group = this.group(pid);
      this.version++;
    }
    const id = this.byKey.get(`t${tid}`);
    if (id !== undefined && name) {
      const label = `${name} ${tid}`;
      if (this.list[id].label !== label) {
        this.list[id].label = label;
        this.version++;
      }
    }
  }

  /** A lane of a requests track free over [start, end]. */
  lane(track: number, start: number, end: number): number {
    const t = this.list[track];
    for (let lane = 0; lane < MAX_LANES; lane++) {
      if (lane === t.busy.length) t.busy.push([]);
      const busy = t.busy[lane];
      // requests arrive roughly in time order: overlaps are with the most recent ones
      const clash = busy.slice(-8).some((b) => b.start < end && start < b.end);
      if (!clash) {
        busy.push({ start, end });
        if (busy.length > 64) busy.splice(0, busy.length - 16);
        if (lane + 1 > t.lanes) {
          t.lanes = lane + 1;
          this.version++;
        }
        return lane;
      }
    }
    return MAX_LANES - 1;
  }

  /** Tracks in display order: processes in order of appearance, threads (main first) then requests; interrupts last. */
  all(): TrackInfo[] {
    const firstOfPid = new Map<number, number>();
    for (const t of this.list) if (!firstOfPid.has(t.pid)) firstOfPid.set(t.pid, t.id);
    return [...this.list]
      .sort((a, b) => {
        const global = (k: TrackKind): number => (k === 'uio' ? 1 : k === 'irq' ? 2 : 0);
        if (global(a.kind) !== global(b.kind)) return global(a.kind) - global(b.kind);
        if (a.pid !== b.pid) return (firstOfPid.get(a.pid) ?? 0) - (firstOfPid.get(b.pid) ?? 0);
        if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
        if ((a.tid === a.pid) !== (b.tid === b.pid)) return a.tid === a.pid ? -1 : 1;
        return a.kind === 'irq' || a.kind === 'uio' ? a.label.localeCompare(b.label, undefined, { numeric: true }) : a.tid - b.tid;
      })
      .map(({ busy: _busy, ...t }) => ({ ...t }));
  }

  /** One track. */
  info(id: number): TrackInfo | undefined {
    const t = this.list[id];
    if (!t) return undefined;
    const { busy: _busy, ...rest } = t;
    return { ...rest };
  }

  get size(): number {
    return this.list.length;
  }
}
