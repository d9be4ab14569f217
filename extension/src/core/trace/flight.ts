/**
 * The flight recorder: a recording that keeps only its last N seconds or N MiB (`--keep`), held
 * as a ring of compressed blocks (format.ts) in memory and written to the trace file at the end.
 *
 * What a kept event needs from before the window — the stream's context: clock, meta, start, the
 * processes' and threads' names (task), fds, memory maps, stacks, io_uring rings, UIO devices — is
 * taken out of every block as it is sealed and carried when the block leaves the ring, so the
 * saved window opens as the whole recording would have: names, paths and source lines included.
 * Everything else (syscalls, requests, signals, interrupts, wake-ups, losses, counted calls) is
 * bound to its time and leaves with its block. At the end the window is cut exactly: the blocks
 * that straddle its edges are decoded and rebuilt without the records outside it.
 */
import { RECORD_HEADER_SIZE, RECORD_TS_OFFSET, RecordKind } from '../../../../protocol/generated/wire';
import { parseDuration } from '../../../../shared/filter';
import { formatCount, formatDuration } from '../../../../shared/format';
import { RULES } from '../analysis/catalogue';
import type { RuleId } from '../analysis/types';
import { UserError } from '../errors';
import type { BlockInfo } from './format';
import { EVENT_RECORD_KINDS } from './pipeline';

/** How much a flight recording keeps: its last `ns` of time, its last `bytes` of blocks, or both. */
export interface KeepLimit {
  readonly ns?: number;
  readonly bytes?: number;
}

/** What stops a flight recording: a stall (a blocking call or wait of at least `ns`), or the first finding of a rule. */
export type UntilCondition = { readonly kind: 'stall'; readonly ns: number } | { readonly kind: 'finding'; readonly rule: RuleId };

/** A flight recording's options (`iolens record --keep --until`, the editor's iolens.flightRecorder settings). */
export interface FlightOptions {
  /** The trace file keeps only the last this much. */
  readonly keep?: KeepLimit;
  /** Stop at the first stall or finding of a rule, saving the window around it (until.ts). */
  readonly until?: UntilCondition;
}

/** Records kept whatever their time: what kept events need from before the window. */
export const CONTEXT_RECORD_KINDS: ReadonlySet<number> = new Set<number>(
  (['clock', 'meta', 'start', 'stack', 'task', 'fd', 'map', 'uring_ring', 'uio_device', 'end', 'sym_frame'] as const).map((k) => RecordKind[k]),
);

/**
 * With `--until`, the ring holds this much more than --keep (ns): the trigger is noticed after the
 * stall ended, and later still when the analysis runs behind the stream; the window is cut exactly
 * at the end.
 */
export const UNTIL_SLACK_NS = 10e9;

const SIZE_UNITS: Record<string, number> = { b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, kb: 1e3, mb: 1e6, gb: 1e9 };

/**
 * "30s" -> the last 30 s; "200MiB" -> the last 200 MiB of compressed blocks. A UserError when
 * neither, naming the option or setting `name`.
 */
export function parseKeep(text: string, name = '--keep'): KeepLimit {
  const ns = parseDuration(text);
  if (ns !== null && ns > 0) return { ns };
  const m = /^(\d+(?:\.\d+)?)\s*(b|kib|mib|gib|kb|mb|gb)$/i.exec(text.trim());
  const bytes = m ? Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()] : 0;
  if (bytes >= 1) return { bytes: Math.round(bytes) };
  throw new UserError('usage', `${name} takes a time or a size, such as 30s, 500ms or 200MiB, not '${text}'`);
}

/** "stall>100ms" or "finding:busy-poll"; a UserError otherwise, naming the option or setting `name`. */
export function parseUntil(text: string, name = '--until'): UntilCondition {
  const t = text.trim();
  const stall = /^stall\s*>\s*(.+)$/i.exec(t);
  if (stall) {
    const ns = parseDuration(stall[1]);
    if (ns !== null && ns > 0) return { kind: 'stall', ns };
  }
  const finding = /^finding:(.+)$/i.exec(t);
  if (finding) {
    const rule = finding[1].trim();
    if (Object.hasOwn(RULES, rule)) return { kind: 'finding', rule: rule as RuleId };
    throw new UserError('usage', `${name} finding:RULE: no rule '${rule}'`, `The rules: ${Object.keys(RULES).join(', ')}.`);
  }
  throw new UserError('usage', `${name} takes 'stall>DURATION' (such as stall>100ms) or 'finding:RULE', not '${text}'`);
}

/** "flight recorder: kept from 12.5 s to 42.5 s of the recording; 1,234 events outside the window left out" (`origin`: the trace's, monotonic ns). */
export function describeFlightWindow(w: FlightWindow & { readonly droppedEvents: number }, origin: number): string {
  const at = (ts: number): string => formatDuration(Math.max(0, ts - origin));
  const from = w.from > 0 ? at(w.from) : 'the oldest block kept';
  const span = `kept from ${from} to ${Number.isFinite(w.to) ? at(w.to) : 'the end'} of the recording`;
  return `flight recorder: ${span}; ${formatCount(w.droppedEvents)} event${w.droppedEvents === 1 ? '' : 's'} outside the window left out`;
}

/** The `ts` of the record at `at` (monotonic ns), or undefined for a kind without one. */
export function recordTs(v: DataView, at: number, kind: number, size: number): number | undefined {
  const tsAt = RECORD_TS_OFFSET.get(kind);
  if (tsAt === undefined || tsAt + 8 > size) return undefined;
  return v.getUint32(at + tsAt, true) + v.getUint32(at + tsAt + 4, true) * 2 ** 32;
}

/** Walk the whole records of `content`: kind, offset, size. */
function forEachRecord(content: Uint8Array, visit: (v: DataView, at: number, kind: number, size: number) => void): void {
  const v = new DataView(content.buffer, content.byteOffset, content.byteLength);
  for (let at = 0; at + RECORD_HEADER_SIZE <= content.length;) {
    const size = v.getUint16(at + 2, true);
    if (size < 8 || at + size > content.length) return;
    visit(v, at, v.getUint16(at, true), size);
    at += size;
  }
}

/** Concatenate the records of `content` that `keep` accepts, in order. */
function selectRecords(content: Uint8Array, keep: (v: DataView, at: number, kind: number, size: number) => boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  forEachRecord(content, (v, at, kind, size) => {
    if (!keep(v, at, kind, size)) return;
    parts.push(content.subarray(at, at + size));
    length += size;
  });
  const out = new Uint8Array(length);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/** The context records of a block's stream bytes (CONTEXT_RECORD_KINDS), copied, in order. */
export function contextRecords(content: Uint8Array): Uint8Array {
  return selectRecords(content, (_v, _at, kind) => CONTEXT_RECORD_KINDS.has(kind));
}

/** A block held by the ring: its header, its bytes as written to a file, its context records. */
export interface RingBlock {
  readonly info: Omit<BlockInfo, 'offset'>;
  readonly bytes: Uint8Array;
  readonly context: Uint8Array;
}

/** The time span a flight recording saves (monotonic ns, both ends included). */
export interface FlightWindow {
  readonly from: number;
  readonly to: number;
}

/** What goes into the file, in order: context from before, blocks kept as they are or cut, context from after. */
export interface FlightContent {
  readonly before: Uint8Array[];
  /** A whole block (its bytes are written as they are) or the stream bytes of a cut one. */
  readonly blocks: ({ readonly whole: RingBlock } | { readonly cut: Uint8Array })[];
  readonly after: Uint8Array[];
  /** Blocks that left the ring, and their events. */
  readonly droppedBlocks: number;
  readonly droppedEvents: number;
}

/**
 * The ring of a flight recording's blocks: add() each sealed block in order; blocks that are
 * wholly older than the limit leave it (their context carried). The limit's time counts back from
 * the newest record, or from an anchor once one is set (`--until`: the window ends there).
 */
export class FlightRing {
  private readonly blocks: RingBlock[] = [];
  private readonly carried: Uint8Array[] = [];
  private bytes = 0;
  private newest = 0;
  private anchor: number | undefined;
  private droppedBlocks = 0;
  private droppedEvents = 0;

  /** `slackNs`: blocks leave only when older than the kept time and this (see UNTIL_SLACK_NS). */
  constructor(readonly keep: KeepLimit, private readonly slackNs = 0) {}

  /** Blocks held, and their bytes. */
  get held(): { blocks: number; bytes: number } {
    return { blocks: this.blocks.length, bytes: this.bytes };
  }

  /** From now on the kept time counts back from `ts`, not from the newest record. */
  setAnchor(ts: number): void {
    this.anchor = ts;
  }

  /** The oldest time kept (ns), 0 when there is no time limit. */
  private cutoff(end: number): number {
    return this.keep.ns === undefined ? 0 : end - this.keep.ns;
  }

  /** A block sealed after every one before it. */
  add(block: RingBlock): void {
    this.blocks.push(block);
    this.bytes += block.bytes.length;
    if (block.info.lastTs > this.newest) this.newest = block.info.lastTs;
    const cutoff = this.cutoff(Math.min(this.newest, this.anchor ?? Infinity)) - this.slackNs;
    // the newest block always stays: it may hold the window's start
    while (this.blocks.length > 1) {
      const old = this.blocks[0];
      const tooOld = old.info.lastTs > 0 && old.info.lastTs < cutoff;
      const tooBig = this.keep.bytes !== undefined && this.bytes - old.bytes.length >= this.keep.bytes;
      if (!tooOld && !tooBig) break;
      this.drop();
    }
  }

  private drop(): void {
    const old = this.blocks.shift()!;
    this.bytes -= old.bytes.length;
    this.carried.push(old.context);
    this.droppedBlocks++;
    this.droppedEvents += old.info.events;
  }

  /**
   * The window to save: the kept time back from the anchor (else the newest record) up to `to`;
   * a size limit alone keeps every record of the blocks held.
   */
  window(to = Infinity): FlightWindow {
    const end = Math.min(this.anchor ?? this.newest, this.newest);
    const from = this.keep.ns === undefined ? 0 : this.cutoff(end);
    return { from, to };
  }

  /**
   * The content to write for `w` (the ring is emptied): blocks wholly outside the window leave
   * (their context kept), blocks across an edge are cut record by record (`unpack` gives a
   * block's stream bytes), the others are kept as they are.
   */
  take(w: FlightWindow, unpack: (b: RingBlock) => Uint8Array): FlightContent {
    const before = this.carried.splice(0);
    const blocks: FlightContent['blocks'] = [];
    const after: Uint8Array[] = [];
    let droppedEvents = this.droppedEvents;
    let droppedBlocks = this.droppedBlocks;
    for (const b of this.blocks.splice(0)) {
      const { firstTs, lastTs } = b.info;
      const timed = lastTs > 0;
      if (timed && (lastTs < w.from || firstTs > w.to)) {
        (lastTs < w.from ? before : after).push(b.context);
        droppedBlocks++;
        droppedEvents += b.info.events;
      } else if (timed && (firstTs < w.from || lastTs > w.to)) {
        const content = unpack(b);
        let events = 0;
        const cut = selectRecords(content, (v, at, kind, size) => {
          if (CONTEXT_RECORD_KINDS.has(kind)) return true;
          const ts = recordTs(v, at, kind, size);
          const inside = ts === undefined || ts === 0 || (ts >= w.from && ts <= w.to);
          if (!inside && EVENT_RECORD_KINDS.has(kind)) events++;
          return inside;
        });
        droppedEvents += events;
        blocks.push({ cut });
      } else blocks.push({ whole: b });
    }
    this.bytes = 0;
    return { before, blocks, after, droppedBlocks, droppedEvents };
  }
}
