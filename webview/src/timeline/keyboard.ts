/**
 * Keys of the timeline (Perfetto's W/S zoom and A/D pan, held for a smooth motion; arrows move the
 * selection; F fits all, Z zooms to the selection, Enter opens the source, Escape clears; N and M
 * go to the next event of the same kind or call site; / filters, H and P hide and pin tracks, ?
 * shows them all), the help that lists them (one owner for both), and the motion of held keys.
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
  | { readonly kind: 'page'; readonly dir: 1 | -1 }
  | { readonly kind: 'occurrence'; readonly dir: 1 | -1; readonly scope: 'kind' | 'site' }
  | { readonly kind: 'filter' }
  | { readonly kind: 'help' }
  | { readonly kind: 'hideTrack' }
  | { readonly kind: 'pinTrack' }
  | { readonly kind: 'showHidden' };

/** One line of the keyboard help. */
export interface KeyHelp {
  readonly keys: readonly string[];
  readonly what: string;
}

/** The keys of the timeline, by topic, as the `?` help lists them. */
export const KEY_HELP: readonly { readonly topic: string; readonly keys: readonly KeyHelp[] }[] = [
  {
    topic: 'Move around',
    keys: [
      { keys: ['W', 'S'], what: 'zoom in and out (hold for a smooth zoom); also the wheel, or + and -' },
      { keys: ['A', 'D'], what: 'pan left and right (hold); also drag, or Shift+wheel' },
      { keys: ['F'], what: 'fit the whole trace' },
      { keys: ['Home', 'End'], what: 'the start and the end of the trace' },
      { keys: ['PageUp', 'PageDown'], what: 'scroll the tracks' },
    ],
  },
  {
    topic: 'Select',
    keys: [
      { keys: ['←', '→'], what: 'the previous and next event of the track' },
      { keys: ['↑', '↓'], what: 'the nearest event of the track above or below' },
      { keys: ['N', 'Shift+N'], what: 'the next and previous event of the same kind, on any track (also F3, Shift+F3)' },
      { keys: ['M', 'Shift+M'], what: 'the next and previous event from the same call site (also Alt+F3, Shift+Alt+F3)' },
      { keys: ['Z'], what: 'zoom to the selection (or double-click an event)' },
      { keys: ['Enter'], what: 'open the source of the selection' },
      { keys: ['Esc'], what: 'clear the selection' },
    ],
  },
  {
    topic: 'Filter and tracks',
    keys: [
      { keys: ['/', 'Ctrl+F'], what: 'filter: a name, fd:3, path:/dev/uio0, thread:worker, >5ms (all must match)' },
      { keys: ['H'], what: "hide the selection's track (or its label's hide button)" },
      { keys: ['Shift+H'], what: 'show the hidden tracks again' },
      { keys: ['P'], what: "pin the selection's track to the top, or unpin it" },
      { keys: ['?'], what: 'show or hide these keys' },
    ],
  },
];

/** The modifier and key of a keyboard event. */
export interface KeyLike {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

/** The action of a key press, or null for keys the timeline leaves alone. */
export function keyAction(e: KeyLike): KeyAction | null {
  // Ctrl+F and other shortcuts with modifiers are VS Code's: the extension contributes Ctrl+F
  // (iolens.filter) for a focused timeline, which reaches the webview as an action
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  // shifted letters and symbols first (a letter's lower case is the same key without Shift)
  switch (e.key) {
    case '?':
      return { kind: 'help' };
    case '/':
      return { kind: 'filter' };
    case 'N':
      return { kind: 'occurrence', dir: -1, scope: 'kind' };
    case 'M':
      return { kind: 'occurrence', dir: -1, scope: 'site' };
    case 'H':
      return { kind: 'showHidden' };
  }
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  switch (k) {
    case 'n':
      return { kind: 'occurrence', dir: 1, scope: 'kind' };
    case 'm':
      return { kind: 'occurrence', dir: 1, scope: 'site' };
    case 'h':
      return { kind: 'hideTrack' };
    case 'p':
      return { kind: 'pinTrack' };
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
