/**
 * Every kind of event, listed once: a new kind is a module of this folder (kind.ts says what it
 * implements) and a line here. The order is the store's kind codes' (code = index + 1; 0: none).
 */
import type { WireRecord } from '../../../../protocol/generated/wire';
import type { DecodeContext, EventKindModule, KindInfo } from './kind';
import { dropKind } from './drop';
import { irqKind } from './irq';
import { requestKind } from './request';
import { signalKind } from './signal';
import { syscallKind } from './syscall';
import { taskKind } from './task';
import { wakeKind } from './wake';

/** The kind modules. */
const MODULES = [syscallKind, requestKind, signalKind, irqKind, taskKind, wakeKind, dropKind] as const;

/** The event of a kind module. */
type EventOf<M> = M extends EventKindModule<infer E> ? E : never;

/** Any event. */
export type TraceEvent = EventOf<(typeof MODULES)[number]>;

/** Kinds of events (the `kind` field of JSON lines). */
export type EventKind = TraceEvent['kind'];

/** Each list entry once: two modules claiming one kind or one record would silently shadow each other. */
function once<T>(pairs: readonly (readonly [string, T])[], what: string): Map<string, T> {
  const map = new Map<string, T>();
  for (const [k, v] of pairs) {
    if (map.has(k)) throw new Error(`kinds/registry.ts: two kind modules claim the ${what} '${k}'`);
    map.set(k, v);
  }
  return map;
}

const entries = MODULES.flatMap((m) => Object.entries(m.kinds).map(([kind, info]) => ({ kind: kind as EventKind, info: info as KindInfo, module: m })));

/** Every kind of event, in the order of the store's kind codes. */
export const EVENT_KINDS: readonly EventKind[] = entries.map((x) => x.kind);

/** What each kind is. */
export const KINDS = Object.fromEntries(entries.map((x) => [x.kind, x.info])) as { readonly [K in EventKind]: KindInfo };

/** The store's code of a kind. */
export const KindCode = Object.fromEntries(EVENT_KINDS.map((k, i) => [k, i + 1])) as { readonly [K in EventKind]: number };

/** The kind of a store code. */
export function kindOfCode(code: number): EventKind {
  return EVENT_KINDS[code - 1];
}

const BY_KIND = once(entries.map((x) => [x.kind, x.module as unknown as EventKindModule<TraceEvent>] as const), 'event kind');

/** The module of a kind, by name. */
export function kindModule(kind: EventKind): EventKindModule<TraceEvent> {
  return BY_KIND.get(kind) as EventKindModule<TraceEvent>;
}

/** A decoder of one kind of wire record. */
type Decoder = (r: WireRecord, ctx: DecodeContext) => void;

const DECODERS = once(MODULES.flatMap((m) => Object.entries(m.decode) as [string, Decoder][]), 'wire record');

/** The decoder of a wire record of an event kind (undefined: not an event's record). */
export function decoderOf(kind: WireRecord['kind']): Decoder | undefined {
  return DECODERS.get(kind);
}

/**
 * One instance per kind module of a consumer's per-kind part (a store's adders, an export's
 * writers), made in the registry's order; `of` finds the one of an event.
 */
export class PerKind<T> {
  /** In the registry's order. */
  readonly all: readonly T[];
  private readonly byKind = new Map<string, T>();

  constructor(make: (m: EventKindModule<TraceEvent>) => T) {
    const made = new Map<unknown, T>();
    this.all = MODULES.map((m) => {
      const t = make(m as unknown as EventKindModule<TraceEvent>);
      made.set(m, t);
      return t;
    });
    for (const x of entries) this.byKind.set(x.kind, made.get(x.module) as T);
  }

  /** The instance of an event's kind. */
  of(kind: EventKind): T {
    return this.byKind.get(kind) as T;
  }
}
