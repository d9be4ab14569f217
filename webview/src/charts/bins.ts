/** Labels and lookups for latency histograms with log-scale bins (DOM-free). */
import { formatDuration } from '../../../shared/format';

/** Label of bin `i` of a histogram whose bins end at `bounds` (ns): "≤ 12.8 µs", "> 1.00 s". */
export function binLabel(bounds: readonly number[], i: number): string {
  const b = bounds[i];
  if (!Number.isFinite(b)) return `> ${formatDuration(bounds[i - 1] ?? 0)}`;
  return `≤ ${formatDuration(b)}`;
}

/** Index of the bin holding `durationNs` (the first whose bound is not below it), -1 if none. */
export function binOf(bounds: readonly number[], durationNs: number): number {
  for (let i = 0; i < bounds.length; i++) if (durationNs <= bounds[i]) return i;
  return bounds.length ? bounds.length - 1 : -1;
}

/** Events per second of each bin of a rate series. */
export function perSecond(counts: readonly number[], binNs: number): number[] {
  const k = binNs > 0 ? 1e9 / binNs : 0;
  return counts.map((c) => c * k);
}
