/**
 * Running iolens-tracer: the event stream arrives on fd 3, the tracer's diagnostics on fd 4, and a
 * launched program keeps fds 0-2 (the terminal, or pipes the caller reads).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { KernelPathName } from '../../../../protocol/generated/wire';
import { UserError } from '../errors';
import { tracerPath } from './locate';
import { attachNotes, runtimeLaunch, type RuntimeLaunch } from './runtimes';

/** Which tracer backend: eBPF (needs CAP_BPF + CAP_PERFMON), ptrace (your own processes), or the best allowed. */
export type Backend = 'ebpf' | 'ptrace' | 'auto';

/** What to trace and how. */
export interface TracerOptions {
  /** The iolens-tracer binary (default: the one built with iolens; see tracerPath). */
  readonly tracerPath?: string;
  /** Default: auto (eBPF when allowed, else ptrace). */
  readonly backend?: Backend;
  /** Attach to this process... */
  readonly pid?: number;
  /** ...or launch this command (held back until the probes are attached). */
  readonly command?: readonly string[];
  readonly durationS?: number;
  /** Blocking calls shorter than this are not sent. */
  readonly minDurationNs?: number;
  readonly irq?: boolean;
  readonly stacks?: boolean;
  /** Bytes above sp scanned for a stack snapshot (--stack-window; the tracer's default when absent). */
  readonly stackWindow?: number;
  /** eBPF: how the programs come into the traced syscalls (--kernel-path; the tracer's default when absent). */
  readonly kernelPath?: KernelPathName;
  readonly ringSize?: number;
  /** Trace only the process itself, not its existing or future children. */
  readonly noChildren?: boolean;
  /** stdio of a launched program: inherited (default) or piped to the caller. */
  readonly programStdio?: 'inherit' | 'pipe';
  /** Working directory of a launched program. */
  readonly cwd?: string;
  /** Environment of a launched program. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * JavaScript and Python functions in the stacks (default true): a launched Node.js or Python
   * 3.12+ program is given the flags that make it write a perf map (tracer/runtimes.ts); an
   * attached one that writes none is told how to restart it.
   */
  readonly runtimeFrames?: boolean;
}

/** A running tracer. */
export interface TracerHandle {
  readonly child: ChildProcess;
  /** The event stream. */
  readonly stream: Readable;
  /** The tracer's diagnostics, line by line. */
  readonly log: Readable;
  /** The launched program's stdout/stderr when piped. */
  readonly programOutput: { stdout: Readable | null; stderr: Readable | null };
  /** Ask the tracer to stop (it detaches and ends the stream cleanly). */
  stop(): void;
  /** What the user should know about the traced runtime (its flags, or why its functions will not be named). */
  readonly notes: readonly string[];
  /** Resolves with the tracer's exit code (or the signal that killed it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Stop waiting for the tracer: after its end record it only detaches its probes, which takes
   * seconds (one RCU grace period per syscall tracepoint) and needs nothing from us.
   */
  detach(): void;
}

/** Command-line arguments for iolens-tracer. */
export function tracerArgs(o: TracerOptions): string[] {
  const args = ['--output-fd', '3', '--log-fd', '4'];
  if (o.backend && o.backend !== 'auto') args.push('--backend', o.backend);
  if (o.durationS !== undefined) args.push('--duration', String(o.durationS));
  if (o.minDurationNs !== undefined) args.push('--min-duration-ns', String(Math.round(o.minDurationNs)));
  if (o.irq) args.push('--irq');
  if (o.stacks === false) args.push('--no-stacks');
  if (o.stackWindow !== undefined) args.push('--stack-window', String(o.stackWindow));
  if (o.kernelPath !== undefined) args.push('--kernel-path', o.kernelPath);
  if (o.ringSize !== undefined) args.push('--ring-size', String(o.ringSize));
  if (o.noChildren) args.push('--no-children');
  if (o.pid !== undefined) args.push('--pid', String(o.pid));
  else if (o.command?.length) args.push('--', ...o.command);
  else throw new UserError('usage', 'nothing to trace: give a pid or a command');
  return args;
}

/** The tracer announces the start and the end in words too; the start and end records say them. */
const ANNOUNCEMENT = /^iolens-tracer: (tracing pid |stopped \()/;

/**
 * The tracer's diagnostics, line by line (without its `iolens-tracer: ` prefix), less the lines
 * that only announce what the stream's start and end records say (an unfinished last line too).
 */
export function onTracerDiagnostics(log: Readable, onLine: (line: string) => void): void {
  let text = '';
  const emit = (line: string): void => {
    if (line && !ANNOUNCEMENT.test(line)) onLine(line.replace(/^iolens-tracer: /, ''));
  };
  log.setEncoding('utf8');
  log.on('data', (s: string) => {
    text += s;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      emit(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
  });
  log.on('end', () => emit(text));
}

/** Start the tracer. */
export function startTracer(o: TracerOptions): TracerHandle {
  const program = o.programStdio ?? 'inherit';
  const stdio: StdioOptions = [program === 'pipe' ? 'ignore' : 'inherit', program, program, 'pipe', 'pipe'];
  const env = o.env ?? process.env;
  const runtime: RuntimeLaunch =
    o.runtimeFrames === false ? { env: undefined, notes: [] } : o.pid !== undefined ? { env: undefined, notes: attachNotes(o.pid) } : runtimeLaunch(o.command ?? [], env);
  const child = spawn(tracerPath(o.tracerPath), tracerArgs(o), { stdio, cwd: o.cwd, env: runtime.env ?? env });
  const stream = child.stdio[3] as Readable;
  const log = child.stdio[4] as Readable;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    stream,
    log,
    programOutput: { stdout: program === 'pipe' ? child.stdout : null, stderr: program === 'pipe' ? child.stderr : null },
    notes: runtime.notes,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    },
    exited,
    detach: () => {
      log.destroy();
      stream.destroy();
      child.unref();
      if (child.exitCode === null && child.signalCode === null) {
        detaching.add(child);
        child.once('close', () => detaching.delete(child));
      }
    },
  };
}

/**
 * What a recording starts its tracer with: the real one (startTracer), or a replay of a captured
 * stream (testing/replay.ts: benches and tests), which needs no child process.
 */
export type StartTracer = (options: TracerOptions) => Omit<TracerHandle, 'child'>;

/** Tracers let go of after their end record, still taking their probes off. */
const detaching = new Set<ChildProcess>();

/**
 * How many tracers of this process are still detaching their probes: the kernel serializes
 * attach and detach, so a new recording waits for them (seconds).
 */
export function tracersDetaching(): number {
  return detaching.size;
}
