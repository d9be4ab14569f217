/**
 * Overhead of tracing, as ratios to the untraced run, for iolens and the tools people use for the
 * same job, measured in one run, rounds interleaved, medians reported:
 *
 *   - the worst case for any syscall tracer: a loop of one million epoll_wait(timeout=0) calls
 *     (test/fixtures/epoll_loop: ns per call as the program itself times it);
 *   - the realistic fixtures (one per I/O model): the workload's wall time.
 *
 * Every tracer attaches to the fixture while it waits (--wait), then the workload runs; attach and
 * start-up costs are not counted. Needs root (eBPF, perf, bpftrace). `iolens-ptrace` is the same
 * recording with the ptrace backend.
 *
 *   npx tsx bench/overhead.ts [--rounds N] [--only epoll_loop,aio_eventfd] [--tools iolens,strace]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const fixture = (name: string): string => join(ROOT, 'test', 'fixtures', 'build', name);

interface Workload {
  readonly name: string;
  readonly args: string[];
  /** The syscalls a focused tool should follow (strace -e, perf trace -e). */
  readonly syscalls: string;
  /** Use the program's own ns/call figure instead of wall time. */
  readonly selfTimed?: boolean;
}

const WORKLOADS: Workload[] = [
  { name: 'epoll_loop', args: ['--iterations', '1000000'], syscalls: 'epoll_wait', selfTimed: true },
  { name: 'epoll_stall', args: [], syscalls: 'epoll_wait,epoll_ctl,read,write' },
  { name: 'aio_eventfd', args: [], syscalls: 'io_setup,io_submit,io_getevents,io_destroy,epoll_wait,read' },
  { name: 'uring_read', args: [], syscalls: 'io_uring_setup,io_uring_enter' },
  { name: 'sigio_pipe', args: [], syscalls: 'fcntl,rt_sigsuspend,read,write' },
  { name: 'threadpool_pread', args: [], syscalls: 'pread64,pwrite64,fsync,write,read,epoll_wait,futex' },
];

type ToolName = 'untraced' | 'iolens' | 'iolens-no-stacks' | 'iolens-ptrace' | 'strace' | 'bpftrace-ustack' | 'perf-trace' | 'tracepoint-floor';

interface Tool {
  readonly name: ToolName;
  readonly what: string;
  /** Start tracing pid; resolves once the tracer is attached. */
  attach?(pid: number, w: Workload): Promise<ChildProcess>;
}

function waitForText(child: ChildProcess, re: RegExp, stream: 'stdout' | 'stderr', timeoutMs = 30000): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} (${text.slice(-300)})`)), timeoutMs);
    const s = child[stream];
    if (!s) return reject(new Error(`no ${stream}`));
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      text += d;
      if (re.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`tracer exited before attaching: ${text.slice(-500)}`));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A tracer that says nothing when attached must at least still be running. */
function alive(c: ChildProcess, name: string): ChildProcess {
  if (c.exitCode !== null) throw new Error(`${name} exited (status ${c.exitCode}) instead of attaching`);
  return c;
}

const TOOLS: Tool[] = [
  { name: 'untraced', what: 'no tracer' },
  {
    name: 'iolens',
    what: 'iolens record --backend ebpf (user stacks, saving the trace)',
    attach: async (pid) => {
      const c = spawn(process.execPath, [CLI, 'record', '-q', '--backend', 'ebpf', '-o', '/tmp/iolens-bench.iolens', '--pid', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
      await waitForText(c, /recording pid/, 'stderr');
      return c;
    },
  },
  {
    name: 'iolens-no-stacks',
    what: 'iolens record --no-stacks',
    attach: async (pid) => {
      const c = spawn(process.execPath, [CLI, 'record', '-q', '--backend', 'ebpf', '--no-stacks', '-o', '/tmp/iolens-bench.iolens', '--pid', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
      await waitForText(c, /recording pid/, 'stderr');
      return c;
    },
  },
  {
    name: 'iolens-ptrace',
    what: 'iolens record with the ptrace backend (user stacks, saving the trace)',
    attach: async (pid) => {
      const c = spawn(process.execPath, [CLI, 'record', '-q', '--backend', 'ptrace', '-o', '/tmp/iolens-bench.iolens', '--pid', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
      await waitForText(c, /recording pid/, 'stderr');
      return c;
    },
  },
  {
    name: 'strace',
    what: 'strace -f -e trace=<the workload\'s syscalls>',
    attach: async (pid, w) => {
      const c = spawn('strace', ['-f', '-qq', '-o', '/dev/null', '-e', `trace=${w.syscalls}`, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
      await sleep(500); // strace prints nothing when it has attached (-qq); give it time to seize every thread
      return alive(c, 'strace');
    },
  },
  {
    name: 'bpftrace-ustack',
    what: 'bpftrace counting ustack on the workload\'s syscalls',
    attach: async (pid, w) => {
      const probes = w.syscalls.split(',').map((s) => `tracepoint:syscalls:sys_enter_${s}`).join(',');
      const prog = `${probes} /pid == ${pid}/ { @[ustack] = count(); } BEGIN { printf("attached\\n"); }`;
      const c = spawn('bpftrace', ['-e', prog], { stdio: ['ignore', 'pipe', 'pipe'] });
      await waitForText(c, /attached/, 'stdout');
      return c;
    },
  },
  {
    // Not a tool: the price of the kernel running an eBPF program (that does nothing but check the
    // pid) at the entry and exit tracepoints of each call, which any eBPF syscall tracer pays
    // before doing any work. iolens' ratio minus this one is what iolens itself costs.
    name: 'tracepoint-floor',
    what: 'bpftrace with empty programs on the sys_enter/sys_exit tracepoints of the workload\'s syscalls (the floor)',
    attach: async (pid, w) => {
      const probes = w.syscalls.split(',').flatMap((s) => [`tracepoint:syscalls:sys_enter_${s}`, `tracepoint:syscalls:sys_exit_${s}`]).join(',');
      const prog = `${probes} /pid == ${pid}/ { } BEGIN { printf("attached\\n"); }`;
      const c = spawn('bpftrace', ['-e', prog], { stdio: ['ignore', 'pipe', 'pipe'] });
      await waitForText(c, /attached/, 'stdout');
      return c;
    },
  },
  {
    name: 'perf-trace',
    what: 'perf trace -e <the workload\'s syscalls> -p',
    attach: async (pid, w) => {
      const c = spawn('perf', ['trace', '-o', '/dev/null', '-e', w.syscalls, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
      await sleep(1500);
      return alive(c, 'perf trace');
    },
  },
];

/** One measurement: ns per call (self-timed) or the workload's wall time in ns. */
async function measure(w: Workload, tool: Tool): Promise<number> {
  const target = spawn(fixture(w.name), ['--wait', ...w.args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => target.once('exit', () => r()));
  let out = '';
  target.stdout.setEncoding('utf8');
  const ready = new Promise<number>((resolve) =>
    target.stdout.on('data', (d: string) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    }),
  );
  const pid = await ready;
  const tracer = tool.attach ? await tool.attach(pid, w) : undefined;
  const t0 = process.hrtime.bigint();
  target.stdin.end('go\n');
  await exited;
  const wall = Number(process.hrtime.bigint() - t0);
  if (tracer) {
    if (!tool.name.startsWith('iolens')) tracer.kill('SIGINT');
    await new Promise<void>((r) => (tracer.exitCode !== null ? r() : tracer.once('exit', () => r())));
  }
  await settle();
  if (w.selfTimed) {
    const m = /done \d+ calls ([\d.]+) ns\/call/.exec(out);
    if (!m) throw new Error(`${w.name} printed no timing: ${out}`);
    return Number(m[1]);
  }
  return wall;
}

/** Wait until no tracer from an earlier measurement is still taking its probes off. */
async function settle(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = spawnSync('pgrep', ['-x', 'iolens-tracer']);
    if (r.status !== 0) return;
    await sleep(100);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function available(tool: Tool): boolean {
  const bin = { strace: 'strace', 'bpftrace-ustack': 'bpftrace', 'tracepoint-floor': 'bpftrace', 'perf-trace': 'perf' }[tool.name as string];
  return !bin || spawnSync('which', [bin]).status === 0;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const rounds = Number(opt('--rounds') ?? 5);
  const only = opt('--only')?.split(',');
  const toolNames = opt('--tools')?.split(',');
  const workloads = WORKLOADS.filter((w) => !only || only.includes(w.name));
  const tools = TOOLS.filter((t) => t.name === 'untraced' || !toolNames || toolNames.includes(t.name)).filter((t) => {
    if (available(t)) return true;
    process.stderr.write(`bench: ${t.name} is not installed; skipped\n`);
    return false;
  });
  const results: Record<string, Record<string, number[]>> = {};
  for (const w of workloads) {
    results[w.name] = {};
    for (let r = 0; r < rounds; r++) {
      for (const t of tools) {
        const v = await measure(w, t);
        (results[w.name][t.name] ??= []).push(v);
        process.stderr.write(`bench: ${w.name} round ${r + 1}/${rounds} ${t.name}: ${w.selfTimed ? `${v.toFixed(1)} ns/call` : `${(v / 1e6).toFixed(1)} ms`}\n`);
      }
    }
  }
  const lines: string[] = [];
  lines.push(`Tracing overhead: median of ${rounds} interleaved rounds, ratio to the untraced run (1.00 = no overhead)`);
  lines.push(`machine: ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}, ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs, ${new Date().toISOString()}`);
  lines.push('');
  const header = ['workload', 'untraced', ...tools.filter((t) => t.name !== 'untraced').map((t) => t.name)];
  const rows = [header];
  for (const w of workloads) {
    const base = median(results[w.name].untraced);
    const row = [w.name, w.selfTimed ? `${base.toFixed(0)} ns/call` : `${(base / 1e6).toFixed(1)} ms`];
    for (const t of tools) if (t.name !== 'untraced') row.push(`${(median(results[w.name][t.name]) / base).toFixed(2)}x`);
    rows.push(row);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) lines.push(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  lines.push('');
  // a ratio depends on how fast the untraced call is; the time each tool adds to one call does not
  for (const w of workloads.filter((x) => x.selfTimed)) {
    const base = median(results[w.name].untraced);
    const added = tools.filter((t) => t.name !== 'untraced').map((t) => `${t.name} +${(median(results[w.name][t.name]) - base).toFixed(0)}`);
    lines.push(`${w.name}: ns added to each call: ${added.join(', ')}`);
  }
  if (workloads.some((x) => x.selfTimed)) lines.push('');
  for (const t of tools) lines.push(`  ${t.name.padEnd(18)} ${t.what}`);
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'overhead.txt'), text);
  writeFileSync(join(ROOT, 'bench', 'results', 'overhead.json'), JSON.stringify(results, null, 1));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
