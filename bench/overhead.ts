/**
 * Overhead of tracing, as ratios to the untraced run, for iolens and the tools people use for the
 * same job, measured in one run, rounds interleaved, medians reported:
 *
 *   - the worst case for any syscall tracer: a loop of one million epoll_wait(timeout=0) calls
 *     (test/fixtures/epoll_loop: ns per call as the program itself times it);
 *   - the realistic fixtures (one per I/O model): the workload's wall time;
 *   - the rest of the system (bystander_*): another process's syscalls, untraced, while the tools
 *     trace an idle one (test/fixtures/bystander: ns per call as it times itself).
 *
 * Every tracer attaches to the fixture while it waits (--wait), then the workload runs; attach and
 * start-up costs are not counted. Needs root (eBPF, perf, bpftrace). `iolens-ptrace` is the same
 * recording with the ptrace backend; `iolens-base` is the iolens of another checkout (`--base DIR`,
 * built: e.g. a `git worktree` of an older commit), to compare a change with what it replaces in one run.
 *
 *   npx tsx bench/overhead.ts [--rounds N] [--only epoll_loop,aio_eventfd] [--tools iolens,strace]
 *                             [--base /path/to/other/checkout] [--bpf-stats]
 *
 * --bpf-stats turns kernel.bpf_stats_enabled on for the run (restored after) and adds, for the
 * iolens tools on the self-timed workloads, the time the tracer's own eBPF programs ran while the
 * workload ran, over its calls: the figure a loaded machine disturbs least. The iolens-raw-tp and
 * iolens-tp-btf tools record with --kernel-path raw_tp and tp_btf.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const fixture = (name: string): string => join(ROOT, 'test', 'fixtures', 'build', name);

interface Workload {
  readonly name: string;
  /** The fixture's name when the workload is a variant of it. */
  readonly fixture?: string;
  readonly args: string[];
  /** The syscalls a focused tool should follow (strace -e, perf trace -e). */
  readonly syscalls: string;
  /** Use the program's own ns/call figure instead of wall time. */
  readonly selfTimed?: boolean;
  /** Not traced itself: it runs while the tools trace another process (an idle epoll_loop), to
   * measure what they tax the rest of the system's syscalls. */
  readonly bystander?: boolean;
}

const WORKLOADS: Workload[] = [
  { name: 'epoll_loop', args: ['--iterations', '1000000'], syscalls: 'epoll_wait', selfTimed: true },
  // the same loop with polls that always report an event: no run of identical empty polls to fold
  { name: 'epoll_loop_ready', fixture: 'epoll_loop', args: ['--iterations', '1000000', '--ready'], syscalls: 'epoll_wait', selfTimed: true },
  // a server's short non-blocking calls, which iolens counts in the kernel instead of sending
  { name: 'short_calls', args: ['--iterations', '300000', '--sites', '4'], syscalls: 'recvfrom,write', selfTimed: true },
  { name: 'short_calls_mt', fixture: 'short_calls', args: ['--iterations', '300000', '--sites', '4', '--threads'], syscalls: 'recvfrom,write', selfTimed: true },
  // stacks without frame pointers (a snapshot unwound with CFI) against the same program with them
  { name: 'nofp_stack', args: ['--iterations', '30000', '--poll-ms', '0'], syscalls: 'poll,kill', selfTimed: true },
  { name: 'nofp_stack_fp', args: ['--iterations', '30000', '--poll-ms', '0'], syscalls: 'poll,kill', selfTimed: true },
  // the same with fio's kind of frames: the deep poll's callers 35 KiB above sp, under 700 stack words
  { name: 'nofp_stack_big', fixture: 'nofp_stack', args: ['--iterations', '30000', '--poll-ms', '0', '--big'], syscalls: 'poll,kill', selfTimed: true },
  // callers above a frame whose 32 KiB of locals were never written (absent pages): the window is
  // read past them (apache2's and lighttpd's workers have such frames)
  { name: 'nofp_stack_untouched', fixture: 'nofp_stack', args: ['--iterations', '30000', '--poll-ms', '0', '--untouched'], syscalls: 'poll,kill', selfTimed: true },
  // another process's syscalls while the tools trace an idle one: the tax on the rest of the system,
  // for a syscall iolens does not trace (getppid) and one it does (read)
  { name: 'bystander_getppid', fixture: 'bystander', args: ['--iterations', '1000000'], syscalls: 'epoll_wait', selfTimed: true, bystander: true },
  { name: 'bystander_read', fixture: 'bystander', args: ['--iterations', '1000000', '--read'], syscalls: 'epoll_wait', selfTimed: true, bystander: true },
  { name: 'epoll_stall', args: [], syscalls: 'epoll_wait,epoll_ctl,read,write' },
  { name: 'aio_eventfd', args: [], syscalls: 'io_setup,io_submit,io_getevents,io_destroy,epoll_wait,read' },
  { name: 'uring_read', args: [], syscalls: 'io_uring_setup,io_uring_enter' },
  { name: 'sigio_pipe', args: [], syscalls: 'fcntl,rt_sigsuspend,read,write' },
  { name: 'threadpool_pread', args: [], syscalls: 'pread64,pwrite64,fsync,write,read,epoll_wait,futex' },
];

type ToolName = 'untraced' | 'iolens' | 'iolens-raw-tp' | 'iolens-tp-btf' | 'iolens-base' | 'iolens-no-stacks' | 'iolens-ptrace' | 'strace' | 'bpftrace-ustack' | 'perf-trace' | 'perf-trace-dwarf' | 'tracepoint-floor';

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

/** `iolens record` of a checkout, attached to pid. */
async function iolens(cli: string, pid: number, args: string[]): Promise<ChildProcess> {
  const c = spawn(process.execPath, [cli, 'record', '-q', ...args, '-o', '/tmp/iolens-bench.iolens', '--pid', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForText(c, /recording pid/, 'stderr');
  return c;
}

/** The other checkout of `--base`. */
let baseCli = '';

const TOOLS: Tool[] = [
  { name: 'untraced', what: 'no tracer' },
  {
    name: 'iolens',
    what: 'iolens record --backend ebpf (user stacks, saving the trace; the default --kernel-path)',
    attach: (pid) => iolens(CLI, pid, ['--backend', 'ebpf']),
  },
  {
    name: 'iolens-raw-tp',
    what: 'iolens record --kernel-path raw_tp (one program on every syscall\'s sys_enter/sys_exit raw tracepoint)',
    attach: (pid) => iolens(CLI, pid, ['--backend', 'ebpf', '--kernel-path', 'raw_tp']),
  },
  {
    name: 'iolens-tp-btf',
    what: 'iolens record --kernel-path tp_btf (the same as BTF tracepoint programs)',
    attach: (pid) => iolens(CLI, pid, ['--backend', 'ebpf', '--kernel-path', 'tp_btf']),
  },
  {
    name: 'iolens-base',
    what: 'the same with the iolens of --base (another checkout, built: e.g. a git worktree of an older commit)',
    attach: (pid) => iolens(baseCli, pid, ['--backend', 'ebpf']),
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
  {
    name: 'perf-trace-dwarf',
    what: 'perf trace --call-graph dwarf -e <the workload\'s syscalls> -p (an 8 KiB stack copy per call, unwound in perf)',
    attach: async (pid, w) => {
      const c = spawn('perf', ['trace', '--call-graph', 'dwarf', '-o', '/dev/null', '-e', w.syscalls, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
      await sleep(1500);
      return alive(c, 'perf trace --call-graph dwarf');
    },
  },
];

/** Run time of the eBPF programs a process holds (kernel.bpf_stats_enabled), summed over them. */
interface ProgramTime {
  readonly runNs: number;
  readonly runs: number;
}

/** The run time so far of the eBPF programs `pid` holds (from /proc/PID/fdinfo: each program once;
 * counted only while kernel.bpf_stats_enabled is on). */
function programTime(pid: number): ProgramTime {
  const seen = new Set<string>();
  let runNs = 0;
  let runs = 0;
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return { runNs, runs };
  }
  for (const fd of fds) {
    let info = '';
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    const id = /^prog_id:\s+(\d+)/m.exec(info)?.[1];
    const time = /^run_time_ns:\s+(\d+)/m.exec(info)?.[1];
    const count = /^run_cnt:\s+(\d+)/m.exec(info)?.[1];
    if (!id || time === undefined || count === undefined || seen.has(id)) continue;
    seen.add(id);
    runNs += Number(time);
    runs += Number(count);
  }
  return { runNs, runs };
}

/** One measurement: the workload's wall time in ns, or ns per call (self-timed) with the CPU time too. */
interface Measurement {
  readonly value: number;
  /** Self-timed workloads that time it: the looping thread's CPU time per call (the kernel's tracing programs included). */
  readonly cpu?: number;
  /** With --bpf-stats, iolens: the time its eBPF programs ran per call of the workload. */
  readonly programNs?: number;
}

/** Set by --bpf-stats: read the iolens programs' run time while the workload runs. */
let bpfStats = false;

/** A fixture started with --wait: resolves with it and its pid once it says it is ready. */
async function startWaiting(name: string, args: string[]): Promise<{ child: ChildProcess & { stdout: Readable; stdin: Writable }; pid: number; output: () => string }> {
  const child = spawn(fixture(name), ['--wait', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (status ${code}) before it was ready: ${out}`)));
    child.stdout.on('data', (d: string) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  return { child, pid, output: () => out };
}

async function measure(w: Workload, tool: Tool): Promise<Measurement> {
  // a bystander runs while the tools trace an idle epoll_loop, which ends after it
  const traced = await startWaiting(w.bystander ? 'epoll_loop' : (w.fixture ?? w.name), w.bystander ? ['--iterations', '1'] : w.args);
  const target = w.bystander ? await startWaiting(w.fixture ?? w.name, w.args) : traced;
  const exited = new Promise<void>((r) => (target.child.exitCode !== null ? r() : target.child.once('exit', () => r())));
  const tracer = tool.attach ? await tool.attach(traced.pid, w) : undefined;
  // an iolens tracer finishes taking its probes off after its CLI returned: wait for it below
  const backend = tracer?.pid && tool.name.startsWith('iolens') ? spawnSync('pgrep', ['-P', String(tracer.pid), '-x', 'iolens-tracer'], { encoding: 'utf8' }).stdout.trim() : '';
  const backendPid = Number(backend.split('\n')[0]);
  const before: ProgramTime = bpfStats && backend ? programTime(backendPid) : { runNs: 0, runs: 0 };
  let programs = before;
  let done = false;
  const t0 = process.hrtime.bigint();
  target.child.stdin.end('go\n');
  const sampler = (async () => {
    // the programs are let go when the traced process ends: keep the last reading taken while it ran
    while (bpfStats && backend && !done) {
      const now = programTime(backendPid);
      if (!done) programs = now;
      await sleep(200);
    }
  })();
  await exited;
  const wall = Number(process.hrtime.bigint() - t0);
  done = true;
  await sampler;
  if (w.bystander) {
    // the bystander is done: now the traced process may end, and the recording with it
    const idleDone = new Promise<void>((r) => (traced.child.exitCode !== null ? r() : traced.child.once('exit', () => r())));
    traced.child.stdin.end('go\n');
    await idleDone;
  }
  if (tracer) {
    if (!tool.name.startsWith('iolens')) tracer.kill('SIGINT');
    await new Promise<void>((r) => (tracer.exitCode !== null ? r() : tracer.once('exit', () => r())));
  }
  await settle(backend.split('\n').filter(Boolean).map(Number));
  if (w.selfTimed) {
    const out = target.output();
    const m = /done (\d+) calls ([\d.]+) ns\/call(?: ([\d.]+) cpu-ns\/call)?/.exec(out);
    if (!m) throw new Error(`${w.name} printed no timing: ${out}`);
    // all the time the tracer's programs ran while the workload did, over its calls: a program on
    // every syscall (raw_tp, tp_btf) runs for the other processes' calls too, and that is counted
    const programNs = programs.runs > before.runs ? (programs.runNs - before.runNs) / Number(m[1]) : undefined;
    return { value: Number(m[2]), cpu: m[3] === undefined ? undefined : Number(m[3]), programNs };
  }
  return { value: wall };
}

/** Wait until the tracers of the last measurement have taken their probes off (at most 20 s), and
 * a moment for tools that are not iolens. */
async function settle(pids: number[]): Promise<void> {
  for (let i = 0; i < 200 && pids.some((p) => existsSync(`/proc/${p}`)); i++) await sleep(100);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function available(tool: Tool): boolean {
  const bin = { strace: 'strace', 'bpftrace-ustack': 'bpftrace', 'tracepoint-floor': 'bpftrace', 'perf-trace': 'perf', 'perf-trace-dwarf': 'perf' }[tool.name as string];
  return !bin || spawnSync('which', [bin]).status === 0;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  bpfStats = argv.includes('--bpf-stats');
  const statsWere = bpfStats ? readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim() : '';
  if (bpfStats) writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
  try {
    await run(opt);
  } finally {
    if (bpfStats) writeFileSync('/proc/sys/kernel/bpf_stats_enabled', statsWere);
  }
}

async function run(opt: (name: string) => string | undefined): Promise<void> {
  const rounds = Number(opt('--rounds') ?? 5);
  const only = opt('--only')?.split(',');
  const toolNames = opt('--tools')?.split(',');
  const base = opt('--base');
  if (base) baseCli = join(base, 'dist', 'cli.js');
  if (toolNames?.includes('iolens-base') && !base) throw new Error('iolens-base needs --base DIR (another checkout, built)');
  const workloads = WORKLOADS.filter((w) => !only || only.includes(w.name));
  const tools = TOOLS.filter((t) => t.name === 'untraced' || (toolNames ? toolNames.includes(t.name) : t.name !== 'iolens-base' || base)).filter((t) => {
    if (available(t)) return true;
    process.stderr.write(`bench: ${t.name} is not installed; skipped\n`);
    return false;
  });
  const results: Record<string, Record<string, number[]>> = {};
  const cpus: Record<string, Record<string, number[]>> = {};
  const programNs: Record<string, Record<string, number[]>> = {};
  for (const w of workloads) {
    results[w.name] = {};
    cpus[w.name] = {};
    programNs[w.name] = {};
    for (let r = 0; r < rounds; r++) {
      for (const t of tools) {
        const m = await measure(w, t);
        (results[w.name][t.name] ??= []).push(m.value);
        if (m.cpu !== undefined) (cpus[w.name][t.name] ??= []).push(m.cpu);
        if (m.programNs !== undefined) (programNs[w.name][t.name] ??= []).push(m.programNs);
        const cpu = (m.cpu === undefined ? '' : `, ${m.cpu.toFixed(1)} cpu-ns/call`) + (m.programNs === undefined ? '' : `, ${m.programNs.toFixed(0)} ns in eBPF programs/call`);
        process.stderr.write(`bench: ${w.name} round ${r + 1}/${rounds} ${t.name}: ${w.selfTimed ? `${m.value.toFixed(1)} ns/call${cpu}` : `${(m.value / 1e6).toFixed(1)} ms`}\n`);
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
    // the thread's CPU time does not count the time it waited for a CPU: steadier on a loaded machine
    const cpu = cpus[w.name];
    if (!cpu.untraced?.length) continue;
    const cpuBase = median(cpu.untraced);
    const cpuAdded = tools.filter((t) => t.name !== 'untraced' && cpu[t.name]?.length).map((t) => `${t.name} +${(median(cpu[t.name]) - cpuBase).toFixed(0)}`);
    lines.push(`${w.name}: CPU ns added to each call (untraced ${cpuBase.toFixed(0)}): ${cpuAdded.join(', ')}`);
  }
  for (const w of workloads) {
    const prog = programNs[w.name];
    const timed = tools.filter((t) => prog[t.name]?.length);
    if (timed.length) lines.push(`${w.name}: ns in the tracer's eBPF programs per call (bpf_stats): ${timed.map((t) => `${t.name} ${median(prog[t.name]).toFixed(0)}`).join(', ')}`);
  }
  if (workloads.some((x) => x.selfTimed)) lines.push('');
  for (const t of tools) lines.push(`  ${t.name.padEnd(18)} ${t.what}`);
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'overhead.txt'), text);
  writeFileSync(join(ROOT, 'bench', 'results', 'overhead.json'), JSON.stringify({ results, cpus, programNs }, null, 1));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
