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

/** What the page did while an interaction was recorded. */
export interface InteractionStats {
  /** Animation frames seen. */
  readonly frames: number;
  /** Time between animation frames, ms: 16.7 when every frame made it at 60 Hz. */
  readonly interval: { readonly median: number; readonly p95: number; readonly max: number };
  /** Frames longer than 50 ms (Long Animation Frames API), with the scripts that ran in them. */
  readonly longFrames: readonly { readonly duration: number; readonly blocking: number; readonly scripts: readonly string[] }[];
  /** Draw calls of the timeline and their time, ms. */
  readonly draws: { readonly n: number; readonly p95: number; readonly max: number };
}

declare global {
  interface Window {
    __runBench?: (levels: { label: string; span: number; center: number }[], frames: number) => Promise<LevelResult[]>;
    __settle?: () => Promise<void>;
    /** Start recording frames and long frames; `__stopRecording` returns what was seen. */
    __startRecording?: () => void;
    __stopRecording?: () => InteractionStats;
    /** Device pixels of the timeline that differ between the label column drawn and copied from its cache (0: the same picture). */
    __labelCacheDiff?: () => number;
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
window.__labelCacheDiff = () => {
  const h = hooks();
  const canvas = document.querySelector('canvas.timeline-canvas');
  if (!(canvas instanceof HTMLCanvasElement)) throw new Error('no timeline canvas');
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D context on the timeline canvas');
  const read = (): Uint8ClampedArray => ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  h.cacheLabels(false);
  h.draw();
  const direct = read();
  h.cacheLabels(true);
  h.draw(); // drawn into the cache
  h.draw(); // copied from it
  const cached = read();
  let differ = 0;
  for (let i = 0; i < direct.length; i += 4) {
    if (direct[i] !== cached[i] || direct[i + 1] !== cached[i + 1] || direct[i + 2] !== cached[i + 2]) differ++;
  }
  return differ;
};
window.__runBench = async (levels, frames) => {
  const out: LevelResult[] = [];
  for (const l of levels) out.push(await level(l, frames));
  return out;
};

interface LoafScript {
  readonly invoker?: string;
  readonly sourceFunctionName?: string;
  readonly sourceURL?: string;
  readonly duration: number;
}

let recording: { intervals: number[]; last: number; frame: number; long: InteractionStats['longFrames'][number][]; observer: PerformanceObserver | null; draws: number[]; drawOf: () => number } | null = null;

window.__startRecording = () => {
  const h = hooks();
  const r: NonNullable<typeof recording> = { intervals: [], last: 0, frame: 0, long: [], observer: null, draws: [], drawOf: () => h.lastDrawMs() };
  const tick = (t: number): void => {
    if (recording !== r) return;
    if (r.last) r.intervals.push(t - r.last);
    r.last = t;
    const d = r.drawOf();
    if (d >= 0) r.draws.push(d);
    r.frame = requestAnimationFrame(tick);
  };
  r.frame = requestAnimationFrame(tick);
  try {
    r.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const loaf = e as PerformanceEntry & { blockingDuration?: number; scripts?: readonly LoafScript[] };
        r.long.push({
          duration: Math.round(e.duration),
          blocking: Math.round(loaf.blockingDuration ?? 0),
          scripts: (loaf.scripts ?? []).map((s) => `${s.invoker ?? '?'} ${s.sourceFunctionName ?? ''} ${Math.round(s.duration)} ms`),
        });
      }
    });
    r.observer.observe({ type: 'long-animation-frame', buffered: false });
  } catch {
    r.observer = null; // no Long Animation Frames API: intervals only
  }
  recording = r;
};

window.__stopRecording = () => {
  const r = recording;
  recording = null;
  if (!r) throw new Error('not recording');
  cancelAnimationFrame(r.frame);
  r.observer?.disconnect();
  const s = stats(r.intervals.length ? r.intervals : [0]);
  const d = stats(r.draws.length ? r.draws : [0]);
  return { frames: r.intervals.length, interval: { median: s.median, p95: s.p95, max: s.max }, longFrames: r.long, draws: { n: r.draws.length, p95: d.p95, max: d.max } };
};
