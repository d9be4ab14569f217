/**
 * What feeding the analysis in batches saves `iolens report` (analysis/batch.ts), in one process:
 * the report's real pass (commands/report.ts analyzeTraceFile) over the analysis benchmark's trace
 * without the analysis, and with it handed 1 (one by one, as before batching), 16, 64 (the
 * default), 256 and 1024 events at a time; the modes' order rotates every round, and each mode's
 * median and fastest CPU time (user + system) are compared with the pass without the analysis.
 * In one process the modes share the same JIT-compiled code and the same load, which separate
 * processes run minutes apart on a shared machine do not.
 *
 *   npx esbuild bench/analysisBatch.ts --bundle --platform=node --outfile=/tmp/b/batch.js
 *   node /tmp/b/batch.js [--events N] [--rounds R] [--sizes 1,16,64,256,1024]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTraceFile } from '../extension/src/core/commands/report';
import { trace } from './analysisTrace';

function option(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

/** One pass; its CPU time in ms. `size` 0: without the analysis. */
async function pass(file: string, size: number): Promise<number> {
  const c0 = process.cpuUsage();
  await analyzeTraceFile(file, { noAnalysis: size === 0, analysisBatch: size || undefined, symbolPath: [] });
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e3;
}

async function main(): Promise<void> {
  const events = Number(option('--events', '1000000'));
  const rounds = Number(option('--rounds', '5'));
  const modes = [0, ...option('--sizes', '1,16,64,256,1024').split(',').map(Number)];
  const dir = mkdtempSync(join(tmpdir(), 'iolens-bench-batch-'));
  try {
    const file = join(dir, 'bench.iolens');
    writeFileSync(file, trace(events));
    for (const m of modes) await pass(file, m); // warm up every path
    const cpu = new Map<number, number[]>(modes.map((m) => [m, []]));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < modes.length; i++) {
        const m = modes[(i + r) % modes.length];
        cpu.get(m)?.push(await pass(file, m));
      }
    }
    const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const base = cpu.get(0) ?? [];
    const [bMed, bMin] = [med(base), Math.min(...base)];
    const lines = [`${events.toLocaleString('en-US')} events, ${rounds} rounds; without the analysis: ${bMed.toFixed(0)} ms of CPU (median), ${bMin.toFixed(0)} (fastest)`];
    for (const m of modes.slice(1)) {
      const xs = cpu.get(m) ?? [];
      const [xMed, xMin] = [med(xs), Math.min(...xs)];
      const added = (x: number, b: number): string => `+${(((x - b) / b) * 100).toFixed(1)} % (${(((x - b) * 1e6) / events).toFixed(0)} ns an event)`;
      lines.push(`batch ${String(m).padStart(4)}: ${xMed.toFixed(0)} ms median ${added(xMed, bMed)}, ${xMin.toFixed(0)} ms fastest ${added(xMin, bMin)}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
