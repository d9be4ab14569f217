/**
 * Which tracks the timeline shows (DOM-free): with a filter, those holding matches; never the
 * hidden ones; the pinned ones first, in a group of their own.
 */
import type { TrackInfo } from '../../../protocol/messages';

/** The group pinned tracks are moved to. */
export const PINNED_GROUP = 'Pinned';

/** The tracks chosen for display. */
export class TrackChoice {
  /** Tracks holding matches of the filter, or null without a filter. */
  private matching: ReadonlySet<number> | null = null;
  private readonly hiddenIds: Set<number>;
  private readonly pinnedIds: Set<number>;

  constructor(hidden: Iterable<number> = [], pinned: Iterable<number> = []) {
    this.hiddenIds = new Set(hidden);
    this.pinnedIds = new Set(pinned);
  }

  /** Hidden track ids. */
  get hidden(): ReadonlySet<number> {
    return this.hiddenIds;
  }

  /** Pinned track ids. */
  get pinned(): ReadonlySet<number> {
    return this.pinnedIds;
  }

  /** Whether a filter narrows the tracks. */
  get filtered(): boolean {
    return this.matching !== null;
  }

  /** The tracks with matches of the filter (null: no filter). */
  setMatching(tracks: Iterable<number> | null): void {
    this.matching = tracks === null ? null : new Set(tracks);
  }

  /** Hide a track, or show it again. */
  toggleHidden(id: number): void {
    if (!this.hiddenIds.delete(id)) {
      this.hiddenIds.add(id);
      this.pinnedIds.delete(id);
    }
  }

  /** Pin a track to the top, or unpin it. */
  togglePinned(id: number): void {
    if (!this.pinnedIds.delete(id)) {
      this.pinnedIds.add(id);
      this.hiddenIds.delete(id);
    }
  }

  /** Show every hidden track again. */
  showHidden(): void {
    this.hiddenIds.clear();
  }

  /**
   * The tracks to lay out: pinned ones first (in the Pinned group, whatever the filter), then the
   * others that are neither hidden nor without a match, in their groups and order.
   */
  visible(tracks: readonly TrackInfo[]): TrackInfo[] {
    const pinned: TrackInfo[] = [];
    const rest: TrackInfo[] = [];
    for (const t of tracks) {
      if (this.pinnedIds.has(t.id)) pinned.push({ ...t, group: PINNED_GROUP });
      else if (!this.hiddenIds.has(t.id) && (!this.matching || this.matching.has(t.id))) rest.push(t);
    }
    return [...pinned, ...rest];
  }
}
