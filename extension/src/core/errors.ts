/**
 * Errors as vscode-js-debug has them: an error the user can act on (bad input, a missing build,
 * a program that would not start) is a {@link UserError} — what is wrong, and how to fix it — and is
 * shown as it is; anything else is a bug in iolens, shown as one ("please report it") with its stack
 * kept for the log. The command line and the editor both describe errors through
 * {@link describeError}, so a message reads the same in a terminal and in a notification.
 */

/** What kind of problem a user error is (for callers that react to one kind). */
export type UserErrorCode =
  /** A command line or a setting that makes no sense. */
  | 'usage'
  /** The iolens-tracer binary is missing or cannot run. */
  | 'tracer'
  /** The native symbolizer could not be loaded. */
  | 'symbolizer'
  /** A trace file or stream that cannot be read (empty, not a trace, damaged, too new). */
  | 'trace'
  /** A file that cannot be read or written (a system error with an errno code). */
  | 'file'
  /** Tracing could not start or stopped early (refused, the program exited, ...). */
  | 'tracing'
  /** What a trace opened paged (past the memory budget) cannot do, or a trace that cannot be paged. */
  | 'paged';

/** A problem the user can fix: the message says what is wrong, `fix` what to do. */
export class UserError extends Error {
  override readonly name = 'UserError';

  constructor(
    readonly code: UserErrorCode,
    message: string,
    /** What to do about it (a sentence), or null when the message already says. */
    readonly fix: string | null = null,
    /** Where in the input the problem is (a byte offset), when it is in a file or stream. */
    readonly offset: number | null = null,
  ) {
    super(message);
  }

  /** The message and its fix, as one text. */
  get text(): string {
    return this.fix ? `${this.message}. ${this.fix}` : this.message;
  }
}

/** Is `e` a problem the user can act on? */
export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** A system error from Node.js (ENOENT, EACCES...): about the user's files or machine, not a bug. */
function systemError(e: unknown): (Error & { code: string; path?: string }) | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? (e as Error & { code: string; path?: string }) : undefined;
}

/**
 * A system error's cause in plain words (ENOENT: "no such file or folder"), or undefined for codes
 * without one. `writing`: the path was to be written (ENOENT then means its folder is missing).
 */
export function fileProblem(code: string, writing = false): string | undefined {
  switch (code) {
    case 'ENOENT':
      return writing ? 'its folder does not exist' : 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOTDIR':
      return 'a part of its path is not a folder';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return undefined;
  }
}

/** A file that could not be read, as the user's problem (its path and why), or undefined for an error that is no such system error. */
export function cannotRead(path: string, e: unknown): UserError | undefined {
  const sys = systemError(e);
  const why = sys && fileProblem(sys.code);
  return why ? new UserError('file', `cannot read ${path}: ${why}`, 'Check that the file exists and that you may read it.') : undefined;
}

/** How to tell someone about an error. */
export interface ErrorDescription {
  /** One text for a notification or a terminal line. */
  readonly message: string;
  /** A bug in iolens rather than a problem of the input or the machine. */
  readonly bug: boolean;
  /** For the log: the stack of a bug, else the message again. */
  readonly detail: string;
}

/** Describe any thrown value: user errors as they are, system errors plainly, the rest as bugs. */
export function describeError(e: unknown): ErrorDescription {
  if (isUserError(e)) return { message: e.text, bug: false, detail: e.text };
  const sys = systemError(e);
  if (sys) {
    const why = fileProblem(sys.code);
    const message = why && sys.path ? `${sys.path}: ${why}` : sys.message;
    return { message, bug: false, detail: sys.message };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    message: `${message} — this is a bug in I/O Lens; please report it with the log`,
    bug: true,
    detail: e instanceof Error && e.stack ? e.stack : message,
  };
}

/** The message of any thrown value, for logs and warnings that are not errors of their own. */
export function errorMessage(e: unknown): string {
  return isUserError(e) ? e.text : e instanceof Error ? e.message : String(e);
}
