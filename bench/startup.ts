/**
 * How long each tracer takes to start: `TOOL -- true` launched, from the command to its exit. The
 * launched program is held back until the probes are attached, so this is the time a user waits
 * before the first event can be seen (eBPF: the verifier's load of the programs and the attach of
 * the tracepoints; ptrace: the fork and exec), plus a `true`'s run and the tracer's stop. Rounds
 * interleaved, medians and fastest printed, as ratios to the untraced `true`. Needs root.
 *
 *   npx tsx bench/startup.ts [--rounds N] [--tools iolens,strace] [--base /path/to/other/checkout]
 *
 * `iolens-base` is the iolens of another checkout (`--base DIR`, built), to compare a change with
 * what it replaces in one run.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const OUT = '/tmp/iolens-bench-startup.iolens';

interface StartTool {
  readonly name: string;
  readonly what: string;
  /** The command, its arguments before `true`. */
  readonly argv: (base: string) => string[];
  /** The program a tool needs on PATH (absent: skipped). */
  readonly needs?: string;
}

const record = (root: string, ...args: string[]): string[] => [process.execPath, join(root, 'dist', 'cli.js'), 'record', '-q', ...args, '-o', OUT, '--'];

const TOOLS: StartTool[] = [
  { name: 'untraced', what: 'no tracer', argv: () => [] },
  { name: 'iolens', what: 'iolens record --backend ebpf (the default --kernel-path)', argv: () => record(ROOT, '--backend', 'ebpf') },
  { name: 'iolens-tp-btf', what: 'iolens record --backend ebpf --kernel-path tp_btf', argv: () => record(ROOT, '--backend', 'ebpf', '--kernel-path', 'tp_btf') },
  { name: 'iolens-ptrace', what: 'iolens record --backend ptrace', argv: () => record(ROOT, '--backend', 'ptrace') },
  { name: 'iolens-base', what: 'iolens record --backend ebpf of --base (another checkout, built)', argv: (base) => record(base, '--backend', 'ebpf') },
  { name: 'strace', what: 'strace -f -o /dev/null', argv: () => ['strace', '-f', '-o', '/dev/null', '--'], needs: 'strace' },
  { name: 'perf-trace', what: 'perf trace -o /dev/null', argv: () => ['perf', 'trace', '-o', '/dev/null', '--'], needs: 'perf' },
  {
    name: 'bpftrace',
    what: 'bpftrace counting every syscall (raw_syscalls:sys_enter and sys_exit)',
    argv: () => ['bpftrace', '-q', '-e', 'tracepoint:raw_syscalls:sys_enter,tracepoint:raw_syscalls:sys_exit { @[probe] = count(); }', '-c'],
    needs: 'bpftrace',
  },
];

/** Milliseconds from the command to its exit; throws when it fails. */
function timeOnce(tool: StartTool, base: string): number {
  const argv = [...tool.argv(base), '/bin/true'];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${tool.name}: ${argv.join(' ')} exited with ${r.status ?? r.signal}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const rounds = Number(opt('--rounds') ?? 5);
  const base = opt('--base') ?? '';
  const names = opt('--tools')?.split(',');
  if (names?.includes('iolens-base') && !base) throw new Error('iolens-base needs --base DIR (another checkout, built)');
  const tools = TOOLS.filter((t) => t.name === 'untraced' || (names ? names.includes(t.name) : t.name !== 'iolens-base' || base)).filter((t) => {
    if (!t.needs || spawnSync('which', [t.needs]).status === 0) return true;
    process.stderr.write(`bench: ${t.name} is not installed; skipped\n`);
    return false;
  });
  const times: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const t of tools) {
      const ms = timeOnce(t, base);
      (times[t.name] ??= []).push(ms);
      process.stderr.write(`bench: round ${r + 1}/${rounds} ${t.name}: ${ms.toFixed(0)} ms\n`);
    }
  }
  const untraced = median(times.untraced);
  const lines = [
    `Start-up: \`TOOL -- /bin/true\` until it exits, median and fastest of ${rounds} interleaved rounds`,
    `machine: ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}, ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs, load ${spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim()}`,
    '',
  ];
  for (const t of tools) {
    const m = median(times[t.name]);
    const ratio = t.name === 'untraced' ? '' : `  (${(m / untraced).toFixed(0)}x the untraced run)`;
    lines.push(`${t.name.padEnd(14)} ${m.toFixed(0).padStart(6)} ms median, ${Math.min(...times[t.name]).toFixed(0).padStart(6)} ms fastest${ratio}   ${t.what}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main();
