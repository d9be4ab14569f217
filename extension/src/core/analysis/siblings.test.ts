/**
 * One finding for one cause in several processes of one program (PostgreSQL's backends, nginx's
 * workers), and nothing merged that is not that.
 */
import * as assert from 'node:assert/strict';
import { mergeSiblingFindings } from './siblings';
import type { RawFinding } from './types';

const MS = 1e6;

function finding(pid: number, tid: number, impactMs: number, o: Partial<RawFinding> = {}): RawFinding {
  return {
    rule: 'loop-blocked', severity: 'medium', title: `fdatasync() blocked the event loop of postgres ${pid}/${tid}`, detail: 'It flushed.',
    suggestion: 'group commit', pid, tid, thread: 'postgres', stackId: 7n, impactNs: impactMs * MS, events: [pid + 1, pid + 2], eventCount: 2, chain: [],
    ...o,
  };
}

const PROGRAMS: Record<number, string> = { 100: '/usr/lib/postgresql/15/bin/postgres', 200: '/usr/lib/postgresql/15/bin/postgres', 300: '/usr/lib/postgresql/15/bin/postgres', 400: '/usr/bin/pgbench' };
const program = (pid: number): string | null => PROGRAMS[pid] ?? null;
const site = (stackId: bigint): string => (stackId === 7n || stackId === 8n ? 'xlog.c:2512' : `site ${stackId}`);

describe('findings of sibling processes', () => {
  it('merges one rule at one line in processes of one program into the worst, with every process and the time in all', () => {
    const out = mergeSiblingFindings([
      finding(200, 200, 40), finding(100, 100, 30, { stackId: 8n, severity: 'high' }), finding(300, 300, 20), finding(400, 400, 10),
    ], site, program);
    assert.equal(out.length, 2, JSON.stringify(out.map((f) => f.title)));
    const [pg, bench] = out;
    assert.equal(pg.pid, 200, 'the worst speaks for the group');
    assert.equal(pg.impactNs, 90 * MS);
    assert.equal(pg.severity, 'high', 'the worst severity of the group');
    assert.equal(pg.eventCount, 6);
    assert.deepEqual(pg.events, [201, 202, 101, 102, 301, 302]);
    assert.equal(pg.title, 'fdatasync() blocked the event loop of postgres 200/200 — and the same in 2 other processes of this program (90.0 ms in all)');
    assert.match(pg.detail, /^It flushed\. The same finding, at this line, in processes 100, 300: 3 findings merged into this one, 90\.0 ms at stake in all\.$/);
    assert.equal(bench.pid, 400, 'another program keeps its own');
  });

  it('leaves apart: two threads of one process, other lines, other rules, findings without a stack or a known program', () => {
    const findings = [
      finding(100, 100, 50), finding(100, 101, 40), finding(200, 200, 30, { stackId: 9n }), finding(300, 300, 20, { rule: 'busy-poll' }),
      finding(200, 200, 15, { stackId: 0n }), finding(500, 500, 5),
    ];
    const out = mergeSiblingFindings(findings, site, program);
    assert.deepEqual(out.map((f) => [f.pid, f.tid, f.rule]), findings.map((f) => [f.pid, f.tid, f.rule]));
    assert.ok(out.every((f, i) => f === findings[i]), 'unchanged');
  });
});
