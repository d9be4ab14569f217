import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsSources, jsCallLine, jsCalleeOf, type JsCalleeFrame } from './jsCallLine';

const APP = [
  "const fs = require('fs');",                                  // 1
  "fs.mkdirSync('/tmp/x', { recursive: true });",               // 2: top-level code
  'const server = http.createServer((req, res) => {',           // 3: the arrow at column 34
  "  const data = fs.readFileSync('/etc/hosts'); // readFileSync( in a comment", // 4
  "  log('readFileSync(');",                                    // 5: in a string
  '  [1].forEach(() => fs.readFileSync(req.url));',              // 6: a nested function's own call
  '  res.end(data);',                                           // 7
  '});',                                                        // 8
  'function twice(fd) {',                                       // 9
  '  cache.readSync(fd);',                                      // 10
  '  return fs',                                                // 11
  '    .readSync(fd);',                                         // 12: the name's own line
  '}',                                                          // 13
].join('\n');

describe('the line of a JavaScript function\'s call (V8 perf map names and the next frame)', () => {
  it('finds the one call in the function V8 places at a line and column, nested functions, comments and strings left out', () => {
    assert.deepEqual(jsCallLine(APP, 3, 34, { name: 'readFileSync', module: 'fs' }), { line: 4, column: 19 });
    assert.deepEqual(jsCallLine(APP, 6, 15, { name: 'readFileSync', module: 'fs' }), { line: 6, column: 24 }, 'the nested arrow\'s own');
    assert.deepEqual(jsCallLine(APP, 3, 34, { name: 'end', module: null }), { line: 7, column: 7 });
  });

  it('prefers the one call through the module among several of the name, at the name\'s line', () => {
    assert.deepEqual(jsCallLine(APP, 9, 15, { name: 'readSync', module: 'fs' }), { line: 12, column: 6 });
    assert.equal(jsCallLine(APP, 9, 15, { name: 'readSync', module: null }), null, 'two lines call some readSync');
  });

  it('reads a CommonJS module\'s top-level code as the wrapper function V8 places at 1:1', () => {
    assert.deepEqual(jsCallLine(APP, 1, 1, { name: 'mkdirSync', module: 'fs' }), { line: 2, column: 4 });
    assert.equal(jsCallLine(APP, 1, 1, { name: 'readFileSync', module: 'fs' }), null, 'only in functions');
  });

  it('gives no line for a name not called, a place in no function, or a source that does not parse', () => {
    assert.equal(jsCallLine(APP, 3, 34, { name: 'fsync', module: 'fs' }), null);
    assert.equal(jsCallLine(APP, 2, 5, { name: 'mkdirSync', module: 'fs' }), null);
    assert.equal(jsCallLine('function f( {', 1, 11, { name: 'g', module: null }), null);
    assert.equal(jsCallLine(APP, 99, 1, { name: 'end', module: null }), null);
  });

  it('reads .js, .mjs and .cjs files only, once each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-jscall-'));
    try {
      const js = join(dir, 'app.cjs');
      writeFileSync(js, APP);
      writeFileSync(join(dir, 'app.txt'), APP);
      const sources = new JsSources();
      assert.deepEqual(sources.callOf(js, 3, 34, { name: 'readFileSync', module: 'fs' }), { line: 4, column: 19 });
      assert.equal(sources.callOf(join(dir, 'app.txt'), 3, 34, { name: 'readFileSync', module: 'fs' }), null);
      writeFileSync(js, '');
      assert.deepEqual(sources.callOf(js, 3, 34, { name: 'end', module: null }), { line: 7, column: 7 }, 'read once: the text as it was');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what a JavaScript frame called, from the frames leafward of it', () => {
  const f = (fn: string | null, file: string | null = null): JsCalleeFrame => ({ function: fn, file });
  it('names the next JavaScript function past V8\'s builtins, with Node.js\' module', () => {
    const frames = [f('uv_fs_read', 'src/unix/fs.c'), f('node::fs::Read(v8::FunctionCallbackInfo<v8::Value> const&)'), f('readSync', 'node:fs'), f('tryReadSync', 'node:fs'), f('readFileSync', 'node:fs'), f('Builtins_CallFunction_ReceiverIsAny'), f('(anonymous)', '/srv/app.js')];
    assert.deepEqual(jsCalleeOf(frames, 6), { name: 'readFileSync', module: 'fs' });
    assert.deepEqual(jsCalleeOf([f('load', '/srv/lib.mjs'), f('handler', '/srv/app.js')], 1), { name: 'load', module: null });
    assert.deepEqual(jsCalleeOf([f('Foo.read', 'node:internal/fs/promises'), f('handler', '/srv/app.js')], 1), { name: 'read', module: null });
  });

  it('names the synchronous fs call whose wrapper V8 inlined into the function (its next frame the fs binding)', () => {
    // an HTTP handler calling fs.fdatasyncSync(fd), optimized: handler → CallApiCallback → node::fs::Fdatasync
    const frames = [f('uv_fs_fdatasync', 'src/unix/fs.c'), f('node::fs::Fdatasync(v8::FunctionCallbackInfo<v8::Value> const&)'), f('Builtins_CallApiCallback'), f('(anonymous)', '/srv/app.js')];
    assert.deepEqual(jsCalleeOf(frames, 3), { name: 'fdatasyncSync', module: 'fs' });
    assert.deepEqual(jsCalleeOf([f('node::fs::Read(v8::FunctionCallbackInfo<v8::Value> const&)'), f('handler', '/srv/app.js')], 1), { name: 'readSync', module: 'fs' });
  });

  it('names nothing past another native frame or an anonymous function', () => {
    assert.equal(jsCalleeOf([f('uv_run'), f('handler', '/srv/app.js')], 1), null);
    assert.equal(jsCalleeOf([f('(anonymous)', '/srv/lib.js'), f('handler', '/srv/app.js')], 1), null);
    assert.equal(jsCalleeOf([f('handler', '/srv/app.js')], 0), null);
  });
});
