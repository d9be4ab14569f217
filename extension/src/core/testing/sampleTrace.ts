/**
 * A small but complete synthetic trace: an event loop with a stalled read, an AIO batch, an
 * io_uring read, a SIGIO, an IRQ, a thread and a loss, with a symbol section. Shared by the golden
 * tests of the line formatter and the report.
 */
import * as wire from '../../../../protocol/generated/wire';
import { PID, StreamBuilder, sysId } from './synthetic';

const SRC = '/work/app/src/server.c';
const MS = 1e6;

function symbols(b: StreamBuilder, stackId: bigint, frames: [string, string, number][]): void {
  frames.forEach(([fn, file, line], index) => {
    const module = file.startsWith('/') ? '/work/app/server' : '/usr/lib/x86_64-linux-gnu/libc.so.6';
    b.add(wire.encodeSymFrame({ stackEnd: 0, index, depth: 0, line, column: 5, flags: 0, stackId, addr: 0x1000n + BigInt(index), strings: [fn, file, module] }));
  });
}

/** The sample trace's bytes. */
export function sampleTrace(): Uint8Array {
  const b = new StreamBuilder();
  b.task({ event: 6, comm: 'server', filename: '/work/app/server', flags: 2, ts: b.at(0) });
  b.task({ event: 6, tid: 101, comm: 'worker-1', ts: b.at(0) });
  b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
  b.fd({ op: 4, fd: 4, type: 7, path: 'pipe:[1001]' });
  b.fd({ op: 4, fd: 5, type: 8, path: 'anon_inode:[eventfd]' });
  b.fd({ op: 4, fd: 6, type: 1, path: '/var/data/db' });
  b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(1 * MS), dur: 2000, args: [3n, 1n, 4n, 0x10n, 0n, 0n], dataFormat: 3, data: [1n, 4n], stackId: 3n });
  for (let i = 0; i < 4; i++) {
    b.syscall({ sys: sysId('epoll_wait'), ts: b.at((2 + i * 10) * MS), dur: (5 + i) * MS, ret: 1, args: [3n, 0x7ffe0000n, 16n, 100n, 0n, 0n], dataFormat: 1, data: [100n * BigInt(MS), 1n, 4n], stackId: 1n });
  }
  b.syscall({ sys: sysId('read'), ts: b.at(40 * MS), dur: 20.2 * MS, ret: 64, args: [4n, 0x7ffe1000n, 64n, 0n, 0n, 0n], stackId: 2n });
  b.syscall({ sys: sysId('read'), ts: b.at(61 * MS), dur: 1.5 * MS, ret: -11, args: [4n, 0x7ffe1000n, 64n, 0n, 0n, 0n], stackId: 2n });
  const ctx = 0x7f1234560000n;
  for (let i = 0; i < 2; i++) {
    b.add(wire.encodeAioSubmit({ opcode: 0, index: i, pid: PID, tid: 101, ts: b.at(70 * MS), ctx, obj: 0x9000n + BigInt(i), data: 0xa0n + BigInt(i), offset: i * 4096, nbytes: 4096, fd: 6, resfd: 5, iocbFlags: 1, rwFlags: 0, stackId: 4n }));
  }
  b.syscall({ sys: sysId('io_submit'), tid: 101, ts: b.at(70 * MS), dur: 30000, ret: 2, args: [ctx, 2n, 0x7ffe2000n, 0n, 0n, 0n], stackId: 4n });
  for (let i = 0; i < 2; i++) {
    b.add(wire.encodeAioComplete({ index: i, flags: 0, pid: PID, tid: 101, ts: b.at(72 * MS), ctx, obj: 0x9000n + BigInt(i), data: 0xa0n + BigInt(i), res: 4096, res2: 0 }));
  }
  b.syscall({ sys: sysId('io_getevents'), tid: 101, ts: b.at(71 * MS), dur: 1 * MS, ret: 2, args: [ctx, 2n, 2n, 0x7ffe3000n, 0n, 0n], dataFormat: 4, data: [0xffffffffffffffffn], stackId: 4n });
  const ring = 0xffff888000010000n;
  b.add(wire.encodeUringRing({ seenLate: 0, pid: PID, tid: PID, ts: b.at(80 * MS), ctx: ring, fd: 7, sqEntries: 8, cqEntries: 16, setupFlags: 0 }));
  b.add(wire.encodeUringSubmit({ stackFrom: 0, flags: 0, cqHead: 0, opcode: 22, sqThread: 0, pid: PID, tid: PID, ts: b.at(81 * MS), ctx: ring, req: 0x77n, userData: 0xb1n, reqFlags: 0n, fd: 6 }));
  b.add(wire.encodeUringComplete({ waiterTid: 0, pid: PID, tid: PID, ts: b.at(81.4 * MS), ctx: ring, req: 0x77n, userData: 0xb1n, res: 512, cflags: 0 }));
  b.add(wire.encodeSignalGenerate({ sig: 29, group: 1, result: 0, flags: 0, pid: PID, tid: PID, ts: b.at(90 * MS), senderPid: PID, senderTid: 101, code: 1, sigErrno: 0, pollFd: 4, pollBand: 65, senderComm: 'worker-1' }));
  b.add(wire.encodeSignalDeliver({ sig: 29, pid: PID, tid: PID, ts: b.at(90.05 * MS), code: 1, sigErrno: 0, pollFd: 4, pollBand: 65, handler: 0x401000n, saFlags: 4n, stackId: 1n }));
  b.add(wire.encodeIrq({ cpu: 1, irq: 11, ret: 1, ts: b.at(95 * MS), dur: 4200, name: 'uio_pci_generic' }));
  b.add(wire.encodeWake({ wakerSys: sysId('write'), wakeeSys: sysId('epoll_wait'), pid: PID, tid: 101, ts: b.at(96 * MS), wakeePid: PID, wakeeTid: PID, wakeeSince: b.at(94 * MS), wakerFd: 5 }));
  b.add(wire.encodeDrop({ source: 1, cpu: 0xffff, ts: b.at(97 * MS), count: 12, total: 12 }));
  b.syscall({ sys: sysId('epoll_wait'), ts: b.at(98 * MS), dur: 250 * MS, flags: 1, args: [3n, 0x7ffe0000n, 16n, 0xffffffffn, 0n, 0n], stackId: 1n });
  b.task({ event: 4, tid: 101, comm: 'worker-1', ts: b.at(99 * MS) });
  b.add(wire.encodeEnd({ reason: 1, signal: 0, ts: b.at(100 * MS), emitted: 40, dropped: 12, bytes: 4096 }));
  symbols(b, 1n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['run_loop', SRC, 142], ['main', SRC, 200]]);
  symbols(b, 2n, [['read', 'sysdeps/unix/sysv/linux/read.c', 26], ['on_request', SRC, 88], ['run_loop', SRC, 150]]);
  symbols(b, 3n, [['epoll_ctl', 'sysdeps/unix/sysv/linux/epoll_ctl.c', 28], ['setup', SRC, 120]]);
  symbols(b, 4n, [['syscall', 'misc/syscall.S', 38], ['io_submit', '', 0], ['submit_batch', SRC, 61]]);
  return b.bytes();
}
