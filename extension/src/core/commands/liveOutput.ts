/**
 * The live view of a recording (`iolens record`'s event lines or `--jsonl`), which never holds the
 * recording back. Events are shown a moment after they arrive (so the memory maps their stacks need
 * have arrived too), in start order. The text goes to a stream that writes off the main thread, so
 * a slow reader (a pipe into `less`, a terminal over ssh) never stops the CLI from reading the
 * tracer and writing the trace file. When the reader or the formatting cannot keep up, events are
 * left out — counted, and said where they would have been (a `skipped` line) — instead of falling
 * behind; the trace file has every one (`iolens dump`). While it is behind, the recording need not
 * even decode events for it (keepingUp, skipUndecoded): the CLI then costs what a quiet one does.
 */
import type { Writable } from 'node:stream';
import type { TraceEvent } from '../model/events';

/** How a live output writes events and the note of what it left out. */
export interface LiveFormat {
  /** The text of one event (one or more lines, each ended by a newline). */
  event(e: TraceEvent): string;
  /** The note for `count` events left out, with its newline. */
  skipped(count: number): string;
}

/** Tunables of a live output (defaults suit a terminal). */
export interface LiveOutputOptions {
  /** Events wait this long before they are shown (ms). */
  readonly lagMs?: number;
  /** Text not yet taken by the reader beyond which events are left out (bytes). */
  readonly maxPendingBytes?: number;
  /** Formatting time allowed per tick (ms); the rest of the tick's events are left out. */
  readonly budgetMs?: number;
  /** After leaving events out, events are not wanted for at least this long (ms). */
  readonly recoverMs?: number;
}

/** Shows events live on `out`; see the file comment. */
export class LiveOutput {
  /** Events left out in total. */
  skippedTotal = 0;
  private readonly queue: { e: TraceEvent; at: number }[] = [];
  private head = 0;
  private skipRun = 0;
  private behindUntil = 0;
  private failed: Error | undefined;
  private readonly lagMs: number;
  private readonly maxPending: number;
  private readonly budgetMs: number;
  private readonly recoverMs: number;

  constructor(
    private readonly out: Writable,
    private readonly format: LiveFormat,
    options: LiveOutputOptions = {},
  ) {
    this.lagMs = options.lagMs ?? 150;
    this.maxPending = options.maxPendingBytes ?? 256 * 1024;
    this.budgetMs = options.budgetMs ?? 20;
    this.recoverMs = options.recoverMs ?? 250;
    out.on('error', (e: Error) => (this.failed ??= e));
  }

  /** The write failed (the reader went away, the disk is full): nothing more is shown. */
  get error(): Error | undefined {
    return this.failed;
  }

  /** It shows what comes: neither behind nor recovering, its reader has room. */
  get keepingUp(): boolean {
    return !this.failed && Date.now() >= this.behindUntil && this.out.writableLength <= this.maxPending / 2;
  }

  /** The recording reads the tracer's stream late (an event that ended long ago just came): this one
   * and what comes for a while are left out, counted, so that the recording catches up. */
  fellBehind(): void {
    this.behindUntil = Date.now() + this.recoverMs;
    this.skipUndecoded();
  }

  /** An event the recording did not decode for it (it was not keeping up). */
  skipUndecoded(): void {
    this.skipRun++;
    this.skippedTotal++;
  }

  /** An event arrived (events arrive when they end). */
  push(e: TraceEvent): void {
    this.queue.push({ e, at: Date.now() });
  }

  /** Show what is due (call it every few tens of milliseconds); `all`: everything queued. */
  tick(all = false, now = Date.now()): void {
    const cutoff = all ? Infinity : now - this.lagMs;
    let end = this.head;
    while (end < this.queue.length && this.queue[end].at <= cutoff) end++;
    if (end === this.head) {
      this.flushSkipped(false);
      return this.compact();
    }
    const due = this.queue.slice(this.head, end).map((q) => q.e).sort((a, b) => a.ts - b.ts);
    this.head = end;
    this.compact();
    this.show(due, all ? this.budgetMs * 10 : this.budgetMs);
  }

  /**
   * The recording ended: show what is left within `budgetMs` of formatting, then wait until the
   * reader has taken the text or `deadline` (Date.now() ms) passes. Resolves true when everything
   * written was taken.
   */
  async finish(deadline: number): Promise<boolean> {
    this.tick(true);
    this.flushSkipped(true);
    return this.drained(deadline);
  }

  private show(events: TraceEvent[], budgetMs: number): void {
    const start = Date.now();
    let i = 0;
    while (i < events.length && !this.failed && this.out.writableLength <= this.maxPending && Date.now() - start < budgetMs) {
      const slice = events.slice(i, i + 16); // a line can cost milliseconds (a stack resolved the first time)
      this.flushSkipped(false);
      this.out.write(slice.map((e) => this.format.event(e)).join(''));
      i += slice.length;
    }
    if (i < events.length) this.skip(events.slice(i));
  }

  private skip(events: TraceEvent[]): void {
    this.skipRun += events.length;
    this.skippedTotal += events.length;
    this.behindUntil = Date.now() + this.recoverMs;
  }

  /** Say what was left out, once the reader has room again (or now, at the end). */
  private flushSkipped(force: boolean): void {
    if (!this.skipRun || this.failed || (!force && this.out.writableLength > this.maxPending)) return;
    this.out.write(this.format.skipped(this.skipRun));
    this.skipRun = 0;
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private drained(deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.failed) return resolve(false);
        if (this.out.writableLength === 0) return resolve(true);
        if (Date.now() >= deadline) return resolve(false);
        setTimeout(check, 10);
      };
      check();
    });
  }
}
