import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callLine, defLine, PythonDefs } from './pythonDefs';

const SOURCE = [
  'import asyncio',                       // 1
  '',                                     // 2
  'class Handler:',                       // 3
  '    def handle(self):',                // 4
  '        pass',                         // 5
  '',                                     // 6
  'def ticker():',                        // 7: a top-level namesake of main's inner ticker
  '    pass',                             // 8
  '',                                     // 9
  'async def main():',                    // 10
  '    # def ticker(): a comment',         // 11
  '    async def ticker():',              // 12
  '        await asyncio.sleep(0)',       // 13
  '    await ticker()',                   // 14
  '',                                     // 15
  'def other():',                         // 16
  '\tdef handle():',                      // 17
  '\t\tpass',                             // 18
].join('\n');

describe('the def line of a Python frame (CPython perf map names)', () => {
  it('finds nested functions and methods by their qualified names', () => {
    assert.equal(defLine(SOURCE, 'main.<locals>.ticker'), 12);
    assert.equal(defLine(SOURCE, 'ticker'), 7);
    assert.equal(defLine(SOURCE, 'main'), 10);
    assert.equal(defLine(SOURCE, 'Handler.handle'), 4);
    assert.equal(defLine(SOURCE, 'other.<locals>.handle'), 17, 'tabs indent a block too');
  });

  it('gives no line for code without a def, or a name the file does not hold', () => {
    assert.equal(defLine(SOURCE, '<module>'), null);
    assert.equal(defLine(SOURCE, 'main.<locals>.<lambda>'), null);
    assert.equal(defLine(SOURCE, 'Handler.missing'), null);
    assert.equal(defLine(SOURCE, 'main.<locals>.handle'), null, 'only inside main\'s block');
  });

  it('reads .py files only, once each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-pydefs-'));
    try {
      const py = join(dir, 'app.py');
      const txt = join(dir, 'app.txt');
      writeFileSync(py, SOURCE);
      writeFileSync(txt, SOURCE);
      const defs = new PythonDefs();
      assert.equal(defs.lineOf(py, 'main.<locals>.ticker'), 12);
      assert.equal(defs.lineOf(txt, 'main'), null, 'not a Python source file');
      assert.equal(defs.lineOf(join(dir, 'gone.py'), 'main'), null);
      writeFileSync(py, '');
      assert.equal(defs.lineOf(py, 'main'), 10, 'read once: the text as it was');
      assert.equal(defs.lineOf(dir + '/', 'main'), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const SERVER = [
  'import os, time',                                   // 1
  'from time import sleep',                            // 2
  '',                                                  // 3
  'async def handle(sock, fd):',                       // 4
  '    data = sock.recv(64)  # recv( in a comment',    // 5
  '    log("recv(")',                                   // 6: in a string
  '    def helper():',                                 // 7
  '        return sock.recv(8)',                       // 8: a nested def's own call
  '    os.read(fd, 1)',                                // 9
  '    buf.read(2)',                                   // 10
  '    time.sleep(0.1)',                               // 11
  '    await asyncio.sleep(0)',                        // 12
  '    return data',                                   // 13
  '',                                                  // 14
  'def other():',                                      // 15
  '    sleep(1); precv(2)',                            // 16
].join('\n');

describe('the line of a Python function\'s call (CPython perf map names and the next frame)', () => {
  it('finds the one line of the function that makes the call, nested defs, comments and strings left out', () => {
    assert.equal(callLine(SERVER, 'handle', { name: 'recv', module: null }), 5);
    assert.equal(callLine(SERVER, 'handle.<locals>.helper', { name: 'recv', module: null }), 8);
    assert.equal(callLine(SERVER, 'other', { name: 'sleep', module: 'time' }), 16, 'a name imported from its module');
  });

  it('prefers the one call through the callee\'s module among several of its name', () => {
    assert.equal(callLine(SERVER, 'handle', { name: 'read', module: 'os' }), 9);
    assert.equal(callLine(SERVER, 'handle', { name: 'sleep', module: 'time' }), 11);
  });

  it('gives no line when the function calls it in several places, or not at all', () => {
    assert.equal(callLine(SERVER, 'handle', { name: 'read', module: null }), null);
    assert.equal(callLine(SERVER, 'handle', { name: 'sleep', module: 'asyncio_missing' }), null);
    assert.equal(callLine(SERVER, 'handle', { name: 'fsync', module: 'os' }), null);
    assert.equal(callLine(SERVER, 'other', { name: 'cv', module: null }), null, 'a whole name, not its end');
    assert.equal(callLine(SERVER, 'missing', { name: 'recv', module: null }), null);
  });
});
