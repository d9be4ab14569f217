/**
 * The timeline view: a focusable canvas (sticky inside a vertical scroller, so the tracks scroll
 * with a native scrollbar while the ruler stays), its tooltip and empty-state overlay. It draws
 * from the window cache on animation frames, hit-tests against the last frame, and turns input
 * into viewport changes and selection requests.
 */
import { ns, type ChainLink, type EventDetails, type TraceSummary } from '../../../protocol/messages';
import { readPalette, type Palette } from './colors';
import { LABEL_W, LABEL_W_MAX, LABEL_W_MIN, RULER_H, type FrameInput, type Rect } from './frame';
import { hitTest, type FrameGeometry, type Hit } from './hittest';
import { attachInput, type InputHost } from './input';
import type { KeyAction } from './keyboard';
import { labelButtonAt } from './drawLabels';
import { buildLayout, sameTracks, type TrackLayout } from './layout';
import { TrackList } from './trackList';
import { eventOf, rectOf } from './hover';
import { nextSelection } from './keyboardNav';
import type { EventRef } from './navigation';
import { clearPatterns } from './patterns';
import { TimelineRenderer } from './renderer';
import { TimeScale } from './timescale';
import { Tooltip } from './tooltip';
import { eventTooltip, gapTooltip, groupTooltip, trackTooltip, type EventHover } from './tooltipContent';
import type { ViewportModel } from './viewportModel';
import type { FetchContext, WindowFetcher } from './windowFetcher';

/**
 * How long a live step of the followed tail waits for its window before it is drawn without it,
 * ms: the fetcher's own delay (40 ms) and a reply's round trip, with room for a loaded machine.
 */
const LIVE_STEP_WAIT_MS = 200;

/** What the view asks of the application. */
export interface TimelineCallbacks {
  /** The user selected an event (or cleared the selection). */
  select(ref: EventRef | null): void;
  /** Open the source of an event (Enter). */
  open(ref: EventRef): void;
  /** The mouse rests on an event: its details would enrich the tooltip. */
  hover(id: number | null): void;
  toggleGroup(key: string): void;
  zoomToSelection(): void;
  fitAll(): void;
  /** Layout preferences changed (label column width, scroll position). */
  layoutChanged(labelWidth: number, scrollTop: number): void;
  /** Hide a track, pin it (or unpin it), show the hidden ones again. */
  toggleHidden(track: number): void;
  togglePinned(track: number): void;
  showHidden(): void;
  /** The next or previous event of the selection's kind or call site. */
  occurrence(dir: 1 | -1, scope: 'kind' | 'site'): void;
  /** Focus the filter box; show or hide the keys. */
  filter(): void;
  help(): void;
}

/** The canvas timeline. */
export class TimelineView implements InputHost {
  readonly root: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly trackList: TrackList;
  private readonly scroller: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly empty: HTMLDivElement;
  private readonly tooltip: Tooltip;
  private readonly renderer: TimelineRenderer;
  private palette: Palette;
  private layout: TrackLayout = buildLayout([], new Set());
  private summary: TraceSummary | undefined;
  private collapsed = new Set<string>();
  private pinned: ReadonlySet<number> = new Set();
  private selection: EventRef | null = null;
  private chain: readonly ChainLink[] = [];
  private marks: readonly EventRef[] = [];
  private geometry: FrameGeometry = { tracks: new Map(), gaps: [] };
  private width = 1;
  private height = 1;
  private dpr = 1;
  private labelW = LABEL_W;
  /** The label column's width chosen (by the user, or the default); a narrow view uses less. */
  private labelPref = LABEL_W;
  private scrollTop = 0;
  private hover: { hit: Hit; rect: Rect | null; event: EventHover | null; tip: string; clientX: number; clientY: number; x: number; y: number } | null = null;
  private cursorX: number | null = null;
  private queued = 0;
  /** The message shown over the timeline (setEmpty), null when none. */
  private emptyKey: string | null = null;
  /** A live step's draw put off until its window arrives (viewportChanged). */
  private liveStepTimer: ReturnType<typeof setTimeout> | undefined;
  private isDragging = false;
  private readonly disposers: (() => void)[] = [];
  /** Duration of the last draw, ms. */
  lastDrawMs = 0;
  /** Draws so far (the benchmark tells new draws from old ones). */
  drawCount = 0;

  /** Time of each layer of the last frame, ms. */
  get phases(): Readonly<Record<string, number>> {
    return this.renderer.phases;
  }

  /** Benchmark only: make `phases` include rasterization. */
  set flushPhases(on: boolean) {
    this.renderer.flushPhases = on;
  }

  /** Benchmark only: keep the label column as a bitmap (the default) or draw it every frame. */
  set cacheLabels(on: boolean) {
    this.renderer.labels.enabled = on;
    this.renderer.labels.invalidate();
  }

  constructor(
    parent: HTMLElement,
    private readonly model: ViewportModel,
    private readonly fetcher: WindowFetcher,
    private readonly cb: TimelineCallbacks,
    private readonly detailsOf: (id: number) => EventDetails | undefined,
  ) {
    this.root = document.createElement('div');
    this.root.className = 'timeline';
    this.scroller = document.createElement('div');
    this.scroller.className = 'timeline-scroll';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'timeline-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'application');
    this.canvas.setAttribute('aria-roledescription', 'timeline');
    this.canvas.setAttribute(
      'aria-label',
      'Timeline. Arrow keys move between events and tracks, W and S zoom, A and D pan, F fits the whole trace, Z zooms to the selection, Enter opens the source, Escape clears the selection.',
    );
    this.spacer = document.createElement('div');
    this.spacer.className = 'timeline-spacer';
    this.empty = document.createElement('div');
    this.empty.className = 'timeline-empty';
    this.empty.hidden = true;
    this.scroller.append(this.canvas, this.spacer);
    this.root.append(this.scroller, this.empty);
    parent.appendChild(this.root);
    this.trackList = new TrackList(this.root);
    this.tooltip = new Tooltip(this.root);
    this.renderer = new TimelineRenderer(this.canvas);
    this.palette = readPalette();

    const ro = new ResizeObserver(() => this.resize());
    ro.observe(this.scroller);
    this.disposers.push(() => ro.disconnect());
    const onScroll = (): void => {
      this.scrollTop = this.scroller.scrollTop;
      this.trackList.update(this.layout, this.scrollTop);
      this.hideHover();
      this.requestDraw();
      this.cb.layoutChanged(this.labelW, this.scrollTop);
    };
    this.scroller.addEventListener('scroll', onScroll);
    this.disposers.push(() => this.scroller.removeEventListener('scroll', onScroll));
    this.disposers.push(attachInput(this));
    this.watchPixelRatio();
    // the label buttons are codicons drawn on the canvas: redraw once the font is there
    document.fonts.load('14px codicon').then(
      () => {
        this.renderer.labels.invalidate();
        this.requestDraw();
      },
      () => undefined,
    );
  }

  /** Redraw at the new ratio when the window moves to another screen or VS Code zooms. */
  private watchPixelRatio(): void {
    const query = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    const changed = (): void => {
      query.removeEventListener('change', changed);
      this.resize();
      this.watchPixelRatio();
    };
    query.addEventListener('change', changed);
    this.disposers.push(() => query.removeEventListener('change', changed));
  }

  // ------------------------------------------------------------------ state from the app

  /** A new summary: tracks, duration, live state. */
  setSummary(s: TraceSummary): void {
    const tracksChanged = !this.summary || !sameTracks(this.summary.tracks, s.tracks);
    this.summary = s;
    if (tracksChanged) this.relayout();
    this.viewportChanged();
  }

  /** Pinned tracks (their labels show a pin). */
  setPinned(ids: ReadonlySet<number>): void {
    this.pinned = ids;
    this.requestDraw();
  }

  /** Groups shown collapsed. */
  setCollapsed(keys: Iterable<string>): void {
    this.collapsed = new Set(keys);
    this.relayout();
  }

  /** The selected event (drawn outlined) and its wake-up chain (drawn as arrows from the wakers). */
  setSelection(ref: EventRef | null, chain: readonly ChainLink[] = []): void {
    this.selection = ref;
    this.chain = ref ? chain : [];
    // the marks of a call site stay while the selection is one of its calls
    if (this.marks.length && !(ref && this.marks.some((m) => m.id === ref.id))) this.marks = [];
    this.requestDraw();
  }

  /** Events drawn outlined beside the selection (a call site's calls), until the selection leaves them. */
  setMarks(marks: readonly EventRef[]): void {
    this.marks = marks;
    this.requestDraw();
  }

  /** Restore the label column width and scroll position. */
  restoreLayout(labelWidth: number | undefined, scrollTop: number | undefined): void {
    if (labelWidth) this.labelW = this.labelPref = Math.min(Math.max(labelWidth, LABEL_W_MIN), LABEL_W_MAX);
    if (scrollTop !== undefined) {
      this.scrollTop = scrollTop;
      this.scroller.scrollTop = scrollTop;
    }
  }

  /** Show a message over the timeline (null hides it). */
  setEmpty(text: string | null, busy = false): void {
    // asked again on every summary: the same message is left as it is (no style work per update)
    const key = text === null ? null : `${busy ? 1 : 0}${text}`;
    if (key === this.emptyKey) return;
    this.emptyKey = key;
    this.empty.hidden = text === null;
    this.empty.replaceChildren();
    if (text === null) return;
    if (busy) {
      const ring = document.createElement('vscode-progress-ring');
      this.empty.appendChild(ring);
    }
    const p = document.createElement('div');
    p.textContent = text;
    this.empty.appendChild(p);
  }

  /** The theme changed: read the palette again and redraw. */
  themeChanged(): void {
    this.palette = readPalette();
    clearPatterns();
    this.renderer.labels.invalidate();
    this.requestDraw();
  }

  /** Details of an event arrived: refresh the tooltip if it is about that event. */
  detailsArrived(id: number): void {
    const h = this.hover;
    if (h?.event && h.event.id === id) this.tooltip.show(eventTooltip(h.event, this.detailsOf(id), this.palette), h.clientX, h.clientY);
  }

  /** What the window fetcher needs to know. */
  fetchContext(): FetchContext {
    return { viewport: this.model.viewport, widthDevicePx: this.axisWidth() * this.dpr, duration: ns(this.summary?.duration ?? 0) };
  }

  /**
   * The viewport moved or the data changed: fetch if needed and redraw. While following a live
   * recording, a step of the tail that needs a window waits for it (LIVE_STEP_WAIT_MS at most)
   * and is drawn once with its data, not once without it and again when it arrives.
   */
  viewportChanged(): void {
    this.fetcher.update(this.fetchContext());
    if (this.summary?.live && this.model.follow === 'tail' && this.fetcher.current() && this.fetcher.needed()) {
      this.liveStepTimer ??= setTimeout(() => {
        this.liveStepTimer = undefined;
        this.requestDraw();
      }, LIVE_STEP_WAIT_MS);
      return;
    }
    this.requestDraw();
  }

  /** Scroll the tracks so that `track`'s row is visible. */
  scrollToTrack(track: number): void {
    const row = this.layout.trackRow(track) ?? this.layout.groupRowOf(track);
    if (!row) return;
    const view = this.height - RULER_H;
    if (row.top < this.scrollTop) this.scroller.scrollTop = row.top;
    else if (row.top + row.height > this.scrollTop + view) this.scroller.scrollTop = row.top + row.height - view;
  }

  /** Pan (or zoom out) so that an event is in view; nothing when it already is. */
  ensureVisible(ref: EventRef): void {
    const v = this.model.viewport;
    const span = v.end - v.start;
    if (ref.start >= v.start && ref.end <= v.end) return;
    const len = ref.end - ref.start;
    if (len < span * 0.8) {
      const mid = (ref.start + ref.end) / 2;
      this.model.show({ start: ns(mid - span / 2), end: ns(mid + span / 2) });
    } else {
      this.model.show({ start: ns(ref.start - len * 0.1), end: ns(ref.end + len * 0.1) });
    }
  }

  // ------------------------------------------------------------------ drawing

  /** Draw on the next animation frame (once, however often asked). */
  requestDraw(): void {
    if (this.queued) return;
    this.queued = requestAnimationFrame(() => {
      this.queued = 0;
      this.draw();
    });
  }

  /** Draw now; returns the time it took, ms. */
  draw(): number {
    const t0 = performance.now();
    if (this.liveStepTimer !== undefined) clearTimeout(this.liveStepTimer);
    this.liveStepTimer = undefined;
    const v = this.model.viewport;
    const f: FrameInput = {
      width: this.width,
      height: this.height,
      dpr: this.dpr,
      labelWidth: this.labelW,
      scale: new TimeScale(v.start, v.end, this.labelW, this.axisWidth()),
      layout: this.layout,
      scrollTop: this.scrollTop,
      entry: this.fetcher.current(),
      palette: this.palette,
      selection: this.selection,
      chain: this.chain,
      marks: this.marks,
      hover: this.hover?.rect ?? null,
      hoverTrack: this.hoverTrack(),
      cursorX: this.isDragging ? null : this.cursorX,
      duration: this.summary?.duration ?? 0,
      live: this.summary?.live ?? false,
      wallClockStartMs: this.summary?.wallClockStartMs ?? 0,
      pinned: this.pinned,
    };
    this.geometry = this.renderer.draw(f);
    this.lastDrawMs = performance.now() - t0;
    this.drawCount++;
    this.refreshHover();
    return this.lastDrawMs;
  }

  /**
   * The view moved under a resting mouse (wheel, keys, live updates): hit-test again so the outline
   * and tooltip follow; redraw only if what is under the mouse changed.
   */
  private refreshHover(): void {
    const h = this.hover;
    if (!h || this.isDragging) return;
    const before = h.rect;
    const id = h.event?.id;
    this.pointerMove(h.x, h.y, h.clientX, h.clientY, false);
    const after = this.hover?.rect ?? null;
    const same = before && after ? before.x === after.x && before.y === after.y && before.w === after.w : before === after;
    if (!same || this.hover?.event?.id !== id) this.requestDraw();
  }

  private hoverTrack(): number | null {
    const h = this.hover?.hit;
    if (!h) return null;
    if (h.kind === 'span' || h.kind === 'instant' || h.kind === 'track') return h.row.track.id;
    if (h.kind === 'label' && h.row.kind === 'track') return h.row.track.id;
    return null;
  }

  /** Lay the tracks out again (tracks, collapsed groups or the view's height changed). */
  private relayout(): void {
    this.layout = buildLayout(this.summary?.tracks ?? [], this.collapsed, this.height - RULER_H);
    this.trackList.update(this.layout, this.scrollTop);
    this.updateSpacer();
    this.requestDraw();
  }

  private updateSpacer(): void {
    const extra = Math.max(0, RULER_H + this.layout.height - this.height);
    this.spacer.style.height = `${extra}px`;
  }

  private resize(): void {
    const w = this.scroller.clientWidth;
    const h = this.scroller.clientHeight;
    if (w <= 0 || h <= 0) return;
    this.width = w;
    this.height = h;
    this.dpr = window.devicePixelRatio || 1;
    // a narrow view keeps most of its width for time: the labels take a third at most
    this.labelW = Math.min(this.labelPref, Math.max(LABEL_W_MIN, Math.round(w * 0.35)));
    this.renderer.resize(w, h, this.dpr);
    if (this.layout.roomFor !== h - RULER_H) this.relayout();
    this.updateSpacer();
    this.viewportChanged();
    this.draw();
  }

  // ------------------------------------------------------------------ InputHost

  /** Width of the label column, px. */
  labelWidth(): number {
    return this.labelW;
  }

  /** Width of the time axis, px. */
  axisWidth(): number {
    return Math.max(1, this.width - this.labelW);
  }

  zoomAtPx(x: number, factor: number): void {
    const v = this.model.viewport;
    const scale = new TimeScale(v.start, v.end, this.labelW, this.axisWidth());
    this.model.zoomAt(scale.toNs(x), factor);
  }

  panPx(dx: number): void {
    const v = this.model.viewport;
    this.model.panBy((dx * (v.end - v.start)) / this.axisWidth());
  }

  scrollBy(dy: number): void {
    if (dy) this.scroller.scrollTop += dy;
  }

  setLabelWidth(w: number): void {
    this.labelW = this.labelPref = Math.min(Math.max(w, LABEL_W_MIN), Math.min(LABEL_W_MAX, this.width - 100));
    this.viewportChanged();
    this.cb.layoutChanged(this.labelW, this.scrollTop);
  }

  dragging(active: boolean): void {
    this.isDragging = active;
    this.canvas.classList.toggle('dragging', active);
    if (active) this.hideHover();
    this.requestDraw();
  }

  pointerMove(x: number, y: number, clientX: number, clientY: number, redraw = true): void {
    this.cursorX = x >= this.labelW && y >= RULER_H ? x : null;
    const hit = this.hitAt(x, y);
    if (!hit) {
      this.hideHover();
      if (redraw) this.requestDraw();
      return;
    }
    const event = eventOf(hit, this.fetcher.current());
    // What the tooltip is about: rebuilt only when that changes, else it just follows the mouse.
    const button = hit.kind === 'label' && hit.row.kind === 'track' ? labelButtonAt(x, this.labelW) : null;
    const tip = event
      ? `e${event.id}@${event.start}:${event.count}`
      : button
        ? `b${button}`
      : hit.kind === 'gap'
        ? `g${hit.gap.start}`
        : hit.kind === 'group'
          ? `h${hit.row.group.key}`
          : hit.kind === 'label'
            ? `l${hit.row.kind === 'group' ? hit.row.group.key : hit.row.track.id}`
            : '';
    const sameTip = this.hover?.tip === tip && this.tooltip.visible;
    if (event && this.hover?.event?.id !== event.id) this.cb.hover(event.id);
    else if (!event && this.hover?.event) this.cb.hover(null);
    this.hover = { hit, rect: rectOf(hit, this.layout, this.scrollTop), event, tip, clientX, clientY, x, y };
    if (sameTip) this.tooltip.move(clientX, clientY);
    else if (event) this.tooltip.show(eventTooltip(event, this.detailsOf(event.id), this.palette), clientX, clientY);
    else if (hit.kind === 'gap') this.tooltip.show(gapTooltip(hit.gap, this.palette), clientX, clientY);
    else if (hit.kind === 'group') this.tooltip.show(groupTooltip(hit.row), clientX, clientY);
    else if (hit.kind === 'label' && hit.row.kind === 'track' && labelButtonAt(x, this.labelW)) {
      const pin = labelButtonAt(x, this.labelW) === 'pin';
      const pinned = this.pinned.has(hit.row.track.id);
      this.tooltip.show({ title: pin ? (pinned ? 'Unpin this track (P)' : 'Pin this track to the top (P)') : 'Hide this track (H; Shift+H shows hidden tracks)', rows: [] }, clientX, clientY);
    } else if (hit.kind === 'label') this.tooltip.show(hit.row.kind === 'group' ? groupTooltip(hit.row) : trackTooltip(hit.row.track), clientX, clientY);
    else this.tooltip.hide();
    this.canvas.classList.toggle('pointer-cursor', hit.kind === 'group' || (hit.kind === 'label' && hit.row.kind === 'group') || button !== null);
    if (redraw) this.requestDraw();
  }

  pointerLeave(): void {
    this.cursorX = null;
    this.hideHover();
    this.requestDraw();
  }

  click(x: number, y: number): void {
    const hit = this.hitAt(x, y);
    const button = hit?.kind === 'label' && hit.row.kind === 'track' ? labelButtonAt(x, this.labelW) : null;
    if (button && hit?.kind === 'label' && hit.row.kind === 'track') {
      if (button === 'pin') this.cb.togglePinned(hit.row.track.id);
      else this.cb.toggleHidden(hit.row.track.id);
      return;
    }
    if (hit?.kind === 'group' || (hit?.kind === 'label' && hit.row.kind === 'group')) {
      this.cb.toggleGroup(hit.row.group.key);
      return;
    }
    const e = hit ? eventOf(hit, this.fetcher.current()) : null;
    this.cb.select(e ? { id: e.id, track: e.track.id, start: e.start, end: e.end } : null);
  }

  doubleClick(x: number, y: number): void {
    const hit = this.hitAt(x, y);
    const e = hit ? eventOf(hit, this.fetcher.current()) : null;
    if (!e) return;
    this.cb.select({ id: e.id, track: e.track.id, start: e.start, end: e.end });
    this.cb.zoomToSelection();
  }

  action(a: KeyAction): void {
    switch (a.kind) {
      case 'hold':
        break;
      case 'zoomStep':
        this.zoomAtPx(this.labelW + this.axisWidth() / 2, a.factor);
        break;
      case 'fit':
        this.cb.fitAll();
        break;
      case 'zoomToSelection':
        this.cb.zoomToSelection();
        break;
      case 'open':
        if (this.selection) this.cb.open(this.selection);
        break;
      case 'clear':
        this.cb.select(null);
        break;
      case 'move':
        this.moveSelection(a.dir);
        break;
      case 'edge': {
        const v = this.model.viewport;
        const span = v.end - v.start;
        const d = this.summary?.duration ?? 0;
        this.model.show(a.to === 'start' ? { start: ns(0), end: ns(span) } : { start: ns(d - span), end: ns(d) });
        break;
      }
      case 'page':
        this.scroller.scrollTop += a.dir * (this.height - RULER_H) * 0.9;
        break;
      case 'occurrence':
        this.cb.occurrence(a.dir, a.scope);
        break;
      case 'filter':
        this.cb.filter();
        break;
      case 'help':
        this.cb.help();
        break;
      case 'hideTrack':
        if (this.selection) this.cb.toggleHidden(this.selection.track);
        break;
      case 'pinTrack':
        if (this.selection) this.cb.togglePinned(this.selection.track);
        break;
      case 'showHidden':
        this.cb.showHidden();
        break;
      default: {
        const never: never = a;
        void never;
      }
    }
  }

  // ------------------------------------------------------------------ hit-testing and navigation

  /** Canvas point at the middle of the widest block a track drew in the last frame (benchmark, tests). */
  widestBlock(track: number): { x: number; y: number } | null {
    const g = this.geometry.tracks.get(track);
    const row = this.layout.trackRow(track);
    if (!g || !row) return null;
    let best: { x: number; y: number; w: number } | null = null;
    g.lanes.forEach((b, lane) => {
      for (let i = 0; i < b.n; i++) {
        const x0 = Math.max(b.x0[i], this.labelW);
        const x1 = Math.min(b.x1[i], this.width);
        if (x1 - x0 > (best?.w ?? 0)) best = { x: (x0 + x1) / 2, y: RULER_H + this.layout.laneTop(row, lane) + row.laneH / 2 - this.scrollTop, w: x1 - x0 };
      }
    });
    return best;
  }

  /** What is at canvas point (x, y), from the last frame. */
  hitAt(x: number, y: number): Hit | null {
    if (y < RULER_H) {
      const gap = this.geometry.gaps.find((g) => x >= g.x0 - 2 && x <= g.x1 + 2);
      return gap ? { kind: 'gap', gap } : null;
    }
    return hitTest(this.geometry, this.layout, this.labelW, x, y - RULER_H + this.scrollTop);
  }

  private hideHover(): void {
    if (this.hover?.event) this.cb.hover(null);
    this.hover = null;
    this.tooltip.hide();
  }

  /** Move the selection with the arrow keys, bringing the new one into view. */
  private moveSelection(dir: 'prev' | 'next' | 'up' | 'down'): void {
    const entry = this.fetcher.current();
    if (!entry) return;
    const next = nextSelection(entry, this.layout, this.selection, dir, this.model.viewport, this.scrollTop);
    if (!next) return;
    this.cb.select(next);
    this.ensureVisible(next);
    this.scrollToTrack(next.track);
  }

  /** Remove listeners. */
  dispose(): void {
    for (const d of this.disposers) d();
    if (this.queued) cancelAnimationFrame(this.queued);
    if (this.liveStepTimer !== undefined) clearTimeout(this.liveStepTimer);
  }
}
