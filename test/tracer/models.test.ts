/**
 * The real tracer on the fixtures, one per I/O model, launched and attached, with each backend:
 * events, decoded arguments, durations, request pairing, signal generate -> deliver, and the exact
 * source line of every marked call site. The ptrace backend is held to the same assertions
 * wherever a ptrace stop sees the thing (not: io_uring requests, wake-ups, signal generation).
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BACKENDS, CLI, cleanup, frameIn, markLine, readRecords, recordAttach, recordLaunch, requireBackend, fixture, run, type JsonEvent, type Recording,
} from './harness';
import { EndReason } from '../../protocol/generated/wire';

const MS = 1e6;

function syscalls(r: Recording, name: string, pid?: number): JsonEvent[] {
  return r.events.filter((e) => e.kind === 'syscall' && e.name === name && !e.unfinished && (pid === undefined || e.pid === pid));
}

/** Every event must have the marked line of `source` as the innermost frame in that file. */
function assertAt(events: JsonEvent[], source: string, mark: string): void {
  assert.ok(events.length > 0, `no events for ${mark}`);
  const line = markLine(source, mark);
  for (const e of events) {
    const f = frameIn(e, source);
    assert.ok(f, `${e.name} at ${e.ts} has no frame in ${source}.c: ${JSON.stringify(e.stack.map((s) => `${s.function}@${s.file}:${s.line}`))}`);
    assert.equal(f.line, line, `${e.name} should be at ${source}.c:${line} (@mark:${mark}), got ${f.line} (${f.function})`);
  }
}

function targetPid(r: Recording, name: string): number {
  const p = r.events.find((e) => (e.kind === 'process' && (e.name === 'exec' || e.name === 'existing') && e.comm === name.slice(0, 15)));
  assert.ok(p, `no process event for ${name}`);
  return p.pid;
}

for (const backend of BACKENDS) describe(`tracing the fixtures (${backend})`, function () {
  this.timeout(60000);
  let rec: Recording | undefined;
  before(function () {
    requireBackend(this, backend);
  });
  afterEach(() => cleanup(rec));
  const ebpf = backend === 'ebpf';
  const recordLaunch_ = (command: string[], extra: string[] = []): Promise<Recording> => recordLaunch(command, extra, 30000, backend);
  const recordAttach_ = (name: string, args: string[] = []): Promise<Recording> => recordAttach(name, args, [], 30000, backend);

  for (const mode of ['launch', 'attach'] as const) {
    describe(`epoll_stall, ${mode}ed`, () => {
      it('shows the loop waits, the stalled blocking read and the eventfd wake-up at their lines', async () => {
        rec = mode === 'launch' ? await recordLaunch_([fixture('epoll_stall'), '--iterations', '20']) : await recordAttach_('epoll_stall', ['--iterations', '20']);
        const pid = targetPid(rec, 'epoll_stall');
        const waits = syscalls(rec, 'epoll_wait', pid);
        assert.ok(waits.length >= 20, `${waits.length} epoll_waits`);
        assertAt(waits, 'epoll_stall', 'loop-wait');
        for (const w of waits) {
          assert.equal(w.args.timeout_ms, 100);
          assert.equal(w.args.maxevents, 16);
          assert.equal(w.model, 'multiplexing');
        }
        const ready = waits.flatMap((w) => (w.args.ready as { fd: number | null; events: string }[]) ?? []);
        assert.ok(ready.some((r) => r.events.includes('IN') && r.fd !== null), 'ready events name their fd');
        // the blocking read in the callback: every 5th tick, 20 ms (told by its call site: on a
        // loaded machine another read may take as long)
        const stallLine = markLine('epoll_stall', 'stall-read');
        const stalls = syscalls(rec, 'read', pid).filter((e) => e.stack.some((f) => f.line === stallLine && f.file?.endsWith('epoll_stall.c')));
        assert.equal(stalls.length, 4);
        assertAt(stalls, 'epoll_stall', 'stall-read');
        for (const s of stalls) {
          // ptrace times the entry when the tracer handles the stop: a loaded machine delays it
          assert.ok((s.dur ?? 0) >= (ebpf ? 19.5 : 12) * MS && (s.dur ?? 0) < 200 * MS, `stall of ${s.dur} ns`);
          assert.equal(s.ret, 1);
          assert.equal(s.model, 'blocking');
          assert.match(String(s.args.path), /pipe/);
        }
        const ctl = syscalls(rec, 'epoll_ctl', pid);
        assert.equal(ctl.length, 2);
        assertAt(ctl.filter((c) => c.args.fd_type === 'pipe'), 'epoll_stall', 'ctl-pipe');
        assertAt(ctl.filter((c) => c.args.fd_type === 'eventfd'), 'epoll_stall', 'ctl-eventfd');
        assert.ok(ctl.every((c) => c.args.op === 'EPOLL_CTL_ADD' && c.args.events === 'IN'));
        // the ticker thread's writes wake the loop out of epoll_wait (the kernel side sees wake-ups):
        // at least once after each stall (the ticks that came during a stall are read at once, then
        // the loop waits for the next); how many more depends on how the machine schedules them
        const ticker = rec.events.find((e) => e.kind === 'thread' && e.comm === 'ticker');
        assert.ok(ticker, 'the ticker thread is named');
        const wakes = rec.events.filter((e) => e.kind === 'wake' && e.wakee_tid === pid && e.args.wakee_call === 'epoll_wait');
        if (ebpf) {
          assert.ok(wakes.length >= stalls.length, `${wakes.length} wake-ups of the loop`);
          // its tick writes and, at the end, its eventfd write
          assert.deepEqual(wakes.filter((w) => w.tid !== ticker.tid).map((w) => `${w.name} by ${w.tid}`), [], 'only the ticker wakes the loop');
        } else assert.equal(wakes.length, 0);
      });
    });
  }

  it('learns an epoll set registered before the attach from /proc: its ready fds named, its kinds in the model', async () => {
    rec = await recordAttach_('epoll_stall', ['--iterations', '10', '--set-first']);
    const pid = targetPid(rec, 'epoll_stall');
    assert.equal(syscalls(rec, 'epoll_ctl', pid).length, 0, 'the set was made before the attach');
    const ready = syscalls(rec, 'epoll_wait', pid).flatMap((w) => (w.args.ready as { fd: number | null; path: string | null }[]) ?? []);
    assert.ok(ready.length >= 10, `${ready.length} ready events`);
    assert.deepEqual(ready.filter((r) => r.fd === null), [], 'every ready event names its fd');
    assert.ok(ready.some((r) => /pipe/.test(r.path ?? '')) && ready.some((r) => /eventfd/.test(r.path ?? '')), JSON.stringify(ready.slice(0, 3)));
    const report = await run(process.execPath, [CLI, 'report', '--json', rec.traceFile]);
    assert.equal(report.code, 0, report.stderr);
    const loop = (JSON.parse(report.stdout) as { threads: { tid: number; evidence: string }[] }).threads.find((t) => t.tid === pid);
    assert.match(loop?.evidence ?? '', /^event loop: \d+ epoll_wait calls on (1 pipe, 1 eventfd|1 eventfd, 1 pipe),/);
  });

  it('pairs every Linux-AIO iocb from io_submit to its completion (eventfd + epoll notification)', async () => {
    rec = await recordLaunch_([fixture('aio_eventfd'), '--iterations', '25']);
    const pid = targetPid(rec, 'aio_eventfd');
    const submits = syscalls(rec, 'io_submit', pid);
    assert.equal(submits.length, 25);
    assertAt(submits, 'aio_eventfd', 'aio-submit');
    for (const s of submits) {
      assert.equal(s.ret, 4);
      const iocbs = s.args.iocbs as { op: string; fd: number; nbytes: number; resfd: number | null; data: string }[];
      assert.equal(iocbs.length, 4);
      assert.ok(iocbs.every((c) => c.op === 'pread' && c.nbytes === 4096 && c.resfd !== null));
    }
    const reqs = rec.events.filter((e) => e.kind === 'aio');
    assert.equal(reqs.length, 100);
    const tags = reqs.map((r) => Number(r.data)).sort((a, b) => a - b);
    assert.deepEqual(tags, Array.from({ length: 100 }, (_, i) => 0xa10000 + i), 'each request once, with its aio_data');
    for (const r of reqs) {
      assert.equal(r.res, 4096);
      assert.ok(r.submit_ts !== null && r.complete_ts !== null && (r.complete_ts as number) >= (r.submit_ts as number));
      assert.equal(r.dur, (r.complete_ts as number) - (r.submit_ts as number));
      assertAt([r], 'aio_eventfd', 'aio-submit');
    }
    assertAt(syscalls(rec, 'io_getevents', pid), 'aio_eventfd', 'aio-getevents');
    assertAt(syscalls(rec, 'io_setup', pid), 'aio_eventfd', 'aio-setup');
    assertAt(syscalls(rec, 'io_destroy', pid), 'aio_eventfd', 'aio-destroy');
    assertAt(syscalls(rec, 'epoll_wait', pid), 'aio_eventfd', 'aio-epoll-wait');
    const reaped = syscalls(rec, 'io_getevents', pid).reduce((n, e) => n + (e.args.events as unknown[]).length, 0);
    assert.equal(reaped, 100);
  });

  for (const sqpoll of [false, true]) {
    it(`pairs io_uring requests by ring${sqpoll ? ', submitted by the SQPOLL thread' : ''}`, async () => {
      rec = await recordLaunch_([fixture('uring_read'), '--iterations', '20', ...(sqpoll ? ['--sqpoll'] : [])]);
      const pid = targetPid(rec, 'uring_read');
      const reqs = rec.events.filter((e) => e.kind === 'uring' && e.pid === pid);
      if (!ebpf) {
        // ptrace sees the io_uring_enter calls, not the requests they carry
        assert.equal(reqs.length, 0);
        const submits = syscalls(rec, 'io_uring_enter', pid).filter((e) => (e.args.to_submit as number) > 0);
        if (sqpoll) assert.ok(submits.length <= 2, `${submits.length} submitting calls with SQPOLL`);
        else assert.equal(submits.length, 20);
        if (submits.length) assertAt(submits, 'uring_read', 'uring-submit');
        assertAt(syscalls(rec, 'io_uring_setup', pid), 'uring_read', 'uring-setup');
        const waits = syscalls(rec, 'io_uring_enter', pid).filter((e) => (e.args.min_complete as number) > 0);
        if (waits.length) assertAt(waits, 'uring_read', 'uring-wait');
        return;
      }
      assert.equal(reqs.length, 80);
      const tags = reqs.map((r) => Number(r.data)).sort((a, b) => a - b);
      assert.deepEqual(tags, Array.from({ length: 80 }, (_, i) => 0xb20000 + i));
      for (const r of reqs) {
        assert.equal(r.name, 'read');
        assert.equal(r.res, 4096);
        assert.ok((r.complete_ts as number) >= (r.submit_ts as number));
        assert.equal(r.args.sqpoll, sqpoll);
      }
      if (sqpoll) {
        assert.ok(reqs.every((r) => r.tid !== pid), 'submitted by the kernel thread, not the main thread');
      } else {
        assert.ok(reqs.every((r) => r.tid === pid));
        const enters = syscalls(rec, 'io_uring_enter', pid).filter((e) => (e.args.to_submit as number) > 0);
        assert.equal(enters.length, 20);
        assertAt(enters, 'uring_read', 'uring-submit');
      }
      assertAt(syscalls(rec, 'io_uring_setup', pid), 'uring_read', 'uring-setup');
      const waits = syscalls(rec, 'io_uring_enter', pid).filter((e) => (e.args.min_complete as number) > 0);
      if (waits.length) assertAt(waits, 'uring_read', 'uring-wait');
    });
  }

  for (const variant of ['plain', 'setsig'] as const) {
    it(`shows signal-driven I/O (${variant}): the fcntl setup, SIGIO generate -> deliver, the sigsuspend waits`, async () => {
      rec = await recordLaunch_([fixture('sigio_pipe'), '--iterations', '10', ...(variant === 'setsig' ? ['--setsig'] : [])]);
      const pid = targetPid(rec, 'sigio_pipe');
      const sig = variant === 'setsig' ? 'SIGRT_3' : 'SIGIO'; // SIGRTMIN+1 with glibc's SIGRTMIN of 34
      const fcntls = syscalls(rec, 'fcntl', pid);
      assertAt(fcntls.filter((f) => f.args.cmd === 'F_SETOWN'), 'sigio_pipe', 'setown');
      const setfl = fcntls.filter((f) => f.args.cmd === 'F_SETFL');
      assertAt(setfl, 'sigio_pipe', 'setfl-async');
      assert.ok(setfl.every((f) => f.args.async === true));
      if (variant === 'setsig') assertAt(fcntls.filter((f) => f.args.cmd === 'F_SETSIG'), 'sigio_pipe', 'setsig');
      const gens = rec.events.filter((e) => e.kind === 'signal' && e.phase === 'generate' && e.pid === pid && e.name === sig);
      const delivs = rec.events.filter((e) => e.kind === 'signal' && e.phase === 'deliver' && e.pid === pid && e.name === sig);
      assert.equal(delivs.length, 10, `${delivs.length} deliveries`);
      assert.match(rec.stdout, /signals=10 /, 'the program got each signal once: none swallowed, none added');
      if (ebpf) assert.ok(gens.length >= 10);
      else assert.equal(gens.length, 0, 'ptrace sees deliveries only');
      for (const d of delivs) {
        if (ebpf) assert.ok(d.generate_ts !== null && d.ts >= (d.generate_ts as number), 'each delivery follows its generation');
        assertAt([d], 'sigio_pipe', 'sigsuspend-wait');
        if (variant === 'setsig') {
          assert.equal(d.args.code, 1, 'POLL_IN');
          assert.equal(typeof d.args.si_fd, 'number');
        }
      }
      if (ebpf) assert.notEqual(gens[0].args.sender_tid, pid, 'generated by the writer thread');
      if (ebpf && variant === 'plain') {
        // no si_fd in a plain SIGIO: the fd comes from the fcntl setup
        assert.ok(gens.every((g) => g.args.fd === setfl[0].args.fd && g.args.fd_from !== undefined), `fd from the setup: ${JSON.stringify(gens[0].args)}`);
      }
      // each handler's run, from its delivery to its rt_sigreturn
      const handlers = rec.events.filter((e) => e.kind === 'signal' && e.phase === 'handler' && e.pid === pid && e.name === sig);
      assert.equal(handlers.length, 10, `${handlers.length} handler runs`);
      for (const h of handlers) {
        assert.ok(typeof h.dur === 'number' && h.dur > 0 && h.dur < 1e9, `handler run ${h.dur} ns`);
        assert.ok(delivs.some((d) => d.ts === h.ts && d.tid === h.tid), 'a handler run starts at its delivery');
      }
      assert.equal(syscalls(rec, 'rt_sigreturn', pid).length, 0, 'rt_sigreturn is the end of a handler run, not a call of its own');
      assertAt(syscalls(rec, 'rt_sigsuspend', pid), 'sigio_pipe', 'sigsuspend-wait');
    });
  }

  it('shows a thread pool: blocking preads and fsyncs in workers, eventfd writes waking the loop', async () => {
    rec = await recordLaunch_([fixture('threadpool_pread'), '--iterations', '200'], ['--min-duration', '0']);
    const pid = targetPid(rec, 'threadpool_pread');
    const preads = syscalls(rec, 'pread64', pid).filter((e) => e.tid !== pid && e.args.count === 4096);
    assert.equal(preads.length, 200);
    assertAt(preads, 'threadpool_pread', 'pool-pread');
    assert.ok(new Set(preads.map((p) => p.tid)).size >= 2, 'several workers');
    const fsyncs = syscalls(rec, 'fsync', pid).filter((e) => e.tid !== pid);
    assert.equal(fsyncs.length, 50);
    assertAt(fsyncs, 'threadpool_pread', 'pool-fsync');
    const done = syscalls(rec, 'write', pid).filter((e) => e.args.fd_type === 'eventfd');
    assert.equal(done.length, 200);
    assertAt(done, 'threadpool_pread', 'pool-done-write');
    assertAt(syscalls(rec, 'epoll_wait', pid), 'threadpool_pread', 'pool-loop-wait');
    if (!ebpf) return;
    const wakes = rec.events.filter((e) => e.kind === 'wake' && e.wakee_tid === pid && e.args.wakee_call === 'epoll_wait');
    assert.ok(wakes.length > 0 && wakes.every((w) => w.tid !== pid), 'woken by the workers');
    assert.ok(wakes.every((w) => /eventfd/.test(String(w.args.path))), 'the wake-ups are eventfd writes');
  });

  it('follows threads and children started after the attach, across exec', async () => {
    rec = await recordAttach_('fork_threads', ['--iterations', '5']);
    const parent = targetPid(rec, 'fork_threads');
    const threads = rec.events.filter((e) => e.kind === 'thread' && e.name === 'start' && e.pid === parent);
    assert.equal(threads.length, 3);
    const names = new Set(rec.events.filter((e) => e.kind === 'thread' && e.name === 'rename').map((e) => e.comm));
    for (const n of ['worker-1', 'worker-2', 'worker-3']) assert.ok(names.has(n), `thread ${n} named`);
    const child = rec.events.find((e) => e.kind === 'process' && e.name === 'start' && e.args.parent_pid === parent);
    assert.ok(child, 'the forked child is followed');
    const exec = rec.events.find((e) => e.kind === 'process' && e.name === 'exec' && e.pid === child.pid);
    assert.ok(exec, 'its exec is seen');
    const polls = syscalls(rec, 'poll');
    assertAt(polls.filter((p) => p.pid === parent && p.tid !== parent), 'fork_threads', 'thread-poll');
    assertAt(polls.filter((p) => p.pid === child.pid && p.ts < exec.ts), 'fork_threads', 'child-poll');
    assertAt(polls.filter((p) => p.pid === child.pid && p.ts > exec.ts), 'fork_threads', 'exec-poll');
    for (const p of polls) assert.ok((p.dur ?? 0) >= 4.5 * MS, 'each poll waits its 5 ms timeout');
    const exits = rec.events.filter((e) => e.kind === 'process' && e.name === 'exit');
    assert.ok(exits.some((e) => e.pid === child.pid && e.ret === 0));
  });

  it('walks deep stacks frame by frame', async () => {
    rec = await recordLaunch_([fixture('deep_stack'), '--iterations', '3', '--depth', '20']);
    const polls = syscalls(rec, 'poll');
    assert.equal(polls.length, 3);
    for (const p of polls) {
      const inFixture = p.stack.filter((f) => f.file?.endsWith('deep_stack.c'));
      assert.equal(inFixture.length, 23, `bottom + 20 descend + run + main: ${inFixture.map((f) => f.function).join(' ')}`);
      assert.equal(inFixture[0].line, markLine('deep_stack', 'deep-poll'));
      assert.equal(inFixture[1].line, markLine('deep_stack', 'deep-bottom'));
      assert.equal(inFixture[2].line, markLine('deep_stack', 'deep-recurse'));
    }
  });

  it('stops a frame-pointer walk at a register that holds no address (rbp = -8, as the BEAM leaves it)', async () => {
    // the ptrace walk added 16 to it, wrapped around, and read the stack copy at -8 − sp: the tracer crashed
    rec = await recordLaunch_([fixture('deep_stack'), '--iterations', '2', '--wild-rbp']);
    const end = readRecords(rec.traceFile).find((x) => x.kind === 'end');
    assert.ok(end?.kind === 'end' && end.reason === EndReason.target_exited, `the recording ended cleanly: ${JSON.stringify(end)}`);
    const polls = syscalls(rec, 'poll');
    assert.equal(polls.length, 3);
    assert.equal(frameIn(polls[0], 'deep_stack')?.function, 'wild_poll');
    assertAt(polls.slice(1), 'deep_stack', 'deep-poll');
  });
});

describe('calls that never slept (ebpf)', function () {
  this.timeout(60000);
  let rec: Recording | undefined;
  let dir: string | undefined;
  before(function () {
    requireBackend(this, 'ebpf');
  });
  afterEach(() => {
    cleanup(rec);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('tells a read that only copied from the page cache (CPU time, however long) from one that waited for a pipe', async () => {
    dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'iolens-slept-'));
    const file = join(dir, 'cached');
    writeFileSync(file, Buffer.alloc(64 << 20, 1)); // in the page cache from here on
    const script = `dd if=${file} of=/dev/null bs=32M count=2 2>/dev/null; (sleep 0.05; echo x) | dd of=/dev/null bs=1 count=1 2>/dev/null`;
    rec = await recordLaunch(['sh', '-c', script]);
    assert.equal(rec.code, 0, rec.stderr);
    const reads = syscalls(rec, 'read');
    const copies = reads.filter((e) => e.args.fd === 0 && e.ret === 32 << 20);
    assert.ok(copies.length > 0 && copies.every((e) => e.args.never_slept === true), `the 32 MiB copies never slept: ${JSON.stringify(copies.map((e) => [e.dur, e.args.never_slept]))}`);
    const waited = reads.filter((e) => e.args.fd === 0 && e.ret === 1 && (e.dur ?? 0) >= 40 * MS);
    assert.equal(waited.length, 1, `the read of the pipe waited for the echo: ${JSON.stringify(reads.map((e) => [e.args.fd, e.ret, e.dur]))}`);
    assert.equal(waited[0].args.never_slept, undefined, 'it slept until the echo');
    const text = await run(process.execPath, [CLI, 'report', rec.traceFile], 30000);
    assert.match(text.stdout, /\n\s+\d+\.\s+[\d.]+ \S+ max {2}read [^\n]*\n[^\n]*\n\s+(all|it|\d+) never slept \([^)]+\): CPU time and preemption by other work, no wait\n/, `the report's longest calls say the copies never slept:\n${text.stdout}`);
  });
});
