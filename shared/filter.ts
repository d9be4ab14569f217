/**
 * The timeline's filter, as typed in its box: words that must all match. The webview parses it to
 * say what is wrong as you type; the host parses the same text to filter (core/store/filter.ts).
 *
 *   read              an event's name, its fd's path or its thread contains "read"
 *   name:epoll        the event's name contains "epoll"
 *   fd:5              on file descriptor 5
 *   path:/dev/uio     on an fd whose path contains "/dev/uio"
 *   thread:worker     on a thread (track) whose name contains "worker"
 *   >5ms  >=200us  dur>1s     lasting at least that long (ns, us or µs, ms, s)
 */

/** One word of a filter. */
export type FilterTerm =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'name'; readonly text: string }
  | { readonly kind: 'path'; readonly text: string }
  | { readonly kind: 'thread'; readonly text: string }
  | { readonly kind: 'fd'; readonly fd: number }
  | { readonly kind: 'minDuration'; readonly ns: number };

/** A parsed filter: its words (all must match), or what is wrong with it. */
export interface ParsedFilter {
  readonly terms: readonly FilterTerm[];
  readonly error: string | null;
}

/** Keys a word may start with (`key:value`). */
export const FILTER_KEYS = ['name', 'fd', 'path', 'thread', 'dur'] as const;

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 };

/** "5ms" -> 5e6 ns, or null. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(ns|us|µs|ms|s)$/i.exec(text.trim());
  if (!m) return null;
  const unit = UNITS[m[2].toLowerCase()] ?? UNITS[m[2]];
  return unit === undefined ? null : Number(m[1]) * unit;
}

/** Parse the text of the filter box. An empty text is no filter (no terms, no error). */
export function parseFilter(text: string): ParsedFilter {
  const terms: FilterTerm[] = [];
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    const dur = /^(?:dur(?::|>=?)|>=?)(.+)$/i.exec(word);
    if (dur) {
      const ns = parseDuration(dur[1]);
      if (ns === null) return { terms: [], error: `"${word}": a duration is a number and a unit (ns, us, ms, s), e.g. >5ms` };
      terms.push({ kind: 'minDuration', ns });
      continue;
    }
    const kv = /^([a-z]+):(.*)$/i.exec(word);
    if (kv) {
      const key = kv[1].toLowerCase();
      const value = kv[2];
      if (!value) return { terms: [], error: `"${word}": nothing after "${key}:"` };
      if (key === 'fd') {
        if (!/^\d+$/.test(value)) return { terms: [], error: `"${word}": fd: takes a number` };
        terms.push({ kind: 'fd', fd: Number(value) });
      } else if (key === 'name' || key === 'path' || key === 'thread') {
        terms.push({ kind: key, text: value.toLowerCase() });
      } else {
        return { terms: [], error: `"${word}": unknown key "${key}:" (name:, fd:, path:, thread:, or >5ms)` };
      }
      continue;
    }
    terms.push({ kind: 'text', text: word.toLowerCase() });
  }
  return { terms, error: null };
}
