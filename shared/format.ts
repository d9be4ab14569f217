/**
 * Human-readable durations, times, counts and wall-clock times: one owner for the extension host,
 * the command line and the webview (shared/ is pure TypeScript both bundles import).
 */

/** "850 ns", "12.3 µs", "4.97 ms", "1.204 s". */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return '?';
  const a = Math.abs(ns);
  if (a < 1e3) return `${Math.round(ns)} ns`;
  if (a < 1e6) return `${(ns / 1e3).toFixed(a < 1e4 ? 2 : 1)} µs`;
  if (a < 1e9) return `${(ns / 1e6).toFixed(a < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** Seconds since the start of the trace, 6 decimals, padded: "   12.345678" (event lines). */
export function formatTimestamp(ns: number, width = 12): string {
  return (ns / 1e9).toFixed(6).padStart(width);
}

/** Time since the trace start, in seconds with µs precision: "1.234567 s". */
export function formatTime(ns: number): string {
  if (!Number.isFinite(ns)) return '?';
  return `${(ns / 1e9).toFixed(6)} s`;
}

/** Time since the trace start in seconds, with the decimals a precision of `precisionNs` needs. */
export function formatTimeAt(ns: number, precisionNs: number): string {
  if (!Number.isFinite(ns)) return '?';
  const decimals = Math.min(9, Math.max(0, Math.ceil(-Math.log10(Math.max(precisionNs, 1) / 1e9) - 1e-9)));
  return `${(ns / 1e9).toFixed(decimals)} s`;
}

/**
 * 12345.6 -> "12,346". Not Intl or toLocaleString: loading ICU's locale data costs about 100 ms,
 * which a recording's summary, printed right after a Ctrl-C, cannot afford (and toLocaleString made
 * a formatter per call, a hot spot of the charts).
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const whole = String(Math.abs(Math.round(n)));
  const grouped = whole.length > 3 && !whole.includes('e') ? whole.replace(/\B(?=(\d{3})+$)/g, ',') : whole;
  return `${Math.round(n) < 0 ? '-' : ''}${grouped}`;
}

/** "1 event", "3 events". */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Wall-clock time of `offsetNs` after `startMs` (epoch ms), "14:03:27.123 456" (µs precision).
 * Local time unless `utc`. Empty when the start is unknown (0).
 */
export function formatWallClock(startMs: number, offsetNs: number, utc = false): string {
  if (!startMs || !Number.isFinite(startMs) || !Number.isFinite(offsetNs)) return '';
  // Keep the sub-millisecond part apart: epoch ms as a double cannot hold nanoseconds.
  const wholeMs = Math.floor(startMs);
  const subNs = Math.round((startMs - wholeMs) * 1e6) + offsetNs;
  const carryMs = Math.floor(subNs / 1e6);
  const restNs = subNs - carryMs * 1e6;
  const d = new Date(wholeMs + carryMs);
  const h = utc ? d.getUTCHours() : d.getHours();
  const m = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  const ms = utc ? d.getUTCMilliseconds() : d.getMilliseconds();
  const us = Math.floor(restNs / 1e3);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms, 3)} ${pad(us, 3)}`;
}
