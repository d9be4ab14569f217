#!/usr/bin/env node
// `npm start`: set up and build, then open a real VS Code with I/O Lens loaded on the demo
// workspace (demo/: the fixture workloads' sources and binaries, UIO traces) while a demo program runs, ready to be
// attached to ("I/O Lens: Attach to Process…", pick epoll_stall). Desktop VS Code when `code` is
// on PATH, otherwise code-server on 127.0.0.1 (the address is printed). Ctrl-C stops everything.
//
//   node scripts/start.mjs [--record]   --record: the terminal demo instead (record each workload, print reports)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, ensureNpm, ensurePackages, root } from './setup.mjs';

const WORKSPACE = join(root, 'demo');

const DEMOS = [
  { name: 'epoll_stall', args: ['--iterations', '50'], what: 'an epoll loop whose callback stalls on a blocking read' },
  { name: 'aio_eventfd', args: ['--iterations', '20'], what: 'Linux native AIO, completions signalled through an eventfd watched by epoll' },
  { name: 'uring_read', args: ['--iterations', '20'], what: 'io_uring reads' },
  { name: 'sigio_pipe', args: ['--iterations', '10', '--setsig'], what: 'signal-driven I/O: O_ASYNC on a pipe, F_SETSIG' },
  { name: 'threadpool_pread', args: ['--iterations', '400'], record: ['--min-duration', '0'], what: 'a thread pool of blocking preads waking an epoll loop through an eventfd' },
];

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The terminal demo: record each workload and print its report. */
function recordDemos() {
  const cli = join(root, 'dist', 'cli.js');
  const dir = join(tmpdir(), 'iolens-demo');
  mkdirSync(dir, { recursive: true });
  for (const d of DEMOS) {
    const trace = join(dir, `${d.name}.iolens`);
    process.stdout.write(`\n==== ${d.name}: ${d.what}\n`);
    const rec = spawnSync(process.execPath, [cli, 'record', '-q', '-o', trace, ...(d.record ?? []), '--', join(WORKSPACE, 'build', d.name), ...d.args], { stdio: 'inherit', cwd: root });
    if (rec.status !== 0) process.exit(rec.status ?? 1);
    spawnSync(process.execPath, [cli, 'report', trace], { stdio: 'inherit', cwd: root });
  }
}

/** A demo program that runs until stopped: an epoll loop whose callback stalls every 25 ms. */
function startDemoProgram() {
  const child = spawn(join(WORKSPACE, 'build', 'epoll_stall'), ['--iterations', '100000000'], { stdio: 'ignore' });
  return child;
}

async function main() {
  const terminal = process.argv.includes('--record');
  ensurePackages(terminal ? ['build'] : ['build', 'editor']);
  ensureNpm();
  await build();
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      '\nstart: built. Not root: I/O Lens traces your own programs with the ptrace backend (no IRQs, io_uring\n' +
        'requests or wake-ups). For the eBPF backend run `sudo npm start`, or grant the tracer its capabilities\n' +
        'once (I/O Lens shows the setcap command).\n',
    );
  }
  if (terminal) return recordDemos();

  const demo = startDemoProgram();
  const stopAll = [];
  const cleanup = async () => {
    demo.kill('SIGTERM');
    for (const s of stopAll) await s();
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(0)));
  process.on('SIGTERM', () => void cleanup().then(() => process.exit(0)));
  process.stdout.write(`\nDemo program running: epoll_stall, pid ${demo.pid} (an epoll loop whose callback blocks for 20 ms every 25 ms).\n`);
  process.stdout.write('In VS Code: run "I/O Lens: Attach to Process…" and pick epoll_stall, or "I/O Lens: Launch Program with Tracing…".\n');
  process.stdout.write('No UIO hardware? traces/uio-edu-epoll.iolens and traces/uio-edu-sigio.iolens are traces of a user-space driver of a\n' +
    'real (emulated) PCI device: open one from the Explorer to see its interrupts, wake-ups and missed interrupts.\n');

  if (hasCommand('code')) {
    process.stdout.write(`Opening VS Code on ${WORKSPACE} with the extension loaded from ${root}.\n`);
    spawnSync('code', ['--new-window', '--extensionDevelopmentPath', root, WORKSPACE], { stdio: 'inherit' });
  } else {
    const { ensureCodeServer, startCodeServer } = await import('./codeserver.mjs');
    ensureCodeServer();
    const server = await startCodeServer({ workspace: WORKSPACE, extensions: [root], settings: { 'workbench.startupEditor': 'none' } });
    stopAll.push(() => server.stop());
    process.stdout.write(`\nVS Code (code-server) with I/O Lens is at:\n\n    ${server.url}\n\n(bound to 127.0.0.1; forward the port to open it from another machine)\n`);
  }
  process.stdout.write('Ctrl-C stops the demo program' + (hasCommand('code') ? '' : ' and the server') + '.\n');
  await new Promise(() => undefined);
}

main().catch((e) => {
  process.stderr.write(`start: ${e.message}\n`);
  process.exit(1);
});
