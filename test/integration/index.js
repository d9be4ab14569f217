// Entry of an extension-host test suite: VS Code (code-server through run.mjs, or
// @vscode/test-electron through run-electron.mjs) loads this file as `extensionTestsPath` and
// awaits `run()`. It runs mocha (bdd: describe/it) over every `*.test.js` beside this file, inside
// the extension host, with the full `vscode` API. A rejected promise means failure: the runner
// turns it into a non-zero exit code. Copy or bundle this file next to the compiled tests
// (dist/test/integration/index.js); see README.md.
//
// Environment (set on the server by the runner, inherited by the extension host):
//   IOLENS_TEST_GREP     only tests whose full title matches this regular expression
//   IOLENS_TEST_TIMEOUT  per-test timeout in ms (default 20000)
/* global require, exports, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- the extension host loads this with require() */
const path = require('node:path');
const fs = require('node:fs');

/**
 * Runs every `*.test.js` in `dir` (not recursive, sorted) with mocha.
 * @param {string} dir
 * @returns {Promise<void>} rejects when a test fails or none was found
 */
function runDir(dir) {
  const Mocha = require('mocha');
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: Number(process.env.IOLENS_TEST_TIMEOUT) || 20000 });
  if (process.env.IOLENS_TEST_GREP) mocha.grep(new RegExp(process.env.IOLENS_TEST_GREP));
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort();
  if (!files.length) return Promise.reject(new Error(`no *.test.js files in ${dir}`));
  for (const f of files) mocha.addFile(path.join(dir, f));
  // the runner shows the extension host's console from this line on (console.mjs)
  console.log(`[iolens-suite] running ${files.length} file(s) from ${dir}`);
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
}

exports.runDir = runDir;
/** The suite beside this file. */
exports.run = () => runDir(__dirname);
