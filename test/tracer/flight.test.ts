/**
 * The flight recorder on real recordings (`iolens record --keep`, `--until`): the trace file holds
 * only its window — every time-bound record inside it — yet still names the threads and resolves
 * the stall's stack to its line; `--until 'stall>15ms'` stops at the first stall and keeps what
 * came before it and what followed.
 */
import * as assert from 'node:assert/strict';
import { isSleep } from '../../extension/src/core/analysis/classify';
import { CONTEXT_RECORD_KINDS } from '../../extension/src/core/trace/flight';
import { assertOverviewIsTheStores } from '../../extension/src/core/testing/overviewCheck';
import { Rng } from '../fuzz/rng';
import { UNTIL_AFTER_NS } from '../../extension/src/core/trace/until';
import { RecordKind, SYSCALLS, type SyscallRecord, type WireRecord } from '../../protocol/generated/wire';
import { BACKENDS, cleanup, fixture, markLine, readRecords, recordLaunch, requireBackend, sourcePath, type Recording } from './harness';

const MS = 1e6;

/** The records bound to their time (not the context a flight recording keeps whatever its age), with their ts. */
function timed(records: WireRecord[]): (WireRecord & { ts: number })[] {
  return records.filter((r): r is WireRecord & { ts: number } => !CONTEXT_RECORD_KINDS.has(RecordKind[r.kind]) && 'ts' in r && typeof r.ts === 'number' && r.ts > 0);
}

/** A blocking call or a wait, not a sleep: what --until 'stall>…' watches. */
function isStall(sys: number): boolean {
  const s = SYSCALLS.get(sys);
  return (s?.class === 'blocking' || s?.class === 'wait') && !isSleep(s.name);
}

function reads(records: WireRecord[]): SyscallRecord[] {
  return records.filter((r): r is SyscallRecord => r.kind === 'syscall' && SYSCALLS.get(r.sys)?.name === 'read');
}

/** The stall read's stack has the fixture's marked line (the symbol section came through). */
function assertStallLine(rec: Recording): void {
  const stall = rec.events.find((e) => e.name === 'read' && (e.dur ?? 0) >= 15 * MS);
  assert.ok(stall, `no stall read among ${rec.events.length} events`);
  const frame = stall.stack.find((f) => f.file === sourcePath('epoll_stall'));
  assert.equal(frame?.line, markLine('epoll_stall', 'stall-read'), JSON.stringify(stall.stack));
}

describe('flight recorder (iolens record --keep / --until)', function () {
  this.timeout(90000);
  let rec: Recording | undefined;
  afterEach(() => cleanup(rec));

  for (const backend of BACKENDS) {
    it(`--keep 300ms keeps the last 300 ms of the recording, names and lines included (${backend})`, async function () {
      requireBackend(this, backend);
      rec = await recordLaunch([fixture('epoll_stall'), '--iterations', '300'], ['--keep', '300ms'], 60000, backend);
      assert.equal(rec.code, 0, rec.stderr);
      assert.match(rec.stderr, /flight recorder: kept from .* to the end of the recording; [\d,]+ events outside the window left out/);
      const records = readRecords(rec.traceFile);
      const newest = Math.max(...records.map((r) => ('ts' in r && typeof r.ts === 'number' ? r.ts : 0)));
      const t = timed(records);
      const early = t.filter((r) => r.ts < newest - 300 * MS);
      assert.deepEqual(early.map((r) => `${r.kind} at ${(newest - r.ts) / MS} ms before the end`), []);
      // 300 ticks of 5 ms and 60 stalls of 20 ms: about 2.7 s of reads, of which the last 300 ms are kept
      const n = reads(records).length;
      assert.ok(n > 0 && n < 300, `${n} reads kept of the recording's 360`);
      const names = records.filter((r) => r.kind === 'task').map((r) => (r as { comm: string }).comm);
      assert.ok(names.includes('ticker') && names.includes('stall-writer'), `thread names kept: ${names.join()}`);
      assertStallLine(rec);
      // the file's overview is of its window: what the editor's store holds once it has read the file
      const stored = await assertOverviewIsTheStores(rec.traceFile, new Rng(1));
      assert.ok(stored > 0 && stored <= rec.events.length, `${stored} events in the overview, ${rec.events.length} dumped`);
    });

    it(`--until 'stall>15ms' stops at the first stall and saves --keep before it and what followed (${backend})`, async function () {
      requireBackend(this, backend);
      rec = await recordLaunch([fixture('epoll_stall'), '--iterations', '600'], ['--keep', '50ms', '--until', 'stall>15ms'], 60000, backend);
      assert.equal(rec.code, 0, rec.stderr);
      // the fixture's stall reads, or on a loaded machine any blocking call or wait that took longer
      const said = /--until: (\w+) of thread \d+ lasted [\d.]+ ms; stopping in 1 s/.exec(rec.stderr);
      assert.ok(said, rec.stderr);
      const records = readRecords(rec.traceFile);
      const stalls = records
        .filter((r): r is SyscallRecord => r.kind === 'syscall' && r.dur > 15 * MS && isStall(r.sys))
        .sort((a, b) => a.ts + a.dur - (b.ts + b.dur));
      assert.ok(stalls.length > 0, 'the stall that stopped the recording is in the file');
      const first = stalls[0];
      assert.equal(SYSCALLS.get(first.sys)?.name, said[1], 'the first stall in the file is the one that stopped the recording');
      const outside = timed(records).filter((r) => r.ts < first.ts - 50 * MS || r.ts > first.ts + first.dur + UNTIL_AFTER_NS);
      assert.deepEqual(outside.map((r) => `${r.kind} at ${(r.ts - first.ts) / MS} ms from the stall`), []);
      // 600 ticks and 120 stalls take over 5 s: the recording stopped about 1 s after the first stall
      const n = reads(records).length;
      assert.ok(n > 1 && n < 600, `${n} reads of the program's 721`);
      assertStallLine(rec);
    });
  }
});
