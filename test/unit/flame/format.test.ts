import * as assert from 'assert';
import { formatPercent, formatValue, location, shortName, thousands, truncateLabel } from '../../../src/webview/flame/format';

describe('flame value formatting', () => {
  it('groups thousands the same in every locale', () => {
    assert.strictEqual(thousands(0), '0');
    assert.strictEqual(thousands(999), '999');
    assert.strictEqual(thousands(1000), '1,000');
    assert.strictEqual(thousands(1234567), '1,234,567');
    assert.strictEqual(thousands(-1234), '-1,234');
  });

  it('formats nanoseconds as ns, µs, ms and s', () => {
    assert.strictEqual(formatValue(512, 'nanoseconds'), '512 ns');
    assert.strictEqual(formatValue(1500, 'nanoseconds'), '1.5 µs');
    assert.strictEqual(formatValue(12_340_000, 'nanoseconds'), '12.3 ms');
    assert.strictEqual(formatValue(2_500_000_000, 'nanoseconds'), '2.5 s');
    assert.strictEqual(formatValue(250_000_000_000, 'nanoseconds'), '250 s');
    assert.strictEqual(formatValue(3, 'seconds'), '3 s');
    assert.strictEqual(formatValue(-1_000_000, 'nanoseconds'), '-1 ms');
  });

  it('formats bytes as B, KB, MB and GB (1024-based)', () => {
    assert.strictEqual(formatValue(100, 'bytes'), '100 B');
    assert.strictEqual(formatValue(2048, 'bytes'), '2 KB');
    assert.strictEqual(formatValue(1.5 * 1024 * 1024, 'bytes'), '1.5 MB');
    assert.strictEqual(formatValue(3 * 1024 ** 3, 'bytes'), '3 GB');
  });

  it('formats counts with separators, naming units other than count', () => {
    assert.strictEqual(formatValue(1234567, 'count'), '1,234,567');
    assert.strictEqual(formatValue(42, 'objects'), '42 objects');
  });

  it('formats percentages with precision where it matters', () => {
    assert.strictEqual(formatPercent(1, 3), '33.3%');
    assert.strictEqual(formatPercent(1, 200), '0.50%');
    assert.strictEqual(formatPercent(1, 1e6), '<0.01%');
    assert.strictEqual(formatPercent(0, 10), '0%');
    assert.strictEqual(formatPercent(5, 0), '0%');
  });

  it('shortens function names to the last package element', () => {
    assert.strictEqual(shortName('example.com/m/pkg.(*T).Method'), 'pkg.(*T).Method');
    assert.strictEqual(shortName('runtime.mallocgc'), 'runtime.mallocgc');
    assert.strictEqual(shortName('gopkg.in/yaml.v3.(*parser).parse'), 'yaml.v3.(*parser).parse');
    // A '/' in generic type arguments is not a package separator.
    assert.strictEqual(shortName('example.com/m/pkg.Map[go.shape.*example.com/m/x.T]'), 'pkg.Map[go.shape.*example.com/m/x.T]');
  });

  it('truncates labels with an ellipsis, or drops them when nothing useful fits', () => {
    assert.strictEqual(truncateLabel('main.work', 20), 'main.work');
    assert.strictEqual(truncateLabel('main.work', 5), 'main…');
    assert.strictEqual(truncateLabel('main.work', 1), '');
  });

  it('shows file:line with a short or full path', () => {
    assert.strictEqual(location('/home/u/src/m/pkg/a.go', 12), 'pkg/a.go:12');
    assert.strictEqual(location('/home/u/src/m/pkg/a.go', 12, true), '/home/u/src/m/pkg/a.go:12');
    assert.strictEqual(location('', 3), '(unknown file)');
    assert.strictEqual(location('/a/b.go', 0), 'a/b.go');
  });
});
