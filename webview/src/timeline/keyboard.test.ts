import * as assert from 'node:assert/strict';
import { heldMotion, KEY_HELP, keyAction } from './keyboard';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) =>
  keyAction({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });

describe('timeline keys', () => {
  it('maps Perfetto-style and navigation keys', () => {
    assert.deepEqual(key('w'), { kind: 'hold', key: 'w' });
    assert.deepEqual(key('D'), { kind: 'hold', key: 'd' });
    assert.deepEqual(key('f'), { kind: 'fit' });
    assert.deepEqual(key('z'), { kind: 'zoomToSelection' });
    assert.deepEqual(key('Enter'), { kind: 'open' });
    assert.deepEqual(key('Escape'), { kind: 'clear' });
    assert.deepEqual(key('ArrowRight'), { kind: 'move', dir: 'next' });
    assert.deepEqual(key('ArrowUp'), { kind: 'move', dir: 'up' });
    assert.equal(key('x'), null);
  });

  it('leaves shortcuts with modifiers to VS Code', () => {
    assert.equal(key('w', { ctrlKey: true }), null);
    assert.equal(key('f', { metaKey: true }), null);
  });

  it('zooms and pans smoothly while keys are held, independently of the frame rate', () => {
    const w = heldMotion(new Set(['w']), 1000);
    const s = heldMotion(new Set(['s']), 1000);
    assert.ok(w.factor < 1 && s.factor > 1);
    assert.ok(Math.abs(w.factor * s.factor - 1) < 1e-12);
    const a = heldMotion(new Set(['a']), 50);
    const twice = heldMotion(new Set(['a']), 25);
    assert.ok(a.panScreens < 0);
    assert.ok(Math.abs(a.panScreens - 2 * twice.panScreens) < 1e-12);
    assert.deepEqual(heldMotion(new Set(['w', 's']), 16), { factor: 1, panScreens: 0 });
  });

  it('maps the filter, help, occurrence and track keys', () => {
    assert.deepEqual(key('/'), { kind: 'filter' });
    assert.deepEqual(key('?'), { kind: 'help' });
    assert.deepEqual(key('n'), { kind: 'occurrence', dir: 1, scope: 'kind' });
    assert.deepEqual(key('N'), { kind: 'occurrence', dir: -1, scope: 'kind' });
    assert.deepEqual(key('m'), { kind: 'occurrence', dir: 1, scope: 'site' });
    assert.deepEqual(key('M'), { kind: 'occurrence', dir: -1, scope: 'site' });
    assert.deepEqual(key('h'), { kind: 'hideTrack' });
    assert.deepEqual(key('H'), { kind: 'showHidden' });
    assert.deepEqual(key('p'), { kind: 'pinTrack' });
  });

  it('lists every key it acts on in the help', () => {
    const listed = KEY_HELP.flatMap((t) => t.keys.flatMap((k) => k.keys)).join(' ');
    for (const k of ['W', 'A', 'F', 'Z', 'Enter', 'N', 'M', '/', 'H', 'P', '?']) assert.ok(listed.split(' ').includes(k), k);
  });
});
