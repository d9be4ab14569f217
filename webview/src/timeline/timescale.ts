/**
 * Time <-> pixel mapping of the timeline and the viewport arithmetic of zooming and panning.
 * Times are {@link Ns} (ns since the trace start); pixels are CSS pixels of the canvas.
 */
import { ns, type Ns } from '../../../protocol/messages';

/** The visible range of time. */
export interface Viewport {
  readonly start: Ns;
  readonly end: Ns;
}

/** How far the viewport may go. */
export interface ViewLimits {
  /** Earliest time the left edge may show. */
  readonly min: Ns;
  /** Latest time the right edge may show. */
  readonly max: Ns;
  /** Narrowest visible span, ns. */
  readonly minSpan: number;
}

/** Narrowest visible span: 100 ns across the screen (ticks go down to 1 ns). */
export const MIN_SPAN_NS = 100;

/** Limits for a trace of `duration` ns: the whole trace plus a small margin on each side. */
export function limitsFor(duration: number): ViewLimits {
  const d = Math.max(duration, 1e6);
  const margin = d * 0.02;
  return { min: ns(-margin), max: ns(d + margin), minSpan: MIN_SPAN_NS };
}

/** Maps times of a viewport onto `width` pixels starting at `x0`. */
export class TimeScale {
  /** Nanoseconds per CSS pixel. */
  readonly nsPerPx: number;

  constructor(
    readonly start: Ns,
    readonly end: Ns,
    /** Left edge of the time axis, px. */
    readonly x0: number,
    /** Width of the time axis, px (at least 1). */
    readonly width: number,
  ) {
    this.nsPerPx = Math.max(end - start, 1e-9) / Math.max(width, 1);
  }

  /** Pixel of a time (not clamped). */
  toPx(t: number): number {
    return this.x0 + (t - this.start) / this.nsPerPx;
  }

  /** Time at a pixel (not clamped). */
  toNs(px: number): Ns {
    return ns(this.start + (px - this.x0) * this.nsPerPx);
  }

  /** Length in pixels of a duration. */
  lengthPx(durationNs: number): number {
    return durationNs / this.nsPerPx;
  }
}

/** The span of a viewport, ns. */
export function spanOf(v: Viewport): number {
  return v.end - v.start;
}

/**
 * Keep a viewport inside the limits: its span between `minSpan` and the whole allowed range, then
 * shifted (not shrunk) back inside [min, max].
 */
export function clampViewport(v: Viewport, limits: ViewLimits): Viewport {
  const maxSpan = limits.max - limits.min;
  let span = Math.min(Math.max(spanOf(v), limits.minSpan), maxSpan);
  if (!Number.isFinite(span) || span <= 0) span = Math.max(limits.minSpan, maxSpan);
  const centre = (v.start + v.end) / 2;
  let start = Number.isFinite(centre) ? centre - span / 2 : limits.min;
  if (start < limits.min) start = limits.min;
  if (start + span > limits.max) start = limits.max - span;
  return { start: ns(start), end: ns(start + span) };
}

/**
 * Zoom by `factor` (< 1 zooms in) keeping `anchor` at the same pixel, then clamp. When the span
 * hits its limit the factor is reduced so the anchor still stays put as long as no shift is needed.
 */
export function zoomAround(v: Viewport, anchor: number, factor: number, limits: ViewLimits): Viewport {
  const span = spanOf(v);
  const maxSpan = limits.max - limits.min;
  const target = Math.min(Math.max(span * factor, limits.minSpan), maxSpan);
  const f = target / span;
  const start = anchor - (anchor - v.start) * f;
  return clampViewport({ start: ns(start), end: ns(start + target) }, limits);
}

/** Move by `deltaNs` (positive moves later in time), then clamp. */
export function panBy(v: Viewport, deltaNs: number, limits: ViewLimits): Viewport {
  return clampViewport({ start: ns(v.start + deltaNs), end: ns(v.end + deltaNs) }, limits);
}

/** A viewport around [start, end] with `margin` (fraction of its length) on each side. */
export function around(start: number, end: number, limits: ViewLimits, margin = 0.15, minSpan = 2000): Viewport {
  const len = Math.max(end - start, 0);
  const span = Math.max(len * (1 + 2 * margin), minSpan);
  const centre = (start + end) / 2;
  return clampViewport({ start: ns(centre - span / 2), end: ns(centre + span / 2) }, limits);
}
