/**
 * The Findings view: what the analysis concluded about the current trace, ranked by the time at
 * stake, grouped by rule (the default) or by file. A finding reads as its line, its title and its
 * impact; its tooltip holds the evidence, the rule's explanation and the usual fix; its children
 * are the wake-up chain of its worst event, hop by hop. Selecting a finding shows its events in the
 * timeline and opens the line to change; selecting a hop opens that hop's line. With no findings
 * the view says so, and where the raw longest calls are.
 */
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { RULES } from '../../core/analysis/catalogue';
import { chainLines, threadLabel } from '../../core/analysis/chainText';
import { whereOf } from '../../core/analysis/resolve';
import type { ChainHop, Finding, Severity } from '../../core/analysis/types';
import type { TraceSession } from '../../core/session/traceSession';
import { formatCount, formatDuration } from '../../../../shared/format';
import type { Sessions } from '../sessions';
import { openWhere } from '../source';

/** How the findings are grouped. */
export type FindingsGrouping = 'rule' | 'file';

/** A node of the tree: a group, a finding, or one hop of a finding's wake-up chain. */
export type FindingsNode =
  | { readonly kind: 'group'; readonly key: string; readonly label: string; readonly findings: readonly Finding[] }
  | { readonly kind: 'finding'; readonly session: TraceSession; readonly finding: Finding; readonly key: string }
  | { readonly kind: 'hop'; readonly session: TraceSession; readonly finding: Finding; readonly hop: ChainHop; readonly index: number; readonly key: string };

const ICON: Record<Severity, vscode.ThemeIcon> = {
  high: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
  medium: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  low: new vscode.ThemeIcon('info', new vscode.ThemeColor('problemsInfoIcon.foreground')),
  info: new vscode.ThemeIcon('lightbulb'),
};

const NO_FILE = '(no source line)';

/** Text shown as itself in Markdown (MarkdownString.appendText would also make every space
 * non-breaking, and a long explanation would not wrap in the tooltip). */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');
}

/** A finding's identity across refreshes: its rule, thread and line. */
function findingKey(f: Finding): string {
  return `${f.rule}:${f.pid}/${f.tid}:${f.where?.file ?? ''}:${f.where?.line ?? 0}:${f.stackId}`;
}

/** "journal.c:88", or the function, or nothing. */
function shortWhere(f: Finding): string {
  const w = f.where;
  if (w?.file && w.line) return `${basename(w.file)}:${w.line}`;
  return w?.function ?? '';
}

function total(findings: readonly Finding[]): number {
  return findings.reduce((n, f) => n + f.impactNs, 0);
}

/** The findings grouped, groups and findings ranked by the time at stake. */
export function groupFindings(findings: readonly Finding[], grouping: FindingsGrouping): { key: string; label: string; findings: Finding[] }[] {
  const groups = new Map<string, { key: string; label: string; findings: Finding[] }>();
  for (const f of findings) {
    const key = grouping === 'rule' ? f.rule : f.where?.file ?? NO_FILE;
    const label = grouping === 'rule' ? RULES[f.rule].name : key === NO_FILE ? key : basename(key);
    const g = groups.get(key) ?? { key, label, findings: [] };
    g.findings.push(f);
    groups.set(key, g);
  }
  const list = [...groups.values()];
  for (const g of list) g.findings.sort((a, b) => b.impactNs - a.impactNs);
  return list.sort((a, b) => total(b.findings) - total(a.findings));
}

/** Tree data of the Findings view. */
export class FindingsView implements vscode.TreeDataProvider<FindingsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<FindingsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;
  private view: vscode.TreeView<FindingsNode> | undefined;
  /** The findings' keys last shown, to skip refreshes that change nothing. */
  private shown = '';
  private grouping: FindingsGrouping = 'rule';

  constructor(private readonly sessions: Sessions) {
    this.subscription = sessions.onDidChange(() => this.refreshSoon());
    void vscode.commands.executeCommand('setContext', 'iolens.findingsGrouping', this.grouping);
  }

  /** How the findings are grouped now. */
  get groupedBy(): FindingsGrouping {
    return this.grouping;
  }

  /** Group by rule or by file. */
  groupBy(grouping: FindingsGrouping): void {
    this.grouping = grouping;
    void vscode.commands.executeCommand('setContext', 'iolens.findingsGrouping', grouping);
    this.refresh();
  }

  /** The view the provider fills (its message says why it is empty, and counts what it shows). */
  setView(view: vscode.TreeView<FindingsNode>): void {
    this.view = view;
  }

  /** Refresh at most twice a second while a recording grows, and only when the findings changed. */
  refreshSoon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const s = this.sessions.current;
      const key = s ? this.keyOf(s) : '';
      if (key !== this.shown) this.refresh();
    }, 500);
  }

  /** Refresh now. */
  refresh(): void {
    this.changed.fire(undefined);
  }

  /** What the view shows of `s`: its findings, whether it grows, and (a paged trace's) how far its findings' pass is. */
  private keyOf(s: TraceSession): string {
    return `${s.findings().map((f) => `${findingKey(f)}@${f.eventCount}`).join(',')}${s.live ? '' : ':done'}:${s.findingsWhy ?? ''}`;
  }

  getChildren(node?: FindingsNode): FindingsNode[] {
    const s = this.sessions.current;
    if (!s) {
      this.shown = '';
      if (this.view && !node) {
        this.view.message = undefined;
        this.view.badge = undefined;
      }
      return [];
    }
    if (!node) {
      const findings = s.findings();
      this.shown = this.keyOf(s);
      this.describe(s, findings);
      return groupFindings(findings, this.grouping).map((g) => ({ kind: 'group', key: `${this.grouping}:${g.key}`, label: g.label, findings: g.findings }));
    }
    if (node.kind === 'group') return node.findings.map((finding) => ({ kind: 'finding', session: s, finding, key: findingKey(finding) }));
    if (node.kind === 'finding') {
      return node.finding.chain.map((hop, index) => ({ kind: 'hop', session: node.session, finding: node.finding, hop, index, key: `${node.key}:${index}` }));
    }
    return [];
  }

  /** The view's message (why it is empty) and badge (how many findings of note). */
  private describe(s: TraceSession, findings: readonly Finding[]): void {
    if (!this.view) return;
    const what = s.live ? 'yet' : 'in this trace';
    // a trace opened paged has its findings from a pass in the background: the view says it runs (or failed) rather than "no findings"
    this.view.message = findings.length
      ? undefined
      : (s.findingsWhy ??
        (s.loading
          ? 'Reading the trace…'
          : `No findings ${what}: no stalled event loop, saturated pool, serialized AIO or lost notifications. The Stalls view lists the longest waits and blocking calls.`));
    const serious = findings.filter((f) => f.severity === 'high' || f.severity === 'medium').length;
    this.view.badge = serious ? { value: serious, tooltip: `${serious} finding${serious === 1 ? '' : 's'} of high or medium severity` } : undefined;
  }

  getTreeItem(node: FindingsNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const t = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      const n = node.findings.length;
      t.description = `${n} · ${formatDuration(total(node.findings))}`;
      t.tooltip = this.grouping === 'rule' ? RULES[node.findings[0].rule].explanation : node.key === NO_FILE ? 'Findings with no line in the program’s own code' : dirname(node.key);
      t.iconPath = this.grouping === 'rule' ? ICON[node.findings[0].severity] : vscode.ThemeIcon.File;
      if (this.grouping === 'file' && node.key !== NO_FILE) t.resourceUri = vscode.Uri.file(node.key);
      t.id = node.key;
      t.contextValue = 'findingGroup';
      return t;
    }
    if (node.kind === 'finding') return this.findingItem(node.finding, node.key);
    return this.hopItem(node);
  }

  private findingItem(f: Finding, key: string): vscode.TreeItem {
    // the line first, so a narrow view keeps it (two findings of one rule differ by it)
    const where = shortWhere(f);
    const t = new vscode.TreeItem(where ? `${where}  ${f.title}` : f.title, f.chain.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    t.description = [formatDuration(f.impactNs), this.grouping === 'file' ? RULES[f.rule].name : ''].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`$(${ICON[f.severity].id}) **${RULES[f.rule].name}** — ${f.severity}, ${formatDuration(f.impactNs)} at stake\n\n`);
    md.appendMarkdown(`${escapeMarkdown(f.title)}\n\n${escapeMarkdown(f.detail)}\n\n`);
    md.appendMarkdown(`**Fix:** ${escapeMarkdown(f.suggestion)}\n\n`);
    const at = f.where?.file ? ` · ${f.where.function ?? '?'} at ${f.where.file}:${f.where.line ?? '?'}` : '';
    md.appendMarkdown(escapeMarkdown(`Thread ${f.thread} (${f.pid}/${f.tid}) · ${formatCount(f.eventCount)} event${f.eventCount === 1 ? '' : 's'}${at}`));
    t.tooltip = md;
    t.iconPath = ICON[f.severity];
    t.id = key;
    t.contextValue = 'finding';
    t.accessibilityInformation = { label: `${f.severity} ${RULES[f.rule].name}: ${f.title}${where ? ` at ${where}` : ''}` };
    return t;
  }

  private hopItem(node: Extract<FindingsNode, { kind: 'hop' }>): vscode.TreeItem {
    const s = node.session;
    const thread = (pid: number, tid: number): string => threadLabel(s.threadName(pid, tid), pid, tid);
    const w = whereOf(s.resolver, node.hop.stackId);
    // the first hop is the finding's own event; each next one (its icon an arrow), the thread that
    // woke the one before
    const [text] = chainLines([node.hop], () => null, thread);
    const t = new vscode.TreeItem(node.index ? `${thread(node.hop.pid, node.hop.tid)} ${text}` : text);
    t.description = w?.file && w.line ? `${basename(w.file)}:${w.line}` : '';
    t.tooltip = w?.file ? `${w.function ?? '?'} at ${w.file}:${w.line ?? '?'}` : 'no source line for this call';
    t.iconPath = new vscode.ThemeIcon(node.index === 0 ? 'debug-stackframe' : 'arrow-small-left');
    t.id = node.key;
    t.contextValue = 'findingHop';
    return t;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/**
 * A finding or hop selected: its events in the timeline (a finding's worst selected, all of them
 * outlined where they are, as the Stalls view shows a call site's calls), and its line in the
 * editor. Says why when there is no line to open.
 */
export async function openFindingNode(sessions: Sessions, node: FindingsNode): Promise<void> {
  if (node.kind === 'group') return;
  const s = node.session;
  const event = node.kind === 'finding' ? node.finding.events[0] : node.hop.event;
  const marks = node.kind === 'finding' && node.finding.events.length > 1 ? node.finding.events.filter((id) => id >= 0) : undefined;
  if (event !== undefined && event >= 0) sessions.showTimeline(s)?.reveal(event, marks);
  const w = node.kind === 'finding' ? node.finding.where : whereOf(s.resolver, node.hop.stackId);
  await openWhere(w, node.kind === 'finding' ? 'this finding' : `this ${node.hop.call}`);
}
