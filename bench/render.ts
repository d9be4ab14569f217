/**
 * Rendering benchmark of the timeline webview: builds it, serves a harness page (webview/dev/) with
 * the host's Content-Security-Policy and a host in a Web Worker answering from a synthetic
 * 1,000,000-event trace held in the host's own store and window query, and drives Chromium (playwright-core) to time redraws at zoom levels from the whole trace
 * to 1 µs across the screen: pan frames and zoom frames, 100 each, timed inside the page around
 * the draw call — once per animation frame (the browser rasterizes between frames, outside the
 * timed call), and with the rasterization forced inside the timed call by a 1-pixel read-back,
 * which is the whole cost of a frame.
 * Then, as a user drives it: wheel zooms in and out at 60 events a second and a live trace followed
 * for 8 s, recording every animation frame's interval and the long frames (Long Animation Frames
 * API) with the scripts that ran in them — the frames the draw-call timings do not show (a reply
 * arriving, a chart updating). Each of those recordings is traced by Chromium too, and frameCost.ts
 * reads from the trace the main thread's CPU time per frame and the long tasks' wall and CPU time
 * with what ran in them (bench/results/render/trace-*.json).
 * Also takes light and dark screenshots into bench/results/render/.
 *
 *   npx tsx bench/render.ts [--frames 100] [--events 1000000] [--no-screenshots] [--only-interactions]
 *                             [--profile-wheel FILE] [--profile-live FILE]   (the page's CPU profiles)
 *   npx tsx bench/render.ts --serve     only build and serve the harness (open it in a browser)
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { frameCost, type FrameCost, type TraceFile } from './frameCost';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'bench', 'results', 'render');
/** The harness bundle: outside the repository, so linters and packagers never see it. */
const HARNESS_BUILD = join(tmpdir(), 'iolens-render-harness');
const CHROMIUM = '/usr/bin/chromium';
const BUDGET_MS = 16;
/** The webview's CSP (extension/src/vscode/timeline/html.ts), plus the worker the fake host runs in. */
const CSP = "default-src 'none'; img-src 'self' data:; style-src 'self'; font-src 'self'; script-src 'nonce-harness'; worker-src 'self'";

interface FrameStats {
  median: number;
  p95: number;
  max: number;
  n: number;
}
interface LevelResult {
  label: string;
  spanNs: number;
  resolution: number;
  spansInWindow: number;
  pan: FrameStats;
  zoom: FrameStats;
  panFlushed: FrameStats;
  zoomFlushed: FrameStats;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

/** Serve the harness and the built webview on 127.0.0.1. */
function serve(): Promise<Server> {
  const routes: [string, string][] = [
    ['/harness/', join(ROOT, 'webview', 'dev')],
    ['/dist/webview/', join(ROOT, 'dist', 'webview')],
  ];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    let file: string | undefined;
    if (url.pathname === '/' || url.pathname === '/harness.html') file = join(ROOT, 'webview', 'dev', 'harness.html');
    else if (url.pathname === '/harness/fakeHost.js' || url.pathname === '/harness/hostWorker.js') file = join(HARNESS_BUILD, url.pathname.slice('/harness/'.length));
    else {
      for (const [prefix, dir] of routes) {
        if (url.pathname.startsWith(prefix)) {
          const p = normalize(join(dir, url.pathname.slice(prefix.length)));
          if (p.startsWith(dir)) file = p;
        }
      }
    }
    if (!file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP, 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const fmt = (x: number): string => (x < 10 ? x.toFixed(2) : x.toFixed(1)).padStart(6);

function table(title: string, rows: LevelResult[]): string {
  const lines = [
    title,
    `${''.padEnd(18)} ${''.padStart(10)} ${'spans in'.padStart(7)} | ${'draw call, in rAF'.padEnd(33)} | ${'draw + forced raster'.padEnd(35)}`,
    `${'across the screen'.padEnd(18)} ${'resolution'.padStart(10)} ${'window'.padStart(7)} | ${'pan med'.padStart(7)} ${'p95'.padStart(6)} | ${'zoom med'.padStart(8)} ${'p95'.padStart(6)} | ${'pan med'.padStart(10)} ${'p95'.padStart(6)} | ${'zoom med'.padStart(11)} ${'p95'.padStart(6)}  (ms)`,
  ];
  for (const r of rows) {
    const res = r.resolution >= 1e6 ? `${(r.resolution / 1e6).toFixed(1)} ms` : r.resolution >= 1e3 ? `${(r.resolution / 1e3).toFixed(1)} µs` : `${r.resolution} ns`;
    lines.push(
      `${r.label.padEnd(18)} ${res.padStart(10)} ${String(r.spansInWindow).padStart(7)} | ${fmt(r.pan.median)} ${fmt(r.pan.p95)}  | ${fmt(r.zoom.median).padStart(8)} ${fmt(r.zoom.p95)} | ${fmt(r.panFlushed.median).padStart(10)} ${fmt(r.panFlushed.p95)} | ${fmt(r.zoomFlushed.median).padStart(11)} ${fmt(r.zoomFlushed.p95)}`,
    );
  }
  const worst = Math.max(...rows.map((r) => Math.max(r.pan.p95, r.zoom.p95, r.panFlushed.p95, r.zoomFlushed.p95)));
  const worstMax = Math.max(...rows.map((r) => Math.max(r.pan.max, r.zoom.max, r.panFlushed.max, r.zoomFlushed.max)));
  lines.push(`budget ${BUDGET_MS} ms per frame: worst p95 ${worst.toFixed(2)} ms — ${worst < BUDGET_MS ? 'within' : 'OVER'} budget (slowest single frame ${worstMax.toFixed(1)} ms)`);
  return lines.join('\n');
}

async function openHarness(page: Page, base: string, events: number, problems: string[], extra = ''): Promise<void> {
  page.on('console', (m) => {
    // The benchmark's own 1-pixel read-backs make Chromium suggest willReadFrequently: not a problem of the page.
    if ((m.type() === 'error' || m.type() === 'warning') && !m.text().includes('willReadFrequently')) problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${base}/harness.html?events=${events}${extra}`);
  // Polled from here: waitForFunction would evaluate a string in the page, which its CSP forbids.
  const t0 = Date.now();
  while (!(await page.evaluate('!!window.__iolensBench && window.__iolensBench.info().windowEnd > 0'))) {
    if (Date.now() - t0 > 120_000) throw new Error('the harness did not start');
    await page.waitForTimeout(100);
  }
  await page.evaluate('window.__settle()');
}

/** Click the middle of the widest block track `track` drew. */
async function clickWidest(page: Page, box: { x: number; y: number }, track: number, dbl = false): Promise<void> {
  const p = (await page.evaluate(`window.__iolensBench.widest(${track})`)) as { x: number; y: number } | null;
  if (!p) throw new Error(`track ${track} drew nothing`);
  if (dbl) await page.mouse.dblclick(box.x + p.x, box.y + p.y);
  else await page.mouse.click(box.x + p.x, box.y + p.y);
}

async function screenshots(page: Page, base: string, events: number, problems: string[]): Promise<string[]> {
  const shots: string[] = [];
  const shot = async (p: Page, name: string): Promise<void> => {
    await p.evaluate('window.__settle()');
    // the label column copied from its cache must be the picture drawn directly
    const differ = (await p.evaluate('window.__labelCacheDiff ? window.__labelCacheDiff() : 0')) as number;
    if (differ) problems.push(`${name}: ${differ} device pixels differ between the label column drawn and copied from its cache`);
    await p.waitForTimeout(250);
    const file = join(OUT, `${name}.png`);
    await p.screenshot({ path: file });
    shots.push(file);
  };
  const canvasBox = async (p: Page): Promise<{ x: number; y: number; width: number; height: number }> => {
    const box = await (await p.$('canvas.timeline-canvas'))?.boundingBox();
    if (!box) throw new Error('no canvas');
    return box;
  };
  const box = await canvasBox(page);
  // Tracks of the synthetic trace: 0 server, 1-8 workers, 9 aio-io, 12 client, 16 uio-daq, 17 sig-handler.
  for (const theme of ['dark', 'light'] as const) {
    await page.evaluate(`window.__setTheme(${JSON.stringify(theme)})`);
    // Overview: the whole trace, the loadgen process collapsed into its header.
    await page.keyboard.press('Escape');
    await page.evaluate('window.__iolensBench.setViewport(-2e8, 20.2e9)');
    await page.evaluate('window.__settle()');
    const loadgenHeader = 30 + 26 + 12 * 24 + (8 * 13 + 6) + 13;
    if (theme === 'dark') await page.mouse.click(box.x + 60, box.y + loadgenHeader);
    await page.mouse.move(box.x + box.width * 0.62, box.y + 30 + 26 + 24 * 3 + 12);
    await shot(page, `overview-${theme}`);
    // Around the lost records at 12 s: a worker's call selected, another call hovered.
    await page.evaluate('window.__iolensBench.setViewport(11.994e9, 12.010e9)');
    await page.evaluate('window.__settle()');
    await clickWidest(page, box, 5);
    await page.waitForTimeout(300);
    const hover = (await page.evaluate('window.__iolensBench.widest(9)')) as { x: number; y: number };
    await page.mouse.move(box.x + hover.x, box.y + hover.y);
    await page.waitForTimeout(400);
    await shot(page, `detail-${theme}`);
    // Deep zoom: a signal's generate -> deliver arrow selected, requests in lanes.
    await page.mouse.move(box.x + box.width / 2, box.y - 20);
    await page.evaluate('window.__iolensBench.setViewport(7.30000e9, 7.30060e9)');
    await shot(page, `zoom-${theme}`);
  }
  // High contrast: outlined spans.
  await page.evaluate("window.__setTheme('high-contrast')");
  await page.evaluate('window.__iolensBench.setViewport(11.994e9, 12.010e9)');
  await page.evaluate('window.__settle()');
  await clickWidest(page, box, 3);
  await page.mouse.move(box.x + box.width / 2, box.y - 20);
  await shot(page, 'detail-high-contrast');
  await page.evaluate("window.__setTheme('dark')");
  // Empty live recording.
  const empty = await page.context().newPage();
  await empty.goto(`${base}/harness.html?empty=1`);
  await empty.waitForTimeout(1200);
  await shot(empty, 'empty-live-dark');
  await empty.close();
  // Live: following the recording, then panned away (the Follow button shows).
  const live = await page.context().newPage();
  live.on('pageerror', (e) => problems.push(`page error (live): ${e.message}`));
  await live.goto(`${base}/harness.html?events=${events}&live=1`);
  while (!(await live.evaluate('!!window.__iolensBench && window.__iolensBench.info().windowEnd > 0'))) await live.waitForTimeout(100);
  await live.waitForTimeout(1500);
  await shot(live, 'live-following-dark');
  const lbox = await canvasBox(live);
  await live.mouse.move(lbox.x + lbox.width / 2, lbox.y + 200);
  await live.mouse.wheel(0, -600);
  await live.waitForTimeout(800);
  await shot(live, 'live-zoomed-dark');
  await live.close();
  return shots;
}

interface InteractionStats {
  frames: number;
  interval: { median: number; p95: number; max: number };
  longFrames: { duration: number; blocking: number; scripts: string[] }[];
  draws: { n: number; p95: number; max: number };
}

/** Chrome's trace categories for the frames' CPU time: tasks with their thread time, frames, their causes. */
const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame', 'blink.user_timing'];

/** Start a Chrome trace of `page` (one at a time per browser). */
async function startTrace(browser: Browser, page: Page): Promise<void> {
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
}

/** Stop the trace, keep it in bench/results/render/trace-NAME.json, and read the frames' costs from it. */
async function stopTrace(browser: Browser, name: string): Promise<FrameCost> {
  const buf = await browser.stopTracing();
  writeFileSync(join(OUT, `trace-${name}.json`), buf);
  return frameCost(JSON.parse(buf.toString('utf8')) as TraceFile);
}

/** The columns of FrameCost.byKind, each 6 wide. */
const KIND_HEADER = ['script', 'layout', 'paint', 'gc', 'other'].map((k) => k.padStart(6)).join(' ');

/** Wheel zooms over the trace, and a live trace followed: frames as the user sees them. */
async function interactions(browser: Browser, base: string, events: number, problems: string[]): Promise<{ text: string; json: Record<string, InteractionStats | FrameCost> }> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
  const results: Record<string, InteractionStats> = {};
  const traces: Record<string, FrameCost> = {};
  try {
    const page = await context.newPage();
    await openHarness(page, base, events, problems);
    const box = await (await page.$('canvas.timeline-canvas'))?.boundingBox();
    if (!box) throw new Error('no canvas');
    await page.evaluate('window.__iolensBench.setViewport(7.0e9, 7.6e9)');
    await page.evaluate('window.__settle()');
    await page.mouse.move(box.x + box.width * 0.6, box.y + 200);
    // --profile-wheel FILE: the page's CPU profile while zooming
    const wheelProfile = arg('profile-wheel', '');
    const wheelCdp = wheelProfile ? await context.newCDPSession(page) : undefined;
    if (wheelCdp) {
      await wheelCdp.send('Profiler.enable');
      await wheelCdp.send('Profiler.start');
    }
    await startTrace(browser, page);
    await page.evaluate('window.__startRecording()');
    // 4 s of wheel: a second zooming in, a second out, twice (each step 60 px, as a mouse wheel)
    for (let i = 0; i < 240; i++) {
      await page.mouse.wheel(0, (Math.floor(i / 60) % 2 ? 1 : -1) * 60);
      await page.waitForTimeout(12);
    }
    results['wheel zoom, 1 M events'] = (await page.evaluate('window.__stopRecording()')) as InteractionStats;
    traces['wheel zoom, 1 M events'] = await stopTrace(browser, 'wheel');
    if (wheelCdp) writeFileSync(wheelProfile, JSON.stringify((await wheelCdp.send('Profiler.stop')).profile));
    // 3 s of dragging across the trace
    await page.evaluate('window.__settle()');
    await page.mouse.move(box.x + box.width * 0.8, box.y + 300);
    await startTrace(browser, page);
    await page.evaluate('window.__startRecording()');
    await page.mouse.down();
    for (let i = 0; i < 180; i++) {
      await page.mouse.move(box.x + box.width * (0.8 - 0.6 * Math.abs(((i % 90) - 45) / 45)), box.y + 300);
      await page.waitForTimeout(12);
    }
    await page.mouse.up();
    results['drag pan, 1 M events'] = (await page.evaluate('window.__stopRecording()')) as InteractionStats;
    traces['drag pan, 1 M events'] = await stopTrace(browser, 'drag');
    await page.close();

    const live = await context.newPage();
    live.on('pageerror', (e) => problems.push(`page error (live): ${e.message}`));
    await live.goto(`${base}/harness.html?events=${events}&live=1`);
    while (!(await live.evaluate('!!window.__iolensBench && window.__iolensBench.info().windowEnd > 0'))) await live.waitForTimeout(100);
    await live.waitForTimeout(1000);
    // --profile-live FILE: the page's CPU profile while following (open it in Chromium's DevTools, or read its nodes)
    const profileFile = arg('profile-live', '');
    const cdp = profileFile ? await context.newCDPSession(live) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    await startTrace(browser, live);
    await live.evaluate('window.__startRecording()');
    await live.waitForTimeout(8000);
    results['live, following'] = (await live.evaluate('window.__stopRecording()')) as InteractionStats;
    traces['live, following'] = await stopTrace(browser, 'live');
    if (cdp) writeFileSync(profileFile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
    await live.close();
  } finally {
    await context.close();
  }
  const lines = [
    'As a user drives it (1600x1000, devicePixelRatio 1): time between animation frames, draw calls, and frames over 50 ms',
    `${'scenario'.padEnd(24)} ${'frames'.padStart(6)} | ${'interval med'.padStart(12)} ${'p95'.padStart(6)} ${'max'.padStart(6)} | ${'draw p95'.padStart(8)} ${'max'.padStart(6)} | long frames (ms), the longest's scripts`,
  ];
  for (const [name, r] of Object.entries(results)) {
    const longest = [...r.longFrames].sort((a, b) => b.duration - a.duration)[0];
    lines.push(
      `${name.padEnd(24)} ${String(r.frames).padStart(6)} | ${fmt(r.interval.median).padStart(12)} ${fmt(r.interval.p95)} ${fmt(r.interval.max)} | ${fmt(r.draws.p95).padStart(8)} ${fmt(r.draws.max)} | ${r.longFrames.length ? `${r.longFrames.length}: ${r.longFrames.map((l) => l.duration).join(', ')}${longest ? `; ${longest.scripts.slice(0, 3).join('; ')}` : ''}` : 'none'}`,
    );
  }
  lines.push(
    '',
    "The page's main thread per frame, from a Chrome trace (CPU time: it does not grow while the thread waits for a CPU, as wall time does on a loaded machine)",
    `${'scenario'.padEnd(24)} ${'frames'.padStart(6)} | ${'CPU med'.padStart(7)} ${'p95'.padStart(6)} ${'max'.padStart(6)} | mean by kind: ${KIND_HEADER} | ${'others'.padStart(6)} | wall/CPU | long tasks: wall/CPU ms, the longest's causes`,
  );
  for (const [name, c] of Object.entries(traces)) {
    const longest = [...c.longTasks].sort((a, b) => b.wall - a.wall)[0];
    lines.push(
      `${name.padEnd(24)} ${String(c.frames).padStart(6)} | ${fmt(c.cpu.median).padStart(7)} ${fmt(c.cpu.p95)} ${fmt(c.cpu.max)} | ${Object.values(c.byKind).map((v) => fmt(v)).join(' ')} | ${fmt(c.otherThreads.mean)} | ${c.wallOverCpu.toFixed(2).padStart(8)} | ${c.longTasks.length ? `${c.longTasks.length}: ${c.longTasks.map((t) => `${t.wall.toFixed(0)}/${t.cpu.toFixed(0)}`).join(', ')}; ${longest?.causes.join('; ')}` : 'none'}`,
    );
  }
  for (const [name, c] of Object.entries(traces)) lines.push(`${name}: main thread CPU went to ${c.top.map((t) => `${t.what} ${t.cpu.toFixed(0)} ms (${t.n}×)`).join('; ')}`);
  for (const [name, c] of Object.entries(traces)) lines.push(`${name}: the costliest frame, ${c.worstFrame.cpu.toFixed(1)} ms of CPU: ${c.worstFrame.causes.join('; ')}`);
  return { text: lines.join('\n'), json: { ...results, ...Object.fromEntries(Object.entries(traces).map(([k, v]) => [`${k} (trace)`, v])) } };
}

async function main(): Promise<void> {
  const frames = Number(arg('frames', '100'));
  const events = Number(arg('events', '1000000'));
  mkdirSync(OUT, { recursive: true });
  mkdirSync(HARNESS_BUILD, { recursive: true });
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) throw new Error('node esbuild.mjs failed');
  await build({ entryPoints: ['fakeHost', 'hostWorker'].map((f) => join(ROOT, 'webview', 'dev', `${f}.ts`)), bundle: true, outdir: HARNESS_BUILD, format: 'iife', platform: 'browser', target: 'es2022', logLevel: 'warning' });
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

  const server = await serve();
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (process.argv.includes('--serve')) {
    process.stdout.write(`harness: ${base}/harness.html (Ctrl+C to stop)\n`);
    return;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const D = 20e9;
  const levels = [
    { label: 'whole trace (20 s)', span: 20.4e9, center: D / 2 },
    { label: '1 s', span: 1e9, center: 7.3e9 },
    { label: '100 ms', span: 1e8, center: 7.3e9 },
    { label: '10 ms', span: 1e7, center: 7.3e9 },
    { label: '1 ms', span: 1e6, center: 7.3e9 },
    { label: '100 µs', span: 1e5, center: 7.3e9 },
    { label: '10 µs', span: 1e4, center: 7.3e9 },
    { label: '1 µs', span: 1e3, center: 7.3e9 },
  ];
  const report: string[] = [];
  const json: Record<string, unknown> = {};
  const problems: string[] = [];
  let shots: string[] = [];
  try {
    const acted = await interactions(browser, base, events, problems);
    report.push(acted.text);
    json.interactions = acted.json;
    process.stdout.write(`\n${acted.text}\n`);
    for (const dpr of process.argv.includes('--only-interactions') ? [] : [1, 2]) {
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: dpr });
      const page = await context.newPage();
      await openHarness(page, base, events, problems);
      const host = (await page.evaluate('({ buildMs: window.__fakeHost.stats.buildMs, events: window.__fakeHost.stats.events })')) as { buildMs: number; events: number };
      const rows = (await page.evaluate(`window.__runBench(${JSON.stringify(levels)}, ${frames})`)) as LevelResult[];
      // The worst case the contract allows: every lane of every track holding two spans per
      // resolution step (the host never sends more).
      for (const [mode, label] of [['1', 'densest'], ['2', 'densest mixed']]) {
        const dense = await context.newPage();
        await openHarness(dense, base, events, problems, `&maxdensity=${mode}`);
        const worst = (await dense.evaluate(`window.__runBench(${JSON.stringify([{ label: `${label}, 1 s`, span: 1e9, center: 7.3e9 }, { label: `${label}, 1 ms`, span: 1e6, center: 7.3e9 }])}, ${frames})`)) as LevelResult[];
        rows.push(...worst);
        await dense.close();
      }
      const t = table(`Timeline redraw, ${host.events.toLocaleString('en-US')} events, 1600x1000 CSS px at devicePixelRatio ${dpr}, ${frames} frames each`, rows);
      report.push(t);
      json[`dpr${dpr}`] = rows;
      process.stdout.write(`\n${t}\n`);
      if (dpr === 1 && !process.argv.includes('--no-screenshots')) shots = await screenshots(page, base, events, problems);
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  if (problems.length) report.push(`page problems (CSP violations and errors show here):\n  ${problems.join('\n  ')}`);
  else report.push('page problems: none (no CSP violation, no console error)');
  process.stdout.write(`\n${report[report.length - 1]}\n`);
  if (shots.length) process.stdout.write(`screenshots:\n  ${shots.join('\n  ')}\n`);
  writeFileSync(join(ROOT, 'bench', 'results', 'render.txt'), report.join('\n\n') + '\n');
  writeFileSync(join(ROOT, 'bench', 'results', 'render.json'), JSON.stringify({ ...json, problems, shots }, null, 2));
  if (problems.length) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
