/**
 * UIO traced by iolens on a real device: the tracer runs inside the QEMU guest of guest.mjs
 * (Debian's 6.1 kernel, QEMU's `edu` PCI device) around test/fixtures/src/edu_uio.c, and the traces
 * it writes there are loaded here, on the host, with the symbol path pointing at test/uio/build
 * (the guest's kernel gives no build-ids, so binaries are matched by name).
 *
 * Two boots: uio_pci_generic (read, epoll and sigio modes, re-enabling through the PCI config
 * space) and edu_irqcontrol (read mode, re-enabling with write(1) on /dev/uio0). Each run raises
 * 1000 interrupts, 10 of them in pairs before one read (the count jumps by 2). The same tracer
 * binary, built once, must load its eBPF programs on the host (6.18) and in the guest (6.1): CO-RE.
 *
 * The last suite reads the demo traces shipped in demo/traces (written by demo.mjs).
 * About 30 s in all. IOLENS_TRACER picks another tracer binary, as everywhere in iolens.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import type { IrqEvent, SignalEvent, SyscallEvent, TraceEvent } from '../../extension/src/core/model/events';
import { UioTracker, type UioStats } from '../../extension/src/core/model/uio';
import { sourceFrame } from '../../extension/src/core/format/source';
import { readTraceFile } from '../../extension/src/core/trace/file';
import type { TracePipeline } from '../../extension/src/core/trace/pipeline';
import { markLine, sourcePath } from '../tracer/harness';
import { buildModule, buildWorkloads, ensureGuest, ROOT, runInGuest, UIO_DIR, type GuestResult } from './guest.mjs';

const INTERRUPTS = 1000;
const MISSED = 10;
const READS = INTERRUPTS - MISSED;
/** A generous bound on IRQ entry -> driver awake, even under software emulation. */
const WAKE_LIMIT_NS = 1e9;
const SYMBOL_PATH = [join(UIO_DIR, 'build')];
const TRACER = process.env.IOLENS_TRACER || join(ROOT, 'tracer', 'build', 'iolens-tracer');
const DEMO_DIR = join(ROOT, 'demo', 'traces');

type Mode = 'read' | 'epoll' | 'sigio';
type Reenable = 'config' | 'write';

/** One traced run and what must be true of it. */
interface Case {
  readonly name: string;
  readonly mode: Mode;
  readonly reenable: Reenable;
  readonly driver: 'uio_pci_generic' | 'edu_irqcontrol';
  /** How the tracker must say the driver woke. */
  readonly wakeKind: string;
  /** The @mark of the read() of each mode. */
  readonly readMark: string;
}

const CASES: readonly Case[] = [
  { name: 'read', mode: 'read', reenable: 'config', driver: 'uio_pci_generic', wakeKind: 'read', readMark: 'uio-read' },
  { name: 'epoll', mode: 'epoll', reenable: 'config', driver: 'uio_pci_generic', wakeKind: 'epoll_wait', readMark: 'uio-epoll-read' },
  { name: 'sigio', mode: 'sigio', reenable: 'config', driver: 'uio_pci_generic', wakeKind: 'SIGIO', readMark: 'uio-sigio-read' },
  { name: 'write', mode: 'read', reenable: 'write', driver: 'edu_irqcontrol', wakeKind: 'read', readMark: 'uio-read' },
];

/** The edu_uio command line of a case. */
function workload(c: Case): string {
  return `edu_uio --mode ${c.mode} --interrupts ${INTERRUPTS} --missed ${MISSED}${c.reenable === 'write' ? ' --reenable write' : ''}`;
}

/** A trace loaded on the host, with every event and the UIO tracker's results. */
interface Loaded {
  readonly pipeline: TracePipeline;
  readonly warnings: string[];
  readonly events: TraceEvent[];
  readonly uio: UioStats[];
}

/** Read a trace (a file, or bytes written to a temporary file first) the way `iolens report` does. */
async function loadTrace(trace: string | Buffer, symbolPath: readonly string[] = SYMBOL_PATH): Promise<Loaded> {
  let dir: string | undefined;
  let path = trace as string;
  if (Buffer.isBuffer(trace)) {
    dir = mkdtempSync(join(tmpdir(), 'iolens-uio-trace-'));
    path = join(dir, 'trace.iolens');
    writeFileSync(path, trace);
  }
  try {
    const events: TraceEvent[] = [];
    let tracker: UioTracker | undefined;
    const { pipeline, warnings } = await readTraceFile(path, (e) => {
      tracker?.add(e, events.length);
      events.push(e);
    }, { symbolPath, onPipeline: (p) => (tracker = new UioTracker(p.trace.uioDevices)) });
    return { pipeline, warnings, events, uio: tracker?.results() ?? [] };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Nearest-rank percentile (as `iolens report`). */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN;
}

function us(ns: number): string {
  return `${(ns / 1000).toFixed(1)} µs`;
}

function spread(values: readonly number[]): string {
  return `p50 ${us(percentile(values, 50))}, p99 ${us(percentile(values, 99))}, max ${us(Math.max(...values))} (${values.length})`;
}

/** "file:line (function)" of the frame `iolens` shows for a stack, for messages. */
function where(pipeline: TracePipeline, stackId: bigint): { file: string | null; line: number | null; text: string } {
  const stack = pipeline.resolver.resolve(stackId);
  const f = sourceFrame(stack);
  const frames = stack?.frames.map((x) => `${x.function ?? '??'}@${x.file ? `${basename(x.file)}:${x.line}` : x.module}${x.problem ? ` [${x.problem}]` : ''}`).join(' < ');
  return { file: f?.file ?? null, line: f?.line ?? null, text: f ? `${f.file}:${f.line} (${f.function})` : `no source frame; stack: ${frames ?? 'not recorded'}` };
}

/**
 * Where the debug info of test/uio/build names edu_uio.c: test/uio/Makefile maps this checkout to
 * /usr/src/iolens (-ffile-prefix-map), so traces read the same wherever they were recorded.
 */
const EDU_UIO_SOURCE = join('/usr/src/iolens', relative(ROOT, sourcePath('edu_uio')));

/** Every distinct stack of `events` must show edu_uio.c at the line of `mark`. */
function assertAtMark(pipeline: TracePipeline, events: readonly TraceEvent[], mark: string, what: string): void {
  const want = `${EDU_UIO_SOURCE}:${markLine('edu_uio', mark)}`;
  assert.ok(events.length > 0, `${what}: no events to check the source line of`);
  for (const id of new Set(events.map((e) => e.stackId))) {
    const w = where(pipeline, id);
    assert.equal(`${w.file}:${w.line}`, want, `${what} (stack ${id}): expected edu_uio.c at @mark:${mark} (${want}), got ${w.text}`);
  }
}

const isSyscall = (e: TraceEvent): e is SyscallEvent => e.kind === 'syscall';

describe('UIO traced by iolens on a real device (QEMU edu, Debian 6.1 guest)', function () {
  this.timeout(60_000);
  let tracerSha: string;
  /** Guest outputs by boot. */
  let generic: GuestResult;
  let irqcontrol: GuestResult;
  const traces = new Map<string, Loaded>();
  const started = Date.now();

  before(async function () {
    this.timeout(600_000); // the first run downloads and unpacks the guest kernel
    assert.ok(existsSync(TRACER), `the tracer is not built: ${TRACER} is missing (npm run build)`);
    const kernel = ensureGuest({ log: (m) => process.stderr.write(`uio: ${m}\n`) });
    const binaries = { ...buildWorkloads(), 'iolens-tracer': TRACER };
    buildModule(kernel);
    tracerSha = createHash('sha256').update(readFileSync(TRACER)).digest('hex');
    const record = (c: Case): string => `iolens-tracer -o /out/${c.name}.iolens -- ${workload(c)}; echo "@trace ${c.name} exit=$?"`;
    const boot = async (driver: Case['driver'], script: string): Promise<GuestResult> => {
      const r = await runInGuest({ binaries, command: ['sh', '-c', script], module: driver, timeoutS: 60 });
      assert.equal(r.exitCode, 0, `the guest script failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}):\n${r.output}`);
      assert.equal(r.device?.name, driver, `the edu device should be bound to ${driver}; the guest said ${JSON.stringify(r.device)}`);
      process.stderr.write(`    guest ${driver}: boot + run ${r.timings.bootAndRunMs} ms\n`);
      return r;
    };
    generic = await boot('uio_pci_generic', [
      'echo "@uname $(uname -r)"',
      'sha256sum /usr/local/bin/iolens-tracer | sed "s/^/@sha256 /"',
      'iolens-tracer --check; echo "@check exit=$?"',
      ...CASES.filter((c) => c.driver === 'uio_pci_generic').map(record),
    ].join('\n'));
    irqcontrol = await boot('edu_irqcontrol', CASES.filter((c) => c.driver === 'edu_irqcontrol').map(record).join('\n'));
    for (const c of CASES) {
      const r = c.driver === 'uio_pci_generic' ? generic : irqcontrol;
      const data = r.files[`${c.name}.iolens`];
      assert.ok(data?.length, `${c.name}: the guest left no /out/${c.name}.iolens; its output:\n${r.output}`);
      traces.set(c.name, await loadTrace(data));
    }
  });

  after(() => process.stderr.write(`    UIO trace suite: ${((Date.now() - started) / 1000).toFixed(1)} s\n`));

  it('one tracer binary loads its eBPF programs on the host (6.18) and in the 6.1 guest (CO-RE)', function () {
    const line = (tag: string): string | undefined => generic.output.match(new RegExp(`^@${tag} (.*)$`, 'm'))?.[1];
    assert.equal(line('uname'), generic.kernel.release, 'uname -r in the guest');
    assert.match(generic.kernel.release, /^6\.1\./, `the guest kernel should be Debian's 6.1, is ${generic.kernel.release}`);
    assert.equal(line('sha256')?.split(/\s+/)[0], tracerSha, `the guest should run the tracer built here (${TRACER}, sha256 ${tracerSha})`);
    assert.equal(line('check'), 'exit=0', `iolens-tracer --check in the guest (${generic.kernel.release}) should succeed; its output:\n${generic.output}`);
    assert.match(generic.output, /^ok: this user may load the eBPF programs$/m);
    if (process.getuid?.() !== 0) {
      // the guest part ran as root in the guest; on the host eBPF needs root (or capabilities)
      process.stderr.write(`  SKIPPED (host half): iolens-tracer --check on the host needs root (uid ${process.getuid?.()})\n`);
      if (process.env.CI === 'true') assert.fail('under CI=true the host --check must run: run the uio layer as root');
      return;
    }
    const host = spawnSync(TRACER, ['--check'], { encoding: 'utf8', timeout: 30_000 });
    const hostRelease = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(host.status, 0, `iolens-tracer --check on the host (${hostRelease}) should exit 0, exited ${host.status}:\n${host.stdout}${host.stderr}`);
    assert.match(host.stdout, /^ok: this user may load the eBPF programs$/m);
  });

  for (const c of CASES) {
    describe(`${c.name}: ${workload(c)} under ${c.driver}`, () => {
      let t: Loaded;
      let dev: UioStats;
      let irq: number;
      before(function () {
        const r = c.driver === 'uio_pci_generic' ? generic : irqcontrol;
        t = traces.get(c.name) as Loaded;
        assert.match(r.output, new RegExp(`^@trace ${c.name} exit=0$`, 'm'), `the traced edu_uio should succeed; guest output:\n${r.output}`);
        assert.match(r.output, new RegExp(`^done mode=${c.mode} interrupts=${INTERRUPTS} missed=${MISSED} reads=${READS}$`, 'm'));
        assert.equal(t.pipeline.trace.meta?.backend, 'ebpf', `the guest tracer should record with eBPF (it fell back to ${t.pipeline.trace.meta?.backend}); guest output:\n${r.output}`);
        irq = (r.device as { irq: number }).irq;
      });

      it('is whole: no records lost, ends with its END record, no warnings', () => {
        const { trace } = t.pipeline;
        assert.deepEqual(t.warnings, [], 'pipeline warnings');
        assert.ok(trace.end, 'the trace should end with its END record');
        assert.equal(trace.drops.total, 0, `records lost: ${JSON.stringify([...trace.drops.bySource])}`);
        assert.equal(trace.end.dropped, 0, 'END record: records lost');
      });

      it(`one UIO device named ${c.driver} on the guest's IRQ, ${INTERRUPTS} handler runs of it`, () => {
        const devices = [...t.pipeline.trace.uioDevices.values()];
        assert.equal(devices.length, 1, `UIO devices: ${JSON.stringify(devices)}`);
        assert.equal(devices[0].name, c.driver, 'device name');
        assert.equal(devices[0].irq, irq, 'device IRQ (the guest reported it from sysfs)');
        assert.equal(t.uio.length, 1);
        dev = t.uio[0];
        const irqs = t.events.filter((e): e is IrqEvent => e.kind === 'irq' && e.irq === irq);
        assert.equal(irqs.length, INTERRUPTS, `IRQ ${irq} events`);
        const names = new Set(irqs.map((e) => e.name));
        assert.deepEqual([...names], [c.driver], 'IRQ events are named after the handler (the driver)');
        const bad = irqs.filter((e) => !(e.dur > 0));
        assert.equal(bad.length, 0, `IRQ events without a positive handler duration, e.g. ${JSON.stringify(bad[0])}`);
        assert.equal(dev.interrupts, INTERRUPTS, 'the tracker counts the interrupts');
        assert.equal(dev.handler.length, INTERRUPTS);
        process.stderr.write(`    ${c.name}: handler ${spread(dev.handler)}\n`);
      });

      it(`${READS} reads of /dev/uio0 returning 4 whose count goes up by 1, or 2 (${MISSED} misses)`, () => {
        const reads = t.events.filter((e): e is SyscallEvent => isSyscall(e) && e.name === 'read' && e.args.path === '/dev/uio0');
        assert.equal(reads.length, READS, 'read() calls on /dev/uio0');
        const wrong = reads.filter((e) => e.ret !== 4 || typeof e.args.interrupts !== 'number');
        assert.equal(wrong.length, 0, `reads that did not return 4 with a count, e.g. ${JSON.stringify(wrong[0]?.args)} returning ${wrong[0]?.ret}`);
        let prev = reads[0].args.count_at_open;
        assert.equal(typeof prev, 'number', `the first read carries count_at_open: ${JSON.stringify(reads[0].args)}`);
        const jumps: number[] = [];
        for (const r of reads) {
          const step = (r.args.interrupts as number) - (prev as number);
          assert.ok(step === 1 || step === 2, `the count should go up by 1 or 2, went from ${prev} to ${r.args.interrupts} at ${r.ts} ns`);
          if (step === 2) jumps.push(r.ts);
          prev = r.args.interrupts;
        }
        assert.equal(jumps.length, MISSED, 'reads whose count jumped by 2');
        assert.equal((prev as number) - (reads[0].args.count_at_open as number), INTERRUPTS, 'the count rose by the number of interrupts');
        assert.equal(dev.missed, MISSED, 'missed interrupts (tracker)');
        assert.equal(dev.missedAt.length, MISSED);
        assert.ok(dev.missedAt.every((m) => m.jump === 2), `each miss is a jump of 2: ${dev.missedAt.map((m) => `${m.jump} at ${m.ts} ns`).join(', ')}`);
        assertAtMark(t.pipeline, reads, c.readMark, `read() in ${c.mode} mode`);
        // no build-id from a 6.1 kernel: the binary was found by name in the symbol path
        const notes = t.pipeline.resolver.substitutionNotes();
        assert.ok(notes.some((n) => n.startsWith('/usr/local/bin/edu_uio: read from') && n.includes(join('test', 'uio', 'build', 'edu_uio'))),
          `edu_uio should be read from the symbol path; notes: ${JSON.stringify(notes)}`);
      });

      it(`IRQ -> wake-up latencies: one per ${c.wakeKind} wake, all > 0 and < 1 s`, () => {
        const wakers = t.events.filter((e) => {
          if (c.wakeKind === 'SIGIO') return e.kind === 'signal' && (e as SignalEvent).phase === 'deliver' && e.name === 'SIGIO';
          if (c.wakeKind === 'epoll_wait') return isSyscall(e) && e.name === 'epoll_wait' && e.ret > 0;
          return isSyscall(e) && e.name === 'read' && e.args.path === '/dev/uio0';
        });
        // with a missed interrupt both IRQs come before one wake-up (and both SIGIOs coalesce)
        assert.equal(wakers.length, READS, `${c.wakeKind} wake-ups in the trace`);
        assert.deepEqual(Object.fromEntries(dev.wakeKinds), { [c.wakeKind]: READS }, 'how the driver woke (tracker)');
        assert.equal(dev.wake.length, READS, 'wake latencies');
        const bad = dev.wake.filter((w) => !(w > 0 && w < WAKE_LIMIT_NS));
        assert.equal(bad.length, 0, `wake latencies outside (0, 1 s): ${bad.slice(0, 5).join(', ')} ns`);
        if (c.mode === 'epoll') {
          assertAtMark(t.pipeline, wakers, 'uio-epoll-wait', 'epoll_wait()');
          for (const e of wakers) {
            const ready = (e.args.ready ?? []) as { path?: string }[];
            assert.ok(ready.some((r) => r.path === '/dev/uio0'), `epoll_wait reports /dev/uio0 ready: ${JSON.stringify(e.args)}`);
          }
        }
        if (c.mode === 'sigio') {
          const setfl = t.events.filter((e) => isSyscall(e) && e.name === 'fcntl' && e.args.path === '/dev/uio0' && e.args.async === true);
          assert.equal(setfl.length, 1, 'one fcntl(F_SETFL, O_ASYNC) on /dev/uio0');
          assertAtMark(t.pipeline, setfl, 'uio-setfl-async', 'fcntl(F_SETFL, O_ASYNC)');
          // one SIGIO per interrupt; the two of a missed pair arrive while blocked and merge
          const generated = t.events.filter((e): e is SignalEvent => e.kind === 'signal' && e.phase === 'generate' && e.name === 'SIGIO');
          assert.equal(generated.length, INTERRUPTS, 'SIGIO generated');
          assert.equal(generated.filter((e) => e.coalesced).length, MISSED, 'SIGIOs merged into one already pending');
          assertAtMark(t.pipeline, wakers, 'uio-sigsuspend', 'SIGIO delivered');
          const suspends = t.events.filter((e) => isSyscall(e) && e.name === 'rt_sigsuspend');
          assert.equal(suspends.length, READS, 'rt_sigsuspend calls (one per wake-up)');
          assertAtMark(t.pipeline, suspends, 'uio-sigsuspend', 'rt_sigsuspend()');
        }
        process.stderr.write(`    ${c.name}: IRQ -> ${c.wakeKind} wake ${spread(dev.wake)}\n`);
      });

      it(`re-enables: ${c.reenable === 'config' ? 'pwrite64 of the config space at 5 (INTx unmasked)' : 'write(1) to /dev/uio0'} after every interrupt`, () => {
        const writes = t.events.filter((e): e is SyscallEvent => isSyscall(e) && (c.reenable === 'config'
          ? e.name === 'pwrite64' && e.args.pos === 5 && typeof e.args.value === 'number' && (e.args.value & 4) === 0
          : e.name === 'write' && e.args.path === '/dev/uio0' && e.args.value === 1));
        assert.equal(writes.length, INTERRUPTS, 're-enabling writes (edu_uio re-enables once per interrupt)');
        assert.ok(writes.every((w) => w.ret === (c.reenable === 'config' ? 1 : 4)), 'each re-enabling write succeeded');
        assert.ok(dev.reenable.length >= INTERRUPTS - MISSED && dev.reenable.length <= INTERRUPTS,
          `re-enable latencies for (nearly) every interrupt: expected ${INTERRUPTS - MISSED}..${INTERRUPTS}, got ${dev.reenable.length}`);
        const bad = dev.reenable.filter((w) => !(w > 0 && w < WAKE_LIMIT_NS));
        assert.equal(bad.length, 0, `re-enable latencies outside (0, 1 s): ${bad.slice(0, 5).join(', ')} ns`);
        assertAtMark(t.pipeline, writes, c.reenable === 'config' ? 'intx-unmask' : 'irq-reenable', 're-enabling write');
        process.stderr.write(`    ${c.name}: IRQ -> re-enable ${spread(dev.reenable)}\n`);
      });
    });
  }
});

describe('the demo traces in demo/traces open without the binaries', function () {
  this.timeout(60_000);
  const demos = [
    { file: 'uio-edu-epoll.iolens', wakeKind: 'epoll_wait', waitCall: 'epoll_wait', waitMark: 'uio-epoll-wait', readMark: 'uio-epoll-read' },
    { file: 'uio-edu-sigio.iolens', wakeKind: 'SIGIO', waitCall: 'rt_sigsuspend', waitMark: 'uio-sigsuspend', readMark: 'uio-sigio-read' },
  ];
  for (const d of demos) {
    it(`${d.file}: its symbol section, the UIO device, ${d.wakeKind} wake-ups, source lines at the marks of edu_uio.c`, async () => {
      const path = join(DEMO_DIR, d.file);
      assert.ok(existsSync(path), `${path} is missing: run \`node test/uio/demo.mjs\``);
      const t = await loadTrace(path, []);
      assert.deepEqual(t.warnings, [], 'warnings');
      assert.ok(t.pipeline.trace.end, 'the trace has its END record');
      assert.ok(t.pipeline.trace.symbols.size > 0, 'the trace should carry its symbol section (iolens symbolize)');
      assert.equal(t.uio.length, 1, 'one UIO device');
      assert.ok(t.uio[0].interrupts > 0, `interrupts of ${t.uio[0].device.name}: ${t.uio[0].interrupts}`);
      assert.ok((t.uio[0].wakeKinds.get(d.wakeKind) ?? 0) > 0, `wake-ups by ${d.wakeKind}: ${JSON.stringify([...t.uio[0].wakeKinds])}`);
      // the path the debug info gives (not this checkout's): the editor finds it by its ending
      const check = (name: string, mark: string, extra: (e: SyscallEvent) => boolean = () => true): void => {
        const events = t.events.filter((e): e is SyscallEvent => isSyscall(e) && e.name === name && extra(e));
        assert.ok(events.length > 0, `${d.file}: no ${name} events`);
        const want = `${EDU_UIO_SOURCE}:${markLine('edu_uio', mark)}`;
        for (const id of new Set(events.map((e) => e.stackId))) {
          const w = where(t.pipeline, id);
          assert.equal(`${w.file}:${w.line}`, want,
            `${d.file}: ${name} should resolve to @mark:${mark} (${want}), got ${w.text}; if edu_uio.c changed, regenerate with \`node test/uio/demo.mjs\``);
        }
      };
      check(d.waitCall, d.waitMark);
      check('read', d.readMark, (e) => e.args.path === '/dev/uio0');
    });
  }
});
