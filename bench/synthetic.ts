/**
 * The benchmarks' synthetic traces, written as the tracer writes them (through the generated
 * encoders), in chunks so a trace of ten million events never sits in memory whole: a server of
 * 20 threads making reads, writes, preads, fsyncs and epoll waits with 7 stacks; with `mixed`,
 * also AIO batches paired with their completions, SIGIO generated and delivered, wake-ups between
 * threads and the symbol section of its stacks — every kind of arrow and row an export draws.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import * as wire from '../protocol/generated/wire';
import { TraceFileWriter } from '../extension/src/core/trace/file';
import { TracePipeline } from '../extension/src/core/trace/pipeline';
import { TraceStore } from '../extension/src/core/store/traceStore';
import { encodeOverview } from '../extension/src/core/store/overview';

const ORIGIN = 1e12;
const PID = 1000;
const THREADS = 20;
const STACKS = 7;

/** Records of the trace, in chunks of about 1 MiB. */
export function* syntheticChunks(events: number, mixed = false): Generator<Uint8Array> {
  let parts: Uint8Array[] = [wire.encodeHeader()];
  let size = 0;
  const add = (r: Uint8Array): void => {
    parts.push(r);
    size += r.length;
  };
  const flush = (): Uint8Array => {
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    parts = [];
    size = 0;
    return out;
  };
  add(wire.encodeClock({ monoNs: ORIGIN, realNs: 1.7e18 }));
  add(wire.encodeMeta({ json: JSON.stringify({ backend: 'ebpf', pid: PID }) }));
  for (let t = 0; t < THREADS; t++) {
    add(wire.encodeTask({ event: 6, pid: PID, tid: PID + t, ts: ORIGIN, ppid: 0, ptid: 0, exitCode: 0, flags: t === 0 ? 2 : 0, comm: t ? `worker-${t}` : 'server', filename: '' }));
  }
  if (mixed) {
    add(wire.encodeFd({ op: 4, type: 9, sys: 0, pid: PID, tid: PID, ts: ORIGIN, fd: 3, fd2: -1, openFlags: 0, rdev: 0, dev: 0, ino: 0, aux: 0, path: 'anon_inode:[eventpoll]' }));
    add(wire.encodeFd({ op: 4, type: 1, sys: 0, pid: PID, tid: PID, ts: ORIGIN, fd: 6, fd2: -1, openFlags: 0, rdev: 0, dev: 0, ino: 0, aux: 0, path: '/var/data/db' }));
  }
  const clock = new Array<number>(THREADS).fill(0);
  let seed = 42;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const sysIds = [5, 24, 25, 26, 34];
  for (let i = 0; i < events; ) {
    const t = i % THREADS;
    const dur = Math.floor(rnd() < 0.01 ? 5e6 * rnd() : 2e4 * rnd()) + 100;
    const ts = clock[t] + Math.floor(1e4 * rnd());
    clock[t] = ts + dur;
    const kind = mixed ? i % 20 : 0;
    if (kind === 7 && t > 0) {
      // an AIO batch of 4 reads on a worker, reaped by it: 4 events
      const ctx = 0x7f0000000000n + BigInt(t);
      for (let k = 0; k < 4; k++) {
        add(wire.encodeAioSubmit({ opcode: 0, index: k, pid: PID, tid: PID + t, ts: ORIGIN + ts, ctx, obj: BigInt(0x1000 + k), data: BigInt(i + k), offset: k * 4096, nbytes: 4096, fd: 6, resfd: -1, iocbFlags: 0, rwFlags: 0, stackId: 3n }));
      }
      add(wire.encodeSyscall({ sys: 10, cpu: 0, pid: PID, tid: PID + t, dataFormat: 0, dataCount: 0, flags: 0, ts: ORIGIN + ts, dur: 2000, ret: 4, stackId: 3n, args: [ctx, 4n, 0n, 0n, 0n, 0n], data: [] }));
      // io_submit for 2 µs, then io_getevents until the batch completes
      const reap = Math.max(dur, 1000);
      for (let k = 0; k < 4; k++) add(wire.encodeAioComplete({ index: k, flags: 0, pid: PID, tid: PID + t, ts: ORIGIN + ts + 2000 + reap, ctx, obj: BigInt(0x1000 + k), data: BigInt(i + k), res: 4096, res2: 0 }));
      add(wire.encodeSyscall({ sys: 11, cpu: 0, pid: PID, tid: PID + t, dataFormat: 4, dataCount: 1, flags: 0, ts: ORIGIN + ts + 2000, dur: reap, ret: 4, stackId: 4n, args: [ctx, 4n, 4n, 0n, 0n, 0n], data: [0xffffffffffffffffn] }));
      clock[t] = ts + 2000 + reap;
      i += 6;
    } else if (kind === 13) {
      add(wire.encodeSignalGenerate({ sig: 29, group: 1, result: 0, flags: 0, pid: PID, tid: PID, ts: ORIGIN + ts, senderPid: PID, senderTid: PID + t, code: 1, sigErrno: 0, pollFd: 3, pollBand: 1, senderComm: 'worker' }));
      add(wire.encodeSignalDeliver({ sig: 29, pid: PID, tid: PID, ts: ORIGIN + ts + 50, code: 1, sigErrno: 0, pollFd: 3, pollBand: 1, handler: 0n, saFlags: 0n, stackId: 1n }));
      i += 2;
    } else if (kind === 17 && t > 0) {
      add(wire.encodeWake({ wakerSys: 25, wakeeSys: 5, pid: PID, tid: PID + t, ts: ORIGIN + ts, wakeePid: PID, wakeeTid: PID, wakeeSince: 0, wakerFd: 5 }));
      i++;
    } else {
      const sys = sysIds[i % sysIds.length];
      const data = mixed && sys === 5 ? [0xffffffffffffffffn, 1n, 6n] : [];
      add(wire.encodeSyscall({
        sys, cpu: 0, pid: PID, tid: PID + t, dataFormat: data.length ? 1 : 0, dataCount: data.length, flags: 0, ts: ORIGIN + ts, dur, ret: 0,
        stackId: BigInt(1 + (i % STACKS)), args: [BigInt(mixed && sys === 5 ? 3 : 3 + (i % 5)), 0n, 4096n, 0n, 0n, 0n], data,
      }));
      i++;
    }
    if (size > 1 << 20) yield flush();
  }
  if (mixed) {
    for (let s = 1; s <= STACKS; s++) {
      const frames: [string, string, number][] = [['__GI___libc_read', 'sysdeps/unix/sysv/linux/read.c', 26], [`handler_${s}`, '/srv/app/src/server.c', 100 + s], ['run_loop', '/srv/app/src/server.c', 42], ['main', '/srv/app/src/main.c', 9]];
      add(wire.encodeStack({ nframes: frames.length, flags: 0, pid: PID, spSlots: 0, stackId: BigInt(s), frames: frames.map((_, k) => BigInt(0x1000 * s + k)) }));
      frames.forEach(([fn, file, line], index) => {
        add(wire.encodeSymFrame({ stackEnd: 0, index, depth: 0, line, column: 3, flags: 0, stackId: BigInt(s), addr: BigInt(0x1000 * s + index), strings: [fn, file, '/srv/app/server'] }));
      });
    }
  }
  yield flush();
}

/** The whole trace in memory (for the smaller benchmarks). */
export function syntheticTrace(events: number, mixed = false): Uint8Array {
  const chunks = [...syntheticChunks(events, mixed)];
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Write the trace to a file, chunk by chunk: as a recording is saved (TraceFileWriter, format 2),
 * or with `format: 1` as the stream itself (what files were before format 2). With `overview` (as
 * the editor's recordings), the events also go into a store, whose overview the file's footer gets.
 */
export async function writeSyntheticTrace(path: string, events: number, mixed = false, format: 1 | 2 = 2, overview = false): Promise<void> {
  if (format === 1) {
    const fd = openSync(path, 'w');
    try {
      for (const c of syntheticChunks(events, mixed)) writeSync(fd, c);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const writer = await TraceFileWriter.create(path);
  let store: TraceStore | undefined;
  const pipeline = new TracePipeline((e) => store?.add(e), { symbolizer: null, events: overview });
  if (overview) store = new TraceStore((pid, tid) => pipeline.trace.processes.threadName(pid, tid), pipeline.trace.uioDevices);
  for (const c of syntheticChunks(events, mixed)) {
    writer.write(c);
    pipeline.push(c);
    await writer.ready();
  }
  pipeline.end();
  await writer.finish(pipeline, Infinity, () => store && encodeOverview(store, store.trackInfos()));
}
