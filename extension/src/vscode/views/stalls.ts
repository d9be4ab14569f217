/**
 * The Stalls view: the waits and blocking calls of the current trace that lasted at least
 * iolens.stallThresholdMs, longest first, each with call, duration, thread and file:line.
 * Selecting one reveals it in the timeline and opens its source (on selection rather than through
 * an item command: a command's arguments expire when the tree refreshes, as it does while live).
 */
import * as vscode from 'vscode';
import { formatLocation } from '../../core/format/source';
import { formatDuration } from '../../../../shared/format';
import type { TraceSession } from '../../core/session/traceSession';
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

/** Tree data of the Stalls view. */
export class StallsProvider implements vscode.TreeDataProvider<StallItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<StallItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;
  /** The stall ids last shown, to skip refreshes that change nothing. */
  private shown = '';

  constructor(private readonly sessions: Sessions) {
    this.subscription = sessions.onDidChange(() => this.refreshSoon());
  }

  /** Refresh at most twice a second while a recording grows, and only when the list changed. */
  refreshSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const s = this.sessions.current;
      const ids = s ? s.stalls(settings().stallThresholdMs * 1e6, LIMIT).join(',') : '';
      if (ids !== this.shown) this.refresh();
    }, 500);
  }

  /** Refresh now. */
  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(element?: StallItem): StallItem[] {
    const s = this.sessions.current;
    if (element || !s) return [];
    const ids = s.stalls(settings().stallThresholdMs * 1e6, LIMIT);
    this.shown = ids.join(',');
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
    const t = new vscode.TreeItem(`${formatDuration(dur)}  ${e.name}`);
    t.description = `${thread} ${e.tid} · ${where}`;
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
