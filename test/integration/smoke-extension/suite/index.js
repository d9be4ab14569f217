// The smoke suite's entry: the standard template (../../index.js) over this folder.
/* global require, exports, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, loaded by the extension host */
const { runDir } = require('../../index.js');

exports.run = () => runDir(__dirname);
