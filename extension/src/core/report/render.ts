/**
 * The text of `iolens report`.
 */
import type { TraceAssembler } from '../model/assembler';
import { formatLocation, sourceFrame } from '../format/source';
import { formatCount, formatDuration } from '../../../../shared/format';
import type { StackResolver } from '../symbols/stacks';
import type { CallStats, ModelEvidence, ReportBuilder } from './aggregate';
import type { UioStats } from '../model/uio';

/** What the report is about. */
export interface ReportInput {
  readonly title: string;
  readonly trace: TraceAssembler;
  readonly builder: ReportBuilder;
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

/** One line per I/O model found, with its evidence. */
export function describeModels(e: ModelEvidence | undefined): string[] {
  if (!e) return ['no asynchronous I/O seen'];
  const out: string[] = [];
  const n = (count: number, what: string): string => `${formatCount(count)} ${what}${count === 1 ? '' : 's'}`;
  if (e.multiplexing) out.push(`multiplexing (select/poll/epoll): ${n(e.multiplexing, 'wait')}`);
  if (e.aio) out.push(`Linux native AIO: ${n(e.aio, 'request')}`);
  if (e.uring) out.push(`io_uring: ${n(e.uring, 'request')}`);
  if (e.signal) out.push(`signal-driven I/O: ${n(e.signal, 'signal delivery or signal wait')}`);
  if (e.poolThreads.size) {
    const n = e.poolThreads.size;
    out.push(`helper threads (thread pool or producers): ${n} thread${n > 1 ? 's wake' : ' wakes'} an event loop out of its wait`);
  }
  if (e.blocking) out.push(`blocking calls over the threshold: ${formatCount(e.blocking)}`);
  return out.length ? out : ['no asynchronous I/O seen'];
}

function header(input: ReportInput): string[] {
  const { trace, builder } = input;
  const meta = trace.meta ?? {};
  const lines = [`I/O Lens report: ${input.title}`];
  const started = trace.origin?.real ? new Date(trace.origin.real / 1e6).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'unknown time';
  const span = builder.lastTs > 0 ? formatDuration(builder.lastTs) : '0 s';
  lines.push(`  recorded ${started} for ${span}, ${meta.backend === 'ebpf' ? 'eBPF' : meta.backend ?? 'unknown'} backend${meta.kernel ? `, kernel ${meta.kernel}` : ''}${meta.hostname ? ` on ${meta.hostname}` : ''}`);
  const target = trace.processes.all().find((p) => p.target);
  if (target) {
    const cmd = meta.command?.join(' ');
    lines.push(`  target: ${target.pid} ${cmd ?? target.exe ?? target.name}${meta.launched ? ' (launched)' : ' (attached)'}`);
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

/** The whole report. */
export function renderReport(input: ReportInput): string {
  const { trace, builder, resolver } = input;
  const lines = header(input);
  const calls = builder.calls();
  for (const p of trace.processes.all()) {
    const byTid = calls.get(p.pid);
    if (!byTid) continue;
    lines.push('');
    const exit = p.exitCode !== null ? `, exited with status ${p.exitCode >> 8}` : '';
    lines.push(`process ${p.pid} ${p.name}${p.exe ? `  ${p.exe}` : ''}${exit}`);
    lines.push(...describeModels(builder.evidence.get(p.pid)).map((m) => `  model: ${m}`));
    for (const [tid, list] of byTid) {
      lines.push(`  thread ${tid} ${trace.processes.threadName(p.pid, tid)}`);
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
  const longest = builder.longestWaits();
  if (longest.length) {
    lines.push('', `${longest.length} longest waits and blocking calls`);
    longest.forEach((w, i) => {
      const frame = sourceFrame(resolver.resolve(w.stackId));
      const where = frame ? `${formatLocation(frame, input.cwd)}${frame.function ? ` (${frame.function})` : ''}` : w.stackId ? 'stack not resolved' : 'no stack';
      const fd = w.fd !== null ? ` fd ${w.fd}` : '';
      lines.push(
        `  ${String(i + 1).padStart(2)}. ${formatDuration(w.dur).padStart(10)}${w.unfinished ? '+' : ' '} ${w.name}${fd}  ${trace.processes.threadName(w.pid, w.tid)} ${w.pid}/${w.tid}  at ${(w.ts / 1e9).toFixed(3)} s  ${where}`,
      );
    });
    if (longest.some((w) => w.unfinished)) lines.push('      (+ still in progress when the recording ended)');
  }
  return lines.join('\n') + '\n';
}
