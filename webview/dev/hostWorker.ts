/**
 * The benchmark harness's extension host (not shipped), in a Web Worker so that, as in VS Code, the
 * host's work does not run on the webview's thread and every reply crosses a structured clone. It
 * holds a synthetic trace in the host's own columnar store (core/store/traceStore.ts) and answers
 * window requests with the host's own query (core/store/window.ts); details, histograms and the
 * rate come from the same store (their real versions need the native symbolizer).
 *
 * Query parameters (the page's, passed on): `events` (default 1000000), `live=1` (the trace grows
 * with wall time), `names=0` (omit the span names), `empty=1` (a live recording without events
 * yet), `maxdensity=1` (every window reply holds the most the contract allows: two spans per
 * resolution step on every lane of every track, all narrower than a pixel), `maxdensity=2` (5
 * spans per 4 resolution steps on every lane: runs of narrow spans between spans 1.5 steps long, so
 * that merging cannot reduce them to a few blocks — the worst case for rasterizing).
 */
import { ns, type ChainLink, type EventDetails, type FromWebview, type Histogram, type Rate, type ToWebview, type TraceSummary, type WindowData } from '../../protocol/messages';
import { formatDuration } from '../../shared/format';
import { TraceStore } from '../../extension/src/core/store/traceStore';
import { compileFilter, findOccurrence, summarizeFilter } from '../../extension/src/core/store/filter';
import { queryWindow } from '../../extension/src/core/store/window';
import { makeTrace, PATHS, THREAD_NAMES } from './syntheticTrace';

/** What the worker tells the page besides the host's messages. */
export interface HostStats {
  readonly type: '__stats';
  buildMs: number;
  events: number;
  windows: number;
  lastWindowMs: number;
  lastWindowSpans: number;
}

const params = new URLSearchParams(self.location.search);
const events = Number(params.get('events') ?? 1_000_000);
const live = params.get('live') === '1';
const withNames = params.get('names') !== '0';
const empty = params.get('empty') === '1';
const maxDensity = Number(params.get('maxdensity') ?? 0);
const WALL_START = Date.UTC(2026, 10, 28, 14, 3, 27, 123) + 0.456;

const t0 = performance.now();
const store = new TraceStore((_pid, tid) => THREAD_NAMES.get(tid) ?? '?');
makeTrace((e) => store.add(e), events);
const stats: HostStats = { type: '__stats', buildMs: performance.now() - t0, events: store.size, windows: 0, lastWindowMs: 0, lastWindowSpans: 0 };
const startedAt = performance.now();

function post(m: ToWebview | HostStats): void {
  self.postMessage(m);
}

/** End of what is known: the whole trace, or (live) what wall time has revealed of it. */
function duration(): number {
  if (!live) return store.duration;
  return Math.min(store.duration, 4e9 + (performance.now() - startedAt) * 1e6);
}

function summary(): TraceSummary {
  if (empty) {
    return { title: 'server (pid 4242) · attached', duration: ns((performance.now() - startedAt) * 1e6), live: true, paused: false, loading: null, problem: null, tracks: [], events: 0, dropped: 0, wallClockStartMs: WALL_START, note: 'eBPF backend' };
  }
  const d = duration();
  return {
    title: live ? 'server (pid 4242) · attached' : 'server-2026-11-28.iolens',
    duration: ns(d),
    live,
    paused: false,
    loading: null,
    problem: null,
    tracks: store.trackInfos(),
    events: Math.round((store.size * d) / store.duration),
    dropped: store.dropped,
    wallClockStartMs: WALL_START,
    note: 'eBPF backend · kernel 6.12.48 · synthetic trace for the rendering benchmark',
  };
}

/** A window reply as dense as the contract allows on every lane (see `maxdensity`). */
function densest(start: number, end: number, res: number, mixed: boolean): WindowData {
  // Pattern of (length, step) in resolution units, repeated.
  const pattern: [number, number][] = mixed ? [[0.25, 0.5], [0.25, 0.5], [0.25, 0.5], [0.25, 0.5], [1.5, 2]] : [[0.25, 0.5]];
  const perPattern = pattern.reduce((a, p) => a + p[1], 0);
  const spans = store.tracks.all().map((t) => {
    const per = Math.floor((end - start) / res / perPattern) * pattern.length;
    const n = per * t.lanes;
    const times = new Float64Array(2 * n);
    const lanes = new Uint8Array(n);
    const styles = new Uint8Array(n);
    let k = 0;
    for (let lane = 0; lane < t.lanes; lane++) {
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
    return { track: t.id, times, styles, counts: new Uint32Array(n).fill(3), ids: Uint32Array.from({ length: n }, (_, i) => i % store.size), lanes };
  });
  return { start: ns(start), end: ns(end), resolution: ns(res), spans, instants: [], arrows: [], gaps: [] };
}

function answerWindow(start: number, end: number, res: number, filter: string): WindowData {
  if (empty) return { start: ns(start), end: ns(end), resolution: ns(res), spans: [], instants: [], arrows: [], gaps: [] };
  if (maxDensity) return densest(start, end, res, maxDensity === 2);
  const data = queryWindow(store, ns(start), ns(Math.min(end, duration())), ns(res), compileFilter(store, filter));
  return { ...(withNames ? data : { ...data, names: undefined }), end: ns(end) };
}

function details(id: number): EventDetails | null {
  const e = store.get(id);
  if (!e) return null;
  const instant = e.end === null;
  const fd = typeof e.args.fd === 'number' ? e.args.fd : 3 + (id % 9);
  const path = typeof e.args.path === 'string' ? e.args.path : PATHS[id % 5];
  const fields = [
    { label: 'fd', value: `${fd} → ${path}` },
    { label: 'Result', value: e.value < 0 ? `-1 EAGAIN` : String(e.value) },
    { label: 'CPU', value: String(id % 8) },
  ];
  const frame = (index: number, fn: string, file: string | null, line: number | null, module: string, openable: boolean, inlined = false, problem: string | null = null) => ({
    index, addr: `0x${(0x5581a2c01000 + index * 0x1f3 + (id % 97) * 16).toString(16)}`, function: fn, file, line, column: line ? 9 : null, module, inlined, openable, problem,
  });
  const stack = [
    frame(0, e.name, null, null, '/usr/lib/x86_64-linux-gnu/libc.so.6', false, false, 'libc.so.6 has no debug information (install libc6-dbg)'),
    frame(1, 'conn_read', '/home/dev/server/src/conn.c', 212, '/home/dev/server/build/server', true, true),
    frame(2, 'handle_client', '/home/dev/server/src/conn.c', 348, '/home/dev/server/build/server', true),
    frame(3, 'event_loop', '/home/dev/server/src/loop.c', 97, '/home/dev/server/build/server', true),
    frame(4, 'main', '/home/dev/server/src/main.c', 41, '/home/dev/server/build/server', true),
  ];
  return {
    id, kind: e.kind, name: e.name,
    title: instant ? e.name : `${e.name}(${fd}, …) = ${fields[1].value}`,
    pid: e.pid, tid: e.tid, thread: store.tracks.info(e.track)?.label ?? '?',
    start: ns(e.start), end: e.end === null ? null : ns(e.end), track: e.track,
    fields, stack: instant ? stack.slice(2) : stack, stackEnd: null, callSite: instant ? null : `src/conn.c:212#${id % 3}`,
    chain: instant ? [] : fakeChain(id, e.track, e.start, e.end ?? e.start, fd, path),
  };
}

/** A wake-up chain for a call: woken by the next thread's write, itself woken by a third thread. */
function fakeChain(id: number, track: number, start: number, end: number, fd: number, path: string): ChainLink[] {
  const n = store.tracks.size;
  if (n < 3) return [];
  const waker = (track + 1) % n;
  const second = (track + 2) % n;
  const dur = end - start;
  return [
    { event: id, track, start: ns(start), end: ns(end), text: `read fd ${fd} ${path} (${formatDuration(dur)}) at conn.c:212 (conn_read): woken by worker-${waker} ${waker} from write at pool.c:42`, fromTrack: waker, fromTime: ns(end) },
    { event: -1, track: waker, start: ns(start + dur / 4), end: ns(end), text: `← worker-${waker} ${waker} futex (${formatDuration((3 * dur) / 4)}) at pool.c:30 (take_job): woken by loader ${second} from futex`, fromTrack: second, fromTime: ns(start + dur / 4) },
  ];
}

function histogram(id: number, scope: 'kind' | 'site'): Histogram {
  const bounds = Array.from({ length: 22 }, (_, k) => 512 * 2 ** k);
  bounds.push(Infinity);
  const counts = new Array<number>(bounds.length).fill(0);
  let total = 0;
  const name = store.name.get(id);
  const names = store.name.view();
  for (let i = 0; i < names.length; i++) {
    const len = store.end.span(i);
    if (names[i] !== name || Number.isNaN(len) || (scope === 'site' && i % 3 !== id % 3)) continue;
    let b = 0;
    while (b < bounds.length - 1 && len > bounds[b]) b++;
    counts[b]++;
    total++;
  }
  return { title: `${store.names.get(name)}${scope === 'site' ? ' at src/conn.c:212' : ''}`, bounds, counts, total };
}

function rate(): Rate {
  if (empty) return { binNs: 1e9, starts: [], counts: [] };
  const d = duration();
  const bins = 200;
  const binNs = Math.max(1, Math.ceil(d / bins));
  const counts = new Array<number>(bins).fill(0);
  const start = store.start;
  for (let i = 0; i < start.length; i++) {
    const t = start.get(i);
    if (t < d) counts[Math.min(bins - 1, Math.floor(t / binNs))]++;
  }
  return { binNs, starts: counts.map((_, k) => k * binNs), counts };
}

function receive(m: FromWebview): void {
  switch (m.type) {
    case 'ready':
      post({ type: 'summary', summary: summary() });
      if (live || empty) setInterval(() => post({ type: 'summary', summary: summary() }), 300);
      break;
    case 'window': {
      const a = performance.now();
      const data = answerWindow(m.start, m.end, m.resolution, m.filter ?? '');
      stats.lastWindowMs = performance.now() - a;
      stats.lastWindowSpans = data.spans.reduce((n, s) => n + s.ids.length, 0);
      stats.windows++;
      post({ type: 'window', id: m.id, data });
      post(stats);
      break;
    }
    case 'details':
      post({ type: 'details', id: m.id, details: details(m.eventId) });
      break;
    case 'histogram':
      post({ type: 'histogram', id: m.id, histogram: histogram(m.eventId, m.scope) });
      break;
    case 'rate':
      post({ type: 'rate', id: m.id, rate: rate() });
      break;
    case 'filter': {
      const f = compileFilter(store, m.filter);
      post({ type: 'filter', id: m.id, ...(f ? summarizeFilter(store, f) : { tracks: store.tracks.all().map((t) => t.id), events: store.size }) });
      break;
    }
    case 'find':
      post({ type: 'find', id: m.id, ref: findOccurrence(store, { of: (id) => `src/conn.c:212#${id % 3}` }, m.eventId, m.dir, m.scope, compileFilter(store, m.filter ?? '')) });
      break;
    case 'command':
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

self.addEventListener('message', (e: MessageEvent<FromWebview>) => receive(e.data));
post(stats);
