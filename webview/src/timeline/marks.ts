/**
 * Instant marks as sprites: each style's shape (a diamond; a tick for interrupts; a triangle for
 * wake-ups), outlined, drawn once per palette and pixel ratio on a small canvas and then copied,
 * pixel-aligned, for every instant — copying is far cheaper than rasterizing a path per mark.
 */
import { Style } from '../../../protocol/messages';
import type { Palette } from './colors';
import { baseStyle } from './styles';

interface Sprite {
  readonly canvas: HTMLCanvasElement;
  /** Size in CSS px (square). */
  readonly size: number;
}

/** Sprites of instant marks. */
export class MarkSprites {
  private readonly cache = new Map<string, Sprite | null>();
  private palette: Palette | null = null;
  private dpr = 0;

  /** The sprite of `style` with half-size `r` px. */
  get(style: number, r: number, p: Palette, dpr: number): Sprite | null {
    if (p !== this.palette || dpr !== this.dpr) {
      this.cache.clear();
      this.palette = p;
      this.dpr = dpr;
    }
    const base = baseStyle(style);
    const key = `${base}|${r}`;
    if (this.cache.has(key)) return this.cache.get(key) ?? null;
    const size = 2 * r + 4;
    const c = document.createElement('canvas');
    c.width = Math.ceil(size * dpr);
    c.height = Math.ceil(size * dpr);
    const ctx = c.getContext('2d');
    let sprite: Sprite | null = null;
    if (ctx) {
      ctx.scale(dpr, dpr);
      const m = size / 2;
      ctx.beginPath();
      if (base === Style.irq) {
        ctx.rect(m - 1, m - r - 1, 2, 2 * r + 2);
      } else if (base === Style.wakeup) {
        ctx.moveTo(m, m - r);
        ctx.lineTo(m + r, m + r);
        ctx.lineTo(m - r, m + r);
        ctx.closePath();
      } else {
        ctx.moveTo(m, m - r);
        ctx.lineTo(m + r, m);
        ctx.lineTo(m, m + r);
        ctx.lineTo(m - r, m);
        ctx.closePath();
      }
      ctx.fillStyle = p.styles[base];
      ctx.fill();
      ctx.strokeStyle = p.contrastBorder ?? p.background;
      ctx.lineWidth = 1;
      ctx.stroke();
      sprite = { canvas: c, size };
    }
    this.cache.set(key, sprite);
    return sprite;
  }
}
