/**
 * The kernel paths (--kernel-path, docs/architecture.md "The kernel path"): a fixture recorded
 * through the generic sys_enter/sys_exit programs (raw_tp, tp_btf) gives the same events as
 * through the per-syscall tracepoints: the same calls with the same arguments, results, data and
 * call sites. Only what differs from run to run is left out of the comparison (times, ids, user
 * addresses, the pid and the temporary files' names).
 */
import * as assert from 'node:assert/strict';
import { KernelPath, type KernelPathName } from '../../protocol/generated/wire';
import { CLI, TRACER, cleanup, fixture, readMeta, recordLaunch, requireBackend, run, type JsonEvent, type Recording } from './harness';

/** Fixtures whose events do not depend on timing once every call is sent (-m 0): one thread each. */
const CASES: { name: string; args: string[]; what: string }[] = [
  // sendfile, splice, tee, copy_file_range, preadv2/pwritev2, sync_file_range, sendmmsg/recvmmsg, a FIFO's open
  { name: 'server_calls', args: ['--iterations', '3'], what: 'calls of 4 to 6 arguments, file offsets, messages, paths' },
  // fcntl F_SETOWN/F_SETSIG/F_SETFL, SIGIO, rt_sigsuspend, rt_sigreturn (sent at its entry: no exit)
  { name: 'sigio_pipe', args: ['--iterations', '10'], what: 'signals, setup calls and a call that never returns' },
];

/** What must be the same whichever path recorded the event; ids: the recording's process and thread ids. */
function shape(e: JsonEvent, ids: ReadonlySet<number>): string {
  const args = JSON.stringify(e.args, (k, v: unknown) => {
    // whether a call slept is the run's timing, not the path's (a FIFO read whose writer came first)
    if (k === 'never_slept') return undefined;
    if (typeof v === 'number' && ids.has(v)) return 'ID';
    if (typeof v === 'string') {
      if (/^0x[0-9a-f]{8,}$/.test(v)) return 'ADDR'; // user addresses move with ASLR
      if (/^0x[0-9a-f]+$/.test(v) && ids.has(Number(v))) return 'ID'; // fcntl(F_SETOWN, pid)
      return v
        .replace(/iolens-[\w-]+-[A-Za-z0-9]{6}/g, 'TMPFILE')
        .replace(/:\[\d+\]/g, ':[INODE]') // socket:[N], pipe:[N]
        .replace(/\/(proc|task)\/\d+/g, '/$1/ID') // a thread that made no call of its own
        .replace(/\d+/g, (n) => (ids.has(Number(n)) ? 'ID' : n));
    }
    return v;
  });
  const sites = e.stack.filter((f) => f.file?.includes('/test/fixtures/src/')).map((f) => `${f.function}:${f.line}`);
  return `${e.kind} ${e.name} ret=${e.ret ?? ''} err=${e.error ?? ''} ${args} at ${sites.join('<')}`;
}

/** The events a path must agree on, sorted: the threads' records interleave differently from run to run. */
function shapes(rec: Recording): string[] {
  const ids = new Set(rec.events.flatMap((e) => [e.pid, e.tid]));
  return rec.events
    .filter((e) => (e.kind === 'syscall' || e.kind.startsWith('signal')) && !e.unfinished)
    // a fixture thread polling /proc until another is inside a call: as many polls as the machine's load makes
    .filter((e) => !e.stack.some((f) => f.function === 'fx_wait_in_syscall'))
    .map((e) => shape(e, ids))
    .sort();
}

/** What a multiset of lines lacks of another, and has besides. */
function difference(expected: readonly string[], got: readonly string[]): { missing: string[]; extra: string[] } {
  const left = new Map<string, number>();
  for (const l of got) left.set(l, (left.get(l) ?? 0) + 1);
  const missing: string[] = [];
  for (const l of expected) {
    const n = left.get(l) ?? 0;
    if (n > 0) left.set(l, n - 1);
    else missing.push(l);
  }
  return { missing, extra: [...left].flatMap(([l, n]) => Array<string>(n).fill(l)) };
}

describe('kernel paths', function () {
  this.timeout(240000);
  const recordings: Recording[] = [];
  after(() => recordings.forEach(cleanup));

  async function recorded(name: string, args: string[], path: KernelPathName): Promise<Recording> {
    const rec = await recordLaunch([fixture(name), ...args], ['-m', '0', '--kernel-path', path], 120000);
    recordings.push(rec);
    assert.equal(rec.code, 0, `${name} with --kernel-path ${path}: ${rec.stderr}`);
    assert.equal(readMeta(rec.traceFile).kernel_path, path, 'the meta record names the path');
    return rec;
  }

  it('refuses a path it does not know, naming the ones it does (tracer and CLI)', async () => {
    const names = Object.keys(KernelPath).join(' ');
    const tracer = await run(TRACER, ['--kernel-path', 'kprobe', '--pid', '1']);
    assert.equal(tracer.code, 2, tracer.stderr);
    assert.match(tracer.stderr, new RegExp(`--kernel-path must be one of: ${names}; not 'kprobe'`));
    const cli = await run(process.execPath, [CLI, 'record', '--kernel-path', 'kprobe', '--', 'true']);
    assert.equal(cli.code, 2, cli.stderr);
    assert.match(cli.stderr, new RegExp(`--kernel-path must be one of ${Object.keys(KernelPath).join(', ')}, not 'kprobe'`));
  });

  for (const c of CASES) {
    const paths = Object.keys(KernelPath).filter((p): p is KernelPathName => p !== 'tracepoints');
    for (const path of paths) {
      it(`${c.name} through ${path} gives the events the per-syscall tracepoints give (${c.what})`, async function () {
        requireBackend(this, 'ebpf');
        const expected = shapes(await recorded(c.name, c.args, 'tracepoints'));
        const got = shapes(await recorded(c.name, c.args, path));
        assert.ok(expected.length > 20, `the tracepoints recorded ${expected.length} events of ${c.name}`);
        const { missing, extra } = difference(expected, got);
        assert.ok(missing.length === 0 && extra.length === 0, `${path} lacks:\n  ${missing.join('\n  ')}\nand has besides:\n  ${extra.join('\n  ')}`);
      });
    }
  }
});
