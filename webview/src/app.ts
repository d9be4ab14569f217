/**
 * The webview application: builds the page (toolbar with the filter box, error banner, timeline
 * with its legend, details and charts panes with splitters, the keyboard help), routes the host's
 * messages, and keeps the viewport, selection, filter, hidden and pinned tracks and layout in the
 * saved state.
 */
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import { ns, type FromWebview, type TimelineAction, type ToWebview, type TraceSummary } from '../../protocol/messages';
import { Announcer } from './announcer';
import { Banner } from './banner';
import { ChartsPane } from './charts/chartsPane';
import { ChartsController } from './chartsController';
import { DetailsCache } from './details/detailsCache';
import { DetailsPane } from './details/detailsPane';
import { FilterBox } from './filterBox';
import { KeysHelp } from './keysHelp';
import { ProblemPage } from './problemPage';
import { isQuietFailure, Rpc } from './rpc';
import { SelectionController } from './selection';
import { Splitter } from './splitter';
import { StateStore } from './state';
import { readPalette } from './timeline/colors';
import { Legend } from './timeline/legend';
import type { EventRef } from './timeline/navigation';
import { around } from './timeline/timescale';
import { TrackChoice } from './timeline/trackChoice';
import { TimelineView } from './timeline/view';
import { DEFAULT_TAIL_SPAN, densitySpan, ViewportModel } from './timeline/viewportModel';
import { WindowFetcher } from './timeline/windowFetcher';
import { Toolbar } from './toolbar';
import type { VsCodeApi } from './vscodeApi';

/** Below this width (px) the view is narrow: its bottom panes are stacked. */
const NARROW_PX = 600;

function div(className: string): HTMLDivElement {
  const d = document.createElement('div');
  d.className = className;
  return d;
}

function fraction(saved: string | undefined, fallback: number): number {
  const v = saved ? parseFloat(saved) / 100 : NaN;
  return Number.isFinite(v) && v > 0 && v < 1 ? v : fallback;
}

/** The running webview. */
export class App {
  readonly rpc: Rpc;
  readonly model: ViewportModel;
  readonly fetcher: WindowFetcher;
  readonly view: TimelineView;
  private readonly store: StateStore;
  private readonly toolbar: Toolbar;
  private readonly banner: Banner;
  private readonly problemPage: ProblemPage;
  private readonly filterBox: FilterBox;
  private readonly keysHelp: KeysHelp;
  private readonly announcer: Announcer;
  private readonly choice: TrackChoice;
  /** When the filter's matches were last asked for (while the trace grows), ms. */
  private filterAskedAt = 0;
  private readonly mainSplit: HTMLElement;
  private readonly legend: Legend;
  private readonly selection: SelectionController;
  private readonly charts: ChartsController;
  private readonly bottomSplit: Splitter;
  private readonly chartsPane: ChartsPane;
  private readonly cache = new DetailsCache();
  private palette = readPalette();
  private summary: TraceSummary | undefined;
  private collapsed: Set<string>;
  private hoverTimer: ReturnType<typeof setTimeout> | undefined;
  private restoredViewport: boolean;
  private readonly disposers: (() => void)[] = [];

  constructor(
    root: HTMLElement,
    api: VsCodeApi,
  ) {
    this.store = new StateStore((s) => api.setState(s), api.getState(), undefined, undefined, root.dataset.trace);
    const saved = this.store.value;
    this.collapsed = new Set(saved.collapsed ?? []);
    const post = (m: FromWebview): void => api.postMessage(m);
    this.rpc = new Rpc(post);
    this.model = new ViewportModel(() => this.viewportChanged());
    this.restoredViewport = !!saved.viewport;
    if (saved.viewport) this.model.restore(saved.viewport, saved.follow ?? 'off');

    root.classList.add('app');
    this.toolbar = new Toolbar(root, {
      pause: (paused) => post({ type: 'pause', paused }),
      stop: () => post({ type: 'stop' }),
      follow: () => this.model.followTail(this.densitySpan(), true),
      fit: () => this.model.fitAll(),
      zoomToSelection: () => this.zoomToSelection(),
      toggleCharts: () => this.setChartsOpen(!this.charts.isOpen),
      keys: () => this.keysHelp.toggle(),
      showHidden: () => this.changeTracks(() => this.choice.showHidden()),
    });
    this.choice = new TrackChoice(saved.hidden, saved.pinned);
    this.filterBox = new FilterBox({ apply: (text) => this.applyFilter(text), leave: () => this.view.canvas.focus() }, saved.filter ?? '');
    this.toolbar.filterSlot.appendChild(this.filterBox.el);
    this.banner = new Banner(root);
    const announcer = (this.announcer = new Announcer(root));

    this.problemPage = new ProblemPage(root, {
      openAnother: () => post({ type: 'command', command: 'openTrace' }),
      showLog: () => post({ type: 'command', command: 'showLog' }),
    });
    const main = (this.mainSplit = div('main-split'));
    const top = div('timeline-pane');
    const bottom = div('bottom-split');
    main.append(top, bottom);
    root.appendChild(main);

    this.fetcher = new WindowFetcher({
      fetch: (spec) => this.rpc.request('window', { ...spec, filter: this.filterBox.text || undefined }).then((m) => m.data),
      onData: () => this.dataArrived(),
      onError: (e) => {
        if (!isQuietFailure(e)) this.banner.show(`Could not load the timeline: ${e instanceof Error ? e.message : String(e)}`);
      },
    });
    this.view = new TimelineView(
      top,
      this.model,
      this.fetcher,
      {
        select: (ref) => this.selection.select(ref),
        open: (ref) => post({ type: 'openFrame', eventId: ref.id, frame: -1 }),
        hover: (id) => this.hovered(id),
        toggleGroup: (key) => this.toggleGroup(key),
        zoomToSelection: () => this.zoomToSelection(),
        fitAll: () => this.model.fitAll(),
        layoutChanged: (labelWidth, scrollTop) => this.store.update({ labelWidth, scrollTop }),
        toggleHidden: (track) => this.changeTracks(() => this.choice.toggleHidden(track)),
        togglePinned: (track) => this.changeTracks(() => this.choice.togglePinned(track)),
        showHidden: () => this.changeTracks(() => this.choice.showHidden()),
        occurrence: (dir, scope) => this.occurrence(dir, scope),
        filter: () => this.filterBox.focus(),
        help: () => this.keysHelp.toggle(),
      },
      (id) => this.cache.get(id),
    );
    this.view.canvas.setAttribute('aria-describedby', announcer.id);
    this.view.restoreLayout(saved.labelWidth, saved.scrollTop);
    this.view.setCollapsed(this.collapsed);
    this.legend = new Legend(top);
    this.keysHelp = new KeysHelp(top, () => this.view.canvas.focus());
    this.view.setPinned(this.choice.pinned);

    const details = new DetailsPane(bottom, {
      openFrame: (eventId, frame) => post({ type: 'openFrame', eventId, frame }),
      zoomTo: () => this.zoomToSelection(),
      showHop: (link) => this.reveal({ id: link.event, track: link.track, start: link.start, end: link.end }),
    });
    const chartsPane = (this.chartsPane = new ChartsPane(
      bottom,
      {
        scopeChanged: (scope) => {
          this.store.update({ histogramScope: scope });
          this.charts.setScope(scope);
        },
        pick: (t) => {
          const v = this.model.viewport;
          const half = (v.end - v.start) / 2;
          this.model.show({ start: ns(t - half), end: ns(t + half) });
        },
        close: () => this.setChartsOpen(false),
      },
      saved.histogramScope ?? 'kind',
    ));
    this.charts = new ChartsController(this.rpc, chartsPane, () => this.palette, saved.chartsOpen ?? true, saved.histogramScope ?? 'kind');
    this.selection = new SelectionController({
      rpc: this.rpc,
      post,
      pane: details,
      cache: this.cache,
      announcer,
      changed: (ref, d) => {
        this.view.setSelection(ref, d && ref && d.id === ref.id ? d.chain : []);
        this.store.update({ selection: ref });
        this.updateToolbar();
        const style = ref ? (this.fetcher.current()?.styleOf(ref.track, ref.id) ?? 1) : 1;
        this.charts.setSelection(d, style);
      },
      reading: () => this.summary?.loading != null,
    });

    new Splitter({
      container: main,
      first: top,
      second: bottom,
      orientation: 'rows',
      fraction: fraction(saved.mainSplit, 0.68),
      defaultFraction: 0.68,
      minFirst: 140,
      minSecond: 90,
      label: 'Resize the timeline and the details',
      onChange: (f) => this.store.update({ mainSplit: `${(f * 100).toFixed(1)}%` }),
    });
    this.bottomSplit = new Splitter({
      container: bottom,
      first: details.el,
      second: chartsPane.el,
      orientation: 'columns',
      fraction: fraction(saved.bottomSplit, 0.5),
      defaultFraction: 0.5,
      minFirst: 120,
      minSecond: 120,
      label: 'Resize the details and the charts',
      onChange: (f) => this.store.update({ bottomSplit: `${(f * 100).toFixed(1)}%` }),
    });
    this.bottomSplit.setSecondHidden(!this.charts.isOpen);
    // narrow (a column of its own among others): details above the charts, a lighter toolbar
    const narrow = new ResizeObserver(() => {
      const isNarrow = root.clientWidth < NARROW_PX;
      root.classList.toggle('narrow', isNarrow);
      this.bottomSplit.setOrientation(isNarrow ? 'rows' : 'columns');
    });
    narrow.observe(root);
    this.disposers.push(() => narrow.disconnect());
    this.charts.retheme();

    const onMessage = (e: MessageEvent<unknown>): void => this.onMessage(e.data);
    window.addEventListener('message', onMessage);
    this.disposers.push(() => window.removeEventListener('message', onMessage));
    const themeObserver = new MutationObserver(() => this.themeChanged());
    themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
    this.disposers.push(() => themeObserver.disconnect());
    const onHide = (): void => this.store.flush();
    window.addEventListener('pagehide', onHide);
    this.disposers.push(() => window.removeEventListener('pagehide', onHide));

    this.view.setEmpty('Loading trace…', true);
    this.updateToolbar();
    this.toolbar.setHidden(this.choice.hidden.size);
    post({ type: 'ready' });
    if (this.filterBox.text) this.applyFilter(this.filterBox.text);
    // Restore the selection (and tell the host, which may have been restarted with the view).
    if (saved.selection) this.selection.select(saved.selection);
  }

  // ------------------------------------------------------------------ messages

  /** Handle a message from the host. */
  onMessage(data: unknown): void {
    if (!data || typeof data !== 'object' || typeof (data as { type?: unknown }).type !== 'string') return;
    const m = data as ToWebview;
    switch (m.type) {
      case 'summary':
        this.onSummary(m.summary);
        break;
      case 'reveal':
        this.reveal({ id: m.eventId, track: m.track, start: m.start, end: m.end }, m.marks);
        break;
      case 'window':
      case 'details':
      case 'histogram':
      case 'rate':
      case 'filter':
      case 'find':
        this.rpc.handle(m);
        break;
      case 'action':
        this.act(m.action);
        break;
      case 'error':
        if (!this.rpc.handle(m)) this.banner.show(m.message);
        break;
      default: {
        const never: never = m;
        void never;
      }
    }
  }

  private onSummary(s: TraceSummary): void {
    const previous = this.summary;
    this.summary = s;
    const changed = !previous || previous.events !== s.events || previous.duration !== s.duration || previous.live !== s.live || previous.loading !== s.loading;
    // before the viewport follows the growth: a live step then waits for its window (TimelineView.viewportChanged)
    if (previous && changed) {
      this.fetcher.invalidate();
      if (s.live || previous.live) this.cache.clear();
    }
    // a file being read grows like a recording: the view keeps it whole until the user moves
    this.model.setTrace(s.duration, s.live || s.loading !== null);
    if (!previous && !this.restoredViewport) {
      if (s.live) this.model.followTail(DEFAULT_TAIL_SPAN, true);
      else this.model.fitAll();
    }
    if (s.live) this.model.setDensitySpan(this.densitySpan());
    this.showProblem(s);
    if (changed) this.charts.traceChanged(!!previous && (previous.live || previous.loading !== null) && !s.live && s.loading === null);
    this.chartsPane.setDuration(s.duration, s.live || s.loading !== null);
    this.view.setSummary(this.shown(s));
    // while the trace grows, the tracks holding matches may change
    if (changed && this.filterBox.text && Date.now() - this.filterAskedAt > 1000) this.applyFilter(this.filterBox.text, false);
    this.updateEmpty();
    this.updateToolbar();
    this.updateLegend();
  }

  /** The summary as the view lays it out: only the tracks chosen (filter, hidden, pinned). */
  private shown(s: TraceSummary): TraceSummary {
    return { ...s, tracks: this.choice.visible(s.tracks) };
  }

  /** Change which tracks are hidden or pinned, then lay out and save. */
  private changeTracks(change: () => void): void {
    change();
    this.store.update({ hidden: [...this.choice.hidden], pinned: [...this.choice.pinned] });
    this.toolbar.setHidden(this.choice.hidden.size);
    this.view.setPinned(this.choice.pinned);
    if (this.summary) this.view.setSummary(this.shown(this.summary));
    this.updateEmpty();
  }

  /**
   * Filter the timeline by `text` ('' removes the filter): the host says which tracks hold
   * matches (the others are left out) and sends only matching events from then on.
   */
  private applyFilter(text: string, fresh = true): void {
    this.store.update({ filter: text });
    this.filterAskedAt = Date.now();
    if (fresh) this.fetcher.invalidate();
    if (!text) {
      this.choice.setMatching(null);
      this.filterBox.showResult(null);
      this.changeTracks(() => undefined);
      return;
    }
    this.rpc.request('filter', { filter: text }, 'filter').then(
      (m) => {
        if (this.filterBox.text !== text) return;
        this.choice.setMatching(m.tracks);
        this.filterBox.showResult({ events: m.events, tracks: m.tracks.length });
        this.changeTracks(() => undefined);
        if (fresh) this.announcer.say(`Filter: ${m.events} matching events in ${m.tracks.length} tracks`);
      },
      (e: unknown) => {
        if (!isQuietFailure(e)) this.filterBox.showResult(null, e instanceof Error ? e.message : String(e));
      },
    );
  }

  /** Select the next (dir 1) or previous event of the selection's kind or call site, and show it. */
  private occurrence(dir: 1 | -1, scope: 'kind' | 'site'): void {
    const sel = this.selection.current;
    const d = this.selection.currentDetails;
    if (!sel) {
      this.filterBox.note('Select an event first');
      return;
    }
    this.rpc.request('find', { eventId: sel.id, dir, scope, filter: this.filterBox.text || undefined }, 'find').then(
      (m) => {
        const what = `${dir === 1 ? 'next' : 'previous'} ${d?.name ?? 'event'}${scope === 'site' ? ' from this call site' : ''}`;
        if (!m.ref) {
          this.filterBox.note(`No ${what}`);
          this.announcer.say(`No ${what}`);
          return;
        }
        const ref = m.ref;
        const group = this.summary?.tracks.find((t) => t.id === ref.track)?.group;
        if (group && this.collapsed.has(group)) this.toggleGroup(group);
        if (this.choice.hidden.has(ref.track)) this.changeTracks(() => this.choice.toggleHidden(ref.track));
        this.selection.select(ref);
        this.view.ensureVisible(ref);
        this.view.scrollToTrack(ref.track);
      },
      (e: unknown) => {
        if (!isQuietFailure(e)) this.filterBox.note(e instanceof Error ? e.message : String(e));
      },
    );
  }

  /** A command or keybinding of the editor. */
  private act(action: TimelineAction): void {
    switch (action) {
      case 'filter':
        this.filterBox.focus();
        break;
      case 'keys':
        this.keysHelp.toggle();
        break;
      case 'nextKind':
      case 'previousKind':
        this.occurrence(action === 'nextKind' ? 1 : -1, 'kind');
        break;
      case 'nextSite':
      case 'previousSite':
        this.occurrence(action === 'nextSite' ? 1 : -1, 'site');
        break;
      default: {
        const never: never = action;
        void never;
      }
    }
  }

  /** A trace that cannot be shown gives way to the problem page; a recording's problem is a banner. */
  private showProblem(s: TraceSummary): void {
    const fatal = s.problem?.fatal ? s.problem : null;
    this.problemPage.show(fatal, s.title);
    this.mainSplit.hidden = fatal !== null;
    if (s.problem && !fatal) this.banner.showProblem(s.problem.message, s.problem.fix, s.problem.severity);
  }

  /** The live window the events' density calls for at this width. */
  private densitySpan(): number {
    const s = this.summary;
    return s ? densitySpan(s.tracks, s.duration, this.view.axisWidth()) : DEFAULT_TAIL_SPAN;
  }

  /** Show and select `ref`; with `marks` (a call site's calls), the time they span, each outlined. */
  private reveal(ref: EventRef, marks?: readonly EventRef[]): void {
    const group = this.summary?.tracks.find((t) => t.id === ref.track)?.group;
    if (group && this.collapsed.has(group)) this.toggleGroup(group);
    if (this.choice.hidden.has(ref.track)) this.changeTracks(() => this.choice.toggleHidden(ref.track));
    const all = marks?.length ? marks : [ref];
    const start = Math.min(ref.start, ...all.map((m) => m.start));
    const end = Math.max(ref.end, ...all.map((m) => m.end));
    const len = Math.max(end - start, 0);
    this.model.show(around(start, end, this.model.limits, marks?.length ? 0.05 : 1, Math.max(marks?.length ? len * 1.1 : len * 3, 20_000)));
    this.view.setMarks(marks ?? []);
    this.selection.select(ref);
    this.view.scrollToTrack(ref.track);
  }

  // ------------------------------------------------------------------ reactions

  private viewportChanged(): void {
    this.view?.viewportChanged();
    this.store.update({ viewport: this.model.viewport, follow: this.model.follow });
    if (this.charts?.isOpen) this.chartsPane.setViewport(this.model.viewport);
    this.updateToolbar();
  }

  private dataArrived(): void {
    this.view.requestDraw();
    this.updateLegend();
    this.updateEmpty();
  }

  private hovered(id: number | null): void {
    if (this.hoverTimer !== undefined) clearTimeout(this.hoverTimer);
    this.hoverTimer = undefined;
    if (id === null || this.cache.get(id)) return;
    this.hoverTimer = setTimeout(() => {
      if (this.cache.get(id)) {
        this.view.detailsArrived(id);
        return;
      }
      this.rpc.request('details', { eventId: id }, 'hover').then(
        (m) => {
          if (!m.details) return;
          this.cache.set(m.details);
          this.view.detailsArrived(id);
        },
        () => undefined, // a tooltip without details is fine
      );
    }, 120);
  }

  private toggleGroup(key: string): void {
    if (this.collapsed.has(key)) this.collapsed.delete(key);
    else this.collapsed.add(key);
    this.view.setCollapsed(this.collapsed);
    this.store.update({ collapsed: [...this.collapsed] });
  }

  private zoomToSelection(): void {
    const s = this.selection.current;
    if (!s) return;
    this.model.show(around(s.start, s.end, this.model.limits, 0.15, 2000));
  }

  private setChartsOpen(open: boolean): void {
    this.bottomSplit.setSecondHidden(!open);
    this.charts.setOpen(open);
    this.store.update({ chartsOpen: open });
    this.updateToolbar();
  }

  private themeChanged(): void {
    this.palette = readPalette();
    this.view.themeChanged();
    this.charts.retheme();
    this.updateLegend();
  }

  private updateToolbar(): void {
    this.toolbar?.update(this.summary, this.model.follow, !!this.selection?.current, this.charts?.isOpen ?? false);
  }

  private updateLegend(): void {
    const e = this.fetcher.current();
    this.legend.update(e?.styles ?? new Set(), (e?.data.gaps.length ?? 0) > 0, this.palette, this.summary?.note ?? '');
  }

  private updateEmpty(): void {
    const s = this.summary;
    if (!s) this.view.setEmpty('Loading trace…', true);
    else if (s.events === 0 && s.loading !== null) this.view.setEmpty('Reading the trace…', true);
    else if (s.events === 0 && s.live) this.view.setEmpty('Waiting for events…', true);
    else if (s.events === 0) this.view.setEmpty('No events in this trace');
    else if (this.choice.filtered && this.choice.visible(s.tracks).length === 0) this.view.setEmpty(`Nothing matches the filter "${this.filterBox.text}"`);
    else if (this.choice.visible(s.tracks).length === 0) this.view.setEmpty('Every track is hidden: Shift+H shows them again');
    else this.view.setEmpty(null);
  }

  /** Select an event as a click would. */
  select(ref: EventRef | null): void {
    this.selection.select(ref);
  }

  /** Stop: reject pending requests, remove listeners, save the state. */
  dispose(): void {
    this.rpc.dispose();
    this.charts.dispose();
    this.filterBox.dispose();
    this.fetcher.dispose();
    this.view.dispose();
    for (const d of this.disposers) d();
    this.store.flush();
  }
}
