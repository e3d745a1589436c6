/** `golab check --format json`: the flat findings array scripts depend on. */
import * as assert from 'assert';
import type { JsonFinding } from '../../../src/core/report/json';
import { assertCliBuilt, parseStdout, runCli } from './cliRunner';

describe('golab check --format json', () => {
  before(assertCliBuilt);

  it('prints exactly the documented keys, 1-based positions and a relative path', () => {
    const r = runCli(['check', '--format', 'json', 'buggy']);
    assert.strictEqual(r.status, 1, r.stderr);
    const findings = parseStdout<JsonFinding[]>(r);
    assert.ok(Array.isArray(findings));
    assert.strictEqual(findings.length, 1, r.stdout);
    const [f] = findings;
    assert.deepStrictEqual(Object.keys(f).sort(), ['code', 'column', 'endColumn', 'endLine', 'file', 'line', 'message', 'severity']);
    // `\t\tgo func() { println(v) }()`: v is the 23rd byte of line 6; the range is just `v`.
    assert.deepStrictEqual(
      { file: f.file, line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn, code: f.code, severity: f.severity },
      { file: 'buggy/loop.go', line: 6, column: 23, endLine: 6, endColumn: 24, code: 'closure/loopvar', severity: 'warning' },
    );
    assert.match(f.message, /^loop variable 'v' captured by a goroutine/);
  });

  it('prints an empty array and exits 0 on a clean module', () => {
    const r = runCli(['check', '--format', 'json', 'clean']);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(parseStdout<JsonFinding[]>(r), []);
  });

  it('counts columns in UTF-8 bytes', () => {
    const [f] = parseStdout<JsonFinding[]>(runCli(['check', '--format', 'json', 'unicode']));
    assert.deepStrictEqual([f.file, f.line, f.column, f.endColumn], ['unicode/accent.go', 6, 29, 30]);
  });

  it('orders findings by file path and uses the severity from --rule', () => {
    const r = runCli(['check', '--format', 'json', '--rule', 'closure/loopvar=error', 'unicode', 'buggy']);
    const findings = parseStdout<JsonFinding[]>(r);
    assert.deepStrictEqual(
      findings.map((f) => [f.file, f.severity]),
      [
        ['buggy/loop.go', 'error'],
        ['unicode/accent.go', 'error'],
      ],
    );
  });

  it('keeps stdout pure JSON: the summary goes to stderr', () => {
    const r = runCli(['check', '--format', 'json', 'buggy']);
    assert.doesNotMatch(r.stdout, /findings? in/);
    assert.match(r.stderr, /1 finding in 1 file/);
  });
});
