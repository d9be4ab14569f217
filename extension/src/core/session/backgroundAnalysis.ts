/**
 * A paged trace's analysis (its findings, I/O models and call sites) computed off the extension
 * host's thread: a worker (analysisWorker.ts, dist/analysisWorker.js) runs `iolens report`'s
 * streaming pass over the file, naming the events by the paged store's ids, and hands the analysis
 * back. Its progress is told as it reads; stopping it ends the worker.
 */
import type { Worker } from 'node:worker_threads';
import type { AnalysisResult } from '../analysis/types';
import type { EventIdExceptions } from '../store/eventIds';
import { startTraceWorker } from '../trace/bundledWorker';
import { reviveError, type CarriedError } from '../trace/readMessages';

/** The worker's input: the file, where else its binaries are, and the paged store's ids. */
export interface AnalysisWorkerData {
  readonly path: string;
  readonly symbolPath: readonly string[];
  readonly ids: EventIdExceptions;
}

/** From the worker: how far it read, then its analysis or its error. */
export type FromAnalysisWorker =
  | { readonly type: 'progress'; readonly fraction: number }
  | { readonly type: 'done'; readonly analysis: AnalysisResult }
  | { readonly type: 'error'; readonly error: CarriedError };

/** An analysis running in a worker. */
export interface BackgroundAnalysis {
  /**
   * The analysis; undefined when stopped first. Rejects with the worker's error (a UserError as
   * it was thrown there, a system error with its code) or when the worker died.
   */
  readonly result: Promise<AnalysisResult | undefined>;
  /** End the worker (the result then resolves undefined). */
  stop(): Promise<void>;
}

/** Analyse the trace file at `path` in a worker, telling `progress` the fraction of it read. */
export function analyseInBackground(path: string, o: { symbolPath?: readonly string[]; ids: EventIdExceptions; progress: (fraction: number) => void }): BackgroundAnalysis {
  const worker: Worker = startTraceWorker('analysisWorker', { path, symbolPath: o.symbolPath ?? [], ids: o.ids } satisfies AnalysisWorkerData);
  let stopped = false;
  const result = new Promise<AnalysisResult | undefined>((resolve, reject) => {
    worker.on('message', (m: FromAnalysisWorker) => {
      if (m.type === 'progress') o.progress(m.fraction);
      else if (m.type === 'done') resolve(m.analysis);
      else reject(reviveError(m.error));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (stopped) resolve(undefined);
      else reject(new Error(`the analysis worker exited with status ${code} before its end`));
    });
  });
  // once settled, the worker has nothing more to do
  const end = (): Promise<void> => worker.terminate().then(() => undefined);
  result.then(end, end).catch(() => undefined);
  return {
    result,
    stop: () => {
      stopped = true;
      return end();
    },
  };
}
