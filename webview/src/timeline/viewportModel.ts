/**
 * The viewport and how it follows a live recording: in `tail` mode the right edge stays on the
 * newest time — over a window sized to the density of the events (densitySpan), or one the user
 * chose — in `all` mode the whole trace stays in view, and any navigation by the user turns
 * following off (the view offers a Follow button to turn it back on).
 */
import { ns, type TrackInfo } from '../../../protocol/messages';
import { niceStep } from '../../../shared/ticks';
import { clampViewport, limitsFor, panBy, spanOf, zoomAround, type ViewLimits, type Viewport } from './timescale';

/** How the viewport follows the trace. */
export type FollowMode = 'off' | 'tail' | 'all';

/** Span shown when following a live recording from its start, and the longest one sized to its density, ns. */
export const DEFAULT_TAIL_SPAN = 10e9;
/** The shortest window sized to the density, ns. */
export const MIN_TAIL_SPAN = 20e6;

/**
 * The window a live view follows: about one event of the busiest track every `pxPerEvent` pixels
 * across `axisPx`, between MIN_TAIL_SPAN and DEFAULT_TAIL_SPAN (the model rounds it to a 1-2-5
 * step). A fixed 10 s made a busy loop's thread a band of slivers while a quiet trace filled a
 * third of the view.
 */
export function densitySpan(tracks: readonly TrackInfo[], duration: number, axisPx: number, pxPerEvent = 12): number {
  let busiest = 0;
  for (const t of tracks) busiest = Math.max(busiest, t.events ?? 0);
  if (busiest < 2 || duration <= 0) return DEFAULT_TAIL_SPAN;
  const ideal = (Math.max(axisPx, 100) / pxPerEvent) * (duration / busiest);
  return Math.min(DEFAULT_TAIL_SPAN, Math.max(MIN_TAIL_SPAN, ideal));
}

/** The viewport of the timeline. */
export class ViewportModel {
  private v: Viewport = { start: ns(0), end: ns(1e9) };
  private mode: FollowMode = 'off';
  private duration = 0;
  private live = false;
  private tailSpan = DEFAULT_TAIL_SPAN;
  /** The tail's span follows the density (setDensitySpan) rather than the user's zoom. */
  private autoSpan = false;

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

  /**
   * Follow the newest time (live), showing `span` ns (by default the current span); `auto`: the
   * span then follows setDensitySpan.
   */
  followTail(span = spanOf(this.v), auto = false): void {
    this.mode = 'tail';
    this.autoSpan = auto;
    this.tailSpan = Math.min(span, Math.max(this.duration, DEFAULT_TAIL_SPAN));
    this.applyFollow(true);
  }

  /**
   * The window the events' density calls for (densitySpan), taken as a 1-2-5 step while following
   * with an automatic span — only when it is clearly outside the current step (above it by a
   * quarter, or below the step under it), so that it does not flap between two steps.
   */
  setDensitySpan(ideal: number): void {
    if (this.mode !== 'tail' || !this.autoSpan) return;
    const cur = this.tailSpan;
    if (ideal <= cur * 1.25 && ideal * 3 >= cur) return;
    this.tailSpan = Math.min(DEFAULT_TAIL_SPAN, Math.max(MIN_TAIL_SPAN, niceStep(ideal)));
    this.applyFollow(false);
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
