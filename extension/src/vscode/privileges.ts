/**
 * Whether this user may trace with eBPF, and if not, the one command that grants it (with a copy
 * button). The ptrace backend that needs no privileges is its own issue; until then this message
 * is the whole story, never a silent failure.
 */
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { tracerPath } from '../core/tracer/locate';
import { log } from './log';

/** Result of the privilege check. */
export interface PrivilegeCheck {
  readonly ok: boolean;
  /** What to run to grant the tracer its capabilities. */
  readonly grant: string;
  readonly message: string;
}

let cached: PrivilegeCheck | undefined;

/** The setcap line for this installation's tracer. */
export function grantCommand(path: string): string {
  return `sudo setcap cap_bpf,cap_perfmon,cap_dac_read_search,cap_sys_ptrace+ep '${path}'`;
}

/** Ask the tracer (`--check` loads its programs and unloads them). */
export async function checkPrivileges(force = false): Promise<PrivilegeCheck> {
  if (cached && !force) return cached;
  const path = tracerPath();
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(path, ['--check'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', (e) => resolve({ code: 1, text: e.message }));
    child.once('close', (code) => resolve({ code, text }));
  });
  log().info(`tracer --check: ${out.text.trim()}`);
  cached = { ok: out.code === 0, grant: grantCommand(path), message: out.text.trim() };
  return cached;
}

/** Explain that eBPF is not allowed, with the grant command to copy. Returns false. */
export async function explainNoPrivileges(check: PrivilegeCheck): Promise<false> {
  const copy = 'Copy Command';
  const pick = await vscode.window.showErrorMessage(
    'I/O Lens cannot trace: the eBPF backend needs CAP_BPF and CAP_PERFMON, which this user does not have. ' +
      `Grant them to the tracer once with: ${check.grant}`,
    { modal: false, detail: check.message },
    copy,
  );
  if (pick === copy) {
    await vscode.env.clipboard.writeText(check.grant);
    void vscode.window.showInformationMessage('The command is on the clipboard: run it in a terminal, then try again.');
  }
  return false;
}
