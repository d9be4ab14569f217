/**
 * The one source of truth stays one: the generated C header and TypeScript decoder match the
 * schema, the C header's static asserts hold in a real compiler, and every record decodes to what
 * was encoded.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wire from './generated/wire';
import { wordI32, wordI64, wordIsZero, wordNumber, wordU32, type Word } from './runtime';

const here = __dirname;

describe('protocol', () => {
  it('generated files are what the schema generates (run `npm run generate` after changing it)', () => {
    const r = spawnSync(process.execPath, [join(here, 'generate.mjs'), '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('the C header compiles, with every size and offset checked by the compiler', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-proto-'));
    try {
      const src = join(dir, 't.c');
      writeFileSync(src, '#include "iolens_wire.h"\nint main(void) { return sizeof(struct iol_rec_syscall) != IOL_REC_SYSCALL_SIZE; }\n');
      const r = spawnSync('gcc', ['-std=c11', '-Wall', '-Werror', '-I', join(here, 'generated'), src, '-o', join(dir, 't')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(spawnSync(join(dir, 't')).status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the C packers of the tail words and the TypeScript decoders agree on every bit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-proto-'));
    try {
      const src = join(dir, 'pack.c');
      writeFileSync(src, [
        '#include <stdio.h>',
        '#include "iolens_wire.h"',
        'int main(void) {',
        '  printf("%llu %llu %llu %llu %llu\\n", (unsigned long long)iol_pack_siginfo_signo_code(35, -6),',
        '         (unsigned long long)iol_pack_pollfds_fd_events_revents(-1, 0x41, 0x18), (unsigned long long)iol_pack_mmsg_messages(7),',
        '         (unsigned long long)iol_pack_epoll_events_events(0x80000001u), (unsigned long long)iol_pack_siginfo_fd(-2));',
        '  return 0;',
        '}',
      ].join('\n'));
      const r = spawnSync('gcc', ['-std=c11', '-Wall', '-Werror', '-I', join(here, 'generated'), src, '-o', join(dir, 'pack')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const [sig, pollfd, mmsg, epoll, fd] = spawnSync(join(dir, 'pack'), { encoding: 'utf8' }).stdout.trim().split(' ').map((w) => BigInt(w));
      assert.deepEqual(wire.decodeSiginfoData([0n, sig, 0n, fd]), { timeoutNs: 0n, signo: 35, code: -6, band: 0n, fd: -2 });
      assert.deepEqual(wire.decodePollfdsData([wire.NO_TIMEOUT, pollfd]).items, [{ fd: -1, events: 0x41, revents: 0x18 }]);
      assert.deepEqual(wire.decodeMmsgData([406n, mmsg]), { bytes: 406n, messages: 7 });
      assert.deepEqual(wire.decodeEpollEventsData([1n, epoll, 0xfeedn]).items, [{ events: 0x80000001, data: 0xfeedn }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says so when a field would be misaligned', () => {
    const schema = JSON.parse(readFileSync(join(here, 'schema.json'), 'utf8')) as { records: { name: string; fields: unknown[] }[] };
    const rec = schema.records.find((r) => r.name === 'clock');
    assert.ok(rec);
    rec.fields = [['reserved', 'u16'], ['mono_ns', 'u64'], ['real_ns', 'u64']];
    const dir = mkdtempSync(join(tmpdir(), 'iolens-proto-'));
    try {
      writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
      for (const f of ['generate.mjs', 'syscallTable.mjs']) writeFileSync(join(dir, f), readFileSync(join(here, f)));
      const r = spawnSync(process.execPath, [join(dir, 'generate.mjs')], { encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /clock\.mono_ns \(u64\) at offset 6 is not 8-byte aligned/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a word the same in either form (a number below 2^53, a bigint)', () => {
    const cases: [bigint, number, number, number, boolean][] = [
      // value, low 32 bits signed, low 32 bits unsigned, signed 64-bit, zero
      [0n, 0, 0, 0, true],
      [3n, 3, 3, 3, false],
      [0xffffffffn, -1, 0xffffffff, 0xffffffff, false],
      [0x1_0000_0005n, 5, 5, 0x1_0000_0005, false],
      [2n ** 53n - 1n, -1, 0xffffffff, 2 ** 53 - 1, false],
      [0xffffffffffffff9cn, -100, 0xffffff9c, -100, false],
    ];
    for (const [value, i32, u32, i64, zero] of cases) {
      const forms: Word[] = value < 2n ** 53n ? [value, Number(value)] : [value];
      for (const w of forms) {
        assert.deepEqual([wordI32(w), wordU32(w), wordI64(w), wordIsZero(w), wordNumber(w)], [i32, u32, i64, zero, Number(value)], `${typeof w} ${value}`);
      }
    }
  });

  it('decodes every record kind to what was encoded', () => {
    const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const samples: wire.WireRecord[] = [
      { kind: 'clock', monoNs: 123456789, realNs: 1700000000123456 },
      { kind: 'meta', json: '{"a":1,"b":"ü"}' },
      {
        kind: 'syscall', sys: 5, cpu: 1, pid: 10, tid: 11, dataFormat: 1, dataCount: 3, flags: 1, ts: 5e12, dur: 1234, ret: -11,
        stackId: 0xfedcba9876543210n, args: [1, 2, 0xffffffffffffffffn, 4, 2 ** 53 - 1, 2n ** 53n], data: [7n, 8n, 0x8000000000000000n],
      },
      { kind: 'stack', nframes: 3, flags: 2, pid: 9, spSlots: 0b100001, stackId: 42n, frames: [0x7f0000001000n, 0x555500001234n, 1n] },
      {
        kind: 'aio_submit', opcode: 7, index: 3, pid: 1, tid: 2, ts: 99, ctx: 0x7f00n, obj: 0x1234n, data: 0xa1n, offset: -1, nbytes: 4096,
        fd: 5, resfd: -1, iocbFlags: 1, rwFlags: 0, stackId: 3n,
      },
      { kind: 'signal_generate', sig: 29, group: 1, result: 2, flags: 1, pid: 1, tid: 2, ts: 3, senderPid: 4, senderTid: 5, code: 1, sigErrno: 0, pollFd: 7, pollBand: 65, senderComm: 'writer' },
      {
        kind: 'map', prot: 5, buildIdLen: 20, flags: 2, pid: 1, dev: 0x800001, ts: 1, start: 0x1000n, end: 0x2000n, pgoff: 4096, ino: 77,
        buildId: Uint8Array.from({ length: 20 }, (_, i) => i), path: '/usr/lib/x86_64-linux-gnu/libc.so.6',
      },
      { kind: 'sym_frame', index: 1, depth: 0, line: 42, column: 7, flags: 1, stackEnd: 2, stackId: 5n, addr: 0x1000n, strings: ['main', '/src/a.c', '/bin/a'] },
    ];
    for (const rec of samples) {
      const { kind, ...fields } = rec;
      const encode = (wire as unknown as Record<string, (r: unknown) => Uint8Array>)[`encode${kind.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}`];
      const bytes = encode(fields);
      assert.equal(bytes.length % 8, 0);
      assert.equal(new DataView(bytes.buffer).getUint16(2, true), bytes.length);
      const back = wire.decodeRecord(view(bytes), 0, new DataView(bytes.buffer).getUint16(0, true), bytes.length);
      assert.deepEqual(back, rec, kind);
    }
  });

  it('decodes syscall records into a reader\'s slot as into objects of their own, one after the other', () => {
    const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const slots = wire.recordSlots();
    const stacks = [0n, 7n, 0xffff_ffff_ffff_fff0n, 7n, 1n << 40n, 3n, 4n, 5n, 7n];
    stacks.forEach((stackId, i) => {
      const data = i % 3 === 0 ? [] : Array.from({ length: i }, (_, k) => BigInt(k) << 60n | BigInt(i));
      const bytes = wire.encodeSyscall({
        sys: 5, cpu: i, pid: 10, tid: 11, dataFormat: 0, dataCount: data.length, flags: i, ts: 1000 * i, dur: 5, ret: -i, stackId,
        args: [i, 2 ** 53 + i, 0xffff_ffff_ffff_ffffn, 0, 1, 2], data,
      });
      const kind = wire.RecordKind.syscall;
      const own = wire.decodeRecord(view(bytes), 0, kind, bytes.length) as wire.SyscallRecord;
      const slot = wire.decodeRecord(view(bytes), 0, kind, bytes.length, slots) as wire.SyscallRecordSlot;
      assert.equal(slot, slots.syscall, 'the same object, record after record');
      const { kind: _kind, ...fields } = own;
      for (const [name, value] of Object.entries(fields)) assert.deepEqual(slot[name as keyof wire.SyscallRecord], value, `${name} of record ${i}`);
      const kept = slot.tailCopy();
      assert.equal(kept.length, data.length * 2, 'two 32-bit words a tail word');
      assert.ok(slot.tailEquals(kept));
      assert.equal(slot.tailEquals(new Array<number>(2 * data.length + 2).fill(0)), false, 'a tail of another length');
      if (data.length) assert.equal(slot.tailEquals(kept.map((w, k) => (k === kept.length - 1 ? (w ^ 1) >>> 0 : w))), false, 'a tail whose last word differs');
    });
  });
});
