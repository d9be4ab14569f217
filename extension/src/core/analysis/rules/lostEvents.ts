/**
 * lost-events: the recording lost records (or calls it could not count), so the findings may miss
 * events. Impact: the stretches of the recording the losses fell in (the tracer reports losses at
 * each stats interval).
 */
import type { DropEvent } from '../../model/events';
import { formatDuration } from '../../../../../shared/format';
import { LOST_EVENTS_FIX } from '../catalogue';
import type { AnalysisContext } from '../context';
import type { RawFinding, Severity } from '../types';

/** How often the tracer reports losses (ns): a drop record covers at most this much time before it. */
const REPORT_INTERVAL_NS = 200e6;

/** The lost-events rule. */
export class LostEventsRule {
  private readonly bySource = new Map<string, number>();
  private readonly last = new Map<string, number>();
  private coveredNs = 0;
  private lost = 0;
  private readonly ids: number[] = [];

  /** A drop record. */
  drop(e: DropEvent, id: number): void {
    this.lost += e.count;
    this.bySource.set(e.name, (this.bySource.get(e.name) ?? 0) + e.count);
    const prev = this.last.get(e.name);
    this.coveredNs += Math.min(REPORT_INTERVAL_NS, prev === undefined ? REPORT_INTERVAL_NS : e.ts - prev);
    this.last.set(e.name, e.ts);
    if (this.ids.length < 200) this.ids.push(id);
  }

  /** Findings; `events`: the events the recording kept. */
  findings(ctx: AnalysisContext, events: number): RawFinding[] {
    if (!this.lost) return [];
    const share = this.lost / Math.max(1, this.lost + events);
    const severity: Severity = share >= 0.01 ? 'high' : share >= 0.0001 ? 'medium' : 'low';
    const sources = [...this.bySource].map(([s, n]) => `${n.toLocaleString('en-US')} (${s.replace(/_/g, ' ')})`).join(', ');
    const span = ctx.span.last - ctx.span.first;
    const impact = Math.min(this.coveredNs, Math.max(span, 0) || this.coveredNs);
    return [{
      rule: 'lost-events', severity,
      title: `The recording lost ${this.lost.toLocaleString('en-US')} records (${(share * 100).toFixed(share < 0.001 ? 3 : 1)} %): the diagnosis may be incomplete`,
      detail: `Lost: ${sources}. The losses fell in about ${formatDuration(impact)} of the recording; findings there may miss events.`,
      suggestion: LOST_EVENTS_FIX, pid: 0, tid: 0, thread: '', stackId: 0n, impactNs: impact, events: [...this.ids], eventCount: this.ids.length, chain: [],
    }];
  }
}
