/** What each drawing style means, for the legend, the tooltip and the palette. */
import { Style, type StyleCode } from '../../../protocol/messages';

/** How a style is shown. */
export interface StyleInfo {
  readonly code: StyleCode;
  /** Legend label. */
  readonly label: string;
  /** Theme variable of its colour, and a fallback for when the theme lacks it. */
  readonly cssVar: string;
  readonly fallback: string;
}

/** Every style, in legend order. */
export const STYLES: readonly StyleInfo[] = [
  { code: Style.multiplexing, label: 'select/poll/epoll', cssVar: '--vscode-charts-blue', fallback: '#3794ff' },
  { code: Style.aio, label: 'Linux AIO', cssVar: '--vscode-charts-purple', fallback: '#b180d7' },
  { code: Style.uring, label: 'io_uring', cssVar: '--vscode-charts-green', fallback: '#89d185' },
  { code: Style.signal, label: 'signal-driven', cssVar: '--vscode-charts-yellow', fallback: '#cca700' },
  { code: Style.uio, label: 'UIO', cssVar: '--vscode-charts-orange', fallback: '#d18616' },
  { code: Style.blocking, label: 'blocking I/O', cssVar: '--vscode-charts-red', fallback: '#f14c4c' },
  { code: Style.wakeup, label: 'wake-up', cssVar: '--vscode-terminal-ansiCyan', fallback: '#11a8cd' },
  { code: Style.irq, label: 'interrupt', cssVar: '--vscode-terminal-ansiMagenta', fallback: '#bc3fbc' },
  { code: Style.lifecycle, label: 'lifecycle', cssVar: '--vscode-descriptionForeground', fallback: '#9d9d9d' },
  { code: Style.drop, label: 'records lost', cssVar: '--vscode-errorForeground', fallback: '#f48771' },
  { code: Style.unfinished, label: 'still running', cssVar: '--vscode-descriptionForeground', fallback: '#9d9d9d' },
];

const BY_CODE = new Map<number, StyleInfo>(STYLES.map((s) => [s.code, s]));

/**
 * Proposed protocol addition: a style with bit 7 set is "unfinished" in the I/O model of its low
 * bits (so an unfinished epoll_wait keeps the multiplexing colour). Style.unfinished alone stays
 * valid.
 */
export const UNFINISHED_FLAG = 0x80;

/** The model part of a style code. */
export function baseStyle(code: number): number {
  return code & ~UNFINISHED_FLAG;
}

/** Whether a style code marks a call still in progress. */
export function isUnfinished(code: number): boolean {
  return code === Style.unfinished || (code & UNFINISHED_FLAG) !== 0;
}

/** Information on a style code (unknown codes are shown as lifecycle marks). */
export function styleInfo(code: number): StyleInfo {
  return BY_CODE.get(baseStyle(code)) ?? BY_CODE.get(Style.lifecycle) ?? STYLES[0];
}

/** Highest style code + 1: size of per-style tables. */
export const STYLE_SLOTS = 16;
