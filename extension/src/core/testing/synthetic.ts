/**
 * Building event streams by hand, for tests: every record through the generated encoders, so the
 * tests exercise the same layout the tracer writes.
 */
import * as assert from 'node:assert/strict';
import * as wire from '../../../../protocol/generated/wire';
import { TraceAssembler } from '../model/assembler';
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
  for (const s of wire.SYSCALLS.values()) if (s.name === name) return s.id;
  throw new Error(`no syscall ${name} in the schema`);
}

/** The events a stream assembles into (the input read whole, then finished), and the assembler. */
export function assemble(b: StreamBuilder): { events: TraceEvent[]; asm: TraceAssembler } {
  const events: TraceEvent[] = [];
  const asm = new TraceAssembler((e) => events.push(e));
  const reader = new StreamReader({ record: (r) => asm.push(r) });
  reader.push(b.bytes());
  assert.equal(reader.end(), undefined);
  asm.finish();
  return { events, asm };
}
