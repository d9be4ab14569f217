import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { attachNotes, isJava, runtimeLaunch, runtimeOf } from './runtimes';

describe('runtimes: JavaScript and Python functions in the stacks', () => {
  const never = (): null => {
    throw new Error('not asked');
  };

  it('knows node and python by their names', () => {
    assert.equal(runtimeOf('/usr/bin/node'), 'node');
    assert.equal(runtimeOf('nodejs'), 'node');
    assert.equal(runtimeOf('/root/.pyenv/versions/3.12.1/bin/python3.12'), 'python');
    assert.equal(runtimeOf('python3'), 'python');
    assert.equal(runtimeOf('/usr/bin/nodemon'), null);
    assert.equal(runtimeOf('./server'), null);
  });

  it("adds V8's perf flags to a launched node's NODE_OPTIONS, once", () => {
    const r = runtimeLaunch(['node', 'app.js'], { PATH: '/usr/bin', NODE_OPTIONS: '--max-old-space-size=100' }, never);
    assert.equal(r.env?.NODE_OPTIONS, '--max-old-space-size=100 --perf-basic-prof-only-functions --interpreted-frames-native-stack');
    assert.equal(r.env?.PATH, '/usr/bin');
    assert.match(r.notes[0], /JavaScript functions in the stacks/);
    const again = runtimeLaunch(['/usr/bin/node', 'app.js'], { NODE_OPTIONS: r.env?.NODE_OPTIONS }, never);
    assert.equal(again.env, undefined);
  });

  it('turns on the perf trampoline of Python 3.12+, and says 3.11 has none', () => {
    const py312 = runtimeLaunch(['python3', 'app.py'], { PATH: '/usr/bin' }, () => [3, 12]);
    assert.equal(py312.env?.PYTHONPERFSUPPORT, '1');
    assert.match(py312.notes[0], /not lines/);
    const py311 = runtimeLaunch(['python3', 'app.py'], {}, () => [3, 11]);
    assert.equal(py311.env, undefined);
    assert.match(py311.notes[0], /Python 3\.11 has no perf trampoline/);
    assert.deepEqual(runtimeLaunch(['./server'], {}, never), { env: undefined, notes: [] });
  });

  it("keeps a launched JVM's frame pointers through JAVA_TOOL_OPTIONS, once, and says how its methods are named", () => {
    assert.equal(isJava('/usr/lib/jvm/java-17-openjdk-amd64/bin/java'), true);
    assert.equal(isJava('javac'), false);
    const r = runtimeLaunch(['java', '-cp', '.', 'Main'], { PATH: '/usr/bin', JAVA_TOOL_OPTIONS: '-Xmx64m' }, never);
    assert.equal(r.env?.JAVA_TOOL_OPTIONS, '-Xmx64m -XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit');
    assert.equal(r.env?.PATH, '/usr/bin');
    assert.match(r.notes[0], /Java methods in the stacks: .*jcmd PID Compiler\.perfmap/);
    const again = runtimeLaunch(['/usr/bin/java', 'Main'], { JAVA_TOOL_OPTIONS: r.env?.JAVA_TOOL_OPTIONS }, never);
    assert.equal(again.env, undefined);
    assert.equal(again.notes.length, 1);
  });

  it("asks the interpreter its version through the program's PATH", () => {
    // the real probe: this machine's python3, whatever its version, answers
    const r = runtimeLaunch(['python3', '-c', 'pass'], { PATH: '/usr/bin:/bin' });
    assert.equal(r.notes.length, 1, 'a version was read: either the trampoline is turned on or its absence said');
  });

  it('tells how to restart an attached node that writes no perf map, and nothing when it writes one', async () => {
    const plain = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    const withMap = spawn(process.execPath, ['--perf-basic-prof-only-functions', '-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(`/tmp/perf-${withMap.pid}.map`); i++) await sleep(50);
      const notes = attachNotes(plain.pid as number);
      assert.equal(notes.length, 1);
      assert.match(notes[0], /runs Node\.js without a perf map .*NODE_OPTIONS="--perf-basic-prof-only-functions --interpreted-frames-native-stack"/);
      assert.deepEqual(attachNotes(withMap.pid as number), []);
    } finally {
      plain.kill();
      withMap.kill();
      rmSync(`/tmp/perf-${withMap.pid}.map`, { force: true });
    }
  });
});
