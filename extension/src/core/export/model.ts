/**
 * What an export writes, whatever the format: rows (tracks) and, on them, slices and instants
 * with their arguments, stacks and the flows (arrows) between them — the timeline's content,
 * produced as a stream by ExportMapper and written by the Perfetto and Chrome JSON writers.
 */
import type { Args } from '../model/events';

/** What a track holds (overflow: the slices that would not nest on the row it stands beside; findings: those about the whole trace). */
export type ExportTrackKind = 'process' | 'thread' | 'requests' | 'group' | 'irq' | 'uio' | 'losses' | 'overflow' | 'findings';

/** One row. Announced to the writer before its first item. */
export interface ExportTrack {
  /** 1, 2, 3… in order of announcement. */
  readonly id: number;
  readonly kind: ExportTrackKind;
  readonly name: string;
  /** The process it belongs to (0 for global rows: interrupts, UIO devices, losses). */
  readonly pid: number;
  /** thread: its tid; others 0. */
  readonly tid: number;
  /** The row it is nested under (a process, or a group such as "Hard interrupts"), or null. */
  readonly parent: number | null;
  /** requests: the lane (0, 1…); others 0. */
  readonly lane: number;
}

/** One end of a flow: its id and the arrow's time at this end. */
export interface FlowEnd {
  /** Unique in the export, below 2^53. */
  readonly id: number;
  readonly ts: number;
}

/** No flows (shared, so an item without flows allocates none). */
export const NO_FLOWS: readonly FlowEnd[] = [];

/** A slice (dur ≥ 0) or an instant (dur null) on a track. Times in ns since the trace's origin. */
export interface ExportItem {
  readonly track: number;
  readonly ts: number;
  readonly dur: number | null;
  readonly name: string;
  /** The I/O model or kind: multiplexing, blocking, aio, uring, signal, irq, uio, wakeup, lifecycle, lost, finding. */
  readonly category: string;
  readonly args: Args;
  /** User stack id (0n when none). */
  readonly stackId: bigint;
  /** Flows that start here. */
  readonly flowsOut: readonly FlowEnd[];
  /** Flows that pass through here (a request between its submission and its completion). */
  readonly flowsStep: readonly FlowEnd[];
  /** Flows that end here. */
  readonly flowsIn: readonly FlowEnd[];
}

/** A format writer. Calls come in this order: track() before the first item() on it, end() last. */
export interface ExportSink {
  track(t: ExportTrack): void;
  item(i: ExportItem): void;
}
