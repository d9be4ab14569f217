/**
 * Which frame of a stack is "the line that did it": the first frame in the user's own code
 * (symbols/userFrame: not libc, not a runtime, not a system header) whose source file exists here,
 * else any frame whose file exists, else the first with an absolute path outside the system
 * libraries, else the first frame with any source file.
 */
import { existsSync } from 'node:fs';
import { relative, isAbsolute } from 'node:path';
import type { ResolvedStack, StackFrame } from '../symbols/stacks';
import { frameOwner } from '../symbols/userFrame';

const exists = new Map<string, boolean>();

function fileExists(path: string): boolean {
  let e = exists.get(path);
  if (e === undefined) {
    e = existsSync(path);
    exists.set(path, e);
  }
  return e;
}

/**
 * The frame to show for a stack. `prefer` ranks existing files (e.g. inside the workspace first);
 * by default any existing file counts.
 */
export function sourceFrame(stack: ResolvedStack | undefined, prefer?: (file: string) => boolean): StackFrame | undefined {
  if (!stack) return undefined;
  const withFile = stack.frames.filter((f) => f.file && f.line);
  const user = withFile.filter((f) => frameOwner(f) === 'user');
  if (prefer) {
    const preferred = user.find((f) => prefer(f.file as string) && fileExists(f.file as string));
    if (preferred) return preferred;
  }
  const mine = user.find((f) => fileExists(f.file as string)) ?? user.find((f) => isAbsolute(f.file as string));
  if (mine) return mine;
  if (prefer) {
    const preferred = withFile.find((f) => prefer(f.file as string) && fileExists(f.file as string));
    if (preferred) return preferred;
  }
  return (
    withFile.find((f) => fileExists(f.file as string)) ??
    // sources that are not here: your code's absolute paths before a library's build tree
    withFile.find((f) => isAbsolute(f.file as string) && !isSystemModule(f.module)) ??
    withFile[0]
  );
}

function isSystemModule(module: string | null): boolean {
  return module !== null && /^\/(usr\/)?lib(32|64|x32)?\//.test(module);
}

/** "src/server.c:42" (relative to `base` when inside it; absolute elsewhere or without a base). */
export function formatLocation(f: Pick<StackFrame, 'file' | 'line' | 'module'>, base: string): string {
  let file = f.file ?? f.module ?? '?';
  if (base && f.file && isAbsolute(f.file)) {
    const rel = relative(base, f.file);
    if (!rel.startsWith('..') && !isAbsolute(rel)) file = rel;
  }
  return f.line ? `${file}:${f.line}` : file;
}
