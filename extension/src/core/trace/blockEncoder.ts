/**
 * A trace file's block from its stream bytes: packed (packing.ts; a raw block's bytes as they
 * are), then compressed with its header (format.ts encodeBlock). Either on this thread or in a
 * worker (packWorker.ts): the same code on the same bytes, so the same file. A live recording
 * encodes off the extension host's main thread, which then only decodes and stores the events.
 */
import type { Worker } from 'node:worker_threads';
import { startTraceWorker } from './bundledWorker';
import { BlockType, encodeBlock, type BlockInfo } from './format';
import { packRecords } from './packing';

/** A block's header fields, as the builder knows them before compression. */
export type BlockFields = Omit<BlockInfo, 'offset' | 'payloadLength' | 'codec'>;

/**
 * Encodes a block of `content` (its stream bytes: whole records, or raw bytes), which is only valid
 * during the call (the builder's buffer is reused): an encoder packs or copies it at once.
 */
export type BlockEncoder = (info: BlockFields, content: Uint8Array) => Promise<Uint8Array>;

/** A block of `content`, which the encoding may keep (a raw block's bytes are compressed later). */
export function encodeOwnedBlock(info: BlockFields, content: Uint8Array): Promise<Uint8Array> {
  return encodeBlock(info, info.type === BlockType.raw ? content : packRecords(content));
}

/** Encodes on this thread: records packed now (packing copies), raw bytes copied. */
export const encodeHere: BlockEncoder = (info, content) => encodeOwnedBlock(info, info.type === BlockType.raw ? content.slice() : content);

/** A block to encode, to the worker (its content's buffer transferred). */
export interface ToPackWorker {
  readonly id: number;
  readonly info: BlockFields;
  readonly content: Uint8Array;
}

/**
 * An encoded block (its buffer transferred), or why it could not be; with the block's content
 * buffer given back, to copy the next block into (a fresh 4 MiB buffer a block cost the host its
 * page faults).
 */
export type FromPackWorker = ({ readonly id: number; readonly bytes: Uint8Array } | { readonly id: number; readonly error: string }) & { readonly spare: ArrayBuffer };

/** Content buffers given back and kept for the next blocks (as many as blocks are usually out). */
const SPARE_MAX = 4;

/**
 * Encodes in a worker thread (packWorker.ts), started at the first block and kept for the
 * process's later recordings (its start costs about 0.15 s of CPU, its code optimized again; a
 * recording of a few seconds paid more for that than the packing it moved): each block's bytes are
 * copied once and handed over without another copy, and come back encoded. The worker keeps the
 * process alive only while blocks are out; one that fails fails the blocks out, and the next block
 * starts another.
 */
class OffThreadBlockEncoder {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  private readonly spare: ArrayBuffer[] = [];

  /** The encoder to give the builder. */
  readonly encode: BlockEncoder = (info, content) => {
    const id = this.nextId++;
    const owned = this.copy(content);
    const done = new Promise<Uint8Array>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    const message: ToPackWorker = { id, info, content: owned };
    const worker = this.started();
    // held alive only while blocks are out (a process that awaits one must not exit meanwhile)
    if (this.waiting.size === 1) worker.ref();
    worker.postMessage(message, [owned.buffer]);
    return done;
  };

  /** `content` copied into a buffer given back, or a new one when none is large enough. */
  private copy(content: Uint8Array): Uint8Array<ArrayBuffer> {
    let buffer: ArrayBuffer | undefined;
    while (this.spare.length && !buffer) {
      const b = this.spare.pop() as ArrayBuffer;
      if (b.byteLength >= content.length) buffer = b;
    }
    if (!buffer) return content.slice();
    const owned = new Uint8Array(buffer, 0, content.length);
    owned.set(content);
    return owned;
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startTraceWorker('packWorker', null);
    worker.on('message', (m: FromPackWorker) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (!this.waiting.size) worker.unref();
      if (this.spare.length < SPARE_MAX) this.spare.push(m.spare);
      if ('error' in m) w?.reject(new Error(m.error));
      else w?.resolve(m.bytes);
    });
    worker.on('error', (e: Error) => this.lost(worker, e));
    worker.on('exit', (code: number) => this.lost(worker, new Error(`the trace writer's worker exited with status ${code}`)));
    this.worker = worker;
    return worker;
  }

  /** The worker failed or exited: the blocks out fail with it; the next block starts another. */
  private lost(worker: Worker, e: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}

let shared: OffThreadBlockEncoder | undefined;

/** The encoder that packs and compresses in this process's writer's worker (one for every writer). */
export function offThreadBlockEncoder(): BlockEncoder {
  shared ??= new OffThreadBlockEncoder();
  return shared.encode;
}
