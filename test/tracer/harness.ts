/**
 * Running the real `iolens` CLI (dist/cli.js, which runs the real tracer) on the fixtures,
 * launched or attached, with either backend, and reading back what it recorded as JSON lines.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { decodeTraceBytes } from '../../extension/src/core/trace/fileReader';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { dump } from '../../extension/src/core/commands/report';
import { StreamReader } from '../../extension/src/core/stream/reader';
import type { StartRecord, WireRecord } from '../../protocol/generated/wire';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const TRACER = join(ROOT, 'tracer', 'build', 'iolens-tracer');
/** The tracer's diagnostics line that says it is tracing (common.c writes it once the start record is out). */
export const TRACING_LINE = /tracing pid (\d+)/;

/** The tracer's backends. */
export type Backend = 'ebpf' | 'ptrace';
export const BACKENDS: readonly Backend[] = ['ebpf', 'ptrace'];

/** eBPF needs root here (the tests do not grant file capabilities); ptrace runs as anyone. */
export function backendAvailable(backend: Backend): boolean {
  return backend === 'ptrace' || process.getuid?.() === 0;
}

/**
 * What a test needs to run as root. As root it must run: a missing need is a failure. As another
 * user it cannot: under `npm test` that is the unprivileged layer (IOLENS_TEST_UNPRIVILEGED=1),
 * whose root-only tests the root layer runs, and it is skipped with one loud line; elsewhere
 * under CI=true it is a failure too, so a CI run never passes on skipped tests.
 */
export function requireRoot(ctx: Mocha.Context, what: string, available = true): void {
  const root = process.getuid?.() === 0;
  if (root && available) return;
  const why = root ? `${what} is not available here` : `${what} needs root (running as uid ${process.getuid?.()})`;
  if (root || (process.env.CI === 'true' && process.env.IOLENS_TEST_UNPRIVILEGED !== '1')) throw new Error(`cannot run: ${why}`);
  process.stderr.write(`  SKIPPED: ${why}; the root layer runs it\n`);
  ctx.skip();
}

/** A program the test setup installs (npm test's Debian packages): missing, the test fails under CI=true and is skipped loudly elsewhere. */
export function requireInstalled(ctx: Mocha.Context, program: string, args: string[] = ['--version']): void {
  if (spawnSync(program, args, { stdio: 'ignore' }).status === 0) return;
  if (process.env.CI === 'true') throw new Error(`cannot run: ${program} is not installed (npm test installs it as root)`);
  process.stderr.write(`  SKIPPED: ${program} is not installed\n`);
  ctx.skip();
}

/** Skip the suite (one loud line, see requireRoot) when this user cannot use the backend. */
export function requireBackend(ctx: Mocha.Context, backend: Backend): void {
  if (!backendAvailable(backend)) requireRoot(ctx, `the ${backend} backend`);
}

/** Require the ordinary TEST_USER (created when missing), see requireRoot. */
export function requireTestUser(ctx: Mocha.Context): void {
  requireRoot(ctx, `the ordinary user ${TEST_USER}`);
  ensureTestUser();
}

/** `iolens record` arguments that pick the backend. */
export function backendArgs(backend: Backend): string[] {
  return ['--backend', backend];
}

/** A frame of an event's stack, as in the JSON lines. */
export interface JsonFrame {
  addr: string;
  function: string | null;
  file: string | null;
  line: number | null;
  column: number | null;
  module: string | null;
  inlined: boolean;
}

/** One event as `--jsonl` writes it. */
export interface JsonEvent {
  kind: string;
  name: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number | null;
  ret?: number;
  error?: string | null;
  model?: string;
  unfinished?: boolean;
  phase?: string;
  submit_ts?: number | null;
  complete_ts?: number | null;
  res?: number | null;
  data?: string;
  generate_ts?: number | null;
  coalesced?: boolean;
  count?: number;
  total?: number;
  wakee_tid?: number;
  comm?: string;
  args: Record<string, unknown>;
  stack: JsonFrame[];
  /** Why the stack ends, from its stack line (StackEnd name; null when the trace does not say). */
  stack_end?: string | null;
  /** ...and where, in words. */
  stack_end_detail?: string | null;
}

/** What a recording produced. */
export interface Recording {
  events: JsonEvent[];
  stderr: string;
  stdout: string;
  code: number | null;
  /** The saved trace file (deleted by cleanup()). */
  traceFile: string;
  dir: string;
}

export function fixture(name: string): string {
  return join(FIXTURES, 'build', name);
}

/** 1-based line of `@mark:<mark>` in the fixture's source. */
export function markLine(source: string, mark: string): number {
  const lines = readFileSync(join(FIXTURES, 'src', `${source}.c`), 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(`@mark:${mark} `) || l.endsWith(`@mark:${mark}`) || l.includes(`@mark:${mark}*/`) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`mark ${mark} found ${hits.length} times in ${source}.c`);
  return hits[0];
}

/** Absolute path of a fixture source. */
export function sourcePath(source: string): string {
  return join(FIXTURES, 'src', `${source}.c`);
}

/** The innermost frame of an event's stack that is in the given source file. */
export function frameIn(e: JsonEvent, source: string): JsonFrame | undefined {
  return e.stack.find((f) => f.file === sourcePath(source));
}

/**
 * Events from JSON lines (docs/trace-format.md): each event's `stack_id` resolved through the
 * `stack` lines before it into `stack` (as `--full-stacks` writes it). A `skipped` line fails: the
 * tests need every event.
 */
export function parseJsonl(text: string): JsonEvent[] {
  const stacks = new Map<string, JsonFrame[]>();
  const ends = new Map<string, { end: string | null; detail: string | null }>();
  const events: JsonEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as JsonEvent & { stack_id?: string | null; frames?: JsonFrame[]; end?: string | null; end_detail?: string | null };
    if (o.kind === 'stack') {
      stacks.set(o.stack_id!, o.frames!);
      ends.set(o.stack_id!, { end: o.end ?? null, detail: o.end_detail ?? null });
      continue;
    }
    if (o.kind === 'skipped') throw new Error(`the JSON lines left ${o.count} events out`);
    if (o.stack_id !== undefined) {
      if (o.stack_id !== null && !stacks.has(o.stack_id)) throw new Error(`stack ${o.stack_id} used before its stack line`);
      o.stack = o.stack_id === null ? [] : stacks.get(o.stack_id)!;
      if (o.stack_id !== null) {
        o.stack_end = ends.get(o.stack_id)?.end ?? null;
        o.stack_end_detail = ends.get(o.stack_id)?.detail ?? null;
      }
      delete o.stack_id;
    }
    events.push(o);
  }
  return events;
}

/** Every event of a trace file, as `iolens dump --jsonl` writes them (the same code, in-process). */
export async function traceEvents(traceFile: string): Promise<JsonEvent[]> {
  let text = '';
  let errors = '';
  const sink = (add: (s: string) => void): Writable => new Writable({ write: (chunk: Buffer, _enc, done) => (add(chunk.toString()), done()) });
  const code = await dump(traceFile, { jsonl: true, color: false, out: sink((s) => (text += s)), err: sink((s) => (errors += s)) });
  if (code !== 0) throw new Error(`dump ${traceFile} failed: ${errors}`);
  return parseJsonl(text);
}

/** `iolens record [extra] -- command`. */
export async function recordLaunch(command: string[], extra: string[] = [], timeoutMs = 30000, backend: Backend = 'ebpf'): Promise<Recording> {
  const dir = mkdtempSync(join(tmpdir(), 'iolens-test-'));
  const traceFile = join(dir, 'trace.iolens');
  const r = await run(process.execPath, [CLI, 'record', '-q', ...backendArgs(backend), '-o', traceFile, ...extra, '--', ...command], timeoutMs);
  return { ...r, events: await eventsOf(traceFile), traceFile, dir };
}

/**
 * Start the fixture with --wait, attach `iolens record --pid`, then let the fixture go; the
 * recording ends when the fixture exits.
 */
export async function recordAttach(name: string, args: string[] = [], extra: string[] = [], timeoutMs = 30000, backend: Backend = 'ebpf'): Promise<Recording> {
  return recordAttachBinary(fixture(name), args, extra, undefined, timeoutMs, backend);
}

/** recordAttach for any fixture binary; `beforeGo` runs once the tracer is attached, before the workload. */
export async function recordAttachBinary(
  binary: string, args: string[] = [], extra: string[] = [], beforeGo?: () => void, timeoutMs = 30000, backend: Backend = 'ebpf',
): Promise<Recording> {
  return recordAttachCommand([binary, '--wait', ...args], extra, beforeGo, timeoutMs, backend);
}

/**
 * recordAttach for any command that, as the fixtures with --wait, prints `ready <pid>` and waits
 * for a line on stdin (a Node.js or Python fixture run by its interpreter).
 */
export async function recordAttachCommand(
  argv: readonly string[], extra: string[] = [], beforeGo?: () => void, timeoutMs = 30000, backend: Backend = 'ebpf',
): Promise<Recording> {
  const name = argv.join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'iolens-test-'));
  const traceFile = join(dir, 'trace.iolens');
  const target = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const targetExit = new Promise<number | null>((resolve) => target.once('exit', (code) => resolve(code)));
  const ready = readyPid(target, name);
  const pid = await ready.pid;
  const rec = run(process.execPath, [CLI, 'record', '-q', ...backendArgs(backend), '-o', traceFile, ...extra, '--pid', String(pid)], timeoutMs, (stderr) => {
    if (/recording pid/.test(stderr) && target.stdin.writable) {
      beforeGo?.();
      target.stdin.end('go\n');
    }
  });
  const [r, code] = await Promise.all([rec, targetExit]);
  if (code !== 0) throw new Error(`${name} exited with ${code}: ${ready.output()}`);
  return { ...r, stdout: ready.output() + r.stdout, events: await eventsOf(traceFile), traceFile, dir };
}

/**
 * The pid a fixture started with --wait prints ("ready <pid>") on its stdout, within 10 s; and
 * everything it printed so far.
 */
export function readyPid(child: import('node:child_process').ChildProcess, name: string, timeoutMs = 10000): { pid: Promise<number>; output: () => string } {
  let text = '';
  child.stdout?.setEncoding('utf8');
  const pid = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not print 'ready'`)), timeoutMs);
    child.stdout?.on('data', (s: string) => {
      text += s;
      const m = /ready (\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return { pid, output: () => text };
}

/** The events of a recording's trace file (none when the CLI wrote no trace: it refused). */
async function eventsOf(traceFile: string): Promise<JsonEvent[]> {
  return existsSync(traceFile) ? traceEvents(traceFile) : [];
}

/** Remove what a recording left on disk. */
export function cleanup(r: Recording | undefined): void {
  if (r) rmSync(r.dir, { recursive: true, force: true });
}

/** Run a command; `onStderr` sees the stderr text so far after each chunk. */
export function run(
  cmd: string, args: string[], timeoutMs = 30000, onStderr?: (text: string) => void, env?: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => (stdout += s));
    child.stderr.on('data', (s: string) => {
      stderr += s;
      onStderr?.(stderr);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** Every record of a stream or trace file. */
export function readRecords(path: string): WireRecord[] {
  const out: WireRecord[] = [];
  const reader = new StreamReader({ record: (r) => out.push(r) });
  reader.push(decodeTraceBytes(readFileSync(path)).stream);
  reader.end();
  return out;
}

/** The meta record's JSON. */
export function readMeta(path: string): Record<string, unknown> {
  const meta = readRecords(path).find((r) => r.kind === 'meta');
  if (!meta || meta.kind !== 'meta') throw new Error(`${path} has no meta record`);
  return JSON.parse(meta.json.replace(/\0+$/, '')) as Record<string, unknown>;
}

/** An ordinary user for the tests that need one (created when missing; needs root). */
export const TEST_USER = 'iolens-test';

/** Make sure TEST_USER exists; false when this cannot be done here (not root). */
export function ensureTestUser(): boolean {
  if (process.getuid?.() !== 0) return false;
  if (spawnSync('id', ['-u', TEST_USER]).status === 0) return true;
  const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', TEST_USER], { encoding: 'utf8' });
  if (r.status !== 0 && spawnSync('id', ['-u', TEST_USER]).status !== 0) throw new Error(`useradd ${TEST_USER} failed: ${r.stderr}`);
  return true;
}

/** [command, args] that run `cmd args` as TEST_USER (root only). */
export function asTestUser(cmd: string, args: string[]): [string, string[]] {
  return ['runuser', ['-u', TEST_USER, '--', cmd, ...args]];
}

/**
 * Problems with the threads of a live process: traced by someone, or stopped ('t' tracing stop,
 * 'T' stopped). Empty when the process runs untouched (or is gone).
 */
export function threadProblems(pid: number): string[] {
  const problems: string[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return problems;
  }
  for (const tid of tids) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const tracer = /TracerPid:\s+(\d+)/.exec(status)?.[1];
    const state = /State:\s+(\S)/.exec(status)?.[1];
    if (tracer !== '0') problems.push(`thread ${tid} traced by ${tracer}`);
    if (state === 't' || state === 'T') problems.push(`thread ${tid} in state ${state}`);
  }
  return problems;
}

/** Resolve after ms milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fixture started with --wait: it has printed `ready <pid>` and waits for go(). */
export interface WaitingFixture {
  readonly child: import('node:child_process').ChildProcess;
  readonly pid: number;
  readonly exit: Promise<number | null>;
  out(): string;
  go(): void;
}

/**
 * argv that runs `argv` in a process group of its own inside this session: a group whose parent
 * (the test) is in another group of the same session is not orphaned, so the kernel delivers
 * SIGTSTP/SIGTTIN/SIGTTOU to it even when the test itself runs in an orphaned background job.
 */
export function inOwnProcessGroup(argv: readonly string[]): [string, string[]] {
  return ['python3', ['-c', 'import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])', ...argv]];
}

/** Start a fixture with --wait (as TEST_USER when `asUser`; in a process group of its own when
 * `ownGroup`, see inOwnProcessGroup); resolves once it printed ready. */
export async function startWaiting(name: string, args: string[] = [], asUser = false, ownGroup = false): Promise<WaitingFixture> {
  let [cmd, argv] = asUser ? asTestUser(fixture(name), ['--wait', ...args]) : [fixture(name), ['--wait', ...args]];
  if (ownGroup) [cmd, argv] = inOwnProcessGroup([cmd, ...argv]);
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ready = readyPid(child, name);
  const pid = await ready.pid;
  return { child, pid, exit, out: ready.output, go: () => child.stdin?.end('go\n') };
}

/** The start record of a stream being written to `path` (polled until it is there). */
export async function waitForStart(path: string, timeoutMs = 20000): Promise<StartRecord> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(20)) {
    if (!existsSync(path)) continue;
    const start = readRecords(path).find((r): r is StartRecord => r.kind === 'start');
    if (start) return start;
  }
  throw new Error(`no start record in ${path} after ${timeoutMs} ms`);
}

/**
 * Other load on the machine: `n` busy loops at normal priority, each in a process group of its
 * own. stop() ends them.
 */
export function startLoad(n = 3): { stop(): void } {
  const loops = Array.from({ length: n }, () => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore', detached: true }));
  return {
    stop: () => {
      for (const l of loops) {
        try {
          process.kill(-l.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    },
  };
}

/** A process is gone (or a zombie nobody reaped yet). */
export function gone(pid: number): boolean {
  try {
    return /State:\s+[ZX]/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

/** `pid` and every process below it (children of any of its threads), the deepest first. */
export function processTree(pid: number): number[] {
  const below: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [pid];
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of children.trim().split(/\s+/).filter(Boolean)) below.push(...processTree(Number(c)));
  }
  return [...below, pid];
}

/**
 * Kills `pid` and everything it started (SIGKILL): a test that gives up on a recording must not
 * leave its tracer and target running (a flood left behind takes the CPUs every later test needs).
 */
export function killTree(pid: number): void {
  for (const p of processTree(pid)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
