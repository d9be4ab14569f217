/**
 * The analysis fed in batches, for a pass over a saved trace (`iolens report`, `export`): the
 * events are held back and handed to the analyzer BATCH at a time, so that the decoder's code and
 * data and the analysis' each stay in the CPU's caches for a batch instead of evicting each other
 * at every event (bench/README.md, analysis.ts). Exact: the batch is handed on before anything the
 * analysis reads beside the events changes (the trace's tables announce it: model/changes.ts) and
 * before a result is asked for, so the analysis sees every event with the trace as it was when the
 * event streamed by, and its result is the same as fed one event at a time. The report's pass and
 * the editor's session (a recording, a file being read) both feed it so; `--until` asks after
 * every event and feeds its own analyzer directly.
 */
import type { TraceEvent } from '../model/events';
import type { TableChanges } from '../model/changes';
import { TraceAnalyzer, type AnalysisSource, type AnalyzerOptions } from './analyzer';
import { BY_STACK_ID, type SiteKeys } from './resolve';
import type { ThreadCallStats } from './sites';
import type { AnalysisResult, ChainHop } from './types';

/** Events held back at most, by default. */
export const BATCH = 64;

/** A TraceAnalyzer fed `size` events at a time; see the file comment. */
export class BatchedAnalyzer {
  readonly analyzer: TraceAnalyzer;
  private readonly events: TraceEvent[] = [];
  private readonly ids: number[] = [];
  private n = 0;
  private readonly unlisten: () => void;

  /** `size`: events held back at most (1: handed on one by one). */
  constructor(source: AnalysisSource & { readonly changes: TableChanges }, options: AnalyzerOptions = {}, private readonly size = BATCH) {
    // counted calls are announced as a change before they reach the analyzer's own listener
    this.unlisten = source.changes.listen(() => this.flush());
    this.analyzer = new TraceAnalyzer(source, options);
  }

  /** One event, with its id (TraceAnalyzer.add). */
  add(e: TraceEvent, id: number): void {
    const n = this.n;
    this.events[n] = e;
    this.ids[n] = id;
    this.n = n + 1;
    if (n + 1 >= this.size) this.flush();
  }

  /** Hand the events held back to the analyzer. */
  flush(): void {
    const n = this.n;
    if (n === 0) return;
    this.n = 0;
    const a = this.analyzer;
    for (let i = 0; i < n; i++) a.add(this.events[i], this.ids[i]);
  }

  /** Each thread's syscalls by name, of every event added so far (TraceAnalyzer.threadCalls). */
  threadCalls(): ThreadCallStats[] {
    this.flush();
    return this.analyzer.threadCalls();
  }

  /** The wake-up chain of an event added so far (TraceAnalyzer.chainOf, with `keepChainsFrom`). */
  chainOf(id: number): readonly ChainHop[] | undefined {
    this.flush();
    return this.analyzer.chainOf(id);
  }

  /** The analysis of every event added so far (TraceAnalyzer.result). */
  result(sites: SiteKeys = BY_STACK_ID): AnalysisResult {
    this.flush();
    return this.analyzer.result(sites);
  }

  /** Stop listening to the trace (after the last result). */
  dispose(): void {
    this.flush();
    this.unlisten();
    this.analyzer.dispose();
  }
}
