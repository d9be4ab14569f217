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

/** Text waiting to be handed to the reader: some events, or the note of some left out. */
interface Waiting {
  readonly text: string;
  /** Events it shows. */
  readonly events: number;
  /** Events its note says were left out. */
  readonly noted: number;
}

/** Text handed to `out` while it holds less than this (bytes): what it holds can never be taken back,
 * so it holds little, and the note of what is left out at the end is never far behind. */
const HANDOFF_BYTES = 16 * 1024;

/** Shows events live on `out`; see the file comment. */
export class LiveOutput {
  /** Events left out in total. */
  skippedTotal = 0;
  private readonly queue: { e: TraceEvent; at: number }[] = [];
  private head = 0;
  /** Formatted text not yet handed to `out`: it can still be left out (counted) at the end. */
  private readonly waiting: Waiting[] = [];
  private waitingHead = 0;
  private waitingBytes = 0;
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
    return !this.failed && Date.now() >= this.behindUntil && this.pendingBytes <= this.maxPending / 2;
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
  tick(all = false, now = Date.now(), budgetMs = this.budgetMs): void {
    const cutoff = all ? Infinity : now - this.lagMs;
    let end = this.head;
    while (end < this.queue.length && this.queue[end].at <= cutoff) end++;
    if (end === this.head) {
      this.noteSkipped();
      this.compact();
      return this.handOff();
    }
    const due = this.queue.slice(this.head, end).map((q) => q.e).sort((a, b) => a.ts - b.ts);
    this.head = end;
    this.compact();
    this.show(due, budgetMs);
    this.handOff();
  }

  /**
   * The recording ended: show what is left within `budgetMs` of formatting (the rest is left out,
   * counted), then let the reader take the text until `deadline` (Date.now() ms). What it has not
   * been handed by then is left out too, and the note of all that was left out goes last, so the
   * output always ends saying what it lacks. An output that already left events out (its reader
   * could not keep up) only counts what is still queued, and the events whose text waits after its
   * last note: shown, they would come after it, and a reader that looks at the end would not learn
   * that lines are missing.
   * Resolves true when everything was handed over.
   */
  async finish(deadline: number, budgetMs = this.budgetMs): Promise<boolean> {
    if (this.skippedTotal > 0) {
      this.leaveOut(this.queue.slice(this.head).map((q) => q.e));
      this.queue.length = this.head = 0;
      this.unshowWaitingAfterLastNote();
    } else {
      this.tick(true, Date.now(), budgetMs);
    }
    this.noteSkipped(true);
    this.handOff();
    const handed = await this.until(() => this.waitingHead === this.waiting.length, deadline);
    if (handed || this.failed) return handed;
    let left = this.skipRun;
    for (let i = this.waitingHead; i < this.waiting.length; i++) {
      left += this.waiting[i].events + this.waiting[i].noted;
      this.skippedTotal += this.waiting[i].events;
    }
    this.waiting.length = this.waitingHead = this.waitingBytes = this.skipRun = 0;
    if (left) this.out.write(this.format.skipped(left));
    return false;
  }

  /** The events whose text still waits after the last note waiting are left out instead (counted),
   * so that the note finish() adds is the last thing the reader gets. */
  private unshowWaitingAfterLastNote(): void {
    let cut = this.waiting.length;
    while (cut > this.waitingHead && this.waiting[cut - 1].noted === 0) cut--;
    let events = 0;
    for (let i = cut; i < this.waiting.length; i++) {
      events += this.waiting[i].events;
      this.waitingBytes -= this.waiting[i].text.length;
    }
    this.waiting.length = cut;
    this.skipRun += events;
    this.skippedTotal += events;
  }

  /** Text not yet taken by the reader: waiting here, and held by `out`. */
  private get pendingBytes(): number {
    return this.waitingBytes + this.out.writableLength;
  }

  private show(events: TraceEvent[], budgetMs: number): void {
    const start = Date.now();
    let i = 0;
    while (i < events.length && !this.failed && this.pendingBytes <= this.maxPending && Date.now() - start < budgetMs) {
      const slice = events.slice(i, i + 16); // a line can cost milliseconds (a stack resolved the first time)
      this.noteSkipped();
      this.enqueue({ text: slice.map((e) => this.format.event(e)).join(''), events: slice.length, noted: 0 });
      i += slice.length;
    }
    if (i < events.length) this.leaveOut(events.slice(i));
  }

  private leaveOut(events: TraceEvent[]): void {
    this.skipRun += events.length;
    this.skippedTotal += events.length;
    this.behindUntil = Date.now() + this.recoverMs;
  }

  /** Say what was left out, in its place, once the reader has room again (or now, at the end). */
  private noteSkipped(force = false): void {
    if (!this.skipRun || this.failed || (!force && this.pendingBytes > this.maxPending)) return;
    this.enqueue({ text: this.format.skipped(this.skipRun), events: 0, noted: this.skipRun });
    this.skipRun = 0;
  }

  private enqueue(w: Waiting): void {
    this.waiting.push(w);
    this.waitingBytes += w.text.length;
  }

  /** Hand waiting text to `out` while it holds little; more as it takes it. */
  private handOff(): void {
    while (this.waitingHead < this.waiting.length && !this.failed && this.out.writableLength < HANDOFF_BYTES) {
      const w = this.waiting[this.waitingHead++];
      this.waitingBytes -= w.text.length;
      this.out.write(w.text, () => this.handOff());
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
  }

  private compact(): void {
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private until(done: () => boolean, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.failed) return resolve(false);
        if (done()) return resolve(true);
        if (Date.now() >= deadline) return resolve(false);
        this.handOff();
        setTimeout(check, 5);
      };
      check();
    });
  }
}
