/**
 * What the diagnosis costs `iolens report`: a trace file of a million events read by the report's
 * real single pass (commands/report.ts analyzeTraceFile), with the analysis and without it
 * (--no-analysis in the code's options), rounds interleaved, medians of the wall time and of the
 * process's CPU time (user + system, the collector's threads included: on a loaded machine it does
 * not grow while the pass waits for a CPU, as the wall time does); and the memory the analysis
 * holds at the end (heap after full collections, with minus without).
 *
 * The trace: an event loop (epoll_wait, non-blocking recv/send, now and then a blocking read of a
 * pipe inside a turn, woken by a worker), a pool of 4 threads doing preads and waking the loop,
 * zero-timeout polls in bursts, counted short calls — every rule's state gets work.
 *
 *   npx tsx bench/analysis.ts [--events N] [--rounds R]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeTraceFile } from '../extension/src/core/commands/report';
import { PID, StreamBuilder } from '../extension/src/core/testing/synthetic';
import * as wire from '../protocol/generated/wire';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const US = 1e3;
const MS = 1e6;

/** A million-event trace exercising every rule's per-event path. */
export function trace(events: number): Uint8Array {
  const b = new StreamBuilder(false);
  b.add(wire.encodeClock({ monoNs: b.origin, realNs: Date.now() * 1e6 }));
  b.add(wire.encodeMeta({ json: JSON.stringify({ backend: 'ebpf', pid: PID, min_duration_ns: 0 }) }));
  b.task({ event: 6, comm: 'server', flags: 2, ts: b.at(0) });
  const workers = [201, 202, 203, 204];
  for (const w of workers) b.task({ event: 6, tid: w, comm: `pool-${w - 200}`, ts: b.at(0) });
  b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
  b.fd({ op: 4, fd: 5, type: 6, path: 'socket:[1]' });
  b.fd({ op: 4, fd: 6, type: 7, path: 'pipe:[2]' });
  b.fd({ op: 4, fd: 7, type: 1, path: '/data/blob' });
  b.fd({ op: 4, fd: 8, type: 8, path: 'anon_inode:[eventfd]' });
  let t = 0;
  let n = 0;
  const wt = new Map(workers.map((w) => [w, 0]));
  while (n < events) {
    b.epollWait({ ts: t, dur: 50 * US, ret: 1, stackId: 1n, ready: [[5n, 1]] });
    t += 51 * US;
    b.call('recvfrom', { ts: t, dur: 3 * US, ret: 200, fd: 5, nonblocking: true, stackId: 2n });
    b.call('sendto', { ts: t + 4 * US, dur: 4 * US, ret: 900, fd: 5, nonblocking: true, stackId: 3n });
    b.call('recvfrom', { ts: t + 9 * US, dur: 1 * US, ret: -11, fd: 5, stackId: 2n });
    t += 11 * US;
    n += 4;
    if (n % 400 === 0) {
      b.wake({ tid: workers[0], ts: t + 1 * MS, wakee: PID, since: t, call: 'write', wakeeCall: 'read', fd: 6 });
      b.call('read', { ts: t, dur: 1 * MS, ret: 1, fd: 6, stackId: 4n });
      t += 1 * MS + 1 * US;
      n += 2;
    }
    if (n % 1000 === 0) {
      for (let k = 0; k < 20; k++) b.epollWait({ ts: t + k * 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 1n });
      t += 40 * US;
      n += 20;
    }
    const w = workers[n % workers.length];
    const ws = Math.max(wt.get(w) as number, t - 200 * US);
    b.call('pread64', { tid: w, ts: ws, dur: 150 * US, ret: 4096, fd: 7, stackId: 5n, args: [7n, 0n, 4096n, 0n, 0n, 0n] });
    b.wake({ tid: w, ts: ws + 151 * US, wakee: PID, since: null, fd: 8 });
    wt.set(w, ws + 152 * US);
    n += 2;
    if (n % 5000 < 6) b.summary({ ts: t, call: 'fsync', fdType: 1, stackId: 6n, count: n, totalNs: n * 300, inLoop: true });
  }
  b.symbols(1n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['run_loop', '/srv/app/loop.c', 42]]);
  return b.bytes();
}

function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function once(file: string, noAnalysis: boolean): Promise<{ ms: number; cpuMs: number; heap: number; findings: number }> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const input = await analyzeTraceFile(file, { noAnalysis, symbolPath: [] });
  const c = process.cpuUsage(c0);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const heap = heapAfterGc();
  const findings = input.analysis.findings.length;
  return { ms, cpuMs: (c.user + c.system) / 1e3, heap, findings };
}

async function main(): Promise<void> {
  const events = arg('--events', 1_000_000);
  const rounds = arg('--rounds', 5);
  const dir = mkdtempSync(join(tmpdir(), 'iolens-bench-analysis-'));
  const file = join(dir, 'bench.iolens');
  try {
    writeFileSync(file, trace(events));
    process.stdout.write(`trace: ${events.toLocaleString('en-US')} events, ${(statSync(file).size / 1e6).toFixed(1)} MB\n`);
    await once(file, false); // warm up both paths
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
