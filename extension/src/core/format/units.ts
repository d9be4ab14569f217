/** Human-readable durations and times. */

/** "850 ns", "12.3 µs", "4.97 ms", "1.204 s". */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return '?';
  const a = Math.abs(ns);
  if (a < 1e3) return `${Math.round(ns)} ns`;
  if (a < 1e6) return `${(ns / 1e3).toFixed(a < 1e4 ? 2 : 1)} µs`;
  if (a < 1e9) return `${(ns / 1e6).toFixed(a < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** Seconds since the start of the trace, 6 decimals: "   12.345678". */
export function formatTimestamp(ns: number, width = 12): string {
  return (ns / 1e9).toFixed(6).padStart(width);
}

/**
 * 12345 -> "12,345". Not toLocaleString: its first call loads ICU's locale data (about 100 ms),
 * which a recording's summary, printed right after a Ctrl-C, cannot afford.
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [whole, frac] = String(Math.abs(n)).split('.');
  const grouped = whole.length > 3 && !whole.includes('e') ? whole.replace(/\B(?=(\d{3})+$)/g, ',') : whole;
  return `${n < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}
