/**
 * I/O Lens: Export Trace… (Perfetto's protobuf format or Chrome's JSON, for the tools people share
 * traces with) and Open strace Log… (an strace log in the timeline, through `iolens import`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { EXPORT_FORMATS, exportTrace, type ExportFormat, type ExportResult } from '../../core/commands/export';
import type { ImportResult } from '../../core/commands/import';
import { log } from '../log';
import { settings } from '../settings';
import type { Sessions } from '../sessions';

/** What Export Trace… may be given (by a test, a keybinding or another extension) instead of asking. */
export interface ExportArgs {
  /** The .iolens file to export (default: the current session's trace). */
  readonly source?: string;
  readonly format?: ExportFormat;
  readonly output?: string;
}

const FORMATS: Record<ExportFormat, { label: string; detail: string; ext: string; filter: string }> = {
  perfetto: {
    label: 'Perfetto trace (.pftrace)',
    detail: 'For ui.perfetto.dev: threads, requests, signals and interrupts, the arrows between them, and each call\'s stack with its source lines',
    ext: 'pftrace',
    filter: 'Perfetto traces',
  },
  chrome: {
    label: 'Chrome trace JSON (.json)',
    detail: 'The Trace Event Format of chrome://tracing, Speedscope and older tools',
    ext: 'json',
    filter: 'Trace Event Format',
  },
};

/** Export a trace; resolves with the file written (undefined when the user cancelled). */
export async function exportTraceCommand(sessions: Sessions, arg?: vscode.Uri | ExportArgs): Promise<vscode.Uri | undefined> {
  const a: ExportArgs = arg instanceof vscode.Uri ? { source: arg.fsPath } : arg ?? {};
  let source = a.source;
  let temp: string | undefined;
  const session = sessions.current;
  if (!source) {
    if (!session) {
      void vscode.window.showInformationMessage('I/O Lens: there is no trace to export. Open a trace or record one first.');
      return undefined;
    }
    if (session.live) {
      // what is recorded so far: a snapshot, as Save Trace makes
      temp = await mkdtemp(join(tmpdir(), 'iolens-export-'));
      source = join(temp, 'snapshot.iolens');
      await session.save(source);
    } else {
      source = session.file;
    }
  }
  try {
    let format = a.format;
    if (!format) {
      const picked = await vscode.window.showQuickPick(
        EXPORT_FORMATS.map((f) => ({ label: FORMATS[f].label, detail: FORMATS[f].detail, format: f })),
        { title: 'I/O Lens: Export Trace', placeHolder: 'Export to which format?' },
      );
      format = picked?.format;
    }
    if (!format) return undefined;
    let output = a.output ? vscode.Uri.file(a.output) : undefined;
    if (!output) {
      const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd());
      const stem = basename(session && !a.source ? session.title : source).replace(/\.(iolens|strace|log|txt)$/, '').replace(/[^\w.-]+/g, '-');
      output = await vscode.window.showSaveDialog({
        title: `I/O Lens: Export Trace (${FORMATS[format].label})`,
        filters: { [FORMATS[format].filter]: [FORMATS[format].ext] },
        defaultUri: vscode.Uri.joinPath(base, `${stem}.${FORMATS[format].ext}`),
      });
    }
    if (!output) return undefined;
    const target = output;
    const r: ExportResult = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `I/O Lens: exporting to ${vscode.workspace.asRelativePath(target)}` },
      () => exportTrace(source as string, target.fsPath, { format: format as ExportFormat, symbolPath: settings().symbolSearchPath }),
    );
    for (const w of r.warnings) log().warn(`${source}: ${w}`);
    for (const n of r.notes) log().info(`export: ${n}`);
    log().info(`exported ${source} to ${target.fsPath}: ${r.events} events as ${r.slices} slices, ${r.instants} instants and ${r.flows} flows (${r.bytes} bytes)`);
    const reveal = 'Reveal in File Explorer';
    const warned = r.warnings.length ? ` (${r.warnings.length} warnings about the trace: see the I/O Lens output)` : '';
    void vscode.window.showInformationMessage(`I/O Lens: ${r.events} events exported to ${vscode.workspace.asRelativePath(target)}${warned}.`, reveal).then((x) => {
      if (x === reveal) void vscode.commands.executeCommand('revealFileInOS', target);
    });
    return target;
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}

/** Open an strace log in the timeline (through the strace editor, which imports it). */
export async function openStraceLogCommand(arg?: vscode.Uri | string): Promise<void> {
  let uri = typeof arg === 'string' ? vscode.Uri.file(arg) : arg;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({
      title: 'I/O Lens: Open strace Log (strace -f -tt -T, with -k for stacks, -y for paths)',
      canSelectMany: false,
      filters: { 'strace logs': ['strace', 'log', 'txt'], 'All files': ['*'] },
    });
    uri = picked?.[0];
  }
  if (uri) await vscode.commands.executeCommand('vscode.openWith', uri, 'iolens.straceLog');
}

/** What an import skipped, told to the user: a warning they can act on, the details in the output. */
export function reportImport(uri: vscode.Uri, r: ImportResult): void {
  const name = vscode.workspace.asRelativePath(uri);
  for (const p of r.problems) log().warn(`${uri.fsPath}:${p.line}: ${p.message} (line skipped)`);
  for (const n of r.notes) log().info(`${name}: ${n}`);
  const skipped = r.errors + r.notUnderstood;
  if (!skipped) return;
  const first = r.problems[0];
  const show = 'Show Details';
  void vscode.window
    .showWarningMessage(`I/O Lens: ${name}: ${skipped} of ${r.lines} lines could not be read and were skipped${first ? ` (line ${first.line}: ${first.message})` : ''}.`, show)
    .then((x) => {
      if (x === show) log().show(true);
    });
}
