/**
 * One finding for one cause in several processes of one program: a server with a process per
 * client or per worker (PostgreSQL's backends, nginx's or Apache's workers) repeats the same
 * finding at the same line in each process. They are merged into the worst one, which says in how
 * many processes it was found and the time at stake in all of them.
 */
import { formatDuration } from '../../../../shared/format';
import { plural } from './context';
import { worst } from './severity';
import { EVENT_IDS_KEPT, type RawFinding } from './types';

/**
 * Merge the findings of one rule at one line (`siteKey` of their stacks) in processes of the same
 * program (`programOf` a pid: its executable or name; null keeps the finding apart). `findings`
 * are ranked (worst first), and so is the result.
 */
export function mergeSiblingFindings(
  findings: readonly RawFinding[], siteKey: (stackId: bigint) => string, programOf: (pid: number) => string | null,
): RawFinding[] {
  const groups = new Map<string, RawFinding[]>();
  const order: (RawFinding | string)[] = [];
  for (const f of findings) {
    const program = f.stackId ? programOf(f.pid) : null;
    if (program === null) {
      order.push(f);
      continue;
    }
    const key = `${f.rule}\0${siteKey(f.stackId)}\0${program}`;
    const group = groups.get(key);
    if (group) group.push(f);
    else {
      groups.set(key, [f]);
      order.push(key);
    }
  }
  const out = order.flatMap((x) => (typeof x === 'string' ? merged(groups.get(x) as RawFinding[]) : [x]));
  return out.sort((a, b) => b.impactNs - a.impactNs || a.rule.localeCompare(b.rule));
}

/**
 * The group's worst finding, speaking for all: its own numbers, then the other processes'. A group
 * within one process (two threads at one line) is left as it is: those are that process's own.
 */
function merged(group: readonly RawFinding[]): RawFinding[] {
  const [first] = group;
  const others = group.filter((f) => f.pid !== first.pid);
  if (!others.length) return [...group];
  const impactNs = group.reduce((n, f) => n + f.impactNs, 0);
  const events: number[] = [];
  for (const f of group) for (const id of f.events) if (events.length < EVENT_IDS_KEPT) events.push(id);
  const otherPids = [...new Set(others.map((f) => f.pid))];
  const listed = otherPids.slice(0, 8).join(', ') + (otherPids.length > 8 ? ', …' : '');
  return [{
    ...first,
    severity: group.reduce((s, f) => worst(s, f.severity), first.severity),
    title: `${first.title} — and the same in ${plural(otherPids.length, 'other process', 'other processes')} of this program (${formatDuration(impactNs)} in all)`,
    detail: `${first.detail} The same finding, at this line, in processes ${listed}: ${plural(group.length, 'finding')} merged into this one, ${formatDuration(impactNs)} at stake in all.`,
    impactNs,
    events,
    eventCount: group.reduce((n, f) => n + f.eventCount, 0),
  }];
}
