/**
 * A synthetic trace for the rendering benchmark and screenshots (not shipped): 20 threads in three
 * processes, a requests track with lanes, two interrupt tracks; calls of random durations (waits
 * that fill most of a loop's time, short I/O, rare long stalls), AIO and io_uring requests from
 * submission to completion, signals generated and delivered, wake-ups, calls still running at the
 * end, and lost records. Deterministic (seeded). It is made of the assembler's events
 * (core/model/events.ts), so the host's own store and window query (core/store/) serve it — the
 * benchmark measures the real code, not a look-alike.
 */
import { Sys, type IoModelName, type SysName } from '../../protocol/generated/wire';
import type { Args, TraceEvent } from '../../extension/src/core/model/events';

/** A seeded random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Call {
  readonly name: SysName;
  /** The I/O model it is drawn in. */
  readonly model: IoModelName;
  /** Weight among the thread's calls. */
  readonly w: number;
  /** 'wait': fills a share of the slot; else a log-uniform duration in [min, max] ns. */
  readonly wait?: boolean;
  readonly min?: number;
  readonly max?: number;
}

interface ThreadPlan {
  readonly pid: number;
  readonly tid: number;
  readonly label: string;
  readonly share: number;
  readonly calls: readonly Call[];
}

const PLANS: readonly ThreadPlan[] = [
  { pid: 4242, tid: 4242, label: 'server', share: 15, calls: [
    { name: 'epoll_wait', model: 'multiplexing', w: 6, wait: true },
    { name: 'read', model: 'blocking', w: 3, min: 800, max: 40e3 },
    { name: 'write', model: 'blocking', w: 2, min: 900, max: 30e3 },
  ] },
  ...Array.from({ length: 8 }, (_, i): ThreadPlan => ({
    pid: 4242, tid: 4243 + i, label: `worker-${i + 1}`, share: 4, calls: [
      { name: 'futex', model: 'blocking', w: 4, wait: true },
      { name: 'pread64', model: 'blocking', w: 5, min: 2e3, max: 900e3 },
      { name: 'pwrite64', model: 'blocking', w: 2, min: 3e3, max: 400e3 },
      { name: 'fsync', model: 'blocking', w: 0.3, min: 200e3, max: 12e6 },
    ],
  })),
  { pid: 4242, tid: 4251, label: 'aio-io', share: 5, calls: [
    { name: 'io_getevents', model: 'aio', w: 4, wait: true },
    { name: 'io_submit', model: 'aio', w: 3, min: 1.5e3, max: 30e3 },
  ] },
  { pid: 4242, tid: 4252, label: 'uring-io', share: 5, calls: [
    { name: 'io_uring_enter', model: 'uring', w: 5, wait: true },
    { name: 'io_uring_enter', model: 'uring', w: 2, min: 1e3, max: 20e3 },
  ] },
  { pid: 4242, tid: 4253, label: 'logger', share: 2, calls: [
    { name: 'write', model: 'blocking', w: 5, min: 2e3, max: 200e3 },
    { name: 'fdatasync', model: 'blocking', w: 1, min: 300e3, max: 20e6 },
  ] },
  ...['client', 'net-1', 'net-2', 'net-3'].map((label, i): ThreadPlan => ({
    pid: 5120, tid: 5120 + i, label, share: 4.5, calls: [
      { name: 'epoll_pwait', model: 'multiplexing', w: 5, wait: true },
      { name: 'recvfrom', model: 'blocking', w: 3, min: 700, max: 25e3 },
      { name: 'sendto', model: 'blocking', w: 3, min: 900, max: 35e3 },
    ],
  })),
  { pid: 6001, tid: 6001, label: 'uio-daq', share: 3, calls: [
    { name: 'read', model: 'uio', w: 6, wait: true },
    { name: 'write', model: 'uio', w: 2, min: 1e3, max: 8e3 },
  ] },
  { pid: 6001, tid: 6002, label: 'sig-handler', share: 2, calls: [
    { name: 'rt_sigtimedwait', model: 'signal', w: 5, wait: true },
    { name: 'read', model: 'blocking', w: 2, min: 800, max: 15e3 },
  ] },
  { pid: 6001, tid: 6003, label: 'monitor', share: 2, calls: [
    { name: 'ppoll', model: 'multiplexing', w: 4, wait: true },
    { name: 'openat', model: 'blocking', w: 1, min: 3e3, max: 60e3 },
  ] },
];

/** The files the synthetic calls use. */
export const PATHS = ['/var/lib/db/data.bin', 'socket:[88213]', 'anon_inode:[eventfd]', '/dev/uio0', 'pipe:[77120]'];

/** The thread names of the synthetic trace, by tid. */
export const THREAD_NAMES: ReadonlyMap<number, string> = new Map(PLANS.map((p) => [p.tid, p.label]));

/** The lost-records gaps of the synthetic trace: [start, end) ns and the count lost. */
export const SYNTHETIC_GAPS = [
  { start: 12.0e9, end: 12.2e9, count: 18234, source: 'ring' },
  { start: 15.1e9, end: 15.3e9, count: 37, source: 'user' },
] as const;

/**
 * Make a trace of about `total` events over `durationNs`, handing each event to `emit` (e.g. a
 * TraceStore's `add`). Returns the number of events emitted.
 */
export function makeTrace(emit: (e: TraceEvent) => void, total = 1_000_000, durationNs = 20e9, seed = 7): number {
  const r = rng(seed);
  let n = 0;
  const add = (e: TraceEvent): void => {
    emit(e);
    n++;
  };
  const logUniform = (min: number, max: number): number => Math.exp(Math.log(min) + r() * (Math.log(max) - Math.log(min)));
  const D = durationNs;
  const argsOf = new Map<string, Args>();
  const callArgs = (k: number): Args => {
    const key = String(k % 45);
    let a = argsOf.get(key);
    if (!a) argsOf.set(key, (a = { fd: 3 + (k % 9), path: PATHS[k % 5], count: 4096 }));
    return a;
  };
  const syscall = (pid: number, tid: number, name: SysName, model: IoModelName, ts: number, dur: number, k: number, unfinished = false): TraceEvent => ({
    kind: 'syscall', name, pid, tid, ts, dur, sys: Sys[name], model, ret: k % 17 === 0 ? -11 : (k * 37) % 4096,
    error: k % 17 === 0 ? 'EAGAIN' : null, unfinished, cpu: k % 8, stackId: BigInt(1 + (k % 7)), args: callArgs(k),
  });

  // The threads (and their processes' names) first, so that the tracks come in this order.
  for (const p of PLANS) add({ kind: 'thread', name: 'existing', pid: p.pid, tid: p.tid, ts: 0, stackId: 0n, args: {}, comm: p.label, exitCode: null });

  // Budget: calls of threads ~77%, requests 6%, interrupts 6%, instants 8%.
  const shares = PLANS.reduce((a, p) => a + p.share, 0);
  const threadBudget = total * 0.77;
  const lastEnd = new Map<number, number>();
  let k = 0;
  for (const p of PLANS) {
    const count = Math.round((threadBudget * p.share) / shares);
    const slot = D / count;
    const weights = p.calls.reduce((a, c) => a + c.w, 0);
    let t = r() * slot;
    for (let i = 0; i < count && t < D; i++) {
      let x = r() * weights;
      let call = p.calls[0];
      for (const c of p.calls) {
        x -= c.w;
        if (x <= 0) {
          call = c;
          break;
        }
      }
      const s = -Math.log(1 - r()) * slot;
      let dur = call.wait ? s * (0.55 + 0.4 * r()) : logUniform(call.min ?? 1e3, call.max ?? 1e5);
      // A rare stall: the kind of long call the tool is for.
      if (r() < 0.0004) dur = logUniform(20e6, 350e6);
      dur = Math.max(200, Math.min(dur, D - t));
      add(syscall(p.pid, p.tid, call.name, call.model, t, dur, k++));
      lastEnd.set(p.tid, t + dur);
      t += dur + Math.max(150, s * 0.3 * r() + (call.wait ? 0 : s * 0.5));
    }
  }

  // Requests: submitted by aio-io and uring-io, completed later (one in five reaped by its submitter).
  const nReq = Math.round(total * 0.06);
  let tr = 0;
  for (let i = 0; i < nReq; i++) {
    tr += -Math.log(1 - r()) * (D / nReq);
    if (tr >= D) break;
    const dur = logUniform(15e3, 3e6);
    const aio = i % 2 === 0;
    const tid = aio ? 4251 : 4252;
    const done = tr + dur <= D;
    const base = {
      pid: 4242, tid, ts: tr, stackId: BigInt(1 + (i % 7)), args: { fd: 3 + (i % 9), path: PATHS[0] }, submitTs: tr, completeTs: done ? tr + dur : null, dur: done ? dur : null,
      res: done ? 4096 : null, data: BigInt(i), fd: 3 + (i % 9), completeTid: done && i % 5 === 0 ? tid : null, reapTs: done ? tr + dur : null, beforeRecording: false,
    };
    add(aio ? { ...base, kind: 'aio', name: 'IOCB_CMD_PREAD', ctx: 1n, ends: 'reaped', index: 0, fromRing: false } : { ...base, kind: 'uring', name: 'IORING_OP_READ', ring: 1n, sqThread: false, ends: 'posted', more: false });
  }

  // Interrupts (a few µs each) on two CPUs, signals raised by a device (generated on uio-daq,
  // delivered to sig-handler), wake-ups (server -> a worker).
  const nIrq = Math.round(total * 0.06);
  for (let i = 0; i < nIrq; i++) {
    const t = ((i + r()) * D) / nIrq;
    add({ kind: 'irq', name: 'uio0 irq 42', pid: 0, tid: 0, ts: t, stackId: 0n, args: { irq: 42 }, irq: 42, cpu: (i % 2) * 2, dur: logUniform(1.5e3, 12e3), ret: 1 });
  }
  const nSig = Math.round(total * 0.03);
  for (let i = 0; i < nSig; i++) {
    const t = ((i + r()) * D) / nSig;
    const lag = logUniform(3e3, 400e3);
    const sig = { name: 'SIGIO', pid: 6001, tid: 6002, stackId: 0n, dur: null, sig: 29, code: 0, coalesced: false } as const;
    add({ ...sig, kind: 'signal', phase: 'generate', ts: t, generateTs: null, args: { sender_pid: 6001, sender_tid: 6001 } });
    add({ ...sig, kind: 'signal', phase: 'deliver', ts: t + lag, generateTs: t, stackId: BigInt(1 + (i % 7)), args: {} });
  }
  const nWake = Math.round(total * 0.05);
  for (let i = 0; i < nWake; i++) {
    const t = ((i + r()) * D) / nWake;
    add({ kind: 'wake', name: 'futex', pid: 4242, tid: 4242, ts: t, stackId: 0n, args: {}, wakeePid: 4242, wakeeTid: 4243 + (i % 8), wakeeSince: null });
  }
  // A few calls still in progress at the end.
  for (const [tid, name, model] of [[4242, 'epoll_wait', 'multiplexing'], [4251, 'io_getevents', 'aio'], [6002, 'rt_sigtimedwait', 'signal']] as const) {
    const pid = PLANS.find((p) => p.tid === tid)?.pid ?? tid;
    const s = Math.max((lastEnd.get(tid) ?? 0) + 1e5, D - 2.5e8);
    add(syscall(pid, tid, name, model, s, D - s, k++, true));
  }
  // Lost records: the tracer counts them per source at the end of each 200 ms interval.
  for (const g of SYNTHETIC_GAPS) add({ kind: 'drop', name: g.source, pid: 0, tid: 0, ts: g.end, stackId: 0n, args: {}, count: g.count, total: g.count });
  return n;
}
