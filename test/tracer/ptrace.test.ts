/**
 * What the ptrace backend has to show beyond the shared assertions of models.test.ts and
 * lifecycle.test.ts: the meta record's cannot_see, the choice of backend, attach refusals said in
 * words, job control (SIGSTOP/SIGTSTP, SIGCONT) still working, every signal re-injected, calls in
 * flight at the end, a storm of tasks followed to the end, and the --seccomp launch.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLI, TRACER, asTestUser, cleanup, requireBackend, requireInstalled, requireTestUser, fixture, frameIn, markLine, parseJsonl, readMeta, readRecords, traceEvents,
  recordAttach, recordLaunch, run, sleep, startWaiting, threadProblems, type JsonEvent, type Recording,
} from './harness';
import { EndReason, FdType, Sys } from '../../protocol/generated/wire';

const MS = 1e6;
const END_TARGET_EXITED = EndReason.target_exited;
const END_DURATION = EndReason.duration;

/** Yama's ptrace_scope, or why there is nothing of Yama's to test here. */
function yamaScope(): { scope: number; problem: null } | { scope: null; problem: string } {
  const file = '/proc/sys/kernel/yama/ptrace_scope';
  if (!existsSync(file)) return { scope: null, problem: 'this kernel has no Yama module' };
  const scope = Number(readFileSync(file, 'utf8'));
  return scope < 1 ? { scope: null, problem: `ptrace_scope is ${scope}: Yama forbids nothing` } : { scope, problem: null };
}

function events(r: Recording, kind: string, name?: string): JsonEvent[] {
  return r.events.filter((e) => e.kind === kind && (name === undefined || e.name === name));
}

describe('the ptrace backend', function () {
  this.timeout(60000);
  let rec: Recording | undefined;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iolens-ptrace-'));
    chmodSync(dir, 0o777); // the unprivileged user's tracer writes here too
  });
  afterEach(() => {
    cleanup(rec);
    rec = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  describe('says what it cannot see', () => {
    for (const mode of ['launch', 'attach'] as const) {
      it(`in the meta record's cannot_see (${mode}ed)`, async () => {
        rec = mode === 'launch'
          ? await recordLaunch([fixture('epoll_stall'), '--iterations', '5'], [], 30000, 'ptrace')
          : await recordAttach('epoll_stall', ['--iterations', '5'], [], 30000, 'ptrace');
        const meta = readMeta(rec.traceFile);
        assert.equal(meta.backend, 'ptrace');
        assert.equal(meta.launched, mode === 'launch');
        const cannot = meta.cannot_see as string[];
        for (const what of [/^hard IRQs$/, /^io_uring requests submitted without a syscall \(SQPOLL\) and io_uring completions/,
          /^wake-ups inside the kernel \(eventfd\/futex causality\)$/, /^signal generation in the sender \(only delivery is seen\)$/,
          /CPU/]) {
          assert.ok(cannot.some((c) => what.test(c)), `cannot_see names ${what}: ${JSON.stringify(cannot)}`);
        }
        assert.equal(cannot.some((c) => /before the attach/.test(c)), mode === 'attach');
      });
    }

    it('and the eBPF backend writes the list too (empty here)', async function () {
      requireBackend(this, 'ebpf');
      rec = await recordLaunch([fixture('epoll_stall'), '--iterations', '2']);
      const meta = readMeta(rec.traceFile);
      assert.equal(meta.backend, 'ebpf');
      assert.deepEqual(meta.cannot_see, []);
    });
  });

  describe('chooses its backend', () => {
    it('refuses an unknown backend and --seccomp outside a ptrace launch', async () => {
      const bad = await run(TRACER, ['--backend', 'dtrace', '--pid', '1']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--backend must be ebpf, ptrace or auto, not 'dtrace'/);
      const sec = await run(TRACER, ['--seccomp', '--pid', '1']);
      assert.equal(sec.code, 2);
      assert.match(sec.stderr, /--seccomp applies to a command launched with the ptrace backend only/);
    });

    it('uses ptrace by default for a user who may not load eBPF programs', async function () {
      requireTestUser(this);
      const out = join(dir, 'auto.iolens');
      const [cmd, args] = asTestUser(TRACER, ['-o', out, '--', fixture('epoll_stall'), '--iterations', '3']);
      const r = await run(cmd, args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /using the ptrace backend: this user may not load eBPF programs/);
      assert.equal(readMeta(out).backend, 'ptrace');
    });
  });

  describe('explains why it cannot attach', () => {
    it('to a process of another user', async function () {
      requireTestUser(this);
      const t = await startWaiting('epoll_stall', ['--iterations', '5']); // root's
      const [cmd, args] = asTestUser(TRACER, ['--backend', 'ptrace', '-o', join(dir, 'x.iolens'), '--pid', String(t.pid)]);
      const r = await run(cmd, args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`pid ${t.pid} belongs to root \\(uid 0\\), not to you \\(iolens-test \\(uid \\d+\\)\\): iolens-tracer traces only your own processes`));
      assert.deepEqual(threadProblems(t.pid), []);
      t.go();
      assert.equal(await t.exit, 0);
    });

    // registered only where Yama forbids something (a kernel without it, or scope 0, has nothing to test)
    const yama = yamaScope();
    if (yama.problem) process.stderr.write(`      (not registered: "when Yama forbids attaching…": ${yama.problem})\n`);
    else it('when Yama forbids attaching to a process that is not a child', async function () {
      requireTestUser(this);
      const t = await startWaiting('epoll_stall', ['--iterations', '5'], true); // the user's own, not the tracer's child
      const [cmd, args] = asTestUser(TRACER, ['--backend', 'ptrace', '-o', join(dir, 'x.iolens'), '--pid', String(t.pid)]);
      const r = await run(cmd, args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`/proc/sys/kernel/yama/ptrace_scope is ${yama.scope}`));
      assert.match(r.stderr, /launch the program under iolens instead/);
      t.go();
      assert.equal(await t.exit, 0);
    });

    it('to a process that another tracer traces', async function () {
      requireInstalled(this, 'strace', ['-V']);
      const t = await startWaiting('epoll_stall', ['--iterations', '5']);
      const strace = spawn('strace', ['-qq', '-o', '/dev/null', '-p', String(t.pid)], { stdio: 'ignore' });
      for (let i = 0; i < 200 && !/TracerPid:\s+[1-9]/.test(readFileSync(`/proc/${t.pid}/status`, 'utf8')); i++) await sleep(10);
      const r = await run(TRACER, ['--backend', 'ptrace', '-o', join(dir, 'x.iolens'), '--pid', String(t.pid)]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`pid ${t.pid} is already traced by pid ${strace.pid} \\(strace\\)`));
      strace.kill('SIGINT');
      await new Promise((res) => strace.once('exit', res));
      t.go();
      assert.equal(await t.exit, 0);
    });

    it('to a process that is gone', async () => {
      const r = await run(TRACER, ['--backend', 'ptrace', '-o', join(dir, 'x.iolens'), '--pid', '999999998']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /no process with pid 999999998/);
    });
  });

  for (const stopper of ['SIGSTOP', 'SIGTSTP'] as const) {
    it(`leaves job control working: ${stopper} stops the traced program, SIGCONT resumes it`, async () => {
      // in a group of its own: SIGTSTP must not be discarded when this test runs in an orphaned job
      const t = await startWaiting('epoll_stall', ['--iterations', '100'], false, true);
      try {
        const trace = join(dir, 't.iolens');
        let recording = false;
        const cli = run(process.execPath, [CLI, 'record', '-q', '--backend', 'ptrace', '-m', '0', '-o', trace, '--pid', String(t.pid)], 30000, (err) => {
          if (/recording pid/.test(err) && t.child.stdin?.writable) {
            recording = true;
            t.go();
          }
        });
        // stop it once it runs traced with its three threads (the attach takes longer on a loaded machine)
        for (let i = 0; i < 1500 && !(recording && readdirSync(`/proc/${t.pid}/task`).length >= 3); i++) await sleep(20);
        await sleep(150);
        process.kill(t.pid, stopper);
        // every thread reaches the group-stop within moments (longer on a loaded machine)
        let states: string[] = [];
        for (let i = 0; i < 100 && states.length < 3; i++) {
          await sleep(20);
          states = threadProblems(t.pid).filter((p) => /state/.test(p));
        }
        assert.ok(states.length >= 3, `every thread stopped: ${states.join(', ')}`);
        await sleep(400);
        process.kill(t.pid, 'SIGCONT');
        assert.equal(await t.exit, 0);
        assert.match(t.out(), /done ticks=100 /);
        const r = await cli;
        assert.equal(r.code, 0, r.stderr);
        // the trace file holds every event (a live output may skip some on a loaded machine)
        const evs = await traceEvents(trace);
        assert.ok(evs.some((e) => e.kind === 'signal' && e.phase === 'deliver' && e.name === stopper), `${stopper} delivered`);
        const ticker = evs.find((e) => e.kind === 'thread' && e.name === 'rename' && e.comm === 'ticker');
        assert.ok(ticker);
        const writes = evs.filter((e) => e.kind === 'syscall' && e.name === 'write' && e.tid === ticker.tid).map((e) => e.ts).sort((a, b) => a - b);
        const gap = Math.max(...writes.slice(1).map((ts, i) => ts - writes[i]));
        assert.ok(gap >= 400 * MS, `the program made no progress while stopped (largest gap ${gap / MS} ms)`);
      } finally {
        // a failed assertion must not leave the program stopped: mocha would wait for it forever
        if (t.child.exitCode === null && t.child.signalCode === null) {
          process.kill(t.pid, 'SIGCONT');
          process.kill(t.pid, 'SIGKILL');
        }
      }
    });
  }

  for (const mode of ['launch', 'attach'] as const) {
    it(`re-injects every signal unchanged (${mode}ed): the program counts each exactly once`, async () => {
      const args = ['--iterations', '30', '--setsig'];
      rec = mode === 'launch'
        ? await recordLaunch([fixture('sigio_pipe'), ...args], [], 30000, 'ptrace')
        : await recordAttach('sigio_pipe', args, [], 30000, 'ptrace');
      assert.match(rec.stdout, /done writes=30 signals=30 bytes=30 sig=35 si_code=1 si_fd_match=yes/);
      const deliveries = events(rec, 'signal').filter((e) => e.phase === 'deliver' && e.name === 'SIGRT_3');
      assert.equal(deliveries.length, 30);
      for (const d of deliveries) {
        assert.equal(d.args.code, 1);
        assert.equal(typeof d.args.si_fd, 'number');
        assert.equal(frameIn(d, 'sigio_pipe')?.line, markLine('sigio_pipe', 'sigsuspend-wait'));
      }
    });
  }

  it('counts the short calls on fds opened before the attach by their kind of fd (a server\'s log written from its loop)', async () => {
    // short_calls opens its socket and /dev/null before the handshake: the attach finds them open
    rec = await recordAttach('short_calls', ['--iterations', '3000'], [], 30000, 'ptrace');
    const counted = readRecords(rec.traceFile).filter((x) => x.kind === 'call_summary' && (x.sys === Sys.write || x.sys === Sys.recvfrom));
    assert.ok(counted.length >= 2, 'the writes and receives are counted');
    // before, the ptrace tracer knew only the types of fds opened while it traced: "unknown" (0).
    // Its writes to /dev/null are a character device's; its last line to stdout (the harness's
    // pipe, a socketpair as Node.js makes them) may be counted too, a socket's
    const types = counted.map((c) => (c.kind === 'call_summary' ? `${c.sys}:${c.fdType}` : ''));
    assert.ok(!counted.some((c) => c.kind === 'call_summary' && c.fdType === FdType.unknown), `no fd of an unknown type: ${types.join(' ')}`);
    assert.ok(types.includes(`${Sys.write}:${FdType.chr}`), `the writes to /dev/null: ${types.join(' ')}`);
    assert.ok(types.includes(`${Sys.recvfrom}:${FdType.socket}`), `the receives: ${types.join(' ')}`);
  });

  it('reports a call still in progress at the end as unfinished, and lets it continue undisturbed', async () => {
    const t = await startWaiting('epoll_stall', ['--iterations', '5']); // blocked in read(stdin)
    const trace = join(dir, 't.iolens');
    const r = await run(TRACER, ['--backend', 'ptrace', '-o', trace, '--duration', '0.6', '--pid', String(t.pid)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(threadProblems(t.pid), []);
    const recs = readRecords(trace);
    const unfinished = recs.filter((x) => x.kind === 'syscall' && (x.flags & 1) !== 0 && x.sys === Sys.read && x.tid === t.pid);
    assert.ok(unfinished.length >= 1, 'the read of stdin is in flight');
    const last = unfinished[unfinished.length - 1];
    assert.ok(last.kind === 'syscall' && Number(last.dur) >= 500 * MS, 'for the whole recording');
    const end = recs.find((x) => x.kind === 'end');
    assert.ok(end?.kind === 'end' && end.reason === END_DURATION);
    t.go(); // the read that was in flight now returns, and the program goes on
    assert.equal(await t.exit, 0);
    assert.match(t.out(), /done ticks=5 /);
  });

  for (const mode of ['launch', 'attach'] as const) {
    it(`follows 1000 threads, 100 children and an exec to the end (${mode}ed)`, async () => {
      const args = ['--iterations', '1000', '--forks', '100'];
      rec = mode === 'launch'
        ? await recordLaunch([fixture('task_storm'), ...args], [], 60000, 'ptrace')
        : await recordAttach('task_storm', args, [], 60000, 'ptrace');
      assert.equal(rec.code, 0, rec.stderr);
      assert.match(rec.stdout, /done threads=1000 forks=100 exec=1/);
      const target = events(rec, 'process').find((e) => e.name === (mode === 'launch' ? 'exec' : 'existing'));
      assert.ok(target);
      const pid = target.pid;
      assert.equal(events(rec, 'thread', 'start').filter((e) => e.pid === pid).length, 1000);
      assert.equal(events(rec, 'thread', 'exit').filter((e) => e.pid === pid).length, 1000);
      const children = events(rec, 'process', 'start').filter((e) => e.args.parent_pid === pid);
      assert.equal(children.length, 100);
      const exits = events(rec, 'process', 'exit');
      for (const c of children) assert.ok(exits.some((e) => e.pid === c.pid && e.ret === 0), `child ${c.pid} exit seen`);
      const polls = events(rec, 'syscall', 'poll');
      assert.equal(polls.filter((p) => p.pid === pid && p.tid !== pid).length, 1000);
      assert.equal(polls.filter((p) => children.some((c) => c.pid === p.pid)).length, 100);
      for (const p of polls.filter((x) => x.pid !== pid).slice(0, 5)) assert.equal(frameIn(p, 'task_storm')?.line, markLine('task_storm', 'storm-child'));
      const exec = events(rec, 'process', 'exec').filter((e) => e.pid === pid);
      assert.equal(exec.length, mode === 'launch' ? 2 : 1);
      const last = polls.filter((p) => p.pid === pid && p.tid === pid && p.ts > exec[exec.length - 1].ts);
      assert.equal(last.length, 1, 'the last call before the exit is in the trace');
      assert.equal(frameIn(last[0], 'task_storm')?.line, markLine('task_storm', 'storm-last'));
      assert.ok(exits.some((e) => e.pid === pid && e.ret === 0 && e.ts >= last[0].ts), 'and the exit after it');
      const end = readRecords(rec.traceFile).find((x) => x.kind === 'end');
      assert.ok(end?.kind === 'end' && end.reason === END_TARGET_EXITED, 'the recording ended cleanly');
    });
  }

  describe('--seccomp (launch only)', () => {
    it('stops only at the traced calls and records the same events', async () => {
      const trace = join(dir, 's.iolens');
      const r = await run(TRACER, ['--backend', 'ptrace', '--seccomp', '-o', trace, '--', fixture('epoll_stall'), '--iterations', '20']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /done ticks=20 stalls=4 /);
      assert.equal(readMeta(trace).seccomp, true);
      const dump = await run(process.execPath, [CLI, 'dump', '--jsonl', trace]);
      const evs = parseJsonl(dump.stdout);
      const waits = evs.filter((e) => e.kind === 'syscall' && e.name === 'epoll_wait');
      assert.ok(waits.length >= 20);
      for (const w of waits) assert.equal(frameIn(w, 'epoll_stall')?.line, markLine('epoll_stall', 'loop-wait'));
      const stalls = evs.filter((e) => e.kind === 'syscall' && e.name === 'read' && (e.dur ?? 0) >= 15 * MS);
      assert.equal(stalls.length, 4);
      for (const s of stalls) assert.equal(frameIn(s, 'epoll_stall')?.line, markLine('epoll_stall', 'stall-read'));
      assert.ok(evs.some((e) => e.kind === 'thread' && e.name === 'rename' && e.comm === 'ticker'));
    });

    it('serves the program to its end once the recording stops (it cannot be let go)', async () => {
      const trace = join(dir, 's.iolens');
      const t0 = Date.now();
      const r = await run(TRACER, ['--backend', 'ptrace', '--seccomp', '--duration', '0.1', '-o', trace, '--', fixture('epoll_stall'), '--iterations', '60']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /cannot be let go, so iolens-tracer serves it/);
      assert.match(r.stdout, /done ticks=60 stalls=12 /, 'the program ran to its normal end');
      assert.ok(Date.now() - t0 >= 250, 'the tracer stayed until the program exited');
      const end = readRecords(trace).find((x) => x.kind === 'end');
      assert.ok(end?.kind === 'end' && end.reason === END_DURATION);
    });

    it('documents why it is not the default: a SIGKILLed tracer leaves the program failing (ENOSYS)', async function () {
      // what the kernel does with SECCOMP_RET_TRACE when no tracer is attached: every traced call
      // fails with ENOSYS, so the program cannot even say why it stops (write fails too). A child
      // subreaper (python3) collects its exit status. The default launch, without the filter,
      // survives the same kill (harm.test.ts).
      requireInstalled(this, 'python3', ['-c', '']);
      const reaper = [
        'import ctypes, os, subprocess, sys',
        'ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER',
        'p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)',
        'print("tracer", p.pid, flush=True)',
        'while True:',
        '    try: pid, st = os.wait()',
        '    except ChildProcessError: break',
        '    print("exit", pid, st, flush=True)',
      ].join('\n');
      const trace = join(dir, 's.iolens');
      const child = spawn('python3', ['-c', reaper, TRACER, '--backend', 'ptrace', '--seccomp', '-o', trace, '--', fixture('epoll_stall'), '--iterations', '200'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (d: string) => (out += d));
      const done = new Promise((r) => child.once('exit', r));
      for (let i = 0; i < 500 && !/tracer (\d+)/.test(out); i++) await sleep(10);
      const tracerPid = Number(/tracer (\d+)/.exec(out)?.[1]);
      await sleep(300); // tracing, mid-run
      process.kill(tracerPid, 'SIGKILL');
      const t0 = Date.now();
      await done;
      const statuses = [...out.matchAll(/exit (\d+) (\d+)/g)].map((m) => ({ pid: Number(m[1]), status: Number(m[2]) }));
      const program = statuses.find((x) => x.pid !== tracerPid);
      assert.ok(program, `the program's exit was collected: ${out}`);
      assert.notEqual(program.status, 0, 'the program failed instead of finishing its 200 ticks (about 1 s)');
      assert.ok(Date.now() - t0 < 900, 'at once');
    });
  });
});
