/**
 * JavaScript and Python functions in the stacks: a runtime names the code it compiles at run time
 * in a perf map (`/tmp/perf-PID.map`, read by symbols/perfMap.ts) only when asked to. A launched
 * Node.js or Python program is asked through its environment; an attached one is told how to be
 * restarted when it writes no map.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { perfMapPath } from '../symbols/perfMapFile';

/**
 * V8's flags: a perf map of the JavaScript functions it compiles, and interpreted functions on the
 * native stack too. `-only-functions`: V8's stubs and builtins left out (a third of the entries,
 * so of the writes), and, unlike `--perf-basic-prof` in Node.js 20, no isolate-*-v8.log file
 * left in the program's working directory. Not `--perf-prof`: its jitdump's line tables do not
 * give the line of a call on Node.js 20 (none for interpreted code, bytecode offsets for
 * Sparkplug's, inlined callees' lines for TurboFan's; bench/jitdump.ts) and it writes 2.3 MB into
 * the working directory at start-up.
 */
export const NODE_PERF_FLAGS = ['--perf-basic-prof-only-functions', '--interpreted-frames-native-stack'] as const;
/** CPython 3.12+'s perf trampoline, through the environment (as `-X perf`). */
export const PYTHON_PERF_ENV = 'PYTHONPERFSUPPORT';
/** The first CPython with a perf trampoline. */
const PYTHON_PERF_SINCE: readonly [number, number] = [3, 12];

/**
 * HotSpot's flag that keeps a frame pointer in compiled Java code, so that a frame-pointer walk
 * reaches the callers of a compiled method (a few % of the JVM's speed). Its compiled methods are
 * named without any flag (jvmPerfMap.ts asks the JVM for its perf map while it runs).
 */
export const JAVA_FRAME_FLAGS = ['-XX:+PreserveFramePointer'] as const;
/** A launched JVM also writes its perf map as it exits: the methods it compiled since it was last asked. */
const JAVA_LAUNCH_FLAGS = [...JAVA_FRAME_FLAGS, '-XX:+UnlockDiagnosticVMOptions', '-XX:+DumpPerfMapAtExit'] as const;
/** The environment variable every HotSpot JVM reads its extra options from. */
const JAVA_OPTIONS_ENV = 'JAVA_TOOL_OPTIONS';

const NODE = /^(?:node|nodejs)(?:\d+)?$/;
const PYTHON = /^python(?:(\d)(?:\.(\d+))?)?d?$/;

/** Which runtime a program (its path or name) is, by its name. */
export function runtimeOf(program: string): 'node' | 'python' | null {
  const name = basename(program);
  return NODE.test(name) ? 'node' : PYTHON.test(name) ? 'python' : null;
}

/** A well-known server whose usual fixes are settings of its own (nginx.conf, redis.conf, postgresql.conf) rather than code to change. */
export type KnownServer = 'nginx' | 'redis' | 'postgres';

/**
 * Servers by their executable's name or their process's: Debian's `redis-server` is a link to the
 * one binary `redis-check-rdb`, which the process's executable names.
 */
const KNOWN_SERVERS: readonly (readonly [RegExp, KnownServer])[] = [
  [/^nginx(?:-debug)?$/, 'nginx'],
  [/^(?:redis|valkey)-(?:server|check-rdb|check-aof)$/, 'redis'],
  [/^postgres$/, 'postgres'],
];

/** Which well-known server a program is, by its executable's path or name, else by its process's name (`comm`); null for any other. */
export function knownServerOf(program: string, processName = ''): KnownServer | null {
  for (const name of [basename(program), processName]) {
    const known = KNOWN_SERVERS.find(([re]) => re.test(name))?.[1];
    if (known) return known;
  }
  return null;
}

/** The program is the Erlang VM's emulator (`beam.smp`, what `erl` and `escript` exec), by its name. */
export function isErlangVm(program: string): boolean {
  return /^beam(?:\.smp)?$/.test(basename(program));
}

/** The program is a JVM's launcher (`java`), by its name. */
export function isJava(program: string): boolean {
  return basename(program) === 'java';
}

/** What a launch of a runtime is given, and what to tell the user. */
export interface RuntimeLaunch {
  /** The program's environment with the runtime's flags added (undefined: unchanged). */
  readonly env: NodeJS.ProcessEnv | undefined;
  readonly notes: string[];
}

/** Python's version (major, minor) as the interpreter says, or null when it cannot be asked. */
export function pythonVersion(program: string, env: NodeJS.ProcessEnv): [number, number] | null {
  try {
    const out = execFileSync(program, ['-c', 'import sys; print("%d %d" % sys.version_info[:2])'], { env, timeout: 5000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /^(\d+) (\d+)\s*$/.exec(out);
    return m ? [Number(m[1]), Number(m[2])] : null;
  } catch {
    return null;
  }
}

const atLeast = (v: readonly [number, number], min: readonly [number, number]): boolean => v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);

/** What restarting a program so that it writes a perf map takes, in words. */
export function restartAdvice(runtime: 'node' | 'python'): string {
  return runtime === 'node'
    ? `restart it with NODE_OPTIONS="${NODE_PERF_FLAGS.join(' ')}" (or these flags on node's command line)`
    : `restart it with ${PYTHON_PERF_ENV}=1 (or python -X perf), Python 3.12 or later, or call sys.activate_stack_trampoline("perf") in it`;
}

/**
 * The environment a launched command gets so that its JavaScript or Python functions are named
 * in the stacks: Node.js gets NODE_PERF_FLAGS added to NODE_OPTIONS, Python 3.12+
 * PYTHONPERFSUPPORT=1. `env` is the program's environment as the caller gives it.
 */
export function runtimeLaunch(command: readonly string[], env: NodeJS.ProcessEnv, version = pythonVersion): RuntimeLaunch {
  const runtime = command.length ? runtimeOf(command[0]) : null;
  if (runtime === 'node') {
    const have = (env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
    const add = NODE_PERF_FLAGS.filter((f) => !have.includes(f));
    if (!add.length) return { env: undefined, notes: [] };
    return {
      env: { ...env, NODE_OPTIONS: [...have, ...add].join(' ') },
      notes: [`JavaScript functions in the stacks: node runs with NODE_OPTIONS="${[...have, ...add].join(' ')}" (V8 writes /tmp/perf-PID.map)`],
    };
  }
  if (command.length && isJava(command[0])) {
    const have = (env[JAVA_OPTIONS_ENV] ?? '').split(/\s+/).filter(Boolean);
    const add = JAVA_LAUNCH_FLAGS.filter((f) => !have.includes(f));
    const named = 'its compiled Java methods are named from the perf map iolens asks the JVM for (jcmd PID Compiler.perfmap)';
    if (!add.length) return { env: undefined, notes: [`Java methods in the stacks: ${named}`] };
    const value = [...have, ...add].join(' ');
    return { env: { ...env, [JAVA_OPTIONS_ENV]: value }, notes: [`Java methods in the stacks: java runs with ${JAVA_OPTIONS_ENV}="${value}" (the callers of compiled methods kept in the stacks, the perf map written at exit too); ${named}`] };
  }
  if (runtime === 'python') {
    const v = version(command[0], env);
    if (v && !atLeast(v, PYTHON_PERF_SINCE)) {
      return { env: undefined, notes: [`Python ${v[0]}.${v[1]} has no perf trampoline (3.12 and later have): its stacks end in the interpreter, without the Python functions`] };
    }
    if (env[PYTHON_PERF_ENV] === '1') return { env: undefined, notes: [] };
    return {
      env: { ...env, [PYTHON_PERF_ENV]: '1' },
      notes: [`Python functions in the stacks: python runs with ${PYTHON_PERF_ENV}=1 (its perf trampoline writes /tmp/perf-PID.map; it gives functions and files, not lines)`],
    };
  }
  return { env: undefined, notes: [] };
}

/** The program a running process is (its executable, else its name), or null when it is gone. */
function programOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return null;
    }
  }
}

/**
 * What to tell the user about a Node.js or Python process being attached to: nothing when it
 * writes a perf map (its functions will be named), else how to restart it so that it does.
 */
export function attachNotes(pid: number): string[] {
  const program = programOf(pid);
  if (program && isJava(program)) return javaAttachNotes(pid);
  const runtime = program ? runtimeOf(program) : null;
  if (!program || !runtime) return [];
  const map = perfMapPath(pid);
  if (existsSync(`/proc/${pid}/root${map}`) || existsSync(map)) return [];
  const v = runtime === 'python' ? /python(\d)\.(\d+)/.exec(basename(program)) : null;
  if (v && !atLeast([Number(v[1]), Number(v[2])], PYTHON_PERF_SINCE)) {
    return [`pid ${pid} runs Python ${v[1]}.${v[2]}, which has no perf trampoline (3.12 and later have): its stacks end in the interpreter, without the Python functions`];
  }
  const what = runtime === 'node' ? 'Node.js' : 'Python';
  const fns = runtime === 'node' ? 'JavaScript' : 'Python';
  return [`pid ${pid} runs ${what} without a perf map (${map}): its ${fns} functions will not be in the stacks; to see them, ${restartAdvice(runtime)}`];
}

/** A running JVM's command line and JAVA_TOOL_OPTIONS name `flag` (its other sources, @argfiles and JDK_JAVA_OPTIONS, are not read). */
function javaHasFlag(pid: number, flag: string): boolean {
  const read = (f: string): string[] => {
    try {
      return readFileSync(`/proc/${pid}/${f}`, 'utf8').split('\0');
    } catch {
      return [];
    }
  };
  const options = read('environ').find((v) => v.startsWith(`${JAVA_OPTIONS_ENV}=`)) ?? '';
  return read('cmdline').includes(flag) || options.split(/[\s=]+/).includes(flag);
}

/** What to tell the user about a JVM being attached to: how its methods are named, and the flag that keeps compiled methods' callers. */
function javaAttachNotes(pid: number): string[] {
  const named = `pid ${pid} runs Java: its compiled methods are named from the perf map iolens asks the JVM for (jcmd ${pid} Compiler.perfmap), its interpreted ones are not`;
  if (JAVA_FRAME_FLAGS.every((f) => javaHasFlag(pid, f))) return [named];
  return [`${named}; the stacks may miss the callers of compiled methods: restart it with ${JAVA_OPTIONS_ENV}="${JAVA_FRAME_FLAGS.join(' ')}" to keep them`];
}
