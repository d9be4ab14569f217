/**
 * The store's side of an open alone: a trace file decoded into events once (TracePipeline, kept in
 * memory), then each pass adds them all to a new TraceStore (after a full collection) — no decoding, no analysis. CPU time of
 * each pass and an event's share, to tell the store's cost from the rest of an open.
 *
 *   npx tsx bench/storeAdd.ts FILE [--rounds N]
 */
import { cpuUsage } from 'node:process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TraceEvent } from '../extension/src/core/model/events';
import { TraceStore } from '../extension/src/core/store/traceStore';
import { newReadState, oneBuffer, readTraceStream } from '../extension/src/core/trace/fileReader';
import { TracePipeline } from '../extension/src/core/trace/pipeline';

/** A full garbage collection, without asking for `node --expose-gc`: each pass starts without the last one's garbage. */
const collect: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

async function decoded(file: string): Promise<{ events: TraceEvent[]; pipeline: TracePipeline }> {
  const events: TraceEvent[] = [];
  const pipeline = new TracePipeline((e) => {
    events.push(e);
  });
  const state = newReadState();
  for await (const chunk of readTraceStream(file, state, 256 << 10, oneBuffer())) if (!pipeline.push(chunk)) break;
  pipeline.end();
  return { events, pipeline };
}

function pass(events: readonly TraceEvent[], pipeline: TracePipeline): { size: number; cpuMs: number } {
  collect();
  const c0 = cpuUsage();
  const store = new TraceStore((pid, tid) => pipeline.trace.processes.threadName(pid, tid), pipeline.trace.uioDevices);
  for (const e of events) store.add(e);
  const c = cpuUsage(c0);
  return { size: store.size, cpuMs: (c.user + c.system) / 1000 };
}

async function main(): Promise<void> {
  const file = process.argv[2];
  const at = process.argv.indexOf('--rounds');
  const rounds = at > 0 ? Number(process.argv[at + 1]) : 5;
  const { events, pipeline } = await decoded(file);
  const perEvent: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    const { size, cpuMs } = pass(events, pipeline);
    perEvent.push((cpuMs * 1e6) / events.length);
    console.log(`round ${r}: ${events.length.toLocaleString('en-US')} events (${size.toLocaleString('en-US')} stored), CPU ${cpuMs.toFixed(0)} ms (${perEvent[r - 1].toFixed(0)} ns an event)`);
  }
  const sorted = [...perEvent].sort((a, b) => a - b);
  console.log(`store adds of ${file}: CPU an event, median of ${rounds}: ${sorted[Math.floor(rounds / 2)].toFixed(0)} ns, best ${sorted[0].toFixed(0)} ns`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
