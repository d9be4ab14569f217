/**
 * Time ticks (the timeline's ruler and the charts' time axes): steps of 1, 2 or 5 times a power of ten nanoseconds, labelled in the unit that
 * suits the times shown ("12.5 ms"). When absolute labels would need too many digits (deep zoom
 * far into a trace) the labels become offsets from an origin shown apart ("+150 µs").
 */

/** One labelled tick. */
export interface Tick {
  /** ns since the trace start. */
  readonly t: number;
  readonly label: string;
}

/** The ticks of a viewport. */
export interface TickSet {
  /** Distance between labelled ticks, ns. */
  readonly step: number;
  /** Distance between minor ticks, ns (0 when there are none). */
  readonly minorStep: number;
  readonly major: readonly Tick[];
  /** Times of minor ticks (between and around the major ones, not on them). */
  readonly minor: readonly number[];
  /** Origin of relative labels, ns, or null when labels are absolute. */
  readonly origin: number | null;
  /** The origin formatted ("12.345 s"), empty when labels are absolute. */
  readonly originLabel: string;
}

interface Unit {
  readonly scale: number;
  readonly name: string;
}

const UNITS: readonly Unit[] = [
  { scale: 1, name: 'ns' },
  { scale: 1e3, name: 'µs' },
  { scale: 1e6, name: 'ms' },
  { scale: 1e9, name: 's' },
];

/** Most digits an absolute label may have before labels switch to offsets. */
const MAX_DIGITS = 6;

/** The largest unit not larger than `ns` (ns for anything below 1 µs). */
export function unitFor(value: number): Unit {
  const a = Math.abs(value);
  for (let i = UNITS.length - 1; i > 0; i--) if (a >= UNITS[i].scale) return UNITS[i];
  return UNITS[0];
}

/** Smallest step of 1, 2 or 5 x 10^k ns (k >= 0) that is at least `minStep`. */
export function niceStep(minStep: number): number {
  if (!(minStep > 1)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(minStep)));
  for (const m of [1, 2, 5, 10]) {
    // A small tolerance: 3 * 1e-1 must not become 5e-1 through rounding.
    if (m * p >= minStep * (1 - 1e-12)) return m * p;
  }
  return 10 * p;
}

/** Leading digit of a 1-2-5 step. */
export function mantissa(step: number): number {
  return Math.round(step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9)));
}

/** Decimals needed to show multiples of `step` in `unit`. */
export function decimalsFor(step: number, unit: Unit): number {
  return Math.max(0, Math.ceil(-Math.log10(step / unit.scale) - 1e-9));
}

function integerDigits(x: number): number {
  return Math.max(1, Math.floor(Math.log10(Math.max(Math.abs(x), 1))) + 1);
}

/** "12.5 ms": `t` in `unit` with `decimals`. */
export function formatIn(t: number, unit: Unit, decimals: number): string {
  const v = t / unit.scale;
  const s = v.toFixed(decimals);
  return `${s === `-${(0).toFixed(decimals)}` ? s.slice(1) : s} ${unit.name}`;
}

/**
 * Ticks for [start, end] drawn over `widthPx` pixels, labelled ticks at least `minSpacingPx` apart.
 * Times before 0 get no ticks.
 */
export function makeTicks(start: number, end: number, widthPx: number, minSpacingPx = 90): TickSet {
  const span = Math.max(end - start, 1e-9);
  const nsPerPx = span / Math.max(widthPx, 1);
  const step = niceStep(nsPerPx * minSpacingPx);
  const m = mantissa(step);
  const minorStep = step / (m === 2 ? 4 : 5) >= 1 ? step / (m === 2 ? 4 : 5) : 0;

  const absUnit = unitFor(Math.max(Math.abs(end), Math.abs(start), step));
  const absDecimals = decimalsFor(step, absUnit);
  const relative = integerDigits(Math.max(Math.abs(end), Math.abs(start)) / absUnit.scale) + absDecimals > MAX_DIGITS;

  let origin: number | null = null;
  let originLabel = '';
  let label: (t: number) => string;
  if (relative) {
    const q = Math.pow(10, Math.ceil(Math.log10(Math.max(span, step))));
    origin = Math.floor(Math.max(start, 0) / q) * q;
    const o = origin;
    const originDecimals = Math.max(0, Math.ceil(-Math.log10(q / 1e9) - 1e-9));
    originLabel = formatIn(o, UNITS[3], originDecimals);
    const unit = unitFor(step * 10);
    const decimals = decimalsFor(step, unit);
    label = (t) => `+${formatIn(t - o, unit, decimals)}`;
  } else {
    label = (t) => formatIn(t, absUnit, absDecimals);
  }

  const major: Tick[] = [];
  const first = Math.max(Math.ceil(start / step), 0);
  const last = Math.floor(end / step);
  for (let k = first; k <= last; k++) major.push({ t: k * step, label: label(k * step) });

  const minor: number[] = [];
  if (minorStep > 0) {
    const perMajor = Math.round(step / minorStep);
    const mFirst = Math.max(Math.ceil(start / minorStep), 0);
    const mLast = Math.floor(end / minorStep);
    for (let k = mFirst; k <= mLast; k++) if (k % perMajor !== 0) minor.push(k * minorStep);
  }
  return { step, minorStep, major, minor, origin, originLabel };
}
