/**
 * The extension host's side of "a 1-million-event trace opens and pans/zooms smoothly": time to
 * open a trace file of a million events into the columnar store, its memory, and the time to
 * answer a window request at every zoom level from the whole trace to a few microseconds. Then
 * the file read as the editor reads it (TraceSession.load, progressively): when the first events
 * can be shown, how long a window request waits for the host while the rest is read, when the
 * whole trace's overview is shown (the first window of the whole trace asked — every 50 ms and at
 * each change the session announces, as a timeline asks — that counts every span of the trace: from
 * the file's overview block while the rest loads, else once the file is read), the CPU of the read on the host's main thread and in all
 * threads (the reader's worker's), and the main thread's event loop delay meanwhile.
 *
 * The file is written as the editor's recording saves it (format 2, the whole trace's overview in
 * its footer); `--no-overview` leaves the overview out (as `iolens record` writes it), `--format 1`
 * writes the stream itself, as files were before, to compare.
 *
 * `--rounds N` requests a zoom level (21), `--no-progressive` leaves out the progressive read,
 * `--no-ask` reads progressively without asking for windows (the event loop delay is the read's own), and
 * `--file F` reads F (a file an earlier run wrote, kept with `--keep F`) instead of writing one:
 * a 10 M-event run on a busy machine in a fraction of the time; `--read-only`: only the
 * progressive read (no open of the whole file before it, no windows after).
 *
 * `--paged [MiB]`: the file opened as a paged store (store/pagedStore.ts) within that budget instead, and browsed;
 * with `--session [MiB]` too, opened as the editor opens it (TraceSession with that iolens.memoryBudgetMiB), and browsed.
 *
 *   npx tsx bench/store.ts [--events N] [--format 1|2] [--rounds N] [--no-progressive] [--no-ask] [--read-only] [--paged [MiB] [--session [MiB]]] [--file F | --keep F]
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ns, type WindowData } from '../protocol/messages';
import { TraceSession } from '../extension/src/core/session/traceSession';
import { queryWindow, type WindowSource } from '../extension/src/core/store/window';
import { PagedStore } from '../extension/src/core/store/pagedStore';
import { mainThreadCpuMs, processCpuMs } from './cpu';
import { writeSyntheticTrace } from './synthetic';

/** A full garbage collection, without asking for `node --expose-gc`. */
const collect: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * Bytes the process holds after full collections: the JS heap plus typed arrays' buffers (freed
 * only after a collection finds them dead and the event loop turns, hence the rounds).
 */
async function retained(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    collect();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Bytes of the typed arrays reachable from `root` through its fields, arrays and maps (each
 * buffer counted once): what the store's columns and indexes hold, without the JS heap's noise.
 */
function typedBytes(root: unknown): number {
  const seen = new Set<unknown>();
  const buffers = new Set<ArrayBufferLike>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x !== 'object' || x === null || seen.has(x)) continue;
    seen.add(x);
    if (ArrayBuffer.isView(x)) buffers.add(x.buffer);
    else if (x instanceof Map) for (const v of x.values()) stack.push(v);
    else for (const v of Object.values(x)) stack.push(v);
  }
  let n = 0;
  for (const b of buffers) n += b.byteLength;
  return n;
}

function p95(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? 0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Read `file` as the editor does (TraceSession.load) while asking for the whole trace's window every
 * 50 ms, as a timeline would (unless not `asking`): when do the first events show, how long does a
 * request wait, when is the whole trace's overview drawn.
 */
async function readProgressively(file: string, asking: boolean): Promise<{
  firstMs: number; firstMainCpuMs: number; doneMs: number; overviewMs: number; wholeMs: number; wholeMainCpuMs: number; waitMax: number; waitP95: number; queryP95: number;
  mainCpuMs: number; cpuMs: number; delayMax: number; delayP99: number; delayMean: number;
}> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const main0 = mainThreadCpuMs();
  const cpu0 = processCpuMs();
  const t0 = performance.now();
  const s = TraceSession.load(file);
  let firstMs = -1;
  let firstMainCpuMs = -1;
  /** Each whole-trace window answered: when, the main thread's CPU by then, the spans it counts. */
  const answered: { ms: number; mainCpuMs: number; spans: number }[] = [];
  const whole = (): void => {
    const d = Math.max(s.summary().duration, 1);
    const w = s.window(ns(0), ns(d), ns(2 ** Math.floor(Math.log2(Math.max(1, d / 1600)))));
    answered.push({ ms: performance.now() - t0, mainCpuMs: mainThreadCpuMs() - main0, spans: countSpans(w) });
  };
  let done = !asking;
  const off = s.onDidChange(() => {
    // a timeline asks again when the session changes
    if (!done) whole();
    if (firstMs >= 0 || s.store.size === 0) return;
    firstMs = performance.now() - t0;
    firstMainCpuMs = mainThreadCpuMs() - main0;
  });
  const waits: number[] = [];
  const queries: number[] = [];
  const ask = async (): Promise<void> => {
    while (!done) {
      const asked = performance.now();
      // the request is answered when the event loop gets to it: between two chunks of the file
      await new Promise((r) => setImmediate(r));
      const q0 = performance.now();
      waits.push(q0 - asked);
      whole();
      queries.push(performance.now() - q0);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const requests = ask();
  await s.whenFinished();
  const doneMs = performance.now() - t0;
  // the whole trace's window once everything is read (the timeline asks for it then)
  const all = countSpans(s.window(ns(0), ns(Math.max(s.store.duration, 1)), ns(2 ** Math.floor(Math.log2(Math.max(1, s.store.duration / 1600))))));
  const overviewMs = performance.now() - t0;
  // the whole trace's overview shown: the first whole-trace window asked that counts every span
  const shown = answered.find((a) => a.spans === all) ?? { ms: overviewMs, mainCpuMs: mainThreadCpuMs() - main0 };
  const mainCpuMs = mainThreadCpuMs() - main0;
  const cpuMs = processCpuMs() - cpu0;
  delay.disable();
  done = true;
  await requests;
  off();
  await s.dispose();
  return {
    firstMs, firstMainCpuMs, doneMs, overviewMs, wholeMs: shown.ms, wholeMainCpuMs: shown.mainCpuMs, waitMax: Math.max(0, ...waits), waitP95: p95(waits), queryP95: p95(queries),
    mainCpuMs, cpuMs, delayMax: delay.max / 1e6, delayP99: delay.percentile(99) / 1e6, delayMean: delay.mean / 1e6,
  };
}

/** The events a window's spans stand for. */
function countSpans(w: WindowData): number {
  let n = 0;
  for (const t of w.spans) for (const c of t.counts) n += c;
  return n;
}

/** The process's memory now: JS heap + external (typed arrays' buffers among it), and the resident set. */
function memoryNow(): { heap: number; rss: number } {
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

/** A trace opened paged, as the bench browses it. */
interface Browsed {
  readonly size: number;
  readonly duration: number;
  /** log2 of the finest mipmap level, ns (the windows' source), when known. */
  readonly base: number | undefined;
  window(start: number, end: number, resolution: number): WindowData;
  /** Event `id`'s details (read back from the file): true when they came. */
  details(id: number): boolean;
  /** What it is and holds, in lines. */
  describe(): string[];
  /** What went on behind the browsing, once it is done (a paged session's analysis in the background), in lines. */
  finish?(): Promise<string[]>;
  close(): Promise<void>;
}

/** `file` opened as a paged store within `budgetMiB` (store/pagedStore.ts, no symbolizer). */
async function openPagedStore(file: string, budgetMiB: number): Promise<Browsed> {
  const store = await PagedStore.open(file, { budget: budgetMiB * 2 ** 20, symbolizer: null });
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
  return {
    size: store.size,
    duration: store.duration,
    base: store.base,
    window: (a, b, r) => store.window(ns(a), ns(b), ns(r)),
    details: (id) => store.get(id)?.id === id,
    describe: () => [
      `paged store (budget ${budgetMiB} MiB): ${store.size.toLocaleString('en-US')} events, ${store.trackInfos().length} tracks, ${store.blockCount()} blocks; finest mipmap level 2^${store.base} ns`,
      `  mipmaps ${mib(store.summaryBytes())}, the tracks' compact event lists ${mib(store.fineBytes())}; all the store's arrays ${mib(store.heldBytes())}`,
    ],
    close: () => Promise.resolve(store.close()),
  };
}

/**
 * `file` opened as the editor opens it: TraceSession.load with `budgetMiB` as iolens.memoryBudgetMiB
 * (paged past it: pagedTrace.ts), the symbolizer loaded; its details are the details pane's
 * (stack resolved, call site). Throws when the trace failed to open or opened in memory.
 */
async function openSession(file: string, budgetMiB: number): Promise<Browsed> {
  const session = TraceSession.load(file, 'bench', { memoryBudgetMiB: budgetMiB });
  await session.whenFinished();
  if (session.failure) throw new Error(`${file}: ${session.failure.text}`);
  if (!session.pagedBy) throw new Error(`${file} opened in memory within ${budgetMiB} MiB: give a smaller --session budget`);
  const summary = session.summary();
  // its findings' pass in a worker starts as the open ends: its time, CPU (the process's but the
  // main thread's) and the RSS it adds, sampled beside the windows browsed meanwhile
  const t0 = performance.now();
  const cpu0 = processCpuMs();
  const main0 = mainThreadCpuMs();
  const rss0 = process.memoryUsage().rss;
  let rssPeak = rss0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const analysed = session.whenAnalysed().then(() => ({ ms: performance.now() - t0, cpu: processCpuMs() - cpu0, main: mainThreadCpuMs() - main0 }));
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
  return {
    size: summary.events,
    duration: session.duration,
    base: undefined,
    window: (a, b, r) => session.window(ns(a), ns(b), ns(r)),
    details: (id) => session.details(id)?.id === id,
    describe: () => [
      `the editor's session (TraceSession.load, iolens.memoryBudgetMiB ${budgetMiB}): opened paged, ${summary.events.toLocaleString('en-US')} events, ${summary.tracks.length} tracks`,
      `  its notice: ${summary.problem?.message ?? '(none)'}`,
    ],
    finish: async () => {
      const running = session.analysing !== null;
      const a = await analysed;
      clearInterval(sampler);
      const failed = session.analysisFailure;
      return [
        `the findings' pass in the background (analysisWorker.ts)${running ? ', still running when the windows and details above were measured,' : ' (it had ended before the windows and details above were all measured)'} ended ${(a.ms / 1000).toFixed(1)} s after the open: ${failed ? `failed: ${failed.text}` : `${session.findings().length} findings, ${session.analysis().sites.length} call sites`}`,
        `  CPU meanwhile: ${(a.cpu / 1000).toFixed(1)} s in all threads, ${(a.main / 1000).toFixed(1)} s of it on the main thread; RSS ${mib(rss0)} at its start, peak ${mib(rssPeak)} while it ran (+${mib(rssPeak - rss0)})`,
      ];
    },
    close: () => session.dispose(),
  };
}

/**
 * `--paged [MiB]`: open `file` as a paged store (store/pagedStore.ts; its budget, default 1024 MiB),
 * or with `--session [MiB]` through the editor's session (TraceSession with that memory budget), and
 * browse it: the open's time and CPU, the peak of the heap + external and of the RSS (sampled
 * every 50 ms), what it holds, a window at every zoom (CPU median and p95: from the mipmaps,
 * or walked from the compact lists) and an event's details (a random id: its block decoded again).
 */
async function pagedRun(file: string, budgetMiB: number, rounds: number, open: (file: string, budgetMiB: number) => Promise<Browsed>): Promise<string[]> {
  let peak = { heap: 0, rss: 0 };
  const sample = (): void => {
    const m = memoryNow();
    peak = { heap: Math.max(peak.heap, m.heap), rss: Math.max(peak.rss, m.rss) };
  };
  const timer = setInterval(sample, 50);
  const before = await retained();
  const t0 = performance.now();
  const cpu0 = processCpuMs();
  const main0 = mainThreadCpuMs();
  const store = await open(file, budgetMiB);
  const openMs = performance.now() - t0;
  const openCpu = processCpuMs() - cpu0;
  const openMain = mainThreadCpuMs() - main0;
  sample();
  const openPeak = { ...peak };
  const held = (await retained()) - before;
  const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const lines = [
    ...store.describe(),
    `open: ${openMs.toFixed(0)} ms (${((store.size / openMs) * 1000 / 1e6).toFixed(2)} M events/s; CPU ${openCpu.toFixed(0)} ms, ${openMain.toFixed(0)} ms of it on the main thread); peak while opening: heap + external ${mib(openPeak.heap)}, RSS ${mib(openPeak.rss)}`,
    `held after the open: ${mib(held)} (JS heap + typed arrays after a full GC; ${(held / store.size).toFixed(2)} bytes an event)`,
    '',
    `window request at every power of two, 1600 px wide, padded to 3 screens; CPU median and p95 of ${rounds} requests, wall p95; 'lists': walked from the tracks' compact event lists`,
    'visible span        resolution   reply spans   source   CPU med  CPU p95  wall p95',
  ];
  const duration = store.duration;
  // every zoom the timeline can ask at 1600 px: each power of two from the whole trace's to 1 ns
  for (let res = 2 ** Math.floor(Math.log2(Math.max(1, duration / 1600))); res >= 1; res /= 2) {
    const span = 1600 * res;
    const cpus: number[] = [];
    const walls: number[] = [];
    let spans = 0;
    let failed = '';
    for (let r = 0; r < rounds; r++) {
      const center = duration * (0.2 + 0.6 * (r / Math.max(1, rounds - 1)));
      const start = Math.max(0, center - 1.5 * span);
      const q0 = performance.now();
      const c0 = process.cpuUsage();
      try {
        const w = store.window(start, start + 3 * span, res);
        spans = w.spans.reduce((n, s) => n + s.counts.length, 0);
      } catch (e) {
        failed = e instanceof Error ? e.message : String(e);
      }
      const c = process.cpuUsage(c0);
      walls.push(performance.now() - q0);
      cpus.push((c.user + c.system) / 1000);
    }
    const source = store.base === undefined ? '' : Math.log2(res) >= store.base ? 'mipmaps' : 'lists';
    lines.push(`${(span / 1e6).toFixed(3).padStart(12)} ms  ${res.toString().padStart(8)} ns  ${spans.toString().padStart(10)}  ${source.padStart(7)}  ${median(cpus).toFixed(2).padStart(6)} ms ${p95(cpus).toFixed(2).padStart(6)} ms ${p95(walls).toFixed(2).padStart(6)} ms${failed ? `  (${failed})` : ''}`);
  }
  const cpus: number[] = [];
  let seed = 7;
  for (let r = 0; r < rounds; r++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const id = Math.floor((seed / 2147483648) * store.size);
    const c0 = process.cpuUsage();
    if (!store.details(id)) throw new Error(`event ${id} not read back`);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  sample();
  clearInterval(timer);
  lines.push(
    `an event's details (random ids, each block decoded again unless kept): CPU median ${median(cpus).toFixed(2)} ms, p95 ${p95(cpus).toFixed(2)} ms`,
    `peak over the whole run: heap + external ${mib(peak.heap)}, RSS ${mib(peak.rss)}`,
  );
  lines.push(...((await store.finish?.()) ?? []));
  await store.close();
  return lines;
}

async function main(): Promise<void> {
  const events = Number(process.argv.includes('--events') ? process.argv[process.argv.indexOf('--events') + 1] : 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'iolens-bench-'));
  const format = process.argv.includes('--format') && process.argv[process.argv.indexOf('--format') + 1] === '1' ? 1 : 2;
  const arg = (name: string): string | undefined => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const given = arg('--file');
  const keep = arg('--keep');
  // paged: the file read where it is, or written where it is kept (100 M events: half a GB), without the overview (a store of every event)
  const paged = process.argv.includes('--paged');
  const file = (paged && (given ?? keep)) || join(dir, 'synthetic.iolens');
  const w0 = performance.now();
  if (given && given !== file) copyFileSync(given, file);
  else if (!given) await writeSyntheticTrace(file, events, false, format, format === 2 && !paged && !process.argv.includes('--no-overview'));
  const writeMs = performance.now() - w0;
  if (keep && keep !== file) copyFileSync(file, keep);
  const fileBytes = statSync(file).size;
  if (paged) {
    const session = process.argv.includes('--session');
    const budget = Number(arg(session ? '--session' : '--paged')) || 1024;
    const lines = await pagedRun(file, budget, Number(arg('--rounds') ?? 21), session ? openSession : openPagedStore);
    process.stdout.write(`file: ${(fileBytes / 2 ** 20).toFixed(1)} MiB\n${lines.join('\n')}\n`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  if (process.argv.includes('--read-only')) {
    const p = await readProgressively(file, !process.argv.includes('--no-ask'));
    process.stdout.write(`${[
      `file: ${(fileBytes / 2 ** 20).toFixed(1)} MiB`,
      `the whole trace's overview (a whole-trace window counting every span) shown after ${p.wholeMs.toFixed(0)} ms (${p.wholeMainCpuMs.toFixed(0)} ms of CPU on the main thread)`,
      `first events shown after ${p.firstMs.toFixed(0)} ms (${p.firstMainCpuMs.toFixed(0)} ms of CPU on the main thread), all read after ${p.doneMs.toFixed(0)} ms; a whole-trace window waited for the host at most ${p.waitMax.toFixed(0)} ms (p95 ${p.waitP95.toFixed(0)} ms) and took ${p.queryP95.toFixed(1)} ms at p95`,
      `  CPU of the read: ${p.mainCpuMs.toFixed(0)} ms on the host's main thread, ${p.cpuMs.toFixed(0)} ms in all threads; event loop delay: max ${p.delayMax.toFixed(0)} ms, p99 ${p.delayP99.toFixed(0)} ms`,
    ].join('\n')}\n`);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const before = await retained();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const openMain0 = mainThreadCpuMs();
  const session = await TraceSession.open(file);
  const openMainMs = mainThreadCpuMs() - openMain0;
  const openMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const openCpuMs = (cpu.user + cpu.system) / 1000;
  const heapMb = ((await retained()) - before) / 2 ** 20;
  const asking = !process.argv.includes('--no-ask');
  const progressive = process.argv.includes('--no-progressive') ? undefined : await readProgressively(file, asking);
  const rounds = Number(process.argv.includes('--rounds') ? process.argv[process.argv.indexOf('--rounds') + 1] : 21);
  const lines: string[] = [
    `Trace store: ${session.store.size.toLocaleString('en-US')} events, ${session.store.tracks.size} tracks`,
    `file (format ${format}): ${(fileBytes / 2 ** 20).toFixed(1)} MiB, ${(fileBytes / session.store.size).toFixed(2)} bytes an event, ${given ? `copied from ${given}` : 'written'} in ${writeMs.toFixed(0)} ms`,
    `open: ${openMs.toFixed(0)} ms (${((session.store.size / openMs) * 1000 / 1e6).toFixed(2)} M events/s; CPU ${openCpuMs.toFixed(0)} ms, ${openMainMs.toFixed(0)} ms of it on the main thread: the steadier figures on a shared machine), memory held by the store ${heapMb.toFixed(0)} MiB (JS heap + typed arrays, after a full GC; ${((heapMb * 2 ** 20) / session.store.size).toFixed(1)} bytes an event)`,
    `typed arrays of the store's columns and indexes: ${(typedBytes(session.store) / 2 ** 20).toFixed(0)} MiB (${(typedBytes(session.store) / session.store.size).toFixed(1)} bytes an event)`,
  ];
  if (progressive) {
    const waits = asking
      ? `meanwhile a window request (whole trace) waited for the host at most ${progressive.waitMax.toFixed(0)} ms (p95 ${progressive.waitP95.toFixed(0)} ms) and took ${progressive.queryP95.toFixed(1)} ms at p95`
      : 'no window asked for meanwhile (--no-ask)';
    lines.push(
      `the whole trace's overview (a whole-trace window counting every span) shown after ${progressive.wholeMs.toFixed(0)} ms (${progressive.wholeMainCpuMs.toFixed(0)} ms of CPU on the main thread)`,
      `read as the editor reads it: first events shown (a window of the whole trace answered) after ${progressive.firstMs.toFixed(0)} ms (${progressive.firstMainCpuMs.toFixed(0)} ms of CPU on the main thread), all read after ${progressive.doneMs.toFixed(0)} ms, a whole-trace window answered after the read at ${progressive.overviewMs.toFixed(0)} ms; ${waits}`,
      `  CPU of the read (and the overview): ${progressive.mainCpuMs.toFixed(0)} ms on the host's main thread, ${progressive.cpuMs.toFixed(0)} ms in all threads; the main thread's event loop delay: max ${progressive.delayMax.toFixed(0)} ms, p99 ${progressive.delayP99.toFixed(0)} ms, mean ${progressive.delayMean.toFixed(1)} ms`,
    );
  }
  // the first zoomed-out window of each track builds its summary (summary.ts): its cost, apart
  const duration = session.store.duration;
  const whole = ns(2 ** Math.floor(Math.log2(Math.max(1, duration / 1600))));
  const b0 = performance.now();
  const bc0 = process.cpuUsage();
  session.window(ns(0), ns(duration), whole);
  const bc = process.cpuUsage(bc0);
  const buildMs = performance.now() - b0;
  const withSummaries = (await retained()) - before;
  lines.push(
    `summaries built by the first window of the whole trace: ${buildMs.toFixed(0)} ms (CPU ${((bc.user + bc.system) / 1000).toFixed(0)} ms), memory held by the store ${(withSummaries / 2 ** 20).toFixed(0)} MiB with them (${(withSummaries / session.store.size).toFixed(1)} bytes an event)`,
    '',
    'window request, 1600 px wide, padded to 3 screens (the webview fetches a padded window), from the',
    'summaries where zoomed out (auto) and by walking the events (events), the same reply; each the median',
    `and p95 of ${rounds} requests, wall and CPU time (the steadier figure on a shared machine):`,
    'visible span        resolution   reply spans   auto: median     p95  CPU med  CPU p95   events: median     p95  CPU med  CPU p95',
  );
  for (let span = duration; span >= 2e3; span /= 10) {
    const res = 2 ** Math.floor(Math.log2(Math.max(1, span / 1600)));
    let spans = 0;
    const timed = (source: WindowSource): string => {
      const times: number[] = [];
      const cpus: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const center = duration * (0.2 + 0.6 * (r / Math.max(1, rounds - 1)));
        const start = Math.max(0, center - 1.5 * span);
        const q0 = performance.now();
        const c0 = process.cpuUsage();
        const w = queryWindow(session.store, ns(start), ns(start + 3 * span), ns(res), null, source);
        const c = process.cpuUsage(c0);
        times.push(performance.now() - q0);
        cpus.push((c.user + c.system) / 1000);
        spans = w.spans.reduce((n, s) => n + s.counts.length, 0);
      }
      return `${median(times).toFixed(2).padStart(9)} ms  ${p95(times).toFixed(2).padStart(6)} ms  ${median(cpus).toFixed(2).padStart(5)} ms  ${p95(cpus).toFixed(2).padStart(5)} ms`;
    };
    const auto = timed('auto');
    const events = timed('events');
    lines.push(`${(span / 1e6).toFixed(3).padStart(12)} ms  ${res.toString().padStart(8)} ns  ${spans.toString().padStart(10)}  ${auto}  ${events}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  await session.dispose();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
