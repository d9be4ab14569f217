/**
 * The viewport and how it follows a live recording: in `tail` mode the right edge stays on the
 * newest time, in `all` mode the whole trace stays in view, and any navigation by the user turns
 * following off (the view offers a Follow button to turn it back on).
 */
import { ns } from '../../../protocol/messages';
import { clampViewport, limitsFor, panBy, spanOf, zoomAround, type ViewLimits, type Viewport } from './timescale';

/** How the viewport follows the trace. */
export type FollowMode = 'off' | 'tail' | 'all';

/** Span shown when following a live recording from its start, ns. */
export const DEFAULT_TAIL_SPAN = 10e9;

/** The viewport of the timeline. */
export class ViewportModel {
  private v: Viewport = { start: ns(0), end: ns(1e9) };
  private mode: FollowMode = 'off';
  private duration = 0;
  private live = false;
  private tailSpan = DEFAULT_TAIL_SPAN;

  constructor(private readonly onChange: (user: boolean) => void) {}

  /** The visible range. */
  get viewport(): Viewport {
    return this.v;
  }

  /** The follow mode. */
  get follow(): FollowMode {
    return this.mode;
  }

  /** Limits of the current trace. */
  get limits(): ViewLimits {
    return limitsFor(this.live ? Math.max(this.duration, this.mode === 'tail' ? this.tailSpan : 0) : this.duration);
  }

  /** The trace grew or ended (`live`: it may still grow): re-apply following. */
  setTrace(duration: number, live: boolean): void {
    this.duration = duration;
    this.live = live;
    // the last growth is still followed, then following stops with the trace
    this.applyFollow(false);
    if (!live && this.mode !== 'off') this.mode = 'off';
  }

  /** Follow the newest time (live), showing `span` ns (by default the current span). */
  followTail(span = spanOf(this.v)): void {
    this.mode = 'tail';
    this.tailSpan = Math.min(span, Math.max(this.duration, DEFAULT_TAIL_SPAN));
    this.applyFollow(true);
  }

  /** Show the whole trace (and keep showing it while live). */
  fitAll(): void {
    this.mode = this.live ? 'all' : 'off';
    this.set(clampViewport({ start: ns(0), end: ns(Math.max(this.duration, 1e6)) }, this.limits), true);
  }

  /** Zoom around `anchor` (ns); factor < 1 zooms in. Stops following. */
  zoomAt(anchor: number, factor: number): void {
    this.mode = 'off';
    this.set(zoomAround(this.v, anchor, factor, this.limits), true);
  }

  /** Pan by `deltaNs`. Stops following. */
  panBy(deltaNs: number): void {
    this.mode = 'off';
    this.set(panBy(this.v, deltaNs, this.limits), true);
  }

  /** Show `v` (reveal, restore, zoom to selection). Stops following. */
  show(v: Viewport): void {
    this.mode = 'off';
    this.set(clampViewport(v, this.limits), true);
  }

  /** Restore a saved viewport and follow mode without clamping to a trace not known yet. */
  restore(v: Viewport, follow: FollowMode): void {
    this.v = v;
    this.mode = follow;
    if (follow === 'tail') this.tailSpan = spanOf(v);
  }

  private applyFollow(user: boolean): void {
    if (this.mode === 'tail') {
      const end = Math.max(this.duration, this.tailSpan);
      this.set({ start: ns(end - this.tailSpan), end: ns(end) }, user);
    } else if (this.mode === 'all') {
      this.set(clampViewport({ start: ns(0), end: ns(Math.max(this.duration, 1e6)) }, this.limits), user);
    } else {
      this.set(clampViewport(this.v, this.limits), user);
    }
  }

  private set(v: Viewport, user: boolean): void {
    if (v.start === this.v.start && v.end === this.v.end) return;
    this.v = v;
    this.onChange(user);
  }
}
