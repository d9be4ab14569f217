/**
 * I/O Lens: Attach to Process… — a picker like the debuggers' (name, pid, user, command line;
 * filter as you type; your own processes first), or `{ pid }` from a task, keybinding or test.
 */
import * as vscode from 'vscode';
import { listProcesses, pickerOrder } from '../../core/system/processes';
import type { TraceSession } from '../../core/session/traceSession';
import type { Sessions } from '../sessions';

interface ProcessPick extends vscode.QuickPickItem {
  readonly pid: number;
  readonly name: string;
}

/** Let the user pick a process; undefined when cancelled. */
export async function pickProcess(): Promise<ProcessPick | undefined> {
  const uid = process.getuid?.() ?? -1;
  const items: ProcessPick[] = pickerOrder(listProcesses(), uid, new Set([process.pid, process.ppid])).map((p) => ({
    label: `${p.name}`,
    description: `${p.pid}${p.uid === uid ? '' : ` · ${p.user}`}${p.container ? ` · ${p.container}` : ''}`,
    detail: p.commandLine,
    pid: p.pid,
    name: p.name,
  }));
  return vscode.window.showQuickPick(items, {
    title: 'I/O Lens: Attach to Process',
    placeHolder: 'Type to filter by name, pid, user or command line',
    matchOnDescription: true,
    matchOnDetail: true,
  });
}

/** The command. */
export async function attachCommand(sessions: Sessions, arg?: { pid?: number }): Promise<TraceSession | undefined> {
  let pid = arg?.pid;
  let name = '';
  if (pid === undefined) {
    const pick = await pickProcess();
    if (!pick) return undefined;
    pid = pick.pid;
    name = pick.name;
  }
  if (!Number.isInteger(pid) || pid <= 0) {
    void vscode.window.showErrorMessage(`I/O Lens: ${String(pid)} is not a process id.`);
    return undefined;
  }
  if (!name) name = listProcesses().find((p) => p.pid === pid)?.name ?? 'process';
  return sessions.record({ pid }, `${name} ${pid}`);
}
