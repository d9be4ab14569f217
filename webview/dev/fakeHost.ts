/**
 * The benchmark harness's stand-in for the extension host (not shipped): defines
 * `acquireVsCodeApi()` and answers the webview's messages from a synthetic trace, the way the real
 * host does (replies posted to the window, so they arrive structured-cloned as VS Code's do).
 *
 * Query parameters: `events` (default 1000000), `live=1` (the trace grows with wall time),
 * `names=0` (omit the proposed span names), `empty=1` (a live recording without events yet),
 * `maxdensity=1` (every window reply holds the most the contract allows: two spans per resolution
 * step on every lane of every track, all narrower than a pixel), `maxdensity=2` (5 spans per 4
 * resolution steps on every lane: runs of narrow spans between spans 1.5 steps long, so that
 * merging cannot reduce them to a few blocks — the worst case for rasterizing).
 * The webview's saved state lives in sessionStorage, so a reload restores it as VS Code would.
 */
import { ns, type EventDetails, type FromWebview, type Histogram, type Rate, type ToWebview, type TraceSummary, type WindowData } from '../../protocol/messages';
import './benchDriver';
import { queryWindow } from './fakeWindow';
import { makeTrace, type SynthTrace } from './syntheticTrace';

const params = new URLSearchParams(location.search);
const events = Number(params.get('events') ?? 1_000_000);
const live = params.get('live') === '1';
const withNames = params.get('names') !== '0';
const empty = params.get('empty') === '1';
const maxDensity = Number(params.get('maxdensity') ?? 0);

/** A window reply as dense as the contract allows on every lane (see `maxdensity`). */
function densest(start: number, end: number, res: number, mixed: boolean): WindowData {
  // Pattern of (length, step) in resolution units, repeated.
  const pattern: [number, number][] = mixed ? [[0.25, 0.5], [0.25, 0.5], [0.25, 0.5], [0.25, 0.5], [1.5, 2]] : [[0.25, 0.5]];
  const perPattern = pattern.reduce((a, p) => a + p[1], 0);
  const spans = trace.tracks.map((t) => {
    const per = Math.floor((end - start) / res / perPattern) * pattern.length;
    const n = per * t.info.lanes;
    const times = new Float64Array(2 * n);
    const lanes = new Uint8Array(n);
    const styles = new Uint8Array(n);
    let k = 0;
    for (let lane = 0; lane < t.info.lanes; lane++) {
      let s0 = start;
      for (let i = 0; i < per; i++, k++) {
        const [len, step] = pattern[i % pattern.length];
        times[2 * k] = s0;
        times[2 * k + 1] = s0 + len * res;
        s0 += step * res;
        lanes[k] = lane;
        styles[k] = 1 + ((i >> 4) % 6);
      }
    }
    return { track: t.info.id, times, styles, counts: new Uint32Array(n).fill(3), ids: Uint32Array.from({ length: n }, (_, i) => i % trace.events), lanes };
  });
  return { start: ns(start), end: ns(end), resolution: ns(res), spans, instants: [], arrows: [], gaps: [] };
}
const t0 = performance.now();
const trace = makeTrace(events);
const buildMs = performance.now() - t0;
const startedAt = performance.now();
const WALL_START = Date.UTC(2026, 10, 28, 14, 3, 27, 123) + 0.456;

/** Timings the harness reads. */
export interface HostStats {
  buildMs: number;
  events: number;
  windows: number;
  lastWindowMs: number;
  lastWindowSpans: number;
  received: FromWebview[];
}
const stats: HostStats = { buildMs, events: trace.events, windows: 0, lastWindowMs: 0, lastWindowSpans: 0, received: [] };

declare global {
  interface Window {
    __fakeHost?: { stats: HostStats; post(m: ToWebview): void; trace: SynthTrace };
    __setTheme?: (theme: 'light' | 'dark' | 'high-contrast') => void;
  }
}

function post(m: ToWebview): void {
  window.postMessage(m, '*');
}

function duration(): number {
  if (!live) return trace.duration;
  return Math.min(trace.duration, 4e9 + (performance.now() - startedAt) * 1e6);
}

function summary(): TraceSummary {
  if (empty) {
    return { title: 'server (pid 4242) · attached', duration: ns((performance.now() - startedAt) * 1e6), live: true, paused: false, tracks: [], events: 0, dropped: 0, wallClockStartMs: WALL_START, note: 'eBPF backend' };
  }
  const d = duration();
  return {
    title: live ? 'server (pid 4242) · attached' : 'server-2026-11-28.iolens',
    duration: ns(d),
    live,
    paused: false,
    tracks: trace.tracks.map((t) => t.info),
    events: Math.round((trace.events * d) / trace.duration),
    dropped: 18271,
    wallClockStartMs: WALL_START,
    note: 'eBPF backend · kernel 6.12.48 · synthetic trace for the rendering benchmark',
  };
}

function details(id: number): EventDetails | null {
  if (id >= trace.events) return null;
  const ti = trace.whereTrack[id];
  const t = trace.tracks[ti];
  const w = trace.where[id];
  const instant = (w & 0x80000000) !== 0;
  const i = w & 0x7fffffff;
  const name = trace.names[instant ? t.instName[i] : t.name[i]];
  const start = instant ? t.instTime[i] : t.start[i];
  const end = instant ? null : t.end[i];
  const fd = 3 + (id % 9);
  const path = ['/var/lib/db/data.bin', 'socket:[88213]', 'anon_inode:[eventfd]', '/dev/uio0', 'pipe:[77120]'][id % 5];
  const fields = [
    { label: 'fd', value: `${fd} → ${path}` },
    { label: 'Result', value: id % 17 === 0 ? '-1 EAGAIN' : String((id * 37) % 4096) },
    { label: 'CPU', value: String(id % 8) },
  ];
  const frame = (index: number, fn: string, file: string | null, line: number | null, module: string, openable: boolean, inlined = false, problem: string | null = null) => ({
    index, addr: `0x${(0x5581a2c01000 + index * 0x1f3 + (id % 97) * 16).toString(16)}`, function: fn, file, line, column: line ? 9 : null, module, inlined, openable, problem,
  });
  const stack = [
    frame(0, name, null, null, '/usr/lib/x86_64-linux-gnu/libc.so.6', false, false, 'libc.so.6 has no debug information (install libc6-dbg)'),
    frame(1, 'conn_read', '/home/dev/server/src/conn.c', 212, '/home/dev/server/build/server', true, true),
    frame(2, 'handle_client', '/home/dev/server/src/conn.c', 348, '/home/dev/server/build/server', true),
    frame(3, 'event_loop', '/home/dev/server/src/loop.c', 97, '/home/dev/server/build/server', true),
    frame(4, 'main', '/home/dev/server/src/main.c', 41, '/home/dev/server/build/server', true),
  ];
  return {
    id, kind: instant ? 'signal' : 'syscall', name,
    title: instant ? name : `${name}(${fd}, …) = ${fields[1].value}`,
    pid: t.info.pid, tid: t.info.tid, thread: t.info.label,
    start: ns(start), end: end === null ? null : ns(end), track: t.info.id,
    fields, stack: instant ? stack.slice(2) : stack, callSite: instant ? null : `conn.c:212#${id % 3}`,
  };
}

function histogram(id: number, scope: 'kind' | 'site'): Histogram {
  const d = details(id);
  const bounds = Array.from({ length: 22 }, (_, k) => 512 * 2 ** k);
  bounds.push(Infinity);
  const counts = new Array<number>(bounds.length).fill(0);
  let total = 0;
  if (d && d.end !== null) {
    const nameId = trace.names.indexOf(d.name);
    for (const t of trace.tracks) {
      for (let i = 0; i < t.id.length; i++) {
        if (t.name[i] !== nameId || (scope === 'site' && t.id[i] % 3 !== id % 3)) continue;
        const len = t.end[i] - t.start[i];
        let b = 0;
        while (b < bounds.length - 1 && len > bounds[b]) b++;
        counts[b]++;
        total++;
      }
    }
  }
  return { title: `${d?.name ?? '?'}${scope === 'site' ? ' at conn.c:212' : ''}`, bounds, counts, total };
}

function rate(): Rate {
  const d = duration();
  const bins = 200;
  const binNs = Math.max(1, Math.ceil(d / bins));
  const counts = new Array<number>(bins).fill(0);
  for (const t of trace.tracks) {
    for (let i = 0; i < t.start.length; i++) if (t.start[i] < d) counts[Math.min(bins - 1, Math.floor(t.start[i] / binNs))]++;
    for (let i = 0; i < t.instTime.length; i++) if (t.instTime[i] < d) counts[Math.min(bins - 1, Math.floor(t.instTime[i] / binNs))]++;
  }
  return { binNs, starts: counts.map((_, k) => k * binNs), counts };
}

function receive(m: FromWebview): void {
  stats.received.push(m.type === 'window' ? { ...m } : m);
  if (stats.received.length > 200) stats.received.shift();
  switch (m.type) {
    case 'ready':
      post({ type: 'summary', summary: summary() });
      if (live || empty) setInterval(() => post({ type: 'summary', summary: summary() }), 300);
      break;
    case 'window': {
      const a = performance.now();
      const data = empty ? { start: m.start, end: m.end, resolution: m.resolution, spans: [], instants: [], arrows: [], gaps: [] } : maxDensity ? densest(m.start, m.end, m.resolution, maxDensity === 2) : queryWindow(trace, m.start, Math.min(m.end, duration()), m.resolution, withNames);
      stats.lastWindowMs = performance.now() - a;
      stats.lastWindowSpans = data.spans.reduce((n, s) => n + s.ids.length, 0);
      stats.windows++;
      post({ type: 'window', id: m.id, data: { ...data, end: m.end } });
      break;
    }
    case 'details':
      post({ type: 'details', id: m.id, details: details(m.eventId) });
      break;
    case 'histogram':
      post({ type: 'histogram', id: m.id, histogram: histogram(m.eventId, m.scope) });
      break;
    case 'rate':
      post({ type: 'rate', id: m.id, rate: empty ? { binNs: 1e9, starts: [], counts: [] } : rate() });
      break;
    case 'openFrame':
    case 'select':
    case 'pause':
    case 'stop':
      break;
    default: {
      const never: never = m;
      void never;
    }
  }
}

window.acquireVsCodeApi = () => ({
  postMessage: (m: FromWebview) => setTimeout(() => receive(m), 0),
  getState: (): unknown => {
    const s = sessionStorage.getItem('iolens-state');
    return s ? (JSON.parse(s) as unknown) : undefined;
  },
  setState: (s: unknown) => sessionStorage.setItem('iolens-state', JSON.stringify(s)),
});
window.__fakeHost = { stats, post, trace };
window.__IOLENS_BENCH__ = true;
/** Switch the harness between VS Code's Dark Modern and Light Modern themes. */
window.__setTheme = (theme: 'light' | 'dark' | 'high-contrast'): void => {
  document.documentElement.className = `theme-${theme}`;
  document.body.className = `vscode-${theme}`;
};
