/**
 * I/O Lens: Install the iolens command — links ~/.local/bin/iolens to the extension's launcher, so
 * `iolens record`, `report`, `dump` and `symbolize` run in any terminal of the machine the
 * extension runs on (the remote host, the container), from the extension's files alone.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CliLinkError, installCliLink, recordRuntime, refreshCliLink, type CliLinkResult } from '../../core/install/cliLink';
import { log } from '../log';

/** The user's bin folder (the XDG one most distributions put on PATH when it exists). */
export function userBinDir(): string {
  return join(homedir(), '.local', 'bin');
}

/** Keep the launcher on the runtime running this extension, and a link left on an older copy current. */
export function refreshCli(root: string): void {
  try {
    if (recordRuntime(root, process.execPath)) log().info(`iolens command: runs on ${process.execPath}`);
    const old = refreshCliLink({ root, binDir: userBinDir(), path: process.env.PATH ?? '' });
    if (old) log().info(`iolens command: ${join(userBinDir(), 'iolens')} now points to this version (was ${old})`);
  } catch (e) {
    // a read-only installation: the launcher falls back to `node` on PATH
    log().warn(`iolens command: could not record the runtime or refresh the link: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The command. */
export async function installCliCommand(root: string): Promise<CliLinkResult | undefined> {
  recordRuntime(root, process.execPath);
  const opts = { root, binDir: userBinDir(), path: process.env.PATH ?? '' };
  let result: CliLinkResult;
  try {
    result = installCliLink(opts);
  } catch (e) {
    if (!(e instanceof CliLinkError) || !/already/.test(e.message)) throw e;
    const replace = 'Replace It';
    const pick = await vscode.window.showWarningMessage(`I/O Lens: ${e.message}. Replace it with a link to I/O Lens?`, { modal: true }, replace);
    if (pick !== replace) return undefined;
    result = installCliLink(opts, true);
  }
  log().info(`iolens command: ${result.link} -> ${result.target}${result.replaced ? ` (replaced ${result.replaced})` : ''}`);
  if (result.onPath) {
    void vscode.window.showInformationMessage(`I/O Lens: installed the iolens command (${result.link}). Try \`iolens --help\` in a terminal.`);
  } else {
    const line = `export PATH="$HOME/.local/bin:$PATH"`;
    const copy = 'Copy Line';
    const pick = await vscode.window.showWarningMessage(
      `I/O Lens: installed ${result.link}, but ${userBinDir()} is not on PATH. Add it in ~/.profile (then log in again): ${line}`,
      copy,
    );
    if (pick === copy) await vscode.env.clipboard.writeText(line);
  }
  return result;
}
