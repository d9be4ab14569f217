/** Canvas patterns: diagonal hatching for lost records and stripes for calls still in progress. */

const cache = new Map<string, CanvasPattern | string>();

/** A repeating tile of `size` CSS px drawn at `dpr` device pixels per px, crisp on any screen. */
function make(ctx: CanvasRenderingContext2D, key: string, size: number, dpr: number, paint: (p: CanvasRenderingContext2D) => void, fallback: string): CanvasPattern | string {
  const fullKey = `${key}|${dpr}`;
  const hit = cache.get(fullKey);
  if (hit) return hit;
  const c = document.createElement('canvas');
  c.width = Math.round(size * dpr);
  c.height = Math.round(size * dpr);
  const p = c.getContext('2d');
  if (!p) return fallback;
  p.scale(c.width / size, c.height / size);
  paint(p);
  const pattern = ctx.createPattern(c, 'repeat');
  if (!pattern) return fallback;
  pattern.setTransform(new DOMMatrix([size / c.width, 0, 0, size / c.height, 0, 0]));
  cache.set(fullKey, pattern);
  return pattern;
}

/** Diagonal lines of `color` on transparent, `size` px apart. */
export function hatch(ctx: CanvasRenderingContext2D, color: string, size: number, width: number, dpr: number): CanvasPattern | string {
  return make(
    ctx,
    `hatch|${color}|${size}|${width}`,
    size,
    dpr,
    (p) => {
      p.strokeStyle = color;
      p.lineWidth = width;
      p.beginPath();
      // Three segments so the lines join across tile edges.
      p.moveTo(-1, size + 1);
      p.lineTo(size + 1, -1);
      p.moveTo(-1 - size, size + 1);
      p.lineTo(1, -1);
      p.moveTo(size - 1, size + 1);
      p.lineTo(2 * size + 1, -1);
      p.stroke();
    },
    color,
  );
}

/** Stripes: `color` with lighter diagonal bands, for unfinished spans. */
export function stripes(ctx: CanvasRenderingContext2D, color: string, band: string, size: number, dpr: number): CanvasPattern | string {
  return make(
    ctx,
    `stripes|${color}|${band}|${size}`,
    size,
    dpr,
    (p) => {
      p.fillStyle = color;
      p.fillRect(0, 0, size, size);
      p.strokeStyle = band;
      p.lineWidth = size / 4;
      p.beginPath();
      p.moveTo(-1, size + 1);
      p.lineTo(size + 1, -1);
      p.moveTo(-1 - size, size + 1);
      p.lineTo(1, -1);
      p.moveTo(size - 1, size + 1);
      p.lineTo(2 * size + 1, -1);
      p.stroke();
    },
    color,
  );
}

/** Forget the patterns (the theme changed). */
export function clearPatterns(): void {
  cache.clear();
}
