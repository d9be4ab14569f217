/**
 * Coalesced polls: a thread that calls epoll_wait(timeout 0) back to back and finds nothing (the
 * fixture epoll_loop) is sent as a few records flagged coalesced, each with its count, and the
 * counts add up to every call it made, both backends; polls that report an event (--ready) are
 * never coalesced. The diagnosis' busy-poll finding counts the calls, not the records.
 */
import * as assert from 'node:assert/strict';
import { MAX_GAP_NS, MIN_RUN } from '../../extension/src/core/analysis/rules/busyPoll';
import { Sys, SyscallFlag, decodePollRunData, type SyscallRecord } from '../../protocol/generated/wire';
import { BACKENDS, cleanup, fixture, markLine, readRecords, recordLaunch, requireBackend, run, CLI, type Recording } from './harness';

const CALLS = 20000;

function waits(rec: Recording): SyscallRecord[] {
  return readRecords(rec.traceFile).filter((r): r is SyscallRecord => r.kind === 'syscall' && r.sys === Sys.epoll_wait);
}

/** The calls of the runs busy-poll counts, from the records: each run at least MIN_RUN calls, broken by gaps over MAX_GAP_NS. */
function spunCalls(w: SyscallRecord[]): number {
  let total = 0;
  let run = 0;
  let end = -Infinity;
  for (const r of w) {
    const calls = (r.flags & SyscallFlag.coalesced) !== 0 ? Number(decodePollRunData(r.data).count) : 1;
    if (r.ts - end > MAX_GAP_NS) {
      if (run >= MIN_RUN) total += run;
      run = 0;
    }
    run += calls;
    end = r.ts + r.dur;
  }
  return total + (run >= MIN_RUN ? run : 0);
}

describe('coalesced empty polls', function () {
  this.timeout(120000);
  let rec: Recording | undefined;
  afterEach(() => cleanup(rec));

  for (const backend of BACKENDS) {
    it(`a busy-polling loop of ${CALLS} empty epoll_waits comes as a few records whose counts add up to ${CALLS} (${backend})`, async function () {
      requireBackend(this, backend);
      rec = await recordLaunch([fixture('epoll_loop'), '--iterations', String(CALLS)], [], 90000, backend);
      assert.equal(rec.code, 0, rec.stderr);
      assert.match(rec.stdout, new RegExp(`done ${CALLS} calls`));
      // a run shown unfinished while its thread was kept off the CPU is replaced by its own record
      const w = waits(rec).filter((r) => (r.flags & SyscallFlag.unfinished) === 0);
      const runs = w.filter((r) => (r.flags & SyscallFlag.coalesced) !== 0);
      const counts = runs.map((r) => Number(decodePollRunData(r.data).count));
      const single = w.length - runs.length;
      assert.equal(counts.reduce((a, b) => a + b, 0) + single, CALLS, `${runs.length} coalesced records (${counts.join(', ')}) and ${single} others`);
      assert.ok(runs.length > 0 && w.length < CALLS / 10, `${w.length} records for ${CALLS} calls`);
      for (const r of runs) {
        assert.equal(r.ret, 0);
        const run = decodePollRunData(r.data);
        assert.ok(Number(run.busyNs) <= r.dur, 'the time inside the calls fits in the run\'s span');
      }
      // the report's diagnosis counts the calls
      const report = await run(process.execPath, [CLI, 'report', '--json', rec.traceFile]);
      assert.equal(report.code, 0, report.stderr);
      const busy = (JSON.parse(report.stdout) as { findings: { rule: string; event_count: number; where?: { line?: number } | null }[] }).findings.find((f) => f.rule === 'busy-poll');
      assert.ok(busy, report.stdout.slice(0, 2000));
      // the rule's runs: broken by a gap over MAX_GAP_NS (a loaded machine takes the CPU from the
      // loop now and then, ptrace's stops most), counted from MIN_RUN calls on
      assert.equal(busy.event_count, spunCalls(w), `busy-poll's count, of ${CALLS} calls`);
      assert.equal(busy.where?.line, markLine('epoll_loop', 'bench-wait'));
    });

    it(`the run is sent as the thread's next call starts, not held back until that call returns (${backend})`, async function () {
      requireBackend(this, backend);
      // 5,000 empty polls, then one epoll_wait that waits 3 s: shown while in flight (unfinished) after 250 ms
      rec = await recordLaunch([fixture('epoll_loop'), '--iterations', '5000', '--then-wait-ms', '3000'], [], 90000, backend);
      assert.equal(rec.code, 0, rec.stderr);
      const w = waits(rec);
      const flags = (r: SyscallRecord): string => `${(r.flags & SyscallFlag.coalesced) ? 'run' : 'call'}${(r.flags & SyscallFlag.unfinished) ? ' (unfinished)' : ''}`;
      const seen = w.map(flags).join(', ').slice(0, 600);
      const inFlight = w.findIndex((r) => (r.flags & SyscallFlag.unfinished) !== 0 && (r.flags & SyscallFlag.coalesced) === 0);
      assert.ok(inFlight >= 0, `the 3 s wait was shown while in flight: ${seen}`);
      const lastRun = w.map((r) => (r.flags & SyscallFlag.coalesced) !== 0).lastIndexOf(true);
      assert.ok(lastRun >= 0 && lastRun < inFlight, `every run before the wait that followed it was shown in flight: ${seen}`);
      const calls = w.slice(0, inFlight).reduce((n, r) => n + ((r.flags & SyscallFlag.coalesced) ? Number(decodePollRunData(r.data).count) : 1), 0);
      assert.equal(calls, 5000, `the polls before the wait: ${seen}`);
    });

    it(`polls that report an event are each their own record (${backend})`, async function () {
      requireBackend(this, backend);
      rec = await recordLaunch([fixture('epoll_loop'), '--ready', '--iterations', '2000'], [], 90000, backend);
      assert.equal(rec.code, 0, rec.stderr);
      const w = waits(rec);
      assert.equal(w.length, 2000);
      assert.ok(w.every((r) => (r.flags & SyscallFlag.coalesced) === 0 && r.ret === 1));
    });
  }
});
