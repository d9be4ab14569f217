/**
 * Request engines traced for real: io_uring requests with the stack of the call that submitted
 * them, what each request's duration measures and when the application reaped it, AIO requests
 * submitted before the attach, and the in-flight depth per AIO context and io_uring ring — on our
 * fixtures (uring_read, queue_depth) and on Debian's fio.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BACKENDS, CLI, cleanup, fixture, frameIn, markLine, recordAttach, recordLaunch, requireBackend, requireInstalled, run, type JsonEvent,
  type Recording,
} from './harness';

const TAG_BASE = 0xd00000;
const BEFORE = 'submitted before the recording';

function requests(r: Recording, kind: 'aio' | 'uring'): JsonEvent[] {
  return r.events.filter((e) => e.kind === kind);
}

/** `iolens report` of a recording. */
async function report(r: Recording): Promise<string> {
  const out = await run(process.execPath, [CLI, 'report', r.traceFile]);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout;
}

/** The depth line of the report for `until` ("io_getevents reaped them", "the application reaped them", "the kernel posted the CQE"). */
function depthLine(text: string, until: string): { p50: number; p99: number; max: number } {
  const m = new RegExp(`in flight until ${until}: p50 (\\d+), p99 (\\d+), max (\\d+)`).exec(text);
  assert.ok(m, `no "${until}" depth line in:\n${text}`);
  return { p50: Number(m[1]), p99: Number(m[2]), max: Number(m[3]) };
}

describe('io_uring requests (ebpf)', function () {
  this.timeout(60000);
  let rec: Recording | undefined;
  before(function () {
    requireBackend(this, 'ebpf');
  });
  afterEach(() => cleanup(rec));

  it('carry the stack of the io_uring_enter that submitted them, end at the CQE, and say when the application reaped them', async () => {
    rec = await recordLaunch([fixture('uring_read'), '--iterations', '20']);
    const reqs = requests(rec, 'uring');
    assert.equal(reqs.length, 80);
    const submitLine = markLine('uring_read', 'uring-submit');
    for (const r of reqs) {
      assert.equal(frameIn(r, 'uring_read')?.line, submitLine, `request ${r.data}: ${JSON.stringify(r.stack.map((f) => `${f.function}:${f.line}`))}`);
      assert.equal(r.args.stack_from, 'the io_uring_enter that submitted it');
      assert.equal((r as JsonEvent & { ends: string }).ends, 'posted');
    }
    // each batch is waited for (io_uring_wait_cqes): reaped when that wait returned, confirmed by the
    // CQ head at the next submission; the last batch has no next submission
    const reaped = reqs.filter((r) => (r as JsonEvent & { reap_ts: number | null }).reap_ts !== null) as (JsonEvent & { reap_ts: number })[];
    assert.ok(reaped.length >= 76, `${reaped.length} of 80 reaps seen`);
    const waits = rec.events.filter((e) => e.kind === 'syscall' && e.name === 'io_uring_enter' && (e.args.min_complete as number) > 0);
    const waitEnds = new Set(waits.map((w) => w.ts + (w.dur ?? 0)));
    for (const r of reaped) {
      assert.ok(r.reap_ts >= (r.complete_ts as number), 'reaped after it was posted');
      if (waitEnds.size) assert.ok(waitEnds.has(r.reap_ts) || r.reap_ts > (r.complete_ts as number), 'at a wait\'s return, or later');
    }
    assert.ok(reaped.some((r) => waitEnds.has(r.reap_ts)), 'some reaped exactly when the wait that got them returned');
  });

  it('with SQPOLL, carry the stack of the ring\'s last io_uring_enter and say so', async () => {
    rec = await recordLaunch([fixture('uring_read'), '--iterations', '20', '--sqpoll']);
    const reqs = requests(rec, 'uring');
    assert.equal(reqs.length, 80);
    const lines = new Set([markLine('uring_read', 'uring-wait'), markLine('uring_read', 'uring-submit')]);
    // the SQ thread is awake right after the ring's creation: it may take the first batch up before
    // the program's first io_uring_enter, and then only the io_uring_setup is there to point at
    const early = reqs.filter((r) => /io_uring_setup that created the ring.*before any io_uring_enter/.test(String(r.args.stack_from)));
    assert.ok(early.length <= 4, `${early.length} requests before any io_uring_enter`);
    for (const r of early) assert.equal(frameIn(r, 'uring_read')?.line, markLine('uring_read', 'uring-setup'), `request ${r.data}`);
    for (const r of reqs.filter((q) => !early.includes(q))) {
      assert.match(String(r.args.stack_from), /last io_uring_enter.*SQPOLL/);
      assert.ok(lines.has(frameIn(r, 'uring_read')?.line ?? -1), `request ${r.data} at ${frameIn(r, 'uring_read')?.line}`);
    }
    assert.ok(reqs.filter((r) => frameIn(r, 'uring_read')?.line === markLine('uring_read', 'uring-wait')).length >= 60, 'mostly the wait before them');
  });
});

for (const backend of BACKENDS) describe(`AIO requests (${backend})`, function () {
  this.timeout(60000);
  let rec: Recording | undefined;
  before(function () {
    requireBackend(this, backend);
  });
  afterEach(() => cleanup(rec));

  it('end when io_getevents reaps them, and say so', async () => {
    rec = await recordLaunch([fixture('queue_depth'), '--depth', '4', '--iterations', '40'], [], 30000, backend);
    const reqs = requests(rec, 'aio') as (JsonEvent & { ends: string; reap_ts: number | null; submitted_before_recording: boolean })[];
    assert.equal(reqs.length, 40);
    for (const r of reqs) {
      assert.equal(r.ends, 'reaped');
      assert.equal(r.reap_ts, r.complete_ts);
      assert.equal(r.submitted_before_recording, false);
      assert.equal(frameIn(r, 'queue_depth')?.line, markLine('queue_depth', 'qd-aio-submit'));
    }
  });

  it('submitted before the attach are labelled so, with what their completion tells', async () => {
    rec = await recordAttach('queue_depth', ['--early', '--depth', '4', '--iterations', '40'], [], 30000, backend);
    assert.match(rec.stdout, /done requests=40 depth=4 engine=aio direct=\d early=1/);
    const reqs = requests(rec, 'aio') as (JsonEvent & { submitted_before_recording: boolean })[];
    assert.equal(reqs.length, 40);
    const early = reqs.filter((r) => r.submitted_before_recording);
    assert.deepEqual(early.map((r) => Number(r.data)).sort((a, b) => a - b), [0, 1, 2, 3].map((n) => TAG_BASE + n));
    for (const r of early) {
      assert.equal(r.name, BEFORE);
      assert.equal(r.submit_ts, null);
      assert.equal(r.res, 4096, 'the completion tells the bytes');
      assert.match(String(r.args.obj), /^0x[0-9a-f]+$/, 'and the iocb');
      assert.match(String(r.args.ctx), /^0x[0-9a-f]+$/);
      assert.ok(typeof r.complete_ts === 'number');
    }
    assert.ok(reqs.filter((r) => !r.submitted_before_recording).every((r) => r.name === 'pread' && r.submit_ts !== null));
    const text = await report(rec);
    assert.match(text, /AIO context 0x[0-9a-f]+: 40 requests \(4 submitted before the recording\)/);
    assert.equal(depthLine(text, 'io_getevents reaped them').max, 4);
  });

  it('taken from the AIO ring in user space (queue_depth --ring-reap, as QEMU does) end where the tracer saw them taken, flagged so', async () => {
    rec = await recordLaunch([fixture('queue_depth'), '--ring-reap', '--depth', '4', '--iterations', '40'], [], 30000, backend);
    assert.match(rec.stdout, /done requests=40 depth=4 engine=aio-ring/);
    const reqs = requests(rec, 'aio') as (JsonEvent & { from_ring?: boolean; submitted_before_recording: boolean })[];
    assert.equal(reqs.length, 40, 'each request once');
    for (const r of reqs) {
      assert.equal(r.from_ring, true, `request ${r.data}`);
      assert.equal(r.submitted_before_recording, false);
      assert.equal(r.res, 4096);
      assert.ok(typeof r.complete_ts === 'number' && r.complete_ts >= (r.submit_ts ?? Infinity), `request ${r.data} ends after its submission`);
      assert.equal(frameIn(r, 'queue_depth')?.line, markLine('queue_depth', 'qd-aio-submit'));
    }
    assert.deepEqual(reqs.map((r) => Number(r.data)).sort((a, b) => a - b), Array.from({ length: 40 }, (_, n) => TAG_BASE + n));
    assert.deepEqual(rec.events.filter((e) => e.kind === 'drop').map((e) => e.name), [], 'nothing lost');
    const text = await report(rec);
    assert.match(text, /completions announced on an eventfd it\s+waits\s+for\s+in\s+ppoll\s+and\s+read\s+from\s+the\s+AIO\s+ring\s+in\s+user\s+space/);
  });

  for (const depth of [1, 16]) {
    it(`read a queue of ${depth} reaped from the AIO ring in user space as ${depth} (queue_depth --ring-reap)`, async () => {
      rec = await recordLaunch([fixture('queue_depth'), '--ring-reap', '--depth', String(depth), '--iterations', '2000'], [], 30000, backend);
      const d = depthLine(await report(rec), 'seen done in the AIO ring at its next syscall \\(read from the AIO ring in user space\\)');
      assert.equal(d.max, depth);
      assert.equal(d.p99, depth, 'the queue is full again after each reap');
      // Each reap sees the whole queue done at once (a fast disk answers the 16 together) and the
      // queue stays empty until the next submission: how long that gap is against the disk's time
      // is the machine's (a CI run's other work, a tmpfs that reads at once), with either backend;
      // at depth 1 the request's own time is most of it.
      if (depth === 1) assert.equal(d.p50, depth, 'the request is in flight most of the time');
    });
  }

  for (const depth of [4, 16]) {
    it(`read a queue of ${depth} as ${depth} in the report (queue_depth, AIO)`, async () => {
      rec = await recordLaunch([fixture('queue_depth'), '--depth', String(depth), '--iterations', '2000'], [], 30000, backend);
      const d = depthLine(await report(rec), 'io_getevents reaped them');
      assert.equal(d.max, depth);
      assert.equal(d.p99, depth);
      // Under ptrace each reap→resubmit gap holds the tracer's stops at io_getevents' exit and
      // io_submit's entry, when the stopped program really has nothing in flight; on a loaded machine
      // those stops last as long as the device's reads (36 % of the time here at load 3), so the
      // median depth is the machine's, not the program's. eBPF adds no such gap.
      if (backend === 'ebpf') assert.equal(d.p50, depth, 'the queue is full most of the time');
    });
  }
});

describe('io_uring depth (ebpf)', function () {
  this.timeout(60000);
  let rec: Recording | undefined;
  before(function () {
    requireBackend(this, 'ebpf');
  });
  afterEach(() => cleanup(rec));

  for (const depth of [4, 16]) {
    it(`reads a queue of ${depth} as ${depth}: until the application reaped them, and until the CQE`, async () => {
      rec = await recordLaunch([fixture('queue_depth'), '--uring', '--depth', String(depth), '--iterations', '2000']);
      const text = await report(rec);
      const app = depthLine(text, 'the application reaped them');
      assert.deepEqual([app.p50, app.p99, app.max], [depth, depth, depth]);
      assert.equal(depthLine(text, 'the kernel posted the CQE').max, depth);
      // the last batch the application takes is followed by no io_uring_enter that would show the
      // CQ head moved: up to the whole queue (when the last completions came together), at least one
      const unseen = /\((\d+) whose reap was not seen counted until their CQE\)/.exec(text);
      assert.ok(unseen && Number(unseen[1]) >= 1 && Number(unseen[1]) <= depth, `the last ones, never reaped before the exit: ${unseen?.[0]}`);
    });
  }
});

describe('fio, as a storage engineer runs it (ebpf)', function () {
  this.timeout(120000);
  let rec: Recording | undefined;
  let dir: string | undefined;
  before(function () {
    requireBackend(this, 'ebpf');
    requireInstalled(this, 'fio');
  });
  afterEach(() => {
    cleanup(rec);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [engine, until] of [['libaio', 'io_getevents reaped them'], ['io_uring', 'the application reaped them']] as const) {
    for (const depth of [1, 16]) {
      it(`at iodepth ${depth} with ${engine} reads ${depth}`, async () => {
        dir = mkdtempSync(join(tmpdir(), 'iolens-fio-'));
        rec = await recordLaunch([
          'fio', '--name=iolens', `--ioengine=${engine}`, `--iodepth=${depth}`, '--rw=randread', '--bs=4k', '--direct=1', '--size=16M',
          `--filename=${join(dir, 'data')}`, '--runtime=1', '--time_based', `--output=${join(dir, 'fio.txt')}`,
        ], [], 60000);
        const d = depthLine(await report(rec), until);
        assert.deepEqual([d.p50, d.max], [depth, depth], `p50 and max for fio --iodepth=${depth}`);
      });
    }
  }
});
