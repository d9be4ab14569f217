/**
 * Vertical layout of the timeline: one header row per process group (collapsible) followed by its
 * tracks; a track has one row of spans per lane. y coordinates here are content coordinates
 * (0 = top of the first row, before scrolling and below the ruler).
 */
import type { TrackInfo } from '../../../protocol/messages';
import { partitionPoint } from '../../../shared/search';

/** Height of a group header row, px. */
export const GROUP_H = 26;
/** Height of the only lane of a single-lane track, px. */
export const SINGLE_LANE_H = 24;
/** Height of each lane of a multi-lane track, px. */
export const MULTI_LANE_H = 13;
/** Space above the first and below the last lane of a track, px. */
export const TRACK_PAD = 3;
/** Tallest lanes when a few tracks are given the room of the view, px. */
const SINGLE_LANE_MAX_H = 40;
const MULTI_LANE_MAX_H = 20;

/** Tracks sharing a `group` (a process, "Interrupts", "Losses"). */
export interface GroupInfo {
  readonly key: string;
  readonly tracks: readonly TrackInfo[];
}

/** A group's header row. */
export interface GroupRow {
  readonly kind: 'group';
  readonly group: GroupInfo;
  readonly top: number;
  readonly height: number;
  readonly collapsed: boolean;
}

/** A track's row. */
export interface TrackRow {
  readonly kind: 'track';
  readonly track: TrackInfo;
  readonly group: GroupInfo;
  readonly top: number;
  readonly height: number;
  readonly lanes: number;
  readonly laneH: number;
}

/** A row of the timeline. */
export type Row = GroupRow | TrackRow;

/** The rows of a summary's tracks with some groups collapsed. */
export class TrackLayout {
  /** Content height, px. */
  readonly height: number;
  /** Track rows in display order (expanded groups only). */
  readonly trackRows: readonly TrackRow[];
  private readonly byTrack = new Map<number, TrackRow>();
  private readonly headerOf = new Map<number, GroupRow>();

  constructor(
    readonly rows: readonly Row[],
    readonly groups: readonly GroupInfo[],
    /** The height of the view the layout was made for (0: none). */
    readonly roomFor = 0,
  ) {
    const last = rows[rows.length - 1];
    this.height = last ? last.top + last.height : 0;
    const trackRows: TrackRow[] = [];
    for (const r of rows) {
      if (r.kind === 'group') {
        for (const t of r.group.tracks) this.headerOf.set(t.id, r);
      } else {
        trackRows.push(r);
        this.byTrack.set(r.track.id, r);
      }
    }
    this.trackRows = trackRows;
  }

  /** Row at content y, or null outside every row. */
  rowAt(y: number): Row | null {
    const r = this.rows[this.firstRowBelow(y)];
    return r && y >= r.top ? r : null;
  }

  /** Index of the first row whose bottom is below content y. */
  firstRowBelow(y: number): number {
    return partitionPoint(0, this.rows.length, (i) => this.rows[i].top + this.rows[i].height <= y);
  }

  /** The row of a track, undefined when its group is collapsed or it is unknown. */
  trackRow(id: number): TrackRow | undefined {
    return this.byTrack.get(id);
  }

  /** The header row of a track's group. */
  groupRowOf(id: number): GroupRow | undefined {
    return this.headerOf.get(id);
  }

  /** Lane under content y in a track row (clamped to the track's lanes). */
  laneAt(row: TrackRow, y: number): number {
    const l = Math.floor((y - row.top - TRACK_PAD) / row.laneH);
    return Math.min(Math.max(l, 0), row.lanes - 1);
  }

  /** Top of a lane's band (content y). */
  laneTop(row: TrackRow, lane: number): number {
    return row.top + TRACK_PAD + lane * row.laneH;
  }

  /**
   * Content y of the middle of a track's lane, or of its group header when the group is
   * collapsed; undefined for an unknown track.
   */
  anchorY(track: number, lane: number): number | undefined {
    const r = this.byTrack.get(track);
    if (r) return this.laneTop(r, Math.min(lane, r.lanes - 1)) + r.laneH / 2;
    const g = this.headerOf.get(track);
    return g ? g.top + g.height / 2 : undefined;
  }
}

/** Tracks grouped by `group`, groups and tracks in the order the host gave them. */
export function groupTracks(tracks: readonly TrackInfo[]): GroupInfo[] {
  const groups = new Map<string, TrackInfo[]>();
  for (const t of tracks) {
    const list = groups.get(t.group);
    if (list) list.push(t);
    else groups.set(t.group, [t]);
  }
  return [...groups].map(([key, list]) => ({ key, tracks: list }));
}

/**
 * Lay out `tracks`, with the groups whose keys are in `collapsed` showing only their header. With
 * `room` (the height of the view, px), a few tracks grow taller to use it, up to a limit.
 */
export function buildLayout(tracks: readonly TrackInfo[], collapsed: ReadonlySet<string>, room = 0): TrackLayout {
  const groups = groupTracks(tracks);
  // how much taller the lanes may be: the room left after the headers, over what they need
  let headers = 0;
  let lanesNeed = 0;
  for (const g of groups) {
    headers += GROUP_H;
    if (!collapsed.has(g.key)) for (const t of g.tracks) lanesNeed += Math.max(1, t.lanes | 0) === 1 ? SINGLE_LANE_H : Math.max(1, t.lanes | 0) * MULTI_LANE_H + 2 * TRACK_PAD;
  }
  const grow = lanesNeed > 0 && room > headers + lanesNeed ? (room - headers) / lanesNeed : 1;
  const single = Math.min(SINGLE_LANE_MAX_H, Math.floor((SINGLE_LANE_H - 2 * TRACK_PAD) * grow));
  const multi = Math.min(MULTI_LANE_MAX_H, Math.floor(MULTI_LANE_H * grow));
  const rows: Row[] = [];
  let y = 0;
  for (const g of groups) {
    const isCollapsed = collapsed.has(g.key);
    rows.push({ kind: 'group', group: g, top: y, height: GROUP_H, collapsed: isCollapsed });
    y += GROUP_H;
    if (isCollapsed) continue;
    for (const t of g.tracks) {
      const lanes = Math.max(1, t.lanes | 0);
      const laneH = lanes === 1 ? single : multi;
      const height = lanes * laneH + 2 * TRACK_PAD;
      rows.push({ kind: 'track', track: t, group: g, top: y, height, lanes, laneH });
      y += height;
    }
  }
  return new TrackLayout(rows, groups, room);
}

/** Same tracks, in the same order, with the same lanes and labels (the layout can be kept)? */
export function sameTracks(a: readonly TrackInfo[], b: readonly TrackInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.id !== y.id || x.lanes !== y.lanes || x.label !== y.label || x.group !== y.group || x.kind !== y.kind) return false;
  }
  return true;
}
