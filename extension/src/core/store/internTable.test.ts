import * as assert from 'node:assert/strict';
import { InternTable, jsonHash, jsonHashWithout, withoutKeys } from './columns';

/** Lists whose fd counts its reads (a getter: for..in lists it, JSON.stringify reads it), and the count. */
function readCounter(): { reads: number; counted: (fd: number) => Record<string, unknown> } {
  const c = {
    reads: 0,
    counted: (fd: number): Record<string, unknown> => {
      const o: Record<string, unknown> = {};
      Object.defineProperty(o, 'fd', { enumerable: true, get: () => (c.reads++, fd) });
      return o;
    },
  };
  return c;
}

describe('InternTable', () => {
  it('gives equal values one id, interleaved and nested, and different values different ids', () => {
    const t = new InternTable<Record<string, unknown>>();
    const a = (): Record<string, unknown> => ({ epfd: 3, maxevents: 8, ready: [{ events: 1, data: '0x5' }] });
    const b = (): Record<string, unknown> => ({ epfd: 4, maxevents: 8, ready: [{ events: 1, data: '0x6' }] });
    const ids = [t.id(a()), t.id(b()), t.id(a()), t.id(b()), t.id(a())];
    assert.deepEqual(ids, [0, 1, 0, 1, 0], `ids seen: ${ids.join(',')}`);
    assert.equal(t.id({ epfd: 3, maxevents: 8, ready: [{ events: 1, data: '0x7' }] }), 2, 'a nested value differs');
    assert.equal(t.id({ epfd: 3, maxevents: 8, ready: [{ events: 1, data: '0x5' }, { events: 4, data: '0x5' }] }), 3, 'a longer list');
    assert.equal(t.id({ maxevents: 8, epfd: 3, ready: [{ events: 1, data: '0x5' }] }), 4, 'keys in another order: another JSON text');
    assert.equal(t.id({ epfd: 3, maxevents: 8, ready: { 0: { events: 1, data: '0x5' } } }), 5, 'an object is not an array');
    assert.equal(t.id({ epfd: 3, maxevents: 8, ready: [{ events: 1, data: '0x5' }] }), 0, 'found again after others');
    assert.deepEqual(t.get(1), b());
  });

  it('finds a value interned long ago, past the recent ones, by its content', () => {
    const t = new InternTable<{ fd: number }>();
    for (let fd = 0; fd < 100; fd++) assert.equal(t.id({ fd }), fd);
    assert.equal(t.id({ fd: 3 }), 3);
    assert.equal(t.size, 100);
  });

  it('tells apart what JSON tells apart, past the recent ones', () => {
    const t = new InternTable<Record<string, unknown>>();
    const values = [{ v: 1 }, { v: '1' }, { v: true }, { v: null }, { v: [1] }, { v: { 0: 1 } }, { v: 2 ** 40 }, { v: 2 ** 40 + 2 ** 32 }, { v: 1.5 }, { w: 1 }, { v: 'ab', w: 'c' }, { v: 'a', w: 'bc' }];
    const ids = values.map((v) => t.id(v));
    assert.equal(new Set(ids).size, values.length, `ids: ${ids.join(',')}`);
    // again, each after more than the recent ones: found by hash, compared whole
    for (let i = 0; i < 20; i++) t.id({ filler: i });
    values.forEach((v, i) => assert.equal(t.id(JSON.parse(JSON.stringify(v)) as Record<string, unknown>), ids[i], JSON.stringify(v)));
    assert.equal(t.id({ v: -0 }), t.id({ v: 0 }), '0 and -0: one JSON text');
  });

  it('hashes a new value before comparing it: the values asked for before are not read again', () => {
    const t = new InternTable<Record<string, unknown>>();
    const c = readCounter();
    const counted = c.counted;
    for (let fd = 0; fd < 8; fd++) t.id(counted(fd));
    c.reads = 0;
    assert.equal(t.id({ fd: 100 }), 8);
    assert.equal(c.reads, 0, 'a list of another hash was compared whole with the last ones');
    assert.equal(t.id({ fd: 3 }), 3, 'found by its hash, compared with the one of that hash');
    assert.equal(c.reads, 1);
  });

  it('finds the same object asked for again by identity', () => {
    const t = new InternTable<Record<string, unknown>>();
    const a = { fd: 1 };
    assert.equal(t.id(a), 0);
    assert.equal(t.id({ fd: 2 }), 1);
    assert.equal(t.id(a), 0);
  });

  it('finds an object asked for before, past the recent ones, by identity: not read again', () => {
    const t = new InternTable<Record<string, unknown>>();
    const c = readCounter();
    const counted = c.counted;
    // a server's worker: one shared args object per connection, 40 in turn (more than the recent ones)
    const lists = Array.from({ length: 40 }, (_, fd) => counted(fd));
    lists.forEach((o, fd) => assert.equal(t.id(o), fd));
    c.reads = 0;
    for (let round = 0; round < 3; round++) lists.forEach((o, fd) => assert.equal(t.id(o), fd));
    assert.equal(c.reads, 0, 'an object asked for before was hashed and compared again');
    assert.equal(t.id({ fd: 7 }), 7, 'another object of the same content: found by its content');
  });

  it('interns a list without its skipped keys as the copy without them, copied only when new', () => {
    const lists: Record<string, unknown>[] = [];
    for (let i = 0; i < 40; i++) lists.push({ fd: i % 5, buf: `0x${i}`, count: i % 3 === 0 ? 4096 : [i % 2, { ready: i % 4 }], msg: i });
    const skip = ['buf', 'msg'];
    const copies = new InternTable<Record<string, unknown>>();
    const skipped = new InternTable<Record<string, unknown>>();
    for (const v of lists) {
      assert.equal(jsonHashWithout(v, skip), jsonHash(withoutKeys(v, skip)), JSON.stringify(v));
      const id = skipped.idWithout(v, skip);
      assert.equal(id, copies.id(withoutKeys(v, skip)), JSON.stringify(v));
      assert.deepEqual(Object.keys(skipped.get(id) ?? {}), ['fd', 'count'], 'the stored list keeps no skipped key');
      assert.notEqual(skipped.get(id), v, 'a copy is stored, not the list asked for');
    }
    assert.equal(skipped.size, copies.size);
    const first = skipped.get(0);
    assert.equal(skipped.idWithout({ ...lists[0], buf: '0xffff' }, skip), 0);
    assert.equal(skipped.get(0), first, 'a list found is not stored again');
    assert.equal(skipped.idWithout(lists[1], []), skipped.size - 1, 'nothing skipped: the list itself, new');
    assert.equal(skipped.get(skipped.size - 1), lists[1]);
  });
});
