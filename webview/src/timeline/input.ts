/**
 * Mouse, wheel and keyboard input of the timeline canvas. Wheel: vertical (or with Ctrl) zooms
 * around the mouse, horizontal (or with Shift) pans; over the label column the wheel scrolls the
 * tracks. Drag pans; dragging the label column's edge resizes it. Held W/S/A/D zoom and pan
 * smoothly until released.
 */
import { heldMotion, keyAction, type KeyAction } from './keyboard';

/** What the input layer drives. */
export interface InputHost {
  readonly canvas: HTMLCanvasElement;
  labelWidth(): number;
  /** Width of the time axis, px. */
  axisWidth(): number;
  zoomAtPx(x: number, factor: number): void;
  panPx(dx: number): void;
  /** Scroll the tracks vertically by dy px. */
  scrollBy(dy: number): void;
  /** x, y in canvas CSS px. */
  pointerMove(x: number, y: number, clientX: number, clientY: number): void;
  pointerLeave(): void;
  click(x: number, y: number): void;
  doubleClick(x: number, y: number): void;
  setLabelWidth(w: number): void;
  dragging(active: boolean): void;
  action(a: KeyAction): void;
}

/** Pixels a press may move and still be a click. */
const CLICK_SLOP = 3;
/** Pixels around the label column's edge that grab it. */
const EDGE_GRAB = 4;

function wheelPixels(e: WheelEvent, delta: number): number {
  if (e.deltaMode === WheelEvent.DOM_DELTA_LINE) return delta * 16;
  if (e.deltaMode === WheelEvent.DOM_DELTA_PAGE) return delta * 400;
  return delta;
}

/** Wire the input listeners; returns a function removing them. */
export function attachInput(host: InputHost): () => void {
  const c = host.canvas;
  const local = (e: MouseEvent): [number, number] => {
    const r = c.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  let lastX: number | null = null;
  let press: { x: number; y: number; lastX: number; lastY: number; moved: boolean; resize: boolean; id: number } | null = null;
  const held = new Set<string>();
  let frame = 0;
  let lastT = 0;

  const onWheel = (e: WheelEvent): void => {
    const [x] = local(e);
    const overLabels = x < host.labelWidth();
    if (overLabels && !e.ctrlKey) return; // let the track list scroll
    e.preventDefault();
    const dx = wheelPixels(e, e.deltaX);
    const dy = wheelPixels(e, e.deltaY);
    if (e.shiftKey && !e.ctrlKey) {
      host.panPx(dx || dy);
      return;
    }
    if (Math.abs(dx) > Math.abs(dy)) {
      host.panPx(dx);
      return;
    }
    if (dy !== 0) host.zoomAtPx(Math.max(x, host.labelWidth()), Math.exp(dy * (e.ctrlKey ? 0.01 : 0.0025)));
  };

  const onDown = (e: PointerEvent): void => {
    if (e.button !== 0) return;
    const [x, y] = local(e);
    const resize = Math.abs(x - host.labelWidth()) <= EDGE_GRAB;
    press = { x, y, lastX: x, lastY: y, moved: false, resize, id: e.pointerId };
    c.setPointerCapture(e.pointerId);
  };
  const onMove = (e: PointerEvent): void => {
    const [x, y] = local(e);
    lastX = x;
    if (press && press.id === e.pointerId) {
      if (!press.moved && Math.hypot(x - press.x, y - press.y) > CLICK_SLOP) {
        press.moved = true;
        if (!press.resize) host.dragging(true);
      }
      if (press.moved) {
        if (press.resize) host.setLabelWidth(x);
        else {
          host.panPx(press.lastX - x);
          host.scrollBy(press.lastY - y);
        }
        press.lastX = x;
        press.lastY = y;
      }
      return;
    }
    c.classList.toggle('resize-cursor', Math.abs(x - host.labelWidth()) <= EDGE_GRAB);
    host.pointerMove(x, y, e.clientX, e.clientY);
  };
  const onUp = (e: PointerEvent): void => {
    if (!press || press.id !== e.pointerId) return;
    const p = press;
    press = null;
    if (c.hasPointerCapture(e.pointerId)) c.releasePointerCapture(e.pointerId);
    if (p.moved) {
      if (!p.resize) host.dragging(false);
    } else if (!p.resize) {
      host.click(p.x, p.y);
    }
  };
  const onLeave = (): void => {
    lastX = null;
    if (!press) host.pointerLeave();
  };
  const onDbl = (e: MouseEvent): void => {
    const [x, y] = local(e);
    host.doubleClick(x, y);
  };

  const tick = (t: number): void => {
    frame = 0;
    if (held.size === 0) return;
    const m = heldMotion(held, lastT ? t - lastT : 16);
    lastT = t;
    const lw = host.labelWidth();
    const anchor = lastX !== null && lastX >= lw ? lastX : lw + host.axisWidth() / 2;
    if (m.factor !== 1) host.zoomAtPx(anchor, m.factor);
    if (m.panScreens !== 0) host.panPx(m.panScreens * host.axisWidth());
    frame = requestAnimationFrame(tick);
  };
  const onKeyDown = (e: KeyboardEvent): void => {
    const a = keyAction(e);
    if (!a) return;
    e.preventDefault();
    if (a.kind === 'hold') {
      if (!held.has(a.key)) {
        held.add(a.key);
        if (!frame) {
          lastT = 0;
          frame = requestAnimationFrame(tick);
        }
      }
      return;
    }
    host.action(a);
  };
  const onKeyUp = (e: KeyboardEvent): void => {
    held.delete(e.key.toLowerCase());
  };
  const onBlur = (): void => held.clear();

  c.addEventListener('wheel', onWheel, { passive: false });
  c.addEventListener('pointerdown', onDown);
  c.addEventListener('pointermove', onMove);
  c.addEventListener('pointerup', onUp);
  c.addEventListener('pointercancel', onUp);
  c.addEventListener('pointerleave', onLeave);
  c.addEventListener('dblclick', onDbl);
  c.addEventListener('keydown', onKeyDown);
  c.addEventListener('keyup', onKeyUp);
  c.addEventListener('blur', onBlur);
  return () => {
    if (frame) cancelAnimationFrame(frame);
    c.removeEventListener('wheel', onWheel);
    c.removeEventListener('pointerdown', onDown);
    c.removeEventListener('pointermove', onMove);
    c.removeEventListener('pointerup', onUp);
    c.removeEventListener('pointercancel', onUp);
    c.removeEventListener('pointerleave', onLeave);
    c.removeEventListener('dblclick', onDbl);
    c.removeEventListener('keydown', onKeyDown);
    c.removeEventListener('keyup', onKeyUp);
    c.removeEventListener('blur', onBlur);
  };
}
