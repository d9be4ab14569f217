/**
 * What the diagnosis costs `iolens report`: a trace file of a million events read by the report's
 * real single pass (commands/report.ts analyzeTraceFile), with the analysis and without it
 * (--no-analysis in the code's options), rounds interleaved, medians of the wall time and of the
 * process's CPU time (user + system, the collector's threads included: on a loaded machine it does
 * not grow while the pass waits for a CPU, as the wall time does); and the memory the analysis
 * holds at the end (heap after full collections, with minus without).
 *
 * The trace (bench/analysisTrace.ts) gives every rule's state work. bench/analysisDigest.ts checks
 * that a change leaves the analysis' result the same.
 *
 * `--file F` measures a recording instead (a real server's: its arguments cost the report's decoding
 * more than the synthetic trace's do, so the analysis' share is smaller).
 *
 *   npx tsx bench/analysis.ts [--events N] [--rounds R] [--file F]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeTraceFile } from '../extension/src/core/commands/report';
import { trace } from './analysisTrace';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function once(file: string, noAnalysis: boolean): Promise<{ ms: number; cpuMs: number; heap: number; findings: number; events: number }> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const input = await analyzeTraceFile(file, { noAnalysis, symbolPath: [] });
  const c = process.cpuUsage(c0);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const heap = heapAfterGc();
  const findings = input.analysis.findings.length;
  return { ms, cpuMs: (c.user + c.system) / 1e3, heap, findings, events: input.builder.events };
}

async function main(): Promise<void> {
  const rounds = arg('--rounds', 5);
  const at = process.argv.indexOf('--file');
  const given = at >= 0 ? process.argv[at + 1] : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'iolens-bench-analysis-'));
  const file = given ?? join(dir, 'bench.iolens');
  try {
    if (given === undefined) writeFileSync(file, trace(arg('--events', 1_000_000)));
    const { events } = await once(file, false); // warm up both paths
    process.stdout.write(`trace: ${given ?? 'synthetic'}, ${events.toLocaleString('en-US')} events, ${(statSync(file).size / 1e6).toFixed(1)} MB\n`);
    await once(file, true);
    const with_: number[] = [];
    const without: number[] = [];
    const cpuWith: number[] = [];
    const cpuWithout: number[] = [];
    let heapWith = 0;
    let heapWithout = 0;
    let findings = 0;
    for (let r = 0; r < rounds; r++) {
      const a = await once(file, true);
      const b = await once(file, false);
      without.push(a.ms);
      with_.push(b.ms);
      cpuWithout.push(a.cpuMs);
      cpuWith.push(b.cpuMs);
      heapWithout = a.heap;
      heapWith = b.heap;
      findings = b.findings;
    }
    const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const mw = med(with_);
    const mo = med(without);
    const cw = med(cpuWith);
    const co = med(cpuWithout);
    const lines = [
      `report without the analysis: ${mo.toFixed(0)} ms, ${co.toFixed(0)} ms of CPU (medians of ${rounds})`,
      `report with the analysis:    ${mw.toFixed(0)} ms, ${cw.toFixed(0)} ms of CPU (${findings} findings)`,
      `the analysis adds ${(((mw - mo) / mo) * 100).toFixed(1)} % of wall time (goal: under 20 %), ${(((mw - mo) * 1e6) / events).toFixed(0)} ns an event`,
      `the analysis adds ${(((cw - co) / co) * 100).toFixed(1)} % of CPU time, ${(((cw - co) * 1e6) / events).toFixed(0)} ns an event`,
      `fastest rounds (the least disturbed by other load): ${Math.min(...cpuWithout).toFixed(0)} / ${Math.min(...cpuWith).toFixed(0)} ms of CPU, the analysis adds ${(((Math.min(...cpuWith) - Math.min(...cpuWithout)) / Math.min(...cpuWithout)) * 100).toFixed(1)} %, ${(((Math.min(...cpuWith) - Math.min(...cpuWithout)) * 1e6) / events).toFixed(0)} ns an event`,
      `heap at the end: ${(heapWith / 1e6).toFixed(1)} MB with, ${(heapWithout / 1e6).toFixed(1)} MB without (the result and the pipeline's tables included)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'analysis.txt'), lines.join('\n') + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
