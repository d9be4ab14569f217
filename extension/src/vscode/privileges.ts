/**
 * Whether this user may trace with eBPF, and if not: the ptrace backend (own processes, no
 * privileges), a notice of what that loses, and the one command that grants eBPF (with a copy
 * button, or a password prompt on a desktop).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as vscode from 'vscode';
import { tracerPath } from '../core/tracer/locate';
import { reportError } from './errors';
import { log } from './log';

/** Result of the privilege check. */
export interface PrivilegeCheck {
  readonly ok: boolean;
  /** What to run to grant the tracer its capabilities. */
  readonly grant: string;
  readonly message: string;
}

/** The last check, per tracer binary (the setting may change). */
const cached = new Map<string, PrivilegeCheck>();

/** The setcap line for this installation's tracer. */
export function grantCommand(path: string): string {
  return `sudo setcap cap_bpf,cap_perfmon,cap_dac_read_search,cap_sys_ptrace+ep '${path}'`;
}

/**
 * Ask the tracer (`--check` loads its programs and unloads them). `tracer`: the iolens.tracerPath
 * setting (empty: the one built with the extension).
 */
export async function checkPrivileges(tracer: string, force = false): Promise<PrivilegeCheck> {
  const path = tracerPath(tracer);
  const known = cached.get(path);
  if (known && !force) return known;
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(path, ['--check'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', (e) => resolve({ code: 1, text: e.message }));
    child.once('close', (code) => resolve({ code, text }));
  });
  log().info(`tracer --check: ${out.text.trim()}`);
  const check = { ok: out.code === 0, grant: grantCommand(path), message: out.text.trim() };
  cached.set(path, check);
  return check;
}

let noticeShown = false;

function canPromptForPassword(): boolean {
  // a graphical session on this machine, with polkit's pkexec
  const desktop = !!(process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && vscode.env.remoteName === undefined;
  if (!desktop) return false;
  try {
    return spawnSync('sh', ['-c', 'command -v pkexec'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
}

/** Ask for the administrator's password (pkexec) and grant the tracer its capabilities. */
async function grantWithPkexec(path: string): Promise<boolean> {
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('pkexec', ['setcap', 'cap_bpf,cap_perfmon,cap_dac_read_search,cap_sys_ptrace+ep', path], { stdio: 'ignore' });
    child.once('error', () => resolve(1));
    child.once('close', resolve);
  });
  const ok = code === 0 && (await checkPrivileges(path, true)).ok;
  void (ok
    ? vscode.window.showInformationMessage('I/O Lens: the tracer may now use eBPF. The next recording uses it.')
    : vscode.window.showErrorMessage('I/O Lens: granting the capabilities did not work (cancelled, or setcap failed).'));
  return ok;
}

/**
 * The backend a recording uses: eBPF when allowed, else ptrace — with, once per window, a notice of
 * what ptrace cannot see and how to get eBPF (the exact setcap command to copy, or a password
 * prompt where the desktop has one).
 */
export async function chooseBackend(tracer: string): Promise<'ebpf' | 'ptrace'> {
  const check = await checkPrivileges(tracer);
  if (check.ok) return 'ebpf';
  if (!noticeShown) {
    noticeShown = true;
    const copy = 'Copy Command';
    const grant = 'Grant with Password…';
    const actions = canPromptForPassword() ? [grant, copy] : [copy];
    void vscode.window
      .showInformationMessage(
        'I/O Lens traces with ptrace: your own processes only, without interrupts, io_uring requests and kernel wake-ups, and ' +
          `slower. For the eBPF backend, grant the tracer CAP_BPF and CAP_PERFMON once: ${check.grant}`,
        ...actions,
      )
      .then(async (pick) => {
        if (pick === copy) await vscode.env.clipboard.writeText(check.grant);
        else if (pick === grant) await grantWithPkexec(tracerPath(tracer));
      })
      .then(undefined, (e: unknown) => reportError('Grant eBPF', e));
  }
  return 'ptrace';
}
