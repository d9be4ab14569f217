import * as assert from 'node:assert/strict';
import { parseDuration, parseFilter } from './filter';

describe('the timeline filter', () => {
  it('reads words, keys and durations', () => {
    assert.deepEqual(parseFilter('  Read fd:5 path:/dev/UIO thread:worker >5ms ').terms, [
      { kind: 'text', text: 'read' },
      { kind: 'fd', fd: 5 },
      { kind: 'path', text: '/dev/uio' },
      { kind: 'thread', text: 'worker' },
      { kind: 'minDuration', ns: 5e6 },
    ]);
    assert.deepEqual(parseFilter('name:epoll dur>1.5us >=2s').terms, [
      { kind: 'name', text: 'epoll' },
      { kind: 'minDuration', ns: 1500 },
      { kind: 'minDuration', ns: 2e9 },
    ]);
    assert.deepEqual(parseFilter(''), { terms: [], error: null });
  });

  it('says what is wrong', () => {
    assert.match(parseFilter('fd:x').error ?? '', /fd: takes a number/);
    assert.match(parseFilter('>5 ').error ?? '', /a duration is a number and a unit/);
    assert.match(parseFilter('pid:3').error ?? '', /unknown key "pid:"/);
    assert.match(parseFilter('path:').error ?? '', /nothing after/);
  });

  it('reads durations in every unit', () => {
    assert.equal(parseDuration('850ns'), 850);
    assert.equal(parseDuration('12µs'), 12e3);
    assert.equal(parseDuration('12us'), 12e3);
    assert.equal(parseDuration('0.5ms'), 5e5);
    assert.equal(parseDuration('2s'), 2e9);
    assert.equal(parseDuration('2'), null);
  });
});
