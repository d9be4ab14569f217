/**
 * Live ingest: how many events a second a recording takes in, sustained, from the tracer through
 * the extension host's own path (core/session TraceSession.record: the tracer's stream written to
 * the temporary trace file, decoded, stored in the columnar store and analysed), with how many the
 * ring dropped, the memory the host holds, and the CPU it spends an event.
 *
 * The workload: two processes of test/fixtures/epoll_loop, each making `--rate` epoll_wait calls a
 * second for `--seconds` (one traced call per iteration; `--ready` makes every poll return its
 * event, so no tracer can fold a run of them into one record). Needs root (the eBPF backend).
 *
 *   npx tsx bench/ingest.ts [--seconds 60] [--rate 1000000] [--ring-mib 16] [--backend ebpf|ptrace] [--capture FILE]
 *   npx tsx bench/ingest.ts --replay FILE [--rounds 3]
 *
 * `--capture FILE` also saves the tracer's raw stream; `--replay FILE` feeds such a stream, in
 * 64 KiB chunks, through the same path as a live recording (the session's writer, pipeline, store
 * and analyser) with no tracer: deterministic, no root, for CPU profiles (`node --cpu-prof`).
 *
 * The goal (issue 14): 2 M events/s for 60 s with 0 drops on a 16 MiB ring.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { TraceSession } from '../extension/src/core/session/traceSession';
import type { StartTracer } from '../extension/src/core/tracer/spawn';
import { startTracer, type Backend } from '../extension/src/core/tracer/spawn';
import { mainThreadCpuMs } from './cpu';
import { replaying } from '../extension/src/core/testing/replay';

const ROOT = join(__dirname, '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'build', 'epoll_loop');

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

/** The tracer, with its raw stream also written to `file`. */
function capturing(file: string): StartTracer {
  return (o) => {
    const handle = startTracer(o);
    const fd = openSync(file, 'w');
    handle.stream.on('data', (chunk: Buffer) => writeSync(fd, chunk));
    handle.stream.once('close', () => closeSync(fd));
    return handle;
  };
}

/** `--replay FILE`: rounds of the captured stream through a session, the CPU an event of each. */
async function replay(file: string, rounds: number): Promise<void> {
  const bytes = readFileSync(file);
  const perEvent: number[] = [];
  const mainPerEvent: number[] = [];
  const lines: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const c0 = process.cpuUsage();
    const main0 = mainThreadCpuMs();
    const t0 = process.hrtime.bigint();
    const { session } = await TraceSession.record({ command: ['replay'] }, { title: 'replay', log: () => undefined }, {}, replaying(bytes));
    await session.whenFinished();
    const cpu = process.cpuUsage(c0);
    const mainMs = mainThreadCpuMs() - main0;
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const events = session.store.size;
    const ns = ((cpu.user + cpu.system) * 1e3) / Math.max(1, events);
    const mainNs = (mainMs * 1e6) / Math.max(1, events);
    perEvent.push(ns);
    mainPerEvent.push(mainNs);
    lines.push(`round ${round + 1}: ${events.toLocaleString('en-US')} events (${session.store.argTable.size} distinct argument lists), CPU ${((cpu.user + cpu.system) / 1e3).toFixed(0)} ms (${ns.toFixed(0)} ns an event; on the main thread ${mainMs.toFixed(0)} ms, ${mainNs.toFixed(0)} ns an event), wall ${wallMs.toFixed(0)} ms`);
    process.stdout.write(lines[lines.length - 1] + '\n');
    await session.dispose();
  }
  const sorted = [...perEvent].sort((a, b) => a - b);
  const mainSorted = [...mainPerEvent].sort((a, b) => a - b);
  lines.push(
    `replay of ${file} (${(bytes.length / 2 ** 20).toFixed(1)} MiB): CPU an event, median of ${rounds}: ${sorted[sorted.length >> 1].toFixed(0)} ns, best ${sorted[0].toFixed(0)} ns; ` +
      `on the main thread (the host's event loop: what bounds the rate) ${mainSorted[mainSorted.length >> 1].toFixed(0)} ns, best ${mainSorted[0].toFixed(0)} ns (load average ${loadavgText()})`,
  );
  process.stdout.write(lines[lines.length - 1] + '\n');
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'ingest-replay.txt'), lines.join('\n') + '\n');
}

/** The load average, for the figures' context. */
function loadavgText(): string {
  return loadavg().map((l) => l.toFixed(1)).join(' ');
}

async function main(): Promise<void> {
  const replayFile = arg('--replay', '');
  if (replayFile) return replay(replayFile, Number(arg('--rounds', '3')));
  const capture = arg('--capture', '');
  const seconds = Number(arg('--seconds', '60'));
  const rate = Number(arg('--rate', '1000000'));
  const ringMiB = Number(arg('--ring-mib', '16'));
  const backend = arg('--backend', 'ebpf') as Backend;
  const calls = Math.round(rate * seconds);
  const one = `${FIXTURE} --ready --rate ${rate} --iterations ${calls}`;
  const command = ['/bin/sh', '-c', `${one} & ${one}; wait`];
  const log: string[] = [];
  const fixtureOut: string[] = [];
  const c0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const t0 = process.hrtime.bigint();
  const { session } = await TraceSession.record(
    { command, backend, ringSize: ringMiB << 20, minDurationNs: 0, programStdio: 'pipe' },
    { title: 'ingest', log: (l) => log.push(l), programOutput: (text) => fixtureOut.push(text) },
    {},
    capture ? capturing(capture) : startTracer,
  );
  let peakRss = 0;
  let peakHeap = 0;
  const perSecond: number[] = [];
  let lastEvents = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
    const n = session.store.size;
    perSecond.push(n - lastEvents);
    lastEvents = n;
  }, 1000);
  await session.whenFinished();
  clearInterval(sampler);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const mainMs = mainThreadCpuMs() - main0;
  const summary = session.summary();
  const events = summary.events;
  const traceS = summary.duration / 1e9;
  const done = fixtureOut.join('').split('\n').filter((l) => l.startsWith('done'));
  const fixtureCalls = done.reduce((sum, l) => sum + Number(l.split(' ')[1] ?? 0), 0);
  const steady = perSecond.slice(1, -1).sort((a, b) => a - b);
  const lines = [
    `workload: 2 × epoll_loop --ready --rate ${rate.toLocaleString('en-US')}/s for ${seconds} s (${backend}, ring ${ringMiB} MiB)`,
    `fixture calls made: ${fixtureCalls.toLocaleString('en-US')} (${done.length} of 2 processes reported)`,
    `events stored: ${events.toLocaleString('en-US')} over ${traceS.toFixed(1)} s of trace: ${(events / traceS / 1e6).toFixed(2)} M events/s (goal: 2 M/s)`,
    `per second while recording: min ${((steady[0] ?? 0) / 1e6).toFixed(2)} M, median ${((steady[steady.length >> 1] ?? 0) / 1e6).toFixed(2)} M`,
    `dropped by the ring: ${summary.dropped.toLocaleString('en-US')} (goal: 0)`,
    `extension-host CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s for ${wallS.toFixed(1)} s of wall time, ${(((cpu.user + cpu.system) * 1e3) / Math.max(1, events)).toFixed(0)} ns an event (on the main thread ${(mainMs / 1e3).toFixed(1)} s, ${((mainMs * 1e6) / Math.max(1, events)).toFixed(0)} ns an event)`,
    `peak memory: RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, heap + buffers ${(peakHeap / 2 ** 20).toFixed(0)} MiB (${(peakHeap / Math.max(1, events)).toFixed(0)} B an event)`,
  ];
  if (session.ended?.error) lines.push(`the tracer said: ${session.ended.error}`);
  const program = session.ended?.program;
  if (program?.failed) lines.push(`the workload ${program.text}: ${program.stderrTail}`);
  if (done.length < 2) process.exitCode = 1;
  process.stdout.write(lines.join('\n') + '\n');
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'ingest.txt'), lines.join('\n') + '\n');
  await session.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
