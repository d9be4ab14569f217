import * as assert from 'node:assert/strict';
import * as wire from '../../../../protocol/generated/wire';
import { eventJson } from '../format/jsonl';
import { formatEventLine } from '../format/line';
import { StreamReader } from '../stream/reader';
import { assemble as assembleAll, PID, StreamBuilder, sysId } from '../testing/synthetic';
import { TraceAssembler } from './assembler';
import type { AioEvent, TraceEvent, UringEvent } from './events';
import { BEFORE_RECORDING, BEFORE_RECORDING_OR_LOST } from './requests';

const US = 1000;
const RING = 0xffff888000020000n;
const CTX = 0x7f0000aa0000n;

function assemble(b: StreamBuilder): TraceEvent[] {
  return assembleAll(b).events;
}

function uringSubmit(b: StreamBuilder, req: bigint, at: number, extra: Partial<wire.UringSubmitRecord> = {}): void {
  b.add(wire.encodeUringSubmit({
    opcode: 22, sqThread: 0, stackFrom: wire.UringStackFrom.enter, stackId: 0x55n, flags: 0, cqHead: 0, pid: PID, tid: PID, ts: b.at(at),
    ctx: RING, req, userData: req, reqFlags: 0n, fd: 6, ...extra,
  }));
}

/** A CQE; `cq`: its number and the CQ head then, as the tracer reads them (left out: an older tracer). */
function uringComplete(b: StreamBuilder, req: bigint, at: number, waiterTid: number, cq?: { seq: number; head: number }, cflags = 0): void {
  b.add(wire.encodeUringComplete({
    waiterTid, pid: PID, tid: PID, ts: b.at(at), ctx: RING, req, userData: req, res: 4096, cflags,
    ...(cq ? { cqSeq: cq.seq, cqHead: cq.head, flags: wire.UringFlag.cq_known } : {}),
  }));
}

/** io_uring_enter(fd 7, 0, 1, GETEVENTS) from `from` to `to` µs. */
function enter(b: StreamBuilder, from: number, to: number, tid = PID): void {
  b.syscall({ sys: sysId('io_uring_enter'), tid, ts: b.at(from), dur: to - from, ret: 1, args: [7n, 0n, 1n, 1n, 0n, 0n], stackId: 0x66n });
}

const lineCtx = { threadName: () => 't', stack: () => undefined, cwd: '/', color: false };

describe('request engines', () => {
  it('gives an io_uring request the stack of the io_uring_enter that submitted it, and says whose it is', () => {
    const b = new StreamBuilder();
    b.add(wire.encodeUringRing({ seenLate: 0, pid: PID, tid: PID, ts: b.at(0), ctx: RING, fd: 7, sqEntries: 8, cqEntries: 16, setupFlags: 2 }));
    uringSubmit(b, 1n, 10 * US);
    uringSubmit(b, 2n, 20 * US, { sqThread: 1, tid: PID + 5, stackFrom: wire.UringStackFrom.last_enter, stackId: 0x66n });
    uringComplete(b, 1n, 50 * US, 0);
    uringComplete(b, 2n, 60 * US, 0);
    const [direct, sqpoll] = assemble(b).filter((e): e is UringEvent => e.kind === 'uring');
    assert.equal(direct.stackId, 0x55n);
    assert.equal(direct.args.stack_from, 'the io_uring_enter that submitted it');
    assert.equal(sqpoll.stackId, 0x66n);
    assert.match(String(sqpoll.args.stack_from), /last io_uring_enter.*SQPOLL/);
    assert.equal(sqpoll.sqThread, true);
  });

  it('names no path for a registered file (IOSQE_FIXED_FILE): its fd field is an index, not a descriptor', () => {
    const b = new StreamBuilder();
    b.fd({ op: 4, fd: 0, type: 3, path: '/dev/null' });
    b.fd({ op: 4, fd: 6, type: 1, path: '/var/data/db' });
    b.add(wire.encodeUringRing({ seenLate: 0, pid: PID, tid: PID, ts: b.at(0), ctx: RING, fd: 7, sqEntries: 8, cqEntries: 16, setupFlags: 0 }));
    uringSubmit(b, 1n, 10 * US, { fd: 0, reqFlags: BigInt(wire.UringReqFlag.fixed_file) | 0x1000n });
    uringSubmit(b, 2n, 20 * US);
    uringComplete(b, 1n, 50 * US, 0);
    uringComplete(b, 2n, 60 * US, 0);
    const [fixed, plain] = assemble(b).filter((e): e is UringEvent => e.kind === 'uring');
    assert.equal(fixed.fd, -1);
    assert.equal(fixed.args.fd, null);
    assert.equal(fixed.args.registered_file, 0);
    assert.equal(fixed.args.path, null, 'fd 0 of the process is not the request\'s file');
    assert.equal(plain.args.fd, 6);
    assert.equal(plain.args.path, '/var/data/db');
  });

  it('says when an SQPOLL request carries the stack of the io_uring_setup (taken up before any io_uring_enter), or none', () => {
    const b = new StreamBuilder();
    b.add(wire.encodeUringRing({ seenLate: 0, pid: PID, tid: PID, ts: b.at(0), ctx: RING, fd: 7, sqEntries: 8, cqEntries: 16, setupFlags: 2 }));
    uringSubmit(b, 1n, 10 * US, { sqThread: 1, tid: PID + 5, stackFrom: wire.UringStackFrom.setup, stackId: 0x77n });
    uringSubmit(b, 2n, 20 * US, { sqThread: 1, tid: PID + 5, stackFrom: wire.UringStackFrom.none, stackId: 0n });
    const [early, unknown] = assemble(b).filter((e): e is UringEvent => e.kind === 'uring');
    assert.equal(early.stackId, 0x77n);
    assert.match(String(early.args.stack_from), /io_uring_setup that created the ring.*before any io_uring_enter/);
    assert.equal(unknown.stackId, 0n);
    assert.match(String(unknown.args.stack_from), /^none: the SQPOLL thread/);
  });

  it('says what a request\'s duration measures: io_uring to the CQE, and to the reap when the application waited for it', () => {
    const b = new StreamBuilder();
    uringSubmit(b, 1n, 10 * US);
    uringSubmit(b, 2n, 10 * US);
    uringSubmit(b, 3n, 10 * US);
    // 1 and 2 are posted while the thread waits in io_uring_enter (12..90 µs): reaped at its return
    uringComplete(b, 1n, 40 * US, PID);
    uringComplete(b, 2n, 80 * US, PID);
    enter(b, 12 * US, 90 * US);
    // the waiter's record can also come before a completion posted inside it (another CPU)
    enter(b, 100 * US, 130 * US, PID + 1);
    uringSubmit(b, 4n, 95 * US);
    uringComplete(b, 4n, 120 * US, PID + 1);
    // 3 is posted with nobody waiting: the application took it from the ring without a call
    uringComplete(b, 3n, 140 * US, 0);
    const reqs = assemble(b).filter((e): e is UringEvent => e.kind === 'uring');
    const by = new Map(reqs.map((e) => [e.data, e]));
    assert.equal(reqs.length, 4);
    for (const e of reqs) assert.equal(e.ends, 'posted');
    assert.equal(by.get(1n)?.dur, 30 * US, 'submit -> CQE posted');
    assert.equal(by.get(1n)?.reapTs, 90 * US, 'reaped when the io_uring_enter that waited returned');
    assert.equal(by.get(2n)?.reapTs, 90 * US);
    assert.equal(by.get(4n)?.reapTs, 130 * US);
    assert.equal(by.get(3n)?.reapTs, null);
    const json = eventJson(by.get(1n) as UringEvent, undefined);
    assert.equal(json.ends, 'posted');
    assert.equal(json.reap_ts, 90 * US);
    assert.equal(json.reap_dur, 80 * US);
    assert.match(formatEventLine(by.get(1n) as UringEvent, lineCtx), /io_uring read\(fd=6, data=0x1\) = 4096, reaped after 80\.0 µs {2}30\.0 µs$/);
  });

  it('tells when the application consumed a CQE it did not wait for: the CQ head seen past it at the ring\'s next activity', () => {
    const b = new StreamBuilder();
    const known = { flags: wire.UringFlag.cq_known };
    uringSubmit(b, 1n, 10 * US, { ...known, cqHead: 0 });
    uringComplete(b, 1n, 40 * US, 0, { seq: 0, head: 0 });
    uringSubmit(b, 2n, 60 * US, { ...known, cqHead: 1 }); // CQE 0 consumed by now
    uringComplete(b, 2n, 80 * US, 0, { seq: 1, head: 1 });
    uringSubmit(b, 3n, 90 * US, { ...known, cqHead: 1 }); // not CQE 1 yet
    uringComplete(b, 3n, 95 * US, 0); // an older tracer: no CQ numbers
    const reqs = assemble(b).filter((e): e is UringEvent => e.kind === 'uring');
    const by = new Map(reqs.map((e) => [e.data, e]));
    assert.equal(by.get(1n)?.reapTs, 60 * US);
    assert.equal(by.get(2n)?.reapTs, null, 'never seen consumed');
    assert.equal(by.get(3n)?.reapTs, null);
    assert.equal(reqs.length, 3);
  });

  it('takes the return of the wait as the reap when the CQ head shows the CQE taken before the next submission, else the head', () => {
    const b = new StreamBuilder();
    const known = { flags: wire.UringFlag.cq_known };
    uringSubmit(b, 1n, 10 * US, { ...known, cqHead: 0 });
    uringSubmit(b, 2n, 10 * US, { ...known, cqHead: 0 });
    uringComplete(b, 1n, 40 * US, PID, { seq: 0, head: 0 });
    uringComplete(b, 2n, 45 * US, PID, { seq: 1, head: 0 });
    enter(b, 20 * US, 50 * US); // the wait that got both
    uringSubmit(b, 3n, 2000 * US, { ...known, cqHead: 1 }); // CQE 0 taken right after the wait, CQE 1 not
    uringSubmit(b, 4n, 3000 * US, { ...known, cqHead: 2 });
    const by = new Map(assemble(b).filter((e): e is UringEvent => e.kind === 'uring').map((e) => [e.data, e]));
    assert.equal(by.get(1n)?.reapTs, 50 * US, 'the wait\'s return, confirmed by the head');
    assert.equal(by.get(2n)?.reapTs, 3000 * US, 'left in the ring after the wait: by the head');
  });

  it('lets CQEs whose consumption is not seen go after a second of the ring\'s activity', () => {
    const b = new StreamBuilder();
    uringSubmit(b, 1n, 0, { flags: wire.UringFlag.cq_known, cqHead: 0 });
    uringComplete(b, 1n, 10 * US, 0, { seq: 0, head: 0 });
    uringSubmit(b, 2n, 2e9, { flags: wire.UringFlag.cq_known, cqHead: 0 });
    const events: TraceEvent[] = [];
    const asm = new TraceAssembler((e) => events.push(e));
    const reader = new StreamReader({ record: (r) => asm.push(r) });
    reader.push(b.bytes());
    assert.deepEqual(events.filter((e) => e.kind === 'uring').map((e) => e.data), [1n], 'released before the end of the input');
  });

  it('lets completions waiting for their reap go when the waiting thread ends or the trace does', () => {
    const b = new StreamBuilder();
    uringSubmit(b, 1n, 10 * US);
    uringComplete(b, 1n, 40 * US, PID + 2);
    b.task({ event: wire.TaskEvent.exit, tid: PID + 2, ts: b.at(50 * US) });
    uringSubmit(b, 2n, 60 * US);
    uringComplete(b, 2n, 70 * US, PID);
    const events = assemble(b);
    const reqs = events.filter((e): e is UringEvent => e.kind === 'uring');
    assert.deepEqual(reqs.map((e) => [e.data, e.reapTs]), [[1n, null], [2n, null]]);
    assert.ok(events.findIndex((e) => e.kind === 'uring') < events.findIndex((e) => e.kind === 'thread'), 'released before the exit');
  });

  it('labels an AIO request submitted before the recording with what its completion tells', () => {
    const b = new StreamBuilder();
    b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: PID, ts: b.at(30 * US), ctx: CTX, obj: 0x9000n, data: 0xa7n, res: 4096, res2: 0 }));
    b.syscall({ sys: sysId('io_getevents'), ts: b.at(20 * US), dur: 10 * US, ret: 1, args: [CTX, 1n, 4n, 0x1000n, 0n, 0n], dataFormat: 4, data: [wire.NO_TIMEOUT] });
    b.add(wire.encodeDrop({ source: 1, cpu: 0xffff, ts: b.at(40 * US), count: 3, total: 3 }));
    b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: PID, ts: b.at(60 * US), ctx: CTX, obj: 0x9008n, data: 0xa8n, res: -5, res2: 0 }));
    b.syscall({ sys: sysId('io_getevents'), ts: b.at(50 * US), dur: 10 * US, ret: 1, args: [CTX, 1n, 4n, 0x1000n, 0n, 0n], dataFormat: 4, data: [wire.NO_TIMEOUT] });
    const [early, lost] = assemble(b).filter((e): e is AioEvent => e.kind === 'aio');
    assert.equal(early.name, BEFORE_RECORDING);
    assert.equal(early.beforeRecording, true);
    assert.equal(early.submitTs, null);
    assert.equal(early.completeTs, 30 * US);
    assert.equal(early.reapTs, 30 * US);
    assert.equal(early.ends, 'reaped');
    assert.equal(early.res, 4096);
    assert.deepEqual(early.args, { obj: '0x9000', res2: 0, ctx: '0x7f0000aa0000' });
    assert.equal(early.data, 0xa7n);
    assert.equal(formatEventLine(early, lineCtx), `    0.000030  t ${PID}/${PID}  aio request ${BEFORE_RECORDING} (ctx=0x7f0000aa0000, obj=0x9000, data=0xa7) = 4096, reaped`);
    assert.equal(eventJson(early, undefined).submitted_before_recording, true);
    assert.equal(lost.name, BEFORE_RECORDING_OR_LOST, 'after a loss its submission may be among the lost records');
    assert.equal(lost.res, -5);
  });

  it('gives AIO requests the reap as their end: what io_getevents returned, when', () => {
    const b = new StreamBuilder();
    b.add(wire.encodeAioSubmit({
      opcode: 0, index: 0, pid: PID, tid: PID, ts: b.at(10 * US), ctx: CTX, obj: 0x9000n, data: 1n, offset: 0, nbytes: 4096, fd: 6, resfd: -1,
      iocbFlags: 0, rwFlags: 0, stackId: 0x44n,
    }));
    b.syscall({ sys: sysId('io_submit'), ts: b.at(10 * US), dur: 2 * US, ret: 1, args: [CTX, 1n, 0x2000n, 0n, 0n, 0n], stackId: 0x44n });
    b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: PID, ts: b.at(70 * US), ctx: CTX, obj: 0x9000n, data: 1n, res: 4096, res2: 0 }));
    b.syscall({ sys: sysId('io_getevents'), ts: b.at(20 * US), dur: 50 * US, ret: 1, args: [CTX, 1n, 4n, 0x1000n, 0n, 0n], dataFormat: 4, data: [wire.NO_TIMEOUT] });
    const [r] = assemble(b).filter((e): e is AioEvent => e.kind === 'aio');
    assert.equal(r.ends, 'reaped');
    assert.equal(r.dur, 60 * US);
    assert.equal(r.reapTs, r.completeTs);
    assert.equal(r.stackId, 0x44n);
  });

  it('ends an AIO request the application took from the ring at the boundary that saw it, once, and attaches it to no call', () => {
    const b = new StreamBuilder();
    const submit = (obj: bigint, data: bigint, at: number): void => {
      b.add(wire.encodeAioSubmit({
        opcode: 0, index: 0, pid: PID, tid: PID, ts: b.at(at), ctx: CTX, obj, data, offset: 0, nbytes: 4096, fd: 6, resfd: 7,
        iocbFlags: 1, rwFlags: 0, stackId: 0x44n,
      }));
      b.syscall({ sys: sysId('io_submit'), ts: b.at(at), dur: 2 * US, ret: 1, args: [CTX, 1n, 0x2000n, 0n, 0n, 0n], stackId: 0x44n });
    };
    const ring = wire.AioCompleteFlag.ring;
    submit(0x9000n, 1n, 10 * US);
    // taken from the ring, seen at the next io_submit's entry (no record of a call follows it)
    b.add(wire.encodeAioComplete({ index: 0, flags: ring, pid: PID, tid: PID, ts: b.at(40 * US), ctx: CTX, obj: 0x9000n, data: 1n, res: 4096, res2: 0 }));
    submit(0x9008n, 2n, 40 * US);
    // reaped by io_getevents, then seen again in the ring (another thread took from it meanwhile)
    b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: PID, ts: b.at(60 * US), ctx: CTX, obj: 0x9008n, data: 2n, res: 4096, res2: 0 }));
    b.syscall({ sys: sysId('io_getevents'), ts: b.at(50 * US), dur: 10 * US, ret: 1, args: [CTX, 1n, 4n, 0x1000n, 0n, 0n], dataFormat: 4, data: [wire.NO_TIMEOUT] });
    b.add(wire.encodeAioComplete({ index: 0, flags: ring, pid: PID, tid: PID, ts: b.at(65 * US), ctx: CTX, obj: 0x9008n, data: 2n, res: 4096, res2: 0 }));
    // seen in the ring first (before the context's first io_getevents), then reaped by the call
    submit(0x9010n, 3n, 70 * US);
    b.add(wire.encodeAioComplete({ index: 0, flags: ring, pid: PID, tid: PID, ts: b.at(80 * US), ctx: CTX, obj: 0x9010n, data: 3n, res: 4096, res2: 0 }));
    b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: PID, ts: b.at(90 * US), ctx: CTX, obj: 0x9010n, data: 3n, res: 4096, res2: 0 }));
    b.syscall({ sys: sysId('io_getevents'), ts: b.at(85 * US), dur: 5 * US, ret: 1, args: [CTX, 1n, 4n, 0x1000n, 0n, 0n], dataFormat: 4, data: [wire.NO_TIMEOUT] });
    const events = assemble(b);
    const reqs = events.filter((e): e is AioEvent => e.kind === 'aio');
    assert.deepEqual(reqs.map((e) => [e.data, e.completeTs, e.fromRing, e.beforeRecording]), [[1n, 40 * US, true, false], [2n, 60 * US, false, false], [3n, 80 * US, true, false]]);
    assert.match(formatEventLine(reqs[0], lineCtx), /= 4096 \(read from the AIO ring in user space: the time is an upper bound\) {2}30\.0 µs$/);
    assert.equal(eventJson(reqs[0], undefined).from_ring, true);
    assert.equal(eventJson(reqs[1], undefined).from_ring, undefined, 'said only where it is so');
    const reaped = events.filter((e) => e.kind === 'syscall' && e.name === 'io_getevents').map((e) => (e as { args: { events?: unknown } }).args.events);
    assert.deepEqual(reaped, [[{ obj: '0x9008', data: '0x2', res: 4096 }], [{ obj: '0x9010', data: '0x3', res: 4096, seen_in_ring: true }]],
      'io_getevents lists what it reaped, not what the ring showed, and marks what the ring showed first');
  });

  it('counts and tells the AIO requests dropped because their iocb was submitted again before their completion was seen', () => {
    const b = new StreamBuilder();
    const submit = (data: bigint, at: number): void => {
      b.add(wire.encodeAioSubmit({
        opcode: 0, index: 0, pid: PID, tid: PID, ts: b.at(at), ctx: CTX, obj: 0x9000n, data, offset: 0, nbytes: 4096, fd: 6, resfd: -1,
        iocbFlags: 0, rwFlags: 0, stackId: 0x44n,
      }));
      b.syscall({ sys: sysId('io_submit'), ts: b.at(at), dur: 2 * US, ret: 1, args: [CTX, 1n, 0x2000n, 0n, 0n, 0n], stackId: 0x44n });
    };
    // the same iocb three times; only the last completion is seen
    submit(1n, 10 * US);
    submit(2n, 20 * US);
    submit(3n, 30 * US);
    b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: PID, ts: b.at(50 * US), ctx: CTX, obj: 0x9000n, data: 3n, res: 4096, res2: 0 }));
    b.syscall({ sys: sysId('io_getevents'), ts: b.at(40 * US), dur: 10 * US, ret: 1, args: [CTX, 1n, 4n, 0x1000n, 0n, 0n], dataFormat: 4, data: [wire.NO_TIMEOUT] });
    const { events, asm } = assembleAll(b);
    assert.deepEqual(events.filter((e): e is AioEvent => e.kind === 'aio').map((e) => e.data), [3n]);
    assert.equal(asm.aioReusedOf(PID, CTX), 2);
    assert.equal(asm.aioReusedOf(PID, CTX + 1n), 0);
    assert.deepEqual(asm.warnings, ['2 AIO requests dropped: the program submitted their iocbs again before the trace saw their completions']);
  });

  it('reads records of older tracers, whose io_uring submissions carry no stack', () => {
    const rec = wire.encodeUringSubmit({
      opcode: 22, sqThread: 0, stackFrom: 0, stackId: 0x1234n, flags: 0, cqHead: 0, pid: PID, tid: PID, ts: 1, ctx: RING, req: 1n, userData: 1n,
      reqFlags: 0n, fd: 6,
    });
    const old = rec.slice(0, wire.RECORD_MIN_SIZE.get(wire.RecordKind.uring_submit));
    new DataView(old.buffer).setUint16(2, old.length, true);
    assert.equal(old.length, 64);
    const decoded = wire.decodeRecord(new DataView(old.buffer), 0, wire.RecordKind.uring_submit, old.length);
    assert.ok(decoded?.kind === 'uring_submit');
    assert.equal(decoded.stackId, 0n);
    assert.equal(decoded.userData, 1n);
  });
});
