/**
 * Entry point of the timeline webview (bundled to dist/webview/main.js, with main.css): starts the
 * application on #app. A benchmark harness may set `window.__IOLENS_BENCH__` before this script to
 * get drawing hooks (never set inside VS Code).
 */
import './main.css';
import { App } from './app';
import { ns } from '../../protocol/messages';
import { vscodeApi } from './vscodeApi';

/** Hooks for the rendering benchmark (bench/render.ts). */
export interface BenchHooks {
  /** Draw a frame now; returns its duration, ms (recording the canvas commands). */
  draw(): number;
  /** Draw a frame and read one pixel back, which forces the canvas to rasterize; ms. */
  drawFlushed(): number;
  /** Show [start, end] (ns) without drawing. */
  setViewport(start: number, end: number): void;
  /** No window request is out or needed. */
  idle(): boolean;
  /** Viewport, and the cached window's range and resolution. */
  info(): { start: number; end: number; windowStart: number; windowEnd: number; resolution: number; spans: number };
  /** Time of each layer of the last frame, ms. */
  phases(): Record<string, number>;
  /** Time of the last draw if one happened since the previous call, else -1, ms. */
  lastDrawMs(): number;
  /** Make `phases` include rasterization (slower frames). */
  flushPhases(on: boolean): void;
  /** Keep the label column as a bitmap (the default) or draw it every frame. */
  cacheLabels(on: boolean): void;
  /** Select an event by id (for screenshots). */
  select(id: number, track: number, start: number, end: number): void;
  /** Canvas point of the widest block of a track in the last frame. */
  widest(track: number): { x: number; y: number } | null;
  /** Put the mouse at canvas point (x, y) (for tooltip screenshots). */
  hover(x: number, y: number): void;
}

declare global {
  interface Window {
    __IOLENS_BENCH__?: boolean;
    __iolensBench?: BenchHooks;
  }
}

function start(): void {
  const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
  const app = new App(root, vscodeApi());
  window.addEventListener('unload', () => app.dispose());
  if (window.__IOLENS_BENCH__) {
    let seenDraws = 0;
    window.__iolensBench = {
      draw: () => app.view.draw(),
      drawFlushed: () => {
        const t0 = performance.now();
        app.view.draw();
        app.view.canvas.getContext('2d')?.getImageData(0, 0, 1, 1);
        return performance.now() - t0;
      },
      setViewport: (s, e) => app.model.show({ start: ns(s), end: ns(e) }),
      idle: () => !app.fetcher.busy && !app.fetcher.needed(),
      info: () => {
        const v = app.model.viewport;
        const e = app.fetcher.current();
        let spans = 0;
        for (const s of e?.data.spans ?? []) spans += s.ids.length;
        return { start: v.start, end: v.end, windowStart: e?.start ?? 0, windowEnd: e?.end ?? 0, resolution: e?.data.resolution ?? 0, spans };
      },
      phases: () => ({ ...app.view.phases }),
      lastDrawMs: () => {
        const n = app.view.drawCount;
        const fresh = n !== seenDraws;
        seenDraws = n;
        return fresh ? app.view.lastDrawMs : -1;
      },
      flushPhases: (on) => {
        app.view.flushPhases = on;
      },
      cacheLabels: (on) => {
        app.view.cacheLabels = on;
      },
      select: (id, track, s, e) => app.select({ id, track, start: s, end: e }),
      widest: (track) => app.view.widestBlock(track),
      hover: (x, y) => {
        const r = app.view.canvas.getBoundingClientRect();
        app.view.pointerMove(x, y, r.left + x, r.top + y);
      },
    };
  }
}

start();
