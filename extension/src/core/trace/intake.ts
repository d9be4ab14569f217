/**
 * Taking the tracer's stream in: every chunk goes to the trace file at once (a copy, no parsing),
 * and to the pipeline a few milliseconds of work at a time, so that the event loop stays free for
 * what must happen at once whatever the event rate — a Ctrl-C, a timer, the live output. When the
 * pipeline falls far behind, reading pauses: the tracer's writes then wait, its ring buffer fills
 * and the kernel counts what it loses, exactly, instead of this process growing without bound.
 */
import type { Readable } from 'node:stream';
import type { TraceFileWriter } from './file';
import type { TracePipeline } from './pipeline';

/** Tunables (the defaults suit the CLI and the extension host). */
export interface IntakeOptions {
  /** Pipeline work per turn of the event loop (ms). */
  readonly sliceMs?: number;
  /** Bytes read but not yet through the pipeline beyond which reading pauses. */
  readonly maxQueuedBytes?: number;
}

/** Reads a tracer's stream into a trace file and a pipeline; see the file comment. */
export class StreamIntake {
  /** Resolves once the stream ended and every byte went through the pipeline. */
  readonly done: Promise<void>;
  /** Called after each piece of pipeline work (e.g. to notice the start record). */
  onProgress: (() => void) | undefined;
  private readonly queue: Uint8Array[] = [];
  private head = 0;
  private queued = 0;
  private scheduled = false;
  private ended = false;
  private paused = false;
  private resolveDone!: () => void;
  private readonly sliceMs: number;
  private readonly maxQueued: number;

  constructor(
    private readonly stream: Readable,
    private readonly pipeline: TracePipeline,
    private readonly writer: TraceFileWriter | undefined,
    options: IntakeOptions = {},
  ) {
    this.sliceMs = options.sliceMs ?? 8;
    this.maxQueued = options.maxQueuedBytes ?? 32 << 20;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    stream.on('data', (chunk: Buffer) => this.take(chunk));
    const end = (): void => {
      this.ended = true;
      this.schedule();
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', end);
  }

  /** Bytes read and not yet through the pipeline. */
  get backlog(): number {
    return this.queued;
  }

  private take(chunk: Buffer): void {
    this.writer?.write(chunk);
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (!this.paused && this.queued > this.maxQueued) {
      this.paused = true;
      this.stream.pause();
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.work());
  }

  private work(): void {
    this.scheduled = false;
    const until = performance.now() + this.sliceMs;
    while (this.head < this.queue.length && performance.now() < until) {
      const chunk = this.queue[this.head];
      this.queue[this.head++] = EMPTY;
      this.queued -= chunk.length;
      this.pipeline.push(chunk);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.paused && this.queued <= this.maxQueued / 2) {
      this.paused = false;
      this.stream.resume();
    }
    this.onProgress?.();
    if (this.head < this.queue.length) this.schedule();
    else if (this.ended) this.resolveDone();
  }
}

const EMPTY = new Uint8Array(0);
