import * as assert from 'node:assert/strict';
import { goroutinesBlockingOn, goRuntimeThreads, goRuntimeVerdicts, type GoroutineBlocking } from './goRuntime';
import type { ProcessVerdict, ThreadVerdict } from './types';

const thread = (tid: number, model: ThreadVerdict['model']): ThreadVerdict => ({ pid: 1, tid, name: 'etcd', model, evidence: 'event loop: 9 epoll_pwait calls', worksFor: null });

describe('a Go program', () => {
  const threads = [thread(1, 'multiplexing'), thread(2, 'multiplexing'), thread(3, 'none'), thread(4, 'multiplexing')];
  // goroutines on threads 1 and 2 blocked in fdatasync; thread 4 only polled
  const blocked: GoroutineBlocking = (t) => (t.tid <= 2 ? { calls: 'fdatasync 139 times (804.7 ms)', what: 'fsyncs' } : null);

  it("says what its goroutines blocked in on each thread that also polls", () => {
    const out = goRuntimeThreads(threads, new Set([1]), blocked);
    assert.match(out[0].evidence, /^the Go runtime's netpoller .*: event loop: 9 epoll_pwait calls; its goroutines blocked in fdatasync 139 times \(804\.7 ms\)$/);
    assert.doesNotMatch(out[3].evidence, /goroutines blocked/);
    assert.equal(out[2], threads[2], 'a thread of another model keeps its own words');
    assert.deepEqual(goRuntimeThreads(threads, new Set([9]), blocked), threads, 'not a Go program: unchanged');
  });

  it('says what its goroutines blocked in on its loop threads, in its verdict', () => {
    const fsyncs = { what: 'fsyncs' };
    assert.equal(goroutinesBlockingOn([fsyncs, fsyncs, null], 3), ', goroutines blocking in fsyncs on 2 of them');
    assert.equal(goroutinesBlockingOn([fsyncs, fsyncs], 2), ', goroutines blocking in fsyncs on all of them');
    assert.equal(goroutinesBlockingOn([{ what: 'file I/O' }, fsyncs, fsyncs], 3), ', goroutines blocking in fsyncs and file I/O on all of them');
    assert.equal(goroutinesBlockingOn([fsyncs], 1), ', goroutines blocking in fsyncs on it');
    assert.equal(goroutinesBlockingOn([null, null], 2), '');
    const p: ProcessVerdict = { pid: 1, name: 'etcd', verdict: 'epoll loop on 3 threads, goroutines blocking in fsyncs on 2 of them', models: { multiplexing: 3 } };
    assert.equal(goRuntimeVerdicts([p], new Set([1]))[0].verdict, 'Go runtime, goroutines over its netpoller: epoll loop on 3 threads, goroutines blocking in fsyncs on 2 of them');
    assert.equal(goRuntimeVerdicts([p], new Set([9]))[0], p, 'not a Go program: unchanged');
  });
});
