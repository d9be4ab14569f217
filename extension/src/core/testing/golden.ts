/**
 * Golden-file comparison (as vscode-js-debug does for its text output): the expected text lives in
 * a file beside the test; UPDATE_GOLDEN=1 rewrites it after a deliberate change.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Compare `actual` with the golden file, or write it when UPDATE_GOLDEN=1. */
export function assertGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.CI === 'true' && !existsSync(path)) assert.fail(`golden file ${path} is missing`);
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `differs from ${path} (UPDATE_GOLDEN=1 to accept a deliberate change)`);
}
