/**
 * Starting one of the editor's worker threads from its own bundle beside this one (dist/NAME.js, see
 * esbuild.mjs); run from the sources (tests, benches under tsx), from its TypeScript through tsx's
 * loader.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The editor's worker threads, each bundled as dist/NAME.js: their sources, from this folder. */
const SOURCES = {
  readWorker: 'readWorker.ts',
  packWorker: 'packWorker.ts',
  analysisWorker: '../session/analysisWorker.ts',
} as const;

/** The editor's worker threads (core/trace/readWorker.ts, packWorker.ts, core/session/analysisWorker.ts). */
export type TraceWorkerName = keyof typeof SOURCES;

/** Start worker `name` with `data` as its workerData. */
export function startTraceWorker(name: TraceWorkerName, data: unknown): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, `${name}.js`), { workerData: data });
  const source = JSON.stringify(join(__dirname, SOURCES[name]));
  const loader = `require.resolve('tsx/cjs', { paths: [${JSON.stringify(__dirname)}] })`;
  return new Worker(`require(${loader}); require(${source});`, { eval: true, workerData: data });
}
