/**
 * The Stalls view: the waits and blocking calls of the current trace that lasted at least
 * iolens.stallThresholdMs, longest first, each with call and duration, then file:line (first, so a
 * narrow view keeps it) and thread. When none passes the threshold the view says so, with the
 * longest there is and the setting to lower.
 * Selecting one reveals it in the timeline and opens its source (on selection rather than through
 * an item command: a command's arguments expire when the tree refreshes, as it does while live).
 */
import { basename, isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { formatLocation } from '../../core/format/source';
import { formatDuration } from '../../../../shared/format';
import type { TraceSession } from '../../core/session/traceSession';
import { longestStall } from '../../core/store/analysis';
import { frameInfos } from '../../core/store/details';
import type { Sessions } from '../sessions';
import { settings } from '../settings';
import { bestFrame } from '../source';

/** One stall in the tree. */
export interface StallItem {
  readonly session: TraceSession;
  readonly eventId: number;
}

const LIMIT = 200;

/** Why the list is empty: nothing passed the threshold (and the longest there is), or nothing at all yet. */
function emptyMessage(s: TraceSession, thresholdMs: number): string {
  const id = longestStall(s.store);
  const e = id === undefined ? undefined : s.store.get(id);
  const what = s.live ? 'yet' : 'in this trace';
  if (!e) return s.loading ? 'Reading the trace…' : `No waits or blocking calls ${what}.`;
  const dur = formatDuration((e.end ?? e.start) - e.start);
  return `Nothing lasted ${thresholdMs} ms or more ${what}; the longest was ${e.name} at ${dur}. Lower iolens.stallThresholdMs to list shorter ones.`;
}

/** Tree data of the Stalls view. */
export class StallsProvider implements vscode.TreeDataProvider<StallItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<StallItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;
  /** The stall ids (or the empty view's message) last shown, to skip refreshes that change nothing. */
  private shown = '';
  private view: vscode.TreeView<StallItem> | undefined;

  constructor(private readonly sessions: Sessions) {
    this.subscription = sessions.onDidChange(() => this.refreshSoon());
  }

  /** Refresh at most twice a second while a recording grows, and only when the list changed. */
  refreshSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.content().key !== this.shown) this.refresh();
    }, 500);
  }

  /** The stalls of the current session and, when there are none, the message saying why. */
  private content(): { ids: number[]; message: string | undefined; key: string } {
    const s = this.sessions.current;
    const thresholdMs = settings().stallThresholdMs;
    const ids = s ? s.stalls(thresholdMs * 1e6, LIMIT) : [];
    const message = s && !ids.length ? emptyMessage(s, thresholdMs) : undefined;
    return { ids, message, key: ids.length ? ids.join(',') : message ?? '' };
  }

  /** Refresh now. */
  refresh(): void {
    this.changed.fire(undefined);
  }

  /** The view the provider fills (its message says why it is empty). */
  setView(view: vscode.TreeView<StallItem>): void {
    this.view = view;
  }

  getChildren(element?: StallItem): StallItem[] {
    const s = this.sessions.current;
    if (element || !s) {
      if (this.view && !element) this.view.message = undefined;
      return [];
    }
    const { ids, message, key } = this.content();
    this.shown = key;
    if (this.view) this.view.message = message;
    return ids.map((eventId) => ({ session: s, eventId }));
  }

  getTreeItem(item: StallItem): vscode.TreeItem {
    const e = item.session.store.get(item.eventId);
    if (!e) return new vscode.TreeItem('(gone)');
    const dur = (e.end ?? e.start) - e.start;
    const thread = item.session.pipeline.trace.processes.threadName(e.pid, e.tid);
    const frames = frameInfos(item.session.pipeline.resolver, e.stackId);
    // the frame that will open, else (a trace from elsewhere) the first with a source line
    const frame = bestFrame(frames) ?? frames.find((f) => f.openable && !/^\/(usr\/)?lib/.test(f.module ?? ''));
    const where = frame?.file ? formatLocation(frame, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '') : 'no source';
    // a file outside the workspace: its name and line (the whole path is in the tooltip)
    const short = isAbsolute(where) ? `${basename(where)}` : where;
    const t = new vscode.TreeItem(`${formatDuration(dur)}  ${e.name}`);
    t.description = `${short} · ${thread} ${e.tid}`;
    const fd = typeof e.args.fd === 'number' ? ` fd ${e.args.fd}${typeof e.args.path === 'string' ? ` (${e.args.path})` : ''}` : '';
    t.tooltip = new vscode.MarkdownString(`**${e.name}**${fd} — ${formatDuration(dur)}${e.flags & 1 ? ' (still in progress)' : ''}\n\nthread ${thread} (${e.pid}/${e.tid}) at ${(e.start / 1e9).toFixed(6)} s\n\n${frame ? `\`${frame.function ?? '?'}\` ${where}` : 'no source line'}`);
    t.iconPath = new vscode.ThemeIcon(e.flags & 1 ? 'loading~spin' : dur >= 100e6 ? 'error' : 'watch');
    t.id = `${item.eventId}`;
    t.contextValue = 'stall';
    return t;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
