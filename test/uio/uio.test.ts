/**
 * UIO with a real device: QEMU's `edu` PCI device in a guest booted from Debian's kernel
 * (guest.mjs), driven from user space by test/fixtures/src/edu_uio.c through uio_pci_generic and
 * through our edu_irqcontrol module (write(1) re-enables). These tests check the infrastructure and
 * the workloads' own counts against the guest kernel's /proc/interrupts, without the tracer
 * (trace.test.ts records the same runs with it).
 * Each guest boot takes about 2 s (software emulation); the first run also downloads the guest
 * kernel and headers (about 85 MB, cached in .tools/uio/).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildModule, buildWorkloads, ensureGuest, runInGuest, type GuestKernel, type GuestResult, type UioModule } from './guest.mjs';

const INTERRUPTS = 1000;
const MISSED = 10;
const MODES = ['read', 'epoll', 'sigio'] as const;

/** The key=value pairs of each `done …` line the workload printed. */
function doneLines(output: string): Record<string, string>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('done '))
    .map((l) => Object.fromEntries(l.slice(5).trim().split(/\s+/).map((kv) => kv.split('=') as [string, string])));
}

/** The kernel's count for an IRQ handler, summed over CPUs, from a /proc/interrupts dump. */
function irqCount(output: string, handler: string): number {
  const line = output.split('\n').find((l) => /^\s*\d+:/.test(l) && l.trim().endsWith(` ${handler}`));
  assert.ok(line, `no /proc/interrupts line for ${handler} in:\n${output}`);
  const fields = line.trim().split(/\s+/).slice(1);
  let sum = 0;
  for (const f of fields) {
    if (!/^\d+$/.test(f)) break;
    sum += Number(f);
  }
  return sum;
}

describe('UIO: user-space drivers of a real device (QEMU edu) in a guest', function () {
  this.timeout(60_000);
  let kernel: GuestKernel;
  let eduUio: string;

  before(function () {
    this.timeout(600_000); // the first run downloads and unpacks the guest kernel
    kernel = ensureGuest({ log: (m) => process.stderr.write(`uio: ${m}\n`) });
    eduUio = buildWorkloads().edu_uio;
    buildModule(kernel);
  });

  /** Run a shell script in the guest with edu_uio on its PATH; the script must succeed. */
  async function inGuest(script: string, module: UioModule = 'uio_pci_generic'): Promise<GuestResult> {
    const r = await runInGuest({ binaries: { edu_uio: eduUio }, command: ['sh', '-c', script], module, timeoutS: 30 });
    assert.equal(r.exitCode, 0, `guest command failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}):\n${r.output}`);
    assert.equal(r.device?.name, module);
    return r;
  }

  for (const mode of MODES) {
    it(`${mode}: ${INTERRUPTS} interrupts through uio_pci_generic, each read once`, async () => {
      const r = await inGuest(`edu_uio --mode ${mode} --interrupts ${INTERRUPTS} && cat /proc/interrupts`);
      assert.deepEqual(doneLines(r.output), [{ mode, interrupts: `${INTERRUPTS}`, missed: '0', reads: `${INTERRUPTS}` }]);
      assert.equal(irqCount(r.output, 'uio_pci_generic'), INTERRUPTS);
    });
  }

  it(`missed: ${MISSED} times two interrupts before a read, in each mode (the count jumps by 2)`, async () => {
    const runs = MODES.map((m) => `edu_uio --mode ${m} --interrupts ${INTERRUPTS} --missed ${MISSED}`).join(' && ');
    const r = await inGuest(`${runs} && cat /proc/interrupts`);
    assert.deepEqual(
      doneLines(r.output),
      MODES.map((mode) => ({ mode, interrupts: `${INTERRUPTS}`, missed: `${MISSED}`, reads: `${INTERRUPTS - MISSED}` })),
    );
    assert.equal(irqCount(r.output, 'uio_pci_generic'), MODES.length * INTERRUPTS);
  });

  it('edu_irqcontrol: write(1) on /dev/uio0 re-enables the interrupt, in each mode, with misses', async () => {
    const runs = MODES.map((m) => `edu_uio --mode ${m} --interrupts ${INTERRUPTS} --missed ${MISSED} --reenable write`).join(' && ');
    const r = await inGuest(`${runs} && cat /proc/interrupts`, 'edu_irqcontrol');
    assert.deepEqual(
      doneLines(r.output),
      MODES.map((mode) => ({ mode, interrupts: `${INTERRUPTS}`, missed: `${MISSED}`, reads: `${INTERRUPTS - MISSED}` })),
    );
    assert.equal(irqCount(r.output, 'edu_irqcontrol'), MODES.length * INTERRUPTS);
  });

  it('the guest: its kernel and BTF, files copied out of /out, a command that never exits is stopped', async () => {
    const r = await runInGuest({
      command: ['sh', '-c', 'head -c 100000 /dev/urandom > /out/random.bin && sha256sum /out/random.bin && sleep 1000'],
      module: 'none',
      timeoutS: 10, // time for the copy under emulation on a loaded host; then `sleep` is stopped
    });
    assert.equal(r.kernel.release, kernel.release);
    assert.equal(r.kernel.btf, kernel.btf);
    assert.ok(kernel.btf, `the guest kernel ${kernel.release} has no BTF: CO-RE programs cannot load there`);
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, 143); // SIGTERM
    const data = r.files['random.bin'];
    assert.equal(data?.length, 100000);
    assert.match(r.output, new RegExp(`^${createHash('sha256').update(data).digest('hex')}  /out/random.bin$`, 'm'));
  });
});
