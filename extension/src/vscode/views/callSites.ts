/**
 * The call sites of the current trace beside the code: a CodeLens above each line that made traced
 * calls ("read · 4 calls · p99 20.3 ms"; a click shows the longest in the timeline) and a hover
 * with their latency histogram. Both read the analysis' call-site table (core/analysis/sites), each
 * site placed at the first frame in the program's own code, as the findings are.
 */
import * as vscode from 'vscode';
import { whereOf } from '../../core/analysis/resolve';
import type { AnalysisResult, SiteStats } from '../../core/analysis/types';
import { neverSleptText } from '../../core/report/diagnosis';
import type { TraceSession } from '../../core/session/traceSession';
import { formatCount, formatDuration } from '../../../../shared/format';
import type { Sessions } from '../sessions';
import type { ShowFindingArgs } from './findings';

/** The calls of one kind made from one line (several stacks may end there). */
interface LineCalls {
  readonly call: string;
  readonly count: number;
  readonly errors: number;
  readonly total: number;
  /** The worst p99 of the stacks that end at this line. */
  readonly p99: number;
  readonly max: number;
  /** Store id of the longest call. */
  readonly longest: number;
  /** Histogram: upper bound (ns) -> calls. */
  readonly bins: ReadonlyMap<number, number>;
  /** Calls the thread never slept in (SiteStats.neverSlept), and their time. */
  readonly neverSlept: number;
  readonly neverSleptNs: number;
}

/** line (1-based) -> its calls, by file. */
type SiteIndex = Map<string, Map<number, LineCalls[]>>;

function merge(a: LineCalls | undefined, s: SiteStats): LineCalls {
  const bins = new Map(a?.bins ?? []);
  s.bins.bounds.forEach((b, i) => {
    if (s.bins.counts[i]) bins.set(b, (bins.get(b) ?? 0) + s.bins.counts[i]);
  });
  const longerHere = !a || s.max > a.max;
  return {
    call: s.call,
    count: (a?.count ?? 0) + s.count,
    errors: (a?.errors ?? 0) + s.errors,
    total: (a?.total ?? 0) + s.total,
    p99: Math.max(a?.p99 ?? 0, s.p99),
    max: Math.max(a?.max ?? 0, s.max),
    longest: longerHere ? s.longest : a.longest,
    bins,
    neverSlept: (a?.neverSlept ?? 0) + s.neverSlept,
    neverSleptNs: (a?.neverSleptNs ?? 0) + s.neverSleptNs,
  };
}

/** Index the sites of an analysis by file and line. */
function indexSites(session: TraceSession, result: AnalysisResult): SiteIndex {
  const byKey = new Map<string, LineCalls>();
  const at = new Map<string, { file: string; line: number }>();
  for (const s of result.sites) {
    const w = whereOf(session.resolver, s.stackId);
    if (!w?.file || !w.line) continue;
    const key = `${w.file}\0${w.line}\0${s.call}`;
    byKey.set(key, merge(byKey.get(key), s));
    at.set(key, { file: w.file, line: w.line });
  }
  const index: SiteIndex = new Map();
  for (const [key, calls] of byKey) {
    const { file, line } = at.get(key) ?? { file: '', line: 0 };
    let lines = index.get(file);
    if (!lines) index.set(file, (lines = new Map()));
    lines.set(line, [...(lines.get(line) ?? []), calls].sort((x, y) => y.total - x.total));
  }
  return index;
}

/** "read · 4 calls · p99 20.3 ms · 1 failed". */
export function lensTitle(c: LineCalls): string {
  return `${c.call} · ${formatCount(c.count)} ${c.count === 1 ? 'call' : 'calls'} · ${c.count === 1 ? formatDuration(c.max) : `p99 ${formatDuration(c.p99)}`}${c.errors ? ` · ${formatCount(c.errors)} failed` : ''}`;
}

/** A latency histogram as text bars, from the first to the last bin holding calls. */
function histogramText(c: LineCalls): string {
  const bins = [...c.bins].sort((a, b) => a[0] - b[0]);
  const most = Math.max(1, ...bins.map(([, n]) => n));
  const labels = bins.map(([b]) => `≤ ${formatDuration(b)}`);
  const w = Math.max(...labels.map((l) => l.length));
  return bins.map(([, n], i) => `${labels[i].padStart(w)}  ${'█'.repeat(Math.max(1, Math.round((n / most) * 24)))} ${formatCount(n)}`).join('\n');
}

/** CodeLens and hover of the current trace's call sites. */
export class CallSiteLenses implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private timer: NodeJS.Timeout | undefined;
  private cache: { result: AnalysisResult; index: SiteIndex } | undefined;

  constructor(private readonly sessions: Sessions) {
    this.subscription = sessions.onDidChange(() => {
      // at most once a second while a recording grows
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.changed.fire();
      }, 1000);
    });
  }

  /** The calls made from `line` of `file` in the current trace. */
  callsAt(file: string, line: number): { session: TraceSession; calls: readonly LineCalls[] } | undefined {
    const session = this.sessions.current;
    if (!session) return undefined;
    const calls = this.index(session).get(file)?.get(line);
    return calls?.length ? { session, calls } : undefined;
  }

  private index(session: TraceSession): SiteIndex {
    const result = session.analysis();
    if (this.cache?.result !== result) this.cache = { result, index: indexSites(session, result) };
    return this.cache.index;
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const session = this.sessions.current;
    const lines = session && this.index(session).get(doc.uri.fsPath);
    if (!session || !lines) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const [line, calls] of lines) {
      if (line > doc.lineCount) continue;
      const range = new vscode.Range(line - 1, 0, line - 1, 0);
      for (const c of calls) {
        const args: ShowFindingArgs = { session, events: c.longest >= 0 ? [c.longest] : [] };
        lenses.push(new vscode.CodeLens(range, {
          title: lensTitle(c),
          tooltip: `${formatDuration(c.total)} in ${c.call} from this line; the longest took ${formatDuration(c.max)}. Click to show it in the timeline.`,
          command: 'iolens.showFindingEvents',
          arguments: [args],
        }));
      }
    }
    return lenses;
  }

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const at = this.callsAt(doc.uri.fsPath, pos.line + 1);
    if (!at) return undefined;
    const md = new vscode.MarkdownString();
    for (const c of at.calls) {
      md.appendMarkdown(`**${c.call}** from this line (I/O Lens, ${at.session.title}): ${formatCount(c.count)} ${c.count === 1 ? 'call' : 'calls'}, ${formatDuration(c.total)} in total, p99 ${formatDuration(c.p99)}, longest ${formatDuration(c.max)}${c.errors ? `, ${formatCount(c.errors)} failed` : ''}${c.neverSlept ? `; ${neverSleptText(c.neverSlept, c.count, c.neverSleptNs)}` : ''}\n\n`);
      md.appendCodeblock(histogramText(c), 'text');
    }
    return new vscode.Hover(md, new vscode.Range(pos.line, 0, pos.line, doc.lineAt(pos.line).text.length));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
