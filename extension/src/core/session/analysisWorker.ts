/**
 * The paged trace's analysis worker thread: `iolens report`'s one streaming pass over the trace
 * file (analyzeTraceFile: the same decoding, analysis and bounded memory), with the ids the paged
 * store gave the events (store/eventIds.ts), off the extension host's thread. Posts its progress,
 * then the analysis or the error. Bundled on its own (dist/analysisWorker.js); backgroundAnalysis.ts
 * starts it.
 */
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeTraceFile } from '../commands/report';
import { eventIdCursor } from '../store/eventIds';
import { carryError } from '../trace/readMessages';
import type { AnalysisWorkerData, FromAnalysisWorker } from './backgroundAnalysis';

/** Progress is told at most once per this fraction of the file. */
const PROGRESS_STEP = 0.01;

async function run(port: NonNullable<typeof parentPort>, data: AnalysisWorkerData): Promise<void> {
  const post = (m: FromAnalysisWorker): void => port.postMessage(m);
  try {
    const size = statSync(data.path).size;
    let told = 0;
    const input = await analyzeTraceFile(data.path, {
      symbolPath: data.symbolPath,
      eventIds: eventIdCursor(data.ids),
      progress: (bytes) => {
        const fraction = size ? Math.min(1, bytes / size) : 1;
        if (fraction - told < PROGRESS_STEP) return;
        told = fraction;
        post({ type: 'progress', fraction });
      },
    });
    post({ type: 'done', analysis: input.analysis });
  } catch (e) {
    post({ type: 'error', error: carryError(e) });
  }
}

if (!parentPort) throw new Error('analysisWorker.ts runs as a worker thread (backgroundAnalysis.ts starts it)');
// run() posts its own errors; one it cannot post ends the worker, which the host reports as such
run(parentPort, workerData as AnalysisWorkerData).catch(() => process.exit(1));
