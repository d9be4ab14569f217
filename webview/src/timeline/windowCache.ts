/**
 * Which window of data the timeline needs, as Perfetto's tracks do: the visible range padded by one
 * screen on each side, at a power-of-two resolution no coarser than one device pixel; and the few
 * last replies, kept so that panning and zooming redraw from memory.
 */
import { ns, type Ns } from '../../../protocol/messages';
import type { Viewport } from './timescale';
import type { WindowEntry } from './windowIndex';

/** A window to ask the host for. */
export interface WindowSpec {
  readonly start: Ns;
  readonly end: Ns;
  readonly resolution: Ns;
}

/** Replies kept. */
export const CACHE_ENTRIES = 3;

/** An entry much finer than needed holds too much to draw quickly: refetch past this ratio. */
export const MAX_FINER = 8;

/** Largest power of two (ns, at least 1) not above the ns one device pixel of `v` covers. */
export function resolutionFor(v: Viewport, widthDevicePx: number): Ns {
  const perPx = (v.end - v.start) / Math.max(1, widthDevicePx);
  if (!(perPx >= 2)) return ns(1);
  return ns(Math.pow(2, Math.floor(Math.log2(perPx))));
}

/** The window to request for viewport `v`: one screen more on each side, aligned to the resolution. */
export function windowFor(v: Viewport, widthDevicePx: number): WindowSpec {
  const resolution = resolutionFor(v, widthDevicePx);
  const span = v.end - v.start;
  const start = Math.max(0, Math.floor((v.start - span) / resolution) * resolution);
  const end = Math.max(start + resolution, Math.ceil((v.end + span) / resolution) * resolution);
  return { start: ns(start), end: ns(end), resolution };
}

/** The part of the viewport where data can exist: [0, duration]. */
function visiblePart(v: Viewport, duration: number): [number, number] {
  return [Math.max(v.start, 0), Math.min(v.end, duration)];
}

/** How much of the viewport's data-bearing part the entry covers, 0..1. */
export function coverage(entry: WindowEntry, v: Viewport, duration: number): number {
  const [a, b] = visiblePart(v, duration);
  if (b <= a) return 1;
  const lo = Math.max(a, entry.start);
  const hi = Math.min(b, entry.end);
  return Math.max(0, hi - lo) / (b - a);
}

/**
 * Whether viewport `v` needs data `entry` does not have: none at all, part of the visible range
 * (up to the trace end) outside it, a coarser resolution than needed, or a much finer one.
 */
export function needsFetch(entry: WindowEntry | undefined, v: Viewport, widthDevicePx: number, duration: number): boolean {
  if (!entry) return true;
  const res = resolutionFor(v, widthDevicePx);
  if (entry.data.resolution > res) return true;
  if (entry.data.resolution * MAX_FINER < res) return true;
  return coverage(entry, v, duration) < 1;
}

/** The last few window replies. */
export class WindowCache {
  private entries: WindowEntry[] = [];

  /** Keep a reply, dropping the oldest beyond {@link CACHE_ENTRIES}. */
  add(entry: WindowEntry): void {
    this.entries.push(entry);
    if (this.entries.length > CACHE_ENTRIES) this.entries.shift();
  }

  /** Forget everything (the trace changed under us). */
  clear(): void {
    this.entries = [];
  }

  /** Entries held, oldest first. */
  get all(): readonly WindowEntry[] {
    return this.entries;
  }

  /**
   * The entry to draw `v` from: the one covering most of it, then the one whose resolution is
   * closest to what is needed, then the newest.
   */
  best(v: Viewport, widthDevicePx: number, duration: number): WindowEntry | undefined {
    const res = resolutionFor(v, widthDevicePx);
    let best: WindowEntry | undefined;
    let bestKey: [number, number, number] = [-1, 0, 0];
    for (const e of this.entries) {
      const key: [number, number, number] = [
        Math.round(coverage(e, v, duration) * 1000),
        -Math.abs(Math.log2(e.data.resolution / res)),
        e.serial,
      ];
      if (key[0] > bestKey[0] || (key[0] === bestKey[0] && (key[1] > bestKey[1] || (key[1] === bestKey[1] && key[2] > bestKey[2])))) {
        best = e;
        bestKey = key;
      }
    }
    return best;
  }
}
