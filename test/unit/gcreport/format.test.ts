import * as assert from 'assert';
import { configName, formatBytes, formatCount, formatFraction, formatGogc, formatMs, formatNs, formatStat, thousands } from '../../../src/webview/gcreport/format';

describe('gc report formatting', () => {
  it('formats bytes in 1024-based units spelled as Go spells them', () => {
    assert.strictEqual(formatBytes(0), '0 B');
    assert.strictEqual(formatBytes(1000), '1,000 B');
    assert.strictEqual(formatBytes(2048), '2 KiB');
    assert.strictEqual(formatBytes(870 * 1024 * 1024), '870 MiB');
    assert.strictEqual(formatBytes(1.5 * 1024 ** 3), '1.5 GiB');
    assert.strictEqual(formatBytes(123.456 * 1024 * 1024), '123 MiB');
    assert.strictEqual(formatBytes(12.345 * 1024 * 1024), '12.3 MiB');
  });

  it('formats milliseconds as µs, ms and s', () => {
    assert.strictEqual(formatMs(0), '0 ms');
    assert.strictEqual(formatMs(0.25), '250 µs');
    assert.strictEqual(formatMs(1.234), '1.23 ms');
    assert.strictEqual(formatMs(999), '999 ms');
    assert.strictEqual(formatMs(1250), '1.25 s');
    assert.strictEqual(formatMs(125000), '125 s');
  });

  it('formats ns/op as ns, µs, ms and s', () => {
    assert.strictEqual(formatNs(512), '512 ns');
    assert.strictEqual(formatNs(52_300), '52.3 µs');
    assert.strictEqual(formatNs(4_000_000), '4 ms');
    assert.strictEqual(formatNs(2_500_000_000), '2.5 s');
  });

  it('formats GC CPU fractions as percentages, keeping precision for small ones', () => {
    assert.strictEqual(formatFraction(0), '0%');
    assert.strictEqual(formatFraction(0.00001), '<0.01%');
    assert.strictEqual(formatFraction(0.0042), '0.42%');
    assert.strictEqual(formatFraction(0.25), '25.0%');
  });

  it('formats counts, keeping the half of an even-sized median', () => {
    assert.strictEqual(thousands(1234567), '1,234,567');
    assert.strictEqual(formatCount(1234), '1,234');
    assert.strictEqual(formatCount(12.5), '12.5');
    assert.strictEqual(formatCount(1234.5), '1,234.5');
    assert.strictEqual(formatCount(12.96), '13.0');
  });

  it('formats a stat as median ± spread, without a zero spread, and a missing one as a dash', () => {
    assert.strictEqual(formatStat({ median: 1250, spread: 40 }, formatMs), '1.25 s ± 40 ms');
    assert.strictEqual(formatStat({ median: 1250, spread: 0 }, formatMs), '1.25 s');
    assert.strictEqual(formatStat(undefined, formatMs), '—');
  });

  it('names a configuration as the environment to type', () => {
    assert.strictEqual(formatGogc('off'), 'off');
    assert.strictEqual(formatGogc(200), '200');
    assert.strictEqual(configName({ gogc: 100, memLimitBytes: 0, memLimitLabel: 'none', containerMemoryBytes: 1 }), 'GOGC=100');
    assert.strictEqual(configName({ gogc: 'off', memLimitBytes: 5, memLimitLabel: '85%', containerMemoryBytes: 1 }), 'GOGC=off GOMEMLIMIT=85%');
  });
});
