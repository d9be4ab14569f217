/**
 * A random trace's stream for the overview's tests: four threads, one dense (the store summarizes
 * it), three sparse (walked), calls from 1 ns to most of the trace, waits, wake-ups between the
 * threads (instants and arrows); each record a chunk of its own after the header's.
 */
import { encodeHeader } from '../../../../protocol/generated/wire';
import type { Rng } from '../../../../test/fuzz/rng';
import { StreamBuilder } from './synthetic';

/** `events` random records' stream, the first chunk the header and preamble. */
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
