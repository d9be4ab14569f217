/**
 * Events per second over the whole trace, with the timeline's viewport shaded; a click centres the
 * timeline on that time.
 */
import { Chart, type Plugin } from 'chart.js';
import type { Rate } from '../../../protocol/messages';
import { formatCount, formatTime } from '../../../shared/format';
import { withAlpha, type Palette } from '../timeline/colors';
import type { Viewport } from '../timeline/timescale';
import { perSecond } from './bins';

/** A rate chart on a canvas. */
export class RateChart {
  private chart: Chart<'line', { x: number; y: number }[]> | null = null;
  private viewport: Viewport | null = null;
  private band = 'rgba(128,128,128,0.2)';
  private frame = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onPick: (ns: number) => void,
  ) {}

  /** Show `r`. */
  update(r: Rate, p: Palette): void {
    this.band = withAlpha(p.focus, 0.18);
    const ys = perSecond(r.counts, r.binNs);
    const points = r.starts.map((s, i) => ({ x: (s + r.binNs / 2) / 1e9, y: ys[i] }));
    const dataset = {
      data: points,
      borderColor: p.styles[1],
      backgroundColor: withAlpha(p.styles[1], 0.25),
      fill: true,
      pointRadius: 0,
      borderWidth: 1.5,
      tension: 0,
    };
    if (this.chart) {
      this.chart.data = { datasets: [dataset] };
      this.chart.update('none');
      return;
    }
    const band: Plugin<'line'> = {
      id: 'viewportBand',
      beforeDatasetsDraw: (chart) => {
        const v = this.viewport;
        const x = chart.scales.x;
        if (!v || !x) return;
        const a = Math.max(x.getPixelForValue(v.start / 1e9), chart.chartArea.left);
        const b = Math.min(x.getPixelForValue(v.end / 1e9), chart.chartArea.right);
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
          if (t !== undefined) this.onPick(t * 1e9);
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? formatTime(Number(items[0].parsed.x) * 1e9) : ''),
              label: (item) => `${formatCount(Number(item.parsed.y))} events/s`,
            },
          },
        },
        scales: {
          x: { type: 'linear', ticks: { callback: (v) => `${Number(v)} s`, maxRotation: 0 }, grid: { display: false } },
          y: { beginAtZero: true, ticks: { callback: (v) => formatCount(Number(v)) } },
        },
      },
    });
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

  /** Re-read the theme. */
  retheme(): void {
    this.chart?.update('none');
  }
}
