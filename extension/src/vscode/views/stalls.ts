/**
 * The Stalls view: the waits and blocking calls of the current trace that lasted at least
 * iolens.stallThresholdMs, grouped by call site (core/store/stallSites): one row per call and line
 * ("read  src/epoll_stall.c:95", then "80.8 ms in 4 calls · longest 20.2 ms"), ranked by total
 * time, its calls below it longest first, each with its duration, time and thread. When none passes the
 * threshold the view says so, with the longest there is and the setting to lower.
 * A site's figures cover all its calls (the shorter ones, and those the tracer only counted), its
 * rows are its stalls. Selecting a call reveals it in the timeline and opens its source; selecting
 * a site shows the time all its recorded calls span with each outlined, its longest selected, and
 * opens its line (on selection rather than through an item command: a command's arguments expire
 * when the tree refreshes, as it does while live).
 */
import * as vscode from 'vscode';
import { formatDuration, formatTime, formatTimeAt } from '../../../../shared/format';
import type { TraceSession } from '../../core/session/traceSession';
import { longestStall } from '../../core/store/analysis';
import { frameInfos } from '../../core/store/details';
import { groupStalls, siteCalls, stackFigures, stallSitePlace, stallSiteSummary, type StallSite } from '../../core/store/stallSites';
import type { Sessions } from '../sessions';
import { settings } from '../settings';
import { bestFrame, openEventSource, openWhere } from '../source';

/** A node of the tree: a call site, or one stall of it. */
export type StallItem =
  | { readonly kind: 'site'; readonly session: TraceSession; readonly site: StallSite }
  | { readonly kind: 'call'; readonly session: TraceSession; readonly eventId: number };

/** A node's identity across refreshes (its tree item's id). */
export function stallItemId(item: StallItem): string {
  return item.kind === 'site' ? `site:${item.site.key}` : `${item.eventId}`;
}

/** At most this many sites, and this many calls under each. */
const LIMIT = 200;

/** Its icon: in progress, long (100 ms or more), or a stall. */
function stallIcon(unfinished: boolean, dur: number): vscode.ThemeIcon {
  return new vscode.ThemeIcon(unfinished ? 'loading~spin' : dur >= 100e6 ? 'error' : 'watch');
}

/** The workspace folder, which paths are shown relative to. */
function workspaceRoot(): string {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
}

/** Why the list is empty: nothing passed the threshold (and the longest there is), or nothing at all yet. */
function emptyMessage(s: TraceSession, thresholdMs: number): string {
  if (s.unavailableWhy) return s.unavailableWhy;
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
  /** The sites and their calls (or the empty view's message) last shown, to skip refreshes that change nothing. */
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

  /** The stalls of the current session by call site and, when there are none, the message saying why. */
  private content(): { sites: StallSite[]; message: string | undefined; key: string } {
    const s = this.sessions.current;
    const thresholdMs = settings().stallThresholdMs;
    // a site's figures are all its calls' (the analysis' statistics), its rows the stalls'
    const sites = s ? groupStalls(s.store, s.stalls(thresholdMs * 1e6, Infinity), s.pipeline.resolver, stackFigures(s.analysis())).slice(0, LIMIT) : [];
    const message = s && !sites.length ? emptyMessage(s, thresholdMs) : undefined;
    // a site's identity, its calls and their time: what its row and its children show
    const key = sites.map((g) => `${g.key}\0${g.count}\0${g.total}\0${g.ids.slice(0, LIMIT).join(',')}`).join('\n');
    return { sites, message, key: sites.length ? key : message ?? '' };
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
    if (element) return element.kind === 'site' ? element.site.ids.slice(0, LIMIT).map((eventId) => ({ kind: 'call', session: element.session, eventId })) : [];
    const s = this.sessions.current;
    if (!s) {
      if (this.view) this.view.message = undefined;
      return [];
    }
    const { sites, message, key } = this.content();
    this.shown = key;
    if (this.view) this.view.message = message;
    return sites.map((site) => ({ kind: 'site', session: s, site }));
  }

  getTreeItem(item: StallItem): vscode.TreeItem {
    const t = item.kind === 'site' ? this.siteItem(item.site) : this.callItem(item.session, item.eventId);
    t.id = stallItemId(item);
    return t;
  }

  private siteItem(site: StallSite): vscode.TreeItem {
    const place = stallSitePlace(site.where, workspaceRoot());
    const t = new vscode.TreeItem(`${site.call}  ${place}`, vscode.TreeItemCollapsibleState.Collapsed);
    t.description = stallSiteSummary(site);
    const w = site.where;
    const at = w?.file ? `\`${w.function ?? '?'}\` at ${w.file}:${w.line ?? '?'}` : w?.function ? `\`${w.function}\` (no source line)` : 'no line in the program’s own code';
    const stalls = `${site.ids.length.toLocaleString('en-US')} of them lasted ${settings().stallThresholdMs} ms or more (listed below)`;
    const counted = site.counted ? `; ${site.counted.toLocaleString('en-US')} were counted by the tracer under --min-duration, not recorded one by one` : '';
    t.tooltip = new vscode.MarkdownString(`**${site.call}** — ${stallSiteSummary(site)}\n\n${stalls}${counted}\n\n${at}`);
    t.iconPath = stallIcon(site.unfinished, site.longest);
    t.contextValue = 'stallSite';
    return t;
  }

  private callItem(session: TraceSession, eventId: number): vscode.TreeItem {
    const e = session.store.get(eventId);
    if (!e) return new vscode.TreeItem('(gone)');
    const dur = (e.end ?? e.start) - e.start;
    const thread = session.pipeline.trace.processes.threadName(e.pid, e.tid);
    const frames = frameInfos(session.pipeline.resolver, e.stackId);
    // the frame that will open, else (a trace from elsewhere) the first with a source line
    const frame = bestFrame(frames) ?? frames.find((f) => f.openable && !/^\/(usr\/)?lib/.test(f.module ?? ''));
    // its site (the parent) names the call and the line: the duration, time and thread tell its
    // calls apart (the time first: a narrow view keeps it, and a site's calls often share a thread)
    const t = new vscode.TreeItem(formatDuration(dur));
    const fd = typeof e.args.fd === 'number' ? ` fd ${e.args.fd}${typeof e.args.path === 'string' ? ` (${e.args.path})` : ''}` : '';
    t.description = `at ${formatTimeAt(e.start, 1e6)} · ${thread} ${e.tid}`;
    t.accessibilityInformation = { label: `${e.name}, ${formatDuration(dur)}, thread ${thread} ${e.tid}, at ${formatTimeAt(e.start, 1e6)}` };
    const where = frame?.file ? `\`${frame.function ?? '?'}\` ${frame.file}:${frame.line ?? '?'}` : 'no source line';
    t.tooltip = new vscode.MarkdownString(`**${e.name}**${fd} — ${formatDuration(dur)}${e.flags & 1 ? ' (still in progress)' : ''}\n\nthread ${thread} (${e.pid}/${e.tid}) at ${formatTime(e.start)}\n\n${where}`);
    t.iconPath = stallIcon((e.flags & 1) !== 0, dur);
    t.contextValue = 'stall';
    return t;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/**
 * A stall selected: it in the timeline and its source; a site selected: all its recorded calls in
 * the timeline (outlined, its longest selected) and its line. Returns false, after saying why,
 * when there is no source to open.
 */
export async function openStallItem(sessions: Sessions, item: StallItem): Promise<boolean> {
  if (item.kind === 'call') {
    sessions.showTimeline(item.session)?.reveal(item.eventId);
    return openEventSource(item.session, item.eventId);
  }
  const [longest] = item.site.ids;
  if (longest !== undefined) sessions.showTimeline(item.session)?.reveal(longest, siteCalls(item.session.store, item.site, item.session.pipeline.resolver));
  return openWhere(item.site.where, `these ${item.site.call} calls`);
}
