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
      pid, ppid: 1, name: `p${pid}`, exe: '', uid, user: String(uid), commandLine: `p${pid}`, kernelThread, startTicks, container: null,
    });
    const order = pickerOrder([p(1, 0, 1), p(2, 1000, 5), p(3, 1000, 9), p(4, 0, 20, true), p(5, 1000, 30)], 1000, new Set([5]));
    assert.deepEqual(order.map((x) => x.pid), [3, 2, 1]);
  });

  it('puts the workspace\'s programs first and the editor\'s own processes after the user\'s others', () => {
    const p = (pid: number, ppid: number, exe: string, commandLine: string, uid = 1000, startTicks = pid): ProcessEntry => ({
      pid, ppid, name: exe.split('/').pop() ?? '', exe, uid, user: String(uid), commandLine, kernelThread: false, startTicks, container: null,
    });
    const list = [
      p(10, 1, '/usr/bin/node', '/usr/bin/node code-server'), // the editor's server
      p(11, 10, '/usr/bin/node', '/usr/bin/node extensionHost'), // the extension host (this process)
      p(12, 10, '/usr/lib/chromium/chromium', 'chromium --type=renderer'), // a helper of the editor
      p(20, 1, '/home/u/proj/build/server', '/home/u/proj/build/server --port 80', 1000, 5),
      p(21, 1, '/usr/bin/python3', 'python3 /home/u/proj/tools/loop.py', 1000, 4),
      p(30, 1, '/usr/bin/redis-server', 'redis-server', 1000, 99),
      p(40, 1, '', 'sshd', 0, 100),
    ];
    const order = pickerOrder(list, 1000, { folders: ['/home/u/proj'], editorPid: 11, exclude: new Set([11]) });
    assert.deepEqual(order.map((x) => `${x.pid}:${x.rank}`), ['20:workspace', '21:workspace', '30:own', '12:editor', '10:editor', '40:other']);
  });
});
