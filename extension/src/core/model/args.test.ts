import * as assert from 'node:assert/strict';
import {
  DataFormat, decodeRecord, encodeSyscall, FdOp, FdType, NO_OFFSET, NO_TIMEOUT, RecordKind, recordSlots, SYSCALLS, Sys, SyscallFlag, SyscallRecordSlot,
  type SyscallRecord,
} from '../../../../protocol/generated/wire';
import { decodeSyscallArgs, EpollRegistry } from './args';
import type { Args } from './events';
import { FdTables } from './fdtable';
import { hiddenArgs, shownArgs } from './labels';
import { msgFlagsName, openFlagsName, rwfFlagsName, spliceFlagsName, syncFileRangeFlagsName } from './names';

const PID = 100;

/** The path tail of a string: its bytes, NUL-padded, as little-endian words. */
function pathWords(s: string): bigint[] {
  const bytes = Buffer.alloc(Math.ceil((s.length + 1) / 8) * 8);
  bytes.write(s);
  return Array.from({ length: bytes.length / 8 }, (_, i) => bytes.readBigUInt64LE(i * 8));
}

function record(sys: number, args: bigint[], r: Partial<SyscallRecord> = {}): SyscallRecord {
  return {
    kind: 'syscall', sys, cpu: 0, pid: PID, tid: PID, dataFormat: 0, dataCount: r.data?.length ?? 0, flags: 0, ts: 0, dur: 0,
    ret: 0, stackId: 0n, args: [...args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6), data: [], ...r,
  };
}

function fdTables(entries: [number, number, string][]): FdTables {
  const fds = new FdTables();
  for (const [fd, type, path] of entries) {
    fds.apply({ kind: 'fd', op: FdOp.open, type, sys: 0, pid: PID, tid: PID, ts: 0, fd, fd2: -1, openFlags: 0, rdev: 0, dev: 0, ino: 0, aux: 0, path });
  }
  return fds;
}

function decode(r: SyscallRecord, fds = new FdTables()): Args {
  const info = SYSCALLS.get(r.sys);
  assert.ok(info);
  return decodeSyscallArgs(r, info, fds, new EpollRegistry());
}

describe('EpollRegistry', () => {
  it('keeps registrations per process and epoll fd, and forgets only the one deleted', () => {
    const reg = new EpollRegistry();
    reg.ctl(1, 3, 1, 6, 0x9n);
    reg.ctl(2, 3, 1, 7, 0x9n);
    reg.ctl(1, 4, 1, 8, 0x9n);
    reg.ctl(1, 3, 1, 5, 0xan);
    assert.deepEqual([reg.fdFor(1, 3, 0x9n), reg.fdFor(2, 3, 0x9n), reg.fdFor(1, 4, 0x9n), reg.fdFor(1, 3, 0xan), reg.fdFor(2, 4, 0x9n)], [6, 7, 8, 5, undefined]);
    reg.ctl(1, 3, 3, 9, 0x9n); // EPOLL_CTL_MOD: another fd under the same data
    assert.equal(reg.fdFor(1, 3, 0x9n), 9);
    reg.ctl(1, 3, 2, 9, 0x9n); // EPOLL_CTL_DEL
    assert.deepEqual([reg.fdFor(1, 3, 0x9n), reg.fdFor(2, 3, 0x9n), reg.fdFor(1, 4, 0x9n), reg.fdFor(1, 3, 0xan)], [undefined, 7, 8, 5]);
    reg.ctl(1, 3, 2, 5, 0xan);
    reg.ctl(1, 3, 1, 5, 0xbn);
    assert.equal(reg.fdFor(1, 3, 0xbn), 5, 'registered again after its epoll fd had none left');
  });
});

describe('syscall arguments', () => {
  it('leaves the pointer arguments out when asked, the others as a store keeps them (shownArgs) in their order', () => {
    const fds = fdTables([[5, FdType.socket, 'socket:[1]'], [3, FdType.anon, 'anon_inode:[eventpoll]']]);
    const calls = [
      record(Sys.recvfrom, [5n, 0x7ffe1000n, 64n, 0n, 0x7ffe2000n, 0x7ffe3000n], { ret: 64 }),
      record(Sys.epoll_pwait2, [3n, 0x1000n, 8n, 0x2000n, 0n, 8n], { dataFormat: DataFormat.epoll_events, data: [5_000_000n] }),
    ];
    for (const r of calls) {
      const info = SYSCALLS.get(r.sys);
      assert.ok(info);
      const all = decodeSyscallArgs(r, info, fds, new EpollRegistry());
      const without = decodeSyscallArgs(r, info, fds, new EpollRegistry(), false);
      assert.deepEqual(Object.entries(without), Object.entries(shownArgs({ sys: r.sys, args: all })), info.name);
      assert.ok(hiddenArgs(r.sys).every((k) => k in all && !(k in without)), info.name);
    }
  });

  it('shows a wait\'s timeout in ns only when its argument is a pointer (epoll_pwait2, ppoll), not when it is in ms', () => {
    const ep2 = decode(record(Sys.epoll_pwait2, [3n, 0x1000n, 8n, 0x2000n], { dataFormat: DataFormat.epoll_events, data: [5_000_000n] }));
    assert.equal(ep2.timeout_ns, 5_000_000);
    assert.equal(ep2.timeout, '0x2000');
    const ep = decode(record(Sys.epoll_wait, [3n, 0x1000n, 8n, 100n], { dataFormat: DataFormat.epoll_events, data: [100_000_000n] }));
    assert.equal(ep.timeout_ms, 100);
    assert.equal('timeout_ns' in ep, false);
    const pp = decode(record(Sys.ppoll, [0x1000n, 1n, 0n], { dataFormat: DataFormat.pollfds, data: [NO_TIMEOUT, 5n | (1n << 32n) | (1n << 48n)] }));
    assert.equal(pp.timeout_ns, null, 'no timeout');
    assert.deepEqual(pp.fds, [{ fd: 5, path: null, events: 'IN', revents: 'IN' }]);
  });

  it("shows select's watched fds as poll's are shown: the sets each fd was in, and those it was ready in", () => {
    const fds = fdTables([[4, FdType.socket, 'socket:[9]'], [7, FdType.pipe, 'pipe:[3]']]);
    const watched = { read: (1n << 4n) | (1n << 7n), write: 1n << 4n, except: 0n };
    const ready = { read: 1n << 7n, write: 1n << 4n, except: 0n };
    const sel = decode(record(Sys.pselect6, [8n, 0x1000n, 0x1080n, 0n, 0x2000n], {
      dataFormat: DataFormat.select_fds, data: [2_000_000_000n, watched.read, watched.write, watched.except, ready.read, ready.write, ready.except],
    }), fds);
    assert.equal(sel.timeout_ns, 2_000_000_000);
    assert.deepEqual(sel.fds, [
      { fd: 4, path: 'socket:[9]', events: 'IN|OUT', revents: 'OUT' },
      { fd: 7, path: 'pipe:[3]', events: 'IN', revents: 'IN' },
    ]);
    const high = decode(record(Sys.select, [64n, 0x1000n], { dataFormat: DataFormat.select_fds, data: [NO_TIMEOUT, 1n << 63n, 0n, 0n, 0n, 0n, 0n] }));
    assert.deepEqual(high.fds, [{ fd: 63, path: null, events: 'IN', revents: '0' }], 'fd 63, the last the sets keep');
  });

  it('gives sendfile, splice and copy_file_range the offsets they started from, and every fd its path', () => {
    const fds = fdTables([[3, FdType.file, '/srv/www/index.html'], [5, FdType.socket, 'socket:[7]'], [9, FdType.pipe, 'pipe:[8]']]);
    const sf = decode(record(Sys.sendfile, [5n, 3n, 0x7ffe0000n, 65536n], { ret: 65536, dataFormat: DataFormat.file_offsets, data: [4096n, BigInt.asUintN(64, BigInt(NO_OFFSET))] }), fds);
    assert.deepEqual(sf, { out_fd: 5, in_fd: 3, offset: 4096, count: 65536, path: 'socket:[7]', fd_type: 'socket', in_fd_path: '/srv/www/index.html' });
    const sp = decode(record(Sys.splice, [9n, 0n, 5n, 0n, 4096n, 4n], { ret: 4096, dataFormat: DataFormat.file_offsets, data: [BigInt.asUintN(64, -1n), BigInt.asUintN(64, -1n)] }), fds);
    assert.equal(sp.off_in, null, 'no pointer: the pipe has no offset');
    assert.equal(sp.off_out, null);
    assert.equal(sp.flags, 'SPLICE_F_MORE');
    assert.equal(sp.fd_out_path, 'socket:[7]');
    const cfr = decode(record(Sys.copy_file_range, [3n, 0x10n, 9n, 0x18n, 4096n, 0n], { ret: 4096, dataFormat: DataFormat.file_offsets, data: [8192n, 0n] }), fds);
    assert.equal(cfr.off_in, 8192);
    assert.equal(cfr.off_out, 0);
  });

  it("lists a call's arguments in its schema's order, then its fds' paths and type, in every call of it", () => {
    // the store and the report's JSON read args in their keys' order: decoding may not change it
    const fds = fdTables([[3, FdType.file, '/srv/www/index.html'], [5, FdType.socket, 'socket:[7]']]);
    const schema = SYSCALLS.get(Sys.sendfile)?.args.map((a) => a.name);
    const decoded = [
      decode(record(Sys.sendfile, [5n, 3n, 0x7ffe0000n, 65536n], { ret: 65536, dataFormat: DataFormat.file_offsets, data: [4096n, 0n] }), fds),
      decode(record(Sys.read, [3n, 0x7ffe0000n, 8n], { ret: 8 }), fds),
      decode(record(Sys.sendfile, [7n, 3n, 0n, 1n], { ret: 1 }), fds),
    ];
    assert.deepEqual(Object.keys(decoded[0]), [...(schema ?? []), 'path', 'fd_type', 'in_fd_path']);
    assert.deepEqual(Object.keys(decoded[1]), ['fd', 'buf', 'count', 'path', 'fd_type']);
    assert.deepEqual(Object.keys(decoded[2]), [...(schema ?? []), 'in_fd_path'], 'fd 7 unknown: no path of its own');
  });

  it('sums the bytes of sendmmsg/recvmmsg messages and says when only the first ones were read', () => {
    const all = decode(record(Sys.sendmmsg, [5n, 0x1000n, 4n, 0n], { ret: 4, dataFormat: DataFormat.mmsg, data: [406n, 4n] }));
    assert.equal(all.bytes, 406);
    assert.equal('bytes_of_messages' in all, false);
    const some = decode(record(Sys.recvmmsg, [5n, 0x1000n, 64n, 0x10000n, 0n], { ret: 40, dataFormat: DataFormat.mmsg, data: [16000n, 16n] }));
    assert.equal(some.bytes, 16000);
    assert.equal(some.bytes_of_messages, 16);
    assert.equal(some.flags, 'MSG_WAITFORONE');
  });

  it('shows the path an open names, and says when it was cut', () => {
    const o = decode(record(Sys.openat, [BigInt.asUintN(64, -100n), 0x1000n, 0o2000000n, 0n], { ret: 7, dataFormat: DataFormat.path, data: pathWords('/var/lib/db/data.0') }));
    assert.equal(o.filename, '/var/lib/db/data.0');
    assert.equal(o.flags, 'O_RDONLY|O_CLOEXEC');
    assert.equal('path_truncated' in o, false);
    const long = 'x'.repeat(127);
    const cut = decode(record(Sys.open, [0x1000n, 0o100101n, 0o644n], { ret: 3, flags: SyscallFlag.data_truncated, dataFormat: DataFormat.path, data: pathWords(long) }));
    assert.equal(cut.filename, long);
    assert.equal(cut.path_truncated, true);
    assert.equal(cut.flags, 'O_WRONLY|O_CREAT|O_LARGEFILE');
    const unread = decode(record(Sys.openat, [0n, 0xdead0000n, 0n, 0n], { ret: -14 }));
    assert.equal(unread.filename, '0xdead0000', 'no tail: the pointer');
  });

  it("reads a path from a reader's slot as from a record of its own: padded, filling its words, cut, not ASCII, none", () => {
    const slots = recordSlots();
    const paths = ['/etc/passwd', '/srv/www/index.html', 'x'.repeat(63), '/tmp/données/ï.log', ''];
    for (const path of paths) {
      const own = record(Sys.openat, [BigInt.asUintN(64, -100n), 0x1000n, 0n, 0n], { ret: 5, dataFormat: DataFormat.path, data: path ? pathWords(path) : [] });
      const bytes = encodeSyscall({ ...own, dataCount: own.data.length });
      const slot = decodeRecord(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, RecordKind.syscall, bytes.length, slots);
      assert.ok(slot instanceof SyscallRecordSlot);
      assert.deepEqual(decode(slot), decode(own), JSON.stringify(path));
      assert.equal(decode(slot).filename, path || '0x1000', JSON.stringify(path));
    }
    // a tail that its string fills to the last byte, no NUL (the tracer's cut)
    const full = Buffer.from('z'.repeat(16));
    const words = [full.readBigUInt64LE(0), full.readBigUInt64LE(8)];
    const own = record(Sys.openat, [0n, 0x1000n, 0n, 0n], { flags: SyscallFlag.data_truncated, dataFormat: DataFormat.path, data: words });
    const bytes = encodeSyscall({ ...own, dataCount: 2 });
    const slot = decodeRecord(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, RecordKind.syscall, bytes.length, slots);
    assert.ok(slot instanceof SyscallRecordSlot);
    assert.deepEqual(decode(slot), decode(own));
    assert.equal(decode(slot).filename, 'z'.repeat(16));
  });

  it('decodes 64-bit file offsets whole', () => {
    const big = 5n * 1024n * 1024n * 1024n;
    assert.equal(decode(record(Sys.pread64, [3n, 0n, 4096n, big])).pos, Number(big));
    assert.equal(decode(record(Sys.preadv2, [3n, 0n, 1n, BigInt.asUintN(64, -1n), 0n, 8n])).pos_l, -1, 'the current position');
  });

  it('names the flags of the server calls', () => {
    assert.equal(rwfFlagsName(8), 'RWF_NOWAIT');
    assert.equal(rwfFlagsName(0x8 | 0x2), 'RWF_DSYNC|RWF_NOWAIT');
    assert.equal(rwfFlagsName(0), '0');
    assert.equal(rwfFlagsName(0x400), '0x400');
    assert.equal(spliceFlagsName(1 | 4), 'SPLICE_F_MOVE|SPLICE_F_MORE');
    assert.equal(syncFileRangeFlagsName(2), 'SYNC_FILE_RANGE_WRITE');
    assert.equal(msgFlagsName(0x40 | 0x4000), 'MSG_DONTWAIT|MSG_NOSIGNAL');
    assert.equal(openFlagsName(0o4010002), 'O_RDWR|O_SYNC', 'O_SYNC is named whole, not as O_DSYNC');
    assert.equal(openFlagsName(0o10000), 'O_RDONLY|O_DSYNC');
    assert.equal(openFlagsName(0o20200002), 'O_RDWR|O_TMPFILE');
  });
});
