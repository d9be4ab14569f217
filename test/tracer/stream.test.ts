/**
 * What the tracer's stream guarantees: losses counted exactly, a trace file that reports what was
 * recorded and survives being cut short, and a clean end.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { bytesSource, decodeTraceBytes, readTraceIndex } from '../../extension/src/core/trace/fileReader';
import { StreamReader } from '../../extension/src/core/stream/reader';
import { Sys, type WireRecord } from '../../protocol/generated/wire';
import { BACKENDS, CLI, cleanup, fixture, markLine, recordLaunch, requireBackend, run, type Recording } from './harness';

/** Records the kernel side produced (the rest are written by the tracer's user-space part). */
function fromKernel(r: WireRecord): boolean {
  switch (r.kind) {
    case 'syscall':
      return (r.flags & 1) === 0; // unfinished calls are reported by the loader
    case 'task':
      return r.event !== 6; // present at attach
    case 'fd':
      return r.op !== 4 && r.op !== 6 && r.op !== 7; // existing, path and watched come from /proc
    case 'map':
      return (r.flags & 16) === 0; // not from the /proc scan
    case 'stack': case 'aio_submit': case 'aio_complete': case 'uring_ring': case 'uring_submit': case 'uring_complete':
    case 'signal_generate': case 'signal_deliver': case 'irq': case 'mmap': case 'wake':
      return true;
    default:
      return false;
  }
}

function records(path: string): WireRecord[] {
  const out: WireRecord[] = [];
  const reader = new StreamReader({ record: (r) => out.push(r) });
  reader.push(decodeTraceBytes(readFileSync(path)).stream);
  assert.equal(reader.end(), undefined);
  return out;
}

describe('the event stream', function () {
  this.timeout(60000);
  let rec: Recording | undefined;
  afterEach(() => cleanup(rec));

  it('accounts exactly for what a tiny ring buffer loses (ebpf)', async function () {
    requireBackend(this, 'ebpf');
    const calls = 200000;
    rec = await recordLaunch([fixture('epoll_loop'), '--ready', '--iterations', String(calls)], ['--no-stacks', '--ring-size', '4096']);
    const all = records(rec.traceFile);
    const end = all.find((r) => r.kind === 'end');
    assert.ok(end?.kind === 'end', 'the recording ended cleanly');
    const drops = all.filter((r) => r.kind === 'drop');
    const lost = drops.reduce((n, d) => n + (d.kind === 'drop' ? d.count : 0), 0);
    assert.ok(lost > 1000, `a 4 KiB ring must lose records here (lost ${lost})`);
    assert.equal(lost, end.dropped, 'drop records add up to the total lost');
    const kernel = all.filter(fromKernel);
    assert.equal(kernel.length, end.emitted, 'every record the kernel wrote is in the file');
    const waits = kernel.filter((r) => r.kind === 'syscall' && r.sys === Sys.epoll_wait).length;
    const others = kernel.length - waits;
    // attempted = written + lost; of those, exactly `calls` were the loop's epoll_waits
    const attemptedOthers = kernel.length + lost - calls;
    assert.ok(waits < calls, 'some waits were lost');
    assert.ok(attemptedOthers >= others && attemptedOthers < others + 200, `lost records are the loop's: ${attemptedOthers} other records attempted, ${others} written`);
    // the drop events reach the JSON lines too
    const jsonDrops = rec.events.filter((e) => e.kind === 'drop');
    assert.equal(jsonDrops.reduce((n, d) => n + (d.count ?? 0), 0), lost);
    assert.match(rec.stderr, /LOST [\d,]+ records/);
  });

  for (const backend of BACKENDS) it(`writes a trace file that \`iolens report\` summarizes, with the longest waits at their lines (${backend})`, async function () {
    requireBackend(this, backend);
    rec = await recordLaunch([fixture('epoll_stall'), '--iterations', '20'], [], 30000, backend);
    const out = await run(process.execPath, [CLI, 'report', rec.traceFile]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /I\/O Lens report/);
    assert.match(out.stdout, new RegExp(`${backend === 'ebpf' ? 'eBPF' : 'ptrace'} backend`));
    const line = markLine('epoll_stall', 'stall-read');
    // the findings come first: the blocking read in the loop, at its line
    assert.match(out.stdout, /^Findings \(\d+, by time at stake\)\n\s+1\. HIGH\s+loop-blocked\s+read\(\) blocked the event loop/m);
    assert.match(out.stdout, new RegExp(`at: test/fixtures/src/epoll_stall\\.c:${line} \\(stall\\)`));
    assert.match(out.stdout, /^I\/O models\n {2}process \d+ epoll_stall: epoll loop on 1 thread/m);
    assert.match(out.stdout, /epoll_stall\s+multiplexing\s+event loop: \d+ epoll_wait calls/);
    assert.match(out.stdout, /epoll_wait\s+\d+/);
    // the writer sleeps 20 ms before unblocking it: a loaded machine may add a few; ptrace times a
    // call's entry when the tracer handles the stop, which a loaded machine delays by a few ms
    const longest = new RegExp(`Longest waits and blocking calls, by call site[^\\n]*\\n\\s+1\\.\\s+(\\d+\\.\\d) ms max {2}read {2}test/fixtures/src/epoll_stall\\.c:${line} \\(stall\\)\\n\\s+4 calls`).exec(out.stdout);
    assert.ok(longest, `the stalled read is the longest, at its line:\n${out.stdout}`);
    const ms = Number(longest[1]);
    assert.ok(ms >= (backend === 'ebpf' ? 20 : 15) && ms < 50, `the stalled read lasted ${ms} ms at most`);
  });

  it('opens a trace file cut short inside its last block (the symbol section), with a warning', async () => {
    rec = await recordLaunch([fixture('epoll_stall'), '--iterations', '10'], [], 30000, 'ptrace');
    const bytes = readFileSync(rec.traceFile);
    const index = readTraceIndex(bytesSource(bytes), bytes.length);
    assert.ok(index && index.blocks.length >= 2, 'the records, then the symbol section in a block of its own');
    const last = index.blocks[index.blocks.length - 1];
    const cut = `${rec.traceFile}.cut`;
    writeFileSync(cut, bytes.subarray(0, last.offset + Math.floor(last.payloadLength / 2)));
    const out = await run(process.execPath, [CLI, 'report', cut]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /cut short/);
    assert.match(out.stdout, /epoll_wait/);
    const dump = await run(process.execPath, [CLI, 'dump', '--jsonl', cut]);
    assert.equal(dump.code, 0);
    assert.ok(dump.stdout.split('\n').filter(Boolean).length > 10);
  });

  it('refuses a file that is not a trace, with a clear message', async () => {
    const out = await run(process.execPath, [CLI, 'report', '/etc/hostname']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /not an iolens stream/);
  });
});
