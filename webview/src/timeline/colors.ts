/**
 * The timeline's palette, read from VS Code's theme variables (never hard-coded colours, except as
 * fallbacks when a variable is missing), and the theme kind from the body's class.
 */
import { STYLE_SLOTS, STYLES } from './styles';

/** The theme kind VS Code puts on <body>. */
export type ThemeKind = 'light' | 'dark' | 'hc-dark' | 'hc-light';

/** Colours and fonts for drawing. */
export interface Palette {
  readonly kind: ThemeKind;
  readonly highContrast: boolean;
  readonly background: string;
  readonly foreground: string;
  readonly muted: string;
  readonly labelBackground: string;
  readonly headerBackground: string;
  readonly rulerBackground: string;
  readonly border: string;
  readonly separator: string;
  readonly grid: string;
  readonly focus: string;
  readonly hover: string;
  readonly selectionRow: string;
  /** Outline of spans in high-contrast themes, else null. */
  readonly contrastBorder: string | null;
  readonly lost: string;
  readonly live: string;
  /** Light bands of the stripes of unfinished spans. */
  readonly stripeBand: string;
  /** Colour of each style code (index = code). */
  readonly styles: readonly string[];
  /** Text colour on a span of each style code. */
  readonly styleText: readonly string[];
  readonly font: string;
  readonly fontSize: number;
  readonly monoFont: string;
}

/** The theme kind from the body's classes. */
export function themeKind(body: Element): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'hc-light';
  if (c.contains('vscode-high-contrast')) return 'hc-dark';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

let probe: CanvasRenderingContext2D | null = null;

/** [r, g, b, a] (0-255, a 0-1) of any CSS colour, via a canvas. */
export function parseColor(css: string): [number, number, number, number] {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return [128, 128, 128, 1];
  probe.fillStyle = '#000';
  probe.fillStyle = css;
  const v = String(probe.fillStyle);
  if (v.startsWith('#')) {
    const n = parseInt(v.slice(1, 7), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 1];
  }
  const m = /rgba?\(([^)]+)\)/.exec(v);
  if (!m) return [128, 128, 128, 1];
  const p = m[1].split(',').map((x) => parseFloat(x));
  return [p[0] ?? 128, p[1] ?? 128, p[2] ?? 128, p[3] ?? 1];
}

/** A CSS colour with its alpha multiplied by `alpha`: "rgba(r, g, b, a)". */
export function withAlpha(css: string, alpha: number): string {
  const [r, g, b, a] = parseColor(css);
  return `rgba(${r}, ${g}, ${b}, ${Math.max(0, Math.min(1, a * alpha))})`;
}

function luminance(css: string): number {
  const [r, g, b] = parseColor(css).map((x, i) => (i < 3 ? x / 255 : x));
  const lin = (c: number): number => (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a: string, b: string): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** Read the palette from the page's theme variables. */
export function readPalette(root: Element = document.documentElement, body: Element = document.body): Palette {
  const cs = getComputedStyle(root);
  const bs = getComputedStyle(body);
  const v = (name: string, fallback: string): string => cs.getPropertyValue(name).trim() || bs.getPropertyValue(name).trim() || fallback;
  const kind = themeKind(body);
  const dark = kind === 'dark' || kind === 'hc-dark';
  const highContrast = kind === 'hc-dark' || kind === 'hc-light';
  const background = v('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff');
  const foreground = v('--vscode-editor-foreground', v('--vscode-foreground', dark ? '#cccccc' : '#3b3b3b'));
  const widgetBorder = v('--vscode-editorWidget-border', v('--vscode-panel-border', dark ? '#454545' : '#c8c8c8'));
  const styles: string[] = new Array<string>(STYLE_SLOTS).fill(v('--vscode-descriptionForeground', '#9d9d9d'));
  for (const s of STYLES) styles[s.code] = v(s.cssVar, s.fallback);
  const styleText = styles.map((c) => (contrast(c, background) >= contrast(c, foreground) ? background : foreground));
  return {
    kind,
    highContrast,
    background,
    foreground,
    muted: v('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    labelBackground: v('--vscode-sideBar-background', v('--vscode-editorWidget-background', background)),
    headerBackground: v('--vscode-sideBarSectionHeader-background', v('--vscode-editorGroupHeader-tabsBackground', background)),
    rulerBackground: v('--vscode-editorGroupHeader-tabsBackground', v('--vscode-editorWidget-background', background)),
    border: v('--vscode-panel-border', widgetBorder),
    separator: v('--vscode-tree-inactiveIndentGuidesStroke', v('--vscode-editorIndentGuide-background1', widgetBorder)),
    grid: v('--vscode-editorRuler-foreground', v('--vscode-editorIndentGuide-background1', widgetBorder)),
    focus: v('--vscode-focusBorder', '#007fd4'),
    hover: v('--vscode-list-hoverBackground', dark ? '#2a2d2e' : '#f0f0f0'),
    selectionRow: v('--vscode-list-inactiveSelectionBackground', dark ? '#37373d' : '#e4e6f1'),
    contrastBorder: highContrast ? v('--vscode-contrastBorder', dark ? '#6fc3df' : '#0f4a85') : null,
    lost: v('--vscode-errorForeground', v('--vscode-charts-red', '#f48771')),
    live: v('--vscode-charts-green', '#89d185'),
    stripeBand: withAlpha(background, 0.55),
    styles,
    styleText,
    font: v('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(v('--vscode-font-size', '13')) || 13,
    monoFont: v('--vscode-editor-font-family', 'monospace'),
  };
}
