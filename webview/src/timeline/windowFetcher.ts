/**
 * Asks the host for windows as the viewport moves: throttled (a request goes out a short delay
 * after the need appears, not once per frame), at most one in flight, and always for the newest
 * viewport when it goes out. Replies go into the {@link WindowCache}.
 */
import type { Ns, WindowData } from '../../../protocol/messages';
import { realTimers, type TimerHandle, type Timers } from '../timers';
import { normalizeWindow } from './normalize';
import type { Viewport } from './timescale';
import { needsFetch, WindowCache, windowFor, type WindowSpec } from './windowCache';
import { WindowEntry } from './windowIndex';

/** What the fetcher needs to know about the view. */
export interface FetchContext {
  readonly viewport: Viewport;
  /** Width of the time axis in device pixels. */
  readonly widthDevicePx: number;
  /** End of what is known (summary.duration). */
  readonly duration: Ns;
}

/** Callbacks of a {@link WindowFetcher}. */
export interface FetcherHooks {
  /** Ask the host (rejects on error or timeout). */
  fetch(spec: WindowSpec): Promise<WindowData>;
  /** A reply arrived and was cached. */
  onData(entry: WindowEntry): void;
  /** A request failed. */
  onError(error: unknown): void;
}

/** Schedules window requests for a moving viewport. */
export class WindowFetcher {
  readonly cache = new WindowCache();
  private ctx: FetchContext | undefined;
  private timer: TimerHandle | undefined;
  private inFlight = false;
  private serial = 0;
  /** Bumped when the trace's content changed (live): cached replies become stale. */
  private generation = 0;
  private readonly generations = new WeakMap<WindowEntry, number>();
  private backoffUntil = 0;
  private failures = 0;
  private disposed = false;

  constructor(
    private readonly hooks: FetcherHooks,
    private readonly timers: Timers = realTimers,
    /** Delay before a needed request goes out, ms. */
    private readonly delayMs = 40,
    /** Pause after a failed request, ms. */
    private readonly backoffMs = 1000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** A request is out. */
  get busy(): boolean {
    return this.inFlight;
  }

  /** The entry to draw the current viewport from. */
  current(): WindowEntry | undefined {
    const c = this.ctx;
    return c ? this.cache.best(c.viewport, c.widthDevicePx, c.duration) : undefined;
  }

  /** The view changed: request a window if the cache cannot serve it. */
  update(ctx: FetchContext): void {
    this.ctx = ctx;
    if (this.needed()) this.schedule();
  }

  /** The trace's content changed (live): what is cached is out of date for future requests. */
  invalidate(): void {
    this.generation++;
    if (this.ctx && this.needed()) this.schedule();
  }

  /** Whether the current view needs a request. */
  needed(): boolean {
    const c = this.ctx;
    if (!c) return false;
    const e = this.current();
    if (needsFetch(e, c.viewport, c.widthDevicePx, c.duration)) return true;
    return e !== undefined && (this.generations.get(e) ?? 0) < this.generation;
  }

  /** Stop: no more requests. */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.disposed || this.inFlight || this.timer !== undefined) return;
    const wait = Math.max(this.delayMs, this.backoffUntil - this.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, wait);
  }

  private fire(): void {
    const c = this.ctx;
    if (this.disposed || this.inFlight || !c || !this.needed()) return;
    const spec = windowFor(c.viewport, c.widthDevicePx);
    const knownEnd = c.duration;
    const generation = this.generation;
    this.inFlight = true;
    this.hooks.fetch(spec).then(
      (data) => {
        this.inFlight = false;
        this.failures = 0;
        if (this.disposed) return;
        const entry = new WindowEntry(normalizeWindow(data), knownEnd, ++this.serial);
        this.generations.set(entry, generation);
        this.cache.add(entry);
        this.hooks.onData(entry);
        if (this.needed()) this.schedule();
      },
      (error: unknown) => {
        this.inFlight = false;
        if (this.disposed) return;
        // Back off (doubling, up to 32x) so a host that keeps failing is not asked in a loop.
        this.backoffUntil = this.now() + this.backoffMs * 2 ** Math.min(this.failures++, 5);
        this.hooks.onError(error);
        if (this.needed()) this.schedule();
      },
    );
  }
}
