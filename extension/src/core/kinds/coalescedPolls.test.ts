/**
 * A coalesced run of empty polls (SyscallFlag coalesced, the poll_run tail) through the reader: one
 * event with its count, the line that says so, the report's per-call statistics counting its calls,
 * one slice with the count in the Perfetto and Chrome exports, and a run shown unfinished while it
 * lasted replaced by its final record.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LatencyHistogram } from '../analysis/histogram';
import { exportTrace } from '../commands/export';
import { formatEventLine } from '../format/line';
import type { TraceEvent } from '../model/events';
import { ReportBuilder } from '../report/aggregate';
import { stalls } from '../store/analysis';
import { TraceStore } from '../store/traceStore';
import { checkPerfetto } from '../testing/perfettoCheck';
import { PID, StreamBuilder } from '../testing/synthetic';
import { TracePipeline } from '../trace/pipeline';

const US = 1000;
const MS = 1e6;

/** Two runs of 250 and 1,000 calls, then a poll that found something. */
function runs(): StreamBuilder {
  const b = new StreamBuilder();
  b.task({ event: 6, comm: 'spin', flags: 2 });
  b.pollRun({ ts: 1 * MS, dur: 100 * MS, calls: 250, busyNs: 50 * MS, stackId: 1n });
  b.pollRun({ ts: 101 * MS, dur: 100 * MS, calls: 1000, busyNs: 80 * MS, stackId: 1n });
  b.epollWait({ ts: 202 * MS, dur: 10 * US, ret: 1, timeoutMs: 0, ready: [[5n, 1]] });
  return b;
}

function eventsOf(bytes: Uint8Array): TraceEvent[] {
  const events: TraceEvent[] = [];
  const p = new TracePipeline((e) => events.push(e), { symbolizer: null });
  p.push(bytes);
  p.end();
  return events;
}

describe('coalesced runs of empty polls', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-coalesced-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are one event each, with the count and the time inside the calls, and a line that says so', () => {
    const waits = eventsOf(runs().bytes()).filter((e) => e.kind === 'syscall');
    assert.deepEqual(waits.map((e) => [e.args.calls, e.args.busy_ns]), [[250, 50 * MS], [1000, 80 * MS], [undefined, undefined]]);
    const line = formatEventLine(waits[1], { color: false, stack: () => undefined, cwd: '/', threadName: () => 'spin' });
    assert.match(line, /epoll_wait\(.*\) = 0 ×1,000 calls back to back, 80\.0+ ms inside them/);
  });

  it('count as their calls in the report, each its share of the time inside them', () => {
    const r = new ReportBuilder();
    for (const e of eventsOf(runs().bytes())) r.add(e);
    const [stats] = r.calls().get(PID)?.get(PID) ?? [];
    assert.equal(stats?.name, 'epoll_wait');
    assert.equal(stats.count, 1251);
    assert.equal(stats.total, 50 * MS + 80 * MS + 10 * US);
    assert.equal(stats.max, 200 * US, 'the longest call: 250 calls in 50 ms');
  });

  it('are neither among the longest waits nor stalls: a run is many short calls, not one long wait', () => {
    const r = new ReportBuilder();
    const store = new TraceStore(() => 'spin');
    for (const e of eventsOf(runs().bytes())) {
      r.add(e);
      store.add(e);
    }
    assert.deepEqual(r.longestWaits().map((w) => w.dur), [10 * US], 'only the poll that found something');
    assert.deepEqual(stalls(store, 1 * US).map((id) => store.end.get(id) - store.start.get(id)), [10 * US]);
  });

  it('a run shown unfinished while it lasted is counted once, as its final record says', () => {
    const b = new StreamBuilder();
    b.task({ event: 6, comm: 'spin', flags: 2 });
    b.pollRun({ ts: 1 * MS, dur: 50 * MS, calls: 100, busyNs: 10 * MS, unfinished: true });
    b.pollRun({ ts: 1 * MS, dur: 90 * MS, calls: 300, busyNs: 30 * MS });
    const r = new ReportBuilder();
    for (const e of eventsOf(b.bytes())) r.add(e);
    const [stats] = r.calls().get(PID)?.get(PID) ?? [];
    assert.equal(stats?.count, 300);
  });

  it('export as one slice each with the count, to Perfetto and to Chrome JSON', async () => {
    const input = join(dir, 'runs.iolens');
    writeFileSync(input, runs().bytes());
    await exportTrace(input, input + '.pftrace', { format: 'perfetto', symbolPath: [] });
    const t = checkPerfetto(readFileSync(input + '.pftrace'));
    assert.deepEqual(t.problems, []);
    const slices = t.events.filter((e) => e.name === 'epoll_wait');
    assert.deepEqual(slices.map((e) => [e.args.calls, e.end! - e.ts]), [[250, 100 * MS], [1000, 100 * MS], [undefined, 10 * US]]);
    await exportTrace(input, input + '.json', { format: 'chrome', symbolPath: [] });
    const doc = JSON.parse(readFileSync(input + '.json', 'utf8')) as { traceEvents: { name: string; ph: string; dur?: number; args?: Record<string, unknown> }[] };
    const chrome = doc.traceEvents.filter((e) => e.name === 'epoll_wait' && e.ph === 'X');
    assert.deepEqual(chrome.map((e) => [e.args?.calls, e.dur]), [[250, 100000], [1000, 100000], [undefined, 10]]);
  });

  it('add to a histogram as that many equal values, in the exact range and past it', () => {
    for (const n of [10, 5000]) {
      const one = new LatencyHistogram();
      const many = new LatencyHistogram();
      one.add(7);
      many.add(7);
      for (let i = 0; i < n; i++) one.add(1234);
      many.addMany(1234, n);
      assert.deepEqual([many.count, many.total, many.min, many.max], [one.count, one.total, one.min, one.max]);
      assert.deepEqual(many.percentiles([1, 50, 99]), one.percentiles([1, 50, 99]));
    }
  });
});
