/**
 * chart.js with only the parts the charts use registered (tree-shaken bundle), no animations, and
 * the theme's colours and font.
 */
import { BarController, BarElement, CategoryScale, Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { Palette } from '../timeline/colors';

let registered = false;

/** Register the chart.js components in use (once). */
export function setupCharts(): void {
  if (registered) return;
  registered = true;
  Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Filler, Tooltip);
  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
}

/** Theme colours and font for every chart. */
export function applyChartTheme(p: Palette): void {
  Chart.defaults.color = p.muted;
  Chart.defaults.borderColor = p.separator;
  Chart.defaults.font.family = p.font;
  Chart.defaults.font.size = 11;
  const t = Chart.defaults.plugins.tooltip;
  t.backgroundColor = p.labelBackground;
  t.titleColor = p.foreground;
  t.bodyColor = p.foreground;
  t.borderColor = p.border;
  t.borderWidth = 1;
  t.cornerRadius = 3;
  t.displayColors = false;
}
