/**
 * What the webview remembers across being hidden and restored (`vscode.setState`): viewport,
 * follow mode, selection, collapsed groups, pane sizes and chart options. Saved a moment after the
 * last change, not on every frame; read back defensively (the stored value is untyped).
 */
import { ns } from '../../protocol/messages';
import { realTimers, type TimerHandle, type Timers } from './timers';
import type { EventRef } from './timeline/navigation';
import type { Viewport } from './timeline/timescale';
import type { FollowMode } from './timeline/viewportModel';

/** The saved state. */
export interface PersistedState {
  /** The trace the view state belongs to (the page's data-trace). */
  readonly trace?: string;
  readonly viewport?: Viewport;
  readonly follow?: FollowMode;
  readonly selection?: EventRef | null;
  readonly collapsed?: readonly string[];
  /** Position of the timeline/bottom splitter ("65%"). */
  readonly mainSplit?: string;
  /** Position of the details/charts splitter ("55%"). */
  readonly bottomSplit?: string;
  readonly chartsOpen?: boolean;
  readonly histogramScope?: 'kind' | 'site';
  readonly scrollTop?: number;
  /** Width of the timeline's label column, px. */
  readonly labelWidth?: number;
  /** The filter box's text. */
  readonly filter?: string;
  /** Hidden and pinned track ids. */
  readonly hidden?: readonly number[];
  readonly pinned?: readonly number[];
}

const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const str = (x: unknown): x is string => typeof x === 'string';

/** Read a stored state, keeping only well-formed parts. */
export function parseState(raw: unknown): PersistedState {
  if (!raw || typeof raw !== 'object') return {};
  const r = raw as Record<string, unknown>;
  const out: { -readonly [K in keyof PersistedState]: PersistedState[K] } = {};
  const v = r.viewport as Record<string, unknown> | undefined;
  if (v && num(v.start) && num(v.end) && v.end > v.start) out.viewport = { start: ns(v.start), end: ns(v.end) };
  if (str(r.trace)) out.trace = r.trace;
  if (r.follow === 'off' || r.follow === 'tail' || r.follow === 'all') out.follow = r.follow;
  const s = r.selection as Record<string, unknown> | null | undefined;
  if (s === null) out.selection = null;
  else if (s && num(s.id) && num(s.track) && num(s.start) && num(s.end)) out.selection = { id: s.id, track: s.track, start: s.start, end: s.end };
  if (Array.isArray(r.collapsed)) out.collapsed = r.collapsed.filter(str);
  if (str(r.mainSplit)) out.mainSplit = r.mainSplit;
  if (str(r.bottomSplit)) out.bottomSplit = r.bottomSplit;
  if (typeof r.chartsOpen === 'boolean') out.chartsOpen = r.chartsOpen;
  if (r.histogramScope === 'kind' || r.histogramScope === 'site') out.histogramScope = r.histogramScope;
  if (num(r.scrollTop)) out.scrollTop = r.scrollTop;
  if (num(r.labelWidth)) out.labelWidth = r.labelWidth;
  if (str(r.filter)) out.filter = r.filter;
  if (Array.isArray(r.hidden)) out.hidden = r.hidden.filter(num);
  if (Array.isArray(r.pinned)) out.pinned = r.pinned.filter(num);
  return out;
}

/**
 * The saved state for the trace `trace`: all of it when it was saved for that trace, else only
 * the layout (splitters, label column, charts) — the viewport, selection, collapsed groups and
 * scroll position belonged to another trace.
 */
export function stateFor(saved: PersistedState, trace: string): PersistedState {
  if (saved.trace === undefined || saved.trace === trace) return { ...saved, trace };
  const { mainSplit, bottomSplit, chartsOpen, histogramScope, labelWidth } = saved;
  return { trace, mainSplit, bottomSplit, chartsOpen, histogramScope, labelWidth };
}

/** Keeps the state and saves it shortly after changes. */
export class StateStore {
  private state: PersistedState;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly save: (s: PersistedState) => void,
    initial: unknown,
    private readonly timers: Timers = realTimers,
    private readonly delayMs = 300,
    /** The trace shown (see stateFor); undefined keeps whatever was saved. */
    trace?: string,
  ) {
    const parsed = parseState(initial);
    this.state = trace === undefined ? parsed : stateFor(parsed, trace);
  }

  /** The current state. */
  get value(): PersistedState {
    return this.state;
  }

  /** Change some fields; saved after a short delay. */
  update(patch: Partial<PersistedState>): void {
    this.state = { ...this.state, ...patch };
    if (this.timer === undefined) {
      this.timer = this.timers.setTimeout(() => this.flush(), this.delayMs);
    }
  }

  /** Save now. */
  flush(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.save(this.state);
  }
}
