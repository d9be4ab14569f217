/** Trace files for tests: a random trace's stream, written as the editor's recordings write it. */
import { encodeHeader } from '../../../../protocol/generated/wire';
import { encodeOverview } from '../store/overview';
import { TraceStore } from '../store/traceStore';
import { TraceFileWriter } from '../trace/file';
import type { KeepLimit } from '../trace/flight';
import { TracePipeline } from '../trace/pipeline';
import type { Rng } from '../../../../test/fuzz/rng';
import { StreamBuilder } from './synthetic';

/**
 * A random trace's stream: four threads, one dense (the store summarizes it), three sparse (walked),
 * calls from 1 ns to most of the trace, waits, wake-ups between the threads (instants and arrows).
 */
export function randomStream(r: Rng, events: number): Uint8Array[] {
  const head = new StreamBuilder();
  const out: Uint8Array[] = [head.bytes()];
  const clock = [0, 0, 0, 0];
  for (let i = 0; i < events; i++) {
    const t = r.next() < 0.7 ? 0 : 1 + r.int(3);
    const tid = 101 + t;
    const ts = head.at((clock[t] += r.next() < 0.9 ? 1 + r.int(2000) : r.int(50_000_000)));
    const dur = r.next() < 0.97 ? 1 + r.int(5000) : 1 + r.int(80_000_000);
    const one = new StreamBuilder(false);
    const what = r.int(10);
    if (what === 0) one.wake({ tid, ts, wakee: 101 + ((t + 1) % 4), since: ts - 1000 });
    else if (what === 1) one.epollWait({ tid, ts, dur, ret: 1, timeoutMs: 100, ready: [[7n, 1]] });
    else one.call(what < 6 ? 'read' : 'write', { tid, ts, dur, fd: 3 + t });
    clock[t] += dur;
    out.push(one.bytes().subarray(encodeHeader().length));
  }
  return out;
}

/**
 * Write `chunks` to `path` as the editor's recording does: with the overview of a store fed the
 * same events (unless not `overview`); `keep`, as a flight recording; a block (at least) every `blockEvery` chunks.
 */
export async function writeWithOverview(path: string, chunks: Uint8Array[], overview = true, keep?: KeepLimit, blockEvery = 5000): Promise<TraceStore> {
  const writer = await TraceFileWriter.create(path, { keep });
  const sink: { store?: TraceStore } = {};
  const pipeline = new TracePipeline((e) => sink.store?.add(e), { symbolizer: null });
  const fed = new TraceStore((pid, tid) => pipeline.trace.processes.threadName(pid, tid), pipeline.trace.uioDevices);
  sink.store = fed;
  for (const [i, c] of chunks.entries()) {
    writer.write(c);
    pipeline.push(c);
    if (i % blockEvery === blockEvery - 1) await writer.flush();
  }
  pipeline.end();
  await writer.finish(pipeline, Infinity, overview ? () => encodeOverview(fed, fed.trackInfos()) : undefined);
  return fed;
}

/**
 * A dense trace's stream: four threads making short calls one after the other (a few long ones),
 * wake-ups between them (instants and arrows) — a file's blocks then each hold a short stretch of time.
 */
export function denseStream(r: Rng, events: number): Uint8Array[] {
  const head = new StreamBuilder();
  const out: Uint8Array[] = [head.bytes()];
  const clock = [0, 0, 0, 0];
  for (let i = 0; i < events; i++) {
    const t = i % 4;
    const tid = 101 + t;
    const ts = head.at((clock[t] += 1 + r.int(3000)));
    const dur = r.next() < 0.98 ? 1 + r.int(5000) : 1 + r.int(2_000_000);
    const one = new StreamBuilder(false);
    const what = r.int(20);
    if (what === 0) one.wake({ tid, ts, wakee: 101 + ((t + 1) % 4), since: ts - 1000 });
    else one.call(what < 12 ? 'read' : 'write', { tid, ts, dur, fd: 3 + t });
    clock[t] += dur;
    out.push(one.bytes().subarray(encodeHeader().length));
  }
  return out;
}
