import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defLine, PythonDefs } from './pythonDefs';

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
