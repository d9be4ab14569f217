/**
 * `iolens import` on strace logs recorded here, by Debian's strace, from the fixtures: golden
 * summaries of what the import makes of them (with and without -k, with -tt and -ttt), the source
 * lines of -k stacks at the fixtures' marked calls, and the same counts of events by kind as
 * iolens itself recording the same run (eBPF attached while strace runs the fixture).
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertGolden } from '../../extension/src/core/testing/golden';
import { CLI, fixture, markLine, parseJsonl, readyPid, requireBackend, requireInstalled, run, sourcePath, traceEvents, type JsonEvent } from './harness';

const GOLDEN = join(__dirname, '__golden__');

/** `strace OPTIONS -o LOG FIXTURE ARGS`; the log's path. */
async function straceRun(dir: string, name: string, options: string[], args: string[]): Promise<string> {
  const log = join(dir, `${name}.strace`);
  const r = await run('strace', [...options, '-o', log, fixture(name), ...args], 60000);
  assert.equal(r.code, 0, `strace ${name} failed: ${r.stderr}`);
  return log;
}

/** `iolens import LOG` then `iolens dump --jsonl`: the events, and what import said. */
async function imported(log: string, extra: string[] = []): Promise<{ events: JsonEvent[]; stdout: string; stderr: string }> {
  const out = log.replace(/\.strace$/, '.iolens');
  const r = await run(process.execPath, [CLI, 'import', log, '-o', out, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const d = await run(process.execPath, [CLI, 'dump', '--jsonl', out]);
  assert.equal(d.code, 0, d.stderr);
  return { events: parseJsonl(d.stdout), stdout: r.stdout, stderr: r.stderr };
}

/** What a kind of event is, without what changes from run to run (pids, times, addresses, durations). */
function shape(e: JsonEvent): string {
  const a = e.args;
  const parts = [e.kind, e.name];
  if (e.kind === 'syscall') {
    if (e.error) parts.push(e.error);
    for (const k of ['op', 'cmd', 'fd_type', 'async']) if (a[k] !== undefined && a[k] !== null) parts.push(`${k}=${String(a[k])}`);
    if (Array.isArray(a.iocbs)) parts.push(`iocbs=${a.iocbs.length}`);
    if (Array.isArray(a.events)) parts.push(`reaped=${a.events.length}`);
  } else if (e.kind === 'signal') {
    parts.push(e.phase ?? '');
    if (a.code !== undefined) parts.push(`code=${String(a.code)}`);
    if (a.si_fd !== undefined) parts.push('si_fd');
  } else if (e.kind === 'aio') {
    parts.push(`nbytes=${String(a.nbytes)}`, `res=${String(e.res)}`, e.complete_ts !== null ? 'paired' : 'unpaired');
  }
  return parts.join(' ');
}

/**
 * Waits of an event loop with a timeout: how many turns the loop takes depends on how the fixture's
 * events fall together and on strace's slowdown (a 100 ms timeout can fire), not on the import. Their
 * count is checked against a range and the golden says `×turns`.
 */
const LOOP_WAITS = new Set(['epoll_wait', 'epoll_pwait', 'poll', 'ppoll', 'select', 'pselect6']);

/**
 * A golden summary: per process (in order of appearance) and thread name, the count of each shape;
 * with the fixture line of each call site. Given `turns`, loop waits are counted there (one entry
 * per shape) and written as `×turns`.
 */
function summary(events: JsonEvent[], source: string, turns?: Map<string, number>): string {
  const names = new Map<number, string>();
  const procs: number[] = [];
  for (const e of events) {
    if (!procs.includes(e.pid)) procs.push(e.pid);
    if ((e.kind === 'thread' || e.kind === 'process') && e.comm) names.set(e.tid, e.comm);
  }
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.kind === 'process' || e.kind === 'thread') continue;
    const site = e.stack.find((f) => f.file === sourcePath(source));
    const key = `p${procs.indexOf(e.pid)} ${names.get(e.tid) ?? '?'}: ${shape(e)}${site ? ` @ ${source}.c:${site.line} ${site.function}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (turns && e.kind === 'syscall' && LOOP_WAITS.has(e.name)) turns.set(key, counts.get(key) ?? 0);
  }
  return [...counts].map(([k, n]) => `${k} ×${turns?.has(k) ? 'turns' : n}`).sort().join('\n') + '\n';
}

describe('import strace logs', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(function () {
    requireInstalled(this, 'strace', ['-V']);
    dir = mkdtempSync(join(tmpdir(), 'iolens-strace-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** `turns`: the range the loop's wait count must fall in, for a fixture with an event loop. */
  const cases: { name: string; args: string[]; k: boolean; ttt?: boolean; turns?: [number, number] }[] = [
    { name: 'sigio_pipe', args: ['--iterations', '20', '--setsig'], k: false },
    { name: 'sigio_pipe', args: ['--iterations', '20'], k: true },
    // buffered: each batch completes inside its io_submit, so the wake-ups are as many as the batches
    { name: 'aio_eventfd', args: ['--iterations', '20', '--buffered'], k: true },
    // 20 ticks, 4 stall answers and the stop event, some handled in one turn; a timeout can add a turn
    { name: 'epoll_stall', args: ['--iterations', '20'], k: true, ttt: true, turns: [15, 40] },
    { name: 'fork_threads', args: ['--iterations', '10'], k: false },
  ];
  for (const c of cases) {
    const tag = `${c.name}${c.k ? '-k' : ''}${c.ttt ? '-ttt' : ''}`;
    it(`imports ${c.name} recorded with strace -f ${c.ttt ? '-ttt' : '-tt'} -T${c.k ? ' -k' : ''} (golden)`, async () => {
      const log = await straceRun(dir, c.name, ['-f', c.ttt ? '-ttt' : '-tt', '-T', '-y', ...(c.k ? ['-k'] : [])], c.args);
      const { events, stderr } = await imported(log, ['--min-duration', '0']);
      assert.doesNotMatch(stderr, /line skipped/, `every line of strace is read: ${stderr}`);
      const turns = c.turns ? new Map<string, number>() : undefined;
      assertGolden(join(GOLDEN, `strace-${tag}.txt`), summary(events, c.name, turns));
      if (c.turns && turns) {
        const [least, most] = c.turns;
        assert.ok(turns.size > 0, 'the loop\'s waits are there');
        for (const [key, n] of turns) assert.ok(n >= least && n <= most, `${key}: ${n} turns, expected ${least}–${most}`);
      }
      assert.ok(events.some((e) => e.kind === 'process' && e.name === 'exec'), 'the launched process is there');
    });
  }

  it('puts -k stacks on the marked lines of the fixture, resolved here to file and line', async () => {
    const log = await straceRun(dir, 'epoll_stall', ['-f', '-tt', '-T', '-k'], ['--iterations', '10']);
    const { events } = await imported(log);
    // the stalled reads told by their call site (on a loaded machine other reads can last 20 ms too)
    const stallLine = markLine('epoll_stall', 'stall-read');
    const stalls = events.filter((e) => e.kind === 'syscall' && e.name === 'read' && e.stack.some((f) => f.file === sourcePath('epoll_stall') && f.line === stallLine));
    assert.equal(stalls.length, 2, 'both stalled reads, at the marked line');
    for (const s of stalls) {
      assert.ok((s.dur ?? 0) >= 20e6, `the stalled read lasted ${s.dur} ns`);
      const site = s.stack.find((f) => f.file === sourcePath('epoll_stall'));
      assert.equal(site?.line, stallLine);
      assert.equal(site?.function, 'stall');
      assert.ok(s.stack.filter((f) => f.module?.endsWith('libc.so.6')).every((f) => f.file && f.line), 'libc frames resolve through libc6-dbg');
    }
  });

  it('dates a -ttt log by its epoch times and a -tt log by the file, to the same day', async () => {
    const before = Date.now();
    for (const t of ['-tt', '-ttt']) {
      const log = await straceRun(dir, 'sigio_pipe', ['-f', t, '-T'], ['--iterations', '3']);
      const out = log.replace(/\.strace$/, `${t}.iolens`);
      assert.equal((await run(process.execPath, [CLI, 'import', log, '-o', out])).code, 0);
      const report = await run(process.execPath, [CLI, 'report', out]);
      const when = /recorded (\S+ \S+) UTC/.exec(report.stdout)?.[1];
      const ms = Date.parse(`${when?.replace(' ', 'T')}Z`);
      assert.ok(Math.abs(ms - before) < 120000, `${t}: recorded ${when}, the test started at ${new Date(before).toISOString()}`);
    }
  });

  it('gives the same counts by kind as iolens recording the same run (eBPF attached while strace runs it)', async function () {
    requireBackend(this, 'ebpf');
    for (const [name, args] of [['sigio_pipe', ['--iterations', '20']], ['aio_eventfd', ['--iterations', '20']], ['fork_threads', ['--iterations', '5']], ['epoll_stall', ['--iterations', '20']]] as const) {
      const log = join(dir, `${name}.strace`);
      const recorded = join(dir, `${name}.rec.iolens`);
      const traced = spawn('strace', ['-f', '-tt', '-T', '-o', log, fixture(name), '--wait', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
      const straceExit = new Promise<number | null>((r) => traced.once('exit', (code) => r(code)));
      const ready = readyPid(traced, name, 20000);
      const pid = await ready.pid;
      const rec = await Promise.all([
        run(process.execPath, [CLI, 'record', '-q', '--backend', 'ebpf', '-m', '0', '-o', recorded, '--pid', String(pid)], 60000, (stderr) => {
          if (/recording pid/.test(stderr) && traced.stdin.writable) traced.stdin.end('go\n');
        }),
        straceExit,
      ]);
      assert.equal(rec[1], 0, `strace ${name}: ${ready.output()}`);
      const iolens = await traceEvents(recorded);
      const { events } = await imported(log, ['--min-duration', '0']);
      // the workload starts when the fixture has read "go" from its stdin: strace saw its start-up too
      const stdin = events.filter((e) => e.kind === 'syscall' && e.name === 'read' && e.args.fd === 0);
      assert.ok(stdin.length, 'the reads of "go" are in the log');
      const go = Math.max(...stdin.map((e) => e.ts));
      const after = events.filter((e) => e.ts > go);
      const count = (list: JsonEvent[]): Map<string, number> => {
        const m = new Map<string, number>();
        for (const e of list) {
          // what an strace log cannot show: signals the kernel sends (their delivery is shown), wake-ups, interrupts
          if (e.kind === 'wake' || e.kind === 'irq' || (e.kind === 'signal' && e.phase === 'generate') || e.kind === 'drop') continue;
          if (e.kind === 'syscall' && e.name === 'read' && e.args.fd === 0) continue;
          // strace's ptrace makes the kernel deliver signals the program ignores (SIGCHLD here), and
          // eBPF sees that; the import leaves them out, as iolens does for the program untraced
          if (e.kind === 'signal' && e.name === 'SIGCHLD') continue;
          if ((e.kind === 'process' || e.kind === 'thread') && (e.name === 'existing' || e.name === 'rename')) continue;
          const k = `${e.kind} ${e.name}${e.kind === 'signal' ? ` ${e.phase}` : ''}`;
          m.set(k, (m.get(k) ?? 0) + 1);
        }
        return m;
      };
      assert.deepEqual(Object.fromEntries([...count(after)].sort()), Object.fromEntries([...count(iolens)].sort()), name);
    }
  });
});
