/**
 * The analysis benchmark's trace (bench/analysis.ts, bench/analysisDigest.ts): an event loop
 * (epoll_wait, non-blocking recv/send, now and then a blocking read of a pipe inside a turn, woken
 * by a worker), a pool of 4 threads doing preads and waking the loop, zero-timeout polls in
 * bursts, counted short calls — every rule's state gets work.
 */
import { PID, StreamBuilder } from '../extension/src/core/testing/synthetic';
import * as wire from '../protocol/generated/wire';

const US = 1e3;
const MS = 1e6;

/** A million-event trace exercising every rule's per-event path. */
export function trace(events: number): Uint8Array {
  const b = new StreamBuilder(false);
  b.add(wire.encodeClock({ monoNs: b.origin, realNs: Date.now() * 1e6 }));
  b.add(wire.encodeMeta({ json: JSON.stringify({ backend: 'ebpf', pid: PID, min_duration_ns: 0 }) }));
  b.task({ event: 6, comm: 'server', flags: 2, ts: b.at(0) });
  const workers = [201, 202, 203, 204];
  for (const w of workers) b.task({ event: 6, tid: w, comm: `pool-${w - 200}`, ts: b.at(0) });
  b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
  b.fd({ op: 4, fd: 5, type: 6, path: 'socket:[1]' });
  b.fd({ op: 4, fd: 6, type: 7, path: 'pipe:[2]' });
  b.fd({ op: 4, fd: 7, type: 1, path: '/data/blob' });
  b.fd({ op: 4, fd: 8, type: 8, path: 'anon_inode:[eventfd]' });
  let t = 0;
  let n = 0;
  const wt = new Map(workers.map((w) => [w, 0]));
  while (n < events) {
    b.epollWait({ ts: t, dur: 50 * US, ret: 1, stackId: 1n, ready: [[5n, 1]] });
    t += 51 * US;
    b.call('recvfrom', { ts: t, dur: 3 * US, ret: 200, fd: 5, nonblocking: true, stackId: 2n });
    b.call('sendto', { ts: t + 4 * US, dur: 4 * US, ret: 900, fd: 5, nonblocking: true, stackId: 3n });
    b.call('recvfrom', { ts: t + 9 * US, dur: 1 * US, ret: -11, fd: 5, stackId: 2n });
    t += 11 * US;
    n += 4;
    if (n % 400 === 0) {
      b.wake({ tid: workers[0], ts: t + 1 * MS, wakee: PID, since: t, call: 'write', wakeeCall: 'read', fd: 6 });
      b.call('read', { ts: t, dur: 1 * MS, ret: 1, fd: 6, stackId: 4n });
      t += 1 * MS + 1 * US;
      n += 2;
    }
    if (n % 1000 === 0) {
      for (let k = 0; k < 20; k++) b.epollWait({ ts: t + k * 2 * US, dur: 1 * US, ret: 0, timeoutMs: 0, stackId: 1n });
      t += 40 * US;
      n += 20;
    }
    const w = workers[n % workers.length];
    const ws = Math.max(wt.get(w) as number, t - 200 * US);
    b.call('pread64', { tid: w, ts: ws, dur: 150 * US, ret: 4096, fd: 7, stackId: 5n, args: [7n, 0n, 4096n, 0n, 0n, 0n] });
    b.wake({ tid: w, ts: ws + 151 * US, wakee: PID, since: null, fd: 8 });
    wt.set(w, ws + 152 * US);
    n += 2;
    if (n % 5000 < 6) b.summary({ ts: t, call: 'fsync', fdType: 1, stackId: 6n, count: n, totalNs: n * 300, inLoop: true });
  }
  b.symbols(1n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['run_loop', '/srv/app/loop.c', 42]]);
  return b.bytes();
}

