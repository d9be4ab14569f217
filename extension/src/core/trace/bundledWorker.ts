/**
 * Starting one of the trace's worker threads from its own bundle beside this one (dist/NAME.js, see
 * esbuild.mjs); run from the sources (tests, benches under tsx), from its TypeScript through tsx's
 * loader.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The trace's worker threads (core/trace/NAME.ts, bundled as dist/NAME.js). */
export type TraceWorkerName = 'readWorker' | 'packWorker';

/** Start worker `name` with `data` as its workerData. */
export function startTraceWorker(name: TraceWorkerName, data: unknown): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, `${name}.js`), { workerData: data });
  const source = JSON.stringify(join(__dirname, `${name}.ts`));
  const loader = `require.resolve('tsx/cjs', { paths: [${JSON.stringify(__dirname)}] })`;
  return new Worker(`require(${loader}); require(${source});`, { eval: true, workerData: data });
}
