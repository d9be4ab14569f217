/**
 * The kinds of events, in one list: the JSON lines' `kind`, the timeline store's kind codes and
 * what each kind is (a thread's or the system's, a request in flight or a call in progress) come
 * from here, so a new kind is added once (its event interface in events.ts, its line and JSON in
 * format/kinds.ts).
 */

/** Every kind of event, in the order of the store's kind codes (code = index + 1; 0: none). */
export const EVENT_KINDS = ['syscall', 'aio', 'uring', 'signal', 'irq', 'process', 'thread', 'wake', 'drop'] as const;

/** Kinds of events (the `kind` field of JSON lines). */
export type EventKind = (typeof EVENT_KINDS)[number];

/** What a kind of event is. */
export interface KindInfo {
  /** The system's, not a thread's (an interrupt, lost records): no thread to name. */
  readonly threadless: boolean;
  /** A request submitted and completed (Linux AIO, io_uring), not a call: its title names the engine. */
  readonly engine: string | null;
}

/** What each kind is. */
export const KINDS: { readonly [K in EventKind]: KindInfo } = {
  syscall: { threadless: false, engine: null },
  aio: { threadless: false, engine: 'AIO' },
  uring: { threadless: false, engine: 'io_uring' },
  signal: { threadless: false, engine: null },
  irq: { threadless: true, engine: null },
  process: { threadless: false, engine: null },
  thread: { threadless: false, engine: null },
  wake: { threadless: false, engine: null },
  drop: { threadless: true, engine: null },
};

/** The store's code of a kind. */
export const KindCode = Object.fromEntries(EVENT_KINDS.map((k, i) => [k, i + 1])) as { readonly [K in EventKind]: number };

/** The kind of a store code. */
export function kindOfCode(code: number): EventKind {
  return EVENT_KINDS[code - 1];
}
