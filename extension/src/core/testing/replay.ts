/**
 * A tracer's stream played back as the tracer: what `TraceSession.record` and `iolens record`
 * (RecordOptions.start) are started with to replay a recording without root, deterministically —
 * a stream captured with `bench/ingest.ts --capture`, or a synthetic one made chunk by chunk.
 */
import { Readable } from 'node:stream';
import type { StartTracer } from '../tracer/spawn';

/** A replay's chunk: what a pipe from the tracer usually hands over at once. */
const REPLAY_CHUNK = 64 << 10;

/** Pieces of at most REPLAY_CHUNK bytes of `stream` (the bytes, or its chunks in order). */
function* pieces(stream: Uint8Array | Iterable<Uint8Array>): Generator<Uint8Array> {
  for (const chunk of stream instanceof Uint8Array ? [stream] : stream) {
    for (let at = 0; at < chunk.length; at += REPLAY_CHUNK) yield chunk.subarray(at, Math.min(chunk.length, at + REPLAY_CHUNK));
  }
}

/** No tracer: `stream` in REPLAY_CHUNK pieces, one an event-loop turn; a chunk source is iterated once. */
export function replaying(stream: Uint8Array | Iterable<Uint8Array>): StartTracer {
  return () => {
    const next = pieces(stream);
    const out = new Readable({
      read() {
        setImmediate(() => {
          const piece = next.next();
          this.push(piece.done ? null : piece.value);
        });
      },
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => out.once('close', () => res({ code: 0, signal: null })));
    return {
      stream: out, log: Readable.from([]), programOutput: { stdout: null, stderr: null }, notes: [], exited,
      stop: () => undefined, detach: () => undefined,
    };
  };
}
