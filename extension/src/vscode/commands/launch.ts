/**
 * I/O Lens: Launch Program with Tracing… — the program (and its arguments, working directory and
 * environment) from the argument, the `iolens.launch` setting, or a short input flow. The program
 * is held back until the probes are attached, so no early event is lost.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import type { TraceSession } from '../../core/session/traceSession';
import type { Sessions } from '../sessions';
import { settings, type LaunchConfig } from '../settings';

function workspaceDir(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** Split a command line typed by the user into arguments (quotes group, backslash escapes). */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length && quote !== "'") {
      cur += text[++i];
      any = true;
    } else if (quote) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (/\s/.test(c)) {
      if (any) out.push(cur);
      cur = '';
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push(cur);
  return out;
}

async function askConfig(): Promise<LaunchConfig | undefined> {
  const picked = await vscode.window.showOpenDialog({ title: 'I/O Lens: Program to launch with tracing', canSelectMany: false, openLabel: 'Trace' });
  const program = picked?.[0]?.fsPath;
  if (!program) return undefined;
  const args = await vscode.window.showInputBox({ title: `Arguments for ${basename(program)}`, prompt: 'Separated by spaces; quote arguments that contain spaces', value: '' });
  if (args === undefined) return undefined;
  return { program, args: splitArgs(args) };
}

/** The command. */
export async function launchCommand(sessions: Sessions, arg?: LaunchConfig): Promise<TraceSession | undefined> {
  let cfg: LaunchConfig | undefined = arg?.program ? arg : settings().launch.program ? settings().launch : undefined;
  cfg ??= await askConfig();
  if (!cfg?.program) return undefined;
  const cwd = cfg.cwd ?? workspaceDir() ?? process.cwd();
  const program = isAbsolute(cfg.program) || !cfg.program.includes('/') ? cfg.program : join(cwd, cfg.program);
  if (program.includes('/') && !existsSync(program)) {
    void vscode.window.showErrorMessage(`I/O Lens: cannot launch ${program}: no such file.`);
    return undefined;
  }
  const env = cfg.env ? { ...process.env, ...cfg.env } : undefined;
  return sessions.record({ command: [program, ...(cfg.args ?? [])], cwd, env }, basename(program));
}

/**
 * "Launch with I/O Lens" on a file in the Explorer: its arguments from a box (Enter for none),
 * then a traced launch in the workspace folder.
 */
export async function launchFileCommand(sessions: Sessions, uri?: vscode.Uri): Promise<TraceSession | undefined> {
  if (!uri) return launchCommand(sessions);
  const program = uri.fsPath;
  try {
    accessSync(program, constants.X_OK);
  } catch {
    throw new UserError('usage', `${vscode.workspace.asRelativePath(uri)} is not executable`, `Build it, or make it executable (\`chmod +x ${basename(program)}\`), then launch it again.`);
  }
  const args = await vscode.window.showInputBox({
    title: `Launch ${basename(program)} with I/O Lens`,
    prompt: 'Its arguments, separated by spaces (quote those with spaces); Enter for none',
    value: '',
  });
  if (args === undefined) return undefined;
  return sessions.record({ command: [program, ...splitArgs(args)], cwd: workspaceDir() ?? process.cwd() }, basename(program));
}
