import * as assert from 'node:assert/strict';
import { JvmPerfMaps } from './jvmPerfMap';

describe('jvmPerfMap: asking JVMs for their perf maps', () => {
  /** A fake JVM request: records who was asked, answers when told. */
  function fakeAsk(answer: (pid: number) => string | null = () => null): { ask: (pid: number) => Promise<string | null>; asked: number[]; release: () => void } {
    const asked: number[] = [];
    let waiting: (() => void)[] = [];
    return {
      asked,
      ask: (pid) =>
        new Promise((resolve) => {
          asked.push(pid);
          waiting.push(() => resolve(answer(pid)));
        }),
      release: () => {
        const w = waiting;
        waiting = [];
        w.forEach((f) => f());
      },
    };
  }

  it('asks a JVM once while it answers, again after 1, 2, 4 … s, and has its map read again each time it wrote it', async () => {
    let now = 0;
    const written: number[] = [];
    const f = fakeAsk();
    const jvms = new JvmPerfMaps((pid) => written.push(pid), f.ask, () => now, 1000);
    const answered = async (): Promise<void> => {
      f.release();
      await new Promise((r) => setImmediate(r));
    };
    jvms.want(7);
    jvms.want(7);
    assert.deepEqual(f.asked, [7], 'one request at a time');
    await answered();
    assert.deepEqual(written, [7]);
    now = 999;
    jvms.want(7);
    assert.deepEqual(f.asked, [7], 'asked lately');
    now = 1000;
    jvms.want(7);
    await answered();
    now = 2999;
    jvms.want(7);
    assert.deepEqual(f.asked, [7, 7], 'the second wait is twice the first');
    now = 3000;
    jvms.want(7);
    jvms.want(8);
    assert.deepEqual(f.asked, [7, 7, 7, 8]);
    await answered();
    assert.deepEqual(written, [7, 7, 7, 8]);
  });

  it('at the end asks every JVM still running once more, waits, and says why a map could not be had', async () => {
    const written: number[] = [];
    const f = fakeAsk((pid) => (pid === 9 ? 'no jcmd to ask it with (jcmd: install the JDK)' : pid === 11 ? 'No such process' : null));
    const jvms = new JvmPerfMaps((pid) => written.push(pid), f.ask, () => 0, 1000);
    jvms.want(3); // asked during the recording, then exited
    let gone = [3];
    const settled = jvms.settle([3, 5, 9, 11], (pid) => !gone.includes(pid));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(f.asked, [3, 5, 9, 11], 'the exited JVM is not asked again; its pending request is waited for');
    gone = [3, 11]; // 11 exits while asked: what it failed to answer is no news
    f.release();
    const notes = await settled;
    assert.deepEqual(written.sort(), [3, 5]);
    assert.equal(notes.length, 1);
    assert.match(notes[0], /^pid 9 \(java\): its compiled Java methods are not named in the stacks: no jcmd/);
  });
});
