/**
 * A synthetic trace with problems for the analysis to name, for the golden tests of the report's
 * diagnosis (text and JSON): an event loop whose callback blocks in a read of a pipe that a worker
 * fills after a sleep (a wake-up chain of three hops), flushes under the threshold counted by the
 * tracer, Linux AIO at queue depth 1 on another thread, non-blocking socket calls that must not
 * count as blocking.
 */
import * as wire from '../../../../protocol/generated/wire';
import { PID, StreamBuilder, sysId } from './synthetic';

const SRC = '/work/app/src/server.c';
const MS = 1e6;
const US = 1e3;
const WORKER = 101;
const AIO = 102;

/** The diagnosis trace's bytes. */
export function diagnosisTrace(): Uint8Array {
  const b = new StreamBuilder();
  b.task({ event: 6, comm: 'server', filename: '/work/app/server', flags: 2, ts: b.at(0) });
  b.task({ event: 6, tid: WORKER, comm: 'feeder', ts: b.at(0) });
  b.task({ event: 6, tid: AIO, comm: 'aio-reader', ts: b.at(0) });
  b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
  b.fd({ op: 4, fd: 5, type: 6, path: 'socket:[7001]' });
  b.fd({ op: 4, fd: 6, type: 7, path: 'pipe:[7002]' });
  b.fd({ op: 4, fd: 7, type: 1, path: '/var/lib/app/journal' });
  b.fd({ op: 4, fd: 9, type: 1, path: '/var/lib/app/blob', openFlags: 0o40000, dev: (8 << 20) | 1 });
  b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0.1 * MS), dur: 2 * US, args: [3n, 1n, 5n, 0n, 0n, 0n], dataFormat: 3, data: [1n, 5n], stackId: 6n });
  let t = 1 * MS;
  for (let i = 0; i < 30; i++) {
    b.epollWait({ ts: t, dur: 3 * MS, ret: 1, stackId: 1n, ready: [[5n, 1]] });
    t += 3 * MS + 5 * US;
    b.call('recvfrom', { ts: t, dur: 6 * US, ret: 200, fd: 5, nonblocking: true, stackId: 7n });
    t += 10 * US;
    if (i % 10 === 9) {
      // the callback asks the feeder for data and reads the pipe, blocking: the feeder sleeps first
      b.call('clock_nanosleep', { tid: WORKER, ts: t - 5 * US, dur: 19.9 * MS, ret: 0, stackId: 5n, args: [1n, 0n, 0n, 0n, 0n, 0n] });
      b.wake({ tid: WORKER, ts: t + 19.9 * MS, wakee: PID, since: t, call: 'write', wakeeCall: 'read', fd: 6 });
      b.call('read', { ts: t, dur: 19.92 * MS, ret: 64, fd: 6, stackId: 2n });
      t += 19.92 * MS + 5 * US;
    }
  }
  b.epollWait({ ts: t, dur: 2 * MS, ret: 0, stackId: 1n });
  b.summary({ ts: t, call: 'fsync', fdType: 1, stackId: 3n, count: 1200, totalNs: 64 * MS, maxNs: 0.98 * MS, inLoop: true });
  b.summary({ ts: t, call: 'recvfrom', fdType: 6, nonblocking: true, stackId: 7n, count: 30, totalNs: 60 * US, maxNs: 4 * US, errnos: [[11, 30]], inLoop: true });
  // another thread reads with Linux AIO, one request at a time
  const ctx = 0x7f00aa000000n;
  let a = 2 * MS;
  for (let n = 0; n < 20; n++) {
    b.add(wire.encodeAioSubmit({ opcode: 0, index: 0, pid: PID, tid: AIO, ts: b.at(a), ctx, obj: 0x9000n + BigInt(n), data: BigInt(n), offset: n * 4096, nbytes: 4096, fd: 9, resfd: -1, iocbFlags: 0, rwFlags: 0, stackId: 4n }));
    b.syscall({ sys: sysId('io_submit'), tid: AIO, ts: b.at(a), dur: 12 * US, ret: 1, args: [ctx, 1n, 0x7ffe2000n, 0n, 0n, 0n], stackId: 4n });
    a += 15 * US;
    b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: AIO, ts: b.at(a + 2 * MS), ctx, obj: 0x9000n + BigInt(n), data: BigInt(n), res: 4096, res2: 0 }));
    b.syscall({ sys: sysId('io_getevents'), tid: AIO, ts: b.at(a), dur: 2 * MS, ret: 1, args: [ctx, 1n, 1n, 0x7ffe3000n, 0n, 0n], dataFormat: 4, data: [0xffffffffffffffffn], stackId: 8n });
    a += 2 * MS + 100 * US;
  }
  b.add(wire.encodeEnd({ reason: 1, signal: 0, ts: b.at(t + 3 * MS), emitted: 400, dropped: 0, bytes: 65536 }));
  b.symbols(1n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['run_loop', SRC, 142], ['main', SRC, 300]]);
  b.symbols(2n, [['read', 'sysdeps/unix/sysv/linux/read.c', 26], ['load_config', SRC, 88], ['on_request', SRC, 120], ['run_loop', SRC, 150]]);
  b.symbols(3n, [['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27], ['journal_commit', '/work/app/src/journal.c', 61], ['on_request', SRC, 124]]);
  b.symbols(4n, [['syscall', 'misc/syscall.S', 38], ['io_submit', '', 0], ['read_blob', '/work/app/src/blob.c', 40]]);
  b.symbols(5n, [['__clock_nanosleep', 'sysdeps/unix/sysv/linux/clock_nanosleep.c', 48], ['feeder_main', '/work/app/src/feeder.c', 22]]);
  b.symbols(6n, [['epoll_ctl', 'sysdeps/unix/sysv/linux/epoll_ctl.c', 28], ['setup', SRC, 60]]);
  b.symbols(7n, [['recv', 'sysdeps/unix/sysv/linux/recv.c', 28], ['on_request', SRC, 110]]);
  b.symbols(8n, [['syscall', 'misc/syscall.S', 38], ['io_getevents', '', 0], ['read_blob', '/work/app/src/blob.c', 44]]);
  return b.bytes();
}
