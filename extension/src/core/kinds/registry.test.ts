import assert from 'node:assert/strict';
import { RecordKind } from '../../../../protocol/generated/wire';
import { decoderOf, EVENT_KINDS, KINDS, kindModule, KindCode, kindOfCode } from './registry';

describe('kinds registry', () => {
  it('gives every kind one code, 1 up in the list order, and reads it back', () => {
    assert.deepEqual(EVENT_KINDS, ['syscall', 'aio', 'uring', 'signal', 'irq', 'process', 'thread', 'wake', 'drop']);
    for (const k of EVENT_KINDS) {
      assert.equal(kindOfCode(KindCode[k]), k);
      assert.ok(k in kindModule(k).kinds, `the module found for ${k} does not own it`);
      assert.ok(KINDS[k], `no info for ${k}`);
    }
    assert.equal(kindOfCode(0), undefined);
  });

  it('decodes the records of events and leaves the others to the assembler', () => {
    const decoded = Object.keys(RecordKind).filter((k) => decoderOf(k as keyof typeof RecordKind));
    assert.deepEqual(decoded.sort(), [
      'aio_complete', 'aio_submit', 'drop', 'irq', 'signal_deliver', 'signal_generate', 'syscall', 'task', 'uring_complete', 'uring_ring', 'uring_submit', 'wake',
    ]);
  });
});
