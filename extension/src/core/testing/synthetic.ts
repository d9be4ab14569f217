/**
 * Building event streams by hand, for tests: every record through the generated encoders, so the
 * tests exercise the same layout the tracer writes.
 */
import * as assert from 'node:assert/strict';
import * as wire from '../../../../protocol/generated/wire';
import { TraceAssembler, type AssemblerOptions } from '../model/assembler';
import type { TraceEvent } from '../model/events';
import { StreamReader } from '../stream/reader';

/** Defaults shared by the builders: one process 100 with threads 100 and 101. */
export const PID = 100;

/** A stream under construction. */
export class StreamBuilder {
  private readonly parts: Uint8Array[] = [wire.encodeHeader()];
  /** Monotonic time origin written in the clock record. */
  readonly origin = 1_000_000_000_000;

  constructor(withPreamble = true) {
    if (withPreamble) {
      this.add(wire.encodeClock({ monoNs: this.origin, realNs: 1_700_000_000_000_000_000 }));
      this.add(wire.encodeMeta({ json: JSON.stringify({ tracer: 'test', backend: 'ebpf', pid: PID, min_duration_ns: 1e6 }) }));
    }
  }

  /** Append an encoded record. */
  add(rec: Uint8Array): this {
    this.parts.push(rec);
    return this;
  }

  /** Absolute monotonic time of `rel` ns after the origin. */
  at(rel: number): number {
    return this.origin + rel;
  }

  /** A syscall record with defaults. */
  syscall(r: Partial<Omit<wire.SyscallRecord, 'kind'>> & { sys: number }): this {
    return this.add(
      wire.encodeSyscall({
        cpu: 0, pid: PID, tid: PID, dataFormat: 0, dataCount: r.data?.length ?? 0, flags: 0, ts: this.at(0), dur: 0, ret: 0,
        stackId: 0n, args: [0n, 0n, 0n, 0n, 0n, 0n], data: [], ...r,
      }),
    );
  }

  /** A task record with defaults. */
  task(r: Partial<Omit<wire.TaskRecord, 'kind'>> & { event: number }): this {
    return this.add(
      wire.encodeTask({ pid: PID, tid: PID, ts: this.at(0), ppid: 0, ptid: 0, exitCode: 0, flags: 0, comm: 'test', filename: '', ...r }),
    );
  }

  /** An fd record with defaults. */
  fd(r: Partial<Omit<wire.FdRecord, 'kind'>> & { op: number; fd: number }): this {
    return this.add(
      wire.encodeFd({ type: 0, sys: 0, pid: PID, tid: PID, ts: this.at(0), fd2: -1, openFlags: 0, rdev: 0, dev: 0, ino: 0, aux: 0, path: '', ...r }),
    );
  }

  /** A select/poll/epoll wait: epoll_wait(epfd, timeoutMs) returning `ret` ready fds (`ready`: [fd's epoll data, events]). */
  epollWait(o: { pid?: number; tid?: number; ts: number; dur: number; ret?: number; timeoutMs?: number; epfd?: number; stackId?: bigint; ready?: [bigint, number][] }): this {
    const ready = o.ready ?? [];
    return this.syscall({
      sys: sysId('epoll_wait'), pid: o.pid ?? PID, tid: o.tid ?? PID, ts: this.at(o.ts), dur: o.dur, ret: o.ret ?? ready.length, stackId: o.stackId ?? 0n,
      args: [BigInt(o.epfd ?? 3), 0x7ffe0000n, 16n, BigInt.asUintN(64, BigInt(o.timeoutMs ?? 100)), 0n, 0n], dataFormat: 1,
      data: [o.timeoutMs !== undefined && o.timeoutMs < 0 ? 0xffffffffffffffffn : BigInt(o.timeoutMs ?? 100) * 1_000_000n, ...ready.flatMap(([d, ev]) => [BigInt(ev), d])],
    });
  }

  /** A poll(fds, timeoutMs) wait returning the fds whose `revents` are not 0 (`fds`: [fd, events, revents]). */
  poll(o: { tid?: number; ts: number; dur: number; timeoutMs?: number; stackId?: bigint; fds: [number, number, number][] }): this {
    const timeout = o.timeoutMs ?? 100;
    return this.syscall({
      sys: sysId('poll'), tid: o.tid ?? PID, ts: this.at(o.ts), dur: o.dur, ret: o.fds.filter(([, , r]) => r !== 0).length, stackId: o.stackId ?? 0n,
      args: [0x7ffe0000n, BigInt(o.fds.length), BigInt.asUintN(64, BigInt(timeout)), 0n, 0n, 0n], dataFormat: wire.DataFormat.pollfds,
      data: [BigInt(timeout) * 1_000_000n, ...o.fds.map(([fd, ev, rev]) => BigInt.asUintN(32, BigInt(fd)) | (BigInt(ev) << 32n) | (BigInt(rev) << 48n))],
    });
  }

  /**
   * A coalesced run of `calls` empty epoll_wait(timeout 0) from one call site, as the tracer sends it
   * (SyscallFlag coalesced); `unfinished`: as shown while the run is not ended yet.
   */
  pollRun(o: { tid?: number; ts: number; dur: number; calls: number; busyNs: number; stackId?: bigint; unfinished?: boolean }): this {
    const flags = wire.SyscallFlag.coalesced | (o.unfinished ? wire.SyscallFlag.unfinished : 0);
    return this.syscall({
      sys: sysId('epoll_wait'), tid: o.tid ?? PID, ts: this.at(o.ts), dur: o.dur, ret: 0, stackId: o.stackId ?? 0n, flags,
      args: [3n, 0x7ffe0000n, 16n, 0n, 0n, 0n], dataFormat: wire.DataFormat.poll_run, data: [0n, BigInt(o.calls), BigInt(o.busyNs)],
    });
  }

  /**
   * A blocking-class call on fd `fd` (read, pread64, fsync, recvfrom, accept4...); `nonblocking`: the fd
   * had O_NONBLOCK; `neverSlept`: the thread did not sleep in it (the eBPF tracer's never_slept).
   */
  call(name: string, o: { tid?: number; pid?: number; ts: number; dur: number; ret?: number; fd?: number; stackId?: bigint; nonblocking?: boolean; neverSlept?: boolean; unfinished?: boolean; args?: bigint[] }): this {
    const args = o.args ?? [BigInt(o.fd ?? 0), 0x7ffe1000n, 64n, 0n, 0n, 0n];
    return this.syscall({
      sys: sysId(name), pid: o.pid ?? PID, tid: o.tid ?? PID, ts: this.at(o.ts), dur: o.dur, ret: o.ret ?? 0, stackId: o.stackId ?? 0n,
      flags: (o.nonblocking ? wire.SyscallFlag.nonblocking : 0) | (o.neverSlept ? wire.SyscallFlag.never_slept : 0) | (o.unfinished ? wire.SyscallFlag.unfinished : 0), args,
    });
  }

  /** An openat of `path` (its text in the record's tail, as the tracer sends it) that returned `ret`. */
  open(o: { tid?: number; ts: number; dur: number; path: string; ret?: number; stackId?: bigint; neverSlept?: boolean }): this {
    const bytes = Buffer.alloc(Math.ceil((o.path.length + 1) / 8) * 8);
    bytes.write(o.path);
    const data = Array.from({ length: bytes.length / 8 }, (_, i) => bytes.readBigUInt64LE(i * 8));
    return this.syscall({
      sys: sysId('openat'), tid: o.tid ?? PID, ts: this.at(o.ts), dur: o.dur, ret: o.ret ?? 9, stackId: o.stackId ?? 0n,
      flags: o.neverSlept ? wire.SyscallFlag.never_slept : 0, args: [BigInt.asUintN(64, -100n), 0x1000n, 0o2000000n, 0n, 0n, 0n],
      dataFormat: wire.DataFormat.path, data,
    });
  }

  /** Thread `tid`, in `call` on fd `fd`, woke thread `wakee` out of the call it began at `since` (ms after the origin, or null for an untraced wait). */
  wake(o: { tid: number; ts: number; wakee: number; since: number | null; call?: string; wakeeCall?: string; fd?: number; pid?: number }): this {
    return this.add(wire.encodeWake({
      wakerSys: sysId(o.call ?? 'write'), wakeeSys: sysId(o.wakeeCall ?? 'epoll_wait'), pid: o.pid ?? PID, tid: o.tid, ts: this.at(o.ts),
      wakeePid: o.pid ?? PID, wakeeTid: o.wakee, wakeeSince: o.since === null ? 0 : this.at(o.since), wakerFd: o.fd ?? -1,
    }));
  }

  /** A call_summary record: calls counted (not sent) for thread `tid` at `stackId`, cumulative. */
  summary(o: { tid?: number; ts: number; call: string; fdType?: number; nonblocking?: boolean; inLoop?: boolean; stackId?: bigint; count: number; totalNs: number; maxNs?: number; errnos?: [number, number][] }): this {
    const errnos = o.errnos ?? [];
    const values = [0, 0, 0, 0];
    const counts = [0, 0, 0, 0];
    errnos.slice(0, 4).forEach(([e, n], i) => {
      values[i] = e;
      counts[i] = n;
    });
    return this.add(wire.encodeCallSummary({
      sys: sysId(o.call), fdType: o.fdType ?? 0, flags: (o.nonblocking ? wire.CallSummaryFlag.nonblocking : 0) | (o.inLoop ? wire.CallSummaryFlag.in_loop : 0), pid: PID, tid: o.tid ?? PID, ts: this.at(o.ts),
      stackId: o.stackId ?? 0n, count: o.count, totalNs: o.totalNs, maxNs: o.maxNs ?? 0, errors: errnos.reduce((n, [, c]) => n + c, 0),
      errnoValues: values, errnoCounts: counts,
    }));
  }

  /**
   * A stack resolved in the symbol section: frames [function, file, line, module?], innermost first
   * (without a module, files starting with / are the program's, the others libc's).
   */
  symbols(stackId: bigint, frames: [string, string, number, string?][]): this {
    frames.forEach(([fn, file, line, inModule], index) => {
      const module = inModule ?? (file.startsWith('/') ? '/work/app/server' : '/usr/lib/x86_64-linux-gnu/libc.so.6');
      this.add(wire.encodeSymFrame({ stackEnd: 0, index, depth: 0, line, column: 5, flags: 0, stackId, addr: 0x1000n + BigInt(index), strings: [fn, file, module] }));
    });
    return this;
  }

  /** The whole stream. */
  bytes(): Uint8Array {
    const n = this.parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** iolens syscall id by name. */
export function sysId(name: string): number {
  const s = wire.SYSCALLS_BY_NAME.get(name);
  if (s) return s.id;
  throw new Error(`no syscall ${name} in the schema`);
}

/**
 * The events a stream assembles into (the input read whole, then finished), and the assembler. The
 * syscall records are decoded into a reader's slot as TracePipeline's are, unless `slots` is false
 * (a new object for each record, as `decodeRecord` alone makes them); `options` as the assembler's.
 */
export function assemble(b: StreamBuilder, slots = true, options: AssemblerOptions = {}): { events: TraceEvent[]; asm: TraceAssembler } {
  const events: TraceEvent[] = [];
  const asm = new TraceAssembler((e) => events.push(e), options);
  const reader = new StreamReader({ record: (r) => asm.push(r) }, undefined, slots ? wire.recordSlots() : undefined);
  reader.push(b.bytes());
  assert.equal(reader.end(), undefined);
  asm.finish();
  return { events, asm };
}
