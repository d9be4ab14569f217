import * as assert from 'node:assert/strict';
import { listProcesses, pickerOrder, type ProcessEntry } from './processes';

describe('process list', () => {
  it('finds this process with its command line and user', () => {
    const me = listProcesses().find((p) => p.pid === process.pid);
    assert.ok(me);
    assert.equal(me.uid, process.getuid?.());
    assert.match(me.commandLine, /node|mocha/);
    assert.equal(me.kernelThread, false);
  });

  it('puts the user\'s own processes first, newest first, without kernel threads or excluded pids', () => {
    const p = (pid: number, uid: number, startTicks: number, kernelThread = false): ProcessEntry => ({
      pid, name: `p${pid}`, uid, user: String(uid), commandLine: `p${pid}`, kernelThread, startTicks, container: null,
    });
    const order = pickerOrder([p(1, 0, 1), p(2, 1000, 5), p(3, 1000, 9), p(4, 0, 20, true), p(5, 1000, 30)], 1000, new Set([5]));
    assert.deepEqual(order.map((x) => x.pid), [3, 2, 1]);
  });
});
