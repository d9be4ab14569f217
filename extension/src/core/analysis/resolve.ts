/**
 * Findings and chains with their source lines: a stack id becomes `where`, the first frame in the
 * user's own code (symbols/userFrame). Done after the pass, since a trace file's symbols come last.
 */
import { basename } from 'node:path';
import type { ResolvedStack, StackFrame } from '../symbols/stacks';
import { frameOwner, userFrame } from '../symbols/userFrame';
import { isPerfMapFile } from '../symbols/perfMapFile';
import { isPosixAioStack } from './posixAio';
import type { Finding, RawFinding, Where } from './types';

/** Anything that resolves stack ids (the StackResolver). */
export interface StackSource {
  resolve(stackId: bigint): ResolvedStack | undefined;
  /** The process runs a Go binary (its executable has a Go symbol table), when the symbols can tell. */
  goProcess?(pid: number): boolean;
  /** The function whose code is at an address of a process (a signal handler's), when the symbols can tell. */
  codeAt?(pid: number, addr: bigint): StackFrame | undefined;
}

/** The call to change for a stack, null when it has no frame of the user's code. */
export function whereOf(stacks: StackSource, stackId: bigint): Where | null {
  if (!stackId) return null;
  const f = userFrame(stacks.resolve(stackId));
  return f ? frameWhere(f) : null;
}

/** A frame as a finding's location. */
export function frameWhere(f: StackFrame): Where {
  return { function: f.function, file: f.file, line: f.line, column: f.column, module: f.module, imageAddr: f.imageAddr ?? null };
}

/** Findings with their `where`. */
export function resolveFindings(raw: readonly RawFinding[], stacks: StackSource): Finding[] {
  return raw.map((f) => (f.within ? placedWithin(f, f.within, stacks) : { ...f, where: whereOf(stacks, f.stackId) }));
}

/**
 * A finding whose line must be in the function at `within.addr`: the first frame of the user's code
 * in its stack up to that function's frame; when no frame of the stack is of that function (a
 * signal handler's last call made by a jump, a tail call: the stack goes from the call to the
 * signal trampoline and on into the interrupted code), or when the finding has no stack (no call
 * was traced inside it), the function's own start. As whereOf when the function cannot be resolved.
 */
function placedWithin(f: RawFinding, within: { readonly addr: bigint; readonly note: string }, stacks: StackSource): Finding {
  const fn = stacks.codeAt?.(f.pid, within.addr);
  const stack = f.stackId ? stacks.resolve(f.stackId) : undefined;
  if (!fn?.function) return { ...f, where: whereOf(stacks, f.stackId) };
  if (!stack) return f.stackId ? { ...f, where: whereOf(stacks, f.stackId) } : { ...f, where: frameWhere(fn), detail: `${f.detail} ${within.note}` };
  const i = stack.frames.findIndex((x) => x.function === fn.function && x.module === fn.module);
  if (i < 0) return { ...f, where: frameWhere(fn), detail: `${f.detail} ${within.note}` };
  const inside = userFrame({ ...stack, frames: stack.frames.slice(0, i + 1) });
  return { ...f, where: inside ? frameWhere(inside) : frameWhere(fn) };
}

/**
 * How the analysis tells call sites apart in its result: by the line of the program's own code a
 * stack's call is at (stacks that differ only above it are one site).
 */
export interface SiteKeys {
  /** A key for the line a stack's call is at: stacks with the same key are one call site. */
  key(stackId: bigint): string;
  /**
   * A stack resolved, with no frame of the program's own code (a walk that stopped in the C
   * library's wrapper, a runtime's frames only): the frame it ends in, in words ("epoll_wait in
   * libc.so.6"); null when it reaches the program's code or is not known.
   */
  unreached(stackId: bigint): string | null;
  /**
   * The process runs a Go binary: its threads are the Go scheduler's, which park a goroutine whose
   * call blocks and run others, and wait in the runtime's netpoller — no event loop of the program's.
   */
  goRuntime(pid: number): boolean;
  /** The stack is a call made by glibc's POSIX AIO helper thread (posixAio.ts). */
  posixAio(stackId: bigint): boolean;
  /**
   * The event-loop library's function that runs the loop, when the stack reaches the program's
   * code only through it ("event_base_loop in libevent-2.1.so.7, called at ev.c:85 (main)"), else
   * null: a blocking call under it with no frame of the program's in between was made by a callback
   * the loop ran whose own frame is gone — it ended with the call, a tail call an optimising
   * compiler turns into a jump — so the program's line in the stack is the loop's start, not the
   * line to change.
   */
  viaLoopRun(stackId: bigint): string | null;
  /** The call was made in a gevent greenlet: its stack goes through gevent's modules (GEVENT_MODULE). */
  gevent(stackId: bigint): boolean;
}

/** gevent's compiled modules (its hub, greenlet and loop: `gevent/libev/corecext.cpython-311-…so`, `gevent/_gevent_cgreenlet…so`). */
const GEVENT_MODULE = /\/gevent\/(?:[^/]+\/)*[^/]+\.so$/;

/**
 * Event-loop libraries' functions that run the loop and its callbacks (libevent, libuv, libev, GLib),
 * and asyncio's (its methods named by CPython's perf trampoline: RUNTIME_LOOP_RUN).
 */
const LOOP_RUN = /^(?:event_base_loop|event_base_dispatch|uv_run|ev_run|g_main_loop_run|g_main_context_iteration|g_main_context_dispatch|BaseEventLoop\.run_forever|BaseEventLoop\._run_once)$/;
/** A runtime's loop runner among LOOP_RUN, which runs the program's callbacks as calls, not tail calls (asyncio's). */
const RUNTIME_LOOP_RUN = /^BaseEventLoop\./;

/** SiteKeys.viaLoopRun names a runtime's loop runner (asyncio's), not a C library's. */
export function runtimeLoopRun(via: string): boolean {
  return RUNTIME_LOOP_RUN.test(via);
}

/** Call sites by stack id alone, for an analysis asked without symbols. */
export const BY_STACK_ID: SiteKeys = { key: (stackId) => String(stackId), unreached: () => null, goRuntime: () => false, posixAio: () => false, viaLoopRun: () => null, gevent: () => false };

/** The sentence a finding's detail adds when its stack did not reach the program's code, '' when it did. */
export function unreachedNote(sites: SiteKeys, stackId: bigint): string {
  const end = sites.unreached(stackId);
  return end ? ` The stack of these calls did not reach the program's own code (it ends in ${end}), so no line of it can be named.` : '';
}

/**
 * The call site a location stands for: its line; its function when it has no line; its address in
 * the module's image when it has neither (the calls of a binary without symbols).
 */
export function whereKey(w: Where): string {
  return `${w.module ?? ''}:${w.file ?? ''}:${w.line ?? ''}:${w.function ?? (w.file ? '' : (w.imageAddr ?? ''))}`;
}

/** What SiteKeys tells of one stack, worked out once. */
interface SiteFacts {
  key: string;
  unreached: string | null;
  posixAio: boolean;
  viaLoopRun: string | null;
  gevent: boolean;
}

/** The call sites of a trace's stacks (each resolved once). */
export function siteKeysOf(stacks: StackSource): SiteKeys {
  const cache = new Map<bigint, SiteFacts>();
  const of = (stackId: bigint): SiteFacts => {
    let s = cache.get(stackId);
    if (s === undefined) {
      const w = whereOf(stacks, stackId);
      const resolved = stackId ? stacks.resolve(stackId) : undefined;
      const stack = w ? undefined : resolved;
      const outer = stack?.frames[stack.frames.length - 1];
      const unreached = stack && interpretedJava(stack) ? JAVA_INTERPRETED : outer ? `${outer.function ?? '0x' + outer.addr.toString(16)}${outer.module ? ` in ${basename(outer.module)}` : ''}` : null;
      const key = w ? whereKey(w) : !stackId ? 'no stack' : unreachedKey(stack);
      s = { key, unreached, posixAio: isPosixAioStack(resolved), viaLoopRun: loopRunOf(resolved), gevent: !!resolved?.frames.some((f) => f.module !== null && GEVENT_MODULE.test(f.module)) };
      cache.set(stackId, s);
    }
    return s;
  };
  const go = new Map<number, boolean>();
  const goRuntime = (pid: number): boolean => {
    let g = go.get(pid);
    if (g === undefined) go.set(pid, (g = stacks.goProcess?.(pid) ?? false));
    return g;
  };
  return { key: (stackId) => of(stackId).key, unreached: (stackId) => of(stackId).unreached, goRuntime, posixAio: (stackId) => of(stackId).posixAio, viaLoopRun: (stackId) => of(stackId).viaLoopRun, gevent: (stackId) => of(stackId).gevent };
}

/**
 * The site of a stack with no frame of the program: the runtime's native code that made the call
 * (its first frame outside the system's libraries: CPython's `os.fsync`), else the frame the stack
 * ends in. Not by where it ends when a runtime's frame made the call: a walk of one call's stack stops
 * at different depths (a gevent greenlet's ends at its `g_switch`, or goes on through the hub to
 * `_start`), and one call would be two sites, two findings.
 */
function unreachedKey(stack: ResolvedStack | undefined): string {
  const caller = stack?.frames.find((f) => frameOwner(f) !== 'system');
  // not a JIT's code: a JVM's call is made by its interpreter or by the method compiled, one call site
  if (caller && !(caller.module && isPerfMapFile(caller.module))) return `no frame of the program:${caller.module ?? ''}:${caller.function ?? caller.imageAddr ?? caller.addr}`;
  const outer = stack?.frames[stack.frames.length - 1];
  return `no frame of the program${outer ? `:${outer.module ?? ''}:${outer.function ?? ''}` : ''}`;
}

/** Where a stack that reaches no Java method of the program ends when its program's frames are interpreted. */
const JAVA_INTERPRETED = "the JVM's interpreter: its perf map names only the Java methods it compiled, not those it interprets";

/** The stack goes through a JVM's interpreter (its perf map's `Interpreter` code). */
export function interpretedJava(stack: ResolvedStack): boolean {
  return stack.frames.some((f) => f.function === 'Interpreter' && f.module !== null && isPerfMapFile(f.module));
}

/** A CPython binary or library of a version before 3.12 (its minor version), which has no perf trampolines. */
const PYTHON_BEFORE_TRAMPOLINES = /(?:^|\/)(?:lib)?python3\.([0-9]|1[01])d?(?:\.so[.\d]*)?$/;

/**
 * Why a stack that reaches no frame of the program names none, when its runtime is why: a JVM's
 * interpreted methods, or a CPython before 3.12, whose native stack has no Python function in it
 * (the perf trampolines came with 3.12); null otherwise.
 */
export function unnamedByRuntime(stack: ResolvedStack): string | null {
  if (interpretedJava(stack)) return 'interpreted Java methods are not named';
  for (const f of stack.frames) {
    const old = f.module ? PYTHON_BEFORE_TRAMPOLINES.exec(f.module) : null;
    if (old) return `Python 3.${old[1]} names no Python function in a native stack: run it under 3.12 or later, which iolens launches with its perf map`;
  }
  return null;
}

/** SiteKeys.viaLoopRun of a resolved stack. */
function loopRunOf(stack: ResolvedStack | undefined): string | null {
  const user = userFrame(stack);
  if (!stack || !user) return null;
  for (const f of stack.frames) {
    if (frameOwner(f) === 'user') return null;
    if (f.function && LOOP_RUN.test(f.function)) {
      const at = `${user.file ? basename(user.file) : basename(user.module ?? '?')}${user.line ? `:${user.line}` : ''}${user.function ? ` (${user.function})` : ''}`;
      return `${f.function}${f.module ? ` in ${basename(f.module)}` : ''}, called at ${at}`;
    }
  }
  return null;
}

/** A key for the line a stack's call is at: stacks with the same key are one call site. */
export function siteKeyOf(stacks: StackSource): (stackId: bigint) => string {
  return siteKeysOf(stacks).key;
}
