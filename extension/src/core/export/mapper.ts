/**
 * Events to what an export shows, as they stream in: a slice per wait, blocking call, request
 * (on the requests lanes), signal handler run, interrupt and lost-records gap; an instant per
 * signal generated or delivered, wake-up and process/thread change; and a flow for every arrow
 * the timeline draws — submission → completion (through the request), signal generated →
 * delivered, waker → woken call, UIO interrupt → the thread it woke.
 */
import type { Finding } from '../analysis/types';
import type { ExportContext, KindExporter } from '../kinds/kind';
import { PerKind } from '../kinds/registry';
import type { Args, TraceEvent } from '../model/events';
import { UioTracker, type UioDevices } from '../model/uio';
import { findingArgs, findingName } from './findings';
import { FlowBook, type PendingEnd } from './flows';
import { NO_FLOWS, type ExportSink, type FlowEnd } from './model';
import { ExportTracks, type ExportNames } from './tracks';


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
  /** The latest time seen (where requests still in flight end). */
  private latest = 0;
  /** Each kind's part of this export (kinds/). */
  private readonly exporters: PerKind<KindExporter<TraceEvent>>;

  constructor(
    private readonly sink: ExportSink,
    names: ExportNames,
    uioDevices: UioDevices,
  ) {
    this.tracks = new ExportTracks(sink, names);
    this.uio = new UioTracker(uioDevices);
    const ctx = this.context();
    this.exporters = new PerKind((m) => m.export(ctx));
  }

  /** What the kinds add to (kinds/kind.ts). */
  private context(): ExportContext {
    return {
      tracks: this.tracks,
      flows: this.flows,
      counts: this.counts,
      uio: this.uio,
      latest: () => this.latest,
      seen: (ts) => {
        this.latest = Math.max(this.latest, ts);
      },
      slice: (...a) => this.slice(...a),
      instant: (...a) => this.instant(...a),
      wait: (tid, end) => this.wait(tid, end),
      fallback: (p) => this.fallback(p),
      uioWoke: (e, flowsIn) => {
        const w = this.uio.add(e, 0);
        if (w) for (const x of this.exporters.all) x.woke?.(w, flowsIn);
      },
    };
  }

  /** One event, in the order the trace delivers them. */
  add(e: TraceEvent): void {
    this.exporters.of(e.kind).add(e);
  }

  /** The input ended: write what still waits (calls in progress, unmatched ends) without inventing a partner. */
  finish(): void {
    for (const x of this.exporters.all) x.finish?.();
    for (const p of this.flows.drain()) this.fallback(p);
  }

  /** A finding of the diagnosis, as an instant at `ts` on its thread (its process, or the trace's findings row). */
  finding(f: Finding, ts: number): void {
    const track = f.tid ? this.tracks.thread(f.pid, f.tid) : f.pid ? this.tracks.process(f.pid) : this.tracks.findings();
    this.counts.findings++;
    this.instant(track, ts, findingName(f), 'finding', findingArgs(f), f.stackId, NO_FLOWS, NO_FLOWS);
  }

  private wait(tid: number, end: PendingEnd): void {
    for (const p of this.flows.wait(tid, end)) this.fallback(p);
  }

  /** A flow's far end that is not a call of its thread: an instant of its own there. */
  private fallback(p: PendingEnd): void {
    const f = p.fallback;
    this.instant(this.tracks.thread(f.pid, f.tid), f.ts, f.name, f.category, {}, 0n, NO_FLOWS, [p.flow]);
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
    this.sink.item({ track, ts, dur: null, name, category, args, stackId, flowsOut, flowsStep: NO_FLOWS, flowsIn });
  }
}
