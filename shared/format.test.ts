import * as assert from 'node:assert/strict';
import { formatDuration, formatTimeAt, formatWallClock } from './format';

describe('webview formatting', () => {
  it('formats durations', () => {
    assert.equal(formatDuration(850), '850 ns');
    assert.equal(formatDuration(12_300), '12.3 µs');
    assert.equal(formatDuration(4_970_000), '4.97 ms');
    assert.equal(formatDuration(1_204_000_000), '1.204 s');
  });

  it('gives the wall-clock time of an offset to the microsecond', () => {
    const start = Date.UTC(2026, 10, 28, 14, 3, 27, 123) + 0.456; // .123456 ms
    assert.equal(formatWallClock(start, 0, true), '14:03:27.123 456');
    assert.equal(formatWallClock(start, 999_600, true), '14:03:27.124 455');
    assert.equal(formatWallClock(start, 33e9, true), '14:04:00.123 456');
    assert.equal(formatWallClock(0, 5, true), '', 'unknown start');
  });

  it('shows times with the precision asked for', () => {
    assert.equal(formatTimeAt(1_234_567_890, 1e6), '1.235 s');
    assert.equal(formatTimeAt(1_234_567_890, 1), '1.234567890 s');
  });
});
