import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUserError } from '../errors';
import { loadNative } from './native';

describe('loading the native symbolizer', () => {
  it('says how to build it when it is missing', () => {
    assert.throws(() => loadNative('/nonexistent/iolens_symbols.node'), (e: unknown) => {
      assert.ok(isUserError(e) && e.code === 'symbolizer');
      assert.match(e.text, /not built .*npm run build.*libdw-dev/);
      return true;
    });
  });

  it('says what failed and how to rebuild when the file is not a loadable addon', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iolens-native-'));
    try {
      const bogus = join(dir, 'iolens_symbols.node');
      writeFileSync(bogus, 'not an ELF shared object');
      assert.throws(() => loadNative(bogus), (e: unknown) => {
        assert.ok(isUserError(e) && e.code === 'symbolizer');
        assert.match(e.text, /failed to load: .*Rebuild it with `npm run build`/);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads the built addon', () => {
    const mod = loadNative();
    assert.equal(typeof mod.Symbolizer, 'function');
  });
});
