import * as assert from 'node:assert/strict';
import { ns } from '../../../../protocol/messages';
import type { SysName } from '../../../../protocol/generated/wire';
import type { SyscallEvent } from '../model/events';
import { compileFilter, findOccurrence, summarizeFilter } from './filter';
import { TraceStore } from './traceStore';
import { queryWindow } from './window';

function call(tid: number, name: SysName, ts: number, dur: number, fd: number, path: string): SyscallEvent {
  return { kind: 'syscall', name, sys: name === 'read' ? 24 : 5, model: name === 'read' ? 'blocking' : 'multiplexing', pid: 1, tid, ts, dur, ret: 0, error: null, unfinished: false, cpu: 0, stackId: 0n, args: { fd, path } };
}

function store(): TraceStore {
  const s = new TraceStore((_pid, tid) => (tid === 1 ? 'loop' : `worker-${tid}`));
  s.add(call(1, 'epoll_wait', 0, 5e6, 3, 'anon_inode:[eventpoll]'));
  s.add(call(1, 'read', 6e6, 20e6, 5, 'pipe:[10]'));
  s.add(call(2, 'read', 1e6, 1e3, 7, '/var/db/data'));
  s.add(call(2, 'read', 30e6, 2e6, 7, '/var/db/data'));
  s.add(call(3, 'epoll_wait', 2e6, 1e6, 9, 'anon_inode:[eventpoll]'));
  return s;
}

describe('the timeline filter on the store', () => {
  it('matches names, fds, paths, threads and durations, all words together', () => {
    const s = store();
    const count = (text: string): string => {
      const f = compileFilter(s, text);
      const r = f ? summarizeFilter(s, f) : { events: s.size, tracks: [] };
      return `${r.events}:${[...r.tracks].sort().join(',')}`;
    };
    assert.equal(count('read'), '3:0,1');
    assert.equal(count('fd:7'), '2:1');
    assert.equal(count('path:/var/db'), '2:1');
    assert.equal(count('thread:worker-3'), '1:2');
    assert.equal(count('read >1ms'), '2:0,1');
    assert.equal(count('EPOLL thread:loop'), '1:0', 'case does not matter');
    assert.equal(count('loop'), '2:0', 'a word matches the thread too');
    assert.equal(compileFilter(s, '  '), null);
    assert.throws(() => compileFilter(s, 'fd:x'), /fd: takes a number/);
  });

  it('sends only matching events, on the tracks that can hold them', () => {
    const s = store();
    const w = queryWindow(s, ns(0), ns(40e6), ns(1), compileFilter(s, 'thread:worker-2 >1ms'));
    assert.deepEqual(w.spans.map((t) => [t.track, [...t.ids]]), [[1, [3]]]);
  });

  it('finds the next and previous event of a kind or call site, in time, with the filter', () => {
    const s = store();
    const sites = { of: (id: number) => (s.get(id)?.tid === 2 ? 'db.c:10' : 'loop.c:5') };
    assert.equal(findOccurrence(s, sites, 2, 1, 'kind', null)?.id, 1, 'the next read after 1 ms is at 6 ms');
    assert.equal(findOccurrence(s, sites, 1, 1, 'kind', null)?.id, 3);
    assert.equal(findOccurrence(s, sites, 3, 1, 'kind', null), null);
    assert.equal(findOccurrence(s, sites, 3, -1, 'kind', null)?.id, 1);
    assert.equal(findOccurrence(s, sites, 2, 1, 'site', null)?.id, 3, 'the same call site skips the loop\'s read');
    assert.equal(findOccurrence(s, sites, 2, 1, 'kind', compileFilter(s, 'fd:7'))?.id, 3, 'with the filter');
    assert.equal(findOccurrence(s, sites, 0, 1, 'kind', null)?.id, 4);
  });
});
