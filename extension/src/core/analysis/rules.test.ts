/**
 * Each rule of the catalogue on synthetic streams: a trace that must trigger it (with the line,
 * the numbers and the events behind it) and a healthy twin that must not.
 */
import { basename } from 'node:path';
import * as assert from 'node:assert/strict';
import * as wire from '../../../../protocol/generated/wire';
import type { StackFrame } from '../symbols/stacks';
import { PID, StreamBuilder, sysId } from '../testing/synthetic';
import { loopBlockedFix } from './catalogue';
import { BY_STACK_ID } from './resolve';
import { allBusyNs, Intervals } from './intervals';
import { analyze } from './testing';
import type { Finding } from './types';

const MS = 1e6;
const US = 1e3;
const SRC = '/work/app/src/server.c';
const EAGAIN = -11;

/** A loop thread PID with a pipe (fd 5), a file (fd 6), a socket (fd 7) and an eventfd (fd 8). */
/** Thread 205 (`comm`) of a pool trace: 200 calls of 200 µs, one a millisecond (`call` at each start), each waking the loop. */
function sideThread(b: StreamBuilder, comm: string, call: (ts: number) => void): void {
  b.task({ event: 6, tid: 205, comm, ts: b.at(0) });
  for (let i = 0; i < 200; i++) {
    const t = 1 * MS + i * MS + 90 * US;
    call(t);
    b.wake({ tid: 205, ts: t + 200 * US, wakee: PID, since: null, fd: 8 });
  }
}

function loopTrace(): StreamBuilder {
  const b = new StreamBuilder();
  b.task({ event: 6, comm: 'server', filename: '/work/app/server', flags: 2, ts: b.at(0) });
  b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
  b.fd({ op: 4, fd: 5, type: 7, path: 'pipe:[11]' });
  b.fd({ op: 4, fd: 6, type: 1, path: '/var/db/journal' });
  b.fd({ op: 4, fd: 7, type: 6, path: 'socket:[12]' });
  b.fd({ op: 4, fd: 8, type: 8, path: 'anon_inode:[eventfd]' });
  b.symbols(1n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['run_loop', SRC, 142]]);
  b.symbols(2n, [['read', 'sysdeps/unix/sysv/linux/read.c', 26], ['on_request', SRC, 88], ['run_loop', SRC, 150]]);
  b.symbols(3n, [['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27], ['commit', SRC, 61]]);
  return b;
}

/**
 * A program `filename` (its process named `comm`) whose epoll loop makes `call` on its file `path`
 * (fd `fd`) in each of 6 turns, `dur` long and returning `ret` (an open of `path` for `openat`);
 * `end`: when its last wait began (1 ms long).
 */
function fileCallsInLoop(o: { filename: string; comm: string; call: string; path: string; fd: number; dur: number; ret: number }): { b: StreamBuilder; end: number } {
  const b = new StreamBuilder();
  b.task({ event: 6, comm: o.comm, filename: o.filename, flags: 2, ts: b.at(0) });
  b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
  b.fd({ op: 4, fd: o.fd, type: 1, path: o.path });
  let t = 1 * MS;
  for (let i = 0; i < 6; i++) {
    b.epollWait({ ts: t, dur: 2 * MS, ret: 1, ready: [[7n, 1]] });
    t += 2 * MS + 10 * US;
    if (o.call === 'openat') b.open({ ts: t, dur: o.dur, path: o.path });
    else b.call(o.call, { ts: t, dur: o.dur, ret: o.ret, fd: o.fd });
    t += o.dur + 10 * US;
  }
  b.epollWait({ ts: t, dur: 1 * MS, ret: 0 });
  return { b, end: t };
}

describe('findings on synthetic traces', () => {
  describe('loop-blocked', () => {
    it('finds an open that blocked inside a turn (a FIFO opened to read waits for its writer), and not the quick ones', () => {
      const turns = (dur: number, path: string, neverSlept = false): Finding[] => {
        const b = loopTrace();
        b.symbols(11n, [['__libc_open64', 'sysdeps/unix/sysv/linux/open64.c', 41], ['on_request', SRC, 95]]);
        for (let i = 0; i < 20; i++) {
          const t = i * 20 * MS;
          b.epollWait({ ts: t, dur: 1 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
          b.open({ ts: t + 1 * MS + 10 * US, dur, path, stackId: 11n, neverSlept });
        }
        b.epollWait({ ts: 20 * 20 * MS, dur: 1 * MS, ret: 0, stackId: 1n });
        return analyze(b).of('loop-blocked');
      };
      const [f] = turns(5 * MS, '/run/app/requests');
      assert.ok(f);
      assert.match(f.title, /^openat\(\) blocked the event loop of .* 20 times, 100\.0 ms in total/);
      assert.equal(f.where?.line, 95);
      assert.match(f.detail, /it called openat of \/run\/app\/requests, which waits for the file system to find the path .* or, for a FIFO, for a process to open its other end: 20 calls blocked 100\.0 ms/);
      // opens sent with --min-duration 0 take microseconds; one that never slept was preempted; the kernel computes /proc
      assert.deepEqual(turns(50 * US, '/run/app/requests'), []);
      assert.deepEqual(turns(5 * MS, '/run/app/requests', true), []);
      assert.deepEqual(turns(5 * MS, '/proc/self/stat'), []);
    });

    /**
     * A loop whose turns wait `waitMs` in a futex (no traced call) until thread 301 lets go; 301 fsyncs
     * the journal (at commit) `gapMs` before it does, `turns` times.
     */
    function lockTrace(o: { turns: number; waitMs: number; gapMs: number; exe?: string }): StreamBuilder {
      const b = loopTrace();
      if (o.exe) b.task({ event: 6, comm: 'beam.smp', filename: o.exe, flags: 2, ts: b.at(0) });
      b.task({ event: 6, tid: 301, comm: 'flusher', ts: b.at(0) });
      let t = 1 * MS;
      for (let i = 0; i < o.turns; i++) {
        b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[8n, 1]] });
        t += 2 * MS + 10 * US;
        b.call('read', { ts: t, dur: 5 * US, ret: 8, fd: 8, stackId: 2n });
        const woken = t + 5 * US + o.waitMs * MS;
        b.call('fsync', { tid: 301, ts: woken - o.gapMs * MS - 3 * MS, dur: 3 * MS, ret: 0, fd: 6, stackId: 3n });
        b.wake({ tid: 301, ts: woken, wakee: PID, since: null, call: 'futex', wakeeCall: 'futex' });
        t = woken + 20 * US;
      }
      b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
      return b;
    }

    it('names no line for a call a libevent or libuv callback ended with (a tail call: only the loop\'s start is in the stack)', () => {
      const LIBEVENT = '/usr/lib/x86_64-linux-gnu/libevent-2.1.so.7.0.1';
      const FSYNC: [string, string, number] = ['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27];
      /** A loop whose turns each fsync, the fsync's stack `frames`. */
      const fsyncs = (frames: [string, string, number, string?][]): StreamBuilder => {
        const b = loopTrace();
        b.symbols(12n, frames);
        let t = 1 * MS;
        for (let i = 0; i < 10; i++) {
          b.epollWait({ ts: t, dur: 2 * MS, ret: 0, stackId: 1n });
          t += 2 * MS + 10 * US;
          b.call('fsync', { ts: t, dur: 5 * MS, ret: 0, fd: 6, stackId: 12n });
          t += 5 * MS + 10 * US;
        }
        b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
        return b;
      };
      const trace = (callbackFrame: boolean): StreamBuilder =>
        fsyncs([FSYNC, ...(callbackFrame ? [['on_tick', SRC, 20] as [string, string, number]] : []), ['event_process_active', '', 0, LIBEVENT], ['event_base_loop', '', 0, LIBEVENT], ['main', SRC, 85]]);
      const [f] = analyze(trace(false)).of('loop-blocked');
      assert.ok(f);
      assert.equal(f.where, null, 'main:85 starts the loop: not the line to change');
      assert.match(f.detail, /only through event_base_loop in libevent-2\.1\.so\.7\.0\.1, called at server\.c:85 \(main\): the call was made by a callback/);
      const [g] = analyze(trace(true)).of('loop-blocked');
      assert.equal(g?.where?.line, 20, 'the callback\'s own frame is the line');
      assert.doesNotMatch(g?.detail ?? '', /callback the loop ran/);
      // asyncio's runner: no tail call there, a callback with no function of the program's (a builtin handed to call_soon)
      const map = '/tmp/perf-100.map';
      const py = fsyncs([FSYNC, ['Handle._run', '/usr/lib/python3.12/asyncio/events.py', 0, map], ['BaseEventLoop._run_once', '/usr/lib/python3.12/asyncio/base_events.py', 0, map], ['<module>', '/work/app/main.py', 0, map]]);
      const [h] = analyze(py).of('loop-blocked');
      assert.equal(h?.where, null);
      assert.match(h.detail, /only through BaseEventLoop\._run_once in perf-100\.map, called at main\.py \(<module>\): the call was made by a callback the loop ran with no function of the program's in between/);
      assert.doesNotMatch(h.detail, /tail call/);
    });

    it('counts a receive with MSG_WAITALL on a socket the wait said ready (it waits for the rest), not one without', () => {
      const trace = (flags: bigint): StreamBuilder => {
        const b = loopTrace();
        b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0), dur: 2 * US, ret: 0, args: [3n, 1n, 7n, 0n, 0n, 0n], dataFormat: 3, data: [1n, 7n] });
        let t = 1 * MS;
        for (let i = 0; i < 10; i++) {
          b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
          t += 2 * MS + 10 * US;
          b.call('recvfrom', { ts: t, dur: 20 * MS, ret: 1024, fd: 7, stackId: 2n, args: [7n, 0x7ffe1000n, 1024n, flags, 0n, 0n] });
          t += 20 * MS + 10 * US;
        }
        b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
        return b;
      };
      const [f] = analyze(trace(0x100n)).of('loop-blocked');
      assert.ok(f);
      assert.match(f.title, /^recvfrom\(\) blocked the event loop of server 100\/100 10 times, 200\.0 ms in total/);
      assert.match(f.suggestion, /^drop MSG_WAITALL from the recvfrom/);
      assert.deepEqual(analyze(trace(0n)).of('loop-blocked'), [], 'a ready socket\'s copy, or a ptrace tracer\'s stops');
    });

    it('does not count a call the thread never slept in (preempted on a busy machine: the eBPF tracer says so)', () => {
      // the likely cause of the one finding loop_fsync --offload's loop raised in CI: a reply to a
      // socket, a write to the journal thread's pipe, long only because another process had the CPU
      const trace = (neverSlept: boolean): StreamBuilder => {
        const b = loopTrace();
        let t = 1 * MS;
        for (let i = 0; i < 10; i++) {
          b.epollWait({ ts: t, dur: 2 * MS, ret: 0, stackId: 1n });
          t += 2 * MS + 10 * US;
          if (i === 3) b.call('write', { ts: t, dur: 4 * MS, ret: 1, fd: 7, stackId: 2n, neverSlept });
          if (i === 6) b.call('write', { ts: t, dur: 3 * MS, ret: 64, fd: 5, stackId: 2n, neverSlept });
          t += 5 * MS;
        }
        b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
        return b;
      };
      assert.deepEqual(analyze(trace(false)).of('loop-blocked').map((f) => f.title.replace(/ of server.*/, '')), ['write() blocked the event loop'], 'slept: a full socket or pipe');
      const onCpu = analyze(trace(true));
      assert.deepEqual(onCpu.of('loop-blocked'), [], 'never slept: the CPU was busy, nothing was waited for');
      // the call site's figures say so (the report's longest calls, the JSON's call_sites)
      const site = onCpu.result.sites.find((s) => s.call === 'write');
      assert.deepEqual([site?.count, site?.neverSlept, site?.neverSleptNs], [2, 2, 7 * MS]);
      assert.equal(analyze(trace(false)).result.sites.find((s) => s.call === 'write')?.neverSlept, 0);
    });

    it('finds a loop waiting for a lock another thread holds across its fsync, at that fsync', () => {
      const a = analyze(lockTrace({ turns: 20, waitMs: 4, gapMs: 0.05 }));
      const [f] = a.of('loop-blocked');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.title, /^A lock held by flusher 100\/301 across its fsync\(\) blocked the event loop of server 100\/100 20 times, 80\.\d ms in total/);
      assert.match(f.detail, /until flusher 100\/301 let go right after its fsync of \/var\/db\/journal \(the line shown\)/);
      assert.match(f.suggestion, /^do not hold the lock across the fsync/);
      assert.equal(f.where?.line, 61);
    });

    it('stays quiet when the lock was let go long after the holder\'s I/O, or only a few times', () => {
      assert.deepEqual(analyze(lockTrace({ turns: 20, waitMs: 4, gapMs: 3 })).of('loop-blocked'), []);
      assert.deepEqual(analyze(lockTrace({ turns: 9, waitMs: 4, gapMs: 0.05 })).of('loop-blocked'), []);
      assert.deepEqual(analyze(lockTrace({ turns: 20, waitMs: 0.5, gapMs: 0.05 })).of('loop-blocked'), [], 'a lock taken in passing');
    });

    it('is not raised in the Erlang VM: a dirty I/O scheduler that ended a file call wakes a sleeping scheduler to run the process on', () => {
      const exe = '/usr/lib/erlang/erts-13.1.5/bin/beam.smp';
      assert.deepEqual(analyze(lockTrace({ turns: 20, waitMs: 4, gapMs: 0.05, exe })).of('loop-blocked'), []);
    });

    it('is not raised on a Go program: its threads are the runtime\'s, whose blocking calls park one goroutine', () => {
      const b = loopTrace();
      let t = 1 * MS;
      for (let i = 0; i < 4; i++) {
        b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[5n, 1]] });
        t += 2 * MS + 10 * US;
        b.call('read', { ts: t, dur: 20 * MS, ret: 1, fd: 5, stackId: 2n });
        t += 20 * MS + 10 * US;
      }
      b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
      const a = analyze(b);
      assert.equal(a.of('loop-blocked').length, 1, 'the same trace of a C program has its finding');
      const go = a.analyzer.result({ ...BY_STACK_ID, goRuntime: () => true });
      assert.deepEqual(go.findings.map((f) => f.rule), [], 'no loop of the program\'s own in a Go program');
      assert.match(go.processes[0]?.verdict ?? '', /^Go runtime, goroutines over its netpoller: epoll loop on 1 thread, goroutines blocking in \S.* on it$/);
      assert.match(go.threads.find((x) => x.model === 'multiplexing')?.evidence ?? '', /Go runtime's netpoller.*; its goroutines blocked in read 4 times \(80\.\d+ ms\)$/);
      assert.doesNotMatch(go.threads.find((x) => x.model === 'multiplexing')?.evidence ?? '', /lag/, 'a runtime thread\'s turns run goroutines: no loop lag');
      assert.deepEqual(go.loops, [], 'no event-loop turns of the program\'s own');
      assert.equal(a.result.loops.length, 1, 'the C program has its turns');
    });

    it('gives asyncio\'s and Node.js\' own fixes in a runtime\'s loop (time.sleep, fsync), the native ones elsewhere', () => {
      const suggestions = (program: string): string[] => {
        const b = new StreamBuilder();
        b.task({ event: 6, comm: 'server', filename: program, flags: 2, ts: b.at(0) });
        b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
        b.fd({ op: 4, fd: 6, type: 1, path: '/var/db/journal' });
        let t = 1 * MS;
        for (let i = 0; i < 6; i++) {
          b.epollWait({ ts: t, dur: 2 * MS, ret: 1, ready: [[7n, 1]] });
          t += 2 * MS + 10 * US;
          b.call('clock_nanosleep', { ts: t, dur: 20 * MS, ret: 0, args: [1n, 0n, 0n, 0n, 0n, 0n] });
          t += 20 * MS + 10 * US;
          b.call('fsync', { ts: t, dur: 15 * MS, ret: 0, fd: 6 });
          t += 15 * MS + 10 * US;
        }
        b.epollWait({ ts: t, dur: 1 * MS, ret: 0 });
        return analyze(b).of('loop-blocked').map((f) => `${f.title.split('(')[0]}: ${f.suggestion}`).sort();
      };
      const [py, node, native] = [suggestions('/usr/bin/python3.12'), suggestions('/usr/bin/node'), suggestions('/work/app/server')];
      assert.equal(py.length, 2, py.join('\n'));
      assert.match(py[0], /^clock_nanosleep: await asyncio\.sleep/);
      assert.match(py[1], /^fsync: run the file I\/O in a thread \(await asyncio\.to_thread/);
      assert.match(node[0], /^clock_nanosleep: wait with a timer \(setTimeout/);
      assert.match(node[1], /^fsync: use the asynchronous fs API/);
      assert.match(native[0], /^clock_nanosleep: replace the sleep with a timer/);
      assert.match(native[1], /^fsync: move the fsync off the loop thread/);
    });

    it('gives nginx\'s, redis\' and PostgreSQL\'s own settings as the fix, by the call and its file (their lines are in a binary the user does not change)', () => {
      /** The loop-blocked fix of `call` on a file at `path`, in a program `program` whose process is named `comm`. */
      const fix = (program: string, comm: string, call: string, path: string): string => {
        const { b } = fileCallsInLoop({ filename: program, comm, call, path, fd: 6, dur: 25 * MS, ret: 0 });
        const found = analyze(b).of('loop-blocked');
        assert.equal(found.length, 1, `${program} ${call} ${path}: ${found.map((f) => f.title).join('; ')}`);
        return found[0].suggestion;
      };
      const NGINX = '/usr/sbin/nginx';
      assert.match(fix(NGINX, 'nginx', 'write', '/var/log/nginx/access.log'), /^nginx writes each access-log line .*`access_log \/var\/log\/nginx\/access\.log combined buffer=64k flush=5s;`/);
      assert.match(fix(NGINX, 'nginx', 'write', '/var/log/nginx/error.log'), /^nginx writes its error log unbuffered .*`error_log \/var\/log\/nginx\/error\.log warn;`/);
      assert.match(fix(NGINX, 'nginx', 'pwrite64', '/var/lib/nginx/body/0000000001'), /^nginx buffers request or upstream bodies in temporary files/);
      // writes the tracer counted carry no file: the access log and the bodies' temporary files, each with its fix
      assert.match(loopBlockedFix('write', 'file', null, false, 'nginx', null), /^nginx writes a file from the worker's event loop: if it is the access log .*buffer=64k.*; if it is a temporary file .*client_body_buffer_size/);
      assert.match(fix(NGINX, 'nginx', 'pread64', '/srv/www/big.iso'), /^let nginx read the files it serves on its thread pool \(`aio threads;`/);
      assert.match(fix(NGINX, 'nginx', 'openat', '/srv/www/index.html'), /^cache nginx's opens .*`open_file_cache/);
      // Debian's redis-server is a link to redis-check-rdb, which the process's executable names
      const REDIS = '/usr/bin/redis-check-rdb';
      assert.match(fix(REDIS, 'redis-server', 'fdatasync', '/var/lib/redis/appendonlydir/appendonly.aof.1.incr.aof'), /^redis flushes its append-only file .*`appendfsync everysec`/);
      assert.match(fix(REDIS, 'redis-server', 'fsync', '/var/lib/redis/temp-4242.rdb'), /^redis wrote and flushed its RDB snapshot .*BGSAVE/);
      // a file neither names: the native fix
      assert.match(fix(REDIS, 'redis-server', 'fsync', '/var/lib/redis/other'), /^move the fsync off the loop thread/);
      // PostgreSQL's backends flush the WAL at commit: its settings, also for a loop serving one client (a backend)
      const PG = '/usr/lib/postgresql/15/bin/postgres';
      assert.match(fix(PG, 'postgres', 'fdatasync', '/var/lib/postgresql/15/main/pg_wal/000000010000000000000002'), /^PostgreSQL flushes the WAL at each commit.*`synchronous_commit = off`.*`commit_delay`/);
      assert.match(loopBlockedFix('fdatasync', 'sync', 20, true, 'postgres', 'pg_wal/000000010000000000000002'), /^PostgreSQL flushes the WAL at each commit/);
      assert.match(loopBlockedFix('fsync', 'sync', 20, true, 'postgres', 'pg_wal/xlogtemp.4242'), /^PostgreSQL made and flushed a new WAL segment .*`min_wal_size`/);
      assert.match(loopBlockedFix('fsync', 'sync', 20, true, 'postgres', 'base/5/16384'), /^the client waits for each fsync: flush once for a batch/);
      // a runtime's fixes are a loop's: not for one serving one client
      assert.match(loopBlockedFix('fsync', 'sync', 20, true, 'python', '/srv/app/db'), /^the client waits for each fsync/);
      // another program with the same calls: the native fixes
      assert.match(fix('/work/app/server', 'server', 'write', '/var/log/nginx/access.log'), /^do the file I\/O off the loop thread/);
      assert.match(fix('/work/app/server', 'server', 'fdatasync', '/var/lib/redis/appendonly.aof'), /^move the fdatasync off the loop thread/);
    });

    it('gives gevent\'s fixes for calls made in a greenlet of a Python process (gunicorn\'s gevent workers), asyncio\'s for the others', () => {
      const suggestions = (hub: string): string[] => {
        const PY = '/usr/bin/python3.11';
        const b = new StreamBuilder();
        b.task({ event: 6, comm: 'gunicorn', filename: PY, flags: 2, ts: b.at(0) });
        b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
        b.fd({ op: 4, fd: 6, type: 1, path: '/var/log/app.log' });
        b.symbols(1n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['ev_run', 'ev.c', 1, hub]]);
        b.symbols(2n, [['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27], ['os_fsync', 'Modules/posixmodule.c', 1, PY], ['run', 'src/gevent/greenlet.c', 2, hub]]);
        b.symbols(3n, [['clock_nanosleep', 'sysdeps/unix/sysv/linux/clock_nanosleep.c', 27], ['time_sleep', 'Modules/timemodule.c', 1, PY], ['run', 'src/gevent/greenlet.c', 2, hub]]);
        let t = 1 * MS;
        for (let i = 0; i < 6; i++) {
          b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
          t += 2 * MS + 10 * US;
          b.call('clock_nanosleep', { ts: t, dur: 20 * MS, ret: 0, args: [1n, 0n, 0n, 0n, 0n, 0n], stackId: 3n });
          t += 20 * MS + 10 * US;
          b.call('fsync', { ts: t, dur: 15 * MS, ret: 0, fd: 6, stackId: 2n });
          t += 15 * MS + 10 * US;
        }
        b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
        return analyze(b).of('loop-blocked').map((f) => `${f.title.split('(')[0]}: ${f.suggestion}`).sort();
      };
      const gevent = suggestions('/usr/lib/python3/dist-packages/gevent/_gevent_cgreenlet.cpython-311-x86_64-linux-gnu.so');
      assert.equal(gevent.length, 2, gevent.join('\n'));
      assert.match(gevent[0], /^clock_nanosleep: call gevent\.sleep/);
      assert.match(gevent[1], /^fsync: run the file I\/O on gevent's thread pool/);
      const asyncio = suggestions('/usr/lib/python3.11/lib-dynload/_asyncio.cpython-311-x86_64-linux-gnu.so');
      assert.match(asyncio[1], /^fsync: run the file I\/O in a thread \(await asyncio\.to_thread/);
    });

    it('finds a loop held up waiting for a POSIX record lock (fcntl F_SETLKW), not its other fcntl calls', () => {
      const b = new StreamBuilder();
      b.task({ event: 6, comm: 'server', filename: '/work/app/server', flags: 2, ts: b.at(0) });
      b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
      b.fd({ op: 4, fd: 6, type: 1, path: '/var/lib/app/records.db' });
      b.symbols(40n, [['__libc_fcntl64', 'sysdeps/unix/sysv/linux/fcntl64.c', 50], ['update_record', SRC, 77]]);
      let t = 1 * MS;
      for (let i = 0; i < 6; i++) {
        b.epollWait({ ts: t, dur: 2 * MS, ret: 1, ready: [[7n, 1]] });
        t += 2 * MS + 10 * US;
        b.call('fcntl', { ts: t, dur: 8 * MS, ret: 0, fd: 6, stackId: 40n, args: [6n, BigInt(wire.FcntlCmd.setlkw), 0x7ffe2000n, 0n, 0n, 0n] });
        t += 8 * MS + 10 * US;
        // F_SETFL (O_ASYNC setup) is no wait, however long the tracer made it look
        b.call('fcntl', { ts: t, dur: 2 * MS, ret: 0, fd: 6, args: [6n, BigInt(wire.FcntlCmd.setfl), 0x800n, 0n, 0n, 0n] });
        t += 2 * MS + 10 * US;
      }
      b.epollWait({ ts: t, dur: 1 * MS, ret: 0 });
      const a = analyze(b);
      const [f, ...rest] = a.of('loop-blocked');
      assert.equal(rest.length, 0, a.of('loop-blocked').map((x) => x.title).join('\n'));
      assert.match(f.title, /^fcntl\(\) blocked the event loop of server .* 6 times, 48\.0 ms in total/);
      assert.match(f.detail, /a file lock, which waits while another process holds it/);
      assert.match(f.suggestion, /^take the lock without waiting \(F_SETLK or F_OFD_SETLK instead of F_SETLKW\)/);
      assert.equal(f.where?.line, 77);
    });

    it('under ptrace, counts a loop\'s wait4 for a child that ended after the call began as a wait, however short (an asyncio handler\'s subprocess.run)', () => {
      const trace = (endsAfterStart: boolean): ReturnType<typeof analyze> => {
        const b = new StreamBuilder();
        b.task({ event: 6, comm: 'python3', filename: '/usr/bin/python3', flags: 2, ts: b.at(0) });
        b.add(wire.encodeMeta({ json: JSON.stringify({ tracer: 'test', backend: 'ptrace', pid: PID }) }));
        b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
        let t = 1 * MS;
        for (let i = 0; i < 40; i++) {
          const child = 4000 + i;
          b.epollWait({ ts: t, dur: 2 * MS, ret: 1, ready: [[7n, 1]] });
          t += 2 * MS + 10 * US;
          b.task({ event: 1, pid: child, tid: child, ppid: PID, comm: 'true', ts: b.at(t - 1 * MS) });
          // its end is recorded before the wait4 that reaps it (a ptrace recording times each call at its entry)
          b.task({ event: 4, pid: child, tid: child, comm: 'true', ts: b.at(endsAfterStart ? t + 2.5 * MS : t - 0.5 * MS) });
          b.call('wait4', { ts: t, dur: 3 * MS, ret: child, args: [BigInt(child), 0x7ffe0000n, 0n, 0n, 0n, 0n], stackId: 5n });
          t += 3 * MS + 10 * US;
        }
        b.epollWait({ ts: t, dur: 1 * MS, ret: 0 });
        return analyze(b);
      };
      const [waited] = trace(true).of('loop-blocked');
      assert.match(waited?.title ?? '', /^wait4\(\) blocked the event loop .* 40 times, 120\.0 ms/);
      assert.deepEqual(trace(false).of('loop-blocked'), [], 'a child already ended: the call reaped it, the tracer\'s stops made it last');
    });

    it('takes no O_NONBLOCK flag for a child wait: waitid(P_PID, …)\'s first argument is no fd (the tracers read fd 1\'s flags, a non-blocking stdout)', () => {
      const b = loopTrace();
      let t = 1 * MS;
      for (let i = 0; i < 6; i++) {
        b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        t += 2 * MS + 10 * US;
        b.call('waitid', { ts: t, dur: 20 * MS, ret: 0, nonblocking: true, args: [1n, BigInt(4000 + i), 0x7ffe0000n, 4n, 0n, 0n] });
        t += 20 * MS + 10 * US;
      }
      b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
      const [f] = analyze(b).of('loop-blocked');
      assert.match(f?.title ?? '', /^waitid\(\) blocked the event loop .* 6 times, 120\.0 ms in total/);
    });

    it('finds a loop held up waiting for a child (system()) or for a file lock (flock), with their own fixes; a shell waiting for its children is no I/O model', () => {
      const b = new StreamBuilder();
      b.task({ event: 6, comm: 'server', filename: '/work/app/server', flags: 2, ts: b.at(0) });
      b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
      b.fd({ op: 4, fd: 6, type: 1, path: '/var/lock/app.lock' });
      b.task({ event: 6, tid: 300, pid: 300, comm: 'sh', filename: '/bin/sh', flags: 2, ts: b.at(0) });
      let t = 1 * MS;
      for (let i = 0; i < 6; i++) {
        b.epollWait({ ts: t, dur: 2 * MS, ret: 1, ready: [[7n, 1]] });
        t += 2 * MS + 10 * US;
        b.call('wait4', { ts: t, dur: 20 * MS, ret: 4000 + i, args: [BigInt(4000 + i), 0x7ffe0000n, 0n, 0n, 0n, 0n] });
        b.call('wait4', { pid: 300, tid: 300, ts: t, dur: 20 * MS, ret: 5000 + i, args: [-1n, 0x7ffe0000n, 0n, 0n, 0n, 0n] });
        t += 20 * MS + 10 * US;
        b.call('flock', { ts: t, dur: 5 * MS, ret: 0, fd: 6, args: [6n, 2n, 0n, 0n, 0n, 0n] });
        t += 5 * MS + 10 * US;
        b.call('wait4', { ts: t, dur: 5 * US, ret: 0, args: [-1n, 0x7ffe0000n, 1n, 0n, 0n, 0n] }); // WNOHANG: no wait
        t += 10 * US;
      }
      b.epollWait({ ts: t, dur: 1 * MS, ret: 0 });
      const a = analyze(b);
      const found = a.of('loop-blocked').map((f) => `${f.title.split(' blocked')[0]} ${f.detail.match(/which waits [^:]*|a file lock, which waits [^:]*/)?.[0]}: ${f.suggestion}`).sort();
      assert.equal(found.length, 2, found.join('\n'));
      assert.match(found[0], /^flock\(\) a file lock, which waits while another process holds it: take the lock without waiting \(LOCK_NB\)/);
      assert.match(found[1], /^wait4\(\) which waits for a child process to end .*: do not wait for the child inside the loop: start it with posix_spawn/);
      assert.match(a.of('loop-blocked').find((f) => f.title.startsWith('wait4'))?.title ?? '', /6 times, 120\.0 ms in total/, 'the WNOHANG polls did not wait');
      assert.equal(a.model(300), 'none', 'a shell waiting for its children waits for no I/O');
      assert.match(a.result.threads.find((x) => x.tid === 300)?.evidence ?? '', /waits for child processes 6 times \(120\.0 ms\)/);
    });

    it('leaves out a runtime\'s writes of its perf map (asked for by the profiler), not a log file written the same way', () => {
      const analysed = (path: string): ReturnType<typeof analyze> => {
        const { b, end } = fileCallsInLoop({ filename: '/usr/bin/node', comm: 'node', call: 'write', path, fd: 17, dur: 3 * MS, ret: 80 });
        b.call('write', { ts: end + 2 * MS, dur: 3 * MS, ret: 80, fd: 17, tid: 301 });
        return analyze(b);
      };
      const findings = (path: string): string[] => analysed(path).findings.map((f) => f.title);
      assert.deepEqual(findings(`/tmp/perf-${PID}.map`), []);
      assert.match(findings('/var/log/app.log')[0] ?? '', /^write\(\) blocked the event loop/);
      // nor is a thread that only writes the perf map blocking (a Python executor's submitter, under ptrace)
      assert.equal(analysed(`/tmp/perf-${PID}.map`).model(301), 'none');
      assert.equal(analysed('/var/log/app.log').model(301), 'blocking');
    });

    it('names the blocking read inside the loop, its line, its numbers and its events', () => {
      const b = loopTrace();
      let t = 1 * MS;
      for (let i = 0; i < 10; i++) {
        b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[5n, 1]] });
        t += 2 * MS + 10 * US;
        const stall = i % 5 === 4;
        b.call('read', { ts: t, dur: stall ? 20 * MS : 5 * US, ret: 1, fd: 5, stackId: 2n });
        t += (stall ? 20 * MS : 5 * US) + 10 * US;
      }
      b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
      const a = analyze(b);
      const [f] = a.of('loop-blocked');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.equal(f.where?.file, SRC);
      assert.equal(f.where?.line, 88);
      assert.equal(f.where?.function, 'on_request');
      assert.equal(f.eventCount, 2, 'the two 20 ms reads, not the 5 µs ones');
      assert.equal(f.impactNs, 40 * MS);
      assert.equal(f.events.length, 2);
      assert.match(f.title, /read\(\) blocked the event loop of server 100\/100 2 times, 40\.0 ms in total, 65 % of its time \(longest 20\.0 ms\)/);
      assert.match(f.suggestion, /non-blocking \(O_NONBLOCK\)/);
      assert.equal(f.severity, 'high');
      assert.equal(a.model(PID), 'multiplexing');
      const loop = a.result.loops.find((l) => l.tid === PID);
      assert.equal(loop?.turns, 10);
      assert.equal(loop?.blockedNs, 40 * MS);
    });

    it('takes reads of compiled modules inside a turn for an import the loop ran (uvicorn\'s lazy import of h11 at its first request), a low finding with its own fix; not reads of data files', () => {
      const trace = (path: string): ReturnType<typeof analyze> => {
        const b = loopTrace();
        b.fd({ op: 4, fd: 9, type: 1, path });
        let t = 1 * MS;
        for (let i = 0; i < 20; i++) {
          b.epollWait({ ts: t, dur: 5 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
          t += 5 * MS + 10 * US;
          // the first request: the module's files read, one of them from the disk
          if (i === 0) for (const dur of [16.8 * MS, 40 * US, 30 * US]) {
            b.call('read', { ts: t, dur, ret: 4096, fd: 9, stackId: 2n });
            t += dur + 5 * US;
          }
          b.call('sendto', { ts: t, dur: 20 * US, ret: 100, fd: 7, stackId: 2n });
          t += 30 * US;
        }
        return analyze(b);
      };
      const [f] = trace('/usr/lib/python3/dist-packages/h11/__pycache__/_state.cpython-311.pyc').of('loop-blocked');
      assert.ok(f);
      assert.equal(f.severity, 'low');
      assert.match(f.detail, /is a compiled module, which only an import reads/);
      assert.match(f.suggestion, /import the module when the program starts/);
      // the same reads of the program's data: a stall of the loop
      const [g] = trace('/srv/data/users.db').of('loop-blocked');
      assert.ok(g);
      assert.notEqual(g.severity, 'low');
      assert.doesNotMatch(g.detail + g.suggestion, /import/);
    });

    it('counts a long call reported in progress (no stack yet) and then ended once, at its line (a readFileSync on a new fd each time)', () => {
      const b = loopTrace();
      let t = 1 * MS;
      for (let i = 0; i < 5; i++) {
        b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[5n, 1]] });
        t += 2 * MS + 10 * US;
        const fd = 20 + i;
        // the tracer's live report while it runs, then the call itself with its stack (the last
        // one never slept: a copy from the page cache, no stall, and its report in progress none either)
        if (i % 2 === 0) b.call('read', { ts: t, dur: 250 * MS, ret: 0, fd, stackId: 0n, unfinished: true });
        b.call('read', { ts: t, dur: 300 * MS, ret: 4096, fd, stackId: 2n, neverSlept: i === 4 });
        t += 300 * MS + 10 * US;
      }
      b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[5n, 1]] });
      const found = analyze(b).of('loop-blocked');
      assert.equal(found.length, 1, JSON.stringify(found.map((f) => [f.title, f.where?.line])));
      assert.equal(found[0].where?.line, 88);
      assert.equal(found[0].eventCount, 4);
      assert.equal(found[0].impactNs, 1200 * MS);
      assert.doesNotMatch(found[0].title, /still blocked/);
    });

    it('counts a read still in progress at the end (no stack yet) with the reads of its site, not apart', () => {
      const b = loopTrace();
      let t = 1 * MS;
      for (let i = 0; i < 3; i++) {
        b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[5n, 1]] });
        t += 2 * MS + 10 * US;
        b.call('read', { ts: t, dur: 20 * MS, ret: 1, fd: 5, stackId: 2n });
        t += 20 * MS + 10 * US;
      }
      b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[5n, 1]] });
      t += 2 * MS + 10 * US;
      // the stack of a call is taken when it returns: this one had not when the recording stopped
      b.call('read', { ts: t, dur: 15 * MS, ret: 0, fd: 5, stackId: 0n, unfinished: true });
      const a = analyze(b);
      const found = a.of('loop-blocked');
      assert.equal(found.length, 1, JSON.stringify(found.map((f) => [f.title, f.where?.line])));
      const [f] = found;
      assert.equal(f.where?.line, 88);
      assert.equal(f.eventCount, 4);
      assert.equal(f.impactNs, 75 * MS);
      assert.match(f.title, /still blocked when the recording ended/);
    });

    it('counts the fsyncs the tracer only counted, at their line', () => {
      const b = loopTrace();
      for (let i = 0; i < 4; i++) b.epollWait({ ts: i * 100 * MS, dur: 50 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
      b.summary({ ts: 150 * MS, call: 'fsync', fdType: 1, stackId: 3n, count: 600, totalNs: 300 * MS, maxNs: 0.9 * MS, inLoop: true });
      b.summary({ ts: 350 * MS, call: 'fsync', fdType: 1, stackId: 3n, count: 1200, totalNs: 640 * MS, maxNs: 0.9 * MS, inLoop: true });
      // before its loop started, the thread flushed too: that is not the loop's
      b.summary({ ts: 350 * MS, call: 'fsync', fdType: 1, stackId: 2n, count: 50, totalNs: 20 * MS, maxNs: 0.9 * MS });
      const a = analyze(b);
      const [f] = a.of('loop-blocked');
      assert.ok(f);
      assert.equal(f.where?.line, 61);
      assert.match(f.title, /fsync\(\) blocked the event loop of server 100\/100 1,200 times, 640\.0 ms in total, \d+ % of its time; all under 1\.00 ms, counted by the tracer/);
      assert.equal(f.impactNs, 640 * MS);
      assert.match(f.suggestion, /off the loop thread/);
    });

    it('counts calls whose stacks reach no frame of the program at the thread\'s one line that made the same call on the same fd (a JVM method interpreted, then compiled)', () => {
      const trace = (named: bigint[]): ReturnType<typeof analyze> => {
        const b = loopTrace();
        // the interpreter's frames only: no frame of the program's code
        b.symbols(9n, [['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27], ['Interpreter', 'interpreter.c', 1]]);
        b.symbols(11n, [['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27], ['checkpoint', SRC, 75]]);
        let t = 1 * MS;
        for (let i = 0; i < 30; i++) {
          b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
          t += 1 * MS + 10 * US;
          b.call('fsync', { ts: t, dur: 8 * MS, ret: 0, fd: 6, stackId: i < 24 ? 9n : named[i % named.length] });
          t += 8 * MS + 10 * US;
        }
        return analyze(b);
      };
      const found = trace([3n]).of('loop-blocked');
      assert.equal(found.length, 1, JSON.stringify(found.map((f) => f.title)));
      assert.equal(found[0].where?.line, 61);
      assert.match(found[0].title, /fsync\(\) blocked the event loop of server 100\/100 30 times/);
      assert.match(found[0].detail, /24 of these calls had stacks that reach no frame of the program's own code \(Interpreter in libc\.so\.6\): they are counted at this line, the only one from which this thread made fsync on fd 6 <\/var\/db\/journal>/);
      // two lines of the program made the call: which one the others came from cannot be told
      assert.deepEqual(trace([3n, 11n]).of('loop-blocked').map((f) => f.where?.line ?? null).sort(), [61, 75, null]);
    });

    /** 30 turns of the loop, each an 8 ms fsync of the journal: every third at stack 10, the others at stack 9. */
    function journalTurns(b: StreamBuilder): StreamBuilder {
      let t = 1 * MS;
      for (let i = 0; i < 30; i++) {
        b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
        t += 1 * MS + 10 * US;
        b.call('fsync', { ts: t, dur: 8 * MS, ret: 0, fd: 6, stackId: i % 3 === 0 ? 10n : 9n });
        t += 8 * MS + 10 * US;
      }
      return b;
    }

    it('takes calls with no frame of the program made by one runtime function for one site, wherever their stacks end (a gevent greenlet\'s)', () => {
      const PY = '/usr/bin/python3.11';
      const GREENLET = '/usr/lib/python3/dist-packages/greenlet/_greenlet.cpython-311-x86_64-linux-gnu.so';
      const trace = (other: string): ReturnType<typeof analyze> => {
        const b = loopTrace();
        // CPython's os.fsync, its walk cut at the greenlet's switch, or gone on through the hub to _start
        b.symbols(9n, [['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27], ['os_fsync', 'Modules/posixmodule.c', 1, PY], ['_PyEval_EvalFrameDefault', 'Python/ceval.c', 2, PY], ['g_switch', 'src/greenlet/greenlet.cpp', 3, GREENLET]]);
        b.symbols(10n, [['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27], [other, 'Modules/posixmodule.c', 1, PY], ['_PyEval_EvalFrameDefault', 'Python/ceval.c', 2, PY], ['g_switch', 'src/greenlet/greenlet.cpp', 3, GREENLET], ['ev_run', 'ev.c', 4, '/usr/lib/x86_64-linux-gnu/libev.so.4'], ['_start', 'start.S', 5, PY]]);
        return analyze(journalTurns(b));
      };
      const one = trace('os_fsync').of('loop-blocked');
      assert.equal(one.length, 1, JSON.stringify(one.map((f) => f.title)));
      assert.match(one[0].title, /fsync\(\) blocked the event loop of server 100\/100 30 times/);
      assert.equal(one[0].where, null);
      // two functions of the runtime made the call: two sites
      assert.equal(trace('os_fdatasync').of('loop-blocked').length, 2);
      // a JVM's: its interpreter or the method compiled makes the same call (JIT code, by where the stacks end)
      const jvm = (): ReturnType<typeof analyze> => {
        const b = loopTrace();
        const MAP = '/tmp/perf-100.map';
        const JVM = '/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so';
        b.symbols(9n, [['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27], ['Interpreter', '', 0, MAP], ['thread_native_entry', 'os_linux.cpp', 1, JVM]]);
        b.symbols(10n, [['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27], ['sun.nio.ch.FileDispatcherImpl.force0', '', 0, MAP], ['thread_native_entry', 'os_linux.cpp', 1, JVM]]);
        return analyze(journalTurns(b));
      };
      assert.equal(jvm().of('loop-blocked').length, 1);
    });

    it('says when a loop forked per client serves one connection (a PostgreSQL backend): the flush holds up that client only, a medium finding', () => {
      const trace = (sockets: bigint[], forked: boolean): ReturnType<typeof analyze> => {
        const b = loopTrace();
        // the server that forked it, running the same executable (a process per client)
        if (forked) {
          b.task({ event: 6, pid: 99, tid: 99, comm: 'server', filename: '/work/app/server', ts: b.at(0) });
          b.task({ event: 6, ppid: 99, comm: 'server', filename: '/work/app/server', ts: b.at(0) });
        }
        b.fd({ op: 4, fd: 9, type: 6, path: 'socket:[13]' });
        // the sockets registered (EPOLL_CTL_ADD, data = the fd): what tells a wait's ready data apart
        for (const fd of [7n, 9n]) b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0), dur: 2 * US, ret: 0, args: [3n, 1n, fd, 0n, 0n, 0n], dataFormat: 3, data: [1n, fd] });
        let t = 1 * MS;
        for (let i = 0; i < 30; i++) {
          b.epollWait({ ts: t, dur: 1 * MS, ret: 1, stackId: 1n, ready: [[sockets[i % sockets.length], 1]] });
          t += 1 * MS + 10 * US;
          b.call('fsync', { ts: t, dur: 8 * MS, ret: 0, fd: 6, stackId: 3n });
          t += 8 * MS + 10 * US;
        }
        return analyze(b);
      };
      const [one] = trace([7n], true).of('loop-blocked');
      assert.ok(one);
      assert.equal(one.severity, 'medium');
      assert.match(one.detail, /only ever reported one connection ready \(fd 7\), in a process its server forked.*holds up that client's replies, not other clients'/);
      assert.match(one.suggestion, /group commit/);
      for (const [sockets, forked, why] of [[[7n, 9n], true, 'a loop serving two connections delays the other one'], [[7n], false, 'a server of its own with one client connected is still its loop']] as const) {
        const [f] = trace([...sockets], forked).of('loop-blocked');
        assert.ok(f);
        assert.equal(f.severity, 'high', why);
        assert.match(f.detail, /Nothing else the loop serves ran meanwhile/);
        assert.match(f.suggestion, /off the loop thread/);
      }
    });

    it('says when a pre-forked worker waits only for connections and serves each to the end (gunicorn sync): its client\'s recv is a low finding, its flush a medium one', () => {
      // a worker (forked: the same executable as its parent) polls listening socket fd 7, accepts
      // connection fd 9, waits for the request's bytes in a blocking recvfrom, replies, maybe flushes
      const trace = (forked: boolean, accepts: boolean | 'counted', flush: boolean, turns = 30): ReturnType<typeof analyze> => {
        const b = loopTrace();
        if (forked) {
          b.task({ event: 6, pid: 99, tid: 99, comm: 'server', filename: '/work/app/server', ts: b.at(0) });
          b.task({ event: 6, ppid: 99, comm: 'server', filename: '/work/app/server', ts: b.at(0) });
        }
        b.fd({ op: 4, fd: 9, type: 6, path: 'socket:[13]' });
        b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0), dur: 2 * US, ret: 0, args: [3n, 1n, 7n, 0n, 0n, 0n], dataFormat: 3, data: [1n, 7n] });
        b.symbols(4n, [['recvfrom', 'sysdeps/unix/sysv/linux/recvfrom.c', 27], ['read_request', SRC, 97]]);
        let t = 1 * MS;
        for (let i = 0; i < turns; i++) {
          b.epollWait({ ts: t, dur: 1 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
          t += 1 * MS + 10 * US;
          if (accepts === true) {
            b.call('accept4', { ts: t, dur: 5 * US, ret: 9, fd: 7, stackId: 5n });
            t += 10 * US;
          }
          b.call('recvfrom', { ts: t, dur: 3 * MS, ret: 200, fd: 9, stackId: 4n });
          t += 3 * MS + 10 * US;
          if (flush) {
            b.call('fsync', { ts: t, dur: 8 * MS, ret: 0, fd: 6, stackId: 3n });
            t += 8 * MS + 10 * US;
          }
        }
        // under the threshold, the tracer only counts the accepts: no fd, but the thread accepts
        if (accepts === 'counted') b.summary({ ts: t, call: 'accept4', fdType: 6, inLoop: true, stackId: 5n, count: 30, totalNs: 150 * US });
        return analyze(b);
      };
      // a ptrace recording sends few of a busy worker's waits: the accepts say what the socket is
      assert.deepEqual(trace(true, true, false, 4).of('loop-blocked').map((f) => f.severity), ['low']);
      const counted = trace(true, 'counted', false).of('loop-blocked');
      assert.deepEqual(counted.map((f) => f.severity), ['low'], 'the accepts only counted tell the listening socket too');
      assert.match(counted[0].detail, /listening socket ready \(fd 7\)/);
      const worker = trace(true, true, true);
      const recv = worker.of('loop-blocked').find((f) => f.title.startsWith('recvfrom'));
      assert.ok(recv, 'the worker blocked waiting for its client: said, as a low finding');
      assert.equal(recv.severity, 'low');
      assert.equal(recv.where?.line, 97);
      assert.match(recv.detail, /only ever reported its listening socket ready \(fd 7\), in a process its server forked: a pre-forked worker/);
      assert.doesNotMatch(recv.detail, /one connection ready/, 'the listening socket is no connection');
      assert.match(recv.suggestion, /buffering proxy/);
      const flush = worker.of('loop-blocked').find((f) => f.title.startsWith('fsync'));
      assert.ok(flush);
      assert.equal(flush.severity, 'medium', 'the flush holds up the client it serves, not the other workers\' clients');
      assert.match(flush.suggestion, /group commit/);
      // a server of its own (not forked) serving clients one at a time: a slow client stalls every other
      const alone = trace(false, true, false).of('loop-blocked');
      assert.deepEqual(alone.map((f) => f.severity), ['high']);
      assert.match(alone[0].detail, /Nothing else the loop serves ran meanwhile/);
      // a forked process whose one ready socket it never accepts from serves that one connection (a PostgreSQL backend)
      const backend = trace(true, false, false).of('loop-blocked');
      assert.deepEqual(backend.map((f) => f.severity), ['medium']);
      assert.match(backend[0].detail, /only ever reported one connection ready \(fd 7\)/);
    });

    it('takes a blocking accept between the connections of a worker that polls only the one it serves (PHP-FPM) for its wait for work, not a stall', () => {
      // each turn: the connection fd 9 reported ready, its request read, then a blocking accept on
      // listening socket fd 7 waits 40 ms for the next connection (which gets fd 9 again)
      const trace = (served: bigint[], reads = false): ReturnType<typeof analyze> => {
        const b = loopTrace();
        b.task({ event: 6, pid: 99, tid: 99, comm: 'server', filename: '/work/app/server', ts: b.at(0) });
        b.task({ event: 6, ppid: 99, comm: 'server', filename: '/work/app/server', ts: b.at(0) });
        b.fd({ op: 4, fd: 9, type: 6, path: 'socket:[13]' });
        b.fd({ op: 4, fd: 10, type: 6, path: 'socket:[14]' });
        for (const fd of [9n, 10n]) b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0), dur: 2 * US, ret: 0, args: [3n, 1n, fd, 0n, 0n, 0n], dataFormat: 3, data: [1n, fd] });
        let t = 1 * MS;
        for (let i = 0; i < 30; i++) {
          b.epollWait({ ts: t, dur: 200 * US, ret: 1, stackId: 1n, ready: [[served[i % served.length], 1]] });
          t += 210 * US;
          if (reads) {
            // the request's first bytes were ready; the rest comes as the peer sends it
            b.call('recvfrom', { ts: t, dur: 5 * US, ret: 100, fd: 9, stackId: 4n });
            b.call('recvfrom', { ts: t + 10 * US, dur: 3 * MS, ret: 100, fd: 9, stackId: 4n });
            t += 3 * MS + 20 * US;
          }
          b.call('accept', { ts: t, dur: 40 * MS, ret: 9, fd: 7, stackId: 5n });
          t += 40 * MS + 10 * US;
        }
        return analyze(b);
      };
      assert.deepEqual(trace([9n]).of('loop-blocked'), [], 'the worker serves no connection while it waits for the next');
      // waiting for its client's bytes is how such a worker serves: low, said so
      const [recv] = trace([9n], true).of('loop-blocked');
      assert.ok(recv);
      assert.equal(recv.severity, 'low');
      assert.match(recv.detail, /the connection it serves ready \(fd 9\), in a process its server forked that accepts its connections itself, one at a time/);
      assert.match(recv.suggestion, /serves no one else meanwhile/);
      // a loop serving two connections does hold them up while it blocks in accept
      const [f] = trace([9n, 10n]).of('loop-blocked');
      assert.ok(f);
      assert.match(f.title, /^accept\(\) blocked the event loop/);
    });

    it('takes a forked helper process whose loop serves only messages (PostgreSQL\'s walwriter) for a worker, not a loop its flush blocks', () => {
      const trace = (sources: [number, number][], forked: boolean, removed: number[] = []): ReturnType<typeof analyze> => {
        const b = loopTrace();
        if (forked) {
          b.task({ event: 6, pid: 99, tid: 99, comm: 'server', filename: '/work/app/server', ts: b.at(0) });
          b.task({ event: 6, ppid: 99, comm: 'walwriter', filename: '/work/app/server', ts: b.at(0) });
        }
        b.fd({ op: 4, fd: 11, type: wire.FdType.signalfd, path: 'anon_inode:[signalfd]' });
        for (const [fd] of sources) b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0), dur: 2 * US, ret: 0, args: [3n, 1n, BigInt(fd), 0n, 0n, 0n], dataFormat: 3, data: [1n, BigInt(fd)] });
        for (const fd of removed) b.syscall({ sys: sysId('epoll_ctl'), ts: b.at(0), dur: 2 * US, ret: 0, args: [3n, 1n, BigInt(fd), 0n, 0n, 0n], dataFormat: 3, data: [1n, BigInt(fd)] });
        let t = 1 * MS;
        for (let i = 0; i < 30; i++) {
          b.epollWait({ ts: t, dur: 1 * MS, ret: 1, stackId: 1n, ready: [[BigInt(sources[i % sources.length][0]), 1]] });
          t += 1 * MS + 10 * US;
          b.call('fdatasync', { ts: t, dur: 8 * MS, ret: 0, fd: 6, stackId: 3n });
          t += 8 * MS + 10 * US;
        }
        // the client gone, its socket leaves the set before the end (Samba's per-client smbd)
        for (const fd of removed) b.syscall({ sys: sysId('epoll_ctl'), ts: t, dur: 2 * US, ret: 0, args: [3n, 2n, BigInt(fd), 0n, 0n, 0n], dataFormat: 3, data: [0n, BigInt(fd)] });
        return analyze(b);
      };
      // its latch (a signalfd) and its parent's pipe
      const helper = trace([[11, 0], [5, 0]], true);
      assert.deepEqual(helper.of('loop-blocked'), []);
      assert.equal(helper.model(PID), 'pool-worker');
      assert.match(helper.result.threads.find((x) => x.tid === PID)?.evidence ?? '', /^a helper process its server server 99\/99 forked, with an event loop that serves only its messages \(30 epoll_wait calls on 1 signalfd, 1 pipe,/);
      assert.match(helper.result.processes.find((p) => p.pid === PID)?.verdict ?? '', /^a helper process of server 99, handed its work by messages: fsyncs on its one thread$/);
      // a socket in its set (a client), or no server that forked it: a loop its flush blocks
      assert.equal(trace([[11, 0], [7, 0]], true).of('loop-blocked').length, 1);
      assert.equal(trace([[11, 0], [5, 0]], false).of('loop-blocked').length, 1);
      // a client's socket it served, removed from the set when the client left: a loop all the same
      const client = trace([[11, 0], [5, 0]], true, [7]);
      assert.equal(client.model(PID), 'multiplexing');
      assert.equal(client.of('loop-blocked').length, 1);
    });

    it('stays quiet for short reads of virtual files (/proc/self/stat, as redis reads it each cron), not for files', () => {
      const trace = (fdType: number): ReturnType<typeof analyze> => {
        const b = loopTrace();
        for (let i = 0; i < 4; i++) b.epollWait({ ts: i * 100 * MS, dur: 50 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        b.summary({ ts: 350 * MS, call: 'read', fdType, stackId: 2n, count: 7338, totalNs: 153 * MS, maxNs: 0.2 * MS, inLoop: true });
        return analyze(b);
      };
      assert.deepEqual(trace(wire.FdType.virtual).of('loop-blocked'), [], 'the kernel computes them: no storage to wait for');
      assert.equal(trace(wire.FdType.file).of('loop-blocked').length, 1);
    });

    it('rates file calls as fast as page-cache copies low, however many (redis appending to its AOF each turn), and slow ones by their time', () => {
      const trace = (totalNs: number): ReturnType<typeof analyze> => {
        const b = loopTrace();
        for (let i = 0; i < 4; i++) b.epollWait({ ts: i * 100 * MS, dur: 50 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        b.summary({ ts: 350 * MS, call: 'write', fdType: wire.FdType.file, stackId: 2n, count: 1729, totalNs, maxNs: 0.9 * MS, inLoop: true });
        return analyze(b);
      };
      const [fast] = trace(25 * MS).of('loop-blocked');
      assert.equal(fast?.severity, 'low');
      assert.match(fast.detail, /On average a call took 14\.\d µs: copies to or from the page cache/);
      const [slow] = trace(300 * MS).of('loop-blocked');
      assert.equal(slow?.severity, 'high');
      assert.doesNotMatch(slow.detail, /page cache/);
    });

    it('rates file writes that ptrace timed at most 2 ms on average as copies (its stops lengthen every call), not as waits for the storage', () => {
      // a Node.js timer's fs.writeSync: 19 µs under eBPF, 0.9 ms on average traced by ptrace on a loaded machine
      const trace = (backend: string, meanNs: number, flags = 0): ReturnType<typeof analyze> => {
        const b = loopTrace();
        b.add(wire.encodeMeta({ json: JSON.stringify({ tracer: 'test', backend, pid: PID }) }));
        if (flags) b.fd({ op: 4, fd: 6, type: 1, path: '/var/db/journal', openFlags: flags });
        for (let i = 0; i < 4; i++) b.epollWait({ ts: i * 100 * MS, dur: 50 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        for (let i = 0; i < 30; i++) b.call('write', { ts: 360 * MS + i * 3 * MS, dur: meanNs, ret: 10, fd: 6, stackId: 2n });
        return analyze(b);
      };
      const [copies] = trace('ptrace', 0.9 * MS).of('loop-blocked');
      assert.equal(copies?.severity, 'low');
      assert.match(copies.detail, /On average a call took 900(\.0)? µs \(with the ptrace tracer's stop at its end, which lengthens every call: eBPF times them as they are\): copies to or from the page cache/);
      const [waits] = trace('ebpf', 0.9 * MS).of('loop-blocked');
      assert.equal(waits?.severity, 'medium', 'eBPF timed them as they were: waits, rated by their share (27 ms of 450)');
      assert.doesNotMatch(waits.detail, /page cache/);
      // opened O_DSYNC (osync_loop's log, 1.64 ms a write under ptrace): each write waits for the storage
      const [dsync] = trace('ptrace', 0.9 * MS, 0o10000 | 0o2000 | 1).of('loop-blocked');
      assert.equal(dsync?.severity, 'medium');
      assert.doesNotMatch(dsync.detail, /page cache/);
      const [long] = trace('ptrace', 5 * MS).of('loop-blocked');
      assert.equal(long?.severity, 'high', 'longer than any stop: waits');
      assert.doesNotMatch(long.detail, /page cache/);
    });

    it('takes a read of a file the kernel computes (sysfs, procfs) stretched by ptrace for no wait, but keeps it with eBPF', () => {
      // fio's status thread reads /sys/block/vda/stat in its pselect loop: 4 and 13.7 ms under ptrace at load 18
      const trace = (backend: string): ReturnType<typeof analyze> => {
        const b = loopTrace();
        b.add(wire.encodeMeta({ json: JSON.stringify({ tracer: 'test', backend, pid: PID }) }));
        b.fd({ op: 4, fd: 9, type: wire.FdType.virtual, path: '/sys/devices/virtio1/block/vda/stat' });
        for (let i = 0; i < 10; i++) {
          b.epollWait({ ts: i * 40 * MS, dur: 20 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
          b.call('read', { ts: i * 40 * MS + 21 * MS, dur: 13 * MS, ret: 153, fd: 9, stackId: 2n });
        }
        return analyze(b);
      };
      assert.deepEqual(trace('ptrace').of('loop-blocked'), []);
      assert.equal(trace('ebpf').of('loop-blocked').length, 1);
    });

    it('takes sync_file_range for a flush to storage, not for page-cache copies, however short ptrace timed it', () => {
      // an epoll loop's sync_file_range(WAIT_BEFORE|WRITE|WAIT_AFTER) per tick: 0.32 ms on average under ptrace, 10 % of the loop's time
      const b = loopTrace();
      b.add(wire.encodeMeta({ json: JSON.stringify({ tracer: 'test', backend: 'ptrace', pid: PID }) }));
      b.symbols(17n, [['sync_file_range', 'sysdeps/unix/sysv/linux/sync_file_range.c', 26], ['commit_record', SRC, 13]]);
      for (let i = 0; i < 40; i++) {
        b.epollWait({ ts: i * 3 * MS, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[8n, 1]] });
        b.call('sync_file_range', { ts: i * 3 * MS + 2.1 * MS, dur: 0.32 * MS, ret: 0, fd: 6, stackId: 17n, args: [6n, 0n, 8192n, 7n, 0n, 0n] });
      }
      const [f] = analyze(b).of('loop-blocked');
      assert.equal(f?.where?.line, 13);
      assert.equal(f.severity, 'high');
      assert.doesNotMatch(f.detail, /page cache/);
      assert.match(f.detail, /called sync_file_range on fd 6 <\/var\/db\/journal>, which waits until the data is on storage/);
      assert.match(f.suggestion, /^move the sync_file_range off the loop thread \(a worker thread, or io_uring's IORING_OP_SYNC_FILE_RANGE\)/);
    });

    it('stays quiet for one file write that blocked once, briefly, in the whole recording (a page under writeback), not for two or a long one', () => {
      const trace = (durs: number[]): ReturnType<typeof analyze> => {
        const b = loopTrace();
        for (let i = 0; i < 40; i++) {
          b.epollWait({ ts: i * 20 * MS, dur: 5 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
          const dur = i % 10 === 5 ? durs[(i - 5) / 10] : undefined;
          if (dur !== undefined) b.call('write', { ts: i * 20 * MS + 5 * MS, dur, ret: 10, fd: 6, stackId: 2n });
        }
        return analyze(b);
      };
      assert.deepEqual(trace([1.41 * MS]).of('loop-blocked'), [], 'one write of 1.41 ms');
      assert.equal(trace([1.41 * MS, 1.41 * MS]).of('loop-blocked').length, 1, 'two');
      assert.equal(trace([15 * MS]).of('loop-blocked').length, 1, 'one of 15 ms');
    });

    /** A loop of `turns` 100 ms turns (50 ms waits) whose `call`s of a file were all counted by the tracer, none sent. */
    function countedFileCalls(turns: number, call: string, count: number, totalNs: number, maxNs: number): ReturnType<typeof analyze> {
      const b = loopTrace();
      for (let i = 0; i < turns; i++) b.epollWait({ ts: i * 100 * MS, dur: 50 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
      b.summary({ ts: (turns * 100 - 50) * MS, call, fdType: wire.FdType.file, stackId: 2n, count, totalNs, maxNs, inLoop: true });
      return analyze(b);
    }

    it('stays quiet for page-cache copies, none traced, under 1 % of the loop\'s time (a libuv timer\'s log write before its fsync)', () => {
      const trace = (count: number, totalNs: number): ReturnType<typeof analyze> => countedFileCalls(4, 'write', count, totalNs, 0.05 * MS);
      assert.deepEqual(trace(200, 3 * MS).of('loop-blocked'), [], '3 ms of 350 ms');
      assert.equal(trace(400, 6 * MS).of('loop-blocked')[0]?.severity, 'low', '6 ms of 350 ms');
    });

    it("stays quiet for a few slower file reads, none traced, under 1 % of the loop's time (an asyncio loop's lazy import at its first to_thread), not for more", () => {
      const trace = (count: number, totalNs: number): ReturnType<typeof analyze> => countedFileCalls(10, 'read', count, totalNs, 0.3 * MS);
      assert.deepEqual(trace(5, 1.36 * MS).of('loop-blocked'), [], '5 reads, 1.36 ms of 950 ms');
      assert.equal(trace(60, 16 * MS).of('loop-blocked').length, 1, '60 reads, 16 ms of 950 ms');
    });

    it('stays quiet for non-blocking reads in the loop and for blocking reads of another thread', () => {
      const b = loopTrace();
      b.task({ event: 6, tid: 101, comm: 'reader', ts: b.at(0) });
      let t = 1 * MS;
      for (let i = 0; i < 50; i++) {
        b.epollWait({ ts: t, dur: 1 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        t += 1 * MS;
        b.call('recvfrom', { ts: t, dur: 2 * MS, ret: 100, fd: 7, nonblocking: true });
        b.call('recvfrom', { ts: t + 2 * MS, dur: 3 * US, ret: EAGAIN, fd: 7 });
        b.call('read', { tid: 101, ts: t, dur: 20 * MS, ret: 1, fd: 5, stackId: 2n });
        t += 3 * MS;
      }
      const a = analyze(b);
      assert.deepEqual(a.of('loop-blocked'), []);
      assert.equal(a.model(PID), 'multiplexing', 'non-blocking socket calls are not blocking evidence');
      assert.equal(a.model(101), 'blocking');
    });
  });

  describe('loop-blocked by a wait for an io_uring ring inside an epoll loop\'s turn', () => {
    /** An epoll loop on a timerfd whose handler submits a read and waits for it (`minComplete` 1: io_uring_wait_cqe; 0: submitted only, reaped when the ring's eventfd fires). */
    function ringInLoop(minComplete: bigint): ReturnType<typeof analyze> {
      const b = loopTrace();
      b.fd({ op: 4, fd: 10, type: 10, path: 'anon_inode:[io_uring]' });
      b.symbols(18n, [['io_uring_wait_cqe', '', 0], ['load_block', SRC, 21]]);
      for (let i = 0; i < 40; i++) {
        const t = i * 3 * MS;
        b.epollWait({ ts: t, dur: 2.5 * MS, ret: 1, stackId: 1n, ready: [[8n, 1]] });
        b.syscall({ sys: sysId('io_uring_enter'), ts: b.at(t + 2.51 * MS), dur: 10 * US, ret: 1, args: [10n, 1n, 0n, 0n, 0n, 0n], stackId: 18n });
        if (minComplete) b.syscall({ sys: sysId('io_uring_enter'), ts: b.at(t + 2.53 * MS), dur: 300 * US, ret: 0, args: [10n, 0n, minComplete, 1n, 0n, 0n], stackId: 18n });
      }
      return analyze(b);
    }

    it('finds the handler\'s io_uring_wait_cqe at its line, with the ring\'s fix; the thread is still the loop', () => {
      const a = ringInLoop(1n);
      const [f] = a.of('loop-blocked');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.equal(f.where?.line, 21);
      assert.match(f.title, /^io_uring_enter\(\) blocked the event loop/);
      assert.match(f.detail, /which waited for the io_uring ring's completions \(io_uring_wait_cqe, io_uring_submit_and_wait\): 40 calls blocked 12\.0 ms/);
      assert.match(f.suggestion, /io_uring_register_eventfd/);
      assert.equal(a.model(PID), 'multiplexing');
    });

    it('stays quiet for a handler that only submits (its completions reaped when the ring\'s eventfd fires)', () => {
      assert.deepEqual(ringInLoop(0n).of('loop-blocked'), []);
    });
  });

  describe('loop-blocked by a wait of its own (getaddrinfo\'s poll inside an epoll loop)', () => {
    /** An epoll loop; every 5th turn makes a poll of a socket of `pollMs` (timeout `timeoutMs`); `pollLoop`: the loop itself waits in poll. */
    function nestedTrace(pollMs: number, timeoutMs = 5000, pollLoop = false): StreamBuilder {
      const b = loopTrace();
      b.symbols(5n, [['__poll', 'sysdeps/unix/sysv/linux/poll.c', 29], ['send_dg', 'resolv/res_send.c', 1106], ['getaddrinfo', 'sysdeps/posix/getaddrinfo.c', 2288], ['resolve_peer', SRC, 212]]);
      let t = 1 * MS;
      for (let i = 0; i < 40; i++) {
        if (pollLoop) b.poll({ ts: t, dur: 2 * MS, stackId: 1n, fds: [[7, 1, 1]] });
        else b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        t += 2 * MS + 10 * US;
        if (i % 5 === 4) {
          b.poll({ ts: t, dur: pollMs * MS, timeoutMs, stackId: 5n, fds: [[9, 1, 1]] });
          t += pollMs * MS + 10 * US;
        }
      }
      b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
      return b;
    }

    it('names the poll that blocked the loop, at the line that called the library', () => {
      const a = analyze(nestedTrace(30));
      const [f] = a.of('loop-blocked');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.title)));
      assert.match(f.title, /^poll\(\) blocked the event loop of server 100\/100 7 times, 210\.0 ms in total/);
      assert.match(f.detail, /a wait of its own inside the turn, as a blocking library call makes \(a DNS lookup with getaddrinfo/);
      assert.match(f.suggestion, /getaddrinfo_a or c-ares/);
      assert.equal(f.where?.line, 212);
      assert.equal(a.model(PID), 'multiplexing');
      // 41 waits, and the first poll (after 5 epoll waits, before the 8 that tell the loop's wait) ends a turn too
      assert.equal(a.result.loops[0]?.turns, 41, 'the other polls end no turn of the loop');
    });

    it('takes a select of no fds inside a turn for the sleep it is (PostgreSQL\'s pg_usleep)', () => {
      const b = loopTrace();
      let t = 1 * MS;
      for (let i = 0; i < 40; i++) {
        b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        t += 2 * MS + 10 * US;
        if (i % 5 === 4) {
          b.syscall({
            sys: sysId('pselect6'), ts: b.at(t), dur: 10 * MS, ret: 0, stackId: 2n, args: [0n, 0n, 0n, 0n, 0x7ffe2000n, 0n],
            dataFormat: wire.DataFormat.select_fds, data: [10_000_000n, 0n, 0n, 0n, 0n, 0n, 0n],
          });
          t += 10 * MS + 10 * US;
        }
      }
      b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
      const [f] = analyze(b).of('loop-blocked');
      assert.ok(f);
      // every one, the first too (after 5 epoll waits, before the 8 that tell a blocking call's own wait): a select of nothing ends no turn
      assert.match(f.title, /^pselect6\(\) blocked the event loop .* 8 times, 80\.0 ms in total/);
      assert.match(f.detail, /called pselect6, which sleeps/);
      assert.match(f.suggestion, /^replace the sleep with a timer/);
    });

    it('takes a thread that naps in poll(NULL, 0, ms) between its work for no loop: its fsyncs block nothing', () => {
      const b = loopTrace();
      let t = 1 * MS;
      for (let i = 0; i < 40; i++) {
        b.poll({ tid: 300, ts: t, dur: 1 * MS, timeoutMs: 1, stackId: 3n, fds: [] });
        t += 1 * MS + 10 * US;
        b.call('fsync', { tid: 300, ts: t, dur: 5 * MS, ret: 0, fd: 6, stackId: 4n });
        t += 5 * MS + 10 * US;
      }
      const a = analyze(b);
      assert.deepEqual(a.of('loop-blocked'), []);
      assert.equal(a.model(300), 'blocking');
      assert.match(a.result.threads.find((x) => x.tid === 300)?.evidence ?? '', /blocks in fsync 40 times/);
    });

    it('stays quiet on a poll that did not wait (timeout 0, or returned at once), and on a loop that waits in poll', () => {
      assert.deepEqual(analyze(nestedTrace(30, 0)).of('loop-blocked'), []);
      assert.deepEqual(analyze(nestedTrace(0.01)).of('loop-blocked'), []);
      assert.deepEqual(analyze(nestedTrace(30, 5000, true)).of('loop-blocked'), []);
    });
  });

  describe('busy-poll', () => {
    it('finds zero-timeout waits that return nothing, back to back', () => {
      const b = loopTrace();
      for (let i = 0; i < 1000; i++) b.epollWait({ ts: i * 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 1n });
      const [f] = analyze(b).of('busy-poll');
      assert.ok(f);
      assert.equal(f.eventCount, 1000);
      assert.equal(f.where?.line, 142);
      assert.equal(f.impactNs, 999 * 2 * US + 1 * US);
    });

    it('counts the calls of coalesced runs of empty polls, not their records', () => {
      const b = loopTrace();
      // 1000 calls as the tracer coalesces them: 4 records of 250 calls, 500 µs each
      for (let i = 0; i < 4; i++) b.pollRun({ ts: i * 500 * US, dur: 500 * US, calls: 250, busyNs: 250 * US, stackId: 1n });
      const [f] = analyze(b).of('busy-poll');
      assert.ok(f);
      assert.equal(f.eventCount, 1000);
      assert.match(f.title, /1,000 times/);
      assert.equal(f.impactNs, 2000 * US);
      // runs of one record each (a message between them): each record among the events once
      const one = loopTrace();
      for (let i = 0; i < 4; i++) {
        one.pollRun({ ts: i * 600 * US, dur: 500 * US, calls: 250, busyNs: 250 * US, stackId: 1n });
        one.epollWait({ ts: i * 600 * US + 510 * US, dur: 1 * US, ret: 1, timeoutMs: 0, stackId: 1n, ready: [[7n, 1]] });
      }
      const [g] = analyze(one).of('busy-poll');
      assert.equal(g?.eventCount, 1000);
      assert.deepEqual([...new Set(g.events)].length, 4, `each record once: ${g.events.join(', ')}`);
      assert.equal(g.events.length, 4);
    });

    it('finds slow polls spinning between messages: runs of 40 calls of 120 µs, not 100', () => {
      const b = loopTrace();
      let t = 0;
      for (let m = 0; m < 30; m++) {
        for (let i = 0; i < 40; i++) b.epollWait({ ts: t + i * 125 * US, dur: 120 * US, ret: 0, timeoutMs: 0, stackId: 1n });
        t += 40 * 125 * US;
        b.epollWait({ ts: t, dur: 120 * US, ret: 1, timeoutMs: 0, stackId: 1n, ready: [[7n, 1]] });
        t += 200 * US;
      }
      const [f] = analyze(b).of('busy-poll');
      assert.ok(f, 'a finding');
      assert.equal(f.eventCount, 30 * 40);
      assert.match(f.detail, /^30 runs of back-to-back waits with timeout 0 that found nothing ready \(100 at least, or 10 lasting 1\.00 ms\)/);
      // the same 40 fast calls (2 µs apart) between messages are a loop draining, not a spin
      const fast = loopTrace();
      t = 0;
      for (let m = 0; m < 30; m++) {
        for (let i = 0; i < 40; i++) fast.epollWait({ ts: t + i * 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 1n });
        fast.epollWait({ ts: t + 100 * US, dur: 5 * MS, ret: 1, timeoutMs: -1, stackId: 1n, ready: [[7n, 1]] });
        t += 6 * MS;
      }
      assert.deepEqual(analyze(fast).of('busy-poll'), []);
      // a job done in chunks of 200 µs with a 5 µs poll between (setImmediate's yield): busy, not spinning
      const chunks = loopTrace();
      t = 0;
      for (let m = 0; m < 30; m++) {
        for (let i = 0; i < 40; i++) chunks.epollWait({ ts: t + i * 205 * US, dur: 5 * US, ret: 0, timeoutMs: 0, stackId: 1n });
        chunks.epollWait({ ts: t + 40 * 205 * US, dur: 5 * MS, ret: 1, timeoutMs: -1, stackId: 1n, ready: [[7n, 1]] });
        t += 40 * 205 * US + 6 * MS;
      }
      assert.deepEqual(analyze(chunks).of('busy-poll'), []);
    });

    it("says a runtime's fix in its terms (setImmediate, asyncio.sleep(0)) and counts a run's calls as the loop's waits", () => {
      const spin = (exe: string): ReturnType<typeof analyze> => {
        const b = new StreamBuilder();
        b.task({ event: 6, comm: 'app', filename: exe, flags: 2, ts: b.at(0) });
        b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
        // libuv's loop with an immediate always queued: coalesced runs of empty polls, 600 µs of its
        // calls in 10 ms runs (the JavaScript ran between them)
        for (let i = 0; i < 20; i++) b.pollRun({ ts: i * 11 * MS, dur: 10 * MS, calls: 500, busyNs: 600 * US, stackId: 1n });
        b.epollWait({ ts: 220 * MS, dur: 1 * MS, ret: 0 });
        return analyze(b);
      };
      const fix = (exe: string): string => spin(exe).of('busy-poll')[0]?.suggestion ?? '';
      assert.match(fix('/usr/bin/node'), /^libuv polls with timeout 0 while an immediate is queued: a setImmediate/);
      assert.match(fix('/usr/bin/python3.12'), /^asyncio polls with timeout 0 while a callback is ready/);
      assert.match(fix('/work/app/server'), /^block in the wait with a timeout/);
      // the thread's model counts the runs' calls and only the time inside them as waiting
      const evidence = spin('/usr/bin/node').result.threads[0].evidence;
      assert.match(evidence, /^event loop: 10,001 epoll_wait calls, waiting 6 % of its traced time/, evidence);
    });

    it("names no line when the waits reach the program only through asyncio's loop runner: asyncio.run's line is not the one to change", () => {
      const b = new StreamBuilder();
      b.task({ event: 6, comm: 'python3', filename: '/usr/bin/python3.12', flags: 2, ts: b.at(0) });
      b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
      const map = '/tmp/perf-100.map';
      b.symbols(16n, [
        ['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['EpollSelector.select', '/usr/lib/python3.12/selectors.py', 0, map],
        ['BaseEventLoop._run_once', '/usr/lib/python3.12/asyncio/base_events.py', 0, map], ['BaseEventLoop.run_forever', '/usr/lib/python3.12/asyncio/base_events.py', 0, map],
        ['<module>', '/work/app/main.py', 0, map],
      ]);
      for (let i = 0; i < 1000; i++) b.epollWait({ ts: i * 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 16n });
      const [f] = analyze(b).of('busy-poll');
      assert.ok(f);
      assert.equal(f.where, null);
      assert.match(f.detail, /only through BaseEventLoop\._run_once in perf-100\.map, called at main\.py \(<module>\): that line starts the loop, it is not the one to change/);
      // libevent run without blocking in the program's own loop: that line may be the spin, it stays
      const c = loopTrace();
      c.symbols(17n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['event_base_loop', '', 0, '/usr/lib/x86_64-linux-gnu/libevent-2.1.so.7.0.1'], ['main', SRC, 85]]);
      for (let i = 0; i < 1000; i++) c.epollWait({ ts: i * 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 17n });
      const [g] = analyze(c).of('busy-poll');
      assert.equal(g?.where?.line, 85);
      assert.match(g.detail, /if that call runs the loop without blocking \(EVLOOP_NONBLOCK, UV_RUN_NOWAIT/);
    });

    it('leaves a loop alone that polls with 0 a few times before it sleeps', () => {
      const b = loopTrace();
      let t = 0;
      for (let i = 0; i < 200; i++) {
        b.epollWait({ ts: t, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 1n });
        b.epollWait({ ts: t + 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 1n });
        b.epollWait({ ts: t + 4 * US, dur: 5 * MS, ret: 1, timeoutMs: -1, stackId: 1n, ready: [[7n, 1]] });
        t += 6 * MS;
      }
      assert.deepEqual(analyze(b).of('busy-poll'), []);
    });

    it('gives two sites spinning in turn in one thread a finding each, at its own line', () => {
      const b = loopTrace();
      b.symbols(11n, [['poll', 'io/poll.c', 29], ['check_input', SRC, 210], ['run_loop', SRC, 150]]);
      // the same line from another caller: the same site
      b.symbols(12n, [['poll', 'io/poll.c', 29], ['check_input', SRC, 210], ['idle', SRC, 170]]);
      b.symbols(13n, [['poll', 'io/poll.c', 29], ['check_output', SRC, 230]]);
      for (let i = 0; i < 1000; i++) {
        b.call('poll', { ts: i * 4 * US, dur: 1 * US, ret: 0, args: [0n, 1n, 0n], stackId: i % 4 === 0 ? 12n : 11n });
        b.call('poll', { ts: i * 4 * US + 2 * US, dur: 1 * US, ret: 0, args: [0n, 1n, 0n], stackId: 13n });
      }
      const found = analyze(b).of('busy-poll');
      assert.deepEqual(found.map((f) => [f.where?.line, f.eventCount]).sort(), [[210, 1000], [230, 1000]]);
      for (const f of found) {
        assert.equal(f.where?.file, SRC);
        assert.doesNotMatch(f.detail, /did not reach/);
      }
      assert.equal(found.reduce((n, f) => n + f.impactNs, 0), 999 * 4 * US + 3 * US, 'the spin\'s time, shared between its sites');
    });

    it('never points at libc: a stack that stops in the wrapper has no line, and the detail says so', () => {
      const b = loopTrace();
      b.symbols(14n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30]]);
      for (let i = 0; i < 1000; i++) b.epollWait({ ts: i * 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 14n });
      const [f] = analyze(b).of('busy-poll');
      assert.ok(f);
      assert.equal(f.where, null);
      assert.match(f.detail, /stack of these calls did not reach the program's own code \(it ends in epoll_wait in libc\.so\.6\)/);
    });

    it("says that a Java program's frames were interpreted, which the JVM's perf map does not name", () => {
      const b = loopTrace();
      const map = '/tmp/perf-100.map';
      b.symbols(15n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['sun.nio.ch.EPoll.wait(int, long, int, int)', '', 0, map], ['Interpreter', '', 0, map], ['JavaMain', '', 0, '/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so']]);
      for (let i = 0; i < 1000; i++) b.epollWait({ ts: i * 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 15n });
      const [f] = analyze(b).of('busy-poll');
      assert.equal(f?.where, null);
      assert.match(f.detail, /did not reach the program's own code \(it ends in the JVM's interpreter: its perf map names only the Java methods it compiled/);
    });
  });

  describe('Linux AIO', () => {
    const ctx = 0x7f0000001000n;
    /** `reap`: how the completions come — io_getevents, taken from the AIO ring in user space (no call), or never seen. */
    function aioTrace(perSubmit: number, batches: number, submitDur: number, reapDur: number, direct: boolean, reap: 'call' | 'ring' | 'unseen' = 'call'): StreamBuilder {
      const b = loopTrace();
      b.fd({ op: 4, fd: 9, type: 1, path: '/data/blob', openFlags: direct ? 0o40000 : 0, dev: (8 << 20) | 1 });
      b.symbols(4n, [['syscall', 'misc/syscall.S', 38], ['io_submit', '', 0], ['submit_read', SRC, 200]]);
      let t = 1 * MS;
      let n = 0;
      for (let i = 0; i < batches; i++) {
        for (let k = 0; k < perSubmit; k++, n++) {
          b.add(wire.encodeAioSubmit({ opcode: 0, index: k, pid: PID, tid: PID, ts: b.at(t), ctx, obj: 0x9000n + BigInt(n), data: BigInt(n), offset: 0, nbytes: 4096, fd: 9, resfd: -1, iocbFlags: 0, rwFlags: 0, stackId: 4n }));
        }
        b.syscall({ sys: sysId('io_submit'), ts: b.at(t), dur: submitDur, ret: perSubmit, args: [ctx, BigInt(perSubmit), 0x7ffe2000n, 0n, 0n, 0n], stackId: 4n });
        t += submitDur + 2 * US;
        for (let k = 0; k < perSubmit && reap !== 'unseen'; k++) {
          const flags = reap === 'ring' ? wire.AioCompleteFlag.ring : 0;
          b.add(wire.encodeAioComplete({ index: k, flags, pid: PID, tid: PID, ts: b.at(t + reapDur), ctx, obj: 0x9000n + BigInt(n - perSubmit + k), data: BigInt(n - perSubmit + k), res: 4096, res2: 0 }));
        }
        if (reap === 'call') b.syscall({ sys: sysId('io_getevents'), ts: b.at(t), dur: reapDur, ret: perSubmit, args: [ctx, BigInt(perSubmit), BigInt(perSubmit), 0x7ffe3000n, 0n, 0n], dataFormat: 4, data: [0xffffffffffffffffn] });
        t += reapDur + 50 * US;
      }
      return b;
    }

    it('aio-serialized: one request in flight at a time', () => {
      const a = analyze(aioTrace(1, 40, 10 * US, 500 * US, true));
      const [f] = a.of('aio-serialized');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.title, /ran 40 requests one at a time/);
      assert.equal(f.where?.line, 200);
      assert.equal(f.severity === 'high', false, 'capped at medium');
      assert.deepEqual(a.of('aio-sync-submit'), [], 'the requests did complete asynchronously');
      assert.equal(a.model(PID), 'aio');
    });

    it('aio-serialized from completions the application read from the AIO ring in user space (QEMU), and says how they came', () => {
      const a = analyze(aioTrace(1, 40, 10 * US, 500 * US, true, 'ring'));
      const [f] = a.of('aio-serialized');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.title, /ran 40 requests one at a time/);
      assert.match(a.result.threads.find((t) => t.tid === PID)?.evidence ?? '', /up to 1 in flight, completions read from the AIO ring in user space$/);
      const deep = analyze(aioTrace(4, 40, 10 * US, 500 * US, true, 'ring'));
      assert.deepEqual(deep.of('aio-serialized'), []);
      assert.match(deep.result.threads.find((t) => t.tid === PID)?.evidence ?? '', /up to 4 in flight/);
    });

    it('claims no depth for a context none of whose completions was seen', () => {
      const a = analyze(aioTrace(1, 40, 10 * US, 500 * US, true, 'unseen'));
      const evidence = a.result.threads.find((t) => t.tid === PID)?.evidence ?? '';
      assert.match(evidence, /^Linux native AIO: 40 requests in 40 io_submits, no completion seen \(not reaped with io_getevents, nor read from the AIO ring/);
      assert.doesNotMatch(evidence, /in flight/);
      assert.deepEqual(a.of('aio-serialized'), []);
    });

    it('aio-serialized stays quiet at depth 4', () => {
      const a = analyze(aioTrace(4, 40, 10 * US, 500 * US, true));
      assert.deepEqual(a.of('aio-serialized'), []);
      assert.match(a.result.threads.find((t) => t.tid === PID)?.evidence ?? '', /up to 4 in flight/);
    });

    it('aio-serialized stays quiet when attached to a queue kept 8 deep (each reap of an older request followed by one submit)', () => {
      const b = loopTrace();
      b.fd({ op: 4, fd: 9, type: 1, path: '/data/blob', openFlags: 0o40000, dev: (8 << 20) | 1 });
      b.symbols(4n, [['syscall', 'misc/syscall.S', 38], ['io_submit', '', 0], ['submit_read', SRC, 200]]);
      let t = 1 * MS;
      // requests 0-7 were submitted before the recording; from then on fio reaps one, submits one
      for (let n = 0; n < 48; n++) {
        b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: PID, ts: b.at(t + 300 * US), ctx, obj: 0x9000n + BigInt(n), data: BigInt(n), res: 4096, res2: 0 }));
        b.syscall({ sys: sysId('io_getevents'), ts: b.at(t), dur: 300 * US, ret: 1, args: [ctx, 1n, 8n, 0x7ffe3000n, 0n, 0n], dataFormat: 4, data: [0xffffffffffffffffn] });
        t += 305 * US;
        const next = n + 8;
        b.add(wire.encodeAioSubmit({ opcode: 0, index: 0, pid: PID, tid: PID, ts: b.at(t), ctx, obj: 0x9000n + BigInt(next), data: BigInt(next), offset: 0, nbytes: 4096, fd: 9, resfd: -1, iocbFlags: 0, rwFlags: 0, stackId: 4n }));
        b.syscall({ sys: sysId('io_submit'), ts: b.at(t), dur: 10 * US, ret: 1, args: [ctx, 1n, 0x7ffe2000n, 0n, 0n, 0n], stackId: 4n });
        t += 15 * US;
      }
      const a = analyze(b);
      assert.deepEqual(a.of('aio-serialized').map((f) => f.title), []);
      assert.match(a.result.threads.find((t) => t.tid === PID)?.evidence ?? '', /up to 8 in flight/);
    });

    it('aio-sync-submit: io_submit did the I/O on a file without O_DIRECT', () => {
      const a = analyze(aioTrace(1, 20, 400 * US, 2 * US, false));
      const [f] = a.of('aio-sync-submit');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.detail, /\/data\/blob was opened without O_DIRECT/);
      assert.equal(f.impactNs, 20 * 400 * US);
      assert.match(f.suggestion, /O_DIRECT/);
      assert.equal(f.where?.line, 200);
      assert.deepEqual(a.of('aio-serialized'), [], 'the synchronous submission is the cause to name');
    });

    it('aio-sync-submit: one finding for one line, whatever the stack above it (unwound without frame pointers)', () => {
      // a build without frame pointers: the unwinder's frames above main differ from call to call, so
      // one line's io_submits come with several stack ids (64 findings for one line before)
      const b = aioTrace(1, 20, 400 * US, 2 * US, false);
      b.symbols(5n, [['syscall', 'misc/syscall.S', 38], ['io_submit', '', 0], ['submit_read', SRC, 200], ['main', SRC, 40]]);
      b.symbols(6n, [['syscall', 'misc/syscall.S', 38], ['io_submit', '', 0], ['submit_read', SRC, 200], ['main', SRC, 41]]);
      let t = 50 * MS;
      for (let i = 0; i < 20; i++) {
        const stackId = i % 2 ? 5n : 6n;
        const obj = 0xa000n + BigInt(i);
        b.add(wire.encodeAioSubmit({ opcode: 0, index: 0, pid: PID, tid: PID, ts: b.at(t), ctx, obj, data: obj, offset: 0, nbytes: 4096, fd: 9, resfd: -1, iocbFlags: 0, rwFlags: 0, stackId }));
        b.syscall({ sys: sysId('io_submit'), ts: b.at(t), dur: 400 * US, ret: 1, args: [ctx, 1n, 0x7ffe2000n, 0n, 0n, 0n], stackId });
        t += 402 * US;
        b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: PID, ts: b.at(t + 2 * US), ctx, obj, data: obj, res: 4096, res2: 0 }));
        b.syscall({ sys: sysId('io_getevents'), ts: b.at(t), dur: 2 * US, ret: 1, args: [ctx, 1n, 1n, 0x7ffe3000n, 0n, 0n], dataFormat: 4, data: [0xffffffffffffffffn] });
        t += 52 * US;
      }
      const found = analyze(b).of('aio-sync-submit');
      assert.equal(found.length, 1, found.map((f) => f.title).join('\n'));
      assert.equal(found[0].impactNs, 40 * 400 * US, 'the line\'s 40 io_submits, whichever stack each came with');
      assert.equal(found[0].where?.line, 200);
    });

    /** A queue kept 16 deep after five lone reads a fast device finished before the next wait. */
    function keptQueue(direct: boolean): StreamBuilder {
      const b = loopTrace();
      b.fd({ op: 4, fd: 9, type: 1, path: '/data/blob', openFlags: direct ? 0o40000 : 0, dev: (8 << 20) | 1 });
      b.symbols(4n, [['syscall', 'misc/syscall.S', 38], ['io_submit', '', 0], ['submit_read', SRC, 200]]);
      let t = 1 * MS;
      let n = 0;
      const submit = (count: number): void => {
        for (let k = 0; k < count; k++, n++) {
          b.add(wire.encodeAioSubmit({ opcode: 0, index: k, pid: PID, tid: PID, ts: b.at(t), ctx, obj: 0x9000n + BigInt(n), data: BigInt(n), offset: 0, nbytes: 4096, fd: 9, resfd: -1, iocbFlags: 0, rwFlags: 0, stackId: 4n }));
        }
        b.syscall({ sys: sysId('io_submit'), ts: b.at(t), dur: 3 * US, ret: count, args: [ctx, BigInt(count), 0x7ffe2000n, 0n, 0n, 0n], stackId: 4n });
        t += 5 * US;
      };
      const reap = (first: number, dur: number): void => {
        b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: PID, ts: b.at(t + dur), ctx, obj: 0x9000n + BigInt(first), data: BigInt(first), res: 4096, res2: 0 }));
        b.syscall({ sys: sysId('io_getevents'), ts: b.at(t), dur, ret: 1, args: [ctx, 1n, 16n, 0x7ffe3000n, 0n, 0n], dataFormat: 4, data: [0xffffffffffffffffn] });
        t += dur + 5 * US;
      };
      // warming up: five lone reads, each already done at the next wait (a device faster than the gap)
      for (let i = 0; i < 5; i++) {
        submit(1);
        reap(n - 1, 2 * US);
      }
      // then the queue is kept full: 16 in flight, each completion replaced
      submit(16);
      for (let i = 0; i < 60; i++) {
        reap(n - 16, 100 * US);
        submit(1);
      }
      return b;
    }

    it('aio-sync-submit stays quiet for a kept queue whose few lone submits met a fast device', () => {
      const a = analyze(keptQueue(true));
      assert.deepEqual(a.of('aio-sync-submit'), [], 'io_submit queued them: 16 stayed in flight');
      assert.match(a.result.threads.find((x) => x.tid === PID)?.evidence ?? '', /up to 16 in flight/);
    });

    it('aio-sync-submit: a kept queue on a file without O_DIRECT (fio --direct=0 from the page cache)', () => {
      const [f] = analyze(keptQueue(false)).of('aio-sync-submit');
      assert.ok(f, 'buffered AIO runs inside io_submit, however quick and deep the queue looks');
      assert.match(f.detail, /io_submit ran 81 requests on context 0x7f0000001000 and spent .* inside/);
      assert.match(f.detail, /\/data\/blob was opened without O_DIRECT, and buffered AIO is synchronous/);
    });

    it('aio-sync-submit stays quiet for O_DIRECT batches a fast device finished before the next wait', () => {
      // fio --iodepth=16 --direct=1 on a VM's disk: 16 requests queued in 40 µs, all done when it reaps
      const a = analyze(aioTrace(16, 30, 40 * US, 2 * US, true));
      assert.deepEqual(a.of('aio-sync-submit'), [], 'io_submit took 2.5 µs a request: it queued them');
      // fio at depth 16 on a virtio disk under load: each submission a VM exit, the thread barely waits
      assert.deepEqual(analyze(aioTrace(16, 30, 16 * 35 * US, 2 * US, true)).of('aio-sync-submit'), [], '35 µs a request is submitting, not reading');
      // the same batches on a buffered file: buffered AIO is synchronous, whatever the device
      assert.equal(analyze(aioTrace(16, 30, 40 * US, 2 * US, false)).of('aio-sync-submit').length, 1);
    });

    it('aio-sync-submit: O_DIRECT, yet io_submit took as long as the I/O', () => {
      const [f] = analyze(aioTrace(1, 20, 400 * US, 2 * US, true)).of('aio-sync-submit');
      assert.ok(f, 'io_submit spent 400 µs a request and the thread hardly waited for completions');
      assert.match(f.detail, /opened with O_DIRECT, yet the file system or device completed the requests synchronously/);
    });

    it('aio-sync-submit judges a context on all its io_submits: a site of a few slow ones among many quick ones stays quiet (qemu-img)', () => {
      const b = aioTrace(1, 20, 400 * US, 2 * US, true);
      let t = 100 * MS;
      for (let n = 0; n < 400; n++, t += 60 * US) {
        b.add(wire.encodeAioSubmit({ opcode: 0, index: 0, pid: PID, tid: PID, ts: b.at(t), ctx, obj: 0xa000n + BigInt(n), data: BigInt(n), offset: 0, nbytes: 4096, fd: 9, resfd: -1, iocbFlags: 0, rwFlags: 0, stackId: 7n }));
        b.syscall({ sys: sysId('io_submit'), ts: b.at(t), dur: 10 * US, ret: 1, args: [ctx, 1n, 0x7ffe2000n, 0n, 0n, 0n], stackId: 7n });
        b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: PID, ts: b.at(t + 13 * US), ctx, obj: 0xa000n + BigInt(n), data: BigInt(n), res: 4096, res2: 0 }));
        b.syscall({ sys: sysId('io_getevents'), ts: b.at(t + 12 * US), dur: 1 * US, ret: 1, args: [ctx, 1n, 1n, 0x7ffe3000n, 0n, 0n], dataFormat: 4, data: [0xffffffffffffffffn] });
      }
      assert.deepEqual(analyze(b).of('aio-sync-submit'), [], '8 ms of 400 µs submits among 4 ms of 10 µs ones: 28 µs a request over the context');
    });

    it('aio-sync-submit stays quiet when the completions come later', () => {
      assert.deepEqual(analyze(aioTrace(1, 20, 10 * US, 300 * US, true)).of('aio-sync-submit'), []);
    });
  });

  describe('signal-coalesced', () => {
    /** `taken`: the signal is blocked and a sigtimedwait takes it (no delivery to a handler). */
    function sigioTrace(sig: number, merged: boolean, taken = false): StreamBuilder {
      const b = loopTrace();
      b.symbols(5n, [['fcntl64', 'io/fcntl64.c', 40], ['setup_async', SRC, 33]]);
      b.syscall({ sys: sysId('fcntl'), ts: b.at(0), dur: 2 * US, ret: 0, args: [5n, 8n, BigInt(PID), 0n, 0n, 0n], stackId: 5n });
      if (sig !== 29) b.syscall({ sys: sysId('fcntl'), ts: b.at(5 * US), dur: 2 * US, ret: 0, args: [5n, 10n, BigInt(sig), 0n, 0n, 0n], stackId: 5n });
      b.syscall({ sys: sysId('fcntl'), ts: b.at(10 * US), dur: 2 * US, ret: 0, args: [5n, 4n, 0o20000n | 0o4000n, 0n, 0n, 0n], stackId: 5n });
      for (let i = 0; i < 20; i++) {
        const t = 1 * MS + i * 1 * MS;
        for (let k = 0; k < 3; k++) {
          const result = merged && k > 0 ? 2 : 0;
          b.add(wire.encodeSignalGenerate({ sig, group: 1, result, flags: 0, pid: PID, tid: PID, ts: b.at(t + k * 10 * US), senderPid: PID, senderTid: 101, code: sig === 29 ? 0x80 : 1, sigErrno: 0, pollFd: sig === 29 ? -1 : 5, pollBand: 65, senderComm: 'writer' }));
        }
        const deliveries = merged ? 1 : 3;
        for (let k = 0; k < deliveries; k++) {
          const at = t + 100 * US + k * 10 * US;
          const code = sig === 29 ? 0x80 : 1;
          if (taken) {
            b.syscall({
              sys: sysId('rt_sigtimedwait'), ts: b.at(at - 5 * US), dur: 5 * US, ret: sig, args: [0x7ffe0000n, 0x7ffe1000n, 0n, 8n, 0n, 0n],
              dataFormat: wire.DataFormat.siginfo, data: [0xffffffffffffffffn, BigInt(sig) | (BigInt(code) << 32n), 65n, BigInt(sig === 29 ? -1 : 5) & 0xffffffffn],
            });
          } else {
            b.add(wire.encodeSignalDeliver({ sig, pid: PID, tid: PID, ts: b.at(at), code, sigErrno: 0, pollFd: sig === 29 ? -1 : 5, pollBand: 65, handler: 0x401000n, saFlags: 4n, stackId: 0n }));
          }
        }
      }
      return b;
    }

    it('finds SIGIO merged into one already pending, at the O_ASYNC setup line', () => {
      const a = analyze(sigioTrace(29, true));
      const [f] = a.of('signal-coalesced');
      assert.ok(f);
      assert.match(f.title, /^40 of 60 SIGIO signals/);
      assert.equal(f.where?.line, 33);
      assert.equal(f.eventCount, 40);
      assert.equal(a.model(PID), 'signal-driven');
      // each round: the first merged came 90 µs before the delivery that absorbed both
      assert.equal(f.impactNs, 20 * 90 * US);
    });

    it('counts a signal wait that takes the SIGIO as its delivery: the merged ones waited until then', () => {
      const a = analyze(sigioTrace(29, true, true));
      const [f] = a.of('signal-coalesced');
      assert.ok(f);
      assert.match(f.title, /^40 of 60 SIGIO signals/);
      assert.match(f.detail, /20 deliveries \(20 of them taken by a signal wait, sigwaitinfo or sigtimedwait\) answered 60 generations/);
      assert.equal(f.impactNs, 20 * 90 * US);
      assert.equal(a.model(PID), 'signal-driven');
    });

    it('stays quiet for a queued real-time signal', () => {
      const a = analyze(sigioTrace(35, false));
      assert.deepEqual(a.of('signal-coalesced'), []);
      assert.equal(a.model(PID), 'signal-driven');
    });
  });

  describe('long-signal-handler', () => {
    /**
     * 20 SIGIO deliveries to a handler that flushes a log for `flushMs` (0: it writes a byte to a
     * self-pipe and returns); `flushStack`: the flush's frames.
     */
    function handlerTrace(flushMs: number, sig = 29, flushStack: [string, string, number][] = [['fsync', 'io/fsync.c', 27], ['on_sigio', SRC, 610]]): StreamBuilder {
      const b = loopTrace();
      b.symbols(9n, flushStack);
      b.symbols(10n, [['write', 'io/write.c', 25], ['on_sigio', SRC, 614]]);
      for (let i = 0; i < 20; i++) {
        const t = 1 * MS + i * 20 * MS;
        b.add(wire.encodeSignalDeliver({ sig, pid: PID, tid: PID, ts: b.at(t), code: 1, sigErrno: 0, pollFd: 5, pollBand: 65, handler: 0x401000n, saFlags: 4n, stackId: 0n }));
        const dur = flushMs ? flushMs * MS : 8 * US;
        b.syscall(flushMs ? { sys: sysId('fsync'), ts: b.at(t + 10 * US), dur, ret: 0, args: [7n, 0n, 0n, 0n, 0n, 0n], stackId: 9n } : { sys: sysId('write'), ts: b.at(t + 10 * US), dur, ret: 1, args: [8n, 0n, 1n, 0n, 0n, 0n], stackId: 10n });
        b.syscall({ sys: sysId('rt_sigreturn'), ts: b.at(t + 30 * US + dur), dur: 0, ret: 0, args: [0n, 0n, 0n, 0n, 0n, 0n] });
      }
      return b;
    }

    it('finds a handler that flushes a file, at the flush inside it', () => {
      const a = analyze(handlerTrace(3));
      const [f] = a.of('long-signal-handler');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.title, /^SIGIO's handler ran long on .*: 20 runs of 20 took 500\.0 µs or more, 60\.\d ms in all$/);
      assert.match(f.detail, /inside its long runs it called fsync ×20 \(60\.0 ms\)/);
      assert.equal(f.where?.line, 610);
      assert.equal(f.eventCount, 20);
    });

    /** The handler's function, at its address 0x401000 (as installed), where a synthetic stream's symbols cannot say. */
    const onSigio = (pid: number, addr: bigint): StackFrame | undefined =>
      pid === PID && addr === 0x401000n ? { addr, function: 'on_sigio', file: SRC, line: 606, column: 1, module: '/work/app/server', inlined: false, problem: null } : undefined;

    it('names the handler, not the interrupted line, when its last call was a tail call', () => {
      // `fsync(fd);` ends the handler, built -O2: a jmp, so the stack goes fsync, the signal
      // trampoline, then the code the signal interrupted (run_loop's epoll_wait)
      const b = handlerTrace(3, 29, [['fsync', 'io/fsync.c', 27], ['__restore_rt', 'signal/sigaction.c', 1], ['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['run_loop', SRC, 142]]);
      const [f] = analyze(b, 4096, false, onSigio).of('long-signal-handler');
      assert.ok(f);
      assert.equal(f.where?.function, 'on_sigio');
      assert.equal(f.where?.line, 606);
      assert.match(f.detail, /Its fsync was a tail call .* the line named is the handler's start\.$/);
    });

    it('keeps the line inside the handler when its frame is in the stack', () => {
      const [f] = analyze(handlerTrace(3), 4096, false, onSigio).of('long-signal-handler');
      assert.equal(f?.where?.line, 610);
      assert.doesNotMatch(f.detail, /tail call/);
    });

    it('names the handler at its start when no call of its long runs was traced, and says why', () => {
      // 2 ms runs whose calls (a log line fsynced, 0.7 ms each on a fast disk) were all under the recording's 1 ms
      const b = loopTrace();
      for (let i = 0; i < 20; i++) {
        const t = 1 * MS + i * 20 * MS;
        b.add(wire.encodeSignalDeliver({ sig: 29, pid: PID, tid: PID, ts: b.at(t), code: 1, sigErrno: 0, pollFd: 5, pollBand: 65, handler: 0x401000n, saFlags: 4n, stackId: 0n }));
        b.syscall({ sys: sysId('rt_sigreturn'), ts: b.at(t + 2 * MS), dur: 0, ret: 0, args: [0n, 0n, 0n, 0n, 0n, 0n] });
      }
      const [f] = analyze(b, 4096, false, onSigio).of('long-signal-handler');
      assert.ok(f);
      assert.equal(f.where?.function, 'on_sigio');
      assert.equal(f.where?.line, 606);
      assert.match(f.detail, /made no call that lasted the recording's minimum duration, 1\.00 ms \(shorter ones are counted, not traced one by one: record with --min-duration 0 to see them\)\./);
      assert.match(f.detail, /No call was traced inside its long runs, so the line named is the handler's start\.$/);
    });

    it('stays quiet for a handler that notes the signal and returns', () => {
      assert.deepEqual(analyze(handlerTrace(0)).of('long-signal-handler'), []);
    });

    it('finds a handler whose fsync takes under a millisecond a run, as on a fast disk', () => {
      // 0.7 ms a flush (a log line written and fsynced from a SIGIO handler, on this project's VM)
      const [f] = analyze(handlerTrace(0.7)).of('long-signal-handler');
      assert.ok(f);
      assert.match(f.title, /: 20 runs of 20 took 500\.0 µs or more, 14\.\d ms in all$/);
      assert.equal(f.where?.line, 610);
    });

    it('stays quiet when no run takes half a millisecond', () => {
      assert.deepEqual(analyze(handlerTrace(0.4)).of('long-signal-handler'), []);
    });

    it('stays quiet when only a few runs of many are long (a quick handler preempted now and then)', () => {
      // 20 long runs of 220: under a tenth
      const b = handlerTrace(3);
      for (let i = 0; i < 200; i++) {
        const t = 500 * MS + i * MS;
        b.add(wire.encodeSignalDeliver({ sig: 29, pid: PID, tid: PID, ts: b.at(t), code: 1, sigErrno: 0, pollFd: 5, pollBand: 65, handler: 0x401000n, saFlags: 4n, stackId: 0n }));
        b.syscall({ sys: sysId('rt_sigreturn'), ts: b.at(t + 20 * US), dur: 0, ret: 0, args: [0n, 0n, 0n, 0n, 0n, 0n] });
      }
      assert.deepEqual(analyze(b).of('long-signal-handler'), []);
    });
  });

  describe('pool-saturated', () => {
    /** 4 workers of the loop preading `busyShare` of each 1 ms cycle, at `stackId` (worker_job, server.c:300, unless given). */
    function poolTrace(busyShare: number, cycles = 200, stackId = 6n, job = (b: StreamBuilder, w: number, t: number, dur: number): void => {
      b.call('pread64', { tid: w, ts: t, dur, ret: 4096, fd: 6, stackId, args: [6n, 0n, 4096n, 0n, 0n, 0n] });
    }): StreamBuilder {
      const b = loopTrace();
      if (stackId === 6n) b.symbols(6n, [['pread64', 'sysdeps/unix/sysv/linux/pread64.c', 25], ['worker_job', SRC, 300]]);
      const workers = [201, 202, 203, 204];
      for (const w of workers) b.task({ event: 6, tid: w, comm: `pool-${w - 200}`, ts: b.at(0) });
      // the loop waits on the eventfd the workers write
      b.epollWait({ ts: 0, dur: 100 * US, ret: 0, stackId: 1n });
      const cycle = 1 * MS;
      for (let i = 0; i < cycles; i++) {
        for (const w of workers) {
          const t = 1 * MS + i * cycle + (w - 201) * 20 * US;
          job(b, w, t, busyShare * cycle - 5 * US);
          b.wake({ tid: w, ts: t + busyShare * cycle, wakee: PID, since: null, fd: 8 });
        }
      }
      return b;
    }

    it('finds every pool thread blocked at once while work waits', () => {
      const a = analyze(poolTrace(0.995));
      for (const w of [201, 202, 203, 204]) assert.equal(a.model(w), 'pool-worker', `thread ${w}`);
      const [f] = a.of('pool-saturated');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.title, /All 4 pool threads/);
      assert.equal(f.where?.line, 300);
      assert.ok(f.impactNs > 150 * MS, `${f.impactNs}`);
      const verdict = a.result.processes.find((p) => p.pid === PID)?.verdict ?? '';
      assert.match(verdict, /epoll loop on 1 thread; file I\/O on 4 pool threads — pseudo-async/);
    });

    it('counts opens that blocked as the workers\' blocking calls (libuv\'s pool opening FIFOs for fs.readFile)', () => {
      const fifo = (b: StreamBuilder, w: number, t: number, dur: number): void => void b.open({ tid: w, ts: t, dur, path: `/run/app/fifo${w}`, ret: 19, stackId: 7n });
      const b = poolTrace(0.995, 200, 7n, fifo);
      b.symbols(7n, [['__libc_open64', 'sysdeps/unix/sysv/linux/open64.c', 41], ['worker_job', SRC, 301]]);
      const a = analyze(b);
      for (const w of [201, 202, 203, 204]) assert.equal(a.model(w), 'pool-worker', `thread ${w}`);
      const [f] = a.of('pool-saturated');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.detail, /did openat of a file 800 times/);
      assert.equal(f.where?.line, 301);
    });

    it('finds the workers that block at one line saturated when another worker the loop started is not (an executor beside a helper thread)', () => {
      const b = poolTrace(0.995);
      b.symbols(11n, [['recv', 'sysdeps/unix/sysv/linux/recv.c', 28], ['helper_job', SRC, 320]]);
      // named as the workers are (CPython's threads all bear the program's name): one pool by name, narrowed by line
      sideThread(b, 'pool-5', (t) => b.call('recvfrom', { tid: 205, ts: t, dur: 200 * US, ret: 64, fd: 9, stackId: 11n, args: [9n, 0n, 64n, 0n, 0n, 0n] }));
      const a = analyze(b);
      assert.equal(a.model(205), 'pool-worker');
      const [f] = a.of('pool-saturated');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.title, /^All 4 pool threads of .* that block at one line were blocked at once/);
      assert.doesNotMatch(f.detail, /pool-5/);
      assert.equal(f.where?.line, 300);
    });

    it('tells the workers apart by their call when no stack reaches the program\'s code (a JVM pool beside its acceptor thread)', () => {
      const b = poolTrace(0.995, 200, 13n);
      // the JVM's frames are unnamed: every stack ends in the C library's thread start
      b.symbols(13n, [['pread64', 'sysdeps/unix/sysv/linux/pread64.c', 25], ['start_thread', 'nptl/pthread_create.c', 442]]);
      b.symbols(11n, [['accept', 'sysdeps/unix/sysv/linux/accept.c', 26], ['start_thread', 'nptl/pthread_create.c', 442]]);
      sideThread(b, 'pool-5', (t) => b.call('accept', { tid: 205, ts: t, dur: 200 * US, ret: 9, fd: 7, stackId: 11n }));
      const a = analyze(b);
      assert.equal(a.model(205), 'pool-worker');
      const [f] = a.of('pool-saturated');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.title, /^All 4 pool threads of .* that block in one call were blocked at once/);
      assert.doesNotMatch(f.detail, /pool-5/);
      assert.equal(f.where, null);
    });

    it('spreads the calls the tracer counted over the time they were counted in, not packed before their first record', () => {
      // 400 ms, two 250 ms buckets; each worker busy 30 % in calls sent, and 100 ms of short
      // preads counted by the tracer, first reported at the end (since: null). Packed into the
      // last 100 ms, they made all four look blocked at once in the second bucket.
      const b = poolTrace(0.3, 400);
      for (const w of [201, 202, 203, 204]) b.summary({ tid: w, ts: 402 * MS, call: 'pread64', fdType: wire.FdType.file, stackId: 6n, count: 5000, totalNs: 100 * MS });
      const a = analyze(b);
      assert.equal(a.model(201), 'pool-worker');
      assert.deepEqual(a.of('pool-saturated').map((f) => f.title), []);
    });

    it('sweeps the calls themselves: 4 workers each 60 % busy, in step, work queued — all blocked at once 60 % of the time', () => {
      // per 250 ms bucket each worker is idle 40 %: the bucket bound (1 − Σ idle) says nothing
      const b = loopTrace();
      b.symbols(6n, [['fsync', 'sysdeps/unix/sysv/linux/fsync.c', 27], ['worker_job', SRC, 310]]);
      const workers = [201, 202, 203, 204];
      for (const w of workers) b.task({ event: 6, tid: w, comm: `pool-${w - 200}`, ts: b.at(0) });
      b.epollWait({ ts: 0, dur: 100 * US, ret: 0, stackId: 1n });
      for (let i = 0; i < 100; i++) {
        for (const w of workers) {
          // three 1 ms flushes back to back (the next job taken at once), then 2 ms idle
          for (let j = 0; j < 3; j++) b.call('fsync', { tid: w, ts: 1 * MS + i * 5 * MS + j * (1 * MS + 2 * US), dur: 1 * MS, fd: 6, stackId: 6n });
          b.wake({ tid: w, ts: 1 * MS + i * 5 * MS + 3 * MS + 10 * US, wakee: PID, since: null, fd: 8 });
        }
      }
      const a = analyze(b);
      const [f] = a.of('pool-saturated');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.ok(Math.abs(f.impactNs - 100 * 3 * MS) < 1 * MS, `${f.impactNs}`);
      assert.match(f.detail, /did fsync 1,200 times \(1\.200 s\); time blocked: pool-1 60 %/);
    });

    it('sweeps the intervals exactly: the time every thread is inside one at once', () => {
      const busy = (pairs: number[]): Intervals => {
        const l = new Intervals();
        for (let i = 0; i < pairs.length; i += 2) l.keep(pairs[i], pairs[i + 1]);
        return l;
      };
      assert.equal(allBusyNs([busy([0, 10, 20, 30]), busy([5, 25])]), 10);
      assert.equal(allBusyNs([busy([0, 10]), busy([10, 20])]), 0, 'touching is not overlapping');
      assert.equal(allBusyNs([busy([0, 10]), busy([])]), 0);
    });

    it('sums the same as a sweep over every interval sorted, to the last bit (ties, points and fractions included)', () => {
      const busy = (pairs: number[]): Intervals => {
        const l = new Intervals();
        for (let i = 0; i < pairs.length; i += 2) l.keep(pairs[i], pairs[i + 1]);
        assert.equal(l.count, pairs.length / 2, 'kept apart, as the sweep below reads them');
        return l;
      };
      // the sweep allBusyNs replaced: every start and end sorted, ends first at equal times
      const sweep = (bs: Intervals[]): number => {
        const starts = Float64Array.from(bs.flatMap((b) => Array.from({ length: b.count }, (_, k) => b.start(k)))).sort();
        const ends = Float64Array.from(bs.flatMap((b) => Array.from({ length: b.count }, (_, k) => b.end(k)))).sort();
        let depth = 0;
        let all = 0;
        let since = 0;
        for (let si = 0, ei = 0; ei < ends.length; ) {
          if (si < starts.length && starts[si] < ends[ei]) {
            if (++depth === bs.length) since = starts[si++];
            else si++;
          } else {
            if (depth-- === bs.length) all += ends[ei] - since;
            ei++;
          }
        }
        return all;
      };
      let seed = 7;
      const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let round = 0; round < 300; round++) {
        // integer times in every other round: many starts and ends at the same time across threads
        const whole = round % 2 === 1;
        const bs = Array.from({ length: 2 + Math.floor(random() * 4) }, () => {
          // a thread's intervals as keepInterval keeps them: in time order, apart, some of no length
          const pairs: number[] = [];
          let t = whole ? Math.floor(random() * 3) : random() * 3;
          for (let n = Math.floor(random() * 40); n > 0; n--) {
            const start = t + (whole ? 1 + Math.floor(random() * 3) : 0.01 + random() * 2);
            const end = start + (random() < 0.1 ? 0 : whole ? 1 + Math.floor(random() * 4) : 0.1 + random() * 3);
            pairs.push(start, end);
            t = end;
          }
          return busy(pairs);
        });
        const expected = sweep(bs);
        assert.ok(Object.is(allBusyNs(bs), expected), `round ${round}: ${allBusyNs(bs)} against ${expected}`);
      }
    });

    it('stays quiet for worker_threads fed one message per reply, however busy (each waits in its own loop for its job): nothing waited', () => {
      const b = loopTrace();
      b.symbols(6n, [['pread64', 'sysdeps/unix/sysv/linux/pread64.c', 25], ['worker_job', SRC, 300]]);
      const workers = [201, 202];
      b.epollWait({ ts: 0, dur: 100 * US, ret: 0, stackId: 1n });
      for (const w of workers) {
        b.task({ event: 6, tid: w, comm: `worker-${w - 200}`, ts: b.at(0) });
        b.fd({ op: 4, fd: w - 180, type: 9, path: 'anon_inode:[eventpoll]' });
        b.fd({ op: 4, fd: w - 170, type: 8, path: 'anon_inode:[eventfd]' });
        b.syscall({ sys: sysId('epoll_ctl'), tid: w, ts: b.at(0.1 * MS), dur: 2 * US, args: [BigInt(w - 180), 1n, BigInt(w - 170), 0n, 0n, 0n], dataFormat: 3, data: [1n, BigInt(w - 170)] });
      }
      for (let i = 0; i < 200; i++) {
        for (const w of workers) {
          const t = 1 * MS + i * MS + (w - 201) * 20 * US;
          b.epollWait({ tid: w, epfd: w - 180, ts: t - 8 * US, dur: 6 * US, ret: 1, ready: [[BigInt(w - 170), 1]] });
          b.wake({ tid: PID, ts: t - 3 * US, wakee: w, since: null, fd: 9 });
          b.call('pread64', { tid: w, ts: t, dur: 0.98 * MS, ret: 4096, fd: 6, stackId: 6n, args: [6n, 0n, 4096n, 0n, 0n, 0n] });
          b.wake({ tid: w, ts: t + 0.98 * MS + 1 * US, wakee: PID, since: null, fd: 8 });
        }
      }
      const a = analyze(b);
      assert.equal(a.model(201), 'pool-worker');
      assert.deepEqual(a.of('pool-saturated').map((f) => f.title), []);
    });

    /**
     * 4 workers each reading a pipe of their own, each read ended by a thread of the process writing
     * to it: `handed` — a dispatcher handing the next job (its last traced call long past: it was not
     * working on this one), the worker idle while it waited; otherwise a backend thread replying right
     * after its own blocking call (the worker waited for its work to be done).
     */
    function pipePool(handed: boolean): StreamBuilder {
      const b = loopTrace();
      b.symbols(6n, [['read', 'sysdeps/unix/sysv/linux/read.c', 26], ['worker_job', SRC, 300]]);
      b.symbols(7n, [['pread64', 'sysdeps/unix/sysv/linux/pread64.c', 25], ['backend_job', SRC, 340]]);
      const workers = [201, 202, 203, 204];
      b.epollWait({ ts: 0, dur: 100 * US, ret: 0, stackId: 1n });
      for (const w of workers) {
        b.task({ event: 6, tid: w, comm: `pool-${w - 200}`, ts: b.at(0) });
        b.task({ event: 6, tid: w + 10, comm: handed ? `dispatch-${w - 200}` : `backend-${w - 200}`, ts: b.at(0) });
        b.fd({ op: 4, fd: w - 180, type: wire.FdType.pipe, path: `pipe:[${w}]` });
      }
      for (let i = 0; i < 200; i++) {
        for (const w of workers) {
          const t = 1 * MS + i * MS + (w - 201) * 20 * US;
          const dur = 0.99 * MS;
          // the backend's own work just before its reply; a dispatcher did nothing traced for its hand-off
          if (!handed) b.call('pread64', { tid: w + 10, ts: t + 10 * US, dur: dur - 20 * US, ret: 4096, fd: 6, stackId: 7n, args: [6n, 0n, 4096n, 0n, 0n, 0n] });
          b.wake({ tid: w + 10, ts: t + dur - 2 * US, wakee: w, since: t, call: 'write', wakeeCall: 'read', fd: w - 180 });
          b.call('read', { tid: w, ts: t, dur, ret: 64, fd: w - 180, stackId: 6n });
          b.wake({ tid: w, ts: t + dur + 2 * US, wakee: PID, since: null, fd: 8 });
        }
      }
      return b;
    }

    it('stays quiet for workers blocked reading a pipe a thread of the process hands their jobs through (idle, waiting for work)', () => {
      const a = analyze(pipePool(true));
      for (const w of [201, 202, 203, 204]) assert.equal(a.model(w), 'pool-worker', `thread ${w}`);
      assert.deepEqual(a.of('pool-saturated').map((f) => f.title), [], 'each read waited for the next job, handed over by a dispatcher');
      const [f] = analyze(pipePool(false)).of('pool-saturated');
      assert.ok(f, 'each read waited for a backend thread doing the work: the pool was full');
      assert.equal(f.where?.line, 300);
    });

    it('stays quiet when the pool has idle threads', () => {
      const a = analyze(poolTrace(0.5));
      assert.equal(a.model(201), 'pool-worker');
      assert.deepEqual(a.of('pool-saturated'), []);
    });
  });

  describe('sqpoll-wakeups', () => {
    function sqTrace(wakeEvery: boolean, requestsSeen = true): StreamBuilder {
      const b = loopTrace();
      const ring = 0xffff888000010000n;
      b.fd({ op: 4, fd: 10, type: 10, path: 'anon_inode:[io_uring]' });
      b.add(wire.encodeUringRing({ seenLate: 0, pid: PID, tid: PID, ts: b.at(0), ctx: ring, fd: 10, sqEntries: 8, cqEntries: 16, setupFlags: 2 }));
      b.symbols(7n, [['io_uring_submit', '', 0], ['submit_batch', SRC, 400]]);
      for (let i = 0; i < 30; i++) {
        const t = 1 * MS + i * 3 * MS;
        if (wakeEvery || i === 0) {
          b.syscall({ sys: sysId('io_uring_enter'), ts: b.at(t), dur: 8 * US, ret: 0, args: [10n, 0n, 0n, 2n, 0n, 0n], stackId: 7n });
        }
        for (let k = 0; k < (requestsSeen ? 4 : 0); k++) {
          const req = BigInt(i * 4 + k + 1);
          b.add(wire.encodeUringSubmit({ stackFrom: 0, flags: 0, cqHead: 0, opcode: 22, sqThread: 1, pid: PID, tid: 150, ts: b.at(t + 30 * US + k * US), ctx: ring, req, userData: req, reqFlags: 0n, fd: 6 }));
          b.add(wire.encodeUringComplete({ waiterTid: 0, pid: PID, tid: 150, ts: b.at(t + 200 * US), ctx: ring, req, userData: req, res: 4096, cflags: 0 }));
        }
      }
      return b;
    }

    it('finds an SQ thread that sleeps before each batch', () => {
      const a = analyze(sqTrace(true));
      const [f] = a.of('sqpoll-wakeups');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.title, /asleep at 30 of 30 submission batches/);
      assert.equal(f.where?.line, 400);
      assert.equal(a.model(PID), 'io_uring');
      // 4 requests a batch, in flight together: the ring's depth, counted for the thread that owns the SQPOLL ring
      assert.match(a.result.threads.find((t) => t.tid === PID)?.evidence ?? '', /submitted by the SQPOLL thread\), up to 4 in flight/);
    });

    it('stays quiet when the SQ thread stays awake', () => {
      assert.deepEqual(analyze(sqTrace(false)).of('sqpoll-wakeups'), []);
    });

    it('stays quiet when no request of the ring was seen (ptrace: its wake-ups weighed against no batch read "asleep at 41 of 0")', () => {
      assert.deepEqual(analyze(sqTrace(true, false)).of('sqpoll-wakeups'), []);
    });
  });

  describe('uring-serialized', () => {
    /**
     * A program that writes `n` requests of `opcode` to fd 6 (a file of type `fdType`) through a ring,
     * `depth` at a time from submit_one, reaped before the next batch: each batch submitted by one
     * io_uring_enter, or each request by its own (`onePerEnter`); its requests in flight together, or
     * each completed before the next is submitted (`inline`: a read from the page cache).
     */
    function uringTrace(o: { depth: number; n?: number; opcode?: number; fdType?: number; onePerEnter?: boolean; inline?: boolean }): StreamBuilder {
      const b = loopTrace();
      const ring = 0xffff888000020000n;
      b.fd({ op: 4, fd: 6, type: o.fdType ?? 1, path: o.fdType === 6 ? 'socket:[9]' : '/data/table' });
      b.fd({ op: 4, fd: 10, type: 10, path: 'anon_inode:[io_uring]' });
      b.add(wire.encodeUringRing({ seenLate: 0, pid: PID, tid: PID, ts: b.at(0), ctx: ring, fd: 10, sqEntries: 64, cqEntries: 128, setupFlags: 0 }));
      b.symbols(8n, [['io_uring_submit_and_wait', '', 0], ['submit_one', SRC, 520]]);
      const n = o.n ?? 40;
      const enter = (at: number, submitted: number): void => {
        b.syscall({ sys: sysId('io_uring_enter'), ts: b.at(at), dur: 5 * US, ret: submitted, args: [10n, BigInt(submitted), 0n, 0n, 0n, 0n], stackId: 8n });
      };
      for (let i = 0; i < n; i += o.depth) {
        const t = 1 * MS + i * MS;
        if (!o.onePerEnter) enter(t, o.depth);
        for (let k = 0; k < o.depth; k++) {
          const req = BigInt(i + k + 1);
          const at = t + 10 * US + k * 100 * US;
          if (o.onePerEnter) enter(at - 5 * US, 1);
          b.add(wire.encodeUringSubmit({ stackFrom: 0, flags: 0, cqHead: 0, opcode: o.opcode ?? 23, sqThread: 0, pid: PID, tid: PID, ts: b.at(at), ctx: ring, req, userData: req, reqFlags: 0n, fd: 6, stackId: 8n }));
          if (o.inline) b.add(wire.encodeUringComplete({ waiterTid: 0, pid: PID, tid: PID, ts: b.at(at + 50 * US), ctx: ring, req, userData: req, res: 4096, cflags: 0 }));
        }
        for (let k = 0; k < o.depth && !o.inline; k++) {
          const req = BigInt(i + k + 1);
          b.add(wire.encodeUringComplete({ waiterTid: PID, pid: PID, tid: PID, ts: b.at(t + 500 * US + k * 20 * US), ctx: ring, req, userData: req, res: 4096, cflags: 0 }));
        }
      }
      return b;
    }

    it('finds a ring whose file writes never overlap, at the submitting line', () => {
      const a = analyze(uringTrace({ depth: 1 }));
      const [f] = a.of('uring-serialized');
      assert.equal(analyze(uringTrace({ depth: 1 }), 1, true).of('uring-serialized').length, 1, 'fed in batches, chunk by chunk');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.title, /ran 40 file requests one at a time \(never more than 1 in flight\)/);
      assert.match(f.detail, /on \/data\/table completed before the next was submitted/);
      assert.equal(f.where?.line, 520);
      assert.equal(f.eventCount, 40);
      assert.equal(a.model(PID), 'io_uring');
    });

    it('stays quiet when requests overlap', () => {
      assert.deepEqual(analyze(uringTrace({ depth: 4, onePerEnter: true })).of('uring-serialized'), []);
    });

    it('stays quiet when one call submits several that each complete at once (the page cache)', () => {
      assert.deepEqual(analyze(uringTrace({ depth: 4, inline: true })).of('uring-serialized'), []);
      // the same one by one is serialized
      assert.equal(analyze(uringTrace({ depth: 4, inline: true, onePerEnter: true })).of('uring-serialized').length, 1);
    });

    it('stays quiet under 16 requests', () => {
      assert.deepEqual(analyze(uringTrace({ depth: 1, n: 15 })).of('uring-serialized'), []);
    });

    it('stays quiet for network requests, one at a time by protocol', () => {
      // recv on a socket, and a read (opcode 22) of a socket
      assert.deepEqual(analyze(uringTrace({ depth: 1, opcode: 27, fdType: 6 })).of('uring-serialized'), []);
      assert.deepEqual(analyze(uringTrace({ depth: 1, opcode: 22, fdType: 6 })).of('uring-serialized'), []);
    });
  });

  describe('posix-aio', () => {
    /** A program whose thread PID+1, started by PID, does 30 file reads at `site`: glibc's helper, or a worker of its own. */
    function aioTrace(glibc: boolean): StreamBuilder {
      const b = new StreamBuilder();
      b.task({ event: 6, comm: 'reader', filename: '/work/app/reader', flags: 2, ts: b.at(0) });
      b.task({ event: 2, tid: PID + 1, ptid: PID, comm: 'reader', ts: b.at(10 * US) });
      b.fd({ op: 4, fd: 6, type: 1, path: '/var/db/data' });
      b.symbols(4n, glibc
        ? [['__libc_pread64', 'sysdeps/unix/sysv/linux/pread64.c', 25], ['handle_fildes_io', 'rt/aio_misc.c', 542], ['start_thread', 'nptl/pthread_create.c', 442]]
        : [['__libc_pread64', 'sysdeps/unix/sysv/linux/pread64.c', 25], ['read_block', SRC, 77], ['start_thread', 'nptl/pthread_create.c', 442]]);
      for (let i = 0; i < 30; i++) b.call('pread64', { tid: PID + 1, ts: 1 * MS + i * 3 * MS, dur: 2 * MS, ret: 4096, fd: 6, stackId: 4n, args: [6n, 0x7f0000n, 4096n, BigInt(i * 4096), 0n, 0n] });
      return b;
    }

    it("names glibc's helper thread: its requests ran one at a time as blocking calls, pseudo-async", () => {
      const a = analyze(aioTrace(true));
      const [f] = a.of('posix-aio');
      assert.ok(f, JSON.stringify(a.findings.map((x) => x.rule)));
      assert.match(f.title, /reader 100's POSIX AIO ran as 30 blocking calls on 1 glibc helper thread, one request at a time per file \(60\.0 ms\)/);
      assert.match(f.detail, /pread64 ×30; threads 100\/101/);
      assert.equal(f.impactNs, 30 * 2 * MS);
      assert.equal(f.events.length, 30);
      assert.equal(f.where, null, 'no line of the program: the requests are queued in user space');
      assert.equal(a.model(PID + 1), 'pool-worker');
      assert.equal(a.result.threads.find((t) => t.tid === PID + 1)?.worksFor, PID);
      assert.match(a.result.processes[0].verdict, /^POSIX AIO \(glibc\): file I\/O on 1 pool thread — pseudo-async/);
    });

    it('stays quiet on a thread of the program that reads for itself', () => {
      const a = analyze(aioTrace(false));
      assert.deepEqual(a.of('posix-aio'), []);
      assert.notEqual(a.model(PID + 1), 'pool-worker');
    });
  });

  describe('uio-missed-irq', () => {
    function uioTrace(jumps: boolean): StreamBuilder {
      const b = loopTrace();
      b.add(wire.encodeUioDevice({ index: 0, irq: 22, dev: (240 << 20) | 0, ts: b.at(0), strings: ['uio_pci_generic', '0.01.0', '0000:00:02.0'] }));
      b.fd({ op: 4, fd: 11, type: 14, path: '/dev/uio0', aux: 2 ** 32 });
      b.symbols(8n, [['read', 'sysdeps/unix/sysv/linux/read.c', 26], ['wait_irq', SRC, 500]]);
      let count = 0;
      for (let i = 0; i < 20; i++) {
        const step = jumps && i % 5 === 4 ? 3 : 1;
        for (let k = 0; k < step; k++) b.add(wire.encodeIrq({ cpu: 0, irq: 22, ret: 1, ts: b.at(i * MS + k * 100 * US), dur: 2 * US, name: 'uio_pci_generic' }));
        count += step;
        b.syscall({ sys: sysId('read'), ts: b.at(i * MS - 500 * US), dur: 700 * US, ret: 4, args: [11n, 0x7ffe1000n, 4n, 0n, 0n, 0n], dataFormat: 7, data: [BigInt(count)], stackId: 8n });
      }
      return b;
    }

    it('finds the reads whose count jumped', () => {
      const [f] = analyze(uioTrace(true)).of('uio-missed-irq');
      assert.ok(f);
      assert.match(f.title, /uio0 \(uio_pci_generic\): 8 interrupts missed .* the count jumped 4 times/);
      assert.equal(f.where?.line, 500);
      assert.equal(f.eventCount, 4);
    });

    it('stays quiet when each read sees one interrupt', () => {
      assert.deepEqual(analyze(uioTrace(false)).of('uio-missed-irq'), []);
    });
  });

  describe('eagain-spin', () => {
    it('finds EAGAIN again and again with no wait between (calls sent)', () => {
      const b = loopTrace();
      b.symbols(9n, [['recv', 'sysdeps/unix/sysv/linux/recv.c', 28], ['poll_socket', SRC, 600]]);
      for (let i = 0; i < 300; i++) b.call('recvfrom', { ts: i * 3 * US, dur: 1 * US, ret: EAGAIN, fd: 7, stackId: 9n });
      const a = analyze(b);
      const [f] = a.of('eagain-spin');
      assert.ok(f);
      assert.equal(f.where?.line, 600);
      assert.equal(f.eventCount, 300);
      assert.equal(a.model(PID), 'none');
    });

    it('finds it in the calls the tracer only counted', () => {
      const b = loopTrace();
      b.epollWait({ ts: 0, dur: 1 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
      b.summary({ ts: 200 * MS, call: 'recvfrom', fdType: 6, nonblocking: true, stackId: 9n, count: 50_000, totalNs: 50 * MS, errnos: [[11, 49_990]] });
      const [f] = analyze(b).of('eagain-spin');
      assert.ok(f);
      assert.match(f.detail, /49,990 more failures under 1\.00 ms for only 1 wait of the thread/);
    });

    it('counts the time a thread spun through its counted failures, not only the calls\' own time, unless it slept', () => {
      // CPython's `try: s.recv() except BlockingIOError: continue`: 11 µs a turn, 0.5 µs of it in recv
      const spin = (failures: number): Finding | undefined => {
        const b = loopTrace();
        b.summary({ ts: 100 * MS, call: 'recvfrom', fdType: 6, nonblocking: true, stackId: 9n, count: failures / 2, totalNs: failures * 250, errnos: [[11, failures / 2]] });
        b.summary({ ts: 300 * MS, call: 'recvfrom', fdType: 6, nonblocking: true, stackId: 9n, count: failures, totalNs: failures * 500, errnos: [[11, failures]] });
        return analyze(b).of('eagain-spin')[0];
      };
      const f = spin(36_000);
      assert.ok(f);
      // the first record's period is not known (its calls' time, 9 ms); the second's, 200 ms, had no wait
      assert.equal(f.impactNs, 9 * MS + 200 * MS);
      assert.match(f.detail, /about 209\.0 ms spinning: the periods of the tracer's counts with no wait nor sleep of the thread, each failure counted for 50\.0 µs at most; 18\.0 ms in the calls themselves/);
      assert.equal(f.severity, 'high');
      // a thread that tried 400 times in those 200 ms between its work spun 50 µs a try at most
      const g = spin(800);
      assert.ok(g);
      assert.equal(g.impactNs, 0.2 * MS + 400 * 50 * US);
      // one that napped between its tries (usleep(100), counted by the tracer too) spun only in its calls
      const b = loopTrace();
      b.summary({ ts: 100 * MS, call: 'recvfrom', fdType: 6, nonblocking: true, stackId: 9n, count: 18_000, totalNs: 9 * MS, errnos: [[11, 18_000]] });
      b.summary({ ts: 300 * MS, call: 'clock_nanosleep', stackId: 12n, count: 1_800, totalNs: 190 * MS });
      b.summary({ ts: 300 * MS, call: 'recvfrom', fdType: 6, nonblocking: true, stackId: 9n, count: 36_000, totalNs: 18 * MS, errnos: [[11, 36_000]] });
      const [h] = analyze(b).of('eagain-spin');
      assert.ok(h);
      assert.equal(h.impactNs, 18 * MS);
      assert.match(h.detail, /\(at least 18\.0 ms in the calls themselves\)/);
    });

    it('counts the waits since a counted key\'s previous record when that record had no EAGAIN (lighttpd attached)', () => {
      // lighttpd reads each ready connection until EAGAIN: a few EAGAINs a wait. Its key's first record
      // held only reads that succeeded; the next one's 622 EAGAINs came over 300 waits, not 0
      const b = loopTrace();
      b.epollWait({ ts: 0, dur: 100 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
      b.summary({ ts: 1 * MS, call: 'read', fdType: 6, nonblocking: true, inLoop: true, stackId: 9n, count: 100, totalNs: 1 * MS });
      for (let i = 1; i <= 300; i++) b.epollWait({ ts: i * MS, dur: 100 * US, ret: 3, stackId: 1n, ready: [[7n, 1]] });
      b.summary({ ts: 301 * MS, call: 'read', fdType: 6, nonblocking: true, inLoop: true, stackId: 9n, count: 1_500, totalNs: 3 * MS, errnos: [[11, 622]] });
      assert.deepEqual(analyze(b).of('eagain-spin'), []);
    });

    it('keeps apart the counted keys of one site that differ in flags (before and inside the loop)', () => {
      const b = loopTrace();
      b.summary({ ts: 1 * MS, call: 'read', fdType: 6, nonblocking: true, stackId: 9n, count: 5, totalNs: 10 * US });
      b.epollWait({ ts: 2 * MS, dur: 100 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
      b.summary({ ts: 3 * MS, call: 'read', fdType: 6, nonblocking: true, inLoop: true, stackId: 9n, count: 10, totalNs: 10 * US, errnos: [[11, 5]] });
      for (let i = 3; i <= 300; i++) b.epollWait({ ts: i * MS, dur: 100 * US, ret: 3, stackId: 1n, ready: [[7n, 1]] });
      // the pre-loop key again, then the loop's key: its period since its own previous record held 298 waits
      b.summary({ ts: 300 * MS + 500 * US, call: 'read', fdType: 6, nonblocking: true, stackId: 9n, count: 6, totalNs: 12 * US });
      b.summary({ ts: 301 * MS, call: 'read', fdType: 6, nonblocking: true, inLoop: true, stackId: 9n, count: 1_500, totalNs: 3 * MS, errnos: [[11, 627]] });
      assert.deepEqual(analyze(b).of('eagain-spin'), []);
    });

    it('takes a send with MSG_DONTWAIT for a call that cannot wait, whatever its fd and however long ptrace made it', () => {
      // a datagram sender retrying sendto(MSG_DONTWAIT) on a blocking socket: a few of its sends stretched past 10 ms by ptrace's stops
      const b = loopTrace();
      b.add(wire.encodeMeta({ json: JSON.stringify({ tracer: 'test', backend: 'ptrace', pid: PID }) }));
      b.symbols(15n, [['sendto', 'sysdeps/unix/sysv/linux/sendto.c', 27], ['send_sample', SRC, 13]]);
      for (let i = 0; i < 300; i++) {
        const ts = i * 50 * US;
        b.call('sendto', { ts, dur: i % 100 === 0 ? 15 * MS : 5 * US, ret: i % 2 ? EAGAIN : 512, fd: 7, stackId: 15n, args: [7n, 0n, 512n, 0x40n, 0n, 0n] });
      }
      const a = analyze(b);
      assert.equal(a.model(PID), 'none', 'no blocking socket I/O: every send was told not to wait');
    });

    it('leaves the edge-triggered drain alone (one EAGAIN per wait)', () => {
      const b = loopTrace();
      for (let i = 0; i < 300; i++) {
        b.epollWait({ ts: i * 1 * MS, dur: 900 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        b.call('recvfrom', { ts: i * MS + 910 * US, dur: 2 * US, ret: 100, fd: 7, nonblocking: true });
        b.call('recvfrom', { ts: i * MS + 920 * US, dur: 1 * US, ret: EAGAIN, fd: 7 });
      }
      b.summary({ ts: 300 * MS, call: 'recvfrom', fdType: 6, nonblocking: true, count: 600, totalNs: 1 * MS, errnos: [[11, 300]] });
      assert.deepEqual(analyze(b).of('eagain-spin'), []);
    });

    it('gives two sites failing in turn in one thread a finding each, at its own line', () => {
      const b = loopTrace();
      b.symbols(9n, [['recv', 'sysdeps/unix/sysv/linux/recv.c', 28], ['poll_socket', SRC, 600]]);
      b.symbols(15n, [['send', 'sysdeps/unix/sysv/linux/send.c', 28], ['flush_socket', SRC, 640]]);
      for (let i = 0; i < 300; i++) {
        b.call('recvfrom', { ts: i * 6 * US, dur: 1 * US, ret: EAGAIN, fd: 7, stackId: 9n });
        b.call('sendto', { ts: i * 6 * US + 3 * US, dur: 1 * US, ret: EAGAIN, fd: 7, stackId: 15n });
      }
      const found = analyze(b).of('eagain-spin');
      assert.deepEqual(found.map((f) => [f.where?.line, f.eventCount]).sort(), [[600, 300], [640, 300]]);
    });

    it('counts calls the tracer only counted at a stack that stops in libc with no line, and says so', () => {
      const b = loopTrace();
      b.symbols(16n, [['recv', 'sysdeps/unix/sysv/linux/recv.c', 28]]);
      b.epollWait({ ts: 0, dur: 1 * MS, ret: 1, stackId: 1n, ready: [[7n, 1]] });
      b.summary({ ts: 200 * MS, call: 'recvfrom', fdType: 6, nonblocking: true, stackId: 16n, count: 50_000, totalNs: 50 * MS, errnos: [[11, 49_990]] });
      const [f] = analyze(b).of('eagain-spin');
      assert.ok(f);
      assert.equal(f.where, null);
      assert.match(f.detail, /stack of these calls did not reach the program's own code \(it ends in recv in libc\.so\.6\)/);
    });
  });

  describe('lost-events', () => {
    it('says the recording lost records, and how many', () => {
      const b = loopTrace();
      b.epollWait({ ts: 0, dur: 1 * MS, ret: 0, stackId: 1n });
      b.add(wire.encodeDrop({ source: 1, cpu: 0xffff, ts: b.at(200 * MS), count: 1234, total: 1234 }));
      const [f] = analyze(b).of('lost-events');
      assert.ok(f);
      assert.match(f.title, /lost 1,234 records/);
      assert.equal(f.severity, 'high');
    });

    it('says nothing when nothing was lost', () => {
      const b = loopTrace();
      b.epollWait({ ts: 0, dur: 1 * MS, ret: 0, stackId: 1n });
      assert.deepEqual(analyze(b).of('lost-events'), []);
    });
  });

  describe('timeout-wakeups', () => {
    it('finds a loop woken by its 1 ms timeout nearly every time', () => {
      const b = loopTrace();
      for (let i = 0; i < 200; i++) b.epollWait({ ts: i * 1.1 * MS, dur: 1 * MS, ret: 0, timeoutMs: 1, stackId: 1n });
      const [f] = analyze(b).of('timeout-wakeups');
      assert.ok(f);
      assert.equal(f.eventCount, 200);
      assert.notEqual(f.severity, 'high');
      assert.notEqual(f.severity, 'medium');
    });

    it('leaves alone a loop whose waits end with events', () => {
      const b = loopTrace();
      for (let i = 0; i < 200; i++) b.epollWait({ ts: i * 1.1 * MS, dur: 0.5 * MS, ret: 1, timeoutMs: 1, stackId: 1n, ready: [[7n, 1]] });
      assert.deepEqual(analyze(b).of('timeout-wakeups'), []);
    });

    it('leaves alone a periodic timer whose turns do work (a write and an fsync every 5 ms, as a libuv timer does)', () => {
      const b = loopTrace();
      for (let i = 0; i < 200; i++) {
        const t = i * 6 * MS;
        b.epollWait({ ts: t, dur: 5 * MS, ret: 0, timeoutMs: 5, stackId: 1n });
        // short calls under --min-duration are not traced: some turns show no call, only their length
        if (i % 4 !== 0) b.call('fsync', { ts: t + 5.1 * MS, dur: 0.8 * MS, ret: 0, fd: 6, stackId: 3n });
      }
      assert.deepEqual(analyze(b).of('timeout-wakeups'), []);
    });

    it('counts the calls under the threshold as the work of the turns that looked idle (a ptrace recording of the same timer)', () => {
      const trace = (counted: boolean): ReturnType<typeof analyze> => {
        const b = loopTrace();
        for (let i = 0; i < 200; i++) b.epollWait({ ts: i * 5.7 * MS, dur: 5 * MS, ret: 0, timeoutMs: 5, stackId: 1n });
        if (counted) b.summary({ ts: 1140 * MS, call: 'fsync', fdType: wire.FdType.file, stackId: 3n, count: 199, totalNs: 120 * MS, maxNs: 0.9 * MS, inLoop: true });
        return analyze(b);
      };
      assert.equal(trace(false).of('timeout-wakeups').length, 1, 'turns of 0.7 ms and no call: idle');
      assert.deepEqual(trace(true).of('timeout-wakeups'), []);
    });

    it('still finds the timer poll when only a few of its turns did work', () => {
      const b = loopTrace();
      for (let i = 0; i < 200; i++) {
        const t = i * 1.2 * MS;
        b.epollWait({ ts: t, dur: 1 * MS, ret: 0, timeoutMs: 1, stackId: 1n });
        if (i % 10 === 0) b.call('read', { ts: t + 1.05 * MS, dur: 10 * US, ret: 1, fd: 7, stackId: 2n });
      }
      const [f] = analyze(b).of('timeout-wakeups');
      assert.ok(f);
      assert.match(f.detail, /179 turns after them moved no data .* and 20 did work/);
    });
  });

  describe('herd-wakeups', () => {
    /** Loop threads PID and PID + 1, one epoll wait each per connection, then accept4 at stack 10. */
    function twoLoops(): StreamBuilder {
      const b = loopTrace();
      b.symbols(10n, [['accept4', 'sysdeps/unix/sysv/linux/accept4.c', 31], ['on_listen', SRC, 700]]);
      return b;
    }

    it('finds accept failing with EAGAIN after most wake-ups of several loop threads', () => {
      const b = twoLoops();
      for (let i = 0; i < 100; i++) {
        const tid = PID + (i % 2);
        b.epollWait({ tid, ts: i * MS, dur: 900 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        b.call('accept4', { tid, ts: i * MS + 910 * US, dur: 2 * US, ret: i % 4 === 0 ? 12 : EAGAIN, fd: 7, stackId: 10n, nonblocking: true });
      }
      const [f] = analyze(b).of('herd-wakeups');
      assert.ok(f);
      assert.equal(f.where?.line, 700);
      assert.match(f.title, /^2 loop threads .* 75 of 100 accept4 calls \(75 %\)/);
    });

    it('gives nginx\'s own settings as the fix in nginx (reuseport, accept_mutex), the socket options elsewhere', () => {
      const herdIn = (program: string, comm = basename(program)): string => {
        const b = new StreamBuilder();
        b.task({ event: 6, comm, filename: program, flags: 2, ts: b.at(0) });
        b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
        b.fd({ op: 4, fd: 7, type: 6, path: 'socket:[12]' });
        for (let i = 0; i < 100; i++) {
          const tid = PID + (i % 2);
          b.epollWait({ tid, ts: i * MS, dur: 900 * US, ret: 1, ready: [[7n, 1]] });
          b.call('accept4', { tid, ts: i * MS + 910 * US, dur: 2 * US, ret: i % 4 === 0 ? 12 : EAGAIN, fd: 7, nonblocking: true });
        }
        const [f] = analyze(b).of('herd-wakeups');
        assert.ok(f, program);
        return f.suggestion;
      };
      assert.match(herdIn('/usr/sbin/nginx'), /^add `reuseport` to the `listen` directive.*`accept_mutex on;`/);
      // by its process's name where its executable's tells nothing (a build of its own under another name)
      assert.match(herdIn('/opt/web/bin/web-proxy', 'nginx'), /^add `reuseport`/);
      assert.match(herdIn('/work/app/server'), /^use EPOLLEXCLUSIVE on the listening socket/);
    });

    it('stays quiet when the wake-ups find their connection', () => {
      const b = loopTrace();
      for (let i = 0; i < 100; i++) {
        b.epollWait({ tid: PID + (i % 2), ts: i * MS, dur: 900 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        b.call('accept4', { tid: PID + (i % 2), ts: i * MS + 910 * US, dur: 2 * US, ret: 12, fd: 7, nonblocking: true });
      }
      assert.deepEqual(analyze(b).of('herd-wakeups'), []);
    });

    it('takes the EAGAIN that ends a drain of the backlog for no lost race (asyncio, libuv, redis accept until EAGAIN)', () => {
      const b = twoLoops();
      for (let i = 0; i < 200; i++) {
        const tid = PID + (i % 2);
        b.epollWait({ tid, ts: i * MS, dur: 900 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        b.call('accept4', { tid, ts: i * MS + 910 * US, dur: 2 * US, ret: 12, fd: 7, stackId: 10n, nonblocking: true });
        b.call('accept4', { tid, ts: i * MS + 920 * US, dur: 2 * US, ret: EAGAIN, fd: 7, stackId: 10n, nonblocking: true });
      }
      assert.deepEqual(analyze(b).of('herd-wakeups'), []);
    });

    it('needs several waiters: one loop thread alone loses no race, whatever its EAGAINs', () => {
      const b = twoLoops();
      for (let i = 0; i < 100; i++) {
        b.epollWait({ ts: i * MS, dur: 900 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        b.call('accept4', { ts: i * MS + 910 * US, dur: 2 * US, ret: i % 4 === 0 ? 12 : EAGAIN, fd: 7, stackId: 10n, nonblocking: true });
      }
      assert.deepEqual(analyze(b).of('herd-wakeups'), []);
    });

    it('of counted calls (no order), counts every EAGAIN of several waiters, and none of a loop alone', () => {
      const herd = twoLoops();
      const alone = twoLoops();
      for (const [b, tids] of [[herd, [PID, PID + 1]], [alone, [PID]]] as const) {
        for (let i = 0; i < 100; i++) for (const tid of tids) b.epollWait({ tid, ts: i * MS + (tid - PID) * 100 * US, dur: 50 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        for (const tid of tids) b.summary({ tid, ts: 100 * MS, call: 'accept4', fdType: 6, nonblocking: true, inLoop: true, stackId: 10n, count: 200 / tids.length, totalNs: 1e5, errnos: [[11, 100 / tids.length]] });
      }
      const [f] = analyze(herd).of('herd-wakeups');
      assert.ok(f);
      assert.match(f.title, /100 of 200 accept4 calls \(50 %\)/);
      assert.deepEqual(analyze(alone).of('herd-wakeups'), []);
    });

    it('of counted calls of loops that drain their backlog (gunicorn\'s sync workers), counts only the EAGAINs past one a turn', () => {
      const run = (count: number, eagain: number): string[] => {
        const b = twoLoops();
        for (let i = 0; i < 100; i++) for (const tid of [PID, PID + 1]) b.epollWait({ tid, ts: i * MS + (tid - PID) * 100 * US, dur: 50 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        for (const tid of [PID, PID + 1]) b.summary({ tid, ts: 100 * MS, call: 'accept4', fdType: 6, nonblocking: true, inLoop: true, stackId: 10n, count, totalNs: 1e5, errnos: [[11, eagain]] });
        return analyze(b).of('herd-wakeups').map((f) => f.title);
      };
      // 600 accepts a thread over its 99 turns, one EAGAIN a turn: each drain's end, no lost race shown
      assert.deepEqual(run(600, 100), []);
      // 300 EAGAINs over 99 turns: at least 201 a thread found nothing, whatever the drains
      const [title] = run(700, 300);
      assert.match(title ?? '', /402 of 1,400 accept4 calls \(29 %\)/);
    });

    it('takes pre-forked worker processes of one program accepting with the same call for several waiters', () => {
      const run = (workers: number[], accepts = 300): string[] => {
        const b = twoLoops();
        for (const w of workers) b.task({ event: wire.TaskEvent.process_start, pid: w, tid: w, ppid: PID, ptid: PID, comm: 'server', ts: b.at(0) });
        for (let i = 0; i < accepts; i++) {
          const pid = workers[i % workers.length];
          b.epollWait({ pid, tid: pid, ts: i * MS, dur: 900 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
          b.call('accept4', { pid, tid: pid, ts: i * MS + 910 * US, dur: 2 * US, ret: i % 4 === 0 ? 12 : EAGAIN, fd: 7, stackId: 10n, nonblocking: true });
        }
        return analyze(b).of('herd-wakeups').map((f) => `${f.pid} ${f.eventCount}`);
      };
      // one finding a process, merged into one for the sibling workers (siblings.ts)
      assert.deepEqual(run([PID + 10, PID + 11, PID + 12]), [`${PID + 10} 225`]);
      assert.deepEqual(run([PID + 10]), []);
      // spread over 5 workers, 18 futile accepts each: judged by their sum, 90
      const spread = run([PID + 10, PID + 11, PID + 12, PID + 13, PID + 14], 120);
      assert.equal(spread.length, 1, spread.join());
      assert.match(spread[0], / 90$/);
    });

    it('names each accepting line apart, and merges stacks that differ above it', () => {
      const b = loopTrace();
      b.symbols(10n, [['accept4', 'sysdeps/unix/sysv/linux/accept4.c', 31], ['on_listen', SRC, 700], ['run_loop', SRC, 150]]);
      b.symbols(17n, [['accept4', 'sysdeps/unix/sysv/linux/accept4.c', 31], ['on_listen', SRC, 700], ['idle', SRC, 170]]);
      b.symbols(18n, [['accept4', 'sysdeps/unix/sysv/linux/accept4.c', 31], ['on_admin', SRC, 720]]);
      for (let i = 0; i < 200; i++) {
        const tid = PID + (i % 3 === 0 ? 1 : 0);
        b.epollWait({ tid, ts: i * MS, dur: 900 * US, ret: 1, stackId: 1n, ready: [[7n, 1]] });
        const stackId = i % 2 ? 18n : i % 4 ? 10n : 17n;
        b.call('accept4', { tid, ts: i * MS + 910 * US, dur: 2 * US, ret: i % 8 < 2 ? 12 : EAGAIN, fd: 7, stackId, nonblocking: true });
      }
      const found = analyze(b).of('herd-wakeups');
      assert.deepEqual(found.map((f) => [f.where?.line, f.eventCount]).sort(), [[700, 75], [720, 75]]);
      assert.match(found.find((f) => f.where?.line === 700)?.title ?? '', /75 of 100 accept4 calls/);
    });
  });

  it('ranks findings by impact', () => {
    const b = loopTrace();
    for (let i = 0; i < 1000; i++) b.epollWait({ ts: i * 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 1n });
    b.epollWait({ ts: 2 * MS, dur: 1 * MS, ret: 1, stackId: 1n, ready: [[5n, 1]] });
    b.call('read', { ts: 3.1 * MS, dur: 30 * MS, ret: 1, fd: 5, stackId: 2n });
    b.epollWait({ ts: 40 * MS, dur: 1 * MS, ret: 0, stackId: 1n });
    const rules = analyze(b).findings.map((f) => f.rule);
    assert.deepEqual(rules, ['loop-blocked', 'busy-poll']);
  });
});
