// The smoke suite's entry: the standard template (../../index.js) over this folder.
/* global require, exports, __dirname */
const { runDir } = require('../../index.js');

exports.run = () => runDir(__dirname);
