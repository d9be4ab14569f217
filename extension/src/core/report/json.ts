/**
 * `iolens report FILE --json`: the report as one JSON document — the trace, the findings (ranked),
 * the threads' models, the processes' verdicts, the loops' turns, the call statistics per thread
 * and per call site, and the calls counted under the threshold. Field names are stable; the
 * document is described in docs/report-json.md and validated by docs/report.schema.json.
 */
import { whereOf, type StackSource } from '../analysis/resolve';
import type { ChainHop, Where } from '../analysis/types';
import { resolveFindings } from '../analysis/resolve';
import type { Json } from '../format/jsonl';
import type { ReportInput } from './render';
import { summarizeStackEnds } from './stackEnds';

/** Version of the document's layout: bumped only when a field changes meaning or goes away. */
export const REPORT_JSON_VERSION = 1;

function where(w: Where | null): Json {
  return w ? { function: w.function, file: w.file, line: w.line, column: w.column, module: w.module, image_address: w.imageAddr !== null ? `0x${w.imageAddr.toString(16)}` : null } : null;
}

function hop(h: ChainHop, stacks: StackSource): Json {
  return {
    cause: h.cause, pid: h.pid, tid: h.tid, call: h.call, ts_ns: h.ts, dur_ns: h.dur, fd: h.fd, path: h.path,
    where: where(whereOf(stacks, h.stackId)), event: h.event, by: h.by, by_pid: h.byPid, by_tid: h.byTid, by_event: h.byEvent,
  };
}

/** The report as a JSON value. */
export function reportJson(input: ReportInput): { [key: string]: Json } {
  const { trace, builder, analysis: a, resolver } = input;
  const meta = trace.meta ?? {};
  const target = trace.processes.all().find((p) => p.target);
  const exe = new Map(trace.processes.all().map((p) => [p.pid, p]));
  const calls: Json[] = [];
  for (const [pid, byTid] of builder.calls()) {
    for (const [tid, list] of byTid) {
      for (const c of list) {
        calls.push({
          pid, tid, call: c.name, model: c.model, count: c.count, errors: c.errors, total_ns: c.total, p50_ns: c.p50, p99_ns: c.p99, max_ns: c.max,
        });
      }
    }
  }
  return {
    iolens_report: REPORT_JSON_VERSION,
    trace: {
      file: input.title,
      recorded_at: trace.origin?.real ? new Date(trace.origin.real / 1e6).toISOString() : null,
      duration_ns: builder.lastTs,
      backend: typeof meta.backend === 'string' ? meta.backend : null,
      kernel: typeof meta.kernel === 'string' ? meta.kernel : null,
      host: typeof meta.hostname === 'string' ? meta.hostname : null,
      target: target ? { pid: target.pid, command: meta.command ?? (target.exe ? [target.exe] : []), launched: meta.launched === true } : null,
      events: builder.events,
      lost: trace.drops.total,
      lost_by_source: Object.fromEntries(trace.drops.bySource),
      min_duration_ns: typeof meta.min_duration_ns === 'number' ? meta.min_duration_ns : null,
      complete: trace.end !== undefined,
      cannot_see: meta.cannot_see ?? [],
      warnings: [...input.warnings],
    },
    findings: resolveFindings(a.findings, resolver).map((f) => ({
      rule: f.rule, severity: f.severity, title: f.title, detail: f.detail, suggestion: f.suggestion, pid: f.pid, tid: f.tid, thread: f.thread,
      where: where(f.where), impact_ns: Math.round(f.impactNs), events: [...f.events], event_count: f.eventCount,
      chain: f.chain.map((h) => hop(h, resolver)),
    })),
    threads: a.threads.map((t) => ({ pid: t.pid, tid: t.tid, name: t.name, model: t.model, evidence: t.evidence, works_for: t.worksFor })),
    processes: a.processes.map((p) => ({
      pid: p.pid, name: p.name, exe: exe.get(p.pid)?.exe || null, verdict: p.verdict, models: { ...p.models },
      exit_status: exe.get(p.pid)?.exitCode != null ? (exe.get(p.pid)?.exitCode as number) >> 8 : null,
    })),
    loops: a.loops.map((l) => ({
      pid: l.pid, tid: l.tid, turns: l.turns, lag_p50_ns: l.p50, lag_p99_ns: l.p99, lag_max_ns: l.max, blocked_ns: l.blockedNs,
      longest_turn: l.longestEnd >= 0 ? { started_by: l.longestStart, ended_by: l.longestEnd } : null,
    })),
    calls,
    call_sites: a.sites.map((s) => ({
      pid: s.pid, tids: [...s.tids], call: s.call, where: where(whereOf(resolver, s.stackId)), count: s.count, errors: s.errors, total_ns: s.total,
      p50_ns: s.p50, p99_ns: s.p99, max_ns: s.max, longest_event: s.longest, histogram: { bounds_ns: [...s.bins.bounds], counts: [...s.bins.counts] },
      never_slept: s.neverSlept, never_slept_ns: s.neverSleptNs,
    })),
    filtered: a.filtered.map((f) => ({
      pid: f.pid, tid: f.tid, call: f.call, fd_type: f.fdType, nonblocking: f.nonblocking, where: where(whereOf(resolver, f.stackId)),
      count: f.count, total_ns: f.totalNs, max_ns: f.maxNs, errors: f.errors, errnos: { ...f.errnos },
    })),
    stacks: stacksJson(summarizeStackEnds(trace, (id) => resolver.resolve(id), { debuginfod: resolver })),
  };
}

/** How the trace's stacks end: whole, or cut short (by the module they stop in and why). */
function stacksJson(s: ReturnType<typeof summarizeStackEnds>): Json {
  return {
    total: s.total, complete: s.complete, unknown: s.unknown, cut: s.cut.map((c) => ({ module: c.module, end: c.end, count: c.count })),
    no_lines: s.noLines.map((m) => ({ module: m.module, frames: m.frames, debug_package: m.debugPackage, debuginfod: m.debuginfod })),
    from_debuginfod: s.fromDebuginfod.map((m) => ({ module: m.module, source: m.source })),
  };
}
