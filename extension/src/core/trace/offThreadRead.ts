/**
 * A trace file's stream read off this thread: a worker (readWorker.ts) reads the file and
 * decompresses and unpacks its blocks, and each block's bytes come here without a copy (the
 * stream's header and first block are read here while the worker starts). The chunks,
 * the read state (progress, format, warnings) and the errors are readTraceStream's, so a consumer
 * cannot tell them apart; only the byte-level work has left the event loop. The editor reads files
 * through here; the command line keeps readTraceStream (nothing else runs on its thread).
 */
import { closeSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startTraceWorker } from './bundledWorker';
import { fdSource, oneBuffer, openTraceFd, slices, streamChunks, type FileReadState, type SliceSize } from './fileReader';
import { reviveError, type FromReadWorker, type ReadWorkerData, type ToReadWorker } from './readMessages';

/** Blocks the worker decodes ahead of the one being consumed (a worker starved of CPU a while is not waited for). */
const AHEAD = 4;
/**
 * Chunks read on this thread while the worker starts (about 100 ms of CPU: a thread, Node's
 * bootstrap, its bundle, its code not optimized yet): the stream's header and the first block, so
 * the first events show as soon as an in-thread read would show them.
 */
const HERE = 2;

/** The worker's messages in order, awaited one at a time; an error or exit of the worker ends them. */
function inbox(worker: Worker): () => Promise<FromReadWorker> {
  const queue: FromReadWorker[] = [];
  let failure: Error | undefined;
  let waiting: { resolve: (m: FromReadWorker) => void; reject: (e: Error) => void } | undefined;
  const wake = (): void => {
    const w = waiting;
    if (!w || (!queue.length && !failure)) return;
    waiting = undefined;
    if (queue.length) w.resolve(queue.shift() as FromReadWorker);
    else w.reject(failure as Error);
  };
  worker.on('message', (m: FromReadWorker) => {
    queue.push(m);
    wake();
  });
  worker.on('error', (e: Error) => {
    failure ??= e;
    wake();
  });
  worker.on('exit', (code: number) => {
    failure ??= new Error(`the trace reader's worker exited with status ${code} before the end of the file`);
    wake();
  });
  return () => new Promise<FromReadWorker>((resolve, reject) => {
    waiting = { resolve, reject };
    wake();
  });
}

/**
 * readTraceStream's chunks (at most `chunkSize` bytes, the event loop turning between them; each
 * only valid until the next is asked for) and state, read and decoded by a worker thread. Rejects
 * as readTraceStream does: the file cannot be opened or read, or is of a newer format.
 */
export async function* readTraceStreamOffThread(path: string, state: FileReadState, chunkSize: SliceSize): AsyncGenerator<Uint8Array> {
  const fd = openTraceFd(path);
  let worker: Worker | undefined;
  try {
    const started = startTraceWorker('readWorker', { path, skip: HERE } satisfies ReadWorkerData);
    worker = started;
    const next = inbox(started);
    const ask = (m: ToReadWorker, transfer: ArrayBuffer[] = []): void => started.postMessage(m, transfer);
    ask({ more: AHEAD });
    let here = 0;
    for (const chunk of streamChunks(fdSource(fd), state, oneBuffer())) {
      yield* slices(chunk, chunkSize);
      if (++here === HERE) break;
    }
    // the file ended (or stopped, its warnings said) within the chunks read here
    if (here < HERE) return;
    for (;;) {
      const m = await next();
      state.position = m.position;
      state.format = m.format;
      if (m.type !== 'chunk') {
        state.warnings.push(...m.warnings);
        if (m.type === 'error') throw reviveError(m.error);
        return;
      }
      yield* slices(m.bytes, chunkSize);
      // consumed: its buffer goes back to be unpacked into again
      const spare = m.bytes.buffer as ArrayBuffer;
      ask({ more: 1, spare }, [spare]);
    }
  } finally {
    closeSync(fd);
    await worker?.terminate();
  }
}
