/**
 * What handing the analysis' inputs to a worker thread would cost `iolens report`'s main thread
 * (issue 9's lead: the analysis beside the report's tallies, on another CPU). The report's real
 * pass (the decoder and the report's tallies, commands/report.ts analyzeTraceFile's reading) is run
 * these ways, one mode a process so that none specialises another's code:
 *
 *   - `decode`: the events decoded and handed to nobody;
 *   - `analysis`: the analysis alone, without the report's tallies (what a worker that decoded
 *     the events again would do);
 *   - `report`: the report alone;
 *   - `with`: the report with the analysis in the same thread, as `iolens report` runs today;
 *   - `handoff`: the report, and each event's fields the analysis reads (kind, thread, times,
 *     syscall, result, stack, flags, its fd, epoll fd, fd type, timeout, first ready fd, path)
 *     written into a Float64Array, BATCH events at a time, whose ArrayBuffer is transferred to a
 *     worker that only walks it. This is the main thread's share of that design: the worker's
 *     analysis itself is not run (it would read these arrays; today it reads decoded events).
 *     The worker hands each array back to be filled again;
 *   - `handoff:base`: the same without the call's arguments (the event's own fields only).
 *
 * Printed per pass: wall time, the process's CPU time (all threads) and the main thread's
 * (`/proc/self/task/PID/stat`, 10 ms ticks).
 *
 *   npx esbuild bench/analysisHandoff.ts --bundle --platform=node --outfile=/tmp/h/handoff.js
 *   node /tmp/h/handoff.js decode|report|analysis|with|handoff|handoff:base [EVENTS] [PASSES]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BatchedAnalyzer } from '../extension/src/core/analysis/batch';
import type { TraceEvent } from '../extension/src/core/model/events';
import { ReportBuilder } from '../extension/src/core/report/aggregate';
import { readTraceFile } from '../extension/src/core/trace/file';
import { trace } from './analysisTrace';

/** Events a transferred array holds. */
const BATCH = 4096;
/** Numbers written per event. */
const SLOTS = 16;

/** The worker: walks each array it is handed (so that the transfer is real), answers the sum at the end. */
const WORKER = `
const { parentPort } = require('node:worker_threads');
let sum = 0;
parentPort.on('message', (m) => {
  if (m === 'end') { parentPort.postMessage(sum); return; }
  const a = new Float64Array(m.buf, 0, m.n * ${SLOTS});
  for (let i = 0; i < a.length; i += ${SLOTS}) sum += a[i + 3];
  parentPort.postMessage(m.buf, [m.buf]); // back to the main thread, to be filled again
});
`;

/** The main thread's CPU time so far, ms (utime + stime of its task). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // fields 14 and 15, in clock ticks of 10 ms
}

/** Writes the analysis' fields of each event into transferred arrays. */
class Handoff {
  private buf = new Float64Array(BATCH * SLOTS);
  /** The same memory, for the stack id (a bigint written without making another). */
  private big = new BigUint64Array(this.buf.buffer);
  private n = 0;
  private readonly strings = new Map<string, number>();

  /** Arrays the worker handed back, to be filled again (no new memory per batch). */
  private readonly spare: ArrayBuffer[] = [];

  /** `args`: read the call's arguments too (false: the event's own fields only, to tell the two costs apart). */
  constructor(private readonly worker: Worker, private readonly args: boolean) {
    worker.on('message', (m: unknown) => {
      if (m instanceof ArrayBuffer) this.spare.push(m);
    });
  }

  private code(s: unknown): number {
    if (typeof s !== 'string') return -1;
    let c = this.strings.get(s);
    if (c === undefined) {
      c = this.strings.size;
      this.strings.set(s, c);
    }
    return c;
  }

  add(e: TraceEvent): void {
    const a = this.buf;
    const o = this.n * SLOTS;
    a[o] = e.pid;
    a[o + 1] = e.tid;
    a[o + 2] = e.ts;
    this.big[o + 4] = e.stackId;
    if (e.kind === 'syscall') {
      a[o + 3] = e.dur;
      a[o + 6] = e.sys;
      a[o + 7] = e.ret;
      a[o + 8] = (e.unfinished ? 1 : 0) | (e.error !== null ? 4 : 0);
    }
    if (e.kind === 'syscall' && this.args) {
      const args = e.args;
      if (args.nonblocking === true) a[o + 8] += 2;
      a[o + 9] = typeof args.fd === 'number' ? args.fd : -1;
      a[o + 10] = typeof args.epfd === 'number' ? args.epfd : -1;
      a[o + 11] = this.code(args.fd_type);
      a[o + 12] = typeof args.timeout_ns === 'number' ? args.timeout_ns : typeof args.timeout_ms === 'number' ? args.timeout_ms * 1e6 : -1;
      const ready = args.ready;
      const first = Array.isArray(ready) && ready.length > 0 ? ready[0] : null;
      a[o + 13] = first !== null && typeof first === 'object' && !Array.isArray(first) && typeof first.fd === 'number' ? first.fd : -1;
      a[o + 14] = this.code(args.path);
      a[o + 15] = typeof args.calls === 'number' ? args.calls : 1;
    } else if (e.kind !== 'syscall') {
      a[o + 3] = 0;
      a[o + 6] = -1;
      a[o + 14] = this.code(e.kind);
    }
    if (++this.n === BATCH) this.flush();
  }

  flush(): void {
    if (this.n === 0) return;
    const buf = this.buf.buffer;
    this.worker.postMessage({ buf, n: this.n }, [buf]);
    const next = this.spare.pop();
    this.buf = next ? new Float64Array(next) : new Float64Array(BATCH * SLOTS);
    this.big = new BigUint64Array(this.buf.buffer);
    this.n = 0;
  }
}

async function pass(file: string, mode: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpuMs();
  let builder: ReportBuilder | null = null;
  let analyzer: BatchedAnalyzer | undefined;
  const worker = mode.startsWith('handoff') ? new Worker(WORKER, { eval: true }) : null;
  const handoff = worker ? new Handoff(worker, mode === 'handoff') : null;
  let id = 0;
  await readTraceFile(
    file,
    (e) => {
      builder?.add(e);
      analyzer?.add(e, id++);
      handoff?.add(e);
    },
    {
      symbolPath: [],
      onPipeline: (p) => {
        if (mode === 'with' || mode === 'analysis') analyzer = new BatchedAnalyzer(p.trace, {});
        if (mode !== 'decode' && mode !== 'analysis') builder = new ReportBuilder(p.trace.uioDevices, analyzer ?? null);
      },
    },
  );
  analyzer?.result();
  if (worker && handoff) {
    handoff.flush();
    const done = new Promise((resolve, reject) => {
      worker.on('message', (m: unknown) => typeof m === 'number' && resolve(m));
      worker.once('error', reject);
    });
    worker.postMessage('end');
    await done;
    await worker.terminate();
  }
  const c = process.cpuUsage(c0);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(`${mode}: ${ms.toFixed(0)} ms wall, ${((c.user + c.system) / 1e3).toFixed(0)} ms CPU, main thread ${mainThreadCpuMs() - m0} ms CPU\n`);
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? '';
  if (!['decode', 'report', 'analysis', 'with', 'handoff', 'handoff:base'].includes(mode)) throw new Error('usage: analysisHandoff.ts decode|report|analysis|with|handoff|handoff:base [EVENTS] [PASSES]');
  const events = Number(process.argv[3] ?? 1_000_000);
  const passes = Number(process.argv[4] ?? 4);
  const file = join(tmpdir(), `iolens-bench-analysis-${events}.iolens`);
  if (!existsSync(file)) writeFileSync(file, trace(events));
  for (let i = 0; i < passes; i++) await pass(file, mode);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
