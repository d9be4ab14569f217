/**
 * The trace's tables that a consumer reads beside the events (the fd tables, the processes and
 * threads, the UIO devices, the metadata, the tracer's counted calls) announce each change before
 * it happens, so that a consumer that holds events back (the analysis fed in batches:
 * analysis/batch.ts) hands them on first and every event is seen with the tables as they were
 * when it streamed by.
 */

/** Announces that the trace's side tables are about to change. */
export class TableChanges {
  private readonly listeners: (() => void)[] = [];

  /** Be called before every change from now on; returns the unsubscribe function. */
  listen(l: () => void): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** A table is about to change (the tables call it; nothing else needs to). */
  before(): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]();
  }
}
