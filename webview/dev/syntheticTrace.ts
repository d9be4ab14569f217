/**
 * A synthetic trace for the rendering benchmark and screenshots (not shipped): 20 threads in three
 * processes, a requests track with lanes, two interrupt tracks; spans of random durations (waits
 * that fill most of a loop's time, short I/O, rare long stalls), requests with submit -> completion
 * arrows, signals with generate -> deliver arrows, wake-ups, unfinished calls, and lost-records gaps.
 * Deterministic (seeded).
 */
import { ns, Style, type Arrow, type TrackInfo, type TrackKind } from '../../protocol/messages';

/** One track's events, in time order. */
export interface SynthTrack {
  readonly info: TrackInfo;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly style: Uint8Array;
  readonly id: Uint32Array;
  readonly lane: Uint8Array;
  readonly name: Uint16Array;
  /** Longest span, ns (to find spans overlapping a window's start). */
  readonly maxSpan: number;
  readonly instTime: Float64Array;
  readonly instStyle: Uint8Array;
  readonly instId: Uint32Array;
  readonly instName: Uint16Array;
}

/** The whole synthetic trace. */
export interface SynthTrace {
  readonly duration: number;
  readonly tracks: readonly SynthTrack[];
  readonly arrows: readonly Arrow[];
  readonly gaps: readonly { start: number; end: number; count: number }[];
  readonly names: readonly string[];
  readonly events: number;
  /** Per event id: track and index (instants: index | 0x80000000). */
  readonly where: Uint32Array;
  readonly whereTrack: Uint16Array;
}

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
  readonly name: string;
  readonly style: number;
  /** Weight among the thread's calls. */
  readonly w: number;
  /** 'wait': fills a share of the slot; else a log-uniform duration in [min, max] ns. */
  readonly wait?: boolean;
  readonly min?: number;
  readonly max?: number;
}

interface ThreadPlan {
  readonly group: string;
  readonly pid: number;
  readonly tid: number;
  readonly label: string;
  readonly share: number;
  readonly calls: readonly Call[];
}

const S = Style;
const PLANS: readonly ThreadPlan[] = [
  { group: 'server 4242', pid: 4242, tid: 4242, label: 'server', share: 15, calls: [
    { name: 'epoll_wait', style: S.multiplexing, w: 6, wait: true },
    { name: 'read', style: S.blocking, w: 3, min: 800, max: 40e3 },
    { name: 'write', style: S.blocking, w: 2, min: 900, max: 30e3 },
  ] },
  ...Array.from({ length: 8 }, (_, i): ThreadPlan => ({
    group: 'server 4242', pid: 4242, tid: 4243 + i, label: `worker-${i + 1}`, share: 4, calls: [
      { name: 'futex', style: S.blocking, w: 4, wait: true },
      { name: 'pread64', style: S.blocking, w: 5, min: 2e3, max: 900e3 },
      { name: 'pwrite64', style: S.blocking, w: 2, min: 3e3, max: 400e3 },
      { name: 'fsync', style: S.blocking, w: 0.3, min: 200e3, max: 12e6 },
    ],
  })),
  { group: 'server 4242', pid: 4242, tid: 4251, label: 'aio-io', share: 5, calls: [
    { name: 'io_getevents', style: S.aio, w: 4, wait: true },
    { name: 'io_submit', style: S.aio, w: 3, min: 1.5e3, max: 30e3 },
  ] },
  { group: 'server 4242', pid: 4242, tid: 4252, label: 'uring-io', share: 5, calls: [
    { name: 'io_uring_enter', style: S.uring, w: 5, wait: true },
    { name: 'io_uring_enter', style: S.uring, w: 2, min: 1e3, max: 20e3 },
  ] },
  { group: 'server 4242', pid: 4242, tid: 4253, label: 'logger', share: 2, calls: [
    { name: 'write', style: S.blocking, w: 5, min: 2e3, max: 200e3 },
    { name: 'fdatasync', style: S.blocking, w: 1, min: 300e3, max: 20e6 },
  ] },
  ...['client', 'net-1', 'net-2', 'net-3'].map((label, i): ThreadPlan => ({
    group: 'loadgen 5120', pid: 5120, tid: 5120 + i, label, share: 4.5, calls: [
      { name: 'epoll_pwait', style: S.multiplexing, w: 5, wait: true },
      { name: 'recvfrom', style: S.blocking, w: 3, min: 700, max: 25e3 },
      { name: 'sendto', style: S.blocking, w: 3, min: 900, max: 35e3 },
    ],
  })),
  { group: 'uio-daq 6001', pid: 6001, tid: 6001, label: 'uio-daq', share: 3, calls: [
    { name: 'read', style: S.uio, w: 6, wait: true },
    { name: 'write', style: S.uio, w: 2, min: 1e3, max: 8e3 },
  ] },
  { group: 'uio-daq 6001', pid: 6001, tid: 6002, label: 'sig-handler', share: 2, calls: [
    { name: 'rt_sigtimedwait', style: S.signal, w: 5, wait: true },
    { name: 'read', style: S.blocking, w: 2, min: 800, max: 15e3 },
  ] },
  { group: 'uio-daq 6001', pid: 6001, tid: 6003, label: 'monitor', share: 2, calls: [
    { name: 'ppoll', style: S.multiplexing, w: 4, wait: true },
    { name: 'openat', style: S.blocking, w: 1, min: 3e3, max: 60e3 },
  ] },
];

class Names {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}

interface Builder {
  info: TrackInfo;
  start: number[];
  end: number[];
  style: number[];
  id: number[];
  lane: number[];
  name: number[];
  instTime: number[];
  instStyle: number[];
  instId: number[];
  instName: number[];
}

/** Make a trace of about `total` events over `durationNs`. */
export function makeTrace(total = 1_000_000, durationNs = 20e9, seed = 7): SynthTrace {
  const r = rng(seed);
  const names = new Names();
  const builders: Builder[] = [];
  const track = (kind: TrackKind, label: string, group: string, pid: number, tid: number, lanes = 1): Builder => {
    const b: Builder = {
      info: { id: builders.length, kind, label, group, pid, tid, lanes },
      start: [], end: [], style: [], id: [], lane: [], name: [], instTime: [], instStyle: [], instId: [], instName: [],
    };
    builders.push(b);
    return b;
  };
  let nextId = 0;
  const logUniform = (min: number, max: number): number => Math.exp(Math.log(min) + r() * (Math.log(max) - Math.log(min)));
  const D = durationNs;

  // Budget: spans of threads ~80%, requests 6%, interrupts 6%, instants 8%.
  const shares = PLANS.reduce((a, p) => a + p.share, 0);
  const threadBudget = total * 0.77;
  const threadTracks = new Map<number, Builder>();
  for (const p of PLANS) threadTracks.set(p.tid, track('thread', `${p.label} ${p.tid}`, p.group, p.pid, p.tid));
  const requests = track('requests', 'requests in flight', 'server 4242', 4242, 0, 8);
  const irqs = [track('irq', 'CPU 0', 'Hard interrupts', 0, 0), track('irq', 'CPU 2', 'Hard interrupts', 0, 0)];

  for (const p of PLANS) {
    const b = threadTracks.get(p.tid);
    if (!b) continue;
    const n = Math.round((threadBudget * p.share) / shares);
    const slot = D / n;
    const weights = p.calls.reduce((a, c) => a + c.w, 0);
    let t = r() * slot;
    for (let k = 0; k < n && t < D; k++) {
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
      b.start.push(t);
      b.end.push(t + dur);
      b.style.push(call.style);
      b.id.push(nextId++);
      b.lane.push(0);
      b.name.push(names.id(call.name));
      t += dur + Math.max(150, s * 0.3 * r() + (call.wait ? 0 : s * 0.5));
    }
  }

  // Requests: submitted by aio-io / uring-io, completed later; lanes assigned greedily.
  const arrows: Arrow[] = [];
  const submitters = [threadTracks.get(4251), threadTracks.get(4252)];
  const nReq = Math.round(total * 0.06);
  const laneEnd = new Float64Array(8);
  let tr = 0;
  for (let k = 0; k < nReq; k++) {
    tr += -Math.log(1 - r()) * (D / nReq);
    if (tr >= D) break;
    const dur = logUniform(15e3, 3e6);
    let lane = laneEnd.findIndex((e) => e <= tr);
    if (lane < 0) lane = 7;
    laneEnd[lane] = tr + dur;
    const sub = submitters[k % 2];
    const aio = k % 2 === 0;
    const id = nextId++;
    const unfinished = tr + dur > D;
    requests.start.push(tr);
    requests.end.push(Math.min(tr + dur, D));
    requests.style.push(unfinished ? S.unfinished : aio ? S.aio : S.uring);
    requests.id.push(id);
    requests.lane.push(lane);
    requests.name.push(names.id(aio ? 'IOCB_CMD_PREAD' : 'IORING_OP_READ'));
    if (sub && !unfinished) arrows.push({ fromTrack: sub.info.id, fromTime: ns(tr), toTrack: k % 5 === 0 ? sub.info.id : requests.info.id, toTime: ns(tr + dur), style: aio ? S.aio : S.uring, id });
  }

  // Interrupts (spans of a few µs), signals raised by them (generate on uio-daq -> deliver on
  // sig-handler), wake-ups (server -> a worker).
  const nIrq = Math.round(total * 0.06);
  for (let k = 0; k < nIrq; k++) {
    const b = irqs[k % 2];
    const t = ((k + r()) * D) / nIrq;
    b.start.push(t);
    b.end.push(t + logUniform(1.5e3, 12e3));
    b.style.push(S.irq);
    b.id.push(nextId++);
    b.lane.push(0);
    b.name.push(names.id('uio0 irq 42'));
  }
  const daq = threadTracks.get(6001);
  const sig = threadTracks.get(6002);
  const main = threadTracks.get(4242);
  const nSig = Math.round(total * 0.03);
  for (let k = 0; daq && sig && k < nSig; k++) {
    const t = ((k + r()) * D) / nSig;
    const lag = logUniform(3e3, 400e3);
    const gid = nextId++;
    daq.instTime.push(t);
    daq.instStyle.push(S.signal);
    daq.instId.push(gid);
    daq.instName.push(names.id('SIGIO generated'));
    const did = nextId++;
    sig.instTime.push(t + lag);
    sig.instStyle.push(S.signal);
    sig.instId.push(did);
    sig.instName.push(names.id('SIGIO delivered'));
    arrows.push({ fromTrack: daq.info.id, fromTime: ns(t), toTrack: sig.info.id, toTime: ns(t + lag), style: S.signal, id: did });
  }
  const nWake = Math.round(total * 0.05);
  for (let k = 0; main && k < nWake; k++) {
    const t = ((k + r()) * D) / nWake;
    const worker = threadTracks.get(4243 + (k % 8));
    const id = nextId++;
    main.instTime.push(t);
    main.instStyle.push(S.wakeup);
    main.instId.push(id);
    main.instName.push(names.id('futex woke'));
    if (worker) arrows.push({ fromTrack: main.info.id, fromTime: ns(t), toTrack: worker.info.id, toTime: ns(t), style: S.wakeup, id });
  }
  // A few calls still in progress at the end.
  for (const tid of [4242, 4251, 6002]) {
    const b = threadTracks.get(tid);
    if (!b) continue;
    const last = b.end.length - 1;
    const s = Math.max(b.end[last] + 1e5, D - 2.5e8);
    b.start.push(s);
    b.end.push(D);
    b.style.push(S.unfinished);
    b.id.push(nextId++);
    b.lane.push(0);
    b.name.push(names.id(tid === 4242 ? 'epoll_wait' : tid === 4251 ? 'io_getevents' : 'rt_sigtimedwait'));
  }

  // Finish: sort spans and instants by start, build typed columns and the id index.
  const where = new Uint32Array(nextId);
  const whereTrack = new Uint16Array(nextId);
  const tracks: SynthTrack[] = builders.map((b, ti) => {
    const order = b.start.map((_, i) => i).sort((x, y) => b.start[x] - b.start[y]);
    const iorder = b.instTime.map((_, i) => i).sort((x, y) => b.instTime[x] - b.instTime[y]);
    let maxSpan = 0;
    const t: SynthTrack = {
      info: b.info,
      start: Float64Array.from(order, (i) => b.start[i]),
      end: Float64Array.from(order, (i) => b.end[i]),
      style: Uint8Array.from(order, (i) => b.style[i]),
      id: Uint32Array.from(order, (i) => b.id[i]),
      lane: Uint8Array.from(order, (i) => b.lane[i]),
      name: Uint16Array.from(order, (i) => b.name[i]),
      maxSpan: 0,
      instTime: Float64Array.from(iorder, (i) => b.instTime[i]),
      instStyle: Uint8Array.from(iorder, (i) => b.instStyle[i]),
      instId: Uint32Array.from(iorder, (i) => b.instId[i]),
      instName: Uint16Array.from(iorder, (i) => b.instName[i]),
    };
    for (let i = 0; i < t.id.length; i++) {
      maxSpan = Math.max(maxSpan, t.end[i] - t.start[i]);
      where[t.id[i]] = i;
      whereTrack[t.id[i]] = ti;
    }
    for (let i = 0; i < t.instId.length; i++) {
      where[t.instId[i]] = i | 0x80000000;
      whereTrack[t.instId[i]] = ti;
    }
    return { ...t, maxSpan };
  });
  const gaps = [
    { start: 12.0e9, end: 12.0042e9, count: 18234 },
    { start: 15.3e9, end: 15.30001e9, count: 37 },
  ];
  return { duration: D, tracks, arrows, gaps, names: names.list, events: nextId, where, whereTrack };
}
