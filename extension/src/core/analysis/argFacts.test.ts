/** ArgFacts: what an args object tells, read once for the events that share it. */
import * as assert from 'node:assert/strict';
import { KEPT_PER_THREAD } from '../kinds/syscallArgsMemo';
import { callsOf } from '../model/args';
import type { Args, SyscallEvent, TraceEvent } from '../model/events';
import { PID, StreamBuilder, sysId } from '../testing/synthetic';
import { TracePipeline } from '../trace/pipeline';
import { TraceAnalyzer } from './analyzer';
import { ArgFactsCache } from './argFacts';
import { argBlockKind, blockKind, waitTimeoutNs } from './classify';
import type { AnalysisResult } from './types';

const US = 1e3;
const MS = 1e6;

function event(name: string, args: Args): SyscallEvent {
  return {
    kind: 'syscall', name: name as SyscallEvent['name'], sys: sysId(name), model: 'blocking', pid: 1, tid: 1, ts: 0, dur: 10, ret: 0,
    error: null, unfinished: false, cpu: 0, stackId: 0n, args,
  };
}

/** A loop (epoll_wait, recv, send, recv that returned EAGAIN, a blocking read of a pipe now and then), polls, a pool of preads. */
function loopStream(turns: number): StreamBuilder {
  const b = new StreamBuilder();
  b.task({ event: 6, comm: 'server', flags: 2, ts: b.at(0) });
  const workers = [201, 202];
  for (const w of workers) b.task({ event: 6, tid: w, comm: `pool-${w - 200}`, ts: b.at(0) });
  // the fds open when the tracer came: [fd, type (wire FdType), path]
  const open: [number, number, string][] = [[3, 9, 'anon_inode:[eventpoll]'], [5, 6, 'socket:[1]'], [6, 7, 'pipe:[2]'], [7, 1, '/data/blob'], [9, 6, 'socket:[3]']];
  for (const [fd, type, path] of open) b.fd({ op: 4, fd, type, path });
  // a turn's calls on the ready socket: [call, result, O_NONBLOCK at the call]
  const served: [string, number, boolean][] = [['recvfrom', 200, true], ['sendto', 900, true], ['recvfrom', -11, false]];
  let t = 0;
  for (let i = 0; i < turns; i++) {
    b.epollWait({ ts: t, dur: 50 * US, ret: 1, stackId: 1n, ready: [[5n, 1]] });
    t += 51 * US;
    for (const [name, ret, nonblocking] of served) {
      b.call(name, { ts: t, dur: 3 * US, ret, fd: 5, nonblocking, stackId: name === 'sendto' ? 3n : 2n });
      t += 4 * US;
    }
    if (i % 10 === 9) {
      b.wake({ tid: workers[0], ts: t + 1 * MS, wakee: PID, since: t, call: 'write', wakeeCall: 'read', fd: 6 });
      b.call('read', { ts: t, dur: 1 * MS, ret: 1, fd: 6, stackId: 4n });
      t += 1 * MS + 1 * US;
      // a blocking receive of another socket inside the turn: the same call as the loop's, other facts
      b.call('recvfrom', { ts: t, dur: 2 * MS, ret: 10, fd: 9, stackId: 8n });
      t += 2 * MS + 1 * US;
    }
    if (i % 25 === 24) {
      for (let k = 0; k < 20; k++) b.epollWait({ ts: t + k * 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 1n });
      t += 40 * US;
    }
    if (i % 30 === 29) {
      b.poll({ ts: t, dur: 2 * MS, timeoutMs: 5, stackId: 6n, fds: [[5, 1, 1]] });
      b.syscall({ sys: sysId('select'), ts: b.at(t + 3 * MS), dur: 2 * MS, args: [0n, 0n, 0n, 0n, 0x7ffe2000n, 0n], stackId: 7n });
      t += 6 * MS;
    }
    const w = workers[i % workers.length];
    b.call('pread64', { tid: w, ts: t, dur: 150 * US, ret: 4096, fd: 7, stackId: 5n, args: [7n, 0n, 4096n, 0n, 0n, 0n] });
    b.wake({ tid: w, ts: t + 151 * US, wakee: PID, since: null, fd: 8 });
  }
  return b;
}

/** The analysis result of a stream, each event's args deep-copied first when `copyArgs` (none shared). */
function resultOf(b: StreamBuilder, copyArgs: boolean): { json: string; shared: number } {
  let id = 0;
  let shared = 0;
  const seen = new Set<Args>();
  const box: { a?: TraceAnalyzer } = {};
  const pipeline = new TracePipeline((e: TraceEvent) => {
    const fed = copyArgs && e.kind === 'syscall' ? { ...e, args: structuredClone(e.args) } : e;
    if (fed.kind === 'syscall') {
      if (seen.has(fed.args)) shared++;
      seen.add(fed.args);
    }
    box.a?.add(fed, id++);
  }, { symbolizer: null });
  const analyzer = new TraceAnalyzer(pipeline.trace, { keepChainsFrom: 1e6 });
  box.a = analyzer;
  pipeline.push(b.bytes());
  pipeline.end();
  const result: AnalysisResult = analyzer.result();
  return { json: JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)), shared };
}

describe('ArgFacts (what an args object tells, read once)', () => {
  it('reads what the args tell as the rules read them, a wait\'s too', () => {
    const cache = new ArgFactsCache();
    const wait = event('epoll_wait', { epfd: 3, events: '0x7ffe0000', maxevents: 16, timeout_ms: 7, ready: [{ fd: 5, path: 'socket:[1]', events: 'IN', data: '0x5' }] });
    const w = cache.of(wait, true);
    assert.deepEqual([w.fd, w.epfd, w.path, w.fdType, w.nonblocking, w.timeoutNs, w.watchesNothing, w.calls, w.fdList], [null, 3, null, undefined, false, 7e6, false, 1, wait.args.ready]);
    const poll = event('poll', { ufds: '0x1', nfds: 2, timeout_ms: -1, fds: [{ fd: 4, events: 'IN', revents: '0' }], calls: 40 });
    const p = cache.of(poll, true);
    assert.deepEqual([p.timeoutNs, p.watchesNothing, p.calls, p.fdList], [waitTimeoutNs(poll), false, callsOf(poll), poll.args.fds]);
    const select = event('select', { n: 0, inp: '0x0', outp: '0x0', exp: '0x0', timeout_ns: null });
    const s = cache.of(select, true);
    assert.deepEqual([s.timeoutNs, s.watchesNothing, s.fdList], [null, true, []]);
    const recv = event('recvfrom', { fd: 5, ubuf: '0x1', size: 64, path: 'socket:[1]', fd_type: 'socket', nonblocking: true });
    const r = cache.of(recv, false);
    assert.deepEqual([r.fd, r.epfd, r.path, r.fdType, r.nonblocking, r.timeoutNs, r.fdList], [5, null, 'socket:[1]', 'socket', true, null, []]);
    assert.deepEqual([w.readyFds, w.firstReady, w.firstReadyFd, w.firstReadyPath], [[5], true, 5, 'socket:[1]']);
    assert.deepEqual([p.readyFds, p.firstReady, r.readyFds, r.firstReady], [[], false, [], false]);
    assert.equal(r.kind, null, 'a kind only once asked');
    assert.equal(argBlockKind(recv, r), blockKind('recvfrom', 'socket'));
    assert.equal(r.kind, 'socket');
    // the ready entries as noteReady and callFacts read them: objects with a numeric fd not told revents '0' or '';
    // the first with events may have no fd
    const mixed = event('poll', { nfds: 6, timeout_ms: 0, fds: [5, { fd: 4, revents: '' }, { events: 'IN', path: 'x' }, { fd: 6, revents: 'IN', path: 'pipe:[2]' }, [1], { fd: 7 }] });
    const m = cache.of(mixed, true);
    assert.deepEqual([m.readyFds, m.firstReady, m.firstReadyFd, m.firstReadyPath], [[6, 7], true, null, 'x']);
    const enter = event('io_uring_enter', { fd: 'x', min_complete: 2, path: 7 });
    const u = cache.of(enter, false);
    assert.deepEqual([u.fd, u.minComplete, u.path, u.fdType], [null, 2, null, undefined]);
  });

  it('finds an args object\'s facts again by identity (and syscall), a thread\'s last few, the oldest replaced first', () => {
    const cache = new ArgFactsCache();
    const shared: Args = { fd: 5, nonblocking: true };
    const first = cache.of(event('recvfrom', shared), false);
    assert.equal(cache.of(event('recvfrom', shared), false), first);
    assert.notEqual(cache.of(event('recvfrom', { fd: 5, nonblocking: true }), false), first, 'equal args, another object: read again');
    const other = cache.of(event('sendto', shared), false);
    assert.notEqual(other, first, 'the same object passed with another call: read again');
    const args = Array.from({ length: KEPT_PER_THREAD }, (_, i): Args => ({ fd: 10 + i }));
    for (const a of args) assert.equal(cache.of(event('read', a), false).fd, a.fd);
    // all slots were taken before these: the oldest ones were replaced
    assert.equal(cache.of(event('read', args[KEPT_PER_THREAD - 1]), false).fd, 10 + KEPT_PER_THREAD - 1);
    assert.equal(cache.of(event('recvfrom', shared), false).nonblocking, true);
  });

  it('leaves no ready fds in a reused slot for a call that is no wait (the wait\'s list not read again)', () => {
    const cache = new ArgFactsCache();
    const w = cache.of(event('epoll_wait', { epfd: 3, timeout_ms: -1, ready: [{ fd: 5, path: 'socket:[1]', events: 'IN' }] }), true);
    assert.deepEqual([w.readyFds, w.firstReady, w.firstReadyFd], [[5], true, 5]);
    // the other slots taken, then one more args object: the wait's slot is the first reused
    for (let i = 1; i < KEPT_PER_THREAD; i++) cache.of(event('read', { fd: 10 + i }), false);
    const r = cache.of(event('recvfrom', { fd: 5, nonblocking: true }), false);
    assert.equal(r, w, 'the wait\'s slot');
    assert.deepEqual([r.readyFds, r.firstReady, r.firstReadyFd, r.firstReadyPath, r.fdList], [[], false, null, null, []]);
  });

  it('counts a call at each of its stacks apart when no args object is shared (the thread\'s last cell of the syscall checked)', () => {
    const b = new StreamBuilder();
    b.task({ event: 6, comm: 'server', flags: 2, ts: b.at(0) });
    b.fd({ op: 4, fd: 7, type: 1, path: '/data/blob' });
    // each read returns another length: the decoder shares no args object between them
    for (let i = 0; i < 40; i++) b.call('read', { ts: i * 100 * US, dur: (i % 2 ? 20 : 10) * US, ret: 100 + i, fd: 7, stackId: i % 2 ? 2n : 1n });
    const sites = (JSON.parse(resultOf(b, false).json) as AnalysisResult).sites.filter((s) => s.call === 'read');
    const byStack = sites.map((s) => [String(s.stackId), s.count, s.total]).sort();
    assert.deepEqual(byStack, [['1n', 20, 20 * 10 * US], ['2n', 20, 20 * 20 * US]]);
  });

  it('gives the same analysis result when no args are shared, the facts telling each call apart', () => {
    const b = loopStream(300);
    const asDecoded = resultOf(b, false);
    const copied = resultOf(b, true);
    assert.ok(asDecoded.shared > 1000, `the decoder shared args objects (${asDecoded.shared} events)`);
    assert.equal(copied.shared, 0);
    // what the facts decide: the loop's one blocking receive of its other socket among its non-blocking ones
    const titles = (JSON.parse(asDecoded.json) as AnalysisResult).findings.map((f) => f.title.replace(/ \(.*/, ''));
    assert.ok(titles.includes('recvfrom() blocked the event loop of server 100/100 30 times, 60.0 ms in total, 36 % of its time'), titles.join('\n'));
    assert.equal(asDecoded.json, copied.json);
  });
});
