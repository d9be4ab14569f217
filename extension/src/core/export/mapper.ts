/**
 * Events to what an export shows, as they stream in: a slice per wait, blocking call, request
 * (on the requests lanes), signal handler run, interrupt and lost-records gap; an instant per
 * signal generated or delivered, wake-up and process/thread change; and a flow for every arrow
 * the timeline draws — submission → completion (through the request), signal generated →
 * delivered, waker → woken call, UIO interrupt → the thread it woke.
 */
import type { Finding } from '../analysis/types';
import type { AioEvent, Args, IrqEvent, SignalEvent, SyscallEvent, TraceEvent, UringEvent } from '../model/events';
import { LossGaps, generateThread, lossLabel, requestLabel, shownArgs, signalLabel, taskLabel, wakeLabel } from '../model/labels';
import { UioTracker, type UioDevices, type UioWake } from '../model/uio';
import { findingArgs, findingName } from './findings';
import { FlowBook, type PendingEnd } from './flows';
import type { ExportSink, FlowEnd } from './model';
import { ExportTracks, type ExportNames } from './tracks';

/** Most interrupts of one UIO device kept waiting for the wake-up they cause. */
const MAX_PENDING_IRQS = 4096;
/** Most signal generations of one process and signal kept waiting for their delivery. */
const MAX_PENDING_SIGNALS = 256;

const NONE: readonly FlowEnd[] = [];
const hex = (v: bigint): string => '0x' + v.toString(16);

/** What the mapper did. */
export interface ExportCounts {
  slices: number;
  instants: number;
  flows: number;
  /** Instants that are findings (counted in instants too). */
  findings: number;
}

/** Turns a trace's events into an export's rows, items and flows. */
export class ExportMapper {
  readonly tracks: ExportTracks;
  readonly counts: ExportCounts = { slices: 0, instants: 0, flows: 0, findings: 0 };
  private readonly flows = new FlowBook();
  private readonly uio: UioTracker;
  /** Calls still in progress when last reported ("tid:ts"), written at the end if they never finish. */
  private readonly unfinished = new Map<string, SyscallEvent>();
  /** Signal generations waiting for their delivery, by "pid:sig". */
  private readonly generated = new Map<string, SignalEvent[]>();
  /** Interrupts of each UIO device waiting for the wake-up they cause. */
  private readonly irqs = new Map<number, { ref: number; e: IrqEvent }[]>();
  private readonly lossGaps = new LossGaps();
  private refs = 0;
  /** The latest time seen (where requests still in flight end). */
  private latest = 0;

  constructor(
    private readonly sink: ExportSink,
    names: ExportNames,
    uioDevices: UioDevices,
  ) {
    this.tracks = new ExportTracks(sink, names);
    this.uio = new UioTracker(uioDevices);
  }

  /** One event, in the order the trace delivers them. */
  add(e: TraceEvent): void {
    switch (e.kind) {
      case 'syscall':
        this.latest = Math.max(this.latest, e.ts + e.dur);
        if (e.unfinished) {
          this.unfinished.set(`${e.tid}:${e.ts}`, e);
          return;
        }
        this.unfinished.delete(`${e.tid}:${e.ts}`);
        return this.syscall(e);
      case 'aio':
      case 'uring':
        return this.request(e);
      case 'signal':
        return this.signal(e);
      case 'irq':
        return this.irq(e);
      case 'wake':
        return this.wake(e);
      case 'process':
      case 'thread':
        if (e.name === 'existing' || e.name === 'rename') return;
        return this.instant(this.tracks.thread(e.pid, e.tid), e.ts, taskLabel(e), 'lifecycle', e.args, 0n, NONE, NONE);
      case 'drop': {
        const start = this.lossGaps.start(e);
        this.slice(this.tracks.losses(e.name), start, e.ts - start, lossLabel(e.count, e.name), 'lost', { count: e.count, total: e.total }, 0n, NONE, NONE, NONE);
        return;
      }
    }
  }

  /** The input ended: write what still waits (calls in progress, unmatched ends) without inventing a partner. */
  finish(): void {
    for (const e of this.unfinished.values()) this.syscall(e);
    this.unfinished.clear();
    for (const list of this.generated.values()) for (const g of list) this.generate(g, NONE);
    this.generated.clear();
    for (const list of this.irqs.values()) for (const p of list) this.irqSlice(p.e, NONE);
    this.irqs.clear();
    for (const p of this.flows.drain()) this.fallback(p);
  }

  /** A finding of the diagnosis, as an instant at `ts` on its thread (its process, or the trace's findings row). */
  finding(f: Finding, ts: number): void {
    const track = f.tid ? this.tracks.thread(f.pid, f.tid) : f.pid ? this.tracks.process(f.pid) : this.tracks.findings();
    this.counts.findings++;
    this.instant(track, ts, findingName(f), 'finding', findingArgs(f), f.stackId, NONE, NONE);
  }

  private syscall(e: SyscallEvent): void {
    const flowsIn: FlowEnd[] = [];
    if (!e.unfinished) {
      const settled = this.flows.settle(e);
      for (const p of settled.unmatched) this.fallback(p);
      flowsIn.push(...settled.flowsIn);
    }
    const woke = this.uio.add(e, 0);
    if (woke) this.irqWoke(woke, flowsIn);
    const iocbs = e.name === 'io_submit' && !e.unfinished && Array.isArray(e.args.iocbs) ? e.args.iocbs.length : 0;
    const flowsOut = iocbs ? this.flows.aioSubmit(e.tid, e.ts, iocbs).map((id) => ({ id, ts: e.ts })) : NONE;
    this.counts.flows += flowsOut.length;
    const args: Args = { ...shownArgs(e), ret: e.ret };
    if (e.error) args.error = e.error;
    if (e.unfinished) args.unfinished = true;
    if (e.cpu !== null) args.cpu = e.cpu;
    this.slice(this.tracks.thread(e.pid, e.tid), e.ts, e.dur, e.name, e.model, args, e.stackId, flowsOut, NONE, flowsIn);
  }

  private request(e: AioEvent | UringEvent): void {
    const label = requestLabel(e);
    const args: Args = { ...e.args, data: hex(e.data), res: e.res };
    if (e.completeTid !== null) args.complete_tid = e.completeTid;
    if (e.submitTs === null) {
      // submitted before the trace started: only its completion is known
      this.latest = Math.max(this.latest, e.ts);
      this.instant(this.tracks.laneTrack(e.pid, 0), e.ts, `${label} completed`, e.kind, { ...args, submitted_before_trace: true }, e.stackId, NONE, NONE);
      return;
    }
    const end = e.completeTs ?? Math.max(this.latest, e.submitTs);
    this.latest = Math.max(this.latest, end);
    if (e.completeTs === null) args.unfinished = true;
    let id: number;
    if (e.kind === 'aio') {
      // its io_submit slice, written before, starts the flow
      id = e.index !== null ? this.flows.aioRequest(e.tid, e.submitTs, e.index) : this.flows.fresh();
    } else {
      // an io_uring submission has no call of its own (io_uring_enter submits many; SQPOLL none)
      id = this.flows.fresh();
      this.instant(this.tracks.thread(e.pid, e.tid), e.submitTs, `${label} submitted`, e.kind, { data: args.data }, 0n, [{ id, ts: e.submitTs }], NONE);
      this.counts.flows++;
    }
    const lane = this.tracks.lane(e.pid, e.submitTs, end);
    this.slice(lane, e.submitTs, end - e.submitTs, label, e.kind, args, e.stackId, NONE, [{ id, ts: e.submitTs }], NONE);
    if (e.completeTs === null || e.completeTid === null) return;
    const completeTs = e.completeTs;
    const reaper = e.kind === 'aio' ? ['io_getevents', 'io_pgetevents'] : ['io_uring_enter'];
    this.wait(e.completeTid, {
      flow: { id, ts: completeTs },
      matches: (s) => reaper.includes(s.name) && s.ts <= completeTs && completeTs <= s.ts + s.dur,
      fallback: { pid: e.pid, tid: e.completeTid, ts: completeTs, name: `${label} completed`, category: e.kind },
    });
  }

  private signal(e: SignalEvent): void {
    this.latest = Math.max(this.latest, e.ts + (e.dur ?? 0));
    if (e.phase === 'handler') {
      this.slice(this.tracks.thread(e.pid, e.tid), e.ts, e.dur ?? 0, signalLabel(e), 'signal', { ...e.args, handler_ns: e.dur }, e.stackId, NONE, NONE, NONE);
      return;
    }
    const key = `${e.pid}:${e.sig}`;
    if (e.phase === 'generate') {
      const list = this.generated.get(key) ?? [];
      this.generated.set(key, list);
      list.push(e);
      if (list.length > MAX_PENDING_SIGNALS) this.generate(list.shift() as SignalEvent, NONE);
      return;
    }
    const flowsIn: FlowEnd[] = [];
    const list = this.generated.get(key) ?? [];
    const waiting = list.filter((g) => g.ts > e.ts);
    for (const g of list) {
      if (g.ts > e.ts) continue;
      if (g.ts === e.generateTs && !flowsIn.length) {
        const id = this.flows.fresh();
        this.counts.flows++;
        this.generate(g, [{ id, ts: g.ts }]);
        flowsIn.push({ id, ts: e.ts });
      } else {
        this.generate(g, NONE);
      }
    }
    if (waiting.length) this.generated.set(key, waiting);
    else this.generated.delete(key);
    const woke = this.uio.add(e, 0);
    if (woke) this.irqWoke(woke, flowsIn);
    const args: Args = { ...e.args, generated_ns_ago: e.generateTs !== null ? e.ts - e.generateTs : null };
    this.instant(this.tracks.thread(e.pid, e.tid), e.ts, signalLabel(e), 'signal', args, e.stackId, NONE, flowsIn);
  }

  private generate(e: SignalEvent, flowsOut: readonly FlowEnd[]): void {
    const from = generateThread(e);
    const args: Args = { ...e.args, to_tid: e.tid };
    if (e.coalesced) args.coalesced = true;
    this.instant(this.tracks.thread(from.pid, from.tid), e.ts, signalLabel(e), 'signal', args, 0n, flowsOut, NONE);
  }

  private irq(e: IrqEvent): void {
    this.latest = Math.max(this.latest, e.ts + e.dur);
    const dev = this.uio.deviceOfIrq(e.irq);
    if (!dev) {
      this.irqSlice(e, NONE);
      return;
    }
    // a UIO device's interrupt: held until the wake-up it causes, which starts its flow
    const ref = ++this.refs;
    this.uio.add(e, ref);
    const list = this.irqs.get(dev.index) ?? [];
    this.irqs.set(dev.index, list);
    list.push({ ref, e });
    if (list.length > MAX_PENDING_IRQS) this.irqSlice((list.shift() as { e: IrqEvent }).e, NONE);
  }

  /** A UIO interrupt woke the event being written: write the interrupt with the flow's start. */
  private irqWoke(w: UioWake, flowsIn: FlowEnd[]): void {
    const list = this.irqs.get(w.device.index) ?? [];
    while (list.length && list[0].ref < w.irqRef) this.irqSlice((list.shift() as { e: IrqEvent }).e, NONE);
    if (!list.length || list[0].ref !== w.irqRef) return;
    const { e } = list.shift() as { e: IrqEvent };
    const id = this.flows.fresh();
    this.counts.flows++;
    this.irqSlice(e, [{ id, ts: e.ts }]);
    flowsIn.push({ id, ts: w.wakeTs });
  }

  private irqSlice(e: IrqEvent, flowsOut: readonly FlowEnd[]): void {
    const dev = this.uio.deviceOfIrq(e.irq);
    const track = dev ? this.tracks.uio(dev) : this.tracks.irq(e.cpu);
    this.slice(track, e.ts, e.dur, e.name, dev ? 'uio' : 'irq', e.args, 0n, flowsOut, NONE, NONE);
  }

  private wake(e: TraceEvent & { kind: 'wake' }): void {
    this.latest = Math.max(this.latest, e.ts);
    const id = this.flows.fresh();
    this.counts.flows++;
    this.instant(this.tracks.thread(e.pid, e.tid), e.ts, wakeLabel(e), 'wakeup', e.args, 0n, [{ id, ts: e.ts }], NONE);
    const since = e.wakeeSince;
    this.wait(e.wakeeTid, {
      flow: { id, ts: e.ts },
      matches: (s) => since !== null && s.ts === since,
      fallback: { pid: e.wakeePid, tid: e.wakeeTid, ts: e.ts, name: `woken by ${e.tid}`, category: 'wakeup' },
    });
  }

  private wait(tid: number, end: PendingEnd): void {
    for (const p of this.flows.wait(tid, end)) this.fallback(p);
  }

  /** A flow's far end that is not a call of its thread: an instant of its own there. */
  private fallback(p: PendingEnd): void {
    const f = p.fallback;
    this.instant(this.tracks.thread(f.pid, f.tid), f.ts, f.name, f.category, {}, 0n, NONE, [p.flow]);
  }

  private slice(
    track: number, ts: number, dur: number, name: string, category: string, args: Args, stackId: bigint,
    flowsOut: readonly FlowEnd[], flowsStep: readonly FlowEnd[], flowsIn: readonly FlowEnd[],
  ): void {
    this.counts.slices++;
    this.sink.item({ track: this.tracks.place(track, ts, ts + dur), ts, dur, name, category, args, stackId, flowsOut, flowsStep, flowsIn });
  }

  private instant(
    track: number, ts: number, name: string, category: string, args: Args, stackId: bigint, flowsOut: readonly FlowEnd[], flowsIn: readonly FlowEnd[],
  ): void {
    this.counts.instants++;
    this.sink.item({ track, ts, dur: null, name, category, args, stackId, flowsOut, flowsStep: NONE, flowsIn });
  }
}
