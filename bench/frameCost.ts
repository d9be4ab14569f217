/**
 * What each frame cost the page's main thread, read from a Chrome trace (categories toplevel,
 * devtools.timeline, disabled-by-default-devtools.timeline[.frame]): the thread's CPU time per
 * frame (the tasks' `tdur`, which does not grow while the thread waits for a CPU, as wall time
 * does on a loaded machine) split into script, style and layout, paint and canvas, garbage
 * collection and the rest; the renderer's other threads (compositor, raster workers); and the
 * long tasks (over 50 ms of wall time) with what ran in them and how much of their wall time was
 * CPU — a long task of little CPU is the machine's, not the page's.
 */

/** One event of a Chrome trace (the fields read here). */
export interface TraceEvent {
  readonly name: string;
  readonly cat?: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly tdur?: number;
  readonly tts?: number;
  readonly pid: number;
  readonly tid: number;
  readonly args?: { readonly name?: string; readonly data?: Record<string, unknown> };
}

/** A Chrome trace as `browser.stopTracing()` returns it. */
export interface TraceFile {
  readonly traceEvents: readonly TraceEvent[];
}

/** What the main thread's CPU time went to. */
export type CostKind = 'script' | 'style+layout' | 'paint+canvas' | 'gc' | 'other';
const KINDS: readonly CostKind[] = ['script', 'style+layout', 'paint+canvas', 'gc', 'other'];

/** A task longer than LONG_TASK_MS of wall time. */
export interface LongTask {
  /** Wall time and CPU time of the task, ms. */
  readonly wall: number;
  readonly cpu: number;
  /** What ran in it, by self CPU time, the costliest first ("FunctionCall draw main.js 12.1 ms"). */
  readonly causes: readonly string[];
}

/** The frames of one recording, costed. */
export interface FrameCost {
  /** Frames the main thread began (BeginMainThreadFrame). */
  readonly frames: number;
  /** The main thread's CPU time per frame, ms: median, 95th percentile, maximum. */
  readonly cpu: { readonly median: number; readonly p95: number; readonly max: number };
  /** Its mean per frame by kind, ms. */
  readonly byKind: Readonly<Record<CostKind, number>>;
  /** The renderer's other threads' CPU time per frame (compositor, raster), ms: mean and 95th percentile. */
  readonly otherThreads: { readonly mean: number; readonly p95: number };
  /** The main thread's busy wall time over its CPU time (1 on an idle machine). */
  readonly wallOverCpu: number;
  readonly longTasks: readonly LongTask[];
  /** What the main thread's CPU time went to over the recording, the costliest first: self CPU time, ms, and how many times it ran. */
  readonly top: readonly { readonly what: string; readonly cpu: number; readonly n: number }[];
  /** The frame of the most CPU time: its CPU time, ms, and what ran in it, the costliest first. */
  readonly worstFrame: { readonly cpu: number; readonly causes: readonly string[] };
}

/** A task this long (wall time) is a long task, ms. */
export const LONG_TASK_MS = 50;

const TASKS = new Set(['RunTask', 'ThreadControllerImpl::RunTask']);

function kindOf(name: string): CostKind {
  if (/GC|Garbage|BlinkGC|Sweep|Mark(ing)?Compact|Scavenge/i.test(name)) return 'gc';
  if (/^(FunctionCall|EvaluateScript|FireAnimationFrame|TimerFire|EventDispatch|RunMicrotasks|v8\.|V8\.|FireIdleCallback|XHRReadyStateChange|CompileScript|CompileCode|ParseScript|HandlePostMessage)/.test(name)) return 'script';
  if (/^(UpdateLayoutTree|Layout|RecalculateStyles|UpdateLayerTree|PrePaint|HitTest|ScheduleStyle|InvalidateLayout|ComputeIntersections|IntersectionObserver|LocalFrameView::|Document::)/.test(name)) return 'style+layout';
  if (/Paint|Composit|Commit|Layerize|Raster|Canvas|Image|Decode|Draw|Frame/i.test(name)) return 'paint+canvas';
  return 'other';
}

interface Span {
  readonly e: TraceEvent;
  readonly start: number;
  readonly end: number;
  readonly cpu: number;
  childCpu: number;
}

/** Complete spans of a thread's events (X, and B/E pairs), with their CPU time (tdur, or dur without it). */
function spansOf(events: readonly TraceEvent[]): Span[] {
  const out: Span[] = [];
  const open: TraceEvent[] = [];
  for (const e of events) {
    if (e.ph === 'X') out.push({ e, start: e.ts, end: e.ts + (e.dur ?? 0), cpu: e.tdur ?? e.dur ?? 0, childCpu: 0 });
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const b = open.pop();
      if (b) out.push({ e: b, start: b.ts, end: e.ts, cpu: b.tts !== undefined && e.tts !== undefined ? e.tts - b.tts : e.ts - b.ts, childCpu: 0 });
    }
  }
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
}

function label(e: TraceEvent): string {
  const d = e.args?.data;
  const fn = typeof d?.functionName === 'string' && d.functionName ? ` ${d.functionName}` : '';
  const type = typeof d?.type === 'string' ? ` ${d.type}` : '';
  const line = typeof d?.lineNumber === 'number' ? `:${d.lineNumber}` : '';
  const url = typeof d?.url === 'string' && d.url ? ` ${d.url.split('/').pop()}${line}` : '';
  return `${e.name}${fn}${type}${url}`;
}

/** Cost the frames of the busiest page main thread of `trace`. */
export function frameCost(trace: TraceFile): FrameCost {
  const names = new Map<string, string>();
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of trace.traceEvents) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name) names.set(key, e.args.name);
    let list = byThread.get(key);
    if (!list) byThread.set(key, (list = []));
    list.push(e);
  }
  // the page's main thread: the renderer main thread that began the most frames
  let main = '';
  let most = -1;
  for (const [key, list] of byThread) {
    if (names.get(key) !== 'CrRendererMain') continue;
    const n = list.filter((e) => e.name === 'BeginMainThreadFrame' || e.name === 'FireAnimationFrame').length;
    if (n > most) [main, most] = [key, n];
  }
  const mainEvents = byThread.get(main) ?? [];
  const spans = spansOf(mainEvents);
  // top-level tasks, and each event's self CPU time (its CPU less its children's)
  const tasks: Span[] = [];
  const stack: Span[] = [];
  const selfByTask = new Map<Span, Map<string, number>>();
  const top = (m: Map<string, number> | undefined): string[] =>
    [...(m ?? new Map<string, number>())]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} ms`);
  const byKind: Record<CostKind, number> = { script: 0, 'style+layout': 0, 'paint+canvas': 0, gc: 0, other: 0 };
  const self: { s: Span; task: Span }[] = [];
  for (const s of spans) {
    while (stack.length && stack[stack.length - 1].end <= s.start) stack.pop();
    const parent = stack[stack.length - 1];
    if (!parent) {
      if (!TASKS.has(s.e.name)) continue; // outside any task (trace bookkeeping)
      tasks.push(s);
      selfByTask.set(s, new Map());
    } else parent.childCpu += s.cpu;
    stack.push(s);
    self.push({ s, task: stack[0] });
  }
  const overall = new Map<string, { cpu: number; n: number }>();
  for (const { s, task } of self) {
    const own = Math.max(0, s.cpu - s.childCpu);
    const o = overall.get(label(s.e)) ?? { cpu: 0, n: 0 };
    o.cpu += own;
    o.n++;
    overall.set(label(s.e), o);
    byKind[TASKS.has(s.e.name) ? 'other' : kindOf(s.e.name)] += own;
    const m = selfByTask.get(task);
    if (m) m.set(label(s.e), (m.get(label(s.e)) ?? 0) + own);
  }
  // frames: from one BeginMainThreadFrame to the next; a task counts in the frame it starts in
  const begins = mainEvents.filter((e) => e.name === 'BeginMainThreadFrame').map((e) => e.ts).sort((a, b) => a - b);
  const perFrame = new Array<number>(Math.max(begins.length - 1, 0)).fill(0);
  const frameAt = (ts: number): number => {
    let lo = 0;
    let hi = begins.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (begins[mid] <= ts) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  let wall = 0;
  let cpu = 0;
  for (const t of tasks) {
    wall += t.end - t.start;
    cpu += t.cpu;
    if (begins.length > 1 && t.start >= begins[0] && t.start < begins[begins.length - 1]) perFrame[frameAt(t.start)] += t.cpu;
  }
  // the renderer's other threads, by the same frames
  const pid = main.split(':')[0];
  const others = new Array<number>(perFrame.length).fill(0);
  for (const [key, list] of byThread) {
    if (key === main || key.split(':')[0] !== pid) continue;
    for (const e of list) {
      if (e.ph !== 'X' || !TASKS.has(e.name) || begins.length < 2 || e.ts < begins[0] || e.ts >= begins[begins.length - 1]) continue;
      others[frameAt(e.ts)] += e.tdur ?? e.dur ?? 0;
    }
  }
  const n = Math.max(perFrame.length, 1);
  const ms = (us: number): number => us / 1000;
  const sorted = perFrame.map(ms).sort((a, b) => a - b);
  const otherSorted = others.map(ms).sort((a, b) => a - b);
  const longTasks: LongTask[] = tasks
    .filter((t) => t.end - t.start > LONG_TASK_MS * 1000)
    .map((t) => ({
      wall: ms(t.end - t.start),
      cpu: ms(t.cpu),
      causes: top(selfByTask.get(t)),
    }));
  // what ran in the costliest frame: its tasks' self times, summed by what they were
  const worst = perFrame.indexOf(Math.max(...perFrame));
  const inWorst = new Map<string, number>();
  for (const t of tasks) {
    if (worst < 0 || begins.length < 2 || t.start < begins[0] || frameAt(t.start) !== worst) continue;
    for (const [k, v] of selfByTask.get(t) ?? []) inWorst.set(k, (inWorst.get(k) ?? 0) + v);
  }
  const kinds = Object.fromEntries(KINDS.map((k) => [k, ms(byKind[k]) / n])) as Record<CostKind, number>;
  return {
    frames: perFrame.length,
    cpu: { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted[sorted.length - 1] ?? 0 },
    byKind: kinds,
    otherThreads: { mean: otherSorted.reduce((a, b) => a + b, 0) / n, p95: quantile(otherSorted, 0.95) },
    wallOverCpu: cpu > 0 ? wall / cpu : 1,
    longTasks,
    top: [...overall]
      .sort((a, b) => b[1].cpu - a[1].cpu)
      .slice(0, 6)
      .map(([what, o]) => ({ what, cpu: ms(o.cpu), n: o.n })),
    worstFrame: { cpu: worst < 0 ? 0 : ms(perFrame[worst]), causes: top(inWorst) },
  };
}
