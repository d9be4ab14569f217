#!/usr/bin/env node
// `npm start`: set up and build, then record each demo workload (one per I/O model) and print
// what iolens makes of it. Recording needs root (the eBPF backend); as another user this says so.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, ensureNpm, ensurePackages, root } from './setup.mjs';

const DEMOS = [
  { name: 'epoll_stall', args: ['--iterations', '50'], what: 'an epoll loop whose callback stalls on a blocking read' },
  { name: 'aio_eventfd', args: ['--iterations', '20'], what: 'Linux native AIO, completions signalled through an eventfd watched by epoll' },
  { name: 'uring_read', args: ['--iterations', '20'], what: 'io_uring reads' },
  { name: 'sigio_pipe', args: ['--iterations', '10', '--setsig'], what: 'signal-driven I/O: O_ASYNC on a pipe, F_SETSIG' },
  { name: 'threadpool_pread', args: ['--iterations', '400'], record: ['--min-duration', '0'], what: 'a thread pool of blocking preads waking an epoll loop through an eventfd' },
];

function main() {
  ensurePackages(['build']);
  ensureNpm();
  build();
  const cli = join(root, 'dist', 'cli.js');
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      '\nstart: built. Recording uses the eBPF backend, which needs root (or CAP_BPF + CAP_PERFMON on the tracer):\n' +
        '  sudo npm start\n',
    );
    process.exit(1);
  }
  const dir = join(tmpdir(), 'iolens-demo');
  mkdirSync(dir, { recursive: true });
  for (const d of DEMOS) {
    const trace = join(dir, `${d.name}.iolens`);
    process.stdout.write(`\n==== ${d.name}: ${d.what}\n$ iolens record -q -o ${trace} ${(d.record ?? []).join(' ')} -- ${d.name} ${d.args.join(' ')}\n`);
    const rec = spawnSync(process.execPath, [cli, 'record', '-q', '-o', trace, ...(d.record ?? []), '--', join(root, 'test', 'fixtures', 'build', d.name), ...d.args], { stdio: 'inherit', cwd: root });
    if (rec.status !== 0) process.exit(rec.status ?? 1);
    process.stdout.write(`$ iolens report ${trace}\n`);
    const rep = spawnSync(process.execPath, [cli, 'report', trace], { stdio: 'inherit', cwd: root });
    if (rep.status !== 0) process.exit(rep.status ?? 1);
  }
  process.stdout.write(`\nThe traces are in ${dir}. Record your own program with:\n  node ${cli} record -- ./your-program args\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`start: ${e.message}\n`);
  process.exit(1);
}
