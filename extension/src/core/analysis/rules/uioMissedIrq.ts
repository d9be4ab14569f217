/**
 * uio-missed-irq: a UIO driver's read() returned an interrupt count that jumped by more than one —
 * interrupts came while it was not waiting, and their work was not done one by one. At the read
 * that saw the jump. Impact: the time the driver spent away from read() before each jump (when the
 * interrupts piled up).
 */
import type { UioStats } from '../../model/uio';
import { formatDuration } from '../../../../../shared/format';
import { UIO_MISSED_FIX } from '../catalogue';
import { plural, threadLabel, TopEvents, type AnalysisContext } from '../context';
import { severityOf, worst } from '../severity';
import type { RawFinding } from '../types';

/** Findings of the uio-missed-irq rule from the UIO devices' figures. */
export function uioMissedIrqFindings(ctx: AnalysisContext, devices: readonly UioStats[]): RawFinding[] {
  const out: RawFinding[] = [];
  for (const s of devices) {
    if (!s.missed || !s.missedAt.length) continue;
    const top = new TopEvents();
    let away = 0;
    const bySite = new Map<bigint, number>();
    for (const m of s.missedAt) {
      const ns = m.since !== null ? Math.max(0, m.ts - m.since) : 0;
      away += ns;
      top.add(m.ref, m.jump);
      bySite.set(m.stackId, (bySite.get(m.stackId) ?? 0) + 1);
    }
    const first = s.missedAt[0];
    const stackId = [...bySite].sort((a, b) => b[1] - a[1])[0][0];
    const t = ctx.threads.get(first.pid, first.tid);
    const d = s.device;
    const biggest = Math.max(...s.missedAt.map((m) => m.jump));
    out.push({
      rule: 'uio-missed-irq', severity: worst(severityOf(away, ctx.span.last - ctx.span.first), 'medium'),
      title: `uio${d.index} (${d.name}): ${plural(s.missed, 'interrupt')} missed by ${threadLabel(ctx, t)} — the count jumped ${plural(s.missedAt.length, 'time')}`,
      detail: `Of ${plural(s.interrupts, 'interrupt')} traced on IRQ ${d.irq}, the driver's read() saw its count jump by up to ${biggest} (a jump of n is n-1 interrupts handled as one). Before those reads it had been away from read() ${formatDuration(away)} in all.`,
      suggestion: UIO_MISSED_FIX, pid: first.pid, tid: first.tid, thread: ctx.threadName(first.pid, first.tid), stackId, impactNs: away,
      events: top.list(), eventCount: s.missedAt.length, chain: [],
    });
  }
  return out;
}
