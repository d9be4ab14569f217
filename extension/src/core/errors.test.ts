import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError, isUserError } from './errors';
import { readTraceFile } from './trace/file';

describe('errors a user can act on', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'iolens-errors-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names the path and the cause of a system error in words, not as a bug', () => {
    let thrown: unknown;
    try {
      readFileSync(join(dir, 'none.iolens'));
    } catch (e) {
      thrown = e;
    }
    const d = describeError(thrown);
    assert.equal(d.bug, false);
    assert.equal(d.message, `${join(dir, 'none.iolens')}: no such file or folder`);
  });

  it('refuses a folder or a missing file given as a trace, naming it, before reading anything', async () => {
    for (const [path, why] of [[dir, /: it is a folder, not a trace file\. Give the path of a trace file/], [join(dir, 'none.iolens'), /: no such file or folder\. Check that the file exists/]] as const) {
      await assert.rejects(readTraceFile(path, () => undefined), (e: unknown) => {
        assert.ok(isUserError(e), String(e));
        assert.equal(e.code, 'file');
        assert.ok(e.text.startsWith(`cannot read ${path}`), e.text);
        assert.match(e.text, why);
        return true;
      });
    }
  });
});
