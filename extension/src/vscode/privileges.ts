/**
 * Which backend the next recording uses, and why: eBPF when the tracer may load its programs
 * (`iolens-tracer --check`), else ptrace (own processes, no privileges). "I/O Lens: Enable eBPF
 * Tracing" grants the tracer its capabilities the way users grant them: polkit's password prompt
 * (pkexec) on a local desktop, elsewhere (Remote-SSH, containers, code-server, a terminal-only
 * session) the exact `sudo setcap` line with a Copy button — then it checks again.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import { TRACER_CAPABILITIES } from '../../../protocol/generated/wire';
import { errorMessage, UserError } from '../core/errors';
import { tracerPath } from '../core/tracer/locate';
import { log } from './log';


/** The setcap line for a tracer binary, as a user types it. */
export function grantCommand(path: string): string {
  return `sudo setcap ${TRACER_CAPABILITIES} '${path.replace(/'/g, `'\\''`)}'`;
}

/** The backend the next recording uses, and why. */
export interface BackendChoice {
  readonly backend: 'ebpf' | 'ptrace';
  /** One sentence: why this backend. */
  readonly reason: string;
  /** The tracer this applies to. */
  readonly tracer: string;
  /** What grants eBPF (empty when eBPF is already allowed). */
  readonly grant: string;
}

/** Runs `iolens-tracer --check`: exit 0 when this user may load the eBPF programs, else the reason. */
async function runCheck(path: string): Promise<{ ok: boolean; text: string }> {
  return new Promise((resolve) => {
    const child = spawn(path, ['--check'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', (e) => resolve({ ok: false, text: e.message }));
    child.once('close', (code) => resolve({ ok: code === 0, text: text.trim() }));
  });
}

/** The tracer's first line, without its program-name prefix: the reason in one sentence. */
function firstSentence(text: string): string {
  return (text.split('\n')[0] ?? '').replace(/^iolens-tracer:\s*/, '').replace(/^ok:\s*/, '').trim();
}

/** Where a program is on PATH, or in the sbin folders a desktop user's PATH often lacks. */
function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** polkit's password prompt can be shown: a local desktop VS Code on a graphical session with pkexec. */
export function passwordPromptAvailable(): boolean {
  const local = vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop;
  const graphical = !!(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  return local && graphical && findProgram('pkexec') !== undefined;
}

/** The backend the next recording will use; changes when the check is run again. */
export class BackendState implements vscode.Disposable {
  /** @param tracerSetting the iolens.tracerPath setting as it is now ('' for the built-in tracer) */
  constructor(private readonly tracerSetting: () => string = () => '') {}

  private choice: BackendChoice | undefined;
  private pending: Promise<BackendChoice> | undefined;
  private readonly changed = new vscode.EventEmitter<BackendChoice>();
  /** The choice changed (after a check). */
  readonly onDidChange = this.changed.event;
  private noticeShown = false;

  /** The last known choice (undefined before the first check). */
  get current(): BackendChoice | undefined {
    return this.choice;
  }

  /** Check (once; again with `force`): what the tracer may do as this user. */
  async check(force = false): Promise<BackendChoice> {
    if (this.choice && !force) return this.choice;
    this.pending ??= this.runCheck().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async runCheck(): Promise<BackendChoice> {
    let path: string;
    try {
      path = tracerPath(this.tracerSetting() || undefined);
    } catch (e) {
      const reason = errorMessage(e);
      return this.set({ backend: 'ptrace', reason, tracer: '', grant: '' });
    }
    const { ok, text } = await runCheck(path);
    log().info(`tracer --check: ${text}`);
    const choice: BackendChoice = ok
      ? {
          backend: 'ebpf',
          reason: process.getuid?.() === 0 ? 'running as root' : 'the tracer has CAP_BPF and CAP_PERFMON',
          tracer: path,
          grant: '',
        }
      : { backend: 'ptrace', reason: firstSentence(text) || 'the tracer may not load eBPF programs', tracer: path, grant: grantCommand(path) };
    return this.set(choice);
  }

  private set(choice: BackendChoice): BackendChoice {
    this.choice = choice;
    this.changed.fire(choice);
    return choice;
  }

  /**
   * The backend for a recording about to start. With ptrace, once per window, a notice of what it
   * cannot see and a button to enable eBPF.
   */
  async chooseForRecording(): Promise<'ebpf' | 'ptrace'> {
    const choice = await this.check();
    if (choice.backend === 'ebpf') return 'ebpf';
    if (!this.noticeShown) {
      this.noticeShown = true;
      const enable = 'Enable eBPF Tracing…';
      void vscode.window
        .showInformationMessage(
          'I/O Lens records with ptrace: your own processes only, without interrupts, io_uring requests and kernel wake-ups, and slower. ' +
            'eBPF needs the tracer to hold CAP_BPF and CAP_PERFMON, granted once.',
          enable,
        )
        .then((pick) => (pick === enable ? vscode.commands.executeCommand('iolens.enableEbpf') : undefined))
        .then(undefined, (e: unknown) => log().error(`enable eBPF: ${String(e)}`));
    }
    return 'ptrace';
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Runs setcap through pkexec (polkit asks for the administrator's password); true when it exited 0. */
async function grantWithPkexec(path: string): Promise<{ ok: boolean; detail: string }> {
  const setcap = findProgram('setcap');
  if (!setcap) return { ok: false, detail: 'setcap is not installed (Debian and Ubuntu: the libcap2-bin package)' };
  return new Promise((resolve) => {
    const child = spawn('pkexec', [setcap, TRACER_CAPABILITIES, path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (e) => resolve({ ok: false, detail: e.message }));
    // pkexec: 126 the user dismissed the prompt, 127 not authorized
    child.once('close', (code) => resolve({ ok: code === 0, detail: code === 126 ? 'the password prompt was dismissed' : err.trim() || `exit status ${code}` }));
  });
}

/** The outcome of a check after a grant, told to the user. */
async function reportRecheck(state: BackendState): Promise<BackendChoice> {
  const after = await state.check(true);
  if (after.backend === 'ebpf') {
    void vscode.window.showInformationMessage('I/O Lens: eBPF tracing is enabled. The next recording uses it.');
  } else {
    void vscode.window.showWarningMessage(
      `I/O Lens still records with ptrace: ${after.reason}. ` +
        'If setcap succeeded, the tracer may sit on a file system mounted nosuid (file capabilities are ignored there), ' +
        'or the kernel may forbid unprivileged eBPF altogether (kernel.unprivileged_bpf_disabled does not matter with CAP_BPF; a container without CAP_BPF does).',
    );
  }
  return after;
}

/**
 * I/O Lens: Enable eBPF Tracing. Already allowed: says so. On a local desktop with polkit: the
 * password prompt (or the command to copy). Elsewhere: the exact sudo line with a Copy button and a
 * Check Again button, since only the user can run it where they have sudo.
 */
export async function enableEbpfCommand(state: BackendState): Promise<BackendChoice> {
  const now = await state.check(true);
  if (now.backend === 'ebpf') {
    void vscode.window.showInformationMessage(`I/O Lens already records with eBPF (${now.reason}).`);
    return now;
  }
  if (!now.tracer) throw new UserError('tracer', now.reason);
  const copy = 'Copy Command';
  const again = 'Check Again';
  const password = 'Grant with Password…';
  const prompt = passwordPromptAvailable();
  const detail =
    `The tracer needs CAP_BPF and CAP_PERFMON once (the extension's own copy of iolens-tracer; an update of the extension installs a new copy, which needs them again). ` +
    `${prompt ? 'Enter the administrator password, or run' : 'Run this in a terminal on the machine that runs the program to trace'}:\n\n${now.grant}`;
  for (;;) {
    const pick = await vscode.window.showInformationMessage('I/O Lens: enable eBPF tracing', { modal: true, detail }, ...(prompt ? [password, copy] : [copy, again]));
    if (pick === password) {
      const r = await grantWithPkexec(now.tracer);
      if (!r.ok) {
        void vscode.window.showErrorMessage(`I/O Lens: granting the capabilities did not work: ${r.detail}. You can run the command yourself: ${now.grant}`);
        return state.check(true);
      }
      return reportRecheck(state);
    }
    if (pick === copy) {
      await vscode.env.clipboard.writeText(now.grant);
      const ran = await vscode.window.showInformationMessage(`I/O Lens: copied. Run it in a terminal, then check again.`, again);
      if (ran === again) return reportRecheck(state);
      return now;
    }
    if (pick === again) {
      const after = await state.check(true);
      if (after.backend === 'ebpf') return reportRecheck(state);
      continue; // still not granted: show the command again
    }
    return now;
  }
}
