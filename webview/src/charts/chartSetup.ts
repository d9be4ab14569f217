/**
 * chart.js with only the parts the charts use registered (tree-shaken bundle), no animations, and
 * the theme's colours and font — set on each chart's own options (not only chart.js's defaults,
 * which a chart resolves once and keeps: a theme switch left the axes in the old colours).
 */
import { BarController, BarElement, CategoryScale, Chart, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartType } from 'chart.js';
import { withAlpha, type Palette } from '../timeline/colors';

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

/** Theme colours and font for charts created from now on (chart.js's defaults). */
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

/**
 * Put the theme on an existing chart's own options (axes, grid, tooltip) and redraw it. The axis
 * text colour chart.js resolved is kept on the canvas (`data-tick-color`), where tests and
 * assistive tools can read what is drawn.
 */
export function themeChart<T extends ChartType, D>(chart: Chart<T, D>, p: Palette): void {
  const grid = withAlpha(p.separator, p.highContrast ? 1 : 0.6);
  // the parts of a cartesian scale's options set here (chart.js types them per chart type)
  type ScaleLook = { ticks?: object; grid?: object; border?: object };
  const scales = (chart.options?.scales ?? {}) as Record<string, ScaleLook | undefined>;
  for (const scale of Object.values(scales)) {
    if (!scale) continue;
    scale.ticks = { ...scale.ticks, color: p.muted, font: { family: p.font, size: 11 } };
    scale.grid = { ...scale.grid, color: grid };
    scale.border = { ...scale.border, color: p.border };
  }
  const tooltip = chart.options?.plugins?.tooltip;
  if (tooltip) Object.assign(tooltip, { backgroundColor: p.labelBackground, titleColor: p.foreground, bodyColor: p.foreground, borderColor: p.border });
  chart.update('none');
  const x = chart.scales.x;
  if (x) chart.canvas.dataset.tickColor = String((x.options as { ticks?: { color?: unknown } }).ticks?.color);
}
