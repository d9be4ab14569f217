/**
 * Process trees: attaching to a pre-forking server's master follows its existing workers (unless
 * --no-children, which says what it leaves out); a launched program that daemonizes (the launched
 * process exits at once, a grandchild works on) is recorded until the last process of its tree
 * ends, and the report gives the recording's own length. With each backend. And mistakes in the
 * outputs or the target are said before anything is attached, with no trace left behind.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EndRecord, StartRecord } from '../../protocol/generated/wire';
import {
  BACKENDS, CLI, cleanup, frameIn, markLine, readRecords, recordAttach, recordLaunch, requireBackend, run, startWaiting, threadProblems,
  type Recording,
} from './harness';

const END_TARGET_EXITED = 1;

for (const backend of BACKENDS) describe(`process trees (${backend})`, function () {
  this.timeout(60000);
  let rec: Recording | undefined;
  before(function () {
    requireBackend(this, backend);
  });
  afterEach(() => cleanup(rec));

  it("follows a server's existing workers when attached to its master", async () => {
    rec = await recordAttach('fork_server', ['--workers', '2', '--iterations', '10'], [], 30000, backend);
    assert.equal(rec.code, 0, rec.stderr);
    const start = readRecords(rec.traceFile).find((r): r is StartRecord => r.kind === 'start');
    assert.ok(start);
    assert.equal(start.processes, 3, 'the master and its two workers, from the start');
    assert.match(rec.stderr, /recording pid \d+ \(fork_server\) and 2 processes descending from it: \d+, \d+/);
    const polls = rec.events.filter((e) => e.kind === 'syscall' && e.name === 'poll' && frameIn(e, 'fork_server')?.line === markLine('fork_server', 'worker-poll'));
    const workers = new Set(polls.map((e) => e.pid));
    assert.equal(workers.size, 2, 'both workers traced');
    assert.ok(!workers.has(start.pid), 'in the workers, not the master');
    for (const w of workers) assert.equal(polls.filter((e) => e.pid === w).length, 10, `every poll of worker ${w}`);
    assert.match(rec.stderr, /from 3 processes/);
  });

  it('leaves the workers alone with --no-children, and says so', async () => {
    rec = await recordAttach('fork_server', ['--workers', '2', '--iterations', '10'], ['--no-children'], 30000, backend);
    assert.equal(rec.code, 0, rec.stderr);
    const start = readRecords(rec.traceFile).find((r): r is StartRecord => r.kind === 'start');
    assert.equal(start?.processes, 1);
    assert.equal(start?.untracedChildren, 2);
    assert.match(rec.stderr, /2 existing child processes .*not traced \(--no-children\)/);
    assert.ok(!rec.events.some((e) => e.kind === 'syscall' && e.pid !== start?.pid), 'nothing from the workers');
  });

  it('names the interpreter a launched script runs in as its exec\'s program, not the script (a Python server launched as its script is Python)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-script-'));
    const script = join(dir, 'serve');
    writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    try {
      rec = await recordLaunch([script], [], 30000, backend);
      assert.equal(rec.code, 0, rec.stderr);
      const execs = rec.events.filter((e) => e.kind === 'process' && e.name === 'exec').map((e) => String(e.args.filename));
      assert.ok(execs.length > 0, 'an exec record');
      // eBPF: the #! line's program; ptrace: /proc/PID/exe, the link resolved (Debian's sh is dash)
      assert.match(execs[0], /\/(?:sh|dash)$/, execs.join(', '));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records a daemon to its end, not only the process that was launched', async () => {
    rec = await recordLaunch(['sh', '-c', `exec "$0" --iterations 30 >"${'$1'}"`, join(__dirname, '..', 'fixtures', 'build', 'daemonize'), join(tmpdir(), `iolens-daemon-${process.pid}-${backend}.out`)], [], 30000, backend);
    const out = join(tmpdir(), `iolens-daemon-${process.pid}-${backend}.out`);
    try {
      assert.equal(rec.code, 0, rec.stderr);
      assert.match(rec.stderr, /every traced process exited/);
      const done = /done daemon=(\d+) polls=30/.exec(readFileSync(out, 'utf8'));
      assert.ok(done, 'the daemon finished');
      const polls = rec.events.filter((e) => e.kind === 'syscall' && e.name === 'poll' && e.pid === Number(done[1]));
      assert.equal(polls.length, 30, "every poll of the daemon, which outlived the launched process");
      for (const p of polls) assert.equal(frameIn(p, 'daemonize')?.line, markLine('daemonize', 'daemon-poll'));
      const records = readRecords(rec.traceFile);
      const start = records.find((r): r is StartRecord => r.kind === 'start')!;
      const end = records.find((r): r is EndRecord => r.kind === 'end')!;
      assert.equal(end.reason, END_TARGET_EXITED);
      assert.ok(end.ts - start.ts >= 30 * 5e6, 'the recording lasted as long as the daemon worked');
      // the report gives the recording's length, not the span of one process's events
      const report = await run(process.execPath, [CLI, 'report', rec.traceFile]);
      const m = /recorded .* for ([\d.]+) (ms|s),/.exec(report.stdout);
      assert.ok(m && Number(m[1]) * (m[2] === 's' ? 1000 : 1) >= 150, report.stdout.split('\n').slice(0, 3).join('\n'));
    } finally {
      rmSync(out, { force: true });
    }
  });
});

describe('mistakes said before anything is attached', function () {
  this.timeout(60000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-errors-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a JSON lines file it cannot write, in words, without a stack trace', async () => {
    const r = await run(process.execPath, [CLI, 'record', '-q', '--jsonl', '/nonexistent/x.jsonl', '--', 'true']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'iolens: cannot write /nonexistent/x.jsonl: its folder does not exist\n');
  });

  it('says a wrong input in words, a usage mistake with its command\'s usage only, and a tracer that refused once', async () => {
    const folder = await run(process.execPath, [CLI, 'report', dir]);
    assert.equal(folder.code, 1);
    assert.equal(folder.stderr, `iolens: cannot read ${dir}: it is a folder, not a trace file. Give the path of a trace file (.iolens) in it.\n`);
    const log = join(dir, 'not.log');
    writeFileSync(log, 'garbage\n');
    const notLog = await run(process.execPath, [CLI, 'import', log, '-o', join(dir, 'x.iolens')]);
    assert.equal(notLog.code, 1);
    assert.equal(notLog.stderr, `iolens: ${log} is not an strace log: no system call in it. Import a log written by strace -f -tt -T -o LOG.\n`);
    const usage = await run(process.execPath, [CLI, 'export', log, '-o', join(dir, 'x.txt')]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^iolens: say --format perfetto\|chrome .*\n\nUsage:\n {2}iolens export FILE\.iolens /);
    assert.doesNotMatch(usage.stderr, /iolens record/, 'only export\'s usage');
    const refused = await run(process.execPath, [CLI, 'record', '-q', '-o', join(dir, 'y.iolens'), '--', join(dir, 'no-such-program')]);
    assert.equal(refused.code, 1);
    // (the unprivileged user's recording falls back to ptrace, which says so first and still writes its empty trace)
    assert.match(refused.stderr, /^(?:iolens: using the ptrace backend[^\n]*\n)?iolens: cannot run .*no-such-program: No such file or directory\n/);
    assert.doesNotMatch(refused.stderr, /the stream is empty/);
  });

  it('refuses an output path at once in attach mode, leaving the target untouched', async () => {
    const t = await startWaiting('epoll_stall', ['--iterations', '20']);
    try {
      const t0 = Date.now();
      const r = await run(process.execPath, [CLI, 'record', '-q', '-o', join(dir, 'missing', 'x.iolens'), '--pid', String(t.pid)]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot write .*missing\/x\.iolens: its folder does not exist/);
      assert.doesNotMatch(r.stderr, /recording pid/);
      assert.ok(Date.now() - t0 < 3000, 'no attach, no detach');
      assert.deepEqual(threadProblems(t.pid), []);
    } finally {
      t.go();
      assert.equal(await t.exit, 0);
    }
  });

  it('says there is no such process and writes no trace', async () => {
    const trace = join(dir, 'x.iolens');
    const r = await run(process.execPath, [CLI, 'record', '-q', '-o', trace, '--pid', '999999999']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no process with pid 999999999/);
    assert.doesNotMatch(r.stderr, /trace written/);
    assert.ok(!existsSync(trace), 'no trace file');
    // an existing file is left as it was
    writeFileSync(trace, 'keep me');
    const again = await run(process.execPath, [CLI, 'record', '-q', '-o', trace, '--pid', '999999999']);
    assert.equal(again.code, 1);
    assert.equal(readFileSync(trace, 'utf8'), 'keep me');
  });
});
