/**
 * How bad a finding is, from the time at stake: absolute, and as a share of the recording (a 5 ms
 * stall in a 10 ms recording matters more than in an hour's). One scale for every rule; a rule may
 * cap it (a design choice such as queue depth 1 is never "high" by itself).
 */
import type { Severity } from './types';

const MS = 1e6;

/** The severity of `impactNs` in a recording of `spanNs`; `cap` is the worst a rule allows. */
export function severityOf(impactNs: number, spanNs: number, cap: Severity = 'high'): Severity {
  const share = spanNs > 0 ? impactNs / spanNs : 0;
  let s: Severity;
  if (impactNs >= 100 * MS || (share >= 0.1 && impactNs >= 10 * MS)) s = 'high';
  else if (impactNs >= 10 * MS || (share >= 0.01 && impactNs >= 1 * MS)) s = 'medium';
  else if (impactNs >= 0.1 * MS || share >= 0.001) s = 'low';
  else s = 'info';
  return worst(s, cap) === s ? cap : s;
}

const RANK: Record<Severity, number> = { high: 3, medium: 2, low: 1, info: 0 };

/** The worse of two severities. */
export function worst(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

/** At least as bad as `floor`. */
export function atLeast(s: Severity, floor: Severity): boolean {
  return RANK[s] >= RANK[floor];
}
