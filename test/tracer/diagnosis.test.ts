/**
 * The diagnosis on real recordings: each rule's fixture traced by the real tracer (both backends
 * where the backend sees the thing), reported by the real CLI (`iolens report --json`), the
 * finding checked with its rule and the marked line to change; its healthy twin must not raise it.
 * And what --min-duration filters is still counted, exactly, by both backends.
 */
import * as assert from 'node:assert/strict';
import { BACKENDS, CLI, cleanup, fixture, markLine, recordLaunch, requireBackend, run, sourcePath, type Backend, type Recording } from './harness';

interface JsonWhere {
  function: string | null;
  file: string | null;
  line: number | null;
}
interface JsonFinding {
  rule: string;
  severity: string;
  title: string;
  detail: string;
  suggestion: string;
  where: JsonWhere | null;
  impact_ns: number;
  events: number[];
  event_count: number;
}
interface JsonReport {
  trace: { duration_ns: number; events: number; lost: number };
  findings: JsonFinding[];
  threads: { tid: number; name: string; model: string; evidence: string }[];
  processes: { verdict: string }[];
  filtered: { call: string; count: number; where: JsonWhere | null; errnos: Record<string, number> }[];
  call_sites: { call: string; count: number; total_ns: number; where: JsonWhere | null }[];
}

/**
 * What a recording held, in a line, for an assertion's message: a rule that did not fire on a
 * loaded CI machine is told apart from a recording that went wrong (its length, events, losses,
 * each thread's model, the busiest call sites and the calls the tracer counted).
 */
function whatWasSeen(r: JsonReport): string {
  const ms = (ns: number): string => `${(ns / 1e6).toFixed(1)} ms`;
  const threads = r.threads.map((t) => `${t.name}:${t.model}`).join(' ');
  const sites = [...r.call_sites].sort((a, b) => b.total_ns - a.total_ns).slice(0, 4)
    .map((c) => `${c.call}@${c.where?.line ?? '?'}×${c.count}=${ms(c.total_ns)}`).join(' ');
  const counted = r.filtered.reduce((n, f) => n + f.count, 0);
  return `[${ms(r.trace.duration_ns)}, ${r.trace.events} events, ${r.trace.lost} lost; ${threads}; sent ${sites}; counted ${counted}]`;
}

async function reportOf(rec: Recording): Promise<JsonReport> {
  const r = await run(process.execPath, [CLI, 'report', '--json', rec.traceFile]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonReport;
}

/** A rule, its fixture and its healthy twin. */
interface Case {
  readonly rule: string;
  readonly backends: readonly Backend[];
  readonly command: string[];
  readonly twin: string[];
  readonly source: string;
  /** The marked line the finding must name (any of them). */
  readonly marks: readonly string[];
  /** More to check on the finding. */
  readonly check?: (f: JsonFinding, report: JsonReport, backend: Backend) => void;
}

const CASES: readonly Case[] = [
  {
    rule: 'loop-blocked', backends: BACKENDS, source: 'epoll_stall', marks: ['stall-read'],
    command: ['epoll_stall', '--iterations', '20'], twin: ['epoll_stall', '--iterations', '20', '--nonblocking'],
    check: (f) => {
      assert.equal(f.event_count, 4, 'the four 20 ms reads');
      assert.ok(f.impact_ns >= 4 * 19.5e6, `${f.impact_ns}`);
      assert.equal(f.severity, 'high');
    },
  },
  {
    rule: 'loop-blocked', backends: BACKENDS, source: 'loop_fsync', marks: ['journal-fsync'],
    command: ['loop_fsync', '--iterations', '300'], twin: ['loop_fsync', '--iterations', '300', '--offload'],
    check: (f, r) => {
      assert.match(f.title, /^fsync\(\) blocked the event loop .* 300 times/);
      // the header's fsync, before the loop started, is not the loop's
      assert.ok(!r.findings.some((x) => x.rule === 'loop-blocked' && x.where?.line === markLine('loop_fsync', 'header-fsync')));
    },
  },
  {
    // a wait for a POSIX record lock another process holds (fcntl F_SETLKW); the twin tries F_SETLK
    // at each tick until the lock is free
    rule: 'loop-blocked', backends: BACKENDS, source: 'epoll_stall', marks: ['stall-lock'],
    command: ['epoll_stall', '--iterations', '40', '--lock'], twin: ['epoll_stall', '--iterations', '40', '--lock', '--nonblocking'],
    check: (f) => {
      assert.match(f.title, /^fcntl\(\) blocked the event loop of epoll_stall \d+\/\d+ 8 times/);
      assert.match(f.detail, /a file lock, which waits while another process holds it/);
      assert.match(f.suggestion, /F_SETLK or F_OFD_SETLK instead of F_SETLKW/);
    },
  },
  {
    // a blocking library's own wait (getaddrinfo's poll) inside the loop's turn; the first comes before
    // 8 epoll waits have told the loop's wait, the other 7 are the finding
    rule: 'loop-blocked', backends: BACKENDS, source: 'epoll_stall', marks: ['stall-poll'],
    command: ['epoll_stall', '--iterations', '40', '--poll'], twin: ['epoll_stall', '--iterations', '40', '--nonblocking'],
    check: (f) => {
      assert.match(f.title, /^poll\(\) blocked the event loop of epoll_stall \d+\/\d+ 7 times/);
      assert.match(f.detail, /a wait of its own inside the turn/);
    },
  },
  {
    rule: 'busy-poll', backends: BACKENDS, source: 'wait_patterns', marks: ['pattern-wait'],
    command: ['wait_patterns', '--iterations', '100', '--spin'], twin: ['wait_patterns', '--iterations', '100'],
    check: (f) => assert.ok(f.event_count >= 100, `${f.event_count} empty polls`),
  },
  {
    rule: 'timeout-wakeups', backends: BACKENDS, source: 'wait_patterns', marks: ['pattern-wait'],
    command: ['wait_patterns', '--iterations', '200', '--tick'], twin: ['wait_patterns', '--iterations', '200'],
  },
  {
    rule: 'aio-serialized', backends: BACKENDS, source: 'aio_eventfd', marks: ['aio-submit'],
    command: ['aio_eventfd', '--iterations', '25', '--depth', '1'], twin: ['aio_eventfd', '--iterations', '25'],
    check: (f) => assert.match(f.title, /ran 25 requests one at a time/),
  },
  {
    // QEMU's way: completions announced on an eventfd, taken from the AIO ring in user space, no io_getevents
    rule: 'aio-serialized', backends: BACKENDS, source: 'queue_depth', marks: ['qd-aio-submit'],
    command: ['queue_depth', '--ring-reap', '--depth', '1', '--iterations', '400'], twin: ['queue_depth', '--ring-reap', '--depth', '16', '--iterations', '400'],
    check: (f, report) => {
      assert.match(f.title, /ran 400 requests one at a time/);
      assert.match(report.threads.find((t) => t.model === 'aio')?.evidence ?? '', /up to 1 in flight, .*read from the AIO ring in user space/);
    },
  },
  {
    // ptrace: its stops let any device finish before the next wait, so "ready at once" is no evidence
    // there (docs/findings.md); the fixture's buffered reads are too fast for the cost evidence
    rule: 'aio-sync-submit', backends: ['ebpf'], source: 'aio_eventfd', marks: ['aio-submit'],
    command: ['aio_eventfd', '--iterations', '25', '--buffered'], twin: ['aio_eventfd', '--iterations', '25'],
    check: (f) => assert.match(f.detail, /opened without O_DIRECT/),
  },
  {
    // signal generation is seen by the kernel side only
    rule: 'signal-coalesced', backends: ['ebpf'], source: 'sigio_pipe', marks: ['setfl-async'],
    command: ['sigio_pipe', '--iterations', '30', '--burst', '8'], twin: ['sigio_pipe', '--iterations', '30', '--burst', '8', '--setsig'],
  },
  {
    // a ptrace tracer's stops stretch every call of the pool: the kernel side measures it
    rule: 'pool-saturated', backends: ['ebpf'], source: 'threadpool_pread', marks: ['pool-fsync', 'pool-pread'],
    // every job flushes (--fsync-every 1): the pool is saturated however fast the disk answers a lone pread
    command: ['threadpool_pread', '--iterations', '2000', '--fsync-every', '1'], twin: ['threadpool_pread', '--iterations', '2000', '--fsync-every', '1', '--window', '2'],
  },
  {
    // the same pool fed by a producer with no event loop (a queue and two condition variables): its owner is the thread that started and woke it
    rule: 'pool-saturated', backends: ['ebpf'], source: 'threadpool_pread', marks: ['pool-fsync', 'pool-pread'],
    command: ['threadpool_pread', '--iterations', '2000', '--fsync-every', '1', '--producer'], twin: ['threadpool_pread', '--iterations', '2000', '--fsync-every', '1', '--window', '2', '--producer'],
  },
  {
    // io_uring requests are seen by the kernel side only
    rule: 'sqpoll-wakeups', backends: ['ebpf'], source: 'uring_read', marks: ['uring-submit'],
    command: ['uring_read', '--iterations', '30', '--sqpoll', '--sq-idle', '1', '--pause', '40'], // long pauses: on a loaded machine the SQ thread needs CPU time to idle out
    twin: ['uring_read', '--iterations', '30', '--sqpoll', '--pause', '10'],
  },
  {
    // futex waits are seen by the kernel side only (the wake-up of the loop out of its futex)
    rule: 'loop-blocked', backends: ['ebpf'], source: 'loop_fsync', marks: ['locked-fsync'],
    command: ['loop_fsync', '--iterations', '5000', '--locked'], twin: ['loop_fsync', '--iterations', '5000', '--locked', '--unlock-first'],
    check: (f) => assert.match(f.title, /^A lock held by flusher \d+\/\d+ across its fsync\(\) blocked the event loop of loop_fsync/),
  },
  {
    // each read completes before the next is submitted; the twin submits 4 with one call
    rule: 'uring-serialized', backends: ['ebpf'], source: 'uring_read', marks: ['uring-submit'],
    command: ['uring_read', '--iterations', '30', '--batch', '1'], twin: ['uring_read', '--iterations', '30'],
    check: (f) => assert.match(f.title, /ran 30 file requests one at a time/),
  },
  {
    // 8 ms a run: past the 5 ms a run needs under ptrace, whose stops stretch the handler's calls
    rule: 'long-signal-handler', backends: BACKENDS, source: 'sigio_pipe', marks: ['handler-sleep'],
    command: ['sigio_pipe', '--iterations', '20', '--slow-handler', '8'], twin: ['sigio_pipe', '--iterations', '20'],
    check: (f) => assert.match(f.title, /^SIGIO's handler ran long on sigio_pipe \d+\/\d+: \d+ runs of 20 took/),
  },
  {
    rule: 'eagain-spin', backends: BACKENDS, source: 'eagain_spin', marks: ['spin-recv'],
    command: ['eagain_spin', '--iterations', '200'], twin: ['eagain_spin', '--iterations', '200', '--poll'],
  },
  {
    rule: 'herd-wakeups', backends: BACKENDS, source: 'accept_herd', marks: ['herd-accept'],
    command: ['accept_herd', '--iterations', '400'], twin: ['accept_herd', '--iterations', '400', '--exclusive'],
  },
];

for (const backend of BACKENDS) describe(`diagnosis of the fixtures (${backend})`, function () {
  this.timeout(120000);
  let rec: Recording | undefined;
  before(function () {
    requireBackend(this, backend);
  });
  afterEach(() => cleanup(rec));
  const record = (argv: string[]): Promise<Recording> => recordLaunch([fixture(argv[0]), ...argv.slice(1)], [], 60000, backend);
  /** A recording of `c`'s command, reported: the report and its findings of `c`'s rule. */
  const attempt = async (c: Case): Promise<{ report: JsonReport; found: JsonFinding[] }> => {
    rec = await record(c.command);
    const report = await reportOf(rec);
    return { report, found: report.findings.filter((f) => f.rule === c.rule) };
  };

  for (const c of CASES.filter((x) => x.backends.includes(backend))) {
    it(`${c.rule}: ${c.command.join(' ')} names ${c.source}.c @${c.marks.join('|@')}; ${c.twin.join(' ')} does not`, async () => {
      let { report, found } = await attempt(c);
      const lines = c.marks.map((m) => markLine(c.source, m));
      if (!found.length) {
        // The fixtures do real I/O: a disk or a CPU taken by other work can blur one run's pattern
        // (a pool whose device answers at once is not saturated). Said, and recorded once more.
        console.log(`      ${c.rule}: not raised by the first recording ${whatWasSeen(report)}; recording again`);
        cleanup(rec);
        ({ report, found } = await attempt(c));
      }
      assert.ok(found.length, `no ${c.rule} finding; found ${JSON.stringify(report.findings.map((f) => [f.rule, f.where?.line]))} in ${whatWasSeen(report)}`);
      const f = found.find((x) => x.where?.file === sourcePath(c.source) && lines.includes(x.where?.line ?? -1));
      assert.ok(f, `${c.rule} at ${JSON.stringify(found.map((x) => x.where))}, expected ${c.source}.c:${lines.join('|')}`);
      assert.ok(f.impact_ns > 0);
      assert.ok(f.title && f.detail, 'a title and the evidence');
      c.check?.(f, report, backend);
      cleanup(rec);
      rec = await record(c.twin);
      const twin = await reportOf(rec);
      // the same cause at the same line: a ptrace tracer's stops on a loaded machine can make other calls look slow
      const wrong = twin.findings.filter((x) => x.rule === c.rule && (backend === 'ebpf' || (x.where?.file === sourcePath(c.source) && lines.includes(x.where?.line ?? -1))));
      assert.deepEqual(wrong.map((x) => x.title), [], `the healthy twin ${c.twin.join(' ')} raised it:\n${wrong.map((x) => `${x.title} at ${x.where?.file ?? '?'}:${x.where?.line ?? '?'}\n  ${x.detail}`).join('\n')}`);
    });
  }

  it('counts the blocking calls --min-duration filters, exactly, at their line', async () => {
    rec = await record(['loop_fsync', '--iterations', '300']);
    const report = await reportOf(rec);
    const line = markLine('loop_fsync', 'journal-fsync');
    const counted = report.filtered.filter((f) => f.call === 'fsync' && f.where?.line === line).reduce((n, f) => n + f.count, 0);
    const sent = rec.events.filter((e) => e.kind === 'syscall' && e.name === 'fsync' && !e.unfinished && e.stack.some((s) => s.line === line)).length;
    assert.equal(counted + sent, 300, `${counted} counted + ${sent} sent fsyncs for 300 in ${whatWasSeen(report)}`);
    assert.ok(counted > 0, 'most fsyncs here are under 1 ms');
    const loop = report.threads.find((t) => t.name === 'loop_fsync');
    assert.equal(loop?.model, 'multiplexing');
  });

  it('counts short calls of 17,000 threads, one key each, past the 16,384 keys the tracer holds: no loss (finished threads dropped)', async () => {
    // -m 50: every flush is counted, none sent, so the keys outnumber the table whatever the disk
    rec = await recordLaunch([fixture('task_storm'), '--flush', '--iterations', '17000', '--forks', '0'], ['-m', '50'], 60000, backend);
    const report = await reportOf(rec);
    const line = markLine('task_storm', 'storm-flush');
    const lost = rec.events.filter((e) => e.kind === 'drop');
    // (whatWasSeen would list 17,000 threads)
    const seen = `${report.trace.events} events, ${report.trace.lost} lost`;
    assert.deepEqual(lost.map((e) => e.name), [], `records lost: ${seen}`);
    const counted = report.filtered.filter((f) => f.call === 'fdatasync' && f.where?.line === line).reduce((n, f) => n + f.count, 0);
    const sent = rec.events.filter((e) => e.kind === 'syscall' && e.name === 'fdatasync' && !e.unfinished && e.stack.some((x) => x.line === line)).length;
    assert.equal(counted + sent, 17000, `${counted} counted + ${sent} sent fdatasyncs; ${seen}`);
  });

  it('says what each thread of a pseudo-async pool does', async () => {
    // 4 jobs in flight for 4 workers: each finished worker waits for its next job and the loop's
    // queueing wakes it, a hand-over per job. At the default 8 a worker finds a job queued and takes
    // it without a wait: in a CI run whose fsyncs took 0.6 ms, pool-1 was told "blocking" (its
    // owner is told by the wake-ups between them: a wake-up for at least one in 20 blocking calls)
    rec = await record(['threadpool_pread', '--iterations', '2000', '--window', '4']);
    const report = await reportOf(rec);
    const workers = report.threads.filter((t) => /^pool-\d$/.test(t.name));
    assert.equal(workers.length, 4);
    for (const w of workers) assert.equal(w.model, 'pool-worker', `${w.name}: ${w.evidence}`);
    assert.equal(report.threads.find((t) => t.name === 'threadpool_prea')?.model, 'multiplexing');
    assert.match(report.processes[0].verdict, /^epoll loop on 1 thread; .* on 4 pool threads — pseudo-async$/);
  });

  it("posix-aio: queue_depth --posix (glibc's aio_read) runs on a helper thread, one request at a time; native AIO does not raise it", async () => {
    rec = await record(['queue_depth', '--posix', '--depth', '8', '--iterations', '400']);
    const report = await reportOf(rec);
    const f = report.findings.find((x) => x.rule === 'posix-aio');
    assert.ok(f, `no posix-aio finding; found ${JSON.stringify(report.findings.map((x) => x.rule))} in ${whatWasSeen(report)}`);
    assert.match(f.title, /^queue_depth \d+'s POSIX AIO ran as 400 blocking calls on 1 glibc helper thread, one request at a time per file/);
    assert.match(f.detail, /pread64 ×400/);
    assert.equal(f.event_count, 400);
    assert.equal(f.where, null, 'aio_read queues in user space: no line of the program is on the helper\'s stacks');
    const helper = report.threads.find((t) => t.model === 'pool-worker');
    assert.match(helper?.evidence ?? '', /^glibc's POSIX AIO helper for queue_depth \d+\/\d+: .*pread64 400 times/, whatWasSeen(report));
    assert.match(report.processes[0].verdict, /^POSIX AIO \(glibc\): file I\/O on 1 pool thread — pseudo-async/);
    cleanup(rec);
    rec = await record(['queue_depth', '--depth', '8', '--iterations', '400']);
    const twin = await reportOf(rec);
    assert.deepEqual(twin.findings.filter((x) => x.rule === 'posix-aio').map((x) => x.title), [], 'native AIO is no POSIX AIO');
  });

  it('--fail-on high exits 3 when a high finding exists, 0 otherwise', async () => {
    rec = await record(['epoll_stall', '--iterations', '20']);
    const bad = await run(process.execPath, [CLI, 'report', '--fail-on', 'high', rec.traceFile]);
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /finding.* of severity high or worse/);
    assert.match(bad.stdout, /^Findings \(/m);
    cleanup(rec);
    rec = await record(['epoll_stall', '--iterations', '20', '--nonblocking']);
    const good = await run(process.execPath, [CLI, 'report', '--fail-on', 'medium', rec.traceFile]);
    assert.equal(good.code, 0, good.stdout);
  });

  if (backend === 'ebpf') {
    it('lost-events: a recording that lost records says so first', async () => {
      rec = await recordLaunch([fixture('epoll_loop'), '--ready', '--iterations', '200000'], ['--ring-size', '4096'], 60000, backend);
      const report = await reportOf(rec);
      const lost = report.findings.find((f) => f.rule === 'lost-events');
      assert.ok(lost, 'a lost-events finding');
      assert.match(lost.title, /lost [\d,]+ records/);
      assert.match(lost.suggestion, /iolens record --ring-size, or the setting iolens\.ringSizeMiB/, 'a fix the user can apply');
      cleanup(rec);
      const odd = await run(process.execPath, [CLI, 'record', '-q', '--ring-size', '5000', '--', 'true']);
      assert.notEqual(odd.code, 0);
      assert.match(odd.stderr, /--ring-size must be a power of two \(16777216 is 16 MiB\), not '5000'/);
      rec = await recordLaunch([fixture('epoll_loop'), '--iterations', '2000'], [], 60000, backend);
      assert.ok(!(await reportOf(rec)).findings.some((f) => f.rule === 'lost-events'));
    });
  }
});
