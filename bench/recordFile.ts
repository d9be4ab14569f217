/**
 * A trace file written the way `iolens record -q -o F` writes it, through the real record command
 * (core/commands/record.ts: its intake, pipeline, writer and what it does at the end), the
 * tracer being a script that writes the synthetic server trace (bench/synthetic.ts) to fd 3 — no
 * root, the same stream every run. Prints the record command's wall time and CPU (every thread of
 * this process; the script's own is not counted) and whether the file has the whole trace's
 * overview. The same file runs against an older checkout's record (the command's options are the
 * same), so before and after can alternate:
 *
 *   npx tsx bench/recordFile.ts [--events 1000000] --out F [--stream S] [--no-overview]
 *
 * `--no-overview` is record's own (the overview's pass at the end left out: the recording's own cost).
 * `--stream S` keeps the synthetic stream there (written once, reused when it exists: 10 M events
 * are about 1 GB); then `npx tsx bench/store.ts --file F --read-only` opens F as the editor does.
 */
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { record } from '../extension/src/core/commands/record';
import { readFileOverview } from '../extension/src/core/trace/fileReader';
import { syntheticChunks } from './synthetic';

/** This thread's CPU time (ms), from /proc: process.cpuUsage() counts every thread. */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // fields 14 and 15, in clock ticks of 10 ms
}

async function main(): Promise<void> {
  const arg = (name: string): string | undefined => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const events = Number(arg('--events') ?? 1_000_000);
  const out = arg('--out');
  if (!out) throw new Error('say --out F');
  const dir = mkdtempSync(join(tmpdir(), 'iolens-recordfile-'));
  const stream = arg('--stream') ?? join(dir, 'stream.bin');
  if (!existsSync(stream)) {
    const fd = openSync(stream, 'w');
    for (const c of syntheticChunks(events)) writeSync(fd, c);
    closeSync(fd);
  }
  // the tracer: a script that writes the stream to fd 3 and exits
  const tracer = join(dir, 'tracer.sh');
  writeFileSync(tracer, `#!/bin/sh\nexec cat ${JSON.stringify(stream)} >&3\n`);
  chmodSync(tracer, 0o755);
  const said: string[] = [];
  const err = new Writable({ write: (c: Buffer, _e, done) => void (said.push(c.toString()), done()) });
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  rmSync(out, { force: true });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const code = await record({ tracerPath: tracer, command: ['synthetic'], runtimeFrames: false, output: out, quiet: true, stdout: quiet, stderr: err, noOverview: process.argv.includes('--no-overview') });
  const mainMs = mainThreadCpuMs() - main0;
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  if (code !== 0) throw new Error(`record exited with ${code}: ${said.join('')}`);
  const bytes = statSync(out).size;
  process.stdout.write(
    `record of ${events.toLocaleString('en-US')} events to ${out}: ${wall.toFixed(0)} ms wall, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms ` +
    `(${mainMs} ms on the main thread); file ${(bytes / 2 ** 20).toFixed(1)} MiB, ${readFileOverview(out) ? 'with' : 'without'} the whole trace's overview\n`,
  );
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
