import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliLinkError, installCliLink, isOnPath, launcherPath, recordRuntime, refreshCliLink } from './cliLink';

/** An installation: package.json, bin/iolens, dist/cli.js. */
function install(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'iolens' }));
  writeFileSync(join(dir, 'bin', 'iolens'), '#!/bin/sh\n');
  writeFileSync(join(dir, 'dist', 'cli.js'), '');
  return dir;
}

describe('the iolens command from an installed extension', () => {
  let tmp: string;
  let bin: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'iolens-clilink-'));
    bin = join(tmp, 'home', '.local', 'bin');
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('links ~/.local/bin/iolens to the launcher and says whether the folder is on PATH', () => {
    const ext = install(join(tmp, 'extensions', 'iolens.iolens-0.2.0'));
    const r = installCliLink({ root: ext, binDir: bin, path: `/usr/bin:${bin}` });
    assert.equal(readlinkSync(join(bin, 'iolens')), launcherPath(ext));
    assert.deepEqual([r.onPath, r.replaced], [true, null]);
    assert.equal(installCliLink({ root: ext, binDir: bin, path: '/usr/bin' }).onPath, false);
  });

  it('replaces a link to another iolens, but not something else unless forced', () => {
    const old = install(join(tmp, 'extensions', 'iolens.iolens-0.1.0'));
    const ext = install(join(tmp, 'extensions', 'iolens.iolens-0.2.0'));
    installCliLink({ root: old, binDir: bin, path: '' });
    assert.equal(installCliLink({ root: ext, binDir: bin, path: '' }).replaced, launcherPath(old));
    rmSync(join(bin, 'iolens'));
    symlinkSync('/usr/bin/true', join(bin, 'iolens'));
    assert.throws(() => installCliLink({ root: ext, binDir: bin, path: '' }), CliLinkError);
    rmSync(join(bin, 'iolens'));
    writeFileSync(join(bin, 'iolens'), 'someone else’s script');
    assert.throws(() => installCliLink({ root: ext, binDir: bin, path: '' }), /not a link to I\/O Lens/);
    installCliLink({ root: ext, binDir: bin, path: '' }, true);
    assert.equal(readlinkSync(join(bin, 'iolens')), launcherPath(ext));
  });

  it('after an update, re-points a link left on the removed copy; leaves a checkout’s link alone', () => {
    const ext = install(join(tmp, 'extensions', 'iolens.iolens-0.2.0-linux-x64'));
    mkdirSync(bin, { recursive: true });
    symlinkSync(join(tmp, 'extensions', 'iolens.iolens-0.1.0-linux-x64', 'bin', 'iolens'), join(bin, 'iolens')); // removed by the update
    assert.equal(refreshCliLink({ root: ext, binDir: bin, path: '' }), join(tmp, 'extensions', 'iolens.iolens-0.1.0-linux-x64', 'bin', 'iolens'));
    assert.equal(readlinkSync(join(bin, 'iolens')), launcherPath(ext));
    assert.equal(refreshCliLink({ root: ext, binDir: bin, path: '' }), null, 'already current');
    const checkout = install(join(tmp, 'src', 'iolens'));
    rmSync(join(bin, 'iolens'));
    symlinkSync(launcherPath(checkout), join(bin, 'iolens'));
    assert.equal(refreshCliLink({ root: ext, binDir: bin, path: '' }), null);
    assert.equal(readlinkSync(join(bin, 'iolens')), launcherPath(checkout));
  });

  it('records the runtime for the launcher once', () => {
    const ext = install(join(tmp, 'extensions', 'iolens.iolens-0.2.0'));
    assert.equal(recordRuntime(ext, '/opt/vscode-server/node'), true);
    assert.equal(recordRuntime(ext, '/opt/vscode-server/node'), false);
    assert.equal(readFileSync(join(ext, 'bin', 'node-runtime'), 'utf8'), '/opt/vscode-server/node\n');
  });

  it('PATH entries compare as folders', () => {
    assert.equal(isOnPath('/home/u/.local/bin', '/usr/bin:/home/u/.local/bin/'), true);
    assert.equal(isOnPath('/home/u/.local/bin', '/usr/bin::/bin'), false);
  });
});
