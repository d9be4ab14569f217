/**
 * User-space drivers on UIO: each interrupt of a UIO device's IRQ, the thread it woke (the read()
 * of /dev/uioN that returned, the poll/epoll that reported it, or the SIGIO its fasync sent) and
 * how long that took, the re-enabling of the interrupt (write(1) to /dev/uioN — irqcontrol — or
 * clearing the INTx-disable bit in the PCI config space, the uio_pci_generic way), and the
 * interrupts the driver missed (the count a read returns jumps by more than one).
 */
import type { UioDeviceRecord } from '../../../../protocol/generated/wire';
import type { Args, ArgValue, TraceEvent } from './events';

/** A UIO device the trace saw. */
export interface UioDevice {
  readonly index: number;
  readonly name: string;
  readonly version: string;
  readonly pci: string;
  readonly irq: number;
  readonly dev: number;
}

/** What was measured for one device. */
export interface UioStats {
  readonly device: UioDevice;
  /** IRQ handler run times (ns). */
  readonly handler: number[];
  /** IRQ entry -> the driver thread woke (ns). */
  readonly wake: number[];
  /** IRQ entry -> the interrupt was re-enabled (ns). */
  readonly reenable: number[];
  /** How the driver woke: read, poll, epoll_wait..., SIGIO. */
  readonly wakeKinds: Map<string, number>;
  interrupts: number;
  missed: number;
  /** Reads whose count jumped, with by how much, the caller's id and stack of the read, and when the reader's previous read returned. */
  readonly missedAt: { ts: number; jump: number; ref: number; stackId: bigint; pid: number; tid: number; since: number | null }[];
  first: number;
  last: number;
}

/** A wake-up caused by an interrupt: the pair the timeline draws as an arrow. */
export interface UioWake {
  readonly device: UioDevice;
  /** The IRQ: when its handler started, and the event id the caller gave it. */
  readonly irqTs: number;
  readonly irqRef: number;
  readonly wakeTs: number;
}

const UIO_PATH = /^\/dev\/uio(\d+)$/;
const CONFIG_PATH = /\/(?:uio\/uio(\d+)\/device|devices\/[^/]+)\/config$/;
/** Bit 2 of byte 5 of the PCI command register: INTx disable. */
const INTX_DISABLE = 0x04;

function str(v: ArgValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The UIO devices of a trace, by index (filled from uio_device records by the assembler). */
export type UioDevices = Map<number, UioDevice>;

/** A uio_device record as a device. */
export function uioDevice(r: UioDeviceRecord): UioDevice {
  const [name = '', version = '', pci = ''] = r.strings;
  return { index: r.index, name, version, pci, irq: r.irq, dev: r.dev };
}

/** Follows the UIO devices of a trace as its events stream by. */
export class UioTracker {
  constructor(readonly devices: UioDevices) {}

  private readonly stats = new Map<number, UioStats>();
  /** Per device, the interrupts not yet matched to a wake-up: [entry ts, ref]. */
  private readonly pending = new Map<number, [number, number][]>();
  /** Per device, the last interrupt (for re-enable latency). */
  private readonly lastIrq = new Map<number, number>();
  /** Per device and reader, the last count a read returned and when. */
  private readonly lastCount = new Map<string, number>();
  private readonly lastReadEnd = new Map<string, number>();
  /** Processes whose UIO fd raises SIGIO (O_ASYNC on /dev/uioN): pid -> device index. */
  private readonly asyncFd = new Map<number, number>();

  private statsOf(d: UioDevice): UioStats {
    let s = this.stats.get(d.index);
    if (!s) {
      s = { device: d, handler: [], wake: [], reenable: [], wakeKinds: new Map(), interrupts: 0, missed: 0, missedAt: [], first: Infinity, last: 0 };
      this.stats.set(d.index, s);
    }
    return s;
  }

  private byIrq(irq: number): UioDevice | undefined {
    for (const d of this.devices.values()) if (d.irq === irq) return d;
    return undefined;
  }

  private byPath(path: string | undefined): UioDevice | undefined {
    const m = path ? UIO_PATH.exec(path) : null;
    return m ? this.devices.get(Number(m[1])) : undefined;
  }

  /** The device an interrupt belongs to, if any (the timeline puts it on the device's track). */
  deviceOfIrq(irq: number): UioDevice | undefined {
    return this.byIrq(irq);
  }

  private woke(d: UioDevice, ts: number, how: string): UioWake | undefined {
    const q = this.pending.get(d.index);
    if (!q?.length) return undefined;
    // the oldest interrupt before the wake-up; the ones before it were coalesced into this wake
    let i = 0;
    while (i + 1 < q.length && q[i + 1][0] <= ts) i++;
    const [irqTs, irqRef] = q[i];
    if (irqTs > ts) return undefined;
    q.splice(0, i + 1);
    const s = this.statsOf(d);
    s.wake.push(ts - irqTs);
    s.wakeKinds.set(how, (s.wakeKinds.get(how) ?? 0) + 1);
    return { device: d, irqTs, irqRef, wakeTs: ts };
  }

  /**
   * One event; `ref` is the caller's id for it (the store's event id). Returns the wake-up it
   * completes, when it is the driver waking for an interrupt.
   */
  add(e: TraceEvent, ref: number): UioWake | undefined {
    if (!this.devices.size) return undefined; // no UIO device in this trace: nothing here can concern one
    switch (e.kind) {
      case 'irq': {
        const d = this.byIrq(e.irq);
        if (!d) return undefined;
        const s = this.statsOf(d);
        s.interrupts++;
        s.handler.push(e.dur);
        s.first = Math.min(s.first, e.ts);
        s.last = Math.max(s.last, e.ts);
        const q = this.pending.get(d.index) ?? [];
        q.push([e.ts, ref]);
        if (q.length > 4096) q.shift();
        this.pending.set(d.index, q);
        this.lastIrq.set(d.index, e.ts);
        return undefined;
      }
      case 'syscall':
        return this.syscall(e, e.args, ref);
      case 'signal': {
        const idx = this.asyncFd.get(e.pid);
        if (e.phase !== 'deliver' || idx === undefined) return undefined;
        const d = this.devices.get(idx);
        return d ? this.woke(d, e.ts, e.name) : undefined;
      }
      default:
        return undefined;
    }
  }

  private syscall(e: TraceEvent & { kind: 'syscall' }, a: Args, ref: number): UioWake | undefined {
    const end = e.ts + e.dur;
    const d = this.byPath(str(a.path));
    if (e.name === 'fcntl' && d && a.async === true) this.asyncFd.set(e.pid, d.index);
    if ((e.name === 'read' || e.name === 'pread64') && d && !e.unfinished && e.ret === 4 && typeof a.interrupts === 'number') {
      const key = `${d.index}:${e.pid}:${String(a.fd)}`;
      const prev = this.lastCount.get(key) ?? (typeof a.count_at_open === 'number' ? a.count_at_open : undefined);
      this.lastCount.set(key, a.interrupts);
      const since = this.lastReadEnd.get(key) ?? null;
      this.lastReadEnd.set(key, end);
      if (prev !== undefined && a.interrupts - prev > 1) {
        const s = this.statsOf(d);
        s.missed += a.interrupts - prev - 1;
        s.missedAt.push({ ts: end, jump: a.interrupts - prev, ref, stackId: e.stackId, pid: e.pid, tid: e.tid, since });
      }
      return this.woke(d, end, 'read');
    }
    if ((e.name === 'write' || e.name === 'pwrite64') && !e.unfinished && e.ret > 0) {
      if (d && a.value === 1) return this.reenabled(d, end);
      const m = CONFIG_PATH.exec(str(a.path) ?? '');
      if (m && e.name === 'pwrite64' && a.pos === 5 && typeof a.value === 'number' && (a.value & INTX_DISABLE) === 0) {
        const cd = m[1] !== undefined ? this.devices.get(Number(m[1])) : [...this.devices.values()].find((x) => (str(a.path) ?? '').includes(x.pci));
        if (cd) return this.reenabled(cd, end);
      }
      return undefined;
    }
    if ((e.model === 'multiplexing') && !e.unfinished && e.ret > 0) {
      const ready = [...(Array.isArray(a.ready) ? a.ready : []), ...(Array.isArray(a.fds) ? a.fds : [])] as Args[];
      for (const r of ready) {
        const rd = this.byPath(str(r.path));
        if (rd && (!('revents' in r) || r.revents !== '0')) return this.woke(rd, end, e.name);
      }
    }
    return undefined;
  }

  private reenabled(d: UioDevice, ts: number): undefined {
    const irq = this.lastIrq.get(d.index);
    if (irq !== undefined && irq <= ts) {
      this.statsOf(d).reenable.push(ts - irq);
      this.lastIrq.delete(d.index);
    }
    return undefined;
  }

  /** What was measured, per device seen. */
  results(): UioStats[] {
    for (const d of this.devices.values()) this.statsOf(d);
    return [...this.stats.values()].sort((a, b) => a.device.index - b.device.index);
  }
}
