import * as assert from 'node:assert/strict';
import { DataFormat, SYSCALLS, Sys } from '../../../../../protocol/generated/wire';
import { decodeCall } from './calls';
import { LineReader, type StraceCall } from './lines';
import { ValueReader } from './values';

function decodeLine(line: string): ReturnType<typeof decodeCall> {
  const c = new LineReader().read(line) as StraceCall;
  assert.equal(c.kind, 'call');
  const info = SYSCALLS.get(Sys[c.name as keyof typeof Sys]);
  assert.ok(info);
  return decodeCall(info, c, new ValueReader(c.args).list(null), Number(c.ret ?? 0n));
}

describe('strace calls', () => {
  it("gives select's sets as the tracer reads them: watched at entry, ready from strace's note", () => {
    const d = decodeLine('22788 13:39:58.741789 pselect6(8, [4<socket:[171664]> 7], [4<socket:[171664]>], NULL, {tv_sec=900, tv_nsec=0}, NULL) = 2 (in [7], out [4], left {tv_sec=899, tv_nsec=999995973}) <0.000018>');
    assert.equal(d.dataFormat, DataFormat.select_fds);
    assert.deepEqual(d.data, [900_000_000_000n, (1n << 4n) | (1n << 7n), 1n << 4n, 0n, 1n << 7n, 1n << 4n, 0n]);
    const none = decodeLine('22788 13:39:58.741789 select(5, [4], NULL, NULL, {tv_sec=0, tv_usec=0}) = 0 (Timeout) <0.000003>');
    assert.deepEqual(none.data, [0n, 1n << 4n, 0n, 0n, 0n, 0n, 0n]);
  });
});
