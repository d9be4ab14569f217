/**
 * The trace writer's worker thread: packs and compresses the blocks a live recording's writer
 * hands it (blockEncoder.ts, the same code as on the writer's thread) and sends each back, its
 * buffer transferred, with the content's buffer to be filled again. Bundled on its own
 * (dist/packWorker.js); blockEncoder.ts's offThreadBlockEncoder starts it.
 */
import { parentPort } from 'node:worker_threads';
import { encodeOwnedBlock, type FromPackWorker, type ToPackWorker } from './blockEncoder';

if (!parentPort) throw new Error('packWorker.ts runs as a worker thread (blockEncoder.ts starts it)');
const port = parentPort;
port.on('message', (m: ToPackWorker) => {
  // the content's buffer goes back once the block is encoded (a raw block's is compressed as it is)
  const spare = m.content.buffer as ArrayBuffer;
  encodeOwnedBlock(m.info, m.content).then(
    (bytes) => port.postMessage({ id: m.id, bytes, spare } satisfies FromPackWorker, [bytes.buffer as ArrayBuffer, spare]),
    (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e), spare } satisfies FromPackWorker, [spare]),
  );
});
