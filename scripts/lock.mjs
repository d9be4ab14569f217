// A machine-wide lock for builds that every checkout on a machine shares (code-server's install,
// elfutils, the test root): a directory holding its owner's pid; a lock whose owner died is taken
// over. Node's standard library only, synchronous (the callers run before anything else).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Takes the lock; false while a live process holds it. */
function tryLock(lock) {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    let pid = 0;
    try {
      pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      process.kill(pid, 0);
    } catch {
      if (pid) rmSync(lock, { recursive: true, force: true }); // its owner died
    }
    return false;
  }
}

/**
 * Runs `fn` holding `lock` (a path), waiting for another holder first (`waiting` is told once).
 * @template T
 * @param {string} lock
 * @param {() => void} waiting
 * @param {() => T} fn
 * @returns {T}
 */
export function withLock(lock, waiting, fn) {
  for (let i = 0; !tryLock(lock); i++) {
    if (i === 0) waiting();
    sleepSync(1000);
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
