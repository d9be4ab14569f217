/**
 * One mode of the analysis benchmark's pass, for a profiler or an instruction counter wrapped
 * around the whole process (bench/analysis.ts times both modes inside one process, which a
 * process-wide count cannot split): the report's real single pass (commands/report.ts
 * analyzeTraceFile) over the benchmark's trace, with or without the analysis, PASSES times;
 * `with:N` hands the analysis N events at a time (analysis/batch.ts; `with:1` one by one).
 * The trace is written once to /tmp and reused.
 *
 *   npx esbuild bench/analysisPass.ts --bundle --platform=node --outfile=/tmp/b/pass.js
 *   valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
 *     node /tmp/b/pass.js with|with:N|without [EVENTS] [PASSES]
 */
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTraceFile } from '../extension/src/core/commands/report';
import { trace } from './analysisTrace';

async function main(): Promise<void> {
  const [mode, size] = (process.argv[2] ?? '').split(':');
  if ((mode !== 'with' && mode !== 'without') || (size !== undefined && !(Number(size) >= 1))) throw new Error('usage: analysisPass.ts with|with:N|without [EVENTS] [PASSES]');
  const events = Number(process.argv[3] ?? 300_000);
  const passes = Number(process.argv[4] ?? 1);
  const file = join(tmpdir(), `iolens-bench-analysis-${events}.iolens`);
  if (!existsSync(file)) writeFileSync(file, trace(events));
  for (let i = 0; i < passes; i++) await analyzeTraceFile(file, { noAnalysis: mode === 'without', analysisBatch: size ? Number(size) : undefined, symbolPath: [] });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
