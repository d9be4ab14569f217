/**
 * The store ids a pass over a trace file gives its events, for another pass over the same file that
 * keeps no store (the paged trace's analysis, session/backgroundAnalysis.ts): most events are the
 * store's next row, so only the exceptions are kept — an event that stored no row (a rename, a loss:
 * -1), one that updated a row stored before (a call reported again while in progress: that row's
 * id) — each with its ordinal in the stream and the rows it added.
 */

import { doubled } from './doubled';

/** The exceptions as plain data (a worker's `workerData`): three columns, ordinals ascending. */
export interface EventIdExceptions {
  readonly ordinals: Float64Array;
  readonly ids: Float64Array;
  readonly rows: Float64Array;
}

/** Kept while a pass stores the events, one `note` an event in stream order. */
export class EventIdRecorder {
  private ordinal = 0;
  private stored = 0;
  private n = 0;
  private ordinals = new Float64Array(64);
  private ids = new Float64Array(64);
  private rows = new Float64Array(64);

  /** The next event of the stream got store id `id` (-1: none) and added `rows` rows to the store. */
  note(id: number, rows: number): void {
    if (rows !== 1 || id !== this.stored) {
      if (this.n === this.ids.length) this.grow();
      this.ordinals[this.n] = this.ordinal;
      this.ids[this.n] = id;
      this.rows[this.n] = rows;
      this.n++;
    }
    this.stored += rows;
    this.ordinal++;
  }

  /** Events noted, and how many of them were exceptions. */
  get counts(): { events: number; exceptions: number } {
    return { events: this.ordinal, exceptions: this.n };
  }

  /** The exceptions so far, copied out. */
  exceptions(): EventIdExceptions {
    return { ordinals: this.ordinals.slice(0, this.n), ids: this.ids.slice(0, this.n), rows: this.rows.slice(0, this.n) };
  }

  private grow(): void {
    this.ordinals = doubled(this.ordinals);
    this.ids = doubled(this.ids);
    this.rows = doubled(this.rows);
  }
}

/**
 * The ids of `x`'s pass again, one call an event in stream order: an exception's id, else the
 * store's next row.
 */
export function eventIdCursor(x: EventIdExceptions): () => number {
  let ordinal = 0;
  let stored = 0;
  let k = 0;
  return () => {
    const o = ordinal++;
    if (k < x.ordinals.length && x.ordinals[k] === o) {
      stored += x.rows[k];
      return x.ids[k++];
    }
    return stored++;
  };
}
