/**
 * The diagnosis in the text report: the findings ranked by impact (each with its line, evidence,
 * wake-up chain and fix), the threads' I/O models and the processes' verdicts, the longest calls
 * grouped by call site, and the calls the tracer counted under its threshold.
 */
import { chainLines, whereText } from '../analysis/chainText';
import { unnamedByRuntime, whereKey, whereOf, type StackSource } from '../analysis/resolve';
import type { AnalysisResult, Finding, ProcessVerdict, SiteStats, ThreadVerdict, Where } from '../analysis/types';
import { formatCount, formatDuration } from '../../../../shared/format';
import { plural } from '../analysis/context';
import { NEVER_SLEPT_WHY } from '../analysis/catalogue';
import { stackEndText } from '../symbols/stacks';

/** How the sections name things. */
export interface DiagnosisText {
  readonly stacks: StackSource;
  /** A file path as shown (relative to the working directory when inside it). */
  relative(file: string): string;
  /** "worker-1 100/101". */
  thread(pid: number, tid: number): string;
}

const WRAP = 100;

/** Wrap `text` to lines of at most WRAP columns, each starting with `indent` (the first with `first`). */
function wrap(text: string, first: string, indent: string): string[] {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > WRAP && line.trim().length > 0 && line !== first) {
      out.push(line.trimEnd());
      line = indent;
    }
    line += (line === first || line === indent ? '' : ' ') + word;
  }
  out.push(line.trimEnd());
  return out;
}

/** Where a call was made when its stack, resolved, has no frame of the program's own code. */
const NO_OWN_FRAME = 'no frame of the program\'s own code in the stack';

/**
 * Why a call has no location: its stack has no frame of the program's code (and why: its runtime,
 * or a stack cut short before it reached one, as stackEndText says), or there is no stack.
 */
export function noOwnFrame(stacks: StackSource, stackId: bigint, none = 'no call site'): string {
  if (!stackId) return none;
  const stack = stacks.resolve(stackId);
  const why = [stack ? unnamedByRuntime(stack) : null, stackEndText(stack)].filter((w): w is string => w !== null);
  return why.length ? `${NO_OWN_FRAME} (${why.join('; ')})` : NO_OWN_FRAME;
}

function where(t: DiagnosisText, w: Where | null): string | null {
  return whereText(w, (f) => t.relative(f));
}

/** The findings, ranked. */
export function findingsSection(findings: readonly Finding[], t: DiagnosisText): string[] {
  if (!findings.length) return ['', 'Findings: none (no rule of the catalogue found a problem in this recording)'];
  const lines = ['', `Findings (${findings.length}, by time at stake)`];
  findings.forEach((f, i) => {
    const head = `  ${String(i + 1).padStart(2)}. ${f.severity.toUpperCase().padEnd(6)} ${f.rule}  `;
    lines.push(...wrap(f.title, head, ' '.repeat(head.length)));
    const pad = '         ';
    const at = where(t, f.where);
    lines.push(...wrap(`${at ?? noOwnFrame(t.stacks, f.stackId)}   impact: ${formatDuration(f.impactNs)}`, `${pad}at: `, `${pad}    `));
    lines.push(...wrap(f.detail, `${pad}why: `, `${pad}     `));
    if (f.chain.length > 1 || (f.chain.length === 1 && f.chain[0].cause !== 'unknown')) {
      const chain = chainLines(f.chain, (h) => where(t, whereOf(t.stacks, h.stackId)), t.thread);
      chain.forEach((c, k) => lines.push(...wrap(c, `${pad}${k ? '       ' : 'chain: '}`, `${pad}         `)));
    }
    lines.push(...wrap(f.suggestion, `${pad}fix: `, `${pad}     `));
    const ids = f.events.slice(0, 8).join(', ');
    if (f.eventCount || ids) lines.push(`${pad}events: ${formatCount(Math.max(f.eventCount, f.events.length))}${ids ? ` (ids ${ids}${f.events.length > 8 ? ', …' : ''}: the order of iolens dump)` : ''}`);
    else lines.push(`${pad}events: none sent (the tracer counted the calls under its threshold)`);
  });
  return lines;
}

/** Processes of one name this many or more, each one thread without I/O of note, are told in one line. */
const FOLD_QUIET_PROCESSES = 3;

/**
 * Short-lived helpers of one name (a `popen`'s shells, a build's compilers), each a process of one
 * thread without I/O of note: pid -> the names' group, for those of a name that come
 * FOLD_QUIET_PROCESSES times or more.
 */
function quietHelpers(a: AnalysisResult, byPid: ReadonlyMap<number, ThreadVerdict[]>): Map<number, ProcessVerdict[]> {
  const byName = new Map<string, ProcessVerdict[]>();
  for (const p of a.processes) {
    const threads = byPid.get(p.pid) ?? [];
    if (threads.length !== 1 || threads[0].model !== 'none') continue;
    const list = byName.get(p.name);
    if (list) list.push(p);
    else byName.set(p.name, [p]);
  }
  const out = new Map<number, ProcessVerdict[]>();
  for (const list of byName.values()) if (list.length >= FOLD_QUIET_PROCESSES) for (const p of list) out.set(p.pid, list);
  return out;
}

/** The processes' verdicts and the threads' models. */
export function modelsSection(a: AnalysisResult, t: DiagnosisText): string[] {
  if (!a.threads.length) return [];
  const lines = ['', 'I/O models'];
  const byPid = new Map<number, ThreadVerdict[]>();
  for (const x of a.threads) {
    const list = byPid.get(x.pid);
    if (list) list.push(x);
    else byPid.set(x.pid, [x]);
  }
  const folded = quietHelpers(a, byPid);
  for (const p of a.processes) {
    const threads = byPid.get(p.pid) ?? [];
    const group = folded.get(p.pid);
    if (group) {
      if (group[0] !== p) continue;
      const pids = group.slice(0, 4).map((x) => x.pid).join(', ') + (group.length > 4 ? ', …' : '');
      const first = threads[0];
      lines.push(...wrap(`${formatCount(group.length)} processes of one thread without I/O of note (pids ${pids}); the first: ${first?.evidence ?? ''}`, `  processes ${p.name}: `, '      '));
      continue;
    }
    lines.push(...wrap(p.verdict || 'no I/O of note', `  process ${p.pid} ${p.name}: `, '      '));
    const width = Math.max(...threads.map((x) => `${x.tid} ${x.name}`.length));
    for (const x of threads) {
      const head = `    ${`${x.tid} ${x.name}`.padEnd(width)}  ${x.model.padEnd(13)} `;
      lines.push(...wrap(x.evidence, head, ' '.repeat(head.length)));
    }
  }
  const loops = a.loops.filter((l) => l.turns > 1);
  if (loops.length) {
    lines.push('  event-loop turns (a turn runs from a wait\'s return to the next wait; its length is the loop\'s lag)');
    for (const l of loops) {
      lines.push(`    ${t.thread(l.pid, l.tid)}: ${formatCount(l.turns)} turns, p50 ${formatDuration(l.p50)}, p99 ${formatDuration(l.p99)}, max ${formatDuration(l.max)}${l.blockedNs ? `; ${formatDuration(l.blockedNs)} blocked in calls` : ''}`);
    }
  }
  return lines;
}

interface SiteGroup {
  readonly call: string;
  readonly where: Where | null;
  readonly sites: SiteStats[];
  count: number;
  total: number;
  max: number;
  p50: number;
  neverSlept: number;
  neverSleptNs: number;
}

/** Sites with the same call at the same line (different callers further up) as one. */
function groupSites(sites: readonly SiteStats[], t: DiagnosisText): SiteGroup[] {
  const groups = new Map<string, SiteGroup>();
  for (const s of sites) {
    const w = whereOf(t.stacks, s.stackId);
    const k = `${s.pid}\0${s.call}\0${w ? whereKey(w) : `stack ${s.stackId}`}`;
    let g = groups.get(k);
    if (!g) {
      g = { call: s.call, where: w, sites: [], count: 0, total: 0, max: 0, p50: 0, neverSlept: 0, neverSleptNs: 0 };
      groups.set(k, g);
    }
    g.sites.push(s);
    g.count += s.count;
    g.total += s.total;
    g.neverSlept += s.neverSlept;
    g.neverSleptNs += s.neverSleptNs;
    if (s.max >= g.max) {
      g.max = s.max;
      g.p50 = s.p50;
    }
  }
  return [...groups.values()].sort((a, b) => b.max - a.max);
}

/**
 * "all never slept (281.4 ms): CPU time and preemption by other work, no wait": what `neverSlept`
 * of a site's `count` calls were (the eBPF tracer's never_slept), `ns` their time. The report's
 * longest calls and the editor's hover over a call site say it.
 */
export function neverSleptText(neverSlept: number, count: number, ns: number): string {
  const who = neverSlept === count ? (count === 1 ? 'it' : 'all') : formatCount(neverSlept);
  return `${who} never slept (${formatDuration(ns)}): ${NEVER_SLEPT_WHY}`;
}

/** The longest waits and blocking calls, by call site. */
export function callSitesSection(sites: readonly SiteStats[], isWaitOrBlocking: (call: string) => boolean, t: DiagnosisText, limit = 10): string[] {
  const groups = groupSites(sites.filter((s) => isWaitOrBlocking(s.call)), t).slice(0, limit);
  if (!groups.length) return [];
  const lines = ['', `Longest waits and blocking calls, by call site (${groups.length})`];
  groups.forEach((g, i) => {
    const tids = [...new Set(g.sites.flatMap((s) => s.tids.map((tid) => t.thread(s.pid, tid))))];
    const at = where(t, g.where) ?? 'no call site';
    lines.push(`  ${String(i + 1).padStart(2)}. ${formatDuration(g.max).padStart(9)} max  ${g.call}  ${at}`);
    lines.push(`      ${formatCount(g.count)} call${g.count === 1 ? '' : 's'}, ${formatDuration(g.total)} in all, p50 ${formatDuration(g.p50)}  ${tids.slice(0, 3).join(', ')}${tids.length > 3 ? ` and ${tids.length - 3} more` : ''}`);
    if (g.neverSlept) lines.push(`      ${neverSleptText(g.neverSlept, g.count, g.neverSleptNs)}`);
  });
  return lines;
}

/** A row of the counted calls: those of one thread, call, kind of fd and call site (stacks that differ above its line are one). */
interface FilteredRow {
  readonly pid: number;
  readonly tid: number;
  readonly call: string;
  readonly fdType: string;
  readonly nonblocking: boolean;
  readonly where: Where | null;
  count: number;
  totalNs: number;
  maxNs: number;
  errors: number;
  readonly errnos: Record<string, number>;
}

function filteredRows(counts: AnalysisResult['filtered'], stacks: StackSource): FilteredRow[] {
  const rows = new Map<string, FilteredRow>();
  for (const f of counts) {
    if (f.count <= 0) continue;
    const w = whereOf(stacks, f.stackId);
    const k = `${f.pid}\0${f.tid}\0${f.call}\0${f.fdType}\0${f.nonblocking}\0${w ? whereKey(w) : `stack ${f.stackId}`}`;
    let r = rows.get(k);
    if (!r) {
      r = { pid: f.pid, tid: f.tid, call: f.call, fdType: f.fdType, nonblocking: f.nonblocking, where: w, count: 0, totalNs: 0, maxNs: 0, errors: 0, errnos: {} };
      rows.set(k, r);
    }
    r.count += f.count;
    r.totalNs += f.totalNs;
    r.maxNs = Math.max(r.maxNs, f.maxNs);
    r.errors += f.errors;
    for (const [e, n] of Object.entries(f.errnos)) r.errnos[e] = (r.errnos[e] ?? 0) + n;
  }
  return [...rows.values()];
}

/** The calls the tracer counted instead of sending, by thread, call and call site. */
export function filteredSection(a: AnalysisResult, t: DiagnosisText): string[] {
  const rows = filteredRows(a.filtered, t.stacks);
  if (!rows.length) return [];
  const under = a.minDurationNs !== null ? formatDuration(a.minDurationNs) : 'the threshold';
  const lines = ['', `Calls under ${under}, counted by the tracer (not in the event list)`];
  for (const f of rows.sort((x, y) => y.totalNs - x.totalNs).slice(0, 20)) {
    const at = where(t, f.where) ?? 'no call site';
    const errs = Object.entries(f.errnos).map(([e, n]) => `${formatCount(n)} ${e}`).join(', ');
    const kind = f.fdType !== 'unknown' ? ` (${f.nonblocking ? 'non-blocking ' : ''}${f.fdType})` : '';
    lines.push(`  ${f.call}${kind}: ${plural(f.count, 'call')}, ${formatDuration(f.totalNs)} in all, longest ${formatDuration(f.maxNs)}${f.errors ? `, ${formatCount(f.errors)} failed${errs ? ` (${errs})` : ''}` : ''}`);
    lines.push(`      at ${at}  ${t.thread(f.pid, f.tid)}`);
  }
  if (rows.length > 20) lines.push(`  … and ${rows.length - 20} more (iolens report --json has them all)`);
  return lines;
}
