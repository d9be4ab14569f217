/** Latency histogram of a call kind or call site: bars over log-scale bins, the selection's bin highlighted. */
import { Chart } from 'chart.js';
import type { Histogram } from '../../../protocol/messages';
import { formatCount, plural } from '../../../shared/format';
import type { Palette } from '../timeline/colors';
import { binLabel, binOf } from './bins';
import { themeChart } from './chartSetup';

/** A histogram chart on a canvas. */
export class HistogramChart {
  private chart: Chart<'bar'> | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /** Show `h` in `color`, highlighting the bin of `selectedNs` when given. */
  update(h: Histogram, selectedNs: number | null, color: string, p: Palette): void {
    const labels = h.counts.map((_, i) => binLabel(h.bounds, i));
    const mark = selectedNs === null ? -1 : binOf(h.bounds, selectedNs);
    const colors = h.counts.map((_, i) => (i === mark ? p.foreground : color));
    const data = { labels, datasets: [{ data: [...h.counts], backgroundColor: colors, borderWidth: 0, barPercentage: 0.95, categoryPercentage: 1 }] };
    this.canvas.setAttribute('aria-label', `${h.title}: ${plural(h.total, 'call')}`);
    if (this.chart) {
      this.chart.data = data;
      themeChart(this.chart, p);
      return;
    }
    this.chart = new Chart(this.canvas, {
      type: 'bar',
      data,
      options: {
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? `${items[0].label}` : ''),
              label: (item) => plural(Number(item.raw), 'call'),
            },
          },
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } },
          y: { beginAtZero: true, suggestedMax: 1, ticks: { precision: 0, callback: (v) => formatCount(Number(v)) } },
        },
      },
    });
    themeChart(this.chart, p);
  }

  /** Remove the chart. */
  clear(): void {
    this.chart?.destroy();
    this.chart = null;
  }

  /** Put the theme on it (the selected bin's colour comes with the next update). */
  retheme(p: Palette): void {
    if (this.chart) themeChart(this.chart, p);
  }
}
