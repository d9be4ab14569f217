/**
 * Findings as diagnostics: the Problems panel lists the current trace's findings, each at its line
 * (the first frame in the program's own code), with the rule's explanation and the usual fix, the
 * wake-up chain as related locations; a code action shows the finding's events in the timeline.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { RULES } from '../../core/analysis/catalogue';
import { chainLines, threadLabel } from '../../core/analysis/chainText';
import { whereOf } from '../../core/analysis/resolve';
import type { Finding, Severity } from '../../core/analysis/types';
import { formatDuration } from '../../../../shared/format';
import type { TraceSession } from '../../core/session/traceSession';
import type { Sessions } from '../sessions';

const SOURCE = 'I/O Lens';
const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  high: vscode.DiagnosticSeverity.Error,
  medium: vscode.DiagnosticSeverity.Warning,
  low: vscode.DiagnosticSeverity.Information,
  info: vscode.DiagnosticSeverity.Hint,
};

/** The command that shows a finding's events: its arguments. */
export interface ShowFindingArgs {
  readonly session: TraceSession;
  readonly events: readonly number[];
}

/** A diagnostic with the finding it stands for. */
class FindingDiagnostic extends vscode.Diagnostic {
  constructor(
    range: vscode.Range,
    readonly finding: Finding,
    readonly session: TraceSession,
  ) {
    super(range, `${finding.title}. ${finding.detail} Fix: ${finding.suggestion}`, SEVERITY[finding.severity]);
    this.source = SOURCE;
    this.code = finding.rule;
  }
}

function lineRange(line: number, column: number | null): vscode.Range {
  const l = Math.max(0, line - 1);
  return new vscode.Range(l, Math.max(0, (column ?? 1) - 1), l, Number.MAX_SAFE_INTEGER);
}

/** The diagnostics of the current session's findings, refreshed as it changes. */
export class FindingsDiagnostics implements vscode.CodeActionProvider, vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('iolens');
  private readonly subscription: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sessions: Sessions) {
    this.subscription = sessions.onDidChange(() => this.refreshSoon());
  }

  /** Refresh at most twice a second while a recording grows. */
  refreshSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, 500);
  }

  /** Refresh now: the findings of the current session (none without one). */
  refresh(): void {
    this.collection.clear();
    const s = this.sessions.current;
    if (!s) return;
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const f of s.findings()) {
      const w = f.where;
      if (!w?.file || !w.line || !existsSync(w.file)) continue;
      const d = new FindingDiagnostic(lineRange(w.line, w.column), f, s);
      d.message = `${f.title} (${RULES[f.rule].name}, ${formatDuration(f.impactNs)} at stake). ${f.detail} Fix: ${f.suggestion}`;
      // the wake-up chain: each hop at its line, in the chain's words
      const lines = chainLines(f.chain, () => null, (pid, tid) => threadLabel(s.threadName(pid, tid), pid, tid));
      d.relatedInformation = f.chain.flatMap((h, i) => {
        const hw = whereOf(s.resolver, h.stackId);
        return hw?.file && hw.line && existsSync(hw.file) ? [new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(hw.file), lineRange(hw.line, hw.column)), lines[i])] : [];
      });
      byFile.set(w.file, [...(byFile.get(w.file) ?? []), d]);
    }
    for (const [file, list] of byFile) this.collection.set(vscode.Uri.file(file), list);
  }

  provideCodeActions(_doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    return context.diagnostics
      .filter((d): d is FindingDiagnostic => d instanceof FindingDiagnostic)
      .map((d) => {
        const a = new vscode.CodeAction(`Show the ${d.finding.events.length > 1 ? `${d.finding.events.length} events` : 'event'} of this finding in the timeline`, vscode.CodeActionKind.QuickFix);
        const args: ShowFindingArgs = { session: d.session, events: d.finding.events };
        a.command = { command: 'iolens.showFindingEvents', title: a.title, arguments: [args] };
        a.diagnostics = [d];
        return a;
      });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.collection.dispose();
  }
}
