/**
 * Where the diagnosis' time goes, by kind of event: for each kind, a trace of that kind alone
 * (400,000 events) read by the report's real pass (commands/report.ts analyzeTraceFile), timing only
 * the analyzer's own work — the batches BatchedAnalyzer hands on (its `flush`, wrapped here) — apart
 * from the decoding and the report's tallies. Printed per kind: the first 50,000 events (the
 * analysis' code not optimized yet: what a small trace pays) and the events after the first
 * 100,000 (ns an event), for each of PASSES passes in this process (the first pass is the cold one).
 *
 *   npx esbuild bench/analysisKinds.ts --bundle --platform=node --outfile=/tmp/k/kinds.js
 *   node /tmp/k/kinds.js [KIND...] [--passes N]       # KIND: wait nonblocking eagain blocking wake
 *
 * Run one kind a process for each kind's cold figures (a kind run after another finds code the
 * other optimized).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchedAnalyzer } from '../extension/src/core/analysis/batch';
import { analyzeTraceFile } from '../extension/src/core/commands/report';
import { PID, StreamBuilder } from '../extension/src/core/testing/synthetic';
import * as wire from '../protocol/generated/wire';

const US = 1e3;
const EVENTS = 400_000;
const COLD = 50_000;
const WARM_FROM = 100_000;

/** Each kind's one event, appended at time `t` (its `n`th); returns the time after it. */
const KINDS: Record<string, (b: StreamBuilder, t: number, n: number) => number> = {
  // an event loop's wait that reports its socket ready
  wait: (b, t) => {
    b.epollWait({ ts: t, dur: 50 * US, ret: 1, stackId: 1n, ready: [[5n, 1]] });
    return t + 51 * US;
  },
  // a loop's receive on its non-blocking socket
  nonblocking: (b, t) => {
    b.call('recvfrom', { ts: t, dur: 3 * US, ret: 200, fd: 5, nonblocking: true, stackId: 2n });
    return t + 4 * US;
  },
  // a receive that finds nothing (EAGAIN)
  eagain: (b, t) => {
    b.call('recvfrom', { ts: t, dur: 1 * US, ret: -11, fd: 5, stackId: 2n });
    return t + 2 * US;
  },
  // a pool thread's blocking read of a file
  blocking: (b, t, n) => {
    b.call('pread64', { tid: 201 + (n % 4), ts: t, dur: 150 * US, ret: 4096, fd: 7, stackId: 5n, args: [7n, 0n, 4096n, 0n, 0n, 0n] });
    return t + 40 * US;
  },
  // a pool thread waking the loop
  wake: (b, t, n) => {
    b.wake({ tid: 201 + (n % 4), ts: t, wakee: PID, since: null, fd: 8 });
    return t + 40 * US;
  },
};

function trace(kind: string): Uint8Array {
  const b = new StreamBuilder(false);
  b.add(wire.encodeClock({ monoNs: b.origin, realNs: Date.now() * 1e6 }));
  b.add(wire.encodeMeta({ json: JSON.stringify({ backend: 'ebpf', pid: PID, min_duration_ns: 0 }) }));
  b.task({ event: 6, comm: 'server', flags: 2, ts: b.at(0) });
  for (let w = 201; w <= 204; w++) b.task({ event: 6, tid: w, comm: `pool-${w - 200}`, ts: b.at(0) });
  b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
  b.fd({ op: 4, fd: 5, type: 6, path: 'socket:[1]' });
  b.fd({ op: 4, fd: 7, type: 1, path: '/data/blob' });
  b.fd({ op: 4, fd: 8, type: 8, path: 'anon_inode:[eventfd]' });
  const add = KINDS[kind];
  let t = 0;
  for (let n = 0; n < EVENTS; n++) t = add(b, t, n);
  return b.bytes();
}

/** The analyzer's time in the current pass: before COLD events, and from WARM_FROM on. */
const clock = { ns: 0n, events: 0, cold: -1, warmNs: 0n, warmEvents: 0 };
const flush = BatchedAnalyzer.prototype.flush;
BatchedAnalyzer.prototype.flush = function timedFlush(this: BatchedAnalyzer): void {
  const held = (this as unknown as { n: number }).n;
  const t0 = process.hrtime.bigint();
  flush.call(this);
  const d = process.hrtime.bigint() - t0;
  clock.ns += d;
  if (clock.events >= WARM_FROM) {
    clock.warmNs += d;
    clock.warmEvents += held;
  }
  clock.events += held;
  if (clock.cold < 0 && clock.events >= COLD) clock.cold = Number(clock.ns) / 1e6;
};

async function main(): Promise<void> {
  const i = process.argv.indexOf('--passes');
  const passes = i >= 0 ? Number(process.argv[i + 1]) : 3;
  const asked = process.argv.slice(2).filter((a, k, all) => a !== '--passes' && all[k - 1] !== '--passes');
  const kinds = asked.length ? asked : Object.keys(KINDS);
  for (const k of kinds) if (!KINDS[k]) throw new Error(`no such kind: ${k} (kinds: ${Object.keys(KINDS).join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), 'iolens-bench-kinds-'));
  try {
    for (const kind of kinds) {
      const file = join(dir, `${kind}.iolens`);
      writeFileSync(file, trace(kind));
      const rows: string[] = [];
      for (let p = 0; p < passes; p++) {
        Object.assign(clock, { ns: 0n, events: 0, cold: -1, warmNs: 0n, warmEvents: 0 });
        await analyzeTraceFile(file, { symbolPath: [] });
        rows.push(`first ${COLD / 1000}k ${clock.cold.toFixed(1)} ms, then ${(Number(clock.warmNs) / clock.warmEvents).toFixed(0)} ns an event`);
      }
      process.stdout.write(`${kind.padEnd(12)} ${rows.join(' | ')}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
