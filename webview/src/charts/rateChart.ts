/**
 * Events per second over the whole trace, with the timeline's viewport shaded; a click centres the
 * timeline on that time. The time axis is labelled as the timeline's ruler is (shared/ticks.ts:
 * "0 ms", "5 ms", "10 ms"), and spans the trace as the timeline knows it, also between refreshes
 * of the series while a recording grows.
 */
import { Chart, type Plugin } from 'chart.js';
import type { Rate } from '../../../protocol/messages';
import { formatCount, formatTime } from '../../../shared/format';
import { makeTicks } from '../../../shared/ticks';
import { withAlpha, type Palette } from '../timeline/colors';
import type { Viewport } from '../timeline/timescale';
import { perSecond } from './bins';
import { themeChart } from './chartSetup';

/** Shortest time axis, ns (a trace of one event still gets a readable axis). */
const MIN_SPAN_NS = 1e6;

/** A rate chart on a canvas. */
export class RateChart {
  private chart: Chart<'line', { x: number; y: number }[]> | null = null;
  private viewport: Viewport | null = null;
  private band = 'rgba(128,128,128,0.2)';
  private frame = 0;
  private duration = 0;
  private readonly labels = new Map<number, string>();

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onPick: (ns: number) => void,
  ) {}

  /** The end of the trace as the timeline knows it, ns (the axis spans [0, end]). */
  setDuration(ns: number): void {
    if (ns === this.duration) return;
    this.duration = ns;
    const x = this.chart?.options.scales?.x;
    if (x) {
      x.max = Math.max(ns, MIN_SPAN_NS);
      this.chart?.update('none');
    }
  }

  /** Show `r`. */
  update(r: Rate, p: Palette): void {
    this.band = withAlpha(p.focus, 0.18);
    const ys = perSecond(r.counts, r.binNs);
    const points = r.starts.map((s, i) => ({ x: s + r.binNs / 2, y: ys[i] }));
    const dataset = {
      data: points,
      borderColor: p.styles[1],
      backgroundColor: withAlpha(p.styles[1], 0.25),
      fill: true,
      pointRadius: 0,
      borderWidth: 1.5,
      tension: 0,
    };
    const last = r.starts.length ? r.starts[r.starts.length - 1] + r.binNs : 0;
    this.duration = Math.max(this.duration, last);
    if (this.chart) {
      this.chart.data = { datasets: [dataset] };
      const x = this.chart.options.scales?.x;
      if (x) x.max = Math.max(this.duration, MIN_SPAN_NS);
      themeChart(this.chart, p);
      return;
    }
    const band: Plugin<'line'> = {
      id: 'viewportBand',
      beforeDatasetsDraw: (chart) => {
        const v = this.viewport;
        const x = chart.scales.x;
        if (!v || !x) return;
        const a = Math.max(x.getPixelForValue(v.start), chart.chartArea.left);
        const b = Math.min(x.getPixelForValue(v.end), chart.chartArea.right);
        if (b <= a) return;
        chart.ctx.save();
        chart.ctx.fillStyle = this.band;
        chart.ctx.fillRect(a, chart.chartArea.top, Math.max(b - a, 2), chart.chartArea.bottom - chart.chartArea.top);
        chart.ctx.restore();
      },
    };
    this.chart = new Chart(this.canvas, {
      type: 'line',
      data: { datasets: [dataset] },
      plugins: [band],
      options: {
        interaction: { mode: 'index', intersect: false },
        onClick: (_e, _els, chart) => {
          const ev = _e.x;
          if (ev === null || ev === undefined) return;
          const t = chart.scales.x.getValueForPixel(ev);
          if (t !== undefined) this.onPick(t);
        },
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
            max: Math.max(this.duration, MIN_SPAN_NS),
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
    themeChart(this.chart, p);
    this.canvas.setAttribute('aria-label', 'Events per second over the trace');
  }

  /** Shade the timeline's viewport (redrawn once per animation frame at most). */
  setViewport(v: Viewport): void {
    this.viewport = v;
    if (this.frame || !this.chart) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.chart?.draw();
    });
  }

  /** Remove the chart. */
  clear(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.chart?.destroy();
    this.chart = null;
  }

  /** Put the theme on it. */
  retheme(p: Palette): void {
    this.band = withAlpha(p.focus, 0.18);
    const ds = this.chart?.data.datasets[0];
    if (ds) Object.assign(ds, { borderColor: p.styles[1], backgroundColor: withAlpha(p.styles[1], 0.25) });
    if (this.chart) themeChart(this.chart, p);
  }
}
