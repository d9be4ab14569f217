/**
 * The whole analysis result (findings, threads, processes, loops, sites, counted calls) of the
 * analysis benchmark's trace, as one JSON document, and its SHA-256: a change meant to make the
 * analysis faster must leave it byte for byte the same. Run it before and after the change.
 *
 *   npx tsx bench/analysisDigest.ts [--events N] [--out result.json]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTraceFile } from '../extension/src/core/commands/report';
import { trace } from './analysisTrace';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const events = Number(option('--events') ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'iolens-bench-digest-'));
  try {
    const file = join(dir, 'bench.iolens');
    writeFileSync(file, trace(events));
    const { analysis } = await analyzeTraceFile(file, { symbolPath: [] });
    const json = JSON.stringify(analysis, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const out = option('--out');
    if (out) writeFileSync(out, json);
    const sha = createHash('sha256').update(json).digest('hex');
    process.stdout.write(`${events} events: ${analysis.findings.length} findings, ${json.length} bytes of JSON, sha256 ${sha}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
