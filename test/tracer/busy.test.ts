/**
 * A busy target never holds a recording: under a flood of events (epoll_loop, a traced call every
 * microsecond or so), Ctrl-C and --duration end `iolens record` within a second in every output
 * mode — quiet, event lines into a pipe read slowly, JSON lines into the same pipe — and the
 * summary's counts are exactly what the trace file holds. What the live output could not show is
 * counted and said, never silently dropped.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { decodeTraceBytes } from '../../extension/src/core/trace/fileReader';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TracePipeline } from '../../extension/src/core/trace/pipeline';
import type { EndRecord } from '../../protocol/generated/wire';
import { CLI, backendArgs, fixture, gone, killTree, readRecords, requireBackend, sleep, type Backend } from './harness';

/** The end of a recording must come within this long of the stop (the bound). */
const STOP_BOUND_MS = 1000;
const END_SIGNAL = 2;
const END_DURATION = 3;

type Mode = 'quiet' | 'lines' | 'jsonl';

interface Flood {
  stderr: () => string;
  stdout: () => string;
  exit: Promise<number | null>;
  cliPid: number;
  targetPid: number;
  /** Date.now() when the CLI announced the recording. */
  startedAt: number;
}

/** `pid` still runs a command line holding `text` (not a pid that a process which ended left to another). */
function runs(pid: number, text: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
  } catch {
    return false;
  }
}

/** The floods a test started: whatever its outcome, they end with it (afterEach). */
const floods: Flood[] = [];

/** `iolens record -m 0` of a flood launched under it; its stdout is read slowly (4 KiB every 20 ms). */
async function startFlood(dir: string, backend: Backend, mode: Mode, extra: string[] = []): Promise<Flood> {
  // the recording's end is what is bounded: the overview's pass that follows it (a second read of
  // the file, seconds for a flood's million events; a second Ctrl-C skips it) is left out here
  const args = [CLI, 'record', ...backendArgs(backend), '-m', '0', '-o', join(dir, 't.iolens'), '--no-overview', ...extra];
  if (mode === 'quiet') args.push('-q');
  if (mode === 'jsonl') args.push('--jsonl', '-');
  // the program writes nothing: its output would mix with the CLI's
  args.push("--", "sh", "-c", `exec "${fixture("epoll_loop")}" --ready --iterations 2000000000 >/dev/null 2>&1`);
  const cli = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  cli.stderr.setEncoding('utf8');
  cli.stderr.on('data', (s: string) => (stderr += s));
  cli.stdout.setEncoding('utf8');
  cli.stdout.pause();
  const reader = setInterval(() => {
    const s = cli.stdout.read(4096) as string | null;
    if (s) stdout += s;
  }, 20);
  // at its exit Node resumes a child's unread output and drops it (flushStdio): what the CLI wrote
  // last (the note of what it left out) would be lost to the test, so from then on it is collected
  cli.once('exit', () => {
    clearInterval(reader);
    for (let s = cli.stdout.read() as string | null; s; s = cli.stdout.read() as string | null) stdout += s;
    cli.stdout.on('data', (s: string) => (stdout += s));
  });
  const exit = new Promise<number | null>((r) => cli.once('close', (code) => r(code)));
  for (let i = 0; i < 1000 && !/recording pid (\d+)/.test(stderr); i++) await sleep(20);
  const m = /recording pid (\d+)/.exec(stderr);
  if (!m) killTree(cli.pid!);
  assert.ok(m, `the recording started within 20 s: ${stderr}`);
  const flood = { stderr: () => stderr, stdout: () => stdout, exit, cliPid: cli.pid!, targetPid: Number(m[1]), startedAt: Date.now() };
  floods.push(flood);
  return flood;
}

/** The summary's counts are the trace file's (read whole, every event built); it has its end. */
function assertExactSummary(stderr: string, trace: string): EndRecord {
  const records = readRecords(trace);
  const whole = new TracePipeline(() => undefined, { symbolizer: null });
  whole.push(decodeTraceBytes(readFileSync(trace)).stream);
  whole.end();
  const events = whole.trace.events;
  const lost = records.reduce((n, r) => n + (r.kind === 'drop' ? r.count : 0), 0);
  const m = /iolens: ([\d,]+) events from .*?, (?:LOST ([\d,]+) records|0 lost)/.exec(stderr);
  assert.ok(m, `a summary: ${stderr}`);
  const num = (s: string | undefined): number => Number((s ?? '0').replace(/,/g, ''));
  assert.equal(num(m[1]), events, `events in the summary and in the trace file (${stderr})`);
  assert.equal(num(m[2]), lost, 'losses in the summary and in the trace file');
  const end = records.find((r): r is EndRecord => r.kind === 'end');
  assert.ok(end, 'the trace file has its end record');
  assert.equal(end.dropped, lost, 'the end record counts the same losses');
  return end;
}

/** What the live output left out is said: in the summary, and in place in the output. */
function assertSkipsSaid(f: Flood, mode: Mode): void {
  const said = /([\d,]+) of them not shown live/.exec(f.stderr());
  if (mode === 'quiet') {
    assert.equal(said, null);
    return;
  }
  assert.ok(said, `a flood into a slow pipe cannot be shown whole, and the summary says so: ${f.stderr()}`);
  const note = mode === 'lines' ? /… [\d,]+ events? not shown here: the output could not keep up/ : /\{"kind":"skipped","count":\d+\}/;
  // the output says in place what it lacks, and ends saying so (after a stop the rest is only
  // counted), unless the CLI warned that this note could not be handed to the reader in time (a
  // pipe still full at the stop: then the summary above is where it is said)
  if (/could not be handed to its reader in time/.test(f.stderr())) return;
  assert.match(f.stdout().slice(-4000), note, `no note of what was left out at the end of the output, which ends ${JSON.stringify(f.stdout().slice(-300))}; the CLI said: ${f.stderr()}`);
  const last = f.stdout().trimEnd().split('\n').at(-1) ?? '';
  assert.match(last, note, 'the last line is the note of what was left out');
}

for (const backend of ['ebpf', 'ptrace'] as const) describe(`a recording under a flood of events (${backend})`, function () {
  this.timeout(60000);
  let dir: string;
  before(function () {
    requireBackend(this, backend);
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-busy-'))));
  afterEach(() => {
    // a test that failed or timed out must not leave its tracer and its flood taking the CPUs
    for (const f of floods.splice(0)) {
      if (runs(f.cliPid, 'cli.js')) killTree(f.cliPid);
      if (runs(f.targetPid, 'epoll_loop')) killTree(f.targetPid);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const modes: Mode[] = backend === 'ebpf' ? ['quiet', 'lines', 'jsonl'] : ['quiet', 'lines'];
  for (const mode of modes) {
    it(`stops within ${STOP_BOUND_MS} ms of Ctrl-C (${mode})`, async () => {
      const f = await startFlood(dir, backend, mode);
      await sleep(1500);
      const t0 = Date.now();
      process.kill(f.cliPid, 'SIGINT');
      const code = await f.exit;
      const took = Date.now() - t0;
      try {
        assert.equal(code, 0, f.stderr());
        assert.ok(took <= STOP_BOUND_MS, `ended ${took} ms after Ctrl-C`);
        assert.equal(assertExactSummary(f.stderr(), join(dir, 't.iolens')).reason, END_SIGNAL);
        assertSkipsSaid(f, mode);
        assert.ok(!gone(f.targetPid), 'the program runs on');
      } finally {
        process.kill(f.targetPid, 'SIGKILL');
      }
      process.stderr.write(`      Ctrl-C → exit: ${took} ms\n`);
    });

    it(`stops within ${STOP_BOUND_MS} ms of its --duration (${mode})`, async () => {
      const f = await startFlood(dir, backend, mode, ['-d', '1.5']);
      const code = await f.exit;
      const took = Date.now() - f.startedAt - 1500;
      try {
        assert.equal(code, 0, f.stderr());
        assert.ok(took <= STOP_BOUND_MS, `ended ${took} ms after the duration`);
        assert.equal(assertExactSummary(f.stderr(), join(dir, 't.iolens')).reason, END_DURATION);
        assert.match(f.stderr(), /duration reached/);
        assertSkipsSaid(f, mode);
      } finally {
        process.kill(f.targetPid, 'SIGKILL');
      }
      process.stderr.write(`      duration → exit: +${took} ms\n`);
    });
  }
});
