/**
 * What a live recording shows, as digests: a captured tracer stream (`ingest.ts --capture`)
 * replayed through `TraceSession.record` (core/testing/replay.ts), then the store's every event, its
 * arrows, gaps and argument lists, windows at five zoom levels, the details of every 997th event,
 * the summary and the findings hashed. Two builds that give the same digests for a stream show the
 * timeline the same; run both from the same path (a stack frame's problem quotes it). `--keep FILE`
 * keeps the recording's trace file (its blocks are cut by a 1-second timer as well as by size, so
 * two replays' files differ in their block boundaries: compare their `report --json`).
 *
 *   npx tsx bench/ingestDigest.ts STREAM [--keep FILE]
 */
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { ns } from '../protocol/messages';
import { TraceSession } from '../extension/src/core/session/traceSession';
import { replaying } from '../extension/src/core/testing/replay';

/** JSON with bigints as text. */
function json(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** The sha256 (first 16 hex digits) of the values `each` hands over, one JSON line each. */
function digest(each: (add: (x: unknown) => void) => void): string {
  const h = createHash('sha256');
  each((x) => h.update(json(x) + '\n'));
  return h.digest('hex').slice(0, 16);
}

async function main(): Promise<void> {
  const stream = process.argv[2];
  const keepAt = process.argv.indexOf('--keep');
  if (!stream) throw new Error('usage: ingestDigest.ts STREAM [--keep FILE]');
  const { session } = await TraceSession.record({ command: ['replay'] }, { title: 'replay', log: () => undefined }, {}, replaying(readFileSync(stream)));
  await session.whenFinished();
  const s = session.store;
  const d = s.duration;
  const lines = [
    `events: ${s.size}`,
    `stored events: ${digest((add) => { for (let i = 0; i < s.size; i++) add(s.get(i)); })}`,
    `arrows, gaps, argument lists: ${digest((add) => { add(s.arrows); add(s.gaps); add(s.argTable.size); })}`,
    `windows: ${digest((add) => {
      for (const parts of [1, 4, 64, 1024, 16384]) {
        for (let k = 0; k < Math.min(parts, 4); k++) add(session.window(ns((d * k) / parts), ns((d * (k + 1)) / parts), ns(d / parts / 1000)));
      }
    })}`,
    `details: ${digest((add) => { for (let i = 0; i < s.size; i += 997) add(session.details(i)); })}`,
    `summary: ${digest((add) => add(session.summary()))}`,
    `findings: ${digest((add) => add(session.findings()))}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (keepAt > 0 && process.argv[keepAt + 1]) copyFileSync(session.file, process.argv[keepAt + 1]);
  await session.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
