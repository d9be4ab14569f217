import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wire from '../../../../protocol/generated/wire';
import { exportTrace } from '../commands/export';
import { checkPerfetto } from '../testing/perfettoCheck';
import { PID, StreamBuilder, sysId } from '../testing/synthetic';

const US = 1000;
const MS = 1e6;

describe('export: flows and rows', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-mapper-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Export a stream to Perfetto and check it; the flows as chains of event names. */
  async function run(b: StreamBuilder): Promise<{ t: ReturnType<typeof checkPerfetto>; chains: string[] }> {
    const input = join(dir, `t${Math.random().toString(36).slice(2)}.iolens`);
    writeFileSync(input, b.bytes());
    await exportTrace(input, input + '.pftrace', { format: 'perfetto', symbolPath: [] });
    const t = checkPerfetto(readFileSync(input + '.pftrace'));
    assert.deepEqual(t.problems, []);
    const byPacket = new Map(t.events.map((e) => [e.packet, e]));
    return { t, chains: [...t.flows.values()].map((l) => l.map((p) => byPacket.get(p)?.name ?? '?').join(' > ')) };
  }

  function threads(b: StreamBuilder): void {
    b.task({ event: 6, comm: 'loop', flags: 2 });
    b.task({ event: 6, tid: 101, comm: 'helper' });
  }

  it('a wake-up flows to the wait it ended', async () => {
    const b = new StreamBuilder();
    threads(b);
    b.add(wire.encodeWake({ wakerSys: sysId('write'), wakeeSys: sysId('epoll_wait'), pid: PID, tid: 101, ts: b.at(5 * MS), wakeePid: PID, wakeeTid: PID, wakeeSince: b.at(1 * MS), wakerFd: 5 }));
    b.syscall({ sys: sysId('epoll_wait'), ts: b.at(1 * MS), dur: 4.01 * MS, ret: 1, args: [3n, 0n, 16n, 100n, 0n, 0n] });
    const { chains } = await run(b);
    assert.deepEqual(chains, ['write woke 100 > epoll_wait']);
  });

  it('a completion reaped by a thread that waited before the submission ends on its reaping call', async () => {
    const b = new StreamBuilder();
    threads(b);
    const ctx = 0x7f00n;
    b.add(wire.encodeAioSubmit({ opcode: 0, index: 0, pid: PID, tid: PID, ts: b.at(2 * MS), ctx, obj: 0x10n, data: 1n, offset: 0, nbytes: 512, fd: 6, resfd: -1, iocbFlags: 0, rwFlags: 0, stackId: 0n }));
    b.syscall({ sys: sysId('io_submit'), ts: b.at(2 * MS), dur: 10 * US, ret: 1, args: [ctx, 1n, 0n, 0n, 0n, 0n] });
    b.add(wire.encodeAioComplete({ index: 0, flags: 0, pid: PID, tid: 101, ts: b.at(3 * MS), ctx, obj: 0x10n, data: 1n, res: 512, res2: 0 }));
    b.syscall({ sys: sysId('io_getevents'), tid: 101, ts: b.at(1 * MS), dur: 2 * MS, ret: 1, args: [ctx, 1n, 1n, 0n, 0n, 0n] });
    const { chains } = await run(b);
    assert.deepEqual(chains, ['io_submit > aio pread > io_getevents']);
  });

  it('a UIO interrupt flows to the read it woke; coalesced ones stand alone', async () => {
    const b = new StreamBuilder();
    b.add(wire.encodeUioDevice({ index: 0, irq: 11, dev: 240 << 20, ts: b.at(0), strings: ['uio_pci_generic', '0.01.0', ''] }));
    b.fd({ op: 1, fd: 3, type: 14, path: '/dev/uio0', rdev: 240 << 20 });
    for (let i = 1; i <= 3; i++) {
      const t = i * MS;
      b.add(wire.encodeIrq({ cpu: 0, irq: 11, ret: 1, ts: b.at(t), dur: 5 * US, name: 'uio_pci_generic' }));
      if (i === 2) b.add(wire.encodeIrq({ cpu: 0, irq: 11, ret: 1, ts: b.at(t + 100 * US), dur: 5 * US, name: 'uio_pci_generic' }));
      b.syscall({ sys: sysId('read'), ts: b.at(t - 500 * US), dur: 700 * US, ret: 4, args: [3n, 0n, 4n, 0n, 0n, 0n], dataFormat: 7, data: [BigInt(i + (i > 1 ? 1 : 0))] });
    }
    const { t, chains } = await run(b);
    assert.deepEqual(chains, ['uio_pci_generic > read', 'uio_pci_generic > read', 'uio_pci_generic > read']);
    assert.equal(t.events.filter((e) => e.name === 'uio_pci_generic').length, 4, 'the coalesced interrupt is kept');
    const row = t.tracks.get(t.events.find((e) => e.name === 'uio_pci_generic')!.track);
    assert.equal(row?.name, 'uio0 uio_pci_generic · IRQ 11');
  });

  it('a signal generated and never delivered is kept, without a flow', async () => {
    const b = new StreamBuilder();
    threads(b);
    b.add(wire.encodeSignalGenerate({ sig: 10, group: 0, result: 1, flags: 0, pid: PID, tid: PID, ts: b.at(MS), senderPid: PID, senderTid: 101, code: 0, sigErrno: 0, pollFd: -1, pollBand: 0, senderComm: 'helper' }));
    const { t, chains } = await run(b);
    assert.deepEqual(chains, []);
    assert.equal(t.events.filter((e) => e.name === 'SIGUSR1 generated').length, 1);
  });

  it('calls that do not nest on their thread go to an overlapping row beside it, never lost', async () => {
    const b = new StreamBuilder();
    threads(b);
    b.syscall({ sys: sysId('read'), ts: b.at(1 * MS), dur: 3 * MS, ret: 1, args: [4n, 0n, 1n, 0n, 0n, 0n] });
    b.syscall({ sys: sysId('read'), ts: b.at(2 * MS), dur: 3 * MS, ret: 1, args: [4n, 0n, 1n, 0n, 0n, 0n] });
    b.syscall({ sys: sysId('read'), ts: b.at(4 * MS), dur: 1 * MS, ret: 1, args: [4n, 0n, 1n, 0n, 0n, 0n] });
    const { t } = await run(b);
    const reads = t.events.filter((e) => e.name === 'read');
    assert.equal(reads.length, 3);
    const rows = reads.map((e) => t.tracks.get(e.track)?.thread?.thread_name ?? t.tracks.get(e.track)?.name);
    assert.deepEqual(rows, ['loop', 'loop (overlapping)', 'loop'], 'the third starts as the first ends');
  });

  /** A loop (tid PID) whose read of a pipe blocks it twice, at server.c:88: a loop-blocked finding. */
  function blockedLoop(): { b: StreamBuilder; stalls: number[] } {
    const b = new StreamBuilder();
    threads(b);
    b.fd({ op: 4, fd: 3, type: 9, path: 'anon_inode:[eventpoll]' });
    b.fd({ op: 4, fd: 5, type: 7, path: 'pipe:[11]' });
    b.symbols(1n, [['epoll_wait', 'sysdeps/unix/sysv/linux/epoll_wait.c', 30], ['run_loop', '/work/app/src/server.c', 142]]);
    b.symbols(2n, [['read', 'sysdeps/unix/sysv/linux/read.c', 26], ['on_request', '/work/app/src/server.c', 88], ['run_loop', '/work/app/src/server.c', 150]]);
    const stalls: number[] = [];
    let t = 1 * MS;
    for (let i = 0; i < 10; i++) {
      b.epollWait({ ts: t, dur: 2 * MS, ret: 1, stackId: 1n, ready: [[5n, 1]] });
      t += 2 * MS + 10 * US;
      // the second stall is the longer: the finding stands at it, its worst event
      const dur = i === 4 ? 20 * MS : i === 9 ? 30 * MS : 5 * US;
      if (dur > MS) stalls.push(t);
      b.call('read', { ts: t, dur, ret: 1, fd: 5, stackId: 2n });
      t += dur + 10 * US;
    }
    b.epollWait({ ts: t, dur: 1 * MS, ret: 0, stackId: 1n });
    return { b, stalls };
  }

  it('writes each finding as an instant on its thread at its worst event, with its rule, line and stack', async () => {
    const { b, stalls } = blockedLoop();
    const { t } = await run(b);
    const findings = t.events.filter((e) => e.category === 'finding');
    assert.deepEqual(findings.map((e) => e.name), ['finding: loop-blocked']);
    const [f] = findings;
    assert.equal(f.end, null, 'an instant');
    assert.equal(t.tracks.get(f.track)?.thread?.tid, PID);
    const worst = t.events.find((e) => e.name === 'read' && e.end! - e.ts === 30 * MS);
    assert.ok(worst);
    assert.equal(f.ts, worst.ts);
    assert.equal(f.ts - 1e12, stalls[1]);
    assert.equal(f.args.rule, 'loop-blocked');
    assert.equal(f.args.severity, 'high');
    assert.match(String(f.args.title), /read\(\) blocked the event loop of loop 100\/100 2 times, 50\.0 ms in total/);
    assert.match(String(f.args.suggestion), /O_NONBLOCK/);
    assert.equal(f.args.where, '/work/app/src/server.c:88 (on_request)');
    assert.equal(f.args.file, '/work/app/src/server.c');
    assert.equal(f.args.line, 88);
    assert.equal(f.args.impact_ns, 50 * MS);
    assert.equal(f.args.event_count, 2);
    assert.deepEqual(f.frames.map((x) => x.line), [150, 88, 26]);
  });

  it('writes findings in the Chrome format too, and leaves them out when asked', async () => {
    const { b } = blockedLoop();
    const input = join(dir, 'blocked.iolens');
    writeFileSync(input, b.bytes());
    const r = await exportTrace(input, input + '.json', { format: 'chrome', symbolPath: [] });
    assert.equal(r.findings, 1);
    const doc = JSON.parse(readFileSync(input + '.json', 'utf8')) as { traceEvents: Record<string, unknown>[] };
    const f = doc.traceEvents.filter((e) => e.cat === 'finding');
    assert.equal(f.length, 1);
    assert.equal(f[0].name, 'finding: loop-blocked');
    assert.equal(f[0].ph, 'i');
    assert.equal(f[0].tid, PID);
    assert.equal((f[0].args as Record<string, unknown>).line, 88);
    const none = await exportTrace(input, input + '.none.json', { format: 'chrome', symbolPath: [], noFindings: true });
    assert.equal(none.findings, 0);
    assert.ok(!readFileSync(input + '.none.json', 'utf8').includes('"finding'));
  });

  it('puts a finding about the whole trace on a findings row of its own', async () => {
    const b = new StreamBuilder();
    threads(b);
    b.syscall({ sys: sysId('read'), ts: b.at(1 * MS), dur: 3 * MS, ret: 1, args: [4n, 0n, 1n, 0n, 0n, 0n] });
    b.add(wire.encodeDrop({ source: 1, cpu: 0xffff, ts: b.at(300 * MS), count: 7, total: 7 }));
    const { t } = await run(b);
    const [f] = t.events.filter((e) => e.category === 'finding');
    assert.equal(f.name, 'finding: lost-events');
    assert.equal(t.tracks.get(f.track)?.name, 'Findings');
    assert.equal(f.ts - 1e12, 300 * MS, 'at the drop record behind it');
  });

  it('ends a lost-records gap where the drop record says, on a row per source', async () => {
    const b = new StreamBuilder();
    threads(b);
    b.add(wire.encodeDrop({ source: 1, cpu: 0xffff, ts: b.at(300 * MS), count: 7, total: 7 }));
    b.add(wire.encodeDrop({ source: 1, cpu: 0xffff, ts: b.at(500 * MS), count: 3, total: 10 }));
    const { t } = await run(b);
    const gaps = t.events.filter((e) => e.category === 'lost').map((e) => [e.name, e.ts - 1e12, e.end! - 1e12]);
    assert.deepEqual(gaps, [['7 records lost (ring_full)', 100 * MS, 300 * MS], ['3 records lost (ring_full)', 300 * MS, 500 * MS]]);
  });
});
