import * as assert from 'node:assert/strict';
import { DataFormat } from '../../../../protocol/generated/wire';
import type { SyscallEvent, TraceEvent } from '../model/events';
import { assemble, StreamBuilder, sysId } from '../testing/synthetic';
import { KEPT_PER_THREAD } from './syscallArgsMemo';

const FD_OPEN = 1;
const FD_CLOSE = 2;
const FD_TYPE_PIPE = 7;
const FD_TYPE_EVENTFD = 8;
const EPOLL_CTL_ADD = 1;
const EPOLLIN = 1;

function syscalls(events: readonly TraceEvent[]): SyscallEvent[] {
  return events.filter((e): e is SyscallEvent => e.kind === 'syscall');
}

describe('SyscallArgsMemo (a repeated call shares the args of its thread\'s same call before)', () => {
  it('shares the args of a call repeated with the same fields, per thread, and decodes them afresh when a field differs', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 5, type: FD_TYPE_EVENTFD, path: '' });
    b.fd({ op: FD_OPEN, fd: 3, type: 6, path: '' });
    b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0), args: [3n, BigInt(EPOLL_CTL_ADD), 5n, 0x7ffe0000n, 0n, 0n], dataFormat: DataFormat.epoll_ctl_event, data: [BigInt(EPOLLIN), 0x55n] });
    for (let i = 0; i < 3; i++) {
      b.epollWait({ ts: 1000 + i * 100, dur: 10, timeoutMs: 0, ready: [[0x55n, EPOLLIN]] });
      b.epollWait({ tid: 101, ts: 1050 + i * 100, dur: 10, timeoutMs: 0, ready: [[0x55n, EPOLLIN]] });
    }
    b.epollWait({ ts: 2000, dur: 10, timeoutMs: 0, ret: 2, ready: [[0x55n, EPOLLIN]] });
    b.epollWait({ ts: 2100, dur: 10, timeoutMs: 5, ready: [[0x55n, EPOLLIN]] });
    const waits = syscalls(assemble(b).events).filter((e) => e.name === 'epoll_wait');
    assert.equal(waits.length, 8);
    const [a0, b0, a1, b1, a2, b2, ret2, timeout5] = waits;
    assert.deepEqual(a0.args.ready, [{ fd: 5, path: 'anon_inode:[eventfd]', events: 'IN', data: '0x55' }]);
    assert.ok(a1.args === a0.args && a2.args === a0.args, 'the thread\'s repeats share its first call\'s args');
    assert.ok(b1.args === b0.args && b2.args === b0.args);
    assert.notEqual(b0.args, a0.args, 'another thread has args of its own');
    assert.deepEqual(b0.args, a0.args);
    assert.notEqual(ret2.args, a0.args, 'another result: decoded afresh');
    assert.deepEqual(ret2.args, a0.args);
    assert.notEqual(timeout5.args, a0.args);
    assert.equal(timeout5.args.timeout_ms, 5);
  });

  it('decodes afresh once the fd tables or the epoll registrations changed', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 5, type: FD_TYPE_EVENTFD, path: '' });
    b.fd({ op: FD_OPEN, fd: 3, type: 6, path: '' });
    const ctl = (fd: bigint, data: bigint): void => void b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0), args: [3n, BigInt(EPOLL_CTL_ADD), fd, 0x7ffe0000n, 0n, 0n], dataFormat: DataFormat.epoll_ctl_event, data: [BigInt(EPOLLIN), data] });
    const wait = (ts: number): void => void b.epollWait({ ts, dur: 10, timeoutMs: 0, ready: [[0x55n, EPOLLIN]] });
    ctl(5n, 0x55n);
    wait(1000);
    wait(1100);
    // fd 5 closed and opened again as a pipe: the ready fd's path is the pipe's
    b.fd({ op: FD_CLOSE, fd: 5 });
    b.fd({ op: FD_OPEN, fd: 5, type: FD_TYPE_PIPE, path: 'pipe:[9]' });
    wait(1200);
    wait(1300);
    // the same data registered for another fd
    b.fd({ op: FD_OPEN, fd: 6, type: FD_TYPE_PIPE, path: 'pipe:[10]' });
    wait(1400);
    ctl(6n, 0x55n);
    wait(1500);
    const waits = syscalls(assemble(b).events).filter((e) => e.name === 'epoll_wait');
    assert.deepEqual(waits.map((w) => w.args.ready), [
      [{ fd: 5, path: 'anon_inode:[eventfd]', events: 'IN', data: '0x55' }],
      [{ fd: 5, path: 'anon_inode:[eventfd]', events: 'IN', data: '0x55' }],
      [{ fd: 5, path: 'pipe:[9]', events: 'IN', data: '0x55' }],
      [{ fd: 5, path: 'pipe:[9]', events: 'IN', data: '0x55' }],
      [{ fd: 5, path: 'pipe:[9]', events: 'IN', data: '0x55' }],
      [{ fd: 6, path: 'pipe:[10]', events: 'IN', data: '0x55' }],
    ]);
    assert.ok(waits[1].args === waits[0].args && waits[3].args === waits[2].args);
    assert.notEqual(waits[2].args, waits[1].args);
    assert.notEqual(waits[4].args, waits[3].args, 'an fd record (even of another fd) voids what was kept');
  });

  it('never shares the args of calls whose decoding adds from or changes the tables (fcntl, epoll_ctl)', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 7, type: FD_TYPE_PIPE, path: 'pipe:[1]' });
    for (let i = 0; i < 2; i++) b.call('fcntl', { ts: 1000 + i * 100, dur: 10, args: [7n, 4n, 0x2000n, 0n, 0n, 0n] });
    for (let i = 0; i < 2; i++) b.call('read', { ts: 2000 + i * 100, dur: 10, fd: 7, nonblocking: true });
    const calls = syscalls(assemble(b).events);
    const [f0, f1, r0, r1] = calls;
    assert.equal(f0.name, 'fcntl');
    assert.notEqual(f1.args, f0.args);
    assert.equal(f1.args.async, true);
    assert.ok(r1.args === r0.args);
    assert.deepEqual(r0.args, { fd: 7, buf: '0x7ffe1000', count: 64, path: 'pipe:[1]', fd_type: 'pipe', nonblocking: true });
  });

  it('shares the args of each of a loop\'s alternating calls with the same call of the turn before', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 5, type: 6, path: 'socket:[1]' });
    b.fd({ op: FD_OPEN, fd: 8, type: FD_TYPE_EVENTFD, path: '' });
    b.fd({ op: FD_OPEN, fd: 3, type: 6, path: '' });
    for (let i = 0; i < 3; i++) {
      const t = 1000 + i * 100;
      b.epollWait({ ts: t, dur: 10, timeoutMs: 5, ret: 0 });
      b.call('recvfrom', { ts: t + 20, dur: 2, ret: 200, fd: 5, nonblocking: true });
      b.call('sendto', { ts: t + 30, dur: 2, ret: 900, fd: 5, nonblocking: true });
      b.call('recvfrom', { ts: t + 40, dur: 1, ret: -11, fd: 5 });
      b.call('read', { tid: 201, ts: t + 50, dur: 1, ret: 8, fd: 8 });
    }
    const calls = syscalls(assemble(b).events);
    assert.equal(calls.length, 15);
    const turns = [calls.slice(0, 5), calls.slice(5, 10), calls.slice(10, 15)];
    for (const turn of turns.slice(1)) {
      turn.forEach((c, i) => assert.ok(c.args === turns[0][i].args, `${c.name} (${c.ret}) shares the args of the same call a turn before`));
    }
    const [wait, recv, send, again, read] = turns[0];
    assert.equal(wait.name, 'epoll_wait');
    assert.notEqual(again.args, recv.args, 'the same call with another result: args of its own');
    assert.deepEqual(recv.args, { fd: 5, ubuf: '0x7ffe1000', size: 64, flags: '0', addr: '0x0', addr_len: '0x0', path: 'socket:[1]', fd_type: 'socket', nonblocking: true });
    assert.equal(again.args.nonblocking, undefined);
    assert.equal(send.args.fd, 5);
    assert.equal(read.args.path, 'anon_inode:[eventfd]');
  });

  it(`keeps a thread's last ${KEPT_PER_THREAD} different calls, the oldest replaced first`, () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 5, type: 6, path: 'socket:[1]' });
    // more different calls than a thread keeps, twice over: the second round decodes each afresh
    const round = (t: number): void => {
      for (let i = 0; i <= KEPT_PER_THREAD; i++) b.call('recvfrom', { ts: t + i * 10, dur: 1, ret: i + 1, fd: 5, nonblocking: true });
    };
    round(1000);
    round(2000);
    // then the last few again, while they are kept
    b.call('recvfrom', { ts: 3000, dur: 1, ret: KEPT_PER_THREAD + 1, fd: 5, nonblocking: true });
    b.call('recvfrom', { ts: 3010, dur: 1, ret: KEPT_PER_THREAD, fd: 5, nonblocking: true });
    const calls = syscalls(assemble(b).events);
    const n = KEPT_PER_THREAD + 1;
    assert.equal(calls.length, 2 * n + 2);
    for (let i = 0; i < n; i++) {
      assert.notEqual(calls[n + i].args, calls[i].args, `call ${i} of the second round was replaced before it came again`);
      assert.deepEqual(calls[n + i].args, calls[i].args);
    }
    assert.ok(calls[2 * n].args === calls[2 * n - 1].args);
    assert.ok(calls[2 * n + 1].args === calls[2 * n - 2].args);
  });

  it('keeps a call whose args read the tables only through its fds while their entries stay, through changes of other fds and of the epoll registrations', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 5, type: 6, path: 'socket:[1]' });
    b.fd({ op: FD_OPEN, fd: 6, type: FD_TYPE_PIPE, path: 'pipe:[2]' });
    const turn = (t: number): void => {
      b.call('recvfrom', { ts: t, dur: 2, ret: 200, fd: 5, nonblocking: true });
      b.call('read', { ts: t + 10, dur: 2, ret: 1, fd: 6 });
    };
    turn(1000);
    turn(1100);
    // fd 5 closed and opened again as a pipe while the thread was in its read
    b.fd({ op: FD_CLOSE, fd: 5 });
    b.fd({ op: FD_OPEN, fd: 5, type: FD_TYPE_PIPE, path: 'pipe:[3]' });
    turn(1200);
    turn(1300);
    // an epoll registration changed by another thread, a file opened and closed (a server's request)
    b.fd({ op: FD_OPEN, fd: 3, type: 6, path: '' });
    turn(1400);
    b.syscall({ sys: sysId('epoll_ctl'), tid: 202, ts: b.at(1450), args: [3n, BigInt(EPOLL_CTL_ADD), 6n, 0x7ffe0000n, 0n, 0n], dataFormat: DataFormat.epoll_ctl_event, data: [BigInt(EPOLLIN), 0x66n] });
    b.fd({ op: FD_OPEN, fd: 9, type: 1, path: '/srv/index.html' });
    b.fd({ op: FD_CLOSE, fd: 9 });
    turn(1500);
    // fd 6 itself replaced by another pipe: its read is decoded afresh
    b.fd({ op: FD_CLOSE, fd: 6 });
    b.fd({ op: FD_OPEN, fd: 6, type: FD_TYPE_PIPE, path: 'pipe:[4]' });
    turn(1600);
    // then opened again as the same pipe (a file opened for each request): a new entry, the same args
    b.fd({ op: FD_CLOSE, fd: 6 });
    b.fd({ op: FD_OPEN, fd: 6, type: FD_TYPE_PIPE, path: 'pipe:[4]' });
    turn(1700);
    // the same path, another type
    b.fd({ op: FD_CLOSE, fd: 6 });
    b.fd({ op: FD_OPEN, fd: 6, type: FD_TYPE_EVENTFD, path: 'pipe:[4]' });
    turn(1800);
    const own = syscalls(assemble(b).events).filter((e) => e.tid !== 202);
    const recv = own.filter((e) => e.name === 'recvfrom');
    const read = own.filter((e) => e.name === 'read');
    assert.deepEqual(recv.map((e) => e.args.path), ['socket:[1]', 'socket:[1]', 'pipe:[3]', 'pipe:[3]', 'pipe:[3]', 'pipe:[3]', 'pipe:[3]', 'pipe:[3]', 'pipe:[3]']);
    assert.deepEqual(read.map((e) => e.args.path), ['pipe:[2]', 'pipe:[2]', 'pipe:[2]', 'pipe:[2]', 'pipe:[2]', 'pipe:[2]', 'pipe:[4]', 'pipe:[4]', 'pipe:[4]']);
    assert.deepEqual(read.map((e) => e.args.fd_type), ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'eventfd']);
    assert.ok(recv[1].args === recv[0].args && read[1].args === read[0].args);
    assert.notEqual(recv[2].args, recv[1].args, 'its fd\'s entry changed');
    for (let i = 2; i < 6; i++) assert.equal(read[i].args, read[0].args, `read ${i}: its fd's entry is the same`);
    for (let i = 3; i < 7; i++) assert.equal(recv[i].args, recv[2].args, `recv ${i}`);
    assert.notEqual(read[6].args, read[5].args, 'its fd\'s entry changed');
    assert.equal(read[7].args, read[6].args, 'its fd opened again as the same path and type');
    assert.notEqual(read[8].args, read[7].args, 'the same path as another type');
    for (let i = 7; i < 9; i++) assert.equal(recv[i].args, recv[2].args, `recv ${i}`);
  });

  it('keeps a server worker\'s calls on each of its connections, more than a bucket holds', () => {
    const b = new StreamBuilder();
    const conns = 3 * KEPT_PER_THREAD;
    for (let fd = 10; fd < 10 + conns; fd++) b.fd({ op: FD_OPEN, fd, type: 6, path: `socket:[${fd}]` });
    for (let round = 0; round < 3; round++) {
      for (let fd = 10; fd < 10 + conns; fd++) {
        const t = 1000 + round * 10000 + fd * 100;
        b.call('recvfrom', { ts: t, dur: 2, ret: 100, fd, nonblocking: true });
        b.call('writev', { ts: t + 10, dur: 2, ret: 1200, fd });
      }
    }
    const events = syscalls(assemble(b).events);
    const first = events.slice(0, 2 * conns);
    for (let round = 1; round < 3; round++) {
      events.slice(round * 2 * conns, (round + 1) * 2 * conns).forEach((e, i) => assert.equal(e.args, first[i].args, `round ${round}, call ${i}`));
    }
  });

  it('does not compare the pointer words when the args leave the pointers out', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 5, type: 6, path: 'socket:[1]' });
    // recvfrom(fd, buf, len, flags, src_addr, addrlen): a new buffer each call
    for (let i = 0; i < 3; i++) b.call('recvfrom', { ts: 1000 + i * 100, dur: 2, ret: 200, args: [5n, 0x7f0000n + BigInt(i) * 0x1000n, 1024n, 0n, 0n, 0n] });
    b.call('recvfrom', { ts: 2000, dur: 2, ret: 200, args: [5n, 0x7f0000n, 2048n, 0n, 0n, 0n] });
    const without = syscalls(assemble(b, true, { pointers: false }).events);
    assert.deepEqual(without[0].args, { fd: 5, size: 1024, flags: '0', path: 'socket:[1]', fd_type: 'socket' });
    assert.ok(without[1].args === without[0].args && without[2].args === without[0].args);
    assert.notEqual(without[3].args, without[0].args, 'a word that is no pointer differs');
    assert.equal(without[3].args.size, 2048);
    const withPointers = syscalls(assemble(b).events);
    assert.notEqual(withPointers[1].args, withPointers[0].args, 'the pointers are in the args: decoded afresh');
  });

  it('shares the same args whether the records are decoded into a reader\'s slot or each into an object of its own', () => {
    const b = new StreamBuilder();
    b.fd({ op: FD_OPEN, fd: 5, type: FD_TYPE_EVENTFD, path: '' });
    b.fd({ op: FD_OPEN, fd: 6, type: FD_TYPE_PIPE, path: 'pipe:[1]' });
    b.fd({ op: FD_OPEN, fd: 3, type: 6, path: '' });
    for (const [fd, data] of [[5n, 0x55n], [6n, 0x56n]] as const) {
      b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0), args: [3n, BigInt(EPOLL_CTL_ADD), fd, 0x7ffe0000n, 0n, 0n], dataFormat: DataFormat.epoll_ctl_event, data: [BigInt(EPOLLIN), data] });
    }
    for (let i = 0; i < 3; i++) {
      const t = 1000 + i * 100;
      b.epollWait({ ts: t, dur: 10, timeoutMs: 0, ready: [[0x55n, EPOLLIN]] });
      // a tail one byte off (another fd's data), then two fds ready: never the first call's args
      b.epollWait({ ts: t + 10, dur: 10, timeoutMs: 0, ready: [[0x56n, EPOLLIN]] });
      b.epollWait({ ts: t + 20, dur: 10, timeoutMs: 0, ret: 2, ready: [[0x55n, EPOLLIN], [0x56n, EPOLLIN]] });
      b.syscall({ sys: sysId('read'), ts: b.at(t + 30), dur: 5, ret: 8, stackId: BigInt(1 + (i % 2)) << 40n, args: [6n, 0x7ffe0000n, 8n, 0n, 0n, 0n] });
      b.syscall({ sys: sysId('read'), tid: 101, ts: b.at(t + 40), dur: 5, ret: 8, stackId: 0xffff_ffff_ffff_fff0n, args: [6n, 0x7ffe0000n, 8n, 0n, 0n, 0n] });
    }
    const slot = syscalls(assemble(b).events);
    const own = syscalls(assemble(b, false).events);
    assert.deepEqual(slot, own);
    assert.equal(slot.length, 2 + 3 * 5);
    // the same events share args in both
    const sharing = (list: readonly SyscallEvent[]): number[] => list.map((e) => list.findIndex((o) => o.args === e.args));
    assert.deepEqual(sharing(slot), sharing(own));
    assert.equal(new Set(sharing(slot)).size, 2 + 3 + 2, 'each epoll_ctl, each wait and each thread\'s read decoded once');
    assert.deepEqual(slot.filter((e) => e.name === 'read').map((e) => e.stackId), own.filter((e) => e.name === 'read').map((e) => e.stackId));
  });
});
