/**
 * Source lines that can be trusted: a binary replaced or deleted after it was mapped is reported
 * as such, never resolved against the wrong file. And interrupts behind --irq.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKENDS, cleanup, fixture, recordAttachBinary, recordLaunch, requireBackend, type Recording } from './harness';

describe('symbols and interrupts', function () {
  this.timeout(60000);
  let dir: string;
  let rec: Recording | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-sym-'))));
  afterEach(() => {
    cleanup(rec);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const backend of BACKENDS) for (const change of ['replaced', 'deleted'] as const) {
    it(`reports a binary ${change} after it was mapped instead of resolving it wrongly (${backend})`, async function () {
      requireBackend(this, backend);
      const victim = join(dir, 'victim');
      copyFileSync(fixture('epoll_stall'), victim);
      rec = await recordAttachBinary(victim, ['--iterations', '10'], [], () => {
        if (change === 'deleted') unlinkSync(victim);
        else {
          copyFileSync(fixture('deep_stack'), `${victim}.new`); // another build: another build-id
          renameSync(`${victim}.new`, victim);
        }
      }, 30000, backend);
      const waits = rec.events.filter((e) => e.kind === 'syscall' && e.name === 'epoll_wait');
      assert.ok(waits.length > 5);
      for (const w of waits) {
        const inVictim = w.stack.filter((f) => f.module === victim);
        assert.ok(inVictim.length > 0, 'the frames in the program are there');
        for (const f of inVictim) {
          assert.equal(f.function, null, `not resolved against the ${change} file: ${JSON.stringify(f)}`);
          assert.equal(f.line, null);
          assert.match(String((f as unknown as { problem: string }).problem), change === 'deleted' ? /deleted|not there/ : /replaced after it was mapped/);
        }
      }
    });
  }

  it('records hard interrupts per CPU with --irq, named after their handlers (ebpf)', async function () {
    requireBackend(this, 'ebpf');
    rec = await recordLaunch([fixture('threadpool_pread'), '--iterations', '400'], ['--irq']);
    const irqs = rec.events.filter((e) => e.kind === 'irq');
    assert.ok(irqs.length > 0, 'disk I/O (fsync) raises interrupts');
    const names = readFileSync('/proc/interrupts', 'utf8');
    const cpus = (names.split('\n')[0].match(/CPU\d+/g) ?? []).length;
    for (const i of irqs) {
      assert.ok(i.name && names.includes(i.name), `${i.name} is an IRQ handler of this machine`);
      assert.ok((i.dur ?? 0) > 0 && (i.dur ?? 0) < 50e6, `handler time ${i.dur}`);
      assert.ok((i.args.cpu as number) < cpus);
    }
  });
});
