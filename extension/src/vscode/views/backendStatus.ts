/**
 * A status bar item saying which backend the next recording will use and why: "eBPF" (root, or
 * the tracer holds its capabilities) or "ptrace" (with the tracer's reason); clicking it on ptrace
 * runs "I/O Lens: Enable eBPF Tracing".
 */
import * as vscode from 'vscode';
import type { BackendChoice, BackendState } from '../privileges';

/** The backend indicator. */
export class BackendStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('iolens.backend', vscode.StatusBarAlignment.Left, 99);
  private readonly subscription: vscode.Disposable;

  constructor(state: BackendState) {
    this.item.name = 'I/O Lens backend';
    this.subscription = state.onDidChange((c) => this.show(c));
    if (state.current) this.show(state.current);
  }

  private show(c: BackendChoice): void {
    const ebpf = c.backend === 'ebpf';
    this.item.text = `$(pulse) ${ebpf ? 'eBPF' : 'ptrace'}`;
    const md = new vscode.MarkdownString(
      ebpf
        ? `**I/O Lens** records with **eBPF**: ${c.reason}.`
        : `**I/O Lens** records with **ptrace**: ${c.reason}.\n\nptrace traces your own processes only, without interrupts, io_uring requests and kernel wake-ups, and slower.\n\n[Enable eBPF Tracing…](command:iolens.enableEbpf)`,
    );
    md.isTrusted = { enabledCommands: ['iolens.enableEbpf'] };
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: `I/O Lens records with ${ebpf ? 'eBPF' : 'ptrace'}: ${c.reason}` };
    this.item.command = ebpf ? undefined : 'iolens.enableEbpf';
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
