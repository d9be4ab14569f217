/**
 * Whole stacks of real programs nobody here wrote (Debian's redis, nginx and lighttpd, Node.js,
 * Python's asyncio), frame by frame against eu-stack on the same process: each program is left idle in its
 * event loop's wait, eu-stack prints the waiting thread's stack, then iolens (eBPF, attached) records
 * the same wait returning, and the return addresses must be the same, from the wait in libc to the
 * thread's first frame. A frame iolens made up, lost or cut short fails here.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, requireBackend, requireInstalled, run, sleep, traceEvents, type JsonEvent } from './harness';

/** eu-stack's frames of one thread: each frame's address (the pc, then return addresses) and function. */
function euStack(pid: number, tid: number): { addr: bigint; fn: string }[] {
  const r = spawnSync('eu-stack', ['-p', String(pid)], { encoding: 'utf8' });
  const frames: { addr: bigint; fn: string }[] = [];
  let inThread = false;
  for (const l of r.stdout.split('\n')) {
    const head = /^TID (\d+):/.exec(l);
    if (head) inThread = Number(head[1]) === tid;
    const f = /^#\d+\s+0x([0-9a-f]+)(?:\s+(\S*))?/.exec(l);
    if (inThread && f) frames.push({ addr: BigInt('0x' + f[1]), fn: f[2] ?? '' });
  }
  assert.ok(frames.length, `eu-stack -p ${pid} showed no frame of thread ${tid} (status ${r.status}): ${r.stderr}\n${r.stdout}`);
  return frames;
}

/** eu-stack shows the thread in epoll_wait. */
const p0 = (frames: { fn: string }[]): boolean => frames[0]?.fn === 'epoll_wait';

/** A program that idles in its event loop's wait and leaves it now and then (a timer). */
interface Program {
  readonly name: string;
  readonly argv: (dir: string) => string[];
  /** The wait the loop thread idles in. */
  readonly wait: RegExp;
  /** Installed programs it needs, each with the arguments that make it print its version. */
  readonly needs: readonly (readonly [string, string[]])[];
}

const PROGRAMS: readonly Program[] = [
  { name: 'redis-server', argv: () => ['redis-server', '--port', String(21000 + (process.pid % 9000)), '--save', '', '--hz', '20'], wait: /^epoll_wait$/, needs: [['redis-server', ['--version']]] },
  {
    name: 'nginx',
    argv: (dir) => {
      writeFileSync(join(dir, 'nginx.conf'), [
        'daemon off;', 'master_process off;', `pid ${join(dir, 'nginx.pid')};`, `error_log ${join(dir, 'error.log')};`,
        'events { worker_connections 64; }', 'timer_resolution 50ms;',
        `http { access_log off; server { listen 127.0.0.1:${22000 + (process.pid % 9000)}; root ${dir}; } }`,
      ].join('\n'));
      return ['nginx', '-p', dir, '-c', join(dir, 'nginx.conf')];
    },
    wait: /^epoll_wait$/,
    needs: [['nginx', ['-v']]],
  },
  {
    // its main stack has pages above sp that were never touched (a large local buffer of an outer
    // frame): the eBPF side cannot read them, and must read the words around them
    name: 'lighttpd',
    argv: (dir) => {
      writeFileSync(join(dir, 'lighttpd.conf'), [`server.document-root = "${dir}"`, `server.port = ${23000 + (process.pid % 9000)}`, 'server.bind = "127.0.0.1"', `server.errorlog = "${join(dir, 'error.log')}"`].join('\n') + '\n');
      return ['lighttpd', '-D', '-f', join(dir, 'lighttpd.conf')];
    },
    wait: /^epoll_wait$/,
    needs: [['lighttpd', ['-v']]],
  },
  { name: 'node', argv: () => ['node', '-e', 'setInterval(() => {}, 50)'], wait: /^epoll_pwait2?$/, needs: [['node', ['--version']]] },
  {
    name: 'python3 asyncio',
    argv: () => ['python3', '-c', 'import asyncio\nasync def tick():\n    while True:\n        await asyncio.sleep(0.05)\nasyncio.run(tick())'],
    wait: /^epoll_wait$/,
    needs: [['python3', ['--version']]],
  },
];

describe('stacks of real programs, frame by frame against eu-stack (ebpf)', function () {
  this.timeout(120000);
  let dir = '';
  let child: ChildProcess | undefined;
  before(function () {
    requireBackend(this, 'ebpf');
    requireInstalled(this, 'eu-stack', ['--version']);
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-eustack-'))));
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('lighttpd serving requests: every stack reaches the thread\'s first frame, across the stack pages it never touched', async function () {
    requireInstalled(this, 'lighttpd', ['-v']);
    const port = 24000 + (process.pid % 9000);
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(64 << 10, 7));
    writeFileSync(join(dir, 'lighttpd.conf'), [`server.document-root = "${dir}"`, `server.port = ${port}`, 'server.bind = "127.0.0.1"', `server.errorlog = "${join(dir, 'error.log')}"`].join('\n') + '\n');
    child = spawn('lighttpd', ['-D', '-f', join(dir, 'lighttpd.conf')], { cwd: dir, stdio: 'ignore' });
    const pid = child.pid;
    assert.ok(pid, 'lighttpd did not start');
    for (let i = 0; i < 50 && !p0(euStack(pid, pid)); i++) await sleep(200);
    const traceFile = join(dir, 'trace.iolens');
    let attached = false;
    const recording = run(process.execPath, [CLI, 'record', '-q', '--backend', 'ebpf', '-m', '0', '-o', traceFile, '-d', '3', '-p', String(pid)], 60000, (stderr) => {
      attached ||= /recording pid/.test(stderr);
    });
    for (let i = 0; i < 100 && !attached; i++) await sleep(100);
    // 64 KiB answers to 4 clients at once: sendfile() and the connection state machine, deeper in the stack
    for (let i = 0; i < 20; i++) await Promise.all([1, 2, 3, 4].map(() => fetch(`http://127.0.0.1:${port}/big.bin`).then((r) => r.arrayBuffer())));
    const r = await recording;
    assert.equal(r.code, 0, r.stderr);
    const report = await run(process.execPath, [CLI, 'report', '--json', traceFile]);
    const stacks = (JSON.parse(report.stdout) as { stacks: { total: number; complete: number; cut: unknown[] } }).stacks;
    assert.ok(stacks.total >= 5, `stacks: ${JSON.stringify(stacks)}`);
    assert.deepEqual(stacks.cut, [], `every stack complete: ${JSON.stringify(stacks)}`);
  });

  for (const p of PROGRAMS) {
    it(`${p.name}: the loop's wait has eu-stack's frames, to the thread's first`, async function () {
      for (const [n, args] of p.needs) requireInstalled(this, n, [...args]);
      const argv = p.argv(dir);
      child = spawn(argv[0], argv.slice(1), { cwd: dir, stdio: 'ignore' });
      const pid = child.pid;
      assert.ok(pid, `${argv[0]} did not start`);
      // idle in its wait: eu-stack shows the main thread in it. After a second of its timer, not
      // at once: Python 3.11's interpreter specializes a call it made 8 times (the wait is then
      // called from another line of _PyEval_EvalFrameDefault, without the generic vectorcall frames)
      await sleep(1500);
      let expected: { addr: bigint; fn: string }[] = [];
      for (let i = 0; i < 50 && !p.wait.test(expected[0]?.fn ?? ''); i++) {
        await sleep(200);
        expected = euStack(pid, pid);
      }
      assert.match(expected[0]?.fn ?? '', p.wait, `${p.name} never idled in its wait: ${expected.map((f) => f.fn).join(' < ')}`);

      const traceFile = join(dir, 'trace.iolens');
      const r = await run(process.execPath, [CLI, 'record', '-q', '--backend', 'ebpf', '-o', traceFile, '-d', '2', '-p', String(pid)], 60000);
      assert.equal(r.code, 0, r.stderr);
      const waits = (await traceEvents(traceFile)).filter((e: JsonEvent) => e.kind === 'syscall' && e.tid === pid && p.wait.test(e.name) && e.stack.length > 0);
      assert.ok(waits.length, `no ${p.wait} of thread ${pid} with a stack in the recording`);
      const want = expected.map((f) => `0x${f.addr.toString(16)} ${f.fn}`);
      // the stack the loop waits in most (a timer's callback may wait elsewhere once)
      const counts = new Map<string, { n: number; e: JsonEvent }>();
      for (const e of waits) {
        const k = e.stack.filter((f) => !f.inlined).map((f) => f.addr).join(' ');
        counts.set(k, { n: (counts.get(k)?.n ?? 0) + 1, e });
      }
      const [best] = [...counts.values()].sort((a, b) => b.n - a.n);
      const got = best.e.stack.filter((f) => !f.inlined).map((f) => `${f.addr} ${f.function ?? '??'}`);
      assert.deepEqual(
        got.map((g) => g.split(' ')[0]),
        want.map((w) => w.split(' ')[0]),
        `iolens' frames (stack end: ${best.e.stack_end ?? '?'} ${best.e.stack_end_detail ?? ''}):\n  ${got.join('\n  ')}\neu-stack's:\n  ${want.join('\n  ')}`,
      );
      assert.equal(best.e.stack_end, 'complete', `${best.e.stack_end_detail}`);
    });
  }
});
