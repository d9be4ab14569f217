/**
 * The trace reader's worker thread: reads a trace file, decompresses and unpacks its blocks
 * (streamChunks, the same code as every reader's) and hands each block's stream to the thread that
 * started it, its buffer transferred (no copy), a few blocks ahead of what that thread asked for.
 * Buffers come back once their chunk has been consumed and the next blocks are unpacked into them.
 * Bundled on its own (dist/readWorker.js); offThreadRead.ts starts it.
 */
import { closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { fdSource, newReadState, openTraceFd, streamChunks } from './fileReader';
import { carryError, type FromReadWorker, type ReadWorkerData, type ToReadWorker } from './readMessages';

/** Buffers handed back, kept to unpack into (a few: as many as blocks in flight). */
const SPARE_MAX = 4;

function run(port: NonNullable<typeof parentPort>, data: ReadWorkerData): void {
  const state = newReadState();
  const spare: ArrayBuffer[] = [];
  /** The buffers this thread made or got back, which it may give away (others are copied). */
  const own = new WeakSet<ArrayBufferLike>();
  const into = (bytes: number): Uint8Array => {
    const i = spare.findIndex((b) => b.byteLength >= bytes);
    const buffer = i >= 0 ? spare.splice(i, 1)[0] : new ArrayBuffer(bytes);
    own.add(buffer);
    return new Uint8Array(buffer);
  };
  let fd: number | undefined;
  let chunks: Generator<Uint8Array> | undefined;
  let credit = 0;
  let done = false;
  const finish = (m: FromReadWorker): void => {
    done = true;
    if (fd !== undefined) closeSync(fd);
    port.postMessage(m);
  };
  const pump = (): void => {
    while (credit > 0 && !done) {
      try {
        if (!chunks) {
          fd = openTraceFd(data.path);
          chunks = streamChunks(fdSource(fd), state, into, data.skip);
        }
        const next = chunks.next();
        if (next.done) {
          finish({ type: 'end', position: state.position, format: state.format, warnings: state.warnings });
          return;
        }
        credit--;
        // a block unpacked here goes as it is; a piece of another buffer (the header, a symbol block) as a copy
        const bytes = own.has(next.value.buffer) ? next.value : new Uint8Array(next.value);
        own.delete(bytes.buffer);
        const m: FromReadWorker = { type: 'chunk', bytes, position: state.position, format: state.format };
        port.postMessage(m, [bytes.buffer as ArrayBuffer]);
      } catch (e) {
        finish({ type: 'error', position: state.position, format: state.format, warnings: state.warnings, error: carryError(e) });
      }
    }
  };
  port.on('message', (m: ToReadWorker) => {
    if (m.spare && spare.length < SPARE_MAX) spare.push(m.spare);
    credit += m.more;
    pump();
  });
}

if (!parentPort) throw new Error('readWorker.ts runs as a worker thread (offThreadRead.ts starts it)');
run(parentPort, workerData as ReadWorkerData);
