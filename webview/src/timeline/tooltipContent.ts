/** The text of the hover tooltip for each kind of thing under the mouse. */
import type { EventDetails, TrackInfo } from '../../../protocol/messages';
import { formatCount, formatDuration, formatTime, plural } from '../../../shared/format';
import type { Palette } from './colors';
import type { GapGeometry } from './hittest';
import type { GroupRow } from './layout';
import { isUnfinished, styleInfo } from './styles';
import type { TooltipContent } from './tooltip';

/** Detail fields already shown from the window data (by the start of their label). */
const SHOWN = ['duration', 'start', 'time', 'end', 'thread'];

/** A span or instant under the mouse. */
export interface EventHover {
  readonly id: number;
  readonly style: number;
  readonly start: number;
  readonly end: number;
  readonly count: number;
  readonly instant: boolean;
  /** Name from the window (proposed addition), if any. */
  readonly name: string | null;
  readonly track: TrackInfo;
}

/** Tooltip of an event, richer once its details arrived. */
export function eventTooltip(h: EventHover, details: EventDetails | undefined, pal: Palette): TooltipContent {
  const info = styleInfo(h.style);
  const title = details?.title || details?.name || h.name || info.label;
  const rows: [string, string][] = [];
  const running = isUnfinished(h.style) && !details?.end;
  if (h.count > 1) {
    // A block of several events: its extent, then the longest event's details.
    rows.push(['Merged', `${formatCount(h.count)} events at this zoom`]);
    rows.push(['Range', `${formatDuration(h.end - h.start)} from ${formatTime(h.start)}`]);
    if (details) rows.push([details.end === null ? 'First' : 'Longest', details.end === null ? formatTime(details.start) : `${formatDuration(details.end - details.start)} at ${formatTime(details.start)}`]);
  } else {
    if (!h.instant) rows.push(['Duration', running ? `${formatDuration(h.end - h.start)}+ (still running)` : formatDuration(h.end - h.start)]);
    rows.push([h.instant ? 'Time' : 'Start', formatTime(h.start)]);
  }
  if (details) {
    for (const f of details.fields) if (!SHOWN.some((w) => f.label.toLowerCase().startsWith(w))) rows.push([f.label, f.value]);
  }
  rows.push(['Thread', h.track.label]);
  return {
    title,
    swatch: pal.styles[info.code],
    rows: rows.slice(0, 12),
    note: details ? `${info.label} · click to select, double-click to zoom` : `${info.label} · loading details…`,
  };
}

/** Tooltip of a lost-records gap. */
export function gapTooltip(g: GapGeometry, pal: Palette): TooltipContent {
  return {
    title: `${plural(g.count, 'record')} lost`,
    swatch: pal.lost,
    hatched: true,
    rows: [
      ['From', formatTime(g.start)],
      ['To', formatTime(g.end)],
      ['Span', formatDuration(g.end - g.start)],
    ],
    note: 'Events in this range may be missing from every track.',
  };
}

/** Tooltip of a group header. */
export function groupTooltip(r: GroupRow): TooltipContent {
  return {
    title: r.group.key,
    rows: [['Tracks', String(r.group.tracks.length)]],
    note: r.collapsed ? 'Click to expand' : 'Click to collapse',
  };
}

/** Tooltip of a track label. */
export function trackTooltip(t: TrackInfo): TooltipContent {
  const rows: [string, string][] = [['Kind', t.kind]];
  if (t.pid) rows.push(['PID', String(t.pid)]);
  if (t.tid) rows.push(['TID', String(t.tid)]);
  if (t.lanes > 1) rows.push(['Lanes', String(t.lanes)]);
  if (t.model) rows.push(['I/O model', t.model]);
  return { title: t.label, rows, note: t.modelEvidence ? `${t.modelEvidence} · ${t.group}` : t.group };
}
