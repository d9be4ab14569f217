/**
 * The charts pane: the latency histogram of the selected event's call kind or call site (a toggle
 * between the two) and the events-per-second chart of the whole trace. It can be closed (the
 * toolbar's Charts button brings it back).
 */
import type { Histogram, Rate } from '../../../protocol/messages';
import { plural } from '../../../shared/format';
import type { Palette } from '../timeline/colors';
import type { Viewport } from '../timeline/timescale';
import { applyChartTheme, setupCharts } from './chartSetup';
import { HistogramChart } from './histogramChart';
import { RateChart } from './rateChart';

/** Scope of the latency histogram. */
export type HistogramScope = 'kind' | 'site';

/** What the pane asks of the application. */
export interface ChartsCallbacks {
  scopeChanged(scope: HistogramScope): void;
  /** Centre the timeline on a time picked on the rate chart. */
  pick(ns: number): void;
  close(): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The charts pane. */
export class ChartsPane {
  readonly el: HTMLElement;
  private readonly histTitle: HTMLElement;
  private readonly histNote: HTMLElement;
  private readonly histBox: HTMLElement;
  private readonly rateNote: HTMLElement;
  private readonly rateBox: HTMLElement;
  private readonly scopeButtons: Record<HistogramScope, HTMLButtonElement>;
  private readonly histogram: HistogramChart;
  private readonly rate: RateChart;
  private scope: HistogramScope;

  constructor(parent: HTMLElement, private readonly cb: ChartsCallbacks, scope: HistogramScope) {
    setupCharts();
    this.scope = scope;
    this.el = el('section', 'charts');
    this.el.setAttribute('aria-label', 'Charts');

    const head = el('header', 'pane-header');
    this.histTitle = el('h2', 'pane-title', 'Latency');
    const seg = el('div', 'segmented');
    seg.setAttribute('role', 'group');
    seg.setAttribute('aria-label', 'Histogram of');
    const mk = (s: HistogramScope, text: string, tip: string): HTMLButtonElement => {
      const b = el('button', 'seg', text);
      b.type = 'button';
      b.title = tip;
      b.addEventListener('click', () => this.setScope(s, true));
      seg.appendChild(b);
      return b;
    };
    this.scopeButtons = {
      kind: mk('kind', 'Call kind', 'Latency of every call of the selected kind'),
      site: mk('site', 'Call site', 'Latency of the calls made from the selected call site'),
    };
    const close = document.createElement('vscode-toolbar-button');
    close.setAttribute('icon', 'close');
    close.setAttribute('label', 'Close charts');
    close.title = 'Close charts';
    close.addEventListener('click', () => this.cb.close());
    head.append(this.histTitle, seg, close);

    const body = el('div', 'pane-body charts-body');
    this.histBox = el('div', 'chart-box');
    const histCanvas = el('canvas', 'chart-canvas');
    histCanvas.setAttribute('role', 'img');
    this.histBox.appendChild(histCanvas);
    this.histNote = el('p', 'pane-placeholder chart-note');
    const rateHead = el('h3', 'section-title', 'Events per second');
    this.rateBox = el('div', 'chart-box');
    const rateCanvas = el('canvas', 'chart-canvas');
    rateCanvas.setAttribute('role', 'img');
    this.rateBox.appendChild(rateCanvas);
    this.rateNote = el('p', 'pane-placeholder chart-note');
    this.rateNote.hidden = true;
    body.append(this.histNote, this.histBox, rateHead, this.rateNote, this.rateBox);
    this.el.append(head, body);
    parent.appendChild(this.el);

    this.histogram = new HistogramChart(histCanvas);
    this.rate = new RateChart(rateCanvas, (t) => this.cb.pick(t));
    this.setScope(scope, false);
    this.setHistogram(null, null, '', 'Select an event to see the latency of its kind of call.');
  }

  /** Current scope. */
  get histogramScope(): HistogramScope {
    return this.scope;
  }

  private setScope(s: HistogramScope, report: boolean): void {
    this.scope = s;
    for (const k of ['kind', 'site'] as const) this.scopeButtons[k].setAttribute('aria-pressed', String(k === s));
    if (report) this.cb.scopeChanged(s);
  }

  /** Whether the selection has a call site (else "Call site" is disabled). */
  setSiteAvailable(available: boolean): void {
    this.scopeButtons.site.disabled = !available;
  }

  /** Show a histogram (null: show `message` instead). */
  setHistogram(h: Histogram | null, selectedNs: number | null, color: string, message: string, p?: Palette): void {
    if (!h || !p) {
      this.histogram.clear();
      this.histBox.hidden = true;
      this.histNote.hidden = false;
      this.histNote.textContent = message;
      this.histTitle.textContent = 'Latency';
      return;
    }
    this.histBox.hidden = false;
    this.histNote.hidden = true;
    this.histTitle.textContent = `${h.title} · ${plural(h.total, 'call')}`;
    this.histTitle.title = this.histTitle.textContent;
    this.histogram.update(h, selectedNs, color, p);
  }

  /** Show the rate series. */
  setRate(r: Rate, p: Palette): void {
    this.rateBox.hidden = false;
    this.rateNote.hidden = true;
    this.rate.update(r, p);
  }

  /** Say why there is no rate series (the host could not give one) instead of showing an empty chart. */
  setRateMessage(message: string): void {
    this.rateBox.hidden = true;
    this.rateNote.hidden = false;
    this.rateNote.textContent = message;
  }

  /** The end of the trace as the timeline knows it, and whether it grows (the rate chart's time axis spans it). */
  setDuration(ns: number, growing: boolean): void {
    this.rate.setDuration(ns, growing);
  }

  /** Shade the timeline's viewport on the rate chart. */
  setViewport(v: Viewport): void {
    this.rate.setViewport(v);
  }

  /** The theme changed. */
  retheme(p: Palette): void {
    applyChartTheme(p);
    this.histogram.retheme(p);
    this.rate.retheme(p);
  }
}
