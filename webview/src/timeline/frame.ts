/** What one frame of the timeline is drawn from, and the fixed metrics of the drawing. */
import type { ChainLink } from '../../../protocol/messages';
import type { Palette } from './colors';
import type { TrackLayout } from './layout';
import type { EventRef } from './navigation';
import type { TimeScale } from './timescale';
import type { WindowEntry } from './windowIndex';

/** Height of the time ruler, px. */
export const RULER_H = 30;
/** Default width of the label column, px. */
export const LABEL_W = 220;
/** Narrowest and widest label column, px. */
export const LABEL_W_MIN = 90;
export const LABEL_W_MAX = 480;

/** A rectangle in canvas CSS px. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Everything a frame depends on. */
export interface FrameInput {
  /** Canvas size, CSS px. */
  readonly width: number;
  readonly height: number;
  readonly dpr: number;
  readonly labelWidth: number;
  /** Maps times onto [labelWidth, width). */
  readonly scale: TimeScale;
  readonly layout: TrackLayout;
  readonly scrollTop: number;
  readonly entry: WindowEntry | undefined;
  readonly palette: Palette;
  readonly selection: EventRef | null;
  /** The selected wait's wake-up chain (empty when it has none). */
  readonly chain: readonly ChainLink[];
  /** Events outlined beside the selection (a call site's calls). */
  readonly marks: readonly EventRef[];
  /** Outline of the block under the mouse. */
  readonly hover: Rect | null;
  /** Track whose label is under the mouse (or of the hovered event). */
  readonly hoverTrack: number | null;
  /** Mouse x over the time axis, for the cursor line; null when away. */
  readonly cursorX: number | null;
  readonly duration: number;
  readonly live: boolean;
  readonly wallClockStartMs: number;
  /** Pinned tracks (their labels show a pin). */
  readonly pinned: ReadonlySet<number>;
}

/** Canvas y of content y. */
export function canvasY(f: FrameInput, contentY: number): number {
  return RULER_H + contentY - f.scrollTop;
}

/** A canvas font string. */
export function font(f: FrameInput, size: number, weight = '', mono = false): string {
  return `${weight ? weight + ' ' : ''}${size}px ${mono ? f.palette.monoFont : f.palette.font}`;
}
