/**
 * The tracer given file capabilities (the one-time `setcap` grant) and run by an ordinary user:
 * it traces only that user's own processes, opens its output with the user's own rights, and keeps
 * no capability it no longer needs — with either backend. Needs root to arrange (setcap, a user).
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRACER_CAPABILITIES } from '../../protocol/generated/wire';
import { TRACER, TRACING_LINE, asTestUser, fixture, requireRoot, requireTestUser, readMeta, run, sleep, startWaiting } from './harness';

const CAP_BPF = 1n << 39n;

/** CapEff of a process. */
function capEff(pid: number): bigint {
  const m = /CapEff:\s+([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return BigInt(`0x${m?.[1] ?? '0'}`);
}

describe('a tracer with file capabilities, run by an ordinary user', function () {
  this.timeout(60000);
  let dir: string;
  let tracer: string;
  before(function () {
    requireTestUser(this);
    requireRoot(this, 'setcap (libcap2-bin)', spawnSync('which', ['setcap']).status === 0);
    dir = mkdtempSync(join(tmpdir(), 'iolens-caps-'));
    chmodSync(dir, 0o755);
    tracer = join(dir, 'iolens-tracer');
    copyFileSync(TRACER, tracer);
    chmodSync(tracer, 0o755);
    const r = spawnSync('setcap', [TRACER_CAPABILITIES, tracer], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`setcap: ${r.stderr}`);
    mkdirSync(join(dir, 'out'), { mode: 0o777 });
    chmodSync(join(dir, 'out'), 0o777);
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  for (const backend of ['ebpf', 'ptrace', 'auto'] as const) {
    it(`refuses a process of another user (--backend ${backend})`, async () => {
      const t = await startWaiting('epoll_stall', ['--iterations', '3']); // root's
      const [cmd, args] = asTestUser(tracer, ['--backend', backend, '-o', join(dir, 'out', 'x.iolens'), '--pid', String(t.pid)]);
      const r = await run(cmd, args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /belongs to root \(uid 0\), not to you/);
      t.go();
      assert.equal(await t.exit, 0);
    });
  }

  it('opens --output with the user\'s own rights, not the capabilities\'', async () => {
    // a world-writable directory inside one the user may not enter: CAP_DAC_READ_SEARCH would get through
    const closed = mkdtempSync(join(tmpdir(), 'iolens-closed-'));
    mkdirSync(join(closed, 'open'), { mode: 0o777 });
    chmodSync(join(closed, 'open'), 0o777);
    try {
      const [cmd, args] = asTestUser(tracer, ['--backend', 'ptrace', '-o', join(closed, 'open', 'x.iolens'), '--', fixture('epoll_stall'), '--iterations', '2']);
      const r = await run(cmd, args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot write .*x\.iolens: Permission denied/);
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });

  it('with ptrace, uses none of its capabilities (ptrace\'s own rules apply)', async () => {
    const t = await startWaiting('epoll_stall', ['--iterations', '40'], true); // the user's own
    const out = join(dir, 'out', 'p.iolens');
    const [cmd, args] = asTestUser(tracer, ['--backend', 'ptrace', '-o', out, '--pid', String(t.pid)]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    // the tracer ends with its target, possibly before the test awaits the target's exit
    const tracerExit = new Promise((r) => child.once('exit', r));
    let log = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => (log += s));
    for (let i = 0; i < 2000 && !TRACING_LINE.test(log); i++) await sleep(10);
    assert.match(log, TRACING_LINE);
    const pid = Number(spawnSync('pgrep', ['-P', String(child.pid), '-x', 'iolens-tracer'], { encoding: 'utf8' }).stdout.trim() || child.pid);
    assert.equal(capEff(pid), 0n, 'no effective capability while tracing');
    t.go();
    assert.equal(await t.exit, 0);
    await tracerExit;
    assert.equal(readMeta(out).backend, 'ptrace');
  });

  it('with eBPF (the default when it may), keeps only CAP_BPF once the probes are attached', async () => {
    const out = join(dir, 'out', 'e.iolens');
    const [cmd, args] = asTestUser(tracer, ['-o', out, '--', fixture('epoll_stall'), '--wait', '--iterations', '10']);
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => (log += s));
    for (let i = 0; i < 1000 && !TRACING_LINE.test(log); i++) await sleep(10);
    assert.match(log, TRACING_LINE);
    const pid = Number(spawnSync('pgrep', ['-P', String(child.pid), '-x', 'iolens-tracer'], { encoding: 'utf8' }).stdout.trim() || child.pid);
    assert.equal(capEff(pid), CAP_BPF, `CapEff ${capEff(pid).toString(16)}`);
    child.stdin?.end('go\n');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 0, log);
    assert.equal(readMeta(out).backend, 'ebpf');
  });
});
