/**
 * A captured tracer stream (`bench/ingest.ts --capture`) played back as the tracer: what
 * `TraceSession.record` is started with to replay a live recording without root, deterministically.
 */
import { Readable } from 'node:stream';
import type { StartTracer } from '../extension/src/core/session/traceSession';

/** A replay's chunk: what a pipe from the tracer usually hands over at once. */
const REPLAY_CHUNK = 64 << 10;

/** No tracer: the captured stream `bytes`, in REPLAY_CHUNK chunks, one an event-loop turn. */
export function replaying(bytes: Buffer): StartTracer {
  return () => {
    let at = 0;
    const stream = new Readable({
      read() {
        setImmediate(() => {
          const end = Math.min(bytes.length, at + REPLAY_CHUNK);
          this.push(at < end ? bytes.subarray(at, end) : null);
          at = end;
        });
      },
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => stream.once('close', () => res({ code: 0, signal: null })));
    return {
      stream, log: Readable.from([]), programOutput: { stdout: null, stderr: null }, notes: [], exited,
      stop: () => undefined, detach: () => undefined,
    };
  };
}
