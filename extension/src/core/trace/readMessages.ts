/**
 * What the trace reader's worker (readWorker.ts) and the thread that reads through it
 * (offThreadRead.ts) say to each other, and an error carried across: the same UserError (code,
 * message, fix, offset) or system error (code, errno, syscall, path) comes out as went in.
 */
import { UserError, type UserErrorCode } from '../errors';

/** The worker's input: the file to read, and how many of its first chunks not to send (streamChunks' skip). */
export interface ReadWorkerData {
  readonly path: string;
  readonly skip: number;
}

/** To the worker: decode `more` blocks ahead; `spare`, a block's buffer handed back to unpack into. */
export interface ToReadWorker {
  readonly more: number;
  readonly spare?: ArrayBuffer;
}

/** Where the read is after a message (the file read state's progress). */
interface ReadPoint {
  /** File bytes read up to the end of this message's chunk. */
  readonly position: number;
  readonly format: number | undefined;
}

/** From the worker: a chunk of the stream (its buffer transferred), or the end of the read. */
export type FromReadWorker =
  | (ReadPoint & { readonly type: 'chunk'; readonly bytes: Uint8Array })
  | (ReadPoint & { readonly type: 'end'; readonly warnings: readonly string[] })
  | (ReadPoint & { readonly type: 'error'; readonly warnings: readonly string[]; readonly error: CarriedError });

/** An error as plain data (what structured cloning keeps of it, and a UserError's fields). */
export interface CarriedError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** A UserError's code, or a system error's (ENOENT…). */
  readonly code: string | undefined;
  readonly user: { readonly fix: string | null; readonly offset: number | null } | undefined;
  readonly errno: number | undefined;
  readonly syscall: string | undefined;
  readonly path: string | undefined;
}

/** `e` as plain data. */
export function carryError(e: unknown): CarriedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), stack: undefined, code: undefined, user: undefined, errno: undefined, syscall: undefined, path: undefined };
  const sys = e as Error & { code?: unknown; errno?: unknown; syscall?: unknown; path?: unknown };
  const text = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    code: text(sys.code),
    user: e instanceof UserError ? { fix: e.fix, offset: e.offset } : undefined,
    errno: typeof sys.errno === 'number' ? sys.errno : undefined,
    syscall: text(sys.syscall),
    path: text(sys.path),
  };
}

/** The error `carryError` carried, of its kind again. */
export function reviveError(c: CarriedError): Error {
  if (c.user) {
    const e = new UserError(c.code as UserErrorCode, c.message, c.user.fix, c.user.offset);
    if (c.stack) e.stack = c.stack;
    return e;
  }
  const e = Object.assign(new Error(c.message), {
    ...(c.code === undefined ? {} : { code: c.code }),
    ...(c.errno === undefined ? {} : { errno: c.errno }),
    ...(c.syscall === undefined ? {} : { syscall: c.syscall }),
    ...(c.path === undefined ? {} : { path: c.path }),
  });
  e.name = c.name;
  if (c.stack) e.stack = c.stack;
  return e;
}
