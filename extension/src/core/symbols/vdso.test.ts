import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { StackFlag } from '../../../../protocol/generated/wire';
import type { StackInfo } from '../model/assembler';
import { MapTables } from '../model/maps';
import { createSymbolizer, type NativeSymbolizer } from './native';
import { StackResolver } from './stacks';
import { ownVdsoImage, vdsoRange } from './vdso';

const VDSO = 0x7fff0000n;
const SP = 0x7ffd0000n;

/** A snapshot stack of process 7 whose instruction pointer is at `ip`, with one word at sp. */
function trace(vdsoSize: bigint, ip: bigint, atSp: bigint): { maps: MapTables; stacks: Map<bigint, StackInfo>; symbols: Map<bigint, never[]> } {
  const maps = new MapTables();
  maps.add({ kind: 'map', prot: 5, buildIdLen: 0, flags: 4, pid: 7, dev: 0, ts: 0, start: VDSO, end: VDSO + vdsoSize, pgoff: 0, ino: 0, buildId: new Uint8Array(20), path: '[vdso]' });
  const frames = [ip, SP, 0n, atSp]; // slot 0 above sp
  const stacks = new Map<bigint, StackInfo>([[1n, { id: 1n, pid: 7, gen: 0, frames, spSlots: 4096, flags: StackFlag.snapshot }]]);
  return { maps, stacks, symbols: new Map() };
}

describe('the vdso', () => {
  it("finds the [vdso] line of a process's maps", () => {
    assert.deepEqual(vdsoRange('55d0-55e0 r-xp 00000000 08:01 12 /bin/x\n7ffc1000-7ffc3000 r-xp 00000000 00:00 0                  [vdso]\n'), { start: 0x7ffc1000, end: 0x7ffc3000 });
    assert.equal(vdsoRange('55d0-55e0 r-xp 00000000 08:01 12 /bin/x\n'), null);
  });

  describe("unwinding through it with this process's image", () => {
    let symbolizer: NativeSymbolizer;
    let image: { file: string; size: number };
    let entry: number; // a function's first instruction: CFA = rsp + 8
    before(() => {
      const made = createSymbolizer();
      assert.ok(made.symbolizer, `the symbolizer is needed: ${made.error}`);
      symbolizer = made.symbolizer;
      const own = ownVdsoImage();
      assert.ok('file' in own, `this process's vdso: ${'problem' in own ? own.problem : ''}`);
      image = own;
      assert.equal(readFileSync(image.file).subarray(0, 4).toString('latin1'), '\x7fELF');
      const offsets = Array.from({ length: image.size }, (_, i) => i);
      const rules = symbolizer.cfa(image.file, offsets);
      entry = offsets.find((o) => rules[o]?.register === 'rsp' && rules[o]?.offset === 8 && symbolizer.resolve(image.file, [o])[0][0]?.function) ?? -1;
      assert.ok(entry >= 0, 'a function entry in the vdso');
    });

    it("reads the vdso's unwind table and names its function", () => {
      // the word at sp is the return address: in no mapping here, so the stack ends there, after the vdso's rule was used
      const r = new StackResolver(trace(BigInt(image.size), VDSO + BigInt(entry), 0x1234n), symbolizer, null, [], null, null, ownVdsoImage);
      const s = r.resolve(1n);
      assert.equal(s?.end, 'not_code', `${s?.end}: ${s?.why}`);
      assert.match(s?.why ?? '', /return address of the frame at 0x[0-9a-f]+ \(0x1234\)/);
      assert.ok(s?.frames[0].function, `the vdso frame is named: ${s?.frames[0].problem}`);
      assert.equal(s?.frames[0].module, '[vdso]');
    });

    it('says why when the process maps another vdso than this one', () => {
      const r = new StackResolver(trace(BigInt(image.size) + 4096n, VDSO + BigInt(entry), 0x1234n), symbolizer, null, [], null, null, ownVdsoImage);
      const s = r.resolve(1n);
      assert.equal(s?.end, 'no_cfi');
      assert.match(s?.why ?? '', /vdso .* is not this kernel's/);
    });

    it('is read only while recording (a saved trace keeps its frames)', () => {
      const s = new StackResolver(trace(BigInt(image.size), VDSO + BigInt(entry), 0x1234n), symbolizer).resolve(1n);
      assert.equal(s?.end, 'no_cfi');
      assert.match(s?.why ?? '', /vdso is read only while the trace is recorded/);
    });
  });
});
