/**
 * Events per second over the whole trace, with the timeline's viewport shaded; a click centres the
 * timeline on that time. The time axis is labelled as the timeline's ruler is (shared/ticks.ts:
 * "0 ms", "5 ms", "10 ms"), and spans the trace as the timeline knows it, also between refreshes
 * of the series while a recording grows. The viewport band is an element over the chart, moved on
 * every pan and zoom without redrawing the chart (which took a few ms a frame); the axis is
 * rebuilt only when the trace outgrows it.
 */
import { Chart, type ChartDataset } from 'chart.js';
import type { Rate } from '../../../protocol/messages';
import { formatCount, formatTime } from '../../../shared/format';
import { makeTicks, niceStep } from '../../../shared/ticks';
import { withAlpha, type Palette } from '../timeline/colors';
import type { Viewport } from '../timeline/timescale';
import { perSecond } from './bins';
import { themeChart } from './chartSetup';

/** Shortest time axis, ns (a trace of one event still gets a readable axis). */
const MIN_SPAN_NS = 1e6;

/**
 * The end of the time axis for a trace of `duration` ns: the trace's end, or, while it grows, a
 * little room to grow into, on a 1-2-5 step (so that the axis is not rebuilt on every update).
 */
export function axisEnd(duration: number, growing: boolean): number {
  return Math.max(MIN_SPAN_NS, growing ? niceStep(duration * 1.05) : duration);
}

/** A rate chart on a canvas. */
export class RateChart {
  private chart: Chart<'line', { x: number; y: number }[]> | null = null;
  private readonly band: HTMLElement;
  private viewport: Viewport | null = null;
  private duration = 0;
  /** The end of the time axis, ns (axisEnd of the duration when it was last set). */
  private axisMax = MIN_SPAN_NS;
  private growing = false;
  private palette: Palette | null = null;
  private readonly labels = new Map<number, string>();

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onPick: (ns: number) => void,
  ) {
    this.band = document.createElement('div');
    this.band.className = 'chart-band';
    this.band.hidden = true;
    canvas.parentElement?.appendChild(this.band);
  }

  /**
   * The end of the trace as the timeline knows it, ns, and whether it still grows: the axis grows
   * (in steps) to span it, and ends with it once it stops growing.
   */
  setDuration(ns: number, growing: boolean): void {
    this.duration = ns;
    const wasGrowing = this.growing;
    this.growing = growing;
    const x = this.chart?.options.scales?.x;
    if (x && (ns > this.axisMax || (wasGrowing && !growing))) {
      x.max = this.axisMax = axisEnd(ns, growing);
      this.chart?.update('none');
      this.placeBand();
    }
  }

  /** Show `r`. */
  update(r: Rate, p: Palette): void {
    const ys = perSecond(r.counts, r.binNs);
    const points = r.starts.map((s, i) => ({ x: s + r.binNs / 2, y: ys[i] }));
    const last = r.starts.length ? r.starts[r.starts.length - 1] + r.binNs : 0;
    this.duration = Math.max(this.duration, last);
    if (this.chart) {
      const ds = this.chart.data.datasets[0];
      if (ds) ds.data = points;
      else this.chart.data = { datasets: [this.dataset(points, p)] };
      const x = this.chart.options.scales?.x;
      if (x) x.max = this.axisMax = axisEnd(this.duration, this.growing);
      if (p !== this.palette) this.retheme(p);
      else this.chart.update('none');
      this.placeBand();
      return;
    }
    this.palette = p;
    this.chart = new Chart<'line', { x: number; y: number }[]>(this.canvas, {
      type: 'line',
      data: { datasets: [this.dataset(points, p)] },
      options: {
        // the points are in chart.js's own {x, y} form, sorted: nothing to parse or sort
        parsing: false,
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        onClick: (_e, _els, chart) => {
          const ev = _e.x;
          if (ev === null || ev === undefined) return;
          const t = chart.scales.x.getValueForPixel(ev);
          if (t !== undefined) this.onPick(t);
        },
        onResize: () => requestAnimationFrame(() => this.placeBand()),
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? formatTime(Number(items[0].parsed.x)) : ''),
              label: (item) => `${formatCount(Number(item.parsed.y))} events/s`,
            },
          },
        },
        scales: {
          x: {
            type: 'linear',
            min: 0,
            max: (this.axisMax = axisEnd(this.duration, this.growing)),
            // the ruler's 1-2-5 steps and units, not chart.js's decimals of seconds
            afterBuildTicks: (axis) => {
              const ticks = makeTicks(axis.min, axis.max, Math.max(axis.width, 100), 70);
              this.labels.clear();
              for (const t of ticks.major) this.labels.set(t.t, t.label);
              axis.ticks = ticks.major.map((t) => ({ value: t.t }));
            },
            ticks: { callback: (v) => this.labels.get(Number(v)) ?? '', maxRotation: 0, autoSkip: true },
            grid: { display: false },
          },
          y: { beginAtZero: true, suggestedMax: 1, ticks: { precision: 0, callback: (v) => formatCount(Number(v)) } },
        },
      },
    });
    this.retheme(p);
    this.canvas.setAttribute('aria-label', 'Events per second over the trace');
  }

  private dataset(points: { x: number; y: number }[], p: Palette): ChartDataset<'line', { x: number; y: number }[]> {
    return { data: points, borderColor: p.styles[1], backgroundColor: withAlpha(p.styles[1], 0.25), fill: true, pointRadius: 0, borderWidth: 1.5, tension: 0 };
  }

  /** Shade the timeline's viewport: moves the band, the chart is not redrawn. */
  setViewport(v: Viewport): void {
    this.viewport = v;
    this.placeBand();
  }

  private placeBand(): void {
    const v = this.viewport;
    const chart = this.chart;
    const x = chart?.scales.x;
    if (!v || !chart || !x) {
      this.band.hidden = true;
      return;
    }
    const area = chart.chartArea;
    const a = Math.max(x.getPixelForValue(v.start), area.left);
    const b = Math.min(x.getPixelForValue(v.end), area.right);
    this.band.hidden = !(b > a || (b >= area.left && a <= area.right));
    if (this.band.hidden) return;
    const s = this.band.style;
    s.left = `${a}px`;
    s.top = `${area.top}px`;
    s.width = `${Math.max(b - a, 2)}px`;
    s.height = `${area.bottom - area.top}px`;
  }

  /** Remove the chart. */
  clear(): void {
    this.chart?.destroy();
    this.chart = null;
    this.band.hidden = true;
  }

  /** Put the theme on it. */
  retheme(p: Palette): void {
    this.palette = p;
    this.band.style.backgroundColor = withAlpha(p.focus, 0.18);
    const ds = this.chart?.data.datasets[0];
    if (ds) Object.assign(ds, { borderColor: p.styles[1], backgroundColor: withAlpha(p.styles[1], 0.25) });
    if (this.chart) themeChart(this.chart, p);
    this.placeBand();
  }
}
