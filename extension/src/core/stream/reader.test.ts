import * as assert from 'node:assert/strict';
import { encodeDrop, encodeHeader, type WireRecord } from '../../../../protocol/generated/wire';
import { StreamBuilder, sysId } from '../testing/synthetic';
import { StreamReader } from './reader';

function readAll(bytes: Uint8Array, chunk = bytes.length): { records: WireRecord[]; reader: StreamReader; warning: string | undefined } {
  const records: WireRecord[] = [];
  const reader = new StreamReader({ record: (r) => records.push(r) });
  for (let o = 0; o < bytes.length; o += chunk) reader.push(bytes.subarray(o, Math.min(bytes.length, o + chunk)));
  return { records, reader, warning: reader.end() };
}

function sample(): Uint8Array {
  const b = new StreamBuilder();
  for (let i = 0; i < 5; i++) {
    b.syscall({ sys: sysId('epoll_wait'), ts: b.at(i * 1000), dur: 500, ret: i, data: [0xffffffffffffffffn] });
  }
  b.add(encodeDrop({ source: 1, cpu: 0xffff, ts: b.at(9000), count: 3, total: 3 }));
  return b.bytes();
}

describe('StreamReader', () => {
  it('decodes a whole stream', () => {
    const { records, warning } = readAll(sample());
    assert.equal(warning, undefined);
    assert.deepEqual(records.map((r) => r.kind), ['clock', 'meta', 'syscall', 'syscall', 'syscall', 'syscall', 'syscall', 'drop']);
    const s = records[4];
    assert.ok(s.kind === 'syscall');
    assert.equal(s.ret, 2);
    assert.equal(s.dur, 500);
    assert.deepEqual(s.data, [0xffffffffffffffffn]);
  });

  it('gives the same records however the input is split', () => {
    const bytes = sample();
    const whole = readAll(bytes).records;
    for (const chunk of [1, 3, 7, 8, 13, 64, 100]) {
      assert.deepEqual(readAll(bytes, chunk).records, whole, `chunks of ${chunk}`);
    }
  });

  it('keeps every whole record of a stream cut short, with a warning', () => {
    const bytes = sample();
    const full = readAll(bytes).records.length;
    for (let cut = 33; cut < bytes.length; cut += 5) {
      const { records, warning, reader } = readAll(bytes.subarray(0, cut));
      assert.ok(records.length < full || reader.pendingBytes === 0);
      if (reader.pendingBytes) {
        assert.match(warning ?? '', /cut short/);
        assert.match(warning ?? '', new RegExp(`the ${records.length} whole record${records.length === 1 ? ' ' : 's '}`));
      }
    }
  });

  it('skips record kinds it does not know', () => {
    const b = new StreamBuilder(false);
    const unknown = new Uint8Array(24);
    new DataView(unknown.buffer).setUint16(0, 999, true);
    new DataView(unknown.buffer).setUint16(2, 24, true);
    b.add(unknown);
    b.syscall({ sys: sysId('read'), ret: 7 });
    const unknowns: number[] = [];
    const records: WireRecord[] = [];
    const reader = new StreamReader({ record: (r) => records.push(r), unknown: (k) => unknowns.push(k) });
    reader.push(b.bytes());
    assert.equal(reader.end(), undefined);
    assert.deepEqual(unknowns, [999]);
    assert.equal(records.length, 1);
    assert.equal(reader.stats.unknownRecords, 1);
  });

  it('rejects input that is not an iolens stream', () => {
    const { records, warning, reader } = readAll(new TextEncoder().encode('#!/bin/sh\necho this is not a trace file at all\n'));
    assert.equal(records.length, 0);
    assert.match(warning ?? '', /not an iolens stream/);
    assert.equal(reader.error?.offset, 0);
  });

  it('refuses a newer schema version with a clear message', () => {
    const h = encodeHeader();
    new DataView(h.buffer).setUint16(8, 9999, true);
    const { warning } = readAll(h);
    assert.match(warning ?? '', /schema version 9999.*update iolens/);
  });

  it('stops at a malformed record and keeps what came before', () => {
    const good = sample();
    const bad = new Uint8Array(good.length + 8);
    bad.set(good);
    new DataView(bad.buffer).setUint16(good.length, 3, true);
    new DataView(bad.buffer).setUint16(good.length + 2, 5, true); // size not a multiple of 8
    const { records, warning } = readAll(bad);
    assert.equal(records.length, readAll(good).records.length);
    assert.match(warning ?? '', /bad record size 5/);
  });

  it('reports a record shorter than its fixed part', () => {
    const b = new StreamBuilder(false);
    const short = new Uint8Array(16);
    new DataView(short.buffer).setUint16(0, 3, true); // syscall needs 104
    new DataView(short.buffer).setUint16(2, 16, true);
    b.add(short);
    const { warning } = readAll(b.bytes());
    assert.match(warning ?? '', /syscall record of 16 bytes .* shorter than its 104-byte fixed part/);
  });

  it('says so when the stream is empty or ends inside the header', () => {
    assert.match(readAll(new Uint8Array(0)).warning ?? '', /empty/);
    assert.match(readAll(encodeHeader().subarray(0, 10)).warning ?? '', /inside its 32-byte header/);
    assert.match(readAll(new TextEncoder().encode('vm\n')).warning ?? '', /not an iolens stream/);
  });
});
