/**
 * The text of `iolens report`: the findings first (ranked, each with its line and fix), then the
 * I/O models, then the figures per process and thread, the longest calls by call site and the
 * calls the tracer only counted.
 */
import { isAbsolute, relative } from 'node:path';
import { threadLabel, whereText } from '../analysis/chainText';
import { resolveFindings, whereOf } from '../analysis/resolve';
import type { AnalysisResult } from '../analysis/types';
import type { TraceAssembler } from '../model/assembler';
import { formatCount, formatDuration } from '../../../../shared/format';
import type { StackResolver } from '../symbols/stacks';
import { SYSCALLS } from '../../../../protocol/generated/wire';
import type { CallStats, ReportBuilder } from './aggregate';
import { callSitesSection, filteredSection, findingsSection, modelsSection, noOwnFrame, type DiagnosisText } from './diagnosis';
import type { UioStats } from '../model/uio';
import { containerLine, describeContainer } from '../system/containers';
import { engineLines } from './engines';
import { stackEndLines, summarizeStackEnds } from './stackEnds';

/** What the report is about. */
export interface ReportInput {
  readonly title: string;
  readonly trace: TraceAssembler;
  readonly builder: ReportBuilder;
  readonly analysis: AnalysisResult;
  readonly resolver: StackResolver;
  readonly cwd: string;
  /** Warnings about the input (a cut-short file...). */
  readonly warnings: readonly string[];
}

function table(rows: string[][], indent: string): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => indent + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}

function callRows(calls: CallStats[]): string[][] {
  const rows = [['call', 'count', 'total', 'p50', 'p99', 'max', 'errors']];
  for (const c of calls) {
    rows.push([c.name, formatCount(c.count), formatDuration(c.total), formatDuration(c.p50), formatDuration(c.p99), formatDuration(c.max), c.errors ? formatCount(c.errors) : '']);
  }
  return rows;
}

function dist(label: string, xs: number[]): string {
  if (!xs.length) return `${label}: none seen`;
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  return `${label}: p50 ${formatDuration(q(50))}, p99 ${formatDuration(q(99))}, max ${formatDuration(s[s.length - 1])} (${formatCount(s.length)})`;
}

/** The UIO devices: interrupts, wake-up and re-enable latencies, missed interrupts. */
function uioSection(results: UioStats[]): string[] {
  if (!results.length) return [];
  const lines = ['', 'UIO devices'];
  for (const r of results) {
    const d = r.device;
    lines.push(`  uio${d.index} ${d.name}${d.version ? ` (version ${d.version})` : ''}${d.irq >= 0 ? `, IRQ ${d.irq}` : ', no IRQ'}${d.pci ? `, PCI ${d.pci}` : ''}`);
    const span = r.last - r.first;
    const rate = r.interrupts > 1 && span > 0 ? `, ${formatCount(Math.round(((r.interrupts - 1) * 1e9) / span))}/s` : '';
    lines.push(`    interrupts: ${formatCount(r.interrupts)}${rate}; missed by the driver: ${formatCount(r.missed)}${r.missedAt.length ? ` (the count jumped ${r.missedAt.length} time${r.missedAt.length > 1 ? 's' : ''})` : ''}`);
    lines.push(`    ${dist('handler time', r.handler)}`);
    const how = [...r.wakeKinds].map(([k, n]) => `${k} ${formatCount(n)}`).join(', ');
    lines.push(`    ${dist('IRQ to user-space wake-up', r.wake)}${how ? `; woken by ${how}` : ''}`);
    lines.push(`    ${dist('IRQ to re-enable', r.reenable)}`);
  }
  return lines;
}

function header(input: ReportInput): string[] {
  const { trace, builder } = input;
  const meta = trace.meta ?? {};
  const lines = [`I/O Lens report: ${input.title}`];
  const started = trace.origin?.real ? new Date(trace.origin.real / 1e6).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'unknown time';
  // the recording's own length (to its end record), not the span of its events
  const length = Math.max(trace.end ? trace.rel(trace.end.ts) : 0, builder.lastTs);
  const span = length > 0 ? formatDuration(length) : '0 s';
  lines.push(`  recorded ${started} for ${span}, ${meta.backend === 'ebpf' ? 'eBPF' : meta.backend ?? 'unknown'} backend${meta.kernel ? `, kernel ${meta.kernel}` : ''}${meta.hostname ? ` on ${meta.hostname}` : ''}`);
  const target = trace.processes.all().find((p) => p.target);
  if (target) {
    const cmd = meta.command?.join(' ');
    lines.push(`  target: ${target.pid} ${cmd ?? target.exe ?? target.name}${meta.launched ? ' (launched)' : ' (attached)'}`);
  }
  if (meta.namespace) {
    const ns = meta.namespace;
    const files = ns.other_mnt_ns ? '; its binaries were read through /proc/PID/root while it ran' : '';
    lines.push(`  container: ${containerLine(ns, describeContainer(ns))}${files}`);
  }
  const threshold = typeof meta.min_duration_ns === 'number' ? `, blocking calls shown from ${formatDuration(meta.min_duration_ns)}` : '';
  lines.push(`  events: ${formatCount(builder.events)}   lost: ${formatCount(trace.drops.total)}   stacks: ${formatCount(trace.stacks.size)}${threshold}`);
  if (trace.drops.total) {
    lines.push(`  LOST records: ${[...trace.drops.bySource].map(([s, n]) => `${formatCount(n)} (${s})`).join(', ')}`);
  }
  if (!trace.end) lines.push('  the recording did not end cleanly (no end record): the tracer was killed or the file was cut short');
  for (const w of input.warnings) lines.push(`  warning: ${w}`);
  const missing = meta.missing_tracepoints ?? [];
  if (missing.length) lines.push(`  not visible on this kernel: ${missing.join(', ')}`);
  const blind = meta.cannot_see ?? [];
  if (blind.length) lines.push(`  the ${meta.backend} backend cannot see: ${blind.join('; ')}`);
  return lines;
}

const WAIT_OR_BLOCKING = new Set<string>([...SYSCALLS.values()].filter((x) => x.class === 'wait' || x.class === 'blocking').map((x) => x.name));

/** How the report names files and threads. */
export function diagnosisText(input: Pick<ReportInput, 'trace' | 'resolver' | 'cwd'>): DiagnosisText {
  return {
    stacks: input.resolver,
    relative: (file) => {
      if (!isAbsolute(file)) return file;
      const rel = relative(input.cwd, file);
      return !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
    },
    thread: (pid, tid) => threadLabel(input.trace.processes.threadName(pid, tid), pid, tid),
  };
}

/** The whole report. */
export function renderReport(input: ReportInput): string {
  const { trace, builder, resolver, analysis } = input;
  const t = diagnosisText(input);
  const lines = header(input);
  lines.push(...findingsSection(resolveFindings(analysis.findings, resolver), t));
  lines.push(...modelsSection(analysis, t));
  const calls = builder.calls();
  const models = new Map(analysis.threads.map((x) => [x.tid, x.model]));
  const verdicts = new Map(analysis.processes.map((p) => [p.pid, p.verdict]));
  const engines = builder.engines.results(builder.lastTs);
  for (const p of trace.processes.all()) {
    const byTid = calls.get(p.pid);
    if (!byTid) continue;
    lines.push('');
    const exit = p.exitCode !== null ? `, exited with status ${p.exitCode >> 8}` : '';
    lines.push(`process ${p.pid} ${p.name}${p.exe ? `  ${p.exe}` : ''}${exit}`);
    const verdict = verdicts.get(p.pid);
    if (verdict) lines.push(`  ${verdict}`);
    lines.push(...engineLines(engines.filter((d) => d.pid === p.pid), '  ', (pid, ctx) => trace.aioReusedOf(pid, ctx)));
    for (const [tid, list] of byTid) {
      const model = models.get(tid);
      lines.push(`  thread ${tid} ${trace.processes.threadName(p.pid, tid)}${model ? ` (${model})` : ''}`);
      lines.push(...table(callRows(list), '    '));
    }
  }
  lines.push(...uioSection(builder.uioResults()));
  const irqs = calls.get(0);
  if (irqs) {
    lines.push('', 'hard interrupts');
    for (const [cpu, list] of irqs) {
      lines.push(`  CPU ${cpu}`);
      lines.push(...table(callRows(list), '    '));
    }
  }
  lines.push(...callSitesSection(analysis.sites, (c) => WAIT_OR_BLOCKING.has(c), t));
  lines.push(...stackEndLines(summarizeStackEnds(trace, (id) => resolver.resolve(id), { debuginfod: resolver })));
  const running = builder.longestWaits().filter((w) => w.unfinished);
  if (running.length) {
    lines.push('', 'Still in progress when the recording ended');
    for (const w of running) {
      const where = whereText(whereOf(t.stacks, w.stackId), (f) => t.relative(f)) ?? noOwnFrame(t.stacks, w.stackId, 'no stack');
      const fd = w.fd !== null ? ` fd ${w.fd}` : '';
      lines.push(`  ${formatDuration(w.dur).padStart(10)}+ ${w.name}${fd}  ${t.thread(w.pid, w.tid)}  since ${(w.ts / 1e9).toFixed(3)} s  ${where}`);
    }
  }
  lines.push(...filteredSection(analysis, t));
  return lines.join('\n') + '\n';
}
