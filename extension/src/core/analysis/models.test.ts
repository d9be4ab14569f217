/**
 * Thread models claimed on evidence only, process verdicts, and wake-up chains, on synthetic streams.
 */
import * as assert from 'node:assert/strict';
import * as wire from '../../../../protocol/generated/wire';
import { PID, StreamBuilder, sysId } from '../testing/synthetic';
import { chainLines, whereText } from './chainText';
import { analyze } from './testing';
import { BY_STACK_ID } from './resolve';

const MS = 1e6;
const US = 1e3;
const SRC = '/work/app/src/pool.c';

/** A pselect6 of the fds in `read` (a bit each) for 2 ms at `ts`, its lowest fd ready, as the tracer sends it (select_fds). */
function select(b: StreamBuilder, ts: number, read: bigint): void {
  b.syscall({
    sys: sysId('pselect6'), tid: PID, ts: b.at(ts), dur: 2 * MS, ret: 1, stackId: 0n, args: [BigInt(read.toString(2).length), 0x7ffe1000n, 0n, 0n, 0x7ffe2000n, 0n],
    dataFormat: wire.DataFormat.select_fds, data: [900_000_000_000n, read, 0n, 0n, read & -read, 0n, 0n],
  });
}

function base(): StreamBuilder {
  const b = new StreamBuilder();
  b.task({ event: 6, comm: 'app', filename: '/work/app/app', flags: 2, ts: b.at(0) });
  b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
  b.fd({ op: 4, fd: 5, type: 7, path: 'pipe:[11]' });
  b.fd({ op: 4, fd: 6, type: 1, path: '/var/data/db' });
  b.fd({ op: 4, fd: 7, type: 6, path: 'socket:[12]' });
  b.fd({ op: 4, fd: 8, type: 8, path: 'anon_inode:[eventfd]' });
  return b;
}

/** Threads `tids` of the process, named `comm`, each with a socket of its own at fd tid − `fdBelow`. */
function threadsWithSockets(b: StreamBuilder, tids: number[], comm: string, fdBelow: number): number[] {
  for (const tid of tids) {
    b.task({ event: 6, tid, comm, ts: b.at(0) });
    b.fd({ op: 4, fd: tid - fdBelow, type: 6, path: `socket:[${tid}]` });
  }
  return tids;
}

/**
 * `turns` turns of the loop thread PID (an 8 ms epoll_wait reporting fd 7), each client thread
 * blocking 6 ms in a read of its own socket at one line; `each(i, t)` adds to turn `i` (at time `t`).
 */
function clientsBesideLoop(b: StreamBuilder, clients: readonly number[], turns: number, each: (i: number, t: number) => void = () => undefined): void {
  for (let i = 0; i < turns; i++) {
    const t = 1 * MS + i * 10 * MS;
    b.epollWait({ ts: t, dur: 8 * MS, ret: 1, ready: [[7n, 1]] });
    for (const w of clients) b.call('read', { tid: w, ts: t + (w - 200) * US, dur: 6 * MS, ret: 3, fd: w - 180, stackId: 48n });
    each(i, t);
  }
}

/**
 * Tcl's event loop over `turns` turns: its notifier thread 201 selects on two connections (fds 7, 9),
 * wakes the main thread out of its condition variable (a futex), which does the socket's I/O
 * (counted: non-blocking sends), appends to a log (counted file writes), runs `handler(t)`, then
 * writes the notifier's pipe (fd 5) to ask for the next readiness. `loopReads`: the notifier reads
 * the socket itself before it wakes the main thread (a loop handing a job to its pool worker).
 */
function notifierLoop(b: StreamBuilder, turns: number, handler: (t: number) => void = () => undefined, loopReads = false): void {
  b.task({ event: 2, tid: 201, ptid: PID, comm: 'app', ts: b.at(0.1 * MS) });
  b.fd({ op: 4, fd: 9, type: 6, path: 'socket:[13]' });
  const sel = (ts: number, dur: number, bits: bigint): void => {
    b.syscall({
      sys: sysId('pselect6'), tid: 201, ts: b.at(ts), dur, ret: 1, stackId: 0n, args: [10n, 0x7ffe1000n, 0n, 0n, 0n, 0n],
      dataFormat: wire.DataFormat.select_fds, data: [900_000_000_000n, (1n << 5n) | (1n << 7n) | (1n << 9n), 0n, 0n, bits, 0n, 0n],
    });
  };
  for (let i = 0; i < turns; i++) {
    const t = 1 * MS + i * 10 * MS;
    sel(t, 2 * MS, 1n << 7n);
    b.wake({ tid: 201, ts: t + 2 * MS + 10 * US, wakee: PID, since: null, call: 'futex', wakeeCall: 'futex' });
    handler(t + 2.1 * MS);
    b.wake({ tid: PID, ts: t + 6 * MS, wakee: 201, since: t + 2.05 * MS, call: 'write', wakeeCall: 'pselect6', fd: 5 });
    sel(t + 2.05 * MS, 3.96 * MS, 1n << 5n);
  }
  const end = 1 * MS + turns * 10 * MS;
  b.summary({ ts: end, call: 'sendto', fdType: 6, nonblocking: true, count: turns, totalNs: turns * 5 * US });
  b.summary({ ts: end, call: 'write', fdType: 1, count: turns, totalNs: turns * 20 * US });
  if (loopReads) b.summary({ tid: 201, ts: end, call: 'read', fdType: 6, nonblocking: true, count: turns, totalNs: turns * 5 * US });
}

describe('thread models', () => {
  it('a signal is not signal-driven I/O: SIGCHLD ending rt_sigsuspend, SIGKILL, SIGURG', () => {
    const b = base();
    for (let i = 0; i < 5; i++) {
      b.syscall({ sys: sysId('rt_sigsuspend'), ts: b.at(i * 10 * MS), dur: 9 * MS, ret: -4, args: [0x7ffe0000n, 8n, 0n, 0n, 0n, 0n] });
      b.add(wire.encodeSignalDeliver({ sig: 17, pid: PID, tid: PID, ts: b.at(i * 10 * MS + 9 * MS + 5 * US), code: 1, sigErrno: 0, pollFd: -1, pollBand: 0, handler: 0x401000n, saFlags: 4n, stackId: 0n }));
      b.add(wire.encodeSignalDeliver({ sig: 23, pid: PID, tid: PID, ts: b.at(i * 10 * MS + 9.5 * MS), code: -6, sigErrno: 0, pollFd: -1, pollBand: 0, handler: 0x401000n, saFlags: 4n, stackId: 0n }));
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'none');
    assert.equal(a.result.processes[0].verdict, '1 thread without I/O of note');
  });

  it("the SIGKILL a process's exit sends its other threads is not told as a signal the thread gets", () => {
    const trace = (exitsWithProcess: boolean): ReturnType<typeof analyze> => {
      const b = base();
      const worker = 201;
      b.task({ event: 2, tid: worker, ptid: PID, comm: 'app', ts: b.at(0) });
      for (let i = 0; i < 20; i++) b.epollWait({ ts: i * MS, dur: 800 * US, ret: 1, ready: [[7n, 1]] });
      b.add(wire.encodeSignalDeliver({ sig: 9, pid: PID, tid: worker, ts: b.at(30 * MS), code: 0, sigErrno: 0, pollFd: -1, pollBand: 0, handler: 0n, saFlags: 0n, stackId: 0n }));
      b.task({ event: 4, tid: worker, comm: 'app', ts: b.at(30.1 * MS) });
      // exit_group: the process ends with it; else the process goes on 1 s after its thread was killed
      b.task({ event: 4, tid: PID, comm: 'app', flags: 1, ts: b.at(exitsWithProcess ? 30.2 * MS : 1030 * MS) });
      return analyze(b);
    };
    assert.equal(trace(true).result.threads.find((t) => t.tid === 201)?.evidence, 'no I/O wait of note');
    assert.match(trace(false).result.threads.find((t) => t.tid === 201)?.evidence ?? '', /gets signals: 1 SIGKILL — control/);
  });

  it('non-blocking socket calls of a loop are not blocking calls (nginx with -m 0)', () => {
    const b = base();
    b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0), dur: 2 * US, ret: 0, args: [3n, 1n, 7n, 0n, 0n, 0n], dataFormat: 3, data: [1n, 7n] });
    for (let i = 0; i < 100; i++) {
      b.epollWait({ ts: i * MS, dur: 800 * US, ret: 1, ready: [[7n, 1]] });
      b.call('recvfrom', { ts: i * MS + 810 * US, dur: 8 * US, ret: 300, fd: 7, nonblocking: true });
      b.call('sendto', { ts: i * MS + 830 * US, dur: 12 * US, ret: 3000, fd: 7, nonblocking: true });
      b.call('recvfrom', { ts: i * MS + 850 * US, dur: 2 * US, ret: -11, fd: 7 });
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'multiplexing');
    const t = a.result.threads.find((x) => x.tid === PID);
    assert.match(t?.evidence ?? '', /event loop: 100 epoll_wait calls on 1 socket/);
    assert.equal(a.result.processes[0].verdict, 'epoll loop on 1 thread');
    assert.deepEqual(a.findings, []);
  });

  it("a loop thread that never woke beside the program's loop is named apart (Node's platform thread)", () => {
    const b = base();
    const platform = 302;
    b.task({ event: 2, tid: platform, ptid: PID, comm: 'node', ts: b.at(0) });
    for (let i = 0; i < 100; i++) {
      b.epollWait({ ts: i * MS, dur: 800 * US, ret: 1, ready: [[7n, 1]] });
      b.call('recvfrom', { ts: i * MS + 810 * US, dur: 8 * US, ret: 300, fd: 7, nonblocking: true });
    }
    // one wait for the whole run, on an epoll set of its own
    b.epollWait({ tid: platform, epfd: 9, ts: 0.1 * MS, dur: 100 * MS, ret: 1, timeoutMs: -1, ready: [[5n, 1]] });
    const a = analyze(b);
    assert.equal(a.model(platform), 'multiplexing');
    assert.equal(a.result.processes[0].verdict, 'epoll loop on 1 thread; 1 more loop thread that never woke');
    // two loops that never woke are the program's loops, not a remark on them
    const idle = base();
    idle.task({ event: 2, tid: platform, ptid: PID, comm: 'node', ts: idle.at(0) });
    idle.epollWait({ ts: 0, dur: 100 * MS, ret: 1, timeoutMs: -1, ready: [[7n, 1]] });
    idle.epollWait({ tid: platform, epfd: 9, ts: 0.1 * MS, dur: 100 * MS, ret: 1, timeoutMs: -1, ready: [[5n, 1]] });
    assert.equal(analyze(idle).result.processes[0].verdict, 'epoll loop on 2 threads');
  });

  it("a JVM's attach listener (started by iolens asking for its perf map) is not the program's socket I/O", () => {
    const b = base();
    const listener = 301;
    b.task({ event: 6, tid: listener, comm: 'Attach Listener', ts: b.at(0) });
    b.fd({ op: 4, fd: 9, type: 6, path: 'socket:[13]' });
    for (let i = 0; i < 100; i++) {
      b.epollWait({ ts: i * MS, dur: 800 * US, ret: 1, ready: [[7n, 1]] });
      b.call('recvfrom', { ts: i * MS + 810 * US, dur: 8 * US, ret: 300, fd: 7, nonblocking: true });
    }
    b.call('accept', { tid: listener, ts: 0, dur: 90 * MS, ret: 10, fd: 9 });
    b.call('read', { tid: listener, ts: 91 * MS, dur: 5 * MS, ret: 20, fd: 10 });
    const a = analyze(b);
    assert.equal(a.model(listener), 'none');
    assert.match(a.result.threads.find((x) => x.tid === listener)?.evidence ?? '', /the JVM's attach listener/);
    assert.equal(a.result.processes[0].verdict, 'epoll loop on 1 thread (and 1 thread without I/O of note)');
  });

  it('an epoll set registered before the attach counts by its snapshot (watched records), then by epoll_ctl', () => {
    const loop = (b: StreamBuilder): StreamBuilder => {
      for (let i = 0; i < 20; i++) b.epollWait({ ts: i * MS, dur: 800 * US, ret: 1, ready: [[7n, 1]] });
      b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(25 * MS), dur: 2 * US, ret: 0, args: [3n, 1n, 8n, 0n, 0n, 0n], dataFormat: 3, data: [1n, 8n] });
      b.epollWait({ ts: 30 * MS, dur: 800 * US, ret: 1, ready: [[8n, 1]] });
      return b;
    };
    const evidence = (b: StreamBuilder): string => analyze(b).result.threads.find((x) => x.tid === PID)?.evidence ?? '';
    const attached = base();
    attached.fd({ op: wire.FdOp.watched, fd: 3, fd2: 7, type: wire.FdType.socket, aux: 7 });
    attached.fd({ op: wire.FdOp.watched, fd: 3, fd2: 5, type: wire.FdType.pipe, aux: 5 });
    assert.match(evidence(loop(attached)), /^event loop: 21 epoll_wait calls on 1 socket, 1 pipe, 1 eventfd,/);
    // without the snapshot only what was registered while traced is known
    assert.match(evidence(loop(base())), /^event loop: 21 epoll_wait calls on 1 eventfd,/);
  });

  it('signal-driven: SIGIO with readiness ends the sigsuspend waits', () => {
    const b = base();
    b.syscall({ sys: sysId('fcntl'), ts: b.at(0), dur: 2 * US, ret: 0, args: [5n, 4n, 0o20000n, 0n, 0n, 0n] });
    for (let i = 0; i < 10; i++) {
      b.syscall({ sys: sysId('rt_sigsuspend'), ts: b.at(i * 10 * MS), dur: 9 * MS, ret: -4, args: [0x7ffe0000n, 8n, 0n, 0n, 0n, 0n] });
      b.add(wire.encodeSignalDeliver({ sig: 29, pid: PID, tid: PID, ts: b.at(i * 10 * MS + 9 * MS + 5 * US), code: 0x80, sigErrno: 0, pollFd: -1, pollBand: 0, handler: 0x401000n, saFlags: 4n, stackId: 0n }));
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'signal-driven');
    assert.match(a.result.threads[0].evidence, /10 SIGIO with readiness delivered, 10 signal waits ended by them/);
    assert.equal(a.result.processes[0].verdict, 'signal-driven I/O (SIGIO) on 1 thread');
  });

  it('SIGIO that falls on other threads of a loop that takes it is theirs by chance, not their model', () => {
    // the loop's thread sets up O_ASYNC (F_SETOWN with the pid) and takes most SIGIOs; the kernel
    // hands some to a client thread blocked in recv and to a thread that only sleeps
    const sigio = (b: StreamBuilder, tid: number, ts: number): void => {
      b.add(wire.encodeSignalDeliver({ sig: 29, pid: PID, tid, ts: b.at(ts), code: 0x80, sigErrno: 0, pollFd: -1, pollBand: 0, handler: 0x401000n, saFlags: 4n, stackId: 0n }));
    };
    const b = base();
    const [client, sleeper] = threadsWithSockets(b, [201, 202], 'app', 180);
    clientsBesideLoop(b, [client], 30, (i, t) => {
      sigio(b, PID, t + 8 * MS + 10 * US);
      if (i % 5 === 0) sigio(b, client, t + 7 * MS);
      if (i % 6 === 0) sigio(b, sleeper, t + 9 * MS);
      b.call('clock_nanosleep', { tid: sleeper, ts: t, dur: 9 * MS, ret: 0, args: [1n, 0n, 0x7ffe0000n, 0n, 0n, 0n], stackId: 49n });
    });
    const a = analyze(b);
    const thread = (tid: number) => a.result.threads.find((x) => x.tid === tid);
    assert.equal(a.model(PID), 'multiplexing');
    assert.match(thread(PID)?.evidence ?? '', /also 30 I\/O signals/);
    assert.equal(a.model(client), 'blocking', thread(client)?.evidence);
    assert.match(thread(client)?.evidence ?? '', /^blocks in read .*; also 6 SIGIO of its process's signal-driven I\/O handled here/);
    assert.equal(a.model(sleeper), 'none', thread(sleeper)?.evidence);
    assert.doesNotMatch(thread(sleeper)?.evidence ?? '', /control, not I\/O readiness/);
    assert.match(a.result.processes[0].verdict, /^epoll loop on 1 thread; signal-driven I\/O beside \(41 SIGIO, handled on 3 threads\); blocking socket I\/O on 1 thread/);

    // the setup seen (F_SETOWN by the loop's thread), a thread that got most of them is still a stray
    // (under ptrace, whose stops change which thread is free, a writer that sleeps got 250 of 400)
    const setUp = base();
    setUp.syscall({ sys: sysId('fcntl'), ts: setUp.at(0), dur: 2 * US, ret: 0, args: [5n, 8n, BigInt(PID), 0n, 0n, 0n], stackId: 50n });
    threadsWithSockets(setUp, [client, sleeper], 'app', 180);
    clientsBesideLoop(setUp, [client], 30, (i, t) => {
      if (i % 3 === 0) sigio(setUp, PID, t + 8 * MS + 10 * US);
      sigio(setUp, sleeper, t + 9 * MS);
      if (i % 5 === 0) sigio(setUp, client, t + 7 * MS);
      setUp.call('clock_nanosleep', { tid: sleeper, ts: t, dur: 9 * MS, ret: 0, args: [1n, 0n, 0x7ffe0000n, 0n, 0n, 0n], stackId: 49n });
    });
    const s = analyze(setUp);
    assert.equal(s.model(sleeper), 'none', s.result.threads.find((x) => x.tid === sleeper)?.evidence);
    assert.equal(s.model(client), 'blocking');
    assert.match(s.result.processes[0].verdict, /signal-driven I\/O beside \(46 SIGIO, handled on 3 threads\)/);

    // a thread the program leaves them all to (blocked in the others) does signal-driven I/O
    const dedicated = base();
    dedicated.syscall({ sys: sysId('fcntl'), ts: dedicated.at(0), dur: 2 * US, ret: 0, args: [5n, 8n, BigInt(PID), 0n, 0n, 0n], stackId: 50n });
    threadsWithSockets(dedicated, [sleeper], 'app', 180);
    for (let i = 0; i < 30; i++) {
      dedicated.epollWait({ ts: i * 10 * MS, dur: 8 * MS, ret: 1, ready: [[7n, 1]] });
      sigio(dedicated, sleeper, i * 10 * MS + 9 * MS);
    }
    assert.equal(analyze(dedicated).model(sleeper), 'signal-driven');

    // a thread that waits for its SIGIOs (sigsuspend ended by them) is signal-driven, however few
    const w = base();
    w.task({ event: 6, tid: 201, comm: 'app', ts: w.at(0) });
    for (let i = 0; i < 20; i++) {
      w.epollWait({ ts: i * 10 * MS, dur: 8 * MS, ret: 1, ready: [[7n, 1]] });
      sigio(w, PID, i * 10 * MS + 8 * MS + 10 * US);
      if (i % 5 === 0) {
        w.syscall({ sys: sysId('rt_sigsuspend'), tid: 201, ts: w.at(i * 10 * MS), dur: 9 * MS, ret: -4, args: [0x7ffe0000n, 8n, 0n, 0n, 0n, 0n] });
        sigio(w, 201, i * 10 * MS + 9 * MS + 5 * US);
      }
    }
    const waited = analyze(w);
    assert.equal(waited.model(201), 'signal-driven');
    assert.match(waited.result.processes[0].verdict, /^epoll loop on 1 thread; signal-driven I\/O \(SIGIO\) on 1 thread$/);
  });

  it('pool workers without visible wake-ups (ptrace): threads sharing blocking sites beside a loop', () => {
    const b = base();
    for (const w of [201, 202]) b.task({ event: 6, tid: w, comm: 'app', ts: b.at(0) });
    for (let i = 0; i < 20; i++) {
      b.epollWait({ ts: i * 10 * MS, dur: 9 * MS, ret: 1, ready: [[8n, 1]] });
      for (const w of [201, 202]) b.call('pread64', { tid: w, ts: i * 10 * MS + (w - 200) * US, dur: 3 * MS, ret: 4096, fd: 6, stackId: 44n });
    }
    b.task({ event: 6, tid: 203, comm: 'logger', ts: b.at(0) });
    b.call('write', { tid: 203, ts: 5 * MS, dur: 4 * MS, ret: 10, fd: 5, stackId: 45n });
    const a = analyze(b);
    assert.equal(a.model(201), 'pool-worker');
    assert.equal(a.model(202), 'pool-worker');
    assert.match(a.result.threads.find((x) => x.tid === 201)?.evidence ?? '', /^blocks for app \d+\/\d+ \(its event loop\): pread64 20 times/);
    assert.equal(a.model(203), 'blocking', 'a thread blocking elsewhere is not in the pool');
    assert.equal(a.result.processes[0].verdict, 'epoll loop on 1 thread; file I/O on 2 pool threads — pseudo-async; blocking pipe I/O on 1 thread');
  });

  /**
   * A producer with no I/O of its own started 4 threads; each reads a reply over its own socket
   * (a connection pool), every call as long as the last (saturated). `handed`: the producer woke each
   * out of a futex once (a job handed over, pthread_cond_signal); each thread's stack is its own
   * snapshot (an id of its own), all resolving to the same line.
   */
  function producerPool(handed: boolean, startPoll = false, unwoken: readonly number[] = [], comm: (w: number) => string = () => 'app'): ReturnType<typeof analyze> {
    const b = base();
    // Rust's runtime checks fds 0-2 with one poll of timeout 0 before main (sanitize_standard_fds)
    if (startPoll) b.poll({ ts: 0, dur: 20 * US, timeoutMs: 0, fds: [[0, 0, 0], [1, 0, 0], [2, 0, 0]] });
    const workers = [201, 202, 203, 204];
    for (const w of workers) {
      b.task({ event: wire.TaskEvent.thread_start, tid: w, ppid: PID, ptid: PID, comm: comm(w), ts: b.at(0) });
      b.fd({ op: 4, fd: 10 + w - 201, type: 6, path: `socket:[${w}]` });
      b.symbols(BigInt(w), [['read', 'libc.so.6', 0], ['fetch_reply', SRC, 17], ['worker', SRC, 30]]);
    }
    b.call('clock_nanosleep', { ts: 0, dur: 1 * MS, stackId: 0n, args: [0n, 0n, 0x7ffe0000n, 0n, 0n, 0n] });
    if (handed) for (const w of workers.filter((x) => !unwoken.includes(x))) b.wake({ tid: PID, ts: 0.5 * MS + (w - 200) * 10 * US, wakee: w, since: null, call: 'futex', wakeeCall: 'futex' });
    for (let i = 0; i < 200; i++) {
      for (const w of workers) b.call('read', { tid: w, ts: (1 + i * 5) * MS + (w - 200) * US, dur: 4.99 * MS, ret: 1, fd: 10 + w - 201, stackId: BigInt(w) });
      b.call('clock_nanosleep', { ts: (1 + i * 5) * MS, dur: 1 * MS, stackId: 0n, args: [0n, 0n, 0x7ffe0000n, 0n, 0n, 0n] });
    }
    return analyze(b);
  }

  it('a pool fed by a producer with no I/O (a queue and a condition variable): its threads work for it, all blocked at once', () => {
    const a = producerPool(true);
    for (const w of [201, 202, 203, 204]) assert.equal(a.model(w), 'pool-worker', `thread ${w}`);
    const [f] = a.of('pool-saturated');
    assert.ok(f, 'pool-saturated');
    assert.match(f.title, /^All 4 pool threads of app \d+ were blocked at once/);
    assert.match(f.detail, /The pool \(app 201, app 202, app 203, app 204\) did read on a socket 800 times/);
    assert.match(f.detail, /100 % of their calls began at once after the previous one, without a wake-up/);
    assert.equal(f.where?.line, 17);
    // the pool works for a thread that waits for no I/O, not for an asynchronous design: no pseudo-async
    assert.equal(a.result.processes[0].verdict, 'socket I/O on 4 pool threads (and 1 thread without I/O of note)');
  });

  it('one zero-timeout poll at start (a Rust program\'s runtime) makes no event loop of the producer: its pool is still found', () => {
    const a = producerPool(true, true);
    assert.equal(a.model(PID), 'none');
    for (const w of [201, 202, 203, 204]) assert.equal(a.model(w), 'pool-worker', `thread ${w}`);
    assert.equal(a.of('pool-saturated').length, 1);
  });

  it('a worker the producer never woke itself (it took jobs as a sibling let go of the queue) is one of the pool', () => {
    const a = producerPool(true, false, [204]);
    for (const w of [201, 202, 203, 204]) assert.equal(a.model(w), 'pool-worker', `thread ${w}`);
    assert.match(a.of('pool-saturated')[0]?.title ?? '', /^All 4 pool threads/);
  });

  it('workers of unlike names are pools of their own (RocksDB\'s one-thread rocksdb:high and rocksdb:low), of one name but its numbers one pool', () => {
    const names: Record<number, string> = { 201: 'rocksdb:high', 202: 'rocksdb:low', 203: 'worker-1', 204: 'worker-2' };
    const a = producerPool(true, false, [], (w) => names[w]);
    for (const w of [201, 202, 203, 204]) assert.equal(a.model(w), 'pool-worker', `thread ${w}`);
    // a one-thread pool busy is no pool all blocked at once: only the two workers are told
    assert.deepEqual(a.of('pool-saturated').map((f) => f.title.replace(/ for at least .*/, '')), ['All 2 pool threads of app 100 were blocked at once']);
    assert.match(a.of('pool-saturated')[0].detail, /The pool \(worker-1, worker-2\) did read on a socket 400 times/);
  });

  it('threads started together that never hear from their starter again (fio --thread jobs) are no pool', () => {
    const a = producerPool(false);
    for (const w of [201, 202, 203, 204]) assert.equal(a.model(w), 'blocking', `thread ${w}`);
    assert.equal(a.of('pool-saturated').length, 0);
  });

  it("a thread reading a pipe another process writes (multiprocessing.Pool's result handler) is no pool worker of the loop thread it meets", () => {
    const b = base();
    const OTHER = PID + 50;
    b.task({ event: 6, tid: 201, comm: 'app', ts: b.at(0) });
    b.task({ event: 6, tid: 202, comm: 'app', ts: b.at(0) });
    for (let i = 0; i < 40; i++) {
      const t = 1 * MS + i * 10 * MS;
      b.poll({ tid: 202, ts: t - 0.5 * MS, dur: 0.5 * MS, timeoutMs: 100, fds: [[7, 1, 0], [8, 1, 1]] });
      b.wake({ tid: 202, ts: t + 0.1 * MS, wakee: 201, since: null, call: 'futex', wakeeCall: 'futex' });
      // a worker process's write of its result ends the read
      b.add(wire.encodeWake({
        wakerSys: sysId('write'), wakeeSys: sysId('read'), pid: OTHER, tid: OTHER, ts: b.at(t + 5.1 * MS),
        wakeePid: PID, wakeeTid: 201, wakeeSince: b.at(t + 0.2 * MS), wakerFd: 4,
      }));
      b.call('read', { tid: 201, ts: t + 0.2 * MS, dur: 5 * MS, ret: 100, fd: 5, stackId: 48n });
      b.wake({ tid: 201, ts: t + 5.3 * MS, wakee: 202, since: null, call: 'futex', wakeeCall: 'futex' });
    }
    const a = analyze(b);
    assert.equal(a.model(202), 'multiplexing');
    assert.equal(a.model(201), 'blocking');
  });

  it("Tcl's event loop: the thread its notifier thread wakes after each select is the loop, not that thread's pool worker", () => {
    const b = base();
    notifierLoop(b, 50);
    const a = analyze(b);
    assert.equal(a.model(PID), 'multiplexing');
    assert.equal(a.model(201), 'multiplexing');
    const main = a.result.threads.find((x) => x.tid === PID);
    assert.match(main?.evidence ?? '', /^event loop whose waits its notifier thread app \d+\/201 makes \(as Tcl's does\): woken out of a futex 50 times/);
    assert.match(a.result.threads.find((x) => x.tid === 201)?.evidence ?? '', /^the notifier thread of app \d+\/\d+'s event loop/);
    assert.equal(a.result.processes[0].verdict, 'select loop on 1 thread (its waits made by a notifier thread)');
    assert.deepEqual(a.findings, []);
  });

  it("a sleep in a Tcl handler blocks its loop: loop-blocked on the thread its notifier wakes", () => {
    const b = base();
    notifierLoop(b, 50, (t) => b.call('nanosleep', { ts: t, dur: 3 * MS, stackId: 0n }));
    const a = analyze(b);
    const [f] = a.of('loop-blocked');
    assert.ok(f, a.findings.map((x) => x.title).join('; '));
    assert.equal(f.tid, PID);
    assert.equal(f.eventCount, 50);
    assert.match(f.detail, /waits in a futex for the readiness its notifier thread hands it/);
  });

  it('a loop that reads its socket itself before it wakes a thread is no notifier: that thread stays its pool worker', () => {
    const b = base();
    notifierLoop(b, 50, (t) => b.call('pread64', { ts: t, dur: 3 * MS, fd: 6, stackId: 0n }), true);
    const a = analyze(b);
    assert.equal(a.model(201), 'multiplexing');
    assert.notEqual(a.model(PID), 'multiplexing');
    assert.deepEqual(a.of('loop-blocked'), []);
  });

  it('a thread per connection: each thread polls its one socket, then blocks in its commit (MariaDB) — not an event loop', () => {
    const b = base();
    const conns = threadsWithSockets(b, [201, 202, 203], 'conn', 181).map((tid): [number, number] => [tid, tid - 181]);
    for (let i = 0; i < 30; i++) {
      for (const [tid, fd] of conns) {
        b.poll({ tid, ts: i * 10 * MS + tid * US, dur: 2 * MS, timeoutMs: 28_800_000, fds: [[fd, 3, 1]] });
        b.call('fdatasync', { tid, ts: i * 10 * MS + 3 * MS + tid * US, dur: 4 * MS, ret: 0, fd: 6, stackId: 46n });
      }
    }
    const a = analyze(b);
    for (const [tid, fd] of conns) {
      assert.equal(a.model(tid), 'blocking', `thread ${tid}`);
      assert.match(a.result.threads.find((t) => t.tid === tid)?.evidence ?? '', new RegExp(`waits for one connection: 30 poll calls, each on one socket and nothing else \\(fd ${fd} the last\\).*blocks in fdatasync 30 times`));
    }
    assert.equal(a.result.processes[0].verdict, 'a thread per connection on 3 threads (fsyncs)');
    assert.deepEqual(a.findings.filter((f) => f.rule === 'loop-blocked'), [], 'a commit holds up its own client, no loop');
    assert.deepEqual(a.result.loops, [], 'no event-loop turns');
  });

  /** Client threads 201-203 of a loop: `others(i)` says whether wait i also watches the eventfd (fd 8); each reply written to a file and fdatasynced. */
  function pollingClients(others: (i: number) => boolean): ReturnType<typeof analyze> {
    const b = base();
    const conns = threadsWithSockets(b, [201, 202, 203], 'client', 181).map((tid): [number, number] => [tid, tid - 181]);
    for (let i = 0; i < 40; i++) {
      for (const [tid, fd] of conns) {
        b.poll({ tid, ts: i * 10 * MS + tid * US, dur: 2 * MS, timeoutMs: -1, fds: others(i) ? [[fd, 4, 4], [8, 1, 0]] : [[fd, 1, 1]] });
        b.call('fdatasync', { tid, ts: i * 10 * MS + 3 * MS + tid * US, dur: 4 * MS, ret: 0, fd: 6, stackId: 46n });
      }
    }
    return analyze(b);
  }

  it("a client thread that polled its socket beside the runtime's eventfd once (Ruby's connect) still waits for one connection", () => {
    const a = pollingClients((i) => i === 0);
    for (const tid of [201, 202, 203]) {
      assert.equal(a.model(tid), 'blocking', `thread ${tid}`);
      assert.match(a.result.threads.find((t) => t.tid === tid)?.evidence ?? '', /waits for one connection: 40 poll calls, all but 1 \(which also watched other fds\) each on one socket and nothing else/);
    }
    assert.deepEqual(a.of('loop-blocked'), []);
  });

  it('a thread that polls its socket and an eventfd every few waits is a loop: its fsyncs block it', () => {
    const a = pollingClients((i) => i % 4 === 0);
    for (const tid of [201, 202, 203]) assert.equal(a.model(tid), 'multiplexing', `thread ${tid}`);
    assert.equal(a.of('loop-blocked').length, 3);
  });

  describe('a thread polling one socket that is never ready (a listening socket no client connects to)', () => {
    /** 40 polls of socket fd 7 timing out after 10 ms, by `tid`, after the loader's two small file reads. */
    function idleListener(b: StreamBuilder, tid: number): void {
      for (let i = 0; i < 2; i++) b.call('pread64', { tid, ts: i * 10 * US, dur: 3 * US, ret: 832, fd: 6 });
      for (let i = 0; i < 40; i++) b.poll({ tid, ts: MS + i * 10 * MS, dur: 10 * MS, timeoutMs: 10, fds: [[7, 1, 0]] });
    }

    it('alone in its process: no connection is said, nor the loader\'s reads as file I/O', () => {
      const b = base();
      idleListener(b, PID);
      const a = analyze(b);
      assert.match(a.result.threads[0].evidence, /^waits on one socket: 40 poll calls, each on one socket and nothing else \(fd 7 the last\), never ready — nothing arrived on it: a listening socket no client connected to, or an idle connection/);
      assert.equal(a.result.processes[0].verdict, 'one socket waited on by its one thread, never ready (nothing arrived on it: a listening socket no client connected to, or an idle connection)');
    });

    it('beside a thread writing a file: the file I/O is that thread\'s', () => {
      const b = base();
      b.task({ event: 6, tid: 201, comm: 'listener', ts: b.at(0) });
      idleListener(b, 201);
      for (let i = 0; i < 40; i++) b.call('fdatasync', { ts: MS + i * 10 * MS, dur: 4 * MS, ret: 0, fd: 6, stackId: 46n });
      const verdict = analyze(b).result.processes[0].verdict;
      assert.equal(verdict, '1 thread waiting on one socket, never ready (nothing arrived on it: a listening socket no client connected to, or an idle connection); blocking fsyncs on 1 thread');
    });
  });

  it('a thread that polls one listening socket and accepts serves every client in turn: a loop its fsync blocks', () => {
    const b = base();
    for (let i = 0; i < 30; i++) {
      b.poll({ ts: i * 10 * MS, dur: 2 * MS, fds: [[7, 1, 1]] });
      b.call('accept4', { ts: i * 10 * MS + 2.1 * MS, dur: 5 * US, ret: 9, fd: 7, nonblocking: true });
      b.call('fdatasync', { ts: i * 10 * MS + 3 * MS, dur: 4 * MS, ret: 0, fd: 6, stackId: 46n });
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'multiplexing');
    assert.deepEqual(a.findings.map((f) => f.rule), ['loop-blocked']);
  });

  it('a poll of a socket and an eventfd is a loop: the fsync in its turn blocks it', () => {
    const b = base();
    for (let i = 0; i < 30; i++) {
      b.poll({ ts: i * 10 * MS, dur: 2 * MS, fds: [[7, 1, 1], [8, 1, 0]] });
      b.call('fdatasync', { ts: i * 10 * MS + 3 * MS, dur: 4 * MS, ret: 0, fd: 6, stackId: 46n });
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'multiplexing');
    assert.equal(a.result.processes[0].verdict, 'poll loop on 1 thread');
    assert.deepEqual(a.findings.map((f) => f.rule), ['loop-blocked']);
  });
  it('a pipeline stage that polls its two pipes and writes files between (rsync): waits on its connections, no loop to block', () => {
    const b = base();
    for (const fd of [10, 11]) b.fd({ op: 4, fd, type: 7, path: `pipe:[${fd * 10}]` }); // two pipes (not base()'s fd 5, pipe:[11])
    for (let i = 0; i < 40; i++) {
      b.poll({ ts: i * 10 * MS, dur: 2 * MS, timeoutMs: 60_000, fds: i % 8 === 0 ? [[10, 1, 1], [11, 4, 0]] : [[10, 1, 1]] });
      b.call('write', { ts: i * 10 * MS + 3 * MS, dur: 4 * MS, ret: 4096, fd: 6, stackId: 46n });
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'blocking');
    assert.match(a.result.threads[0].evidence, /^waits on one or two connections only: 40 poll calls, each watching at most fd 10 and 11 \(sockets, pipes or terminals\) and nothing else.*not an event loop serving others; blocks in write 40 times/);
    assert.equal(a.result.processes[0].verdict, 'blocking file I/O on 1 thread');
    assert.deepEqual(a.findings.filter((f) => f.rule === 'loop-blocked'), []);
    assert.deepEqual(a.result.loops, [], 'no event-loop turns');
  });

  it('a relay that selects on its two sockets and blocks in nothing else (socat): named by its waits, not "blocking blocking calls"', () => {
    const b = base();
    for (const fd of [10, 11]) b.fd({ op: 4, fd, type: 6, path: `socket:[${fd * 10}]` });
    for (let i = 0; i < 40; i++) {
      b.poll({ ts: i * 10 * MS, dur: 2 * MS, timeoutMs: 60_000, fds: [[10, 1, i % 2 ? 1 : 0], [11, 1, i % 2 ? 0 : 1]] });
      b.call('write', { ts: i * 10 * MS + 3 * MS, dur: 20 * US, ret: 4096, fd: i % 2 ? 11 : 10, stackId: 46n });
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'blocking');
    assert.equal(a.result.processes[0].verdict, 'one or two connections waited on by its one thread (a relay, a pipeline stage or a client)');
    assert.deepEqual(a.findings, []);
  });

  for (const made of ['pipe()', 'attach'] as const) {
    it(`a poll of one pipe whose other end its own process writes (${made === 'pipe()' ? 'made by pipe()' : 'both ends found at the attach'}) is a loop: the fdatasync in its turn blocks it`, () => {
      const b = base();
      if (made === 'pipe()') b.fd({ op: wire.FdOp.open, fd: 10, fd2: 11, type: wire.FdType.pipe });
      else for (const fd of [10, 11]) b.fd({ op: wire.FdOp.existing, fd, type: wire.FdType.pipe, path: 'pipe:[77]' });
      for (let i = 0; i < 40; i++) {
        b.poll({ ts: i * 10 * MS, dur: 2 * MS, fds: [[10, 1, 1]] });
        b.call('fdatasync', { ts: i * 10 * MS + 3 * MS, dur: 4 * MS, ret: 0, fd: 6, stackId: 46n });
      }
      const a = analyze(b);
      assert.equal(a.model(PID), 'multiplexing', a.result.threads[0].evidence);
      assert.deepEqual(a.findings.map((f) => f.rule), ['loop-blocked']);
    });
  }

  it('a client polling its connection and a wake-up socketpair of its own that never becomes ready (curl): still waits on one connection', () => {
    const b = base();
    b.fd({ op: wire.FdOp.open, fd: 12, fd2: 13, type: wire.FdType.socket });
    for (let i = 0; i < 40; i++) {
      b.poll({ ts: i * 10 * MS, dur: 2 * MS, fds: [[7, 1, 1], [12, 1, 0]] });
      b.call('write', { ts: i * 10 * MS + 3 * MS, dur: 4 * MS, ret: 4096, fd: 6, stackId: 46n });
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'blocking', a.result.threads[0].evidence);
    assert.deepEqual(a.findings.filter((f) => f.rule === 'loop-blocked'), []);
  });

  it('a downloader: selects of its socket and a pipe, file writes between — no loop', () => {
    const b = base();
    b.fd({ op: 4, fd: 3, type: 7, path: 'pipe:[3]' });
    b.fd({ op: 4, fd: 4, type: 6, path: 'socket:[4]' });
    b.fd({ op: 4, fd: 5, type: 1, path: '/tmp/out.bin' });
    for (let i = 0; i < 40; i++) {
      select(b, i * 10 * MS, i % 4 ? 0b10000n : 0b11000n);
      b.call('write', { ts: i * 10 * MS + 3 * MS, dur: 4 * MS, ret: 4096, fd: 5, stackId: 46n });
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'blocking');
    assert.match(a.result.threads[0].evidence, /^waits on one or two connections only: 40 pselect6 calls, each watching at most fd 3 and 4 /);
    assert.deepEqual(a.findings.filter((f) => f.rule === 'loop-blocked'), []);
  });

  it('a select of a socket and an eventfd is a loop: the write in its turn blocks it', () => {
    const b = base();
    b.fd({ op: 4, fd: 3, type: 8, path: 'anon_inode:[eventfd]' });
    b.fd({ op: 4, fd: 4, type: 6, path: 'socket:[4]' });
    for (let i = 0; i < 40; i++) {
      select(b, i * 10 * MS, 0b11000n);
      b.call('write', { ts: i * 10 * MS + 3 * MS, dur: 4 * MS, ret: 4096, fd: 6, stackId: 46n });
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'multiplexing');
    assert.deepEqual(a.findings.map((f) => f.rule), ['loop-blocked']);
  });

  it('a poll loop over two of three connections at a time stays a loop: the write in its turn blocks it', () => {
    const b = base();
    for (const fd of [10, 11, 12]) b.fd({ op: 4, fd, type: 6, path: `socket:[${fd}]` });
    for (let i = 0; i < 40; i++) {
      const fd = 10 + (i % 3);
      b.poll({ ts: i * 10 * MS, dur: 2 * MS, timeoutMs: 60_000, fds: [[fd, 1, 1], [10 + ((i + 1) % 3), 1, 0]] });
      b.call('write', { ts: i * 10 * MS + 3 * MS, dur: 4 * MS, ret: 4096, fd: 6, stackId: 46n });
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'multiplexing');
    assert.deepEqual(a.findings.map((f) => f.rule), ['loop-blocked']);
  });

  for (const withSocket of [false, true]) {
    it(withSocket
      ? 'a second thread whose epoll set holds a socket too is a loop of its own: its file reads block it'
      : "a worker thread with a loop of its own on an eventfd and a pipe only (Node's worker_threads): a pool worker, its reads are its work", () => {
      const b = base();
      const W = PID + 1;
      b.task({ event: 6, tid: W, comm: 'node', ts: b.at(0) });
      b.fd({ op: 4, fd: 20, type: 9, path: 'anon_inode:[eventpoll]' });
      b.fd({ op: 4, fd: 21, type: 8, path: 'anon_inode:[eventfd]' });
      b.fd({ op: 4, fd: 22, type: 7, path: 'pipe:[22]' });
      b.fd({ op: 4, fd: 23, type: 6, path: 'socket:[23]' });
      b.fd({ op: 4, fd: 24, type: 1, path: '/data/blob' });
      const regs = withSocket ? [21, 22, 23] : [21, 22];
      for (const fd of regs) b.syscall({ sys: sysId('epoll_ctl'), tid: W, ts: b.at(0.1 * MS), dur: 2 * US, args: [20n, 1n, BigInt(fd), 0n, 0n, 0n], dataFormat: 3, data: [1n, BigInt(fd)] });
      for (let i = 0; i < 30; i++) {
        const t = 1 * MS + i * 10 * MS;
        b.epollWait({ tid: W, epfd: 20, ts: t, dur: 2 * MS, ret: 1, ready: [[21n, 1]] });
        b.call('read', { tid: W, ts: t + 2.1 * MS, dur: 5 * MS, ret: 65536, fd: 24, stackId: 47n });
        b.wake({ tid: W, ts: t + 7.2 * MS, wakee: PID, since: null, fd: 21 });
      }
      const a = analyze(b);
      if (withSocket) {
        assert.equal(a.model(W), 'multiplexing');
        assert.deepEqual(a.findings.map((f) => f.rule), ['loop-blocked']);
        return;
      }
      assert.equal(a.model(W), 'pool-worker');
      assert.match(a.result.threads.find((t) => t.tid === W)?.evidence ?? '', /^a worker thread with an event loop of its own that serves only .*\/100 \(30 epoll_wait calls on 1 eventfd, 1 pipe.*no socket, timer or device\), which hands it work to do: read 30 times/);
      assert.deepEqual(a.findings.filter((f) => f.rule === 'loop-blocked'), []);
      // in a Go program such a thread is an M of its scheduler, whose netpoller is shared: no loop of its own
      const go = a.analyzer.result({ ...BY_STACK_ID, goRuntime: () => true }).threads.find((t) => t.tid === W);
      assert.equal(go?.model, 'pool-worker');
      assert.match(go?.evidence ?? '', /^a thread of the Go scheduler \(an M\) that blocked in goroutines' system calls, .*netpoller \(30 epoll_wait calls on 1 eventfd, 1 pipe.*\): read 30 times/);
    });
  }

  it('O_NONBLOCK does not make a regular file\'s read non-blocking (nginx opens what it serves so): a loop it blocks, counted calls too', () => {
    const b = base();
    b.fd({ op: 4, fd: 30, type: 1, path: '/srv/www/big.bin', openFlags: 0o4000 });
    for (let i = 0; i < 30; i++) {
      b.epollWait({ ts: i * 10 * MS, dur: 2 * MS, ret: 1, ready: [[8n, 1]] });
      b.call('pread64', { ts: i * 10 * MS + 2.1 * MS, dur: 5 * MS, ret: 65536, fd: 30, nonblocking: true, stackId: 48n, args: [30n, 0x7ffe1000n, 65536n, 0n, 0n, 0n] });
    }
    b.summary({ ts: 301 * MS, call: 'pread64', fdType: wire.FdType.file, nonblocking: true, inLoop: true, stackId: 48n, count: 100, totalNs: 20 * MS });
    const a = analyze(b);
    const [f] = a.findings.filter((x) => x.rule === 'loop-blocked');
    assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
    assert.match(f.title, /^pread64\(\) blocked the event loop .* 130 times, 170\.0 ms in total/);
  });

  for (const ending of [true, false, 'with the process'] as const) {
    it(ending === true
      ? 'a thread per connection: an accepting poll loop starts a thread per client, each ends (ThreadingHTTPServer)'
      : ending === false
        ? 'threads an accepting loop starts that stay (a pool of its own) are not one per client'
        : 'threads an accepting loop starts that end only with their process (exit_group: Node.js\' pool) are not one per client', () => {
      const b = base();
      b.fd({ op: 4, fd: 7, type: 6, path: 'socket:[7]' });
      for (let i = 0; i < 12; i++) {
        const tid = PID + 1 + i;
        b.poll({ ts: i * 10 * MS, dur: 2 * MS, fds: [[7, 1, 1], [8, 1, 0]] });
        b.call('accept4', { ts: i * 10 * MS + 2.1 * MS, dur: 5 * US, ret: 20 + i, fd: 7 });
        b.task({ event: 2, tid, ptid: PID, comm: 'python3', ts: b.at(i * 10 * MS + 2.2 * MS) });
        b.call('read', { tid, ts: i * 10 * MS + 2.3 * MS, dur: 20 * US, ret: 100, fd: 20 + i });
        if (ending === true) b.task({ event: 4, tid, comm: 'python3', ts: b.at(i * 10 * MS + 3 * MS) });
      }
      if (ending === 'with the process') {
        for (let i = 0; i < 12; i++) b.task({ event: 4, tid: PID + 1 + i, comm: 'python3', ts: b.at(130 * MS + i * 20 * US) });
        b.task({ event: 4, tid: PID, comm: 'python3', ts: b.at(130.5 * MS) });
      }
      const a = analyze(b);
      const verdict = a.result.processes[0].verdict;
      if (ending === true) assert.equal(verdict, 'poll loop on 1 thread; a thread per connection: 12 threads started by its accepting loop (12 ended within the recording)');
      else assert.doesNotMatch(verdict, /a thread per connection/);
    });
  }

  it('io_uring with SQPOLL and no io_uring_enter (fio --sqthread_poll): the thread that made the ring, not "no I/O"', () => {
    const b = base();
    const ring = 0xffff888000020000n;
    b.syscall({ sys: sysId('io_uring_setup'), ts: b.at(0), dur: 400 * US, ret: 10, args: [8n, 0x7ffe1000n, 0n, 0n, 0n, 0n] });
    b.fd({ op: 4, fd: 10, type: 10, path: 'anon_inode:[io_uring]' });
    b.add(wire.encodeUringRing({ seenLate: 0, pid: PID, tid: PID, ts: b.at(MS), ctx: ring, fd: 10, sqEntries: 8, cqEntries: 16, setupFlags: 2 }));
    for (let i = 0; i < 40; i++) {
      const req = BigInt(i + 1);
      b.add(wire.encodeUringSubmit({ stackFrom: 3, flags: 0, cqHead: 0, opcode: 22, sqThread: 1, pid: PID, tid: PID + 1, ts: b.at(2 * MS + i * 100 * US), ctx: ring, req, userData: req, reqFlags: 0n, fd: 6 }));
      b.add(wire.encodeUringComplete({ waiterTid: 0, pid: PID, tid: PID + 1, ts: b.at(2 * MS + i * 100 * US + 80 * US), ctx: ring, req, userData: req, res: 4096, cflags: 0 }));
    }
    const a = analyze(b);
    assert.equal(a.model(PID), 'io_uring');
    assert.match(a.result.threads.find((t) => t.tid === PID)?.evidence ?? '', /40 requests \(40 submitted by the SQPOLL thread\), up to 1 in flight, no io_uring_enter/);
    // the SQPOLL thread itself: named as the ring's, not one more thread "without I/O of note"
    assert.equal(a.result.processes[0].verdict, 'io_uring on 1 thread with a SQPOLL thread');
    const sq = a.result.threads.find((t) => t.tid === PID + 1);
    assert.equal(sq?.model, 'none');
    assert.equal(sq?.worksFor, PID);
    assert.match(sq?.evidence ?? '', /^the kernel's SQPOLL thread of the io_uring ring of app 100\/100: it submitted 40 requests from the ring/);
  });
});

describe('wake-up chains', () => {
  it('follow the waker back to what it was blocked on', () => {
    const b = base();
    b.task({ event: 6, tid: 103, comm: 'worker-2', ts: b.at(0) });
    b.task({ event: 6, tid: 104, comm: 'feeder', ts: b.at(0) });
    b.symbols(42n, [['read', 'sysdeps/unix/sysv/linux/read.c', 26], ['pool_read', SRC, 42]]);
    b.symbols(41n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['loop', SRC, 10]]);
    // the feeder writes the pipe after sleeping 36 ms; worker-2's read returns; worker-2 writes the eventfd; the loop wakes
    b.call('clock_nanosleep', { tid: 104, ts: 1 * MS, dur: 36 * MS, ret: 0, args: [1n, 0n, 0n, 0n, 0n, 0n] });
    b.wake({ tid: 104, ts: 37.01 * MS, wakee: 103, since: 1 * MS, call: 'write', wakeeCall: 'read', fd: 5 });
    b.call('read', { tid: 103, ts: 1 * MS, dur: 36.02 * MS, ret: 64, fd: 5, stackId: 42n });
    b.wake({ tid: 103, ts: 37.05 * MS, wakee: PID, since: 0, fd: 8 });
    b.epollWait({ ts: 0, dur: 37.06 * MS, ret: 1, stackId: 41n, ready: [[8n, 1]] });
    b.epollWait({ ts: 38 * MS, dur: 10 * MS, ret: 0, stackId: 41n });
    const a = analyze(b);
    assert.equal(a.model(103), 'blocking', 'one hand-over is no pool relation yet');
    const [first] = a.ids('epoll_wait');
    const chain = a.analyzer.chainOf(first) ?? [];
    assert.deepEqual(chain.map((h) => [h.cause, h.tid, h.call]), [['thread', PID, 'epoll_wait'], ['thread', 103, 'read'], ['timeout', 104, 'clock_nanosleep']]);
    const wait = { chain };
    const lines = chainLines(wait.chain, () => null, (_pid, tid) => `t${tid}`);
    assert.equal(lines[0], 'epoll_wait fd 3 (37.1 ms): woken by worker-2 100/103 (write to fd 8 <anon_inode:[eventfd]>)');
    assert.equal(lines[1], '← t103 read fd 5 <pipe:[11]> (36.0 ms): woken by feeder 100/104 (write to fd 5 <pipe:[11]>)');
    assert.equal(lines[2], '← t104 clock_nanosleep (36.0 ms): its timeout ended it');
  });

  it('a wake-up of a wait that is no traced call (a futex wait) does not push out one a call will claim', () => {
    const b = base();
    b.task({ event: 6, tid: 103, comm: 'worker-2', ts: b.at(0) });
    // worker-2 wakes the loop's epoll_wait, then wakes the loop thread 8 times more in futex
    // waits (not traced calls: since null), all before the epoll_wait's record arrives
    b.wake({ tid: 103, ts: 10 * MS, wakee: PID, since: 0, fd: 8 });
    for (let k = 0; k < 8; k++) b.wake({ tid: 103, ts: 10 * MS + (k + 1) * US, wakee: PID, since: null });
    b.epollWait({ ts: 0, dur: 10.5 * MS, ret: 1, ready: [[8n, 1]] });
    const a = analyze(b);
    const chain = a.analyzer.chainOf(a.ids('epoll_wait')[0]) ?? [];
    assert.deepEqual(chain.map((h) => [h.cause, h.byTid]), [['thread', 103]], `the chain: ${chain.map((h) => `${h.call} ${h.cause} by ${h.by ?? '?'}`).join(' <- ')}`);
  });
  for (const program of ['/usr/bin/python3.12', '/work/app/app']) {
    it(program.includes('python')
      ? 'in CPython, threads that met the loop\'s thread in a futex at a fifth of their calls (its GIL) are not its pool: clients of the loop'
      : 'in native code, threads woken by the loop at a fifth of their calls work for it: its pool', () => {
      const b = new StreamBuilder();
      b.task({ event: 6, comm: 'python3.12', filename: program, flags: 2, ts: b.at(0) });
      b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
      b.fd({ op: 4, fd: 6, type: 1, path: '/var/data/db' });
      const clients = threadsWithSockets(b, [201, 202, 203, 204], 'python3.12', 190);
      for (let i = 0; i < 40; i++) {
        const t = 1 * MS + i * 10 * MS;
        b.epollWait({ ts: t, dur: 1 * MS, ret: 1, ready: [[7n, 1]] });
        b.call('fdatasync', { ts: t + 1.1 * MS, dur: 3 * MS, ret: 0, fd: 6, stackId: 40n });
        for (const c of clients) {
          // each client waits for the loop's answer: the loopback socket's wake-up is not seen, the GIL's
          // futex sometimes (each thread's stack a snapshot of its own: an id of its own)
          b.call('recvfrom', { tid: c, ts: t + (c - 200) * US, dur: 4.5 * MS, ret: 3, fd: c - 190, stackId: BigInt(c) });
          if (i % 5 === 0) b.wake({ tid: PID, ts: t + 4.2 * MS + (c - 200) * US, wakee: c, since: null, call: 'futex', wakeeCall: 'futex' });
        }
      }
      const a = analyze(b);
      const expected = program.includes('python') ? 'blocking' : 'pool-worker';
      for (const c of clients) assert.equal(a.model(c), expected, `thread ${c}`);
      if (expected === 'blocking') assert.deepEqual(a.findings.map((f) => f.rule), ['loop-blocked'], 'no pool of the loop\'s clients to saturate');
    });
  }
  it('in CPython, an executor\'s workers whose every job writes then fsyncs, handed most jobs by the loop, are its pool (uvloop\'s run_in_executor)', () => {
    const b = new StreamBuilder();
    b.task({ event: 6, comm: 'python3', filename: '/usr/bin/python3.11', flags: 2, ts: b.at(0) });
    b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
    b.fd({ op: 4, fd: 6, type: 1, path: '/var/log/app.log' });
    b.fd({ op: 4, fd: 7, type: 6, path: 'socket:[12]' });
    const workers = [201, 202, 203];
    for (const w of workers) b.task({ event: 6, tid: w, comm: 'python3', ts: b.at(0) });
    for (let i = 0; i < 60; i++) {
      const t = 1 * MS + i * 10 * MS;
      b.epollWait({ ts: t, dur: 1 * MS, ret: 1, ready: [[7n, 1]] });
      for (const w of workers) {
        const at = t + 1.2 * MS + (w - 200) * 10 * US;
        // the loop hands the job over (its queue's condition variable) at 3 jobs in 5, the others
        // taken without sleeping; the other workers meet it at the GIL a third of the time
        if (i % 5 < 3) b.wake({ tid: PID, ts: at, wakee: w, since: null, call: 'futex', wakeeCall: 'futex' });
        if (i % 3 === 0) b.wake({ tid: workers[(w - 200) % 3], ts: at + 10 * US, wakee: w, since: null, call: 'futex', wakeeCall: 'futex' });
        b.call('write', { tid: w, ts: at + 20 * US, dur: 1.1 * MS, ret: 40, fd: 6, stackId: 60n });
        b.call('fsync', { tid: w, ts: at + 1.2 * MS, dur: 4 * MS, ret: 0, fd: 6, stackId: 61n });
      }
    }
    const a = analyze(b);
    for (const w of workers) assert.equal(a.model(w), 'pool-worker', `thread ${w}: ${a.result.threads.find((x) => x.tid === w)?.evidence}`);
  });
  for (const neverSlept of [false, true]) {
    it(`an executor's page-cache writes, handed over by the loop, make its pool${neverSlept ? ' when recorded with -m 0 too (each never slept: sent, not counted by the tracer)' : ''}`, () => {
      const b = new StreamBuilder();
      b.task({ event: 6, comm: 'python3', filename: '/usr/bin/python3.12', flags: 2, ts: b.at(0) });
      b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
      b.fd({ op: 4, fd: 6, type: 1, path: '/var/log/app.log' });
      const workers = [201, 202];
      for (const w of workers) b.task({ event: 6, tid: w, comm: 'python3', ts: b.at(0) });
      for (let i = 0; i < 200; i++) {
        const t = 1 * MS + i * 2 * MS;
        b.epollWait({ ts: t, dur: 1 * MS, ret: 1, ready: [[7n, 1]] });
        const w = workers[i % 2];
        b.wake({ tid: PID, ts: t + 1.1 * MS, wakee: w, since: null, call: 'futex', wakeeCall: 'futex' });
        // a copy to the page cache: 12 µs, the thread never slept
        b.call('write', { tid: w, ts: t + 1.2 * MS, dur: 12 * US, ret: 40, fd: 6, stackId: 60n, neverSlept });
      }
      const a = analyze(b);
      for (const w of workers) assert.equal(a.model(w), 'pool-worker', `thread ${w}: ${a.result.threads.find((x) => x.tid === w)?.evidence}`);
      assert.deepEqual(a.findings, [], 'copies to the page cache, off the loop: nothing to find');
    });
  }
  it('threads whose sendfiles to non-blocking sockets the tracer counted, handed over by the loop, are its file I/O pool (nginx\'s `aio threads`)', () => {
    const trace = (call: string, sent = false): ReturnType<typeof analyze> => {
      const b = base();
      const workers = [201, 202];
      for (const w of workers) b.task({ event: 6, tid: w, comm: 'app', ts: b.at(0) });
      for (let i = 0; i < 100; i++) {
        const t = 1 * MS + i * 2 * MS;
        b.epollWait({ ts: t, dur: 1 * MS, ret: 1, ready: [[7n, 1]] });
        // the loop reads the request, then hands the file's sending to a worker (its queue's condition variable)
        b.call('recvfrom', { ts: t + 1.02 * MS, dur: 5 * US, ret: 100, fd: 7, nonblocking: true, neverSlept: true });
        b.wake({ tid: PID, ts: t + 1.1 * MS, wakee: workers[i % 2], since: null, call: 'futex', wakeeCall: 'futex' });
      }
      // each worker's calls on the connections' sockets (O_NONBLOCK), under the threshold: counted, not sent
      // (or, recorded with -m 0, each sent: it never slept)
      if (sent) for (let i = 0; i < 100; i++) b.call(call, { tid: workers[i % 2], ts: 1.2 * MS + i * 2 * MS, dur: 40 * US, ret: 65536, fd: 7, stackId: 70n, nonblocking: true, neverSlept: true });
      else for (const w of workers) b.summary({ tid: w, ts: 200 * MS, call, fdType: 6, nonblocking: true, stackId: 70n, count: 50, totalNs: 2 * MS, maxNs: 90 * US });
      return analyze(b);
    };
    for (const sent of [false, true]) {
      const pool = trace('sendfile', sent);
      for (const w of [201, 202]) assert.equal(pool.model(w), 'pool-worker', `thread ${w}: ${pool.result.threads.find((x) => x.tid === w)?.evidence}`);
      assert.equal(pool.result.processes[0].verdict, 'epoll loop on 1 thread; file I/O on 2 pool threads — pseudo-async');
      assert.deepEqual(pool.findings, []);
    }
    // a non-blocking socket's own send could not wait: no I/O of note
    const sends = trace('sendto');
    for (const w of [201, 202]) assert.equal(sends.model(w), 'none');
  });
  it('threads blocking at one line beside a loop that woke them a few times, fewer than one job in 20, are its pool (a busy pool takes its next job without sleeping)', () => {
    const b = base();
    const threads = [201, 202, 203];
    for (const w of threads) b.task({ event: 6, tid: w, comm: 'app', ts: b.at(0) });
    for (let i = 0; i < 100; i++) {
      const t = 1 * MS + i * 10 * MS;
      b.epollWait({ ts: t, dur: 8 * MS, ret: 1, ready: [[7n, 1]] });
      for (const w of threads) b.call('pread64', { tid: w, ts: t + (w - 200) * US, dur: 6 * MS, ret: 4096, fd: 6, stackId: 49n });
      // the loop woke each worker out of its condition variable twice in 100 jobs
      if (i === 10 || i === 60) for (const w of threads) b.wake({ tid: PID, ts: t + 7 * MS, wakee: w, since: null, call: 'futex', wakeeCall: 'futex' });
    }
    const a = analyze(b);
    for (const w of threads) assert.equal(a.model(w), 'pool-worker', `thread ${w}`);
  });
  it('a thread whose blocking calls were all over before the loop thread began is not its pool worker (Python\'s imports, then waiting for an executor\'s results)', () => {
    const b = base();
    // the main thread imports (counted page-cache reads), then starts the manager thread
    for (let i = 0; i < 40; i++) b.call('read', { ts: 1 * MS + i * 100 * US, dur: 2 * MS, ret: 4096, fd: 6, stackId: 50n });
    b.task({ event: 2, tid: 301, ptid: PID, comm: 'app', ts: b.at(10 * MS) });
    for (let i = 0; i < 50; i++) {
      const t = 11 * MS + i * 5 * MS;
      b.call('poll', { tid: 301, ts: t, dur: 4 * MS, ret: 1, fd: 5 });
      // each result handed back to the main thread, which waits for it in a futex
      b.wake({ tid: 301, ts: t + 4.1 * MS, wakee: PID, since: null, call: 'futex', wakeeCall: 'futex' });
    }
    const a = analyze(b);
    assert.equal(a.model(301), 'multiplexing');
    assert.notEqual(a.model(PID), 'pool-worker');
  });
  it('a thread that exec\'d leaves the old program\'s calls behind (pyenv\'s bash shim reading its pipes, then Python)', () => {
    const b = base();
    for (let i = 0; i < 20; i++) b.call('read', { ts: 1 * MS + i * 3 * MS, dur: 2 * MS, ret: 12, fd: 5, stackId: 51n });
    b.task({ event: 3, comm: 'python3', filename: '/usr/bin/python3', ts: b.at(70 * MS) });
    for (let i = 0; i < 20; i++) b.call('fsync', { ts: 80 * MS + i * 5 * MS, dur: 4 * MS, ret: 0, fd: 6, stackId: 52n });
    const a = analyze(b);
    const me = a.result.threads.find((t) => t.tid === PID);
    assert.equal(me?.model, 'blocking');
    assert.doesNotMatch(me?.evidence ?? '', /read/, me?.evidence);
  });
  it('threads each blocking on its one backend socket that hand every result back to a loop are its pool', () => {
    const b = base();
    const threads = threadsWithSockets(b, [201, 202, 203], 'app', 180);
    for (let i = 0; i < 50; i++) {
      const t = 1 * MS + i * 10 * MS;
      b.epollWait({ ts: t, dur: 8 * MS, ret: 1, ready: [[8n, 1]] });
      for (const w of threads) {
        b.call('read', { tid: w, ts: t + (w - 200) * US, dur: 6 * MS, ret: 3, fd: w - 180, stackId: 48n });
        // the reply handed back: the worker writes the loop's eventfd right after its read
        b.wake({ tid: w, ts: t + 6.2 * MS + (w - 200) * US, wakee: PID, since: null, call: 'write', wakeeCall: 'epoll_wait' });
      }
    }
    const a = analyze(b);
    for (const w of threads) assert.equal(a.model(w), 'pool-worker', `thread ${w}`);
  });
  it('threads each blocking on its one socket beside a loop that woke them a few times are no pool of it (in-process clients; the JVM\'s own futexes)', () => {
    const b = base();
    const threads = threadsWithSockets(b, [201, 202, 203], 'app', 180);
    clientsBesideLoop(b, threads, 100, (i, t) => {
      // twice in 100 answers the loop's thread met each client in a futex (a safepoint, a deoptimization)
      if (i === 10 || i === 60) for (const w of threads) b.wake({ tid: PID, ts: t + 7 * MS, wakee: w, since: null, call: 'futex', wakeeCall: 'futex' });
    });
    const a = analyze(b);
    for (const w of threads) assert.equal(a.model(w), 'blocking', `thread ${w}`);
  });
  it('threads serving their one socket, started by a thread that accepts connections, are no pool it feeds (Java\'s thread per connection: accept, then Thread.start)', () => {
    const b = base();
    const threads = [201, 202, 203, 204];
    for (const w of threads) {
      b.task({ event: 2, tid: w, ptid: PID, comm: 'app', ts: b.at(0.2 * MS + (w - 200) * US) });
      b.fd({ op: 4, fd: w - 180, type: 6, path: `socket:[${w}]` });
      b.wake({ tid: PID, ts: 0.5 * MS + (w - 200) * US, wakee: w, since: null, call: 'futex', wakeeCall: 'futex' });
    }
    b.call('accept', { ts: 0.1 * MS, dur: 5 * MS, ret: 20, fd: 7, stackId: 60n });
    b.fd({ op: 4, fd: 6, type: 1, path: '/var/data/journal' });
    for (let i = 0; i < 30; i++) {
      const t = 1 * MS + i * 10 * MS;
      // each connection's thread reads its request, then appends and flushes the journal
      for (const w of threads) {
        b.call('read', { tid: w, ts: t + (w - 200) * US, dur: 6 * MS, ret: 12, fd: w - 180, stackId: 61n });
        b.call('fdatasync', { tid: w, ts: t + 6.5 * MS + (w - 200) * US, dur: 2 * MS, ret: 0, fd: 6, stackId: 62n });
      }
    }
    const a = analyze(b);
    for (const w of threads) assert.equal(a.model(w), 'blocking', `thread ${w}`);
  });
  it('threads blocking at one line beside a loop that woke each only to start it are no pool of it (Java\'s in-process clients of a Selector loop)', () => {
    const b = base();
    const threads = threadsWithSockets(b, [201, 202, 203], 'app', 180);
    // HotSpot's Thread.start: the creator lets its new thread run with a wake-up, before its first call
    for (const w of threads) b.wake({ tid: PID, ts: 0.5 * MS + (w - 200) * US, wakee: w, since: null, call: 'futex', wakeeCall: 'futex' });
    // each client waits for the loop's answer over loopback TCP, whose wake-ups the eBPF side does not see
    clientsBesideLoop(b, threads, 30);
    const a = analyze(b);
    for (const w of threads) assert.equal(a.model(w), 'blocking', `thread ${w}`);
  });
  it('threads each blocking on its one socket at one line beside a loop, in a trace without wake-ups (ptrace), are no pool of it (in-process clients)', () => {
    const b = base();
    const threads = threadsWithSockets(b, [201, 202, 203], 'app', 180);
    clientsBesideLoop(b, threads, 30);
    const a = analyze(b);
    for (const w of threads) assert.equal(a.model(w), 'blocking', `thread ${w}`);
  });
  for (const wakesSeen of [true, false]) {
    it(wakesSeen
      ? 'threads blocking at one line beside a loop, where wake-ups are seen and none ties them to it, are no pool of it (connection threads met at the attach)'
      : 'threads blocking at one line beside a loop, in a trace without wake-ups (ptrace), are taken for its pool', () => {
      const b = base();
      const threads = threadsWithSockets(b, [201, 202, 203], 'app', 180);
      for (const w of threads) b.fd({ op: 4, fd: w - 170, type: 6, path: `socket:[${w + 10}]` });
      for (let i = 0; i < 30; i++) {
        const t = 1 * MS + i * 10 * MS;
        b.epollWait({ ts: t, dur: 8 * MS, ret: 1, ready: [[7n, 1]] });
        // each job a connection of its own (a worker that served only one socket would serve that connection)
        for (const w of threads) b.call('recvfrom', { tid: w, ts: t + (w - 200) * US, dur: 6 * MS, ret: 6, fd: w - 180 + (i % 2) * 10, stackId: 48n });
        // the loop's wake-ups come from elsewhere (its own clients' writes), seen by the eBPF side
        if (wakesSeen) b.wake({ tid: 201, ts: t + 7 * MS, wakee: 202, since: null, call: 'futex', wakeeCall: 'futex' });
      }
      const a = analyze(b);
      for (const w of threads) assert.equal(a.model(w), wakesSeen ? 'blocking' : 'pool-worker', `thread ${w}`);
    });
  }
});

describe('where a call is, as text', () => {
  const at = { function: null, file: null, line: null, column: null, module: '/usr/bin/memcached', imageAddr: null };
  it('gives the line and function, else the module with the function, else the module and the address in its image', () => {
    const rel = (f: string): string => f.replace('/srv/app/', '');
    assert.equal(whereText({ ...at, file: '/srv/app/src/a.c', line: 12, function: 'f', imageAddr: 0x1234 }, rel), 'src/a.c:12 (f)');
    assert.equal(whereText({ ...at, function: 'drive_machine', imageAddr: 0x1234 }, rel), '/usr/bin/memcached (drive_machine)');
    assert.equal(whereText({ ...at, imageAddr: 0x1a2b0 }, rel), '/usr/bin/memcached+0x1a2b0');
    assert.equal(whereText(at, rel), '/usr/bin/memcached', 'a module whose file could not be read has no address to give');
    assert.equal(whereText(null, rel), null);
    assert.equal(whereText({ ...at, file: '/srv/app/tick.js', line: 6, function: '(anonymous)' }, rel), 'tick.js:6 (anonymous)', 'V8\'s name of an anonymous function is not wrapped twice');
    assert.equal(whereText({ ...at, module: '/tmp/perf-77.map', function: 'com.acme.Journal.append(FileChannel, int)' }, rel), 'com.acme.Journal.append(FileChannel, int)', 'a Java method: no file, and not the perf map\'s path');
  });
});
