import * as assert from 'node:assert/strict';
import * as wire from '../../../../protocol/generated/wire';
import { Style } from '../../../../protocol/messages';
import { ReportBuilder } from '../report/aggregate';
import { TraceStore } from '../store/traceStore';
import { PID, StreamBuilder, sysId } from '../testing/synthetic';
import { TracePipeline } from '../trace/pipeline';

const US = 1000;
const IRQ = 11;

/** A driver of uio0 (IRQ 11) that reads after each of `n` interrupts; the 3rd read finds two. */
function driverTrace(mode: 'read' | 'epoll' | 'sigio'): Uint8Array {
  const b = new StreamBuilder();
  b.add(wire.encodeUioDevice({ index: 0, irq: IRQ, dev: (240 << 20) | 0, ts: b.at(0), strings: ['uio_pci_generic', '0.01.0', '0000:00:03.0'] }));
  b.fd({ op: 1, fd: 3, type: 14, path: '/dev/uio0', rdev: 240 << 20 });
  b.fd({ op: 1, fd: 4, type: 16, path: '/sys/class/uio/uio0/device/config' });
  if (mode === 'sigio') b.syscall({ sys: sysId('fcntl'), args: [3n, 4n, 0x2000n, 0n, 0n, 0n], ts: b.at(1) });
  if (mode === 'epoll') b.syscall({ sys: sysId('epoll_ctl'), args: [5n, 1n, 3n, 0x10n, 0n, 0n], ts: b.at(1), dataFormat: 3, data: [1n, 3n] });
  let count = 0;
  for (let i = 0; i < 5; i++) {
    const t = 1000 * US * (i + 1);
    const irqs = i === 2 ? 2 : 1; // the third time, two interrupts before the read
    for (let k = 0; k < irqs; k++) {
      b.add(wire.encodeIrq({ cpu: 0, irq: IRQ, ret: 1, ts: b.at(t + k * 100 * US), dur: 5 * US, name: 'uio_pci_generic' }));
      count++;
    }
    const wakeAt = t + (irqs - 1) * 100 * US + 40 * US;
    if (mode === 'epoll') {
      b.syscall({ sys: sysId('epoll_wait'), ts: b.at(t - 500 * US), dur: wakeAt - (t - 500 * US), ret: 1, args: [5n, 0n, 1n, 0xffffffffn, 0n, 0n], dataFormat: 1, data: [0xffffffffffffffffn, 1n, 3n] });
    } else if (mode === 'sigio') {
      b.add(wire.encodeSignalDeliver({ sig: 29, pid: PID, tid: PID, ts: b.at(wakeAt), code: 0x80, sigErrno: 0, pollFd: -1, pollBand: 0, handler: 1n, saFlags: 0n, stackId: 0n }));
    }
    const readStart = mode === 'read' ? t - 500 * US : wakeAt + 5 * US;
    const readEnd = mode === 'read' ? wakeAt : readStart + 3 * US;
    b.syscall({ sys: sysId('read'), ts: b.at(readStart), dur: readEnd - readStart, ret: 4, args: [3n, 0x1000n, 4n, 0n, 0n, 0n], dataFormat: 7, data: [BigInt(count)] });
    // re-enable: uio_pci_generic's way, clearing INTx-disable (bit 2 of config byte 5)
    b.syscall({ sys: sysId('pwrite64'), ts: b.at(readEnd + 10 * US), dur: 2 * US, ret: 1, args: [4n, 0x2000n, 1n, 5n, 0n, 0n], dataFormat: 8, data: [0x01n] });
  }
  return b.bytes();
}

function analyse(mode: 'read' | 'epoll' | 'sigio'): { builder: ReportBuilder; store: TraceStore } {
  let builder = new ReportBuilder();
  const box: { store?: TraceStore } = {};
  const pipeline = new TracePipeline((e) => {
    builder.add(e);
    box.store?.add(e);
  }, { symbolizer: null });
  builder = new ReportBuilder(pipeline.trace.uioDevices);
  const store = new TraceStore(() => 'driver', pipeline.trace.uioDevices);
  box.store = store;
  pipeline.push(driverTrace(mode));
  assert.deepEqual(pipeline.end(), []);
  return { builder, store };
}

describe('UIO analysis', () => {
  for (const mode of ['read', 'epoll', 'sigio'] as const) {
    it(`pairs each interrupt with the driver's wake-up (${mode}), counts missed ones and re-enables`, () => {
      const { builder, store } = analyse(mode);
      const [r] = builder.uioResults();
      assert.equal(r.device.name, 'uio_pci_generic');
      assert.equal(r.interrupts, 6);
      assert.equal(r.missed, 1, 'the count jumped from 2 to 4 once');
      assert.equal(r.missedAt.length, 1);
      assert.equal(r.wake.length, 5, 'one wake-up per read; the missed interrupt woke nobody');
      assert.ok(r.wake.every((w) => w > 0 && w <= 200 * US), `wake latencies ${r.wake}`);
      assert.deepEqual([...r.wakeKinds.keys()], [mode === 'read' ? 'read' : mode === 'epoll' ? 'epoll_wait' : 'SIGIO']);
      assert.equal(r.reenable.length, 5);
      assert.equal(r.handler.length, 6);
      const uioTrack = store.tracks.all().find((t) => t.kind === 'uio');
      assert.equal(uioTrack?.label, 'uio0 uio_pci_generic · IRQ 11');
      assert.equal(store.arrows.filter((a) => a.style === Style.uio).length, 5, 'arrows from the device to the woken thread');
    });
  }
});
