/**
 * A target in a container: its own PID and mount namespaces, made here the way container runtimes
 * make them (unshare, a tmpfs root seen only inside, pivot_root, proc mounted for the new PID
 * namespace), holding a fixture stripped of its debug information, whose debug file sits in the
 * container's /usr/lib/debug/.build-id — so neither is reachable at its path on the host. The
 * process is put in a Docker-style cgroup. With each backend: attach by its host pid, see its
 * events, stacks resolved to the fixture's marked line through /proc/PID/root, and the meta record
 * and the report naming the namespace, the container and its pid inside.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BACKENDS, CLI, backendArgs, fixture, markLine, readMeta, requireBackend, requireInstalled, requireRoot, run, sleep, traceEvents, type JsonEvent } from './harness';

const BUSYBOX = '/usr/bin/busybox';
const APP = '/app/epoll_stall';

/** The shared libraries a binary loads (ldd), each with the path it is loaded from. */
function libraries(binary: string): string[] {
  const out = spawnSync('ldd', [binary], { encoding: 'utf8' }).stdout;
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
}

/** A root file system holding the fixture at /app (stripped), its debug file, its libraries and busybox. */
function stageRoot(dir: string): { buildId: string } {
  const app = join(dir, APP);
  mkdirSync(dirname(app), { recursive: true });
  copyFileSync(fixture('epoll_stall'), app);
  const notes = spawnSync('readelf', ['-n', app], { encoding: 'utf8' }).stdout;
  const buildId = /Build ID: ([0-9a-f]+)/.exec(notes)?.[1];
  assert.ok(buildId, 'the fixture has a build-id');
  const debug = join(dir, 'usr/lib/debug/.build-id', buildId.slice(0, 2), `${buildId.slice(2)}.debug`);
  mkdirSync(dirname(debug), { recursive: true });
  assert.equal(spawnSync('objcopy', ['--only-keep-debug', app, debug]).status, 0);
  assert.equal(spawnSync('strip', ['--strip-debug', app]).status, 0);
  for (const lib of libraries(fixture('epoll_stall'))) {
    mkdirSync(join(dir, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(dir, lib));
  }
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(dir, 'bin/busybox'));
  mkdirSync(join(dir, 'proc'));
  return { buildId };
}

/**
 * Start the container: new PID and mount namespaces; inside, a tmpfs (invisible from the host)
 * becomes the root by pivot_root, proc is mounted for the new PID namespace and the fixture runs
 * as pid 1. Returns the unshare process (in its own process group) and the fixture's host pid.
 */
async function startContainer(stage: string, mountpoint: string): Promise<{ unshare: ChildProcess; pid: number }> {
  const inner = `/bin/busybox mount -t proc proc /proc && /bin/busybox umount -l /.old && /bin/busybox rmdir /.old && exec ${APP} --iterations 1000000`;
  const outer = `mount -t tmpfs tmpfs '${mountpoint}' && cp -a '${stage}/.' '${mountpoint}/' && cd '${mountpoint}' && mkdir .old && pivot_root . .old && exec /bin/busybox sh -c '${inner}'`;
  const unshare = spawn('unshare', ['--pid', '--mount', '--fork', '--propagation', 'private', '/bin/sh', '-c', outer], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  unshare.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    let child = 0;
    try {
      child = Number(readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    } catch {
      /* not yet */
    }
    if (child && readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'epoll_stall') return { unshare, pid: child };
    if (Date.now() > deadline || unshare.exitCode !== null) throw new Error(`the container did not start: ${stderr}`);
    await sleep(50);
  }
}

/** A Docker-style cgroup for pid (cgroup v2 if mounted, else v1's name=systemd hierarchy); its path as /proc/PID/cgroup shows it. */
function dockerCgroup(pid: number, id: string): { path: string; dirs: string[] } {
  const hierarchies = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup', '/sys/fs/cgroup/systemd'];
  for (const h of hierarchies) {
    const procs = join(h, 'cgroup.procs');
    if (!existsSync(procs)) continue;
    const dir = join(h, 'docker', id);
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cgroup.procs'), String(pid));
      return { path: `/docker/${id}`, dirs: [dir, join(h, 'docker')] };
    } catch {
      try {
        rmdirSync(dir);
      } catch {
        /* not made */
      }
    }
  }
  throw new Error('no cgroup hierarchy takes a process here');
}

describe('a process in a container (other PID and mount namespaces)', function () {
  this.timeout(120_000);
  let work: string;
  let container: { unshare: ChildProcess; pid: number } | undefined;
  let cgroup: { path: string; dirs: string[] } | undefined;
  const id = randomBytes(32).toString('hex');

  before(async function () {
    requireRoot(this, 'making namespaces and cgroups');
    requireInstalled(this, BUSYBOX, ['true']);
    work = mkdtempSync(join(tmpdir(), 'iolens-container-'));
    const stage = join(work, 'stage');
    const mountpoint = join(work, 'root');
    mkdirSync(mountpoint);
    stageRoot(stage);
    container = await startContainer(stage, mountpoint);
    cgroup = dockerCgroup(container.pid, id);
  });

  after(async () => {
    if (container?.unshare.pid) {
      try {
        process.kill(-container.unshare.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await sleep(200);
    }
    for (const d of cgroup?.dirs ?? []) {
      try {
        rmdirSync(d);
      } catch {
        /* busy until its process is reaped, or shared */
      }
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the fixture is out of the host’s reach: /app and its debug file exist only inside', () => {
    assert.ok(container);
    assert.equal(existsSync(APP), false);
    assert.equal(readFileSync(`/proc/${container.pid}/status`, 'utf8').match(/^NSpid:\s*(.*)$/m)?.[1].trim().split(/\s+/).length, 2);
    assert.match(readFileSync(`/proc/${container.pid}/maps`, 'utf8'), new RegExp(` ${APP}\\n`));
  });

  for (const backend of BACKENDS) {
    it(`${backend}: attaches by host pid; events, stacks resolved through /proc/PID/root, the container in the meta and the report`, async function () {
      requireBackend(this, backend);
      assert.ok(container);
      const dir = mkdtempSync(join(work, `rec-${backend}-`));
      const trace = join(dir, 'trace.iolens');
      const r = await run(process.execPath, [CLI, 'record', '-q', ...backendArgs(backend), '--duration', '1.5', '-o', trace, '--pid', String(container.pid)], 60_000);
      assert.equal(r.code, 0, r.stderr);
      // the trace's symbol section: its stacks resolved by the recording, while the container ran
      checkReads(await traceEvents(trace), container.pid);

      const meta = readMeta(trace) as { namespace?: { other_pid_ns: boolean; other_mnt_ns: boolean; ns_pid: number; cgroups: string[] } };
      assert.ok(meta.namespace, 'the meta record has the namespace');
      assert.equal(meta.namespace.other_pid_ns, true);
      assert.equal(meta.namespace.other_mnt_ns, true);
      assert.equal(meta.namespace.ns_pid, 1);
      assert.ok(cgroup && meta.namespace.cgroups.includes(cgroup.path), `cgroups: ${meta.namespace.cgroups.join(', ')}`);

      const report = await run(process.execPath, [CLI, 'report', trace]);
      assert.equal(report.code, 0, report.stderr);
      assert.match(report.stdout, new RegExp(`^  container: in docker ${id.slice(0, 12)} as pid 1; its binaries were read through /proc/PID/root`, 'm'));
      assert.match(report.stdout, new RegExp(`epoll_stall\\.c:${markLine('epoll_stall', 'stall-read')} \\(stall\\)`));
    });
  }
});

/** The fixture's reads: each resolved to a line of epoll_stall.c through the container's file system. */
function checkReads(events: JsonEvent[], pid: number): void {
  // a read still in progress when the recording stops has no stack yet (taken at its exit)
  const reads = events.filter((e) => e.name === 'read' && e.pid === pid && !e.unfinished);
  assert.ok(reads.length >= 5, `stalled reads seen: ${reads.length} of ${events.length} events`);
  const line = markLine('epoll_stall', 'stall-read');
  const unresolved = reads.filter((e) => !e.stack.some((f) => f.file?.endsWith('/epoll_stall.c') && f.line));
  assert.deepEqual(unresolved, [], 'every read resolves to a line of epoll_stall.c');
  const stalls = reads.filter((e) => e.stack.some((f) => f.file?.endsWith('/epoll_stall.c') && f.line === line));
  assert.ok(stalls.length >= 5, `stalled reads at epoll_stall.c:${line}: ${stalls.length} of ${reads.length}`);
  assert.ok(reads[0].stack.some((f) => f.module === APP), 'the frame names the binary by its path in the container');
}
