/**
 * Feeds the charts pane: the histogram of the selection's call kind or call site, and the rate
 * series — kept in step with the timeline: fetched again at most once a second while the trace
 * grows, and once more when it stops growing. Nothing is requested while the pane is closed.
 */
import type { EventDetails, Histogram, Rate } from '../../protocol/messages';
import type { ChartsPane, HistogramScope } from './charts/chartsPane';
import { isQuietFailure, RpcError, type Rpc } from './rpc';
import type { Palette } from './timeline/colors';
import { baseStyle } from './timeline/styles';

/** Minimum time between rate requests while the trace grows, ms. */
const RATE_INTERVAL_MS = 1000;
/**
 * A rate series is shown when the page is idle (after the frame being drawn, not inside it: a
 * chart.js update takes 5-15 ms, a live step of the timeline as much), at the latest this long
 * after it arrived, ms.
 */
const RATE_IDLE_TIMEOUT_MS = 300;

/** Why an event has no latency histogram: a moment (a wake-up, a signal) has no duration; a call may not have finished. */
function noLatency(d: EventDetails): string {
  if (d.end === null) {
    const what = d.kind === 'wake' ? 'A wake-up' : d.kind === 'signal' ? 'A signal' : d.kind === 'drop' ? 'A loss' : 'This event';
    return `${what} is a moment, not a call: it has no latency. Select a call to see its latency.`;
  }
  return 'No finished calls of this kind yet.';
}

/** Requests and shows chart data. */
export class ChartsController {
  private open: boolean;
  private scope: HistogramScope;
  private details: EventDetails | null = null;
  private style = 1;
  private lastRateAt = -Infinity;
  private rateStale = true;
  private histogram: Histogram | null = null;
  private rate: Rate | null = null;
  private rateTimer: ReturnType<typeof setTimeout> | undefined;
  /** A series waiting for an idle moment to be shown (only the newest is). */
  private pendingRate: Rate | null = null;
  private rateIdle: number | undefined;

  constructor(
    private readonly rpc: Rpc,
    private readonly pane: ChartsPane,
    private readonly palette: () => Palette,
    open: boolean,
    scope: HistogramScope,
  ) {
    this.open = open;
    this.scope = scope;
  }

  /** Is the pane open? */
  get isOpen(): boolean {
    return this.open;
  }

  /** Open or close the pane. */
  setOpen(open: boolean): void {
    this.open = open;
    if (open) {
      this.refreshHistogram();
      this.refreshRate(true);
    }
  }

  /** Switch between call kind and call site. */
  setScope(scope: HistogramScope): void {
    this.scope = scope;
    this.refreshHistogram();
  }

  /** The selection's details changed (null: nothing selected). */
  setSelection(details: EventDetails | null, style: number): void {
    if (details?.id === this.details?.id) return;
    this.details = details;
    this.style = baseStyle(style);
    this.refreshHistogram();
  }

  /**
   * The trace changed: the rate series is out of date. `settled`: it stopped growing (a recording
   * ended, a file is read), so the series is fetched now whatever the interval.
   */
  traceChanged(settled = false): void {
    this.rateStale = true;
    this.refreshRate(settled);
  }

  /** Stop the timers. */
  dispose(): void {
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer);
    this.rateTimer = undefined;
    if (this.rateIdle !== undefined) cancelIdleCallback(this.rateIdle);
    this.rateIdle = undefined;
  }

  /** Redraw with the theme's colours. */
  retheme(): void {
    this.pane.retheme(this.palette());
    this.showHistogram();
    if (this.rate) this.pane.setRate(this.rate, this.palette());
  }

  private showHistogram(): void {
    const d = this.details;
    if (!this.histogram || !d) return;
    const p = this.palette();
    this.pane.setHistogram(this.histogram, d.end === null ? null : d.end - d.start, p.styles[this.style] ?? p.focus, '', p);
  }

  private refreshHistogram(): void {
    const d = this.details;
    this.pane.setSiteAvailable(!!d?.callSite);
    if (!this.open) return;
    if (!d) {
      this.histogram = null;
      this.pane.setHistogram(null, null, '', 'Select an event to see the latency of its kind of call.');
      return;
    }
    const scope = this.scope === 'site' && !d.callSite ? 'kind' : this.scope;
    this.rpc.request('histogram', { eventId: d.id, scope }, 'histogram').then(
      (m) => {
        if (this.details?.id !== d.id) return;
        this.histogram = m.histogram;
        if (m.histogram.total === 0) this.pane.setHistogram(null, null, '', noLatency(d));
        else this.showHistogram();
      },
      (e: unknown) => {
        if (!isQuietFailure(e)) this.pane.setHistogram(null, null, '', `Could not load the histogram: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }

  private showRateWhenIdle(r: Rate): void {
    this.pendingRate = r;
    this.rateIdle ??= requestIdleCallback(
      () => {
        this.rateIdle = undefined;
        const rate = this.pendingRate;
        this.pendingRate = null;
        if (rate && this.open) this.pane.setRate(rate, this.palette());
      },
      { timeout: RATE_IDLE_TIMEOUT_MS },
    );
  }

  private refreshRate(force: boolean): void {
    if (!this.open || !this.rateStale) return;
    const now = Date.now();
    if (!force && now - this.lastRateAt < RATE_INTERVAL_MS) {
      // not now: once the interval has passed (a change that comes last is not left out)
      this.rateTimer ??= setTimeout(() => {
        this.rateTimer = undefined;
        this.refreshRate(false);
      }, RATE_INTERVAL_MS - (now - this.lastRateAt));
      return;
    }
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer);
    this.rateTimer = undefined;
    this.lastRateAt = now;
    this.rateStale = false;
    this.rpc.request('rate', {}, 'rate').then(
      (m) => {
        this.rate = m.rate;
        this.showRateWhenIdle(m.rate);
      },
      (e: unknown) => {
        if (isQuietFailure(e)) return;
        // asked again when the trace changes; meanwhile the pane says why it has no chart (a trace
        // opened paged has no event rate: the host's message says so and what to do)
        this.rateStale = true;
        this.rate = null;
        const text = e instanceof Error ? e.message : String(e);
        // the host's own words say what is missing and why; a lost reply is told as such
        this.pane.setRateMessage(e instanceof RpcError && e.reason === 'host' ? text.charAt(0).toUpperCase() + text.slice(1) : `Could not load the event rate: ${text}`);
      },
    );
  }
}
