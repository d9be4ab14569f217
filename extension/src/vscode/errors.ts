/**
 * How the editor tells the user about a failure (core/errors.ts decides what kind it is): a user
 * error as it is, with a button to the log; a bug as a bug, its stack in the log. Every command and
 * every promise started without awaiting it goes through here, so nothing fails silently.
 */
import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { log } from './log';

const SHOW_LOG = 'Show Log';

/** Log `e` and show it; `what` names the action that failed ("Attach", "Open Trace"). */
export function reportError(what: string, e: unknown): void {
  const d = describeError(e);
  if (d.bug) log().error(`${what}: ${d.detail}`);
  else log().warn(`${what}: ${d.message}`);
  const text = d.bug ? `I/O Lens: ${what} failed: ${d.message}` : `I/O Lens: ${d.message}`;
  vscode.window.showErrorMessage(text, SHOW_LOG).then(
    (pick) => {
      if (pick === SHOW_LOG) log().show(true);
    },
    () => undefined,
  );
}

/** A command body whose failures are reported (reportError) instead of escaping. */
export function guard<A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R> | R): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      reportError(what, e);
      return undefined;
    }
  };
}

/** Run `p` without waiting for it; a failure is reported as `what` failing. */
export function inBackground(what: string, p: PromiseLike<unknown>): void {
  Promise.resolve(p).catch((e: unknown) => reportError(what, e));
}
