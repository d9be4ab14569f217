/**
 * debuginfod, end to end: a program whose debug information was split off (`objcopy
 * --only-keep-debug`, then `strip -g`) and served by a real debuginfod (Debian's, `debuginfod -F
 * DIR`). Recorded with `--debuginfod URL`, its frames get file:line; without it, functions only.
 * `iolens report --debuginfod` says which module debuginfod supplied, and what an unreachable
 * server did, without failing.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceSession } from '../../extension/src/core/session/traceSession';
import { debuginfodCacheDir } from '../../extension/src/core/symbols/debuginfod';
import { elfBuildId } from '../../extension/src/core/symbols/elfLoad';
import { CLI, requireInstalled, run, traceEvents, type JsonEvent } from './harness';

const SOURCE = `#include <poll.h>
__attribute__((noinline)) static void wait_a_bit(void)
{
	poll(0, 0, 20); /* @mark:wait */
}
int main(void)
{
	wait_a_bit();
	return 0;
}
`;
const WAIT_LINE = 4;

/** A TCP port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Wait until `url` answers 200 (debuginfod has scanned its directory), or fail saying what it answered. */
async function waitServed(url: string, server: ChildProcess, log: () => string, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing yet';
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`debuginfod exited (${server.exitCode}): ${log()}`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? `${e.message} (${String(e.cause)})` : String(e);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`debuginfod did not serve ${url} within ${timeoutMs} ms (last: ${last}): ${log()}`);
}

/** The frame of wait_a_bit in the poll event's stack. */
function waitFrame(events: JsonEvent[]): JsonEvent['stack'][number] {
  const frame = events.flatMap((e) => e.stack ?? []).find((f) => f.function === 'wait_a_bit');
  assert.ok(frame, `no event's stack has wait_a_bit: ${JSON.stringify(events.map((e) => e.stack?.map((f) => f.function)))}`);
  return frame;
}

describe('debuginfod (a real server)', function () {
  let dir: string;
  let server: ChildProcess | undefined;
  let serverLog = '';
  let url: string;
  let program: string;
  let env: NodeJS.ProcessEnv;
  let plain: string;

  before(async function () {
    requireInstalled(this, 'debuginfod', ['--version']);
    requireInstalled(this, 'gcc');
    dir = mkdtempSync(join(tmpdir(), 'iolens-debuginfod-'));
    const served = join(dir, 'served');
    mkdirSync(served);
    writeFileSync(join(dir, 'wait.c'), SOURCE);
    program = join(served, 'wait');
    for (const [cmd, ...args] of [
      ['gcc', '-O0', '-g', '-fno-omit-frame-pointer', '-Wl,--build-id', '-o', program, join(dir, 'wait.c')],
      ['objcopy', '--only-keep-debug', program, `${program}.debug`],
      ['strip', '-g', program],
    ]) {
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    }
    const id = elfBuildId(program);
    if (!id) throw new Error(`${program} has no build-id`);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn('debuginfod', ['-p', String(port), '-F', served, '-d', join(dir, 'db.sqlite'), '-t', '0', '-g', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (b: Buffer) => (serverLog += b.toString()));
    server.stderr?.on('data', (b: Buffer) => (serverLog += b.toString()));
    await waitServed(`${url}/buildid/${id}/debuginfo`, server, () => serverLog);
    // each test's own client cache: the first fetch is a real download
    env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
    plain = join(dir, 'plain.iolens');
    const r = await run(process.execPath, [CLI, 'record', '-q', '--backend', 'ptrace', '-o', plain, '--', program], 60000, undefined, env);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    const running = server;
    if (running && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((r) => running.once('exit', r));
      running.kill();
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the stripped program file:line only with --debuginfod', async () => {
    const without = waitFrame(await traceEvents(plain));
    assert.deepEqual({ file: without.file, line: without.line }, { file: null, line: null }, 'no lines without debuginfod');

    const traceFile = join(dir, 'fetched.iolens');
    const r = await run(process.execPath, [CLI, 'record', '-q', '--backend', 'ptrace', '-o', traceFile, '--debuginfod', url, '--', program], 60000, undefined, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`debuginfod: the lines of ${program} come from ${url}`));
    const withIt = waitFrame(await traceEvents(traceFile));
    assert.deepEqual({ file: withIt.file, line: withIt.line }, { file: join(dir, 'wait.c'), line: WAIT_LINE });
  });

  it('report --debuginfod resolves a trace recorded without it, and says where the lines came from', async () => {
    const r = await run(process.execPath, [CLI, 'report', plain, '--json', '--debuginfod', url], 60000, undefined, { ...env, XDG_CACHE_HOME: join(dir, 'cache-report') });
    assert.equal(r.code, 0, r.stderr);
    const stacks = (JSON.parse(r.stdout) as { stacks: { no_lines: { module: string }[]; from_debuginfod: { module: string; source: string }[] } }).stacks;
    assert.deepEqual(stacks.from_debuginfod, [{ module: program, source: url }]);
    assert.ok(!stacks.no_lines.some((m) => m.module === program), JSON.stringify(stacks.no_lines));
  });

  it('a trace opened as VS Code opens it gets the lines once the download ends', async () => {
    const cacheDir = debuginfodCacheDir(join(dir, 'cache-session'), dir);
    const session = await TraceSession.open(plain, 'plain', { debuginfod: { urls: [url], cacheDir } });
    const waitLines = (): (number | null)[] => [...session.pipeline.trace.stacks.keys()]
      .flatMap((id) => session.pipeline.resolver.resolve(id)?.frames ?? []).filter((f) => f.function === 'wait_a_bit').map((f) => f.line);
    const notes = await session.whenDebugInfo();
    assert.deepEqual(notes, [`debuginfod: the lines of ${program} come from ${url}`]);
    assert.ok(waitLines().length > 0 && waitLines().every((l) => l === WAIT_LINE), `wait_a_bit at lines ${JSON.stringify(waitLines())}`);
    assert.equal(elfBuildId(join(cacheDir, elfBuildId(program)!, 'debuginfo')), elfBuildId(program), 'the file is in the client cache');
    await session.dispose();
  });

  it('says an unreachable server is unreachable, and the report still comes', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await run(process.execPath, [CLI, 'report', plain, '--debuginfod', closed], 60000, undefined, { ...env, XDG_CACHE_HOME: join(dir, 'cache-closed') });
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.includes(program) && l.includes('debuginfod:'));
    assert.ok(line && line.includes(`${closed} is unreachable`), `the Stacks section says nothing of the server:\n${r.stdout}`);
    assert.match(r.stderr, new RegExp(`debuginfod: ${program}: ${closed} is unreachable`));
  });
});
