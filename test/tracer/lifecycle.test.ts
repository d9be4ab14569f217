/**
 * How a recording ends — SIGINT, --duration, the tracer's parent dying, its output breaking, the
 * target exiting — and that none of them touches the target, with each backend.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { decodeTraceBytes } from '../../extension/src/core/trace/fileReader';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamReader } from '../../extension/src/core/stream/reader';
import type { EndRecord, WireRecord } from '../../protocol/generated/wire';
import { BACKENDS, CLI, TRACER, TRACING_LINE, backendArgs, fixture, requireBackend, run } from './harness';

const END_SIGNAL = 2;
const END_DURATION = 3;
const END_PARENT_DIED = 4;

/** A fixture started with --wait and released at once: it runs for a few seconds. */
async function longTarget(): Promise<{ child: ChildProcess; pid: number; exit: Promise<number | null>; out: () => string }> {
  const child = spawn(fixture('epoll_stall'), ['--wait', '--iterations', '400'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.setEncoding('utf8');
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const pid = await new Promise<number>((resolve) =>
    child.stdout?.on('data', (s: string) => {
      out += s;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    }),
  );
  return { child, pid, exit, out: () => out };
}

function readEnd(path: string): { end: EndRecord | undefined; records: WireRecord[] } {
  const records: WireRecord[] = [];
  const reader = new StreamReader({ record: (r) => records.push(r) });
  reader.push(decodeTraceBytes(readFileSync(path)).stream);
  reader.end();
  const end = records.find((r): r is EndRecord => r.kind === 'end');
  return { end, records };
}

/** The target is alive and nobody is tracing it: no thread traced or stopped. */
function assertUntouched(pid: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    assert.match(status, /TracerPid:\s+0\n/, `thread ${tid} is not traced`);
    assert.doesNotMatch(status, /State:\s+[tT]/, `thread ${tid} is not stopped`);
  }
}

for (const backend of BACKENDS) describe(`ending a recording (${backend})`, function () {
  this.timeout(60000);
  let dir: string;
  const via = backendArgs(backend);
  before(function () {
    requireBackend(this, backend);
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-life-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stops after --duration and leaves the target running to its normal end', async () => {
    const t = await longTarget();
    const trace = join(dir, 't.iolens');
    const rec = run(process.execPath, [CLI, 'record', '-q', ...via, '-o', trace, '--duration', '0.5', '--pid', String(t.pid)], 30000, (err) => {
      if (/recording pid/.test(err) && t.child.stdin?.writable) t.child.stdin.end('go\n');
    });
    const r = await rec;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /duration reached/);
    assertUntouched(t.pid);
    assert.equal(await t.exit, 0);
    assert.match(t.out(), /done ticks=400 stalls=80/);
    assert.equal(readEnd(trace).end?.reason, END_DURATION);
  });

  it('stops on SIGINT, keeping what it recorded', async () => {
    const t = await longTarget();
    const trace = join(dir, 't.iolens');
    const cli = spawn(process.execPath, [CLI, 'record', '-q', ...via, '-o', trace, '--pid', String(t.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    cli.stderr?.setEncoding('utf8');
    await new Promise<void>((resolve) =>
      cli.stderr?.on('data', (s: string) => {
        err += s;
        if (/recording pid/.test(err)) resolve();
      }),
    );
    t.child.stdin?.end('go\n');
    await new Promise((r) => setTimeout(r, 400));
    cli.kill('SIGINT');
    const code = await new Promise<number | null>((r) => cli.once('exit', (c) => r(c)));
    assert.equal(code, 0, err);
    assertUntouched(t.pid);
    const { end, records } = readEnd(trace);
    assert.equal(end?.reason, END_SIGNAL);
    assert.ok(records.filter((r) => r.kind === 'syscall').length > 10, 'the events before the stop are kept');
    assert.equal(await t.exit, 0);
  });

  it('stops when its parent dies (the extension host or CLI crashed)', async () => {
    const t = await longTarget();
    const trace = join(dir, 't.iolens');
    // a parent shell that starts the tracer, then is killed
    const parent = spawn('sh', ['-c', `"${TRACER}" --backend ${backend} -o "${trace}" --pid ${t.pid} 2>"${dir}/log" & echo $!; wait`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const tracerPid = await new Promise<number>((r) => parent.stdout?.once('data', (d: Buffer) => r(Number(d.toString().trim()))));
    for (let i = 0; i < 100 && !TRACING_LINE.test(existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8') : ''); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    t.child.stdin?.end('go\n');
    await new Promise((r) => setTimeout(r, 300));
    parent.kill('SIGKILL');
    for (let i = 0; i < 100 && existsSync(`/proc/${tracerPid}`) && !/State:\s+Z/.test(readFileSync(`/proc/${tracerPid}/status`, 'utf8')); i++) {
      if (readEnd(trace).end) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(readEnd(trace).end?.reason, END_PARENT_DIED);
    assertUntouched(t.pid);
    assert.equal(await t.exit, 0);
  });

  it('stops when its output is closed, without touching the target', async () => {
    const t = await longTarget();
    const tracer = spawn(TRACER, ['--backend', backend, '--pid', String(t.pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    tracer.stderr?.setEncoding('utf8');
    await new Promise<void>((resolve) =>
      tracer.stderr?.on('data', (s: string) => {
        log += s;
        if (TRACING_LINE.test(log)) resolve();
      }),
    );
    t.child.stdin?.end('go\n');
    await new Promise((r) => setTimeout(r, 300));
    tracer.stdout?.destroy(); // the reader goes away
    await new Promise<void>((resolve) => {
      const check = (): void => (/stopped \(the output was closed\)/.test(log) ? resolve() : void setTimeout(check, 50));
      check();
    });
    assertUntouched(t.pid);
    assert.equal(await t.exit, 0);
  });

  it('says clearly what is wrong with its arguments or its target', async () => {
    const bad = await run(TRACER, ['--backend', backend, '--pid', 'abc']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--pid must be a whole number/);
    const gone = await run(TRACER, ['--backend', backend, '--pid', '999999999', '-o', join(dir, 'x')]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no process with pid 999999999/);
    const nocmd = await run(process.execPath, [CLI, 'record', ...via, '--', join(dir, 'no-such-program')]);
    assert.notEqual(nocmd.code, 0);
    assert.match(nocmd.stderr, /cannot run .*no-such-program: No such file or directory/);
  });
});
