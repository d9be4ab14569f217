/**
 * The in-page part of the rendering benchmark (not shipped): for each zoom level, shows it, waits
 * for its window, then times pan frames and zoom frames with performance.now() around the draw
 * call (as recorded, and with the canvas forced to rasterize).
 */
import type { BenchHooks } from '../src/main';

/** Median, 95th percentile and maximum of frame times, ms. */
export interface FrameStats {
  readonly median: number;
  readonly p95: number;
  readonly max: number;
  readonly n: number;
}

/** One zoom level's results. */
export interface LevelResult {
  readonly label: string;
  readonly spanNs: number;
  readonly resolution: number;
  readonly spansInWindow: number;
  readonly pan: FrameStats;
  readonly zoom: FrameStats;
  readonly panFlushed: FrameStats;
  readonly zoomFlushed: FrameStats;
}

declare global {
  interface Window {
    __runBench?: (levels: { label: string; span: number; center: number }[], frames: number) => Promise<LevelResult[]>;
    __settle?: () => Promise<void>;
  }
}

function hooks(): BenchHooks {
  const h = window.__iolensBench;
  if (!h) throw new Error('bench hooks missing');
  return h;
}

function stats(xs: number[]): FrameStats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1], n: s.length };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));

/** Wait until no window request is out or needed, then one more frame. */
async function settle(): Promise<void> {
  const t0 = performance.now();
  await sleep(60);
  while (!hooks().idle()) {
    if (performance.now() - t0 > 20_000) throw new Error('window never arrived');
    await sleep(20);
  }
  await frame();
  await frame();
}

/**
 * Time `frames` frames. Unflushed frames run one per animation frame, as a real pan or zoom does
 * (the browser rasterizes and presents between them, outside the timed call); flushed frames force
 * the rasterization inside the timed call, so they measure the whole cost of a frame.
 */
async function timeFrames(frames: number, move: (i: number) => void, flushed: boolean): Promise<number[]> {
  const h = hooks();
  const out: number[] = [];
  for (let i = 0; i < frames; i++) {
    if (!flushed) await frame();
    move(i);
    out.push(flushed ? h.drawFlushed() : h.draw());
  }
  return out;
}

async function level(l: { label: string; span: number; center: number }, frames: number): Promise<LevelResult> {
  const h = hooks();
  const s0 = l.center - l.span / 2;
  h.setViewport(s0, s0 + l.span);
  await settle();
  const info = h.info();
  // Pan: a zigzag of 2% steps (within the cached, padded window).
  const pan = (i: number): void => {
    const k = i % 20;
    const off = (k < 10 ? k : 20 - k) * 0.02 * l.span;
    h.setViewport(s0 + off, s0 + off + l.span);
  };
  // Zoom: in and out by 3% steps around the centre.
  const zoom = (i: number): void => {
    const k = i % 20;
    const f = Math.pow(0.97, k < 10 ? k : 20 - k);
    h.setViewport(l.center - (l.span * f) / 2, l.center + (l.span * f) / 2);
  };
  await timeFrames(10, pan, true); // warm-up
  const panTimes = await timeFrames(frames, pan, false);
  const zoomTimes = await timeFrames(frames, zoom, false);
  const panFlushed = await timeFrames(frames, pan, true);
  const zoomFlushed = await timeFrames(frames, zoom, true);
  h.setViewport(s0, s0 + l.span);
  return {
    label: l.label,
    spanNs: l.span,
    resolution: info.resolution,
    spansInWindow: info.spans,
    pan: stats(panTimes),
    zoom: stats(zoomTimes),
    panFlushed: stats(panFlushed),
    zoomFlushed: stats(zoomFlushed),
  };
}

window.__settle = settle;
window.__runBench = async (levels, frames) => {
  const out: LevelResult[] = [];
  for (const l of levels) out.push(await level(l, frames));
  return out;
};
