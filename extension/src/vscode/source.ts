/**
 * From an event to its line of code: the first frame whose file is in the workspace, else the
 * first in the program's own code whose source file exists, else any such, opened at its line and
 * column, centred and highlighted for a moment. When there is no source, the message says which binary and address, and why.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { FrameInfo } from '../../../protocol/messages';
import type { Where } from '../core/analysis/types';
import { frameInfos } from '../core/store/details';
import { preferredSource } from '../core/symbols/userFrame';
import type { TraceSession } from '../core/session/traceSession';
import { log } from './log';

const highlight = vscode.window.createTextEditorDecorationType({
  backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
  isWholeLine: true,
});

function inWorkspace(file: string): boolean {
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)) !== undefined;
}

/** The frame "jump to code" opens (DESIGN.md): workspace first, then the program's own code, then any existing source. */
export function bestFrame(frames: readonly FrameInfo[]): FrameInfo | undefined {
  return preferredSource(frames.filter((f) => f.openable && f.file && existsSync(f.file)), inWorkspace);
}

/** How many trailing path components two paths share. */
function sharedEnding(a: string, b: string): number {
  const x = a.split(/[\\/]/).reverse();
  const y = b.split(/[\\/]/).reverse();
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

const located = new Map<string, string | null>();

/**
 * Where a source file of the trace is here: its own path, else (a trace recorded on another
 * machine, in a container, from another checkout) the workspace file whose path ends the same
 * way — the most trailing components shared, the file name at least.
 */
export async function locateSource(file: string): Promise<string | undefined> {
  if (existsSync(file)) return file;
  const known = located.get(file);
  if (known !== undefined) return known ?? undefined;
  const name = basename(file);
  const found = name ? await vscode.workspace.findFiles(`**/${name}`, '**/node_modules/**', 200) : [];
  let best: string | undefined;
  let score = 0;
  for (const uri of found) {
    const s = sharedEnding(uri.fsPath, file);
    if (s > score) [best, score] = [uri.fsPath, s];
  }
  located.set(file, best ?? null);
  if (best) log().info(`source ${file} is not on this machine: opening ${best} (same ${score} last path component${score > 1 ? 's' : ''})`);
  return best;
}

/** The first frame whose source can be opened here (at its path or found in the workspace), and where. */
async function openableFrame(frames: readonly FrameInfo[]): Promise<{ frame: FrameInfo; file: string } | undefined> {
  const direct = bestFrame(frames);
  if (direct?.file) return { frame: direct, file: direct.file };
  // your code before a library's build tree: frames in system libraries last
  const system = (f: FrameInfo): boolean => /^\/(usr\/)?lib(32|64)?\//.test(f.module ?? '');
  const candidates = frames.filter((f) => f.openable && f.file).sort((a, b) => Number(system(a)) - Number(system(b)));
  for (const f of candidates) {
    const file = await locateSource(f.file as string);
    if (file) return { frame: f, file };
  }
  return undefined;
}

/**
 * Open the line of a call site (a finding's, a hop's, a group of stalls'), found in the workspace
 * when its file is not here. Returns false, after saying why, naming `what`, when there is none.
 */
export async function openWhere(w: Where | null, what: string): Promise<boolean> {
  const file = w?.file && w.line ? await locateSource(w.file) : undefined;
  if (!w?.line || !file) {
    void vscode.window.showWarningMessage(
      w?.file ? `No source to open for ${what}: ${w.file} is neither on this machine nor in the workspace.` : `No source line for ${what}: its stack has no frame in the program's own code with line information.`,
    );
    return false;
  }
  await showAt(file, w.line, w.column);
  return true;
}

/** Open `file` at `line`:`column` (1-based), centred, highlighted briefly. */
export async function showAt(file: string, line: number, column: number | null): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const pos = new vscode.Position(Math.max(0, line - 1), Math.max(0, (column ?? 1) - 1));
  const editor = await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true, viewColumn: vscode.ViewColumn.One });
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
  editor.setDecorations(highlight, [new vscode.Range(pos.line, 0, pos.line, 0)]);
  setTimeout(() => editor.setDecorations(highlight, []), 1500);
  return editor;
}

function why(frames: readonly FrameInfo[]): string {
  const f = frames.find((x) => x.module) ?? frames[0];
  if (!f) return 'its stack was not recorded (stacks off, or the stack record was lost).';
  const where = `${f.function ?? '??'} at ${f.addr} in ${f.module ?? 'an unknown binary'}`;
  return `${where}: ${f.problem ?? 'no source line'}.`;
}

/** Open the source of an event (its best frame). Returns false, after saying why, when there is none. */
export async function openEventSource(session: TraceSession, eventId: number): Promise<boolean> {
  const e = session.event(eventId);
  if (!e) return false;
  const frames = frameInfos(session.resolver, e.stackId);
  const found = await openableFrame(frames);
  if (!found?.frame.line) {
    void vscode.window.showWarningMessage(`No source to open for this ${e.name}: ${why(frames)}`);
    log().info(`no source for event ${eventId} (${e.name}): ${why(frames)}`);
    return false;
  }
  await showAt(found.file, found.frame.line, found.frame.column);
  return true;
}

/** Open frame `index` of an event's stack. */
export async function openFrame(session: TraceSession, eventId: number, index: number): Promise<boolean> {
  const e = session.event(eventId);
  if (!e) return false;
  const f = frameInfos(session.resolver, e.stackId)[index];
  const file = f?.openable && f.file && f.line ? await locateSource(f.file) : undefined;
  if (!f || !file || !f.line) {
    const problem = f?.file && !file ? `${f.file} is neither on this machine nor in the workspace` : f?.problem ?? 'no source line';
    void vscode.window.showWarningMessage(`No source for ${f?.function ?? 'this frame'} at ${f?.addr ?? '?'} in ${f?.module ?? 'an unknown binary'}: ${problem}.`);
    return false;
  }
  await showAt(file, f.line, f.column);
  return true;
}
