/**
 * Coalesced polls: a thread that calls epoll_wait(timeout 0) back to back and finds nothing (the
 * fixture epoll_loop) is sent as a few records flagged coalesced, each with its count, and the
 * counts add up to every call it made, both backends; polls that report an event (--ready) are
 * never coalesced. The diagnosis' busy-poll finding counts the calls, not the records.
 */
import * as assert from 'node:assert/strict';
import { Sys, SyscallFlag, decodePollRunData, type SyscallRecord } from '../../protocol/generated/wire';
import { BACKENDS, cleanup, fixture, markLine, readRecords, recordLaunch, requireBackend, run, CLI, type Recording } from './harness';

const CALLS = 20000;

function waits(rec: Recording): SyscallRecord[] {
  return readRecords(rec.traceFile).filter((r): r is SyscallRecord => r.kind === 'syscall' && r.sys === Sys.epoll_wait);
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
      const w = waits(rec);
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
      assert.equal(busy.event_count, CALLS);
      assert.equal(busy.where?.line, markLine('epoll_loop', 'bench-wait'));
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
