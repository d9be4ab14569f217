/**
 * The "I/O Lens" output channel: the tracer's diagnostics and what the extension did.
 */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

/** The channel (created on first use). */
export function log(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('I/O Lens', { log: true });
  return channel;
}

let program: vscode.OutputChannel | undefined;

/** Where a launched program's own output goes. */
export function programOutput(): vscode.OutputChannel {
  program ??= vscode.window.createOutputChannel('I/O Lens: Program Output');
  return program;
}
