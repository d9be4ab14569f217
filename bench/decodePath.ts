/**
 * The decode path of an open alone: a trace file's blocks unpacked, cut into records, decoded into
 * events (TracePipeline) and dropped — no store, no analysis. CPU time of each pass and an event's
 * share, to tell the wire decoder's and the syscall decoding's cost from the rest of an open.
 *
 *   npx tsx bench/decodePath.ts FILE [--rounds N]
 */
import { cpuUsage } from 'node:process';
import { newReadState, oneBuffer, readTraceStream } from '../extension/src/core/trace/fileReader';
import { TracePipeline } from '../extension/src/core/trace/pipeline';

async function pass(file: string): Promise<{ events: number; cpuMs: number }> {
  let events = 0;
  const pipeline = new TracePipeline(() => {
    events++;
  });
  const state = newReadState();
  const c0 = cpuUsage();
  for await (const chunk of readTraceStream(file, state, 256 << 10, oneBuffer())) if (!pipeline.push(chunk)) break;
  pipeline.end();
  const c = cpuUsage(c0);
  return { events, cpuMs: (c.user + c.system) / 1000 };
}

async function main(): Promise<void> {
  const file = process.argv[2];
  const at = process.argv.indexOf('--rounds');
  const rounds = at > 0 ? Number(process.argv[at + 1]) : 5;
  const perEvent: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    const { events, cpuMs } = await pass(file);
    perEvent.push((cpuMs * 1e6) / events);
    console.log(`round ${r}: ${events.toLocaleString('en-US')} events, CPU ${cpuMs.toFixed(0)} ms (${perEvent[r - 1].toFixed(0)} ns an event)`);
  }
  const sorted = [...perEvent].sort((a, b) => a - b);
  console.log(`decode path of ${file}: CPU an event, median of ${rounds}: ${sorted[Math.floor(rounds / 2)].toFixed(0)} ns, best ${sorted[0].toFixed(0)} ns`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
