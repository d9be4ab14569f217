/**
 * What `iolens record`'s live output costs a busy target, by output mode, and what the CLI spends
 * per event: ratios to the untraced run, rounds interleaved, medians reported.
 *
 *   - flood: test/fixtures/epoll_loop --rate 100000 (300,000 epoll_wait calls paced at 100,000 a
 *     second, as a busy server makes them); the program's own ns per call while it works, so
 *     whatever takes its CPU shows;
 *   - fio: Debian's fio, libaio engine, 4 KiB random O_DIRECT reads at iodepth 16 for 4 s; its IOPS.
 *
 * Modes: quiet (`-q -o FILE`), lines (the event lines into a pipe this process drains as fast as
 * it can), jsonl (`--jsonl -` into the same pipe), each also saving the trace. For each: the
 * target's slowdown, the CLI's CPU time per event (user + system, from /proc), the tracer's, the
 * records lost, and how long the CLI went on after the target ended (a live output that falls
 * behind shows there). Needs root (eBPF) and fio.
 *
 *   npx tsx bench/output.ts [--rounds N] [--only flood,fio] [--modes quiet,lines,jsonl] [--root DIR]
 *
 * --root: an iolens installation to measure instead of this checkout (its dist/cli.js, tracer and
 * addon), e.g. a copy of the build before a change.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

interface Sample {
  /** flood: ns per call; fio: IOPS. */
  readonly value: number;
  readonly cliCpuMs: number;
  readonly tracerCpuMs: number;
  readonly events: number;
  readonly lost: number;
  /** ms from the target's end to the CLI's exit. */
  readonly tailMs: number;
}

type Mode = 'untraced' | 'quiet' | 'lines' | 'jsonl';

interface Workload {
  readonly name: string;
  /** The command, in a temp dir. */
  command(dir: string): string[];
  /** The figure from the program's output. */
  figure(out: string): number;
  /** Larger is better (IOPS) or smaller (ns per call). */
  readonly higherIsBetter: boolean;
  readonly unit: string;
}

const WORKLOADS: Workload[] = [
  {
    name: 'flood',
    command: () => [join(ROOT, 'test', 'fixtures', 'build', 'epoll_loop'), '--ready', '--iterations', '300000', '--rate', '100000'],
    figure: (out) => {
      const m = /done \d+ calls ([\d.]+) ns\/call/.exec(out);
      if (!m) throw new Error(`epoll_loop printed no timing: ${out.slice(-300)}`);
      return Number(m[1]);
    },
    higherIsBetter: false,
    unit: 'ns/call',
  },
  {
    name: 'fio',
    command: (dir) => [
      'fio', '--name=bench', '--ioengine=libaio', '--direct=1', '--rw=randread', '--bs=4k', '--iodepth=16', '--size=64M',
      '--runtime=4', '--time_based', `--filename=${join(dir, 'fio.data')}`, '--output-format=json',
    ],
    figure: (out) => {
      const start = out.indexOf('{');
      const j = JSON.parse(out.slice(start)) as { jobs: { read: { iops: number } }[] };
      return j.jobs[0].read.iops;
    },
    higherIsBetter: true,
    unit: 'IOPS',
  },
];

/** user + system CPU ms of a live process, or undefined when it is gone. */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

function childTracer(cliPid: number): number | undefined {
  const r = spawnSync('pgrep', ['-P', String(cliPid), '-x', 'iolens-tracer'], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim().split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(w: Workload, mode: Mode, installation: string, dir: string): Promise<Sample> {
  const cmd = w.command(dir);
  if (mode === 'untraced') {
    const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd[0]} failed: ${r.stderr}`);
    return { value: w.figure(r.stdout), cliCpuMs: 0, tracerCpuMs: 0, events: 0, lost: 0, tailMs: 0 };
  }
  const args = [join(installation, 'dist', 'cli.js'), 'record', '--backend', 'ebpf', '-m', '0', '-o', join(dir, 't.iolens')];
  if (mode === 'quiet') args.push('-q');
  if (mode === 'jsonl') args.push('--jsonl', '-');
  // the program's output goes to a file (it shares the CLI's stdout otherwise)
  const outFile = join(dir, 'program.out');
  const cli = spawn(process.execPath, [...args, '--', 'sh', '-c', `exec "$@" > ${outFile}`, 'sh', ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let bytes = 0;
  cli.stdout.on('data', (d: Buffer) => (bytes += d.length));
  cli.stderr.setEncoding('utf8');
  cli.stderr.on('data', (s: string) => (stderr += s));
  const exited = new Promise<void>((r) => cli.once('close', () => r()));
  let cliCpu = 0;
  let tracerCpu = 0;
  let tracer: number | undefined;
  let targetEnd = 0;
  let done = false;
  exited.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    cliCpu = cpuMs(cli.pid!) ?? cliCpu;
    tracer ??= childTracer(cli.pid!);
    if (tracer !== undefined) tracerCpu = cpuMs(tracer) ?? tracerCpu;
    if (!targetEnd && /every traced process exited|the target exited|events from/.test(stderr)) targetEnd = Date.now();
    if (!targetEnd) {
      try {
        if (/^done |"jobs"/m.test(readFileSync(outFile, 'utf8'))) targetEnd = Date.now();
      } catch {
        /* not yet */
      }
    }
    await sleep(20);
  }
  const tailMs = targetEnd ? Date.now() - targetEnd : 0;
  const m = /iolens: ([\d,]+) events .*?, (?:LOST ([\d,]+) records|0 lost)/.exec(stderr);
  if (!m) throw new Error(`no summary from iolens: ${stderr.slice(-500)}`);
  const num = (s: string | undefined): number => Number((s ?? '0').replace(/,/g, ''));
  return {
    value: w.figure(readFileSync(outFile, 'utf8')),
    cliCpuMs: cliCpu,
    tracerCpuMs: tracerCpu,
    events: num(m[1]),
    lost: num(m[2]),
    tailMs,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 100 && spawnSync('pgrep', ['-x', 'iolens-tracer|iolens-detach']).status === 0; i++) await sleep(100);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const rounds = Number(opt('--rounds') ?? 3);
  const only = opt('--only')?.split(',');
  const modes: Mode[] = ['untraced', ...((opt('--modes')?.split(',') ?? ['quiet', 'lines', 'jsonl']) as Mode[])];
  const installation = opt('--root') ?? ROOT;
  const workloads = WORKLOADS.filter((w) => !only || only.includes(w.name));
  if (workloads.some((w) => w.name === 'fio') && spawnSync('fio', ['--version']).status !== 0) throw new Error('fio is not installed (apt-get install fio)');
  const dir = mkdtempSync(join(tmpdir(), 'iolens-bench-output-'));
  const results: Record<string, Record<string, Sample[]>> = {};
  try {
    for (const w of workloads) {
      results[w.name] = {};
      for (let r = 0; r < rounds; r++) {
        for (const mode of modes) {
          const s = await measure(w, mode, installation, dir);
          (results[w.name][mode] ??= []).push(s);
          process.stderr.write(
            `bench: ${w.name} round ${r + 1}/${rounds} ${mode}: ${s.value.toFixed(1)} ${w.unit}` +
              (mode === 'untraced' ? '\n' : `, ${s.events} events, ${s.lost} lost, CLI ${s.cliCpuMs} ms CPU, tracer ${s.tracerCpuMs} ms, ended ${s.tailMs} ms after the target\n`),
          );
          rmSync(join(dir, 't.iolens'), { force: true });
          await settle();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const lines: string[] = [];
  lines.push(`Live output cost: median of ${rounds} interleaved rounds (${installation})`);
  lines.push(`machine: ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}, ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}, ${new Date().toISOString()}`);
  lines.push('');
  const header = ['workload', 'mode', 'figure', 'slowdown', 'events', 'lost', 'CLI µs/event', 'tracer µs/event', 'ended after target'];
  const rows = [header];
  for (const w of workloads) {
    const base = median(results[w.name].untraced.map((s) => s.value));
    for (const mode of modes) {
      const ss = results[w.name][mode];
      const v = median(ss.map((s) => s.value));
      const slow = w.higherIsBetter ? base / v : v / base;
      const perEvent = (f: (s: Sample) => number): string => (mode === 'untraced' ? '' : median(ss.map((s) => (s.events ? (f(s) * 1000) / s.events : 0))).toFixed(2));
      rows.push([
        w.name, mode, `${v.toFixed(w.unit === 'IOPS' ? 0 : 1)} ${w.unit}`, mode === 'untraced' ? '1.00x' : `${slow.toFixed(2)}x`,
        mode === 'untraced' ? '' : String(median(ss.map((s) => s.events))), mode === 'untraced' ? '' : String(median(ss.map((s) => s.lost))),
        perEvent((s) => s.cliCpuMs), perEvent((s) => s.tracerCpuMs), mode === 'untraced' ? '' : `${median(ss.map((s) => s.tailMs))} ms`,
      ]);
    }
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) lines.push(r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'output.txt'), text);
  writeFileSync(join(ROOT, 'bench', 'results', 'output.json'), JSON.stringify(results, null, 1));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
