/**
 * Keys of the timeline (Perfetto's W/S zoom and A/D pan, held for a smooth motion; arrows move the
 * selection; F fits all, Z zooms to the selection, Enter opens the source, Escape clears) and the
 * motion of held keys, frame by frame.
 */

/** What a key does. */
export type KeyAction =
  | { readonly kind: 'hold'; readonly key: 'w' | 's' | 'a' | 'd' }
  | { readonly kind: 'zoomStep'; readonly factor: number }
  | { readonly kind: 'fit' }
  | { readonly kind: 'zoomToSelection' }
  | { readonly kind: 'open' }
  | { readonly kind: 'clear' }
  | { readonly kind: 'move'; readonly dir: 'prev' | 'next' | 'up' | 'down' }
  | { readonly kind: 'edge'; readonly to: 'start' | 'end' }
  | { readonly kind: 'page'; readonly dir: 1 | -1 };

/** The modifier and key of a keyboard event. */
export interface KeyLike {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

/** The action of a key press, or null for keys the timeline leaves alone. */
export function keyAction(e: KeyLike): KeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  switch (k) {
    case 'w':
    case 's':
    case 'a':
    case 'd':
      return { kind: 'hold', key: k };
    case '+':
    case '=':
      return { kind: 'zoomStep', factor: 0.5 };
    case '-':
    case '_':
      return { kind: 'zoomStep', factor: 2 };
    case 'f':
      return { kind: 'fit' };
    case 'z':
      return { kind: 'zoomToSelection' };
    case 'Enter':
      return { kind: 'open' };
    case 'Escape':
      return { kind: 'clear' };
    case 'ArrowLeft':
      return { kind: 'move', dir: 'prev' };
    case 'ArrowRight':
      return { kind: 'move', dir: 'next' };
    case 'ArrowUp':
      return { kind: 'move', dir: 'up' };
    case 'ArrowDown':
      return { kind: 'move', dir: 'down' };
    case 'Home':
      return { kind: 'edge', to: 'start' };
    case 'End':
      return { kind: 'edge', to: 'end' };
    case 'PageUp':
      return { kind: 'page', dir: -1 };
    case 'PageDown':
      return { kind: 'page', dir: 1 };
    default:
      return null;
  }
}

/** Zoom speed of a held W/S: the span shrinks or grows by e^rate per second. */
export const HOLD_ZOOM_RATE = 2.2;
/** Pan speed of a held A/D, screens per second. */
export const HOLD_PAN_RATE = 0.9;

/** The motion of held keys over `dtMs`: a zoom factor and a pan in screen widths. */
export function heldMotion(held: ReadonlySet<string>, dtMs: number): { factor: number; panScreens: number } {
  const dt = Math.min(dtMs, 100) / 1000;
  let zoom = 0;
  if (held.has('w')) zoom -= 1;
  if (held.has('s')) zoom += 1;
  let pan = 0;
  if (held.has('a')) pan -= 1;
  if (held.has('d')) pan += 1;
  return { factor: Math.exp(zoom * HOLD_ZOOM_RATE * dt), panScreens: pan * HOLD_PAN_RATE * dt };
}
