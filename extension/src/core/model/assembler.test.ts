import * as assert from 'node:assert/strict';
import * as wire from '../../../../protocol/generated/wire';
import { assemble, StreamBuilder, PID, sysId } from '../testing/synthetic';
import type { TraceEvent } from './events';
import { hiddenArgs, hiddenIn, shownArgs } from './labels';
import { TraceStore } from '../store/traceStore';

const FD_OPEN = 1;
const FD_CLOSE = 2;
const FD_DUP = 3;
const FD_TYPE_PIPE = 7;
const FD_TYPE_EVENTFD = 8;

describe('TraceAssembler', () => {
  it('times events from the clock record and decodes syscall arguments with the fd table', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 7, fd2: 8, type: FD_TYPE_PIPE, path: 'pipe:[42]' });
    b.syscall({ sys: sysId('read'), ts: b.at(5_000), dur: 20_000_000, ret: 64, args: [7n, 0x7ffe0000n, 64n, 0n, 0n, 0n] });
    b.fd({ op: FD_DUP, fd: 9, fd2: 7 });
    b.fd({ op: FD_CLOSE, fd: 7 });
    b.syscall({ sys: sysId('read'), ts: b.at(6_000), ret: -11, args: [9n, 0n, 1n, 0n, 0n, 0n] });
    b.syscall({ sys: sysId('read'), ts: b.at(7_000), ret: -9, args: [7n, 0n, 1n, 0n, 0n, 0n] });
    const { events } = assemble(b);
    const [r1, r2, r3] = events.filter((e) => e.kind === 'syscall');
    assert.ok(r1.kind === 'syscall' && r2.kind === 'syscall' && r3.kind === 'syscall');
    assert.equal(r1.ts, 5_000);
    assert.equal(r1.dur, 20_000_000);
    assert.deepEqual(r1.args, { fd: 7, buf: '0x7ffe0000', count: 64, path: 'pipe:[42]', fd_type: 'pipe' });
    assert.equal(r1.model, 'blocking');
    assert.equal(r2.args.path, 'pipe:[42]', 'dup keeps what the fd refers to');
    assert.equal(r2.error, 'EAGAIN');
    assert.equal(r3.args.path, undefined, 'a closed fd has no path');
  });

  it('pairs each AIO iocb from io_submit to the io_getevents that reaped it, and lists them on both calls', () => {
    const b = new StreamBuilder();
    const ctx = 0x7f0000001000n;
    b.fd({ op: FD_OPEN, fd: 5, type: 1, path: '/tmp/data' });
    for (let i = 0; i < 2; i++) {
      b.add(wire.encodeAioSubmit({
        opcode: 0, index: i, pid: PID, tid: PID, ts: b.at(1000), ctx, obj: 0x5000n + BigInt(i), data: 0xa0n + BigInt(i),
        offset: i * 4096, nbytes: 4096, fd: 5, resfd: 6, iocbFlags: 1, rwFlags: 0, stackId: 0x77n,
      }));
    }
    b.syscall({ sys: sysId('io_submit'), ts: b.at(1000), dur: 3000, ret: 2, stackId: 0x77n, args: [ctx, 2n, 0x9000n, 0n, 0n, 0n] });
    b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: 101, ts: b.at(50_000), ctx, obj: 0x5001n, data: 0xa1n, res: 4096, res2: 0 }));
    b.syscall({ sys: sysId('io_getevents'), tid: 101, ts: b.at(40_000), dur: 10_000, ret: 1, args: [ctx, 1n, 4n, 0x9100n, 0n, 0n], dataFormat: 4, data: [0xffffffffffffffffn] });
    const { events } = assemble(b);
    const submit = events.find((e) => e.kind === 'syscall' && e.name === 'io_submit');
    assert.ok(submit?.kind === 'syscall');
    assert.deepEqual(submit.args.iocbs, [
      { op: 'pread', fd: 5, path: '/tmp/data', offset: 0, nbytes: 4096, data: '0xa0', resfd: 6 },
      { op: 'pread', fd: 5, path: '/tmp/data', offset: 4096, nbytes: 4096, data: '0xa1', resfd: 6 },
    ]);
    const reap = events.find((e) => e.kind === 'syscall' && e.name === 'io_getevents');
    assert.ok(reap?.kind === 'syscall');
    assert.deepEqual(reap.args.events, [{ obj: '0x5001', data: '0xa1', res: 4096 }]);
    assert.equal(reap.args.timeout_ns, null);
    const reqs = events.filter((e) => e.kind === 'aio');
    assert.equal(reqs.length, 2);
    const done = reqs.find((e) => e.kind === 'aio' && e.completeTs !== null);
    assert.ok(done?.kind === 'aio');
    assert.equal(done.submitTs, 1000);
    assert.equal(done.completeTs, 50_000);
    assert.equal(done.dur, 49_000);
    assert.equal(done.res, 4096);
    assert.equal(done.data, 0xa1n);
    assert.equal(done.completeTid, 101);
    assert.equal(done.stackId, 0x77n, 'a request carries the stack of its io_submit');
    const pending = reqs.find((e) => e.kind === 'aio' && e.completeTs === null);
    assert.ok(pending?.kind === 'aio', 'a request never reaped is reported in flight at the end');
    assert.equal(pending.res, null);
  });

  it('pairs io_uring submissions and completions by ring and request, multishot included', () => {
    const b = new StreamBuilder();
    const ring = 0xffff888000001000n;
    b.add(wire.encodeUringRing({ seenLate: 0, pid: PID, tid: PID, ts: b.at(0), ctx: ring, fd: 4, sqEntries: 8, cqEntries: 16, setupFlags: 2 }));
    b.add(wire.encodeUringSubmit({ stackFrom: 0, flags: 0, cqHead: 0, opcode: 22, sqThread: 1, pid: PID, tid: 555, ts: b.at(100), ctx: ring, req: 0x1n, userData: 0x10n, reqFlags: 0n, fd: 3 }));
    b.add(wire.encodeUringSubmit({ stackFrom: 0, flags: 0, cqHead: 0, opcode: 13, sqThread: 0, pid: PID, tid: PID, ts: b.at(150), ctx: ring, req: 0x2n, userData: 0x20n, reqFlags: 0n, fd: 9 }));
    b.add(wire.encodeUringComplete({ waiterTid: 0, pid: PID, tid: 0, ts: b.at(900), ctx: ring, req: 0x1n, userData: 0x10n, res: 512, cflags: 0 }));
    b.add(wire.encodeUringComplete({ waiterTid: 0, pid: PID, tid: PID, ts: b.at(1000), ctx: ring, req: 0x2n, userData: 0x20n, res: 11, cflags: 2 }));
    b.add(wire.encodeUringComplete({ waiterTid: 0, pid: PID, tid: PID, ts: b.at(2000), ctx: ring, req: 0x2n, userData: 0x20n, res: 12, cflags: 0 }));
    const { events } = assemble(b);
    const reqs = events.filter((e) => e.kind === 'uring');
    assert.equal(reqs.length, 3);
    const [read, acc1, acc2] = reqs;
    assert.ok(read.kind === 'uring' && acc1.kind === 'uring' && acc2.kind === 'uring');
    assert.equal(read.name, 'read');
    assert.equal(read.sqThread, true);
    assert.equal(read.dur, 800);
    assert.equal(read.args.ring_fd, 4);
    assert.equal(acc1.name, 'accept');
    assert.equal(acc1.submitTs, 150);
    assert.equal(acc2.submitTs, 150, 'a multishot request stays paired until its last completion');
    assert.equal(acc2.res, 12);
  });

  it('links a signal delivery to its generation and marks coalesced standard signals', () => {
    const b = new StreamBuilder();
    const gen = (ts: number, result: number): Uint8Array =>
      wire.encodeSignalGenerate({ sig: 29, group: 1, result, flags: 0, pid: PID, tid: PID, ts: b.at(ts), senderPid: PID, senderTid: 101, code: 1, sigErrno: 0, pollFd: 5, pollBand: 0x41, senderComm: 'writer' });
    b.add(gen(1000, 0)).add(gen(1500, 2));
    b.add(wire.encodeSignalDeliver({ sig: 29, pid: PID, tid: PID, ts: b.at(3000), code: 1, sigErrno: 0, pollFd: 5, pollBand: 0x41, handler: 0x401000n, saFlags: 4n, stackId: 0n }));
    b.add(wire.encodeSignalDeliver({ sig: 29, pid: PID, tid: PID, ts: b.at(9000), code: 1, sigErrno: 0, pollFd: 5, pollBand: 0x41, handler: 0x401000n, saFlags: 4n, stackId: 0n }));
    const { events } = assemble(b);
    const sigs = events.filter((e) => e.kind === 'signal');
    assert.deepEqual(sigs.map((s) => s.kind === 'signal' && [s.name, s.phase, s.coalesced, s.generateTs]), [
      ['SIGIO', 'generate', false, null],
      ['SIGIO', 'generate', true, null],
      ['SIGIO', 'deliver', false, 1000],
      ['SIGIO', 'deliver', false, null],
    ]);
    assert.equal(sigs[0].args.si_fd, 5);
  });

  it('times a signal handler from its delivery to its rt_sigreturn, nested handlers included', () => {
    const b = new StreamBuilder();
    const deliver = (sig: number, ts: number, handler: bigint): Uint8Array =>
      wire.encodeSignalDeliver({ sig, pid: PID, tid: PID, ts: b.at(ts), code: 0x80, sigErrno: 0, pollFd: -1, pollBand: 0, handler, saFlags: 0n, stackId: 0n });
    b.add(deliver(29, 1000, 0x401000n));
    b.add(deliver(14, 1200, 0x402000n)); // SIGALRM while the SIGIO handler runs
    b.syscall({ sys: sysId('rt_sigreturn'), ts: b.at(1500), dur: 0 });
    b.syscall({ sys: sysId('rt_sigreturn'), ts: b.at(4000), dur: 0 });
    b.add(deliver(10, 5000, 0n)); // SIG_DFL: no handler runs, no rt_sigreturn comes
    b.syscall({ sys: sysId('rt_sigreturn'), ts: b.at(6000), dur: 0 }); // its delivery was before the attach
    const { events } = assemble(b);
    const handlers = events.filter((e) => e.kind === 'signal' && e.phase === 'handler');
    assert.deepEqual(handlers.map((h) => h.kind === 'signal' && [h.name, h.ts, h.dur, h.args.handler]), [
      ['SIGALRM', 1200, 300, '0x402000'],
      ['SIGIO', 1000, 3000, '0x401000'],
    ]);
    assert.equal(events.filter((e) => e.kind === 'syscall' && e.name === 'rt_sigreturn').length, 0, 'rt_sigreturn is shown as the end of its handler');
  });

  it('names the fd behind a plain SIGIO from the fcntl setup, and a SIGIO sent from an interrupt handler as such', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 3, type: 14, path: '/dev/uio0' });
    b.syscall({ sys: sysId('fcntl'), ts: b.at(10), dur: 1, ret: 0, args: [3n, 4n, 0x2002n, 0n, 0n, 0n] }); // F_SETFL O_ASYNC|O_RDWR
    b.add(wire.encodeSignalGenerate({ sig: 29, group: 1, result: 0, flags: 1, pid: PID, tid: PID, ts: b.at(100), senderPid: 77, senderTid: 78, code: 0x80, sigErrno: 0, pollFd: -1, pollBand: 0, senderComm: 'bystander' }));
    const { events } = assemble(b);
    const gen = events.find((e) => e.kind === 'signal');
    assert.ok(gen?.kind === 'signal');
    assert.deepEqual([gen.args.fd, gen.args.path, gen.args.from_interrupt, gen.args.sender_pid], [3, '/dev/uio0', true, undefined]);
    assert.equal(gen.args.interrupted, 'bystander[78]');
  });

  it('maps epoll_wait ready events to fds through epoll_ctl registrations', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 6, type: FD_TYPE_EVENTFD });
    b.syscall({ sys: sysId('epoll_ctl'), args: [3n, 1n, 6n, 0x9n, 0n, 0n], dataFormat: 3, data: [1n, 0xbeefn] });
    b.syscall({ sys: sysId('epoll_wait'), ts: b.at(10), dur: 100, ret: 1, args: [3n, 0x1n, 16n, 100n, 0n, 0n], dataFormat: 1, data: [100_000_000n, 1n, 0xbeefn] });
    const { events } = assemble(b);
    const wait = events.find((e) => e.kind === 'syscall' && e.name === 'epoll_wait');
    assert.ok(wait?.kind === 'syscall');
    assert.equal(wait.args.timeout_ms, 100);
    assert.deepEqual(wait.args.ready, [{ fd: 6, path: 'anon_inode:[eventfd]', events: 'IN', data: '0xbeef' }]);
    const ctl = events.find((e) => e.kind === 'syscall' && e.name === 'epoll_ctl');
    assert.equal(ctl?.args.op, 'EPOLL_CTL_ADD');
    assert.equal(ctl?.args.path, 'anon_inode:[eventfd]');
  });

  it('maps epoll_wait ready events to fds registered before the attach (the snapshot\'s watched records)', () => {
    const b = new StreamBuilder();
    b.fd({ op: wire.FdOp.existing, fd: 3, type: wire.FdType.epoll });
    b.fd({ op: wire.FdOp.existing, fd: 6, type: FD_TYPE_EVENTFD });
    b.fd({ op: wire.FdOp.watched, fd: 3, fd2: 6, type: FD_TYPE_EVENTFD, aux: 0xbeef });
    b.syscall({ sys: sysId('epoll_wait'), ts: b.at(10), dur: 100, ret: 1, args: [3n, 0x1n, 16n, 100n, 0n, 0n], dataFormat: 1, data: [100_000_000n, 1n, 0xbeefn] });
    b.syscall({ sys: sysId('epoll_wait'), ts: b.at(200), dur: 100, ret: 1, args: [4n, 0x1n, 16n, 100n, 0n, 0n], dataFormat: 1, data: [100_000_000n, 1n, 0xbeefn] });
    const { asm, events } = assemble(b);
    const waits = events.filter((e) => e.kind === 'syscall' && e.name === 'epoll_wait');
    assert.deepEqual(waits.map((w) => w.args.ready), [
      [{ fd: 6, path: 'anon_inode:[eventfd]', events: 'IN', data: '0xbeef' }],
      [{ fd: null, path: null, events: 'IN', data: '0xbeef' }], // another epoll instance: not registered there
    ]);
    assert.deepEqual([...(asm.fds.watchedAtSnapshot(PID, 3) ?? [])], [[6, 'eventfd']]);
    b.fd({ op: wire.FdOp.close, fd: 3, ts: b.at(400) });
    assert.equal(assemble(b).asm.fds.watchedAtSnapshot(PID, 3), undefined, 'closing the epoll fd forgets its set');
  });

  it('follows processes: fork copies fds and maps, exec starts a new address space', () => {
    const b = new StreamBuilder();
    b.task({ event: 6, comm: 'server', filename: '/usr/bin/server', flags: 2 });
    b.fd({ op: FD_OPEN, fd: 3, type: 1, path: '/etc/config' });
    b.add(wire.encodeMap({ prot: 5, buildIdLen: 0, flags: 0, pid: PID, dev: 0, ts: b.at(0), start: 0x1000n, end: 0x2000n, pgoff: 0, ino: 1, buildId: new Uint8Array(20), path: '/usr/bin/server' }));
    b.task({ event: 1, pid: 200, tid: 200, ppid: PID, ptid: PID, comm: 'server', ts: b.at(10) });
    b.add(wire.encodeStack({ nframes: 1, flags: 0, pid: 200, spSlots: 0, stackId: 0x5n, frames: [0x1800n] }));
    b.task({ event: 3, pid: 200, tid: 200, comm: 'helper', filename: '/usr/bin/helper', ts: b.at(20) });
    b.task({ event: 4, pid: 200, tid: 200, exitCode: 256, flags: 1, ts: b.at(30) });
    const { asm, events } = assemble(b);
    const child = asm.processes.find(200);
    assert.equal(child?.parent, PID);
    assert.equal(child?.exe, '/usr/bin/helper');
    assert.equal(child?.exitCode, 256);
    assert.equal(asm.maps.find(200, 0x1800n, 0)?.path, '/usr/bin/server', 'the stack taken before exec resolves in the old image');
    assert.equal(asm.maps.find(200, 0x1800n), undefined, 'exec cleared the address space');
    assert.equal(asm.stacks.get(0x5n)?.gen, 0);
    assert.deepEqual(events.filter((e) => e.kind === 'process').map((e) => e.name), ['existing', 'start', 'exec', 'exit']);
  });

  it('counts drops exactly, by source', () => {
    const b = new StreamBuilder();
    b.add(wire.encodeDrop({ source: 1, cpu: 0xffff, ts: b.at(1), count: 10, total: 10 }));
    b.add(wire.encodeDrop({ source: 2, cpu: 0xffff, ts: b.at(2), count: 2, total: 2 }));
    b.add(wire.encodeDrop({ source: 1, cpu: 0xffff, ts: b.at(3), count: 5, total: 15 }));
    const { asm } = assemble(b);
    assert.equal(asm.drops.total, 17);
    assert.deepEqual([...asm.drops.bySource], [['ring_full', 15], ['stack_ring_full', 2]]);
  });

  it('with pointers: false, leaves syscalls\' pointer arguments out, every event else the same as a store keeps it', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 7, fd2: 8, type: FD_TYPE_PIPE, path: 'pipe:[42]' });
    b.fd({ op: FD_OPEN, fd: 5, type: FD_TYPE_EVENTFD, path: '' });
    b.syscall({ sys: sysId('read'), ts: b.at(5_000), dur: 20, ret: 64, args: [7n, 0x7ffe0000n, 64n, 0n, 0n, 0n] });
    b.syscall({ sys: sysId('read'), ts: b.at(6_000), dur: 20, ret: 64, args: [7n, 0x7ffe8000n, 64n, 0n, 0n, 0n] });
    b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(6_500), args: [3n, 1n, 5n, 0x7ffe0000n, 0n, 0n], dataFormat: wire.DataFormat.epoll_ctl_event, data: [1n, 0x55n] });
    b.epollWait({ ts: 7_000, dur: 10, timeoutMs: 0, ready: [[0x55n, 1]] });
    b.call('recvfrom', { ts: 8_000, dur: 2, ret: 200, fd: 7, nonblocking: true });
    const { events: all, asm } = assemble(b);
    const without = assemble(b, true, { pointers: false }).events;
    assert.equal(without.length, all.length);
    const stored = (e: TraceEvent): TraceEvent => (e.kind === 'syscall' ? { ...e, args: shownArgs(e) } : e);
    assert.deepEqual(without.map((e) => JSON.stringify(stored(e), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))), all.map((e) => JSON.stringify(stored(e), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))));
    const calls = without.filter((e) => e.kind === 'syscall');
    assert.equal(calls.length, 5);
    for (const e of calls) assert.ok(hiddenArgs(e.sys).every((k) => !(k in e.args)), e.name);
    assert.equal(all.filter((e) => e.kind === 'syscall')[0].args.buf, '0x7ffe0000', 'kept by default');
    // a store looks for no hidden key in args that have none, and stores the same either way
    for (const e of calls) assert.deepEqual(hiddenIn(e), [], e.name);
    for (const e of all) if (e.kind === 'syscall') assert.equal(hiddenIn(e), hiddenArgs(e.sys), e.name);
    const inStore = (events: readonly TraceEvent[]): string[] => {
      const s = new TraceStore((pid, tid) => asm.processes.threadName(pid, tid), asm.uioDevices);
      for (const e of events) s.add(e);
      return Array.from({ length: s.size }, (_, i) => JSON.stringify(s.get(i), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
    };
    assert.deepEqual(inStore(without), inStore(all));
  });
});
