/** The report formatters in src/core/report as pure functions, on hand-made findings. */
import * as assert from 'assert';
import type { Finding } from '../../../src/core/analysis/types';
import { toJsonFindings } from '../../../src/core/report/json';
import { LineIndex, type ReportFile } from '../../../src/core/report/model';
import { artifactLocation, firstParagraph, toSarif } from '../../../src/core/report/sarif';
import { formatSummary, formatText } from '../../../src/core/report/text';

function finding(line: number, start: number, end: number, code = 'closure/loopvar'): Finding {
  return {
    code,
    severity: 'warning',
    message: 'm',
    range: { start: { line, character: start }, end: { line, character: end } },
    related: [],
    fixes: [],
  };
}

describe('report: column conversion', () => {
  it('turns UTF-16 columns into 1-based UTF-8 byte columns', () => {
    const index = new LineIndex('a\n\té😀x\r\nz');
    // Line 1: tab (1 byte), é (2 bytes, 1 unit), 😀 (4 bytes, 2 units), x.
    assert.deepStrictEqual(index.toByteColumn({ line: 1, character: 0 }), { line: 2, column: 1 });
    assert.deepStrictEqual(index.toByteColumn({ line: 1, character: 2 }), { line: 2, column: 4 });
    assert.deepStrictEqual(index.toByteColumn({ line: 1, character: 4 }), { line: 2, column: 8 });
    assert.deepStrictEqual(index.toByteColumn({ line: 1, character: 5 }), { line: 2, column: 9 }, 'end of a CRLF line');
    assert.strictEqual(index.lineText(1), '\té😀x');
    assert.deepStrictEqual(index.toByteColumn({ line: 2, character: 1 }), { line: 3, column: 2 });
  });

  it('keeps positions it cannot check against the text', () => {
    assert.deepStrictEqual(new LineIndex('a').toByteColumn({ line: 5, character: 3 }), { line: 6, column: 4 });
  });
});

describe('report: formats', () => {
  const files: ReportFile[] = [
    { path: 'b.go', absolutePath: '/w/b.go', text: 'x\nyy', findings: [finding(1, 0, 2)] },
    { path: 'a.go', absolutePath: '/w/a.go', text: 'é v', findings: [finding(0, 2, 3, 'closure/shared-write'), finding(0, 0, 1)] },
    { path: 'c.go', absolutePath: '/w/c.go', text: '', findings: [] },
  ];

  it('sorts by path, then position, in every format', () => {
    assert.deepStrictEqual(
      toJsonFindings(files).map((f) => `${f.file}:${f.line}:${f.column}`),
      ['a.go:1:1', 'a.go:1:4', 'b.go:2:1'],
    );
    assert.strictEqual(
      formatText(files, { color: false }),
      'a.go:1:1: warning closure/loopvar: m\na.go:1:4: warning closure/shared-write: m\nb.go:2:1: warning closure/loopvar: m\n',
    );
    const sarif = toSarif(files, { tool: { name: 'golab', version: '1', informationUri: 'https://x' }, rules: [], baseDir: '/w' });
    assert.deepStrictEqual(
      sarif.runs[0].results.map((r) => `${r.locations[0].physicalLocation.artifactLocation.uri}:${r.locations[0].physicalLocation.region?.startColumn}`),
      ['a.go:1', 'a.go:3', 'b.go:1'],
    );
  });

  it('colours only when asked', () => {
    assert.ok(formatText(files, { color: true }).includes('\u001b[33mwarning\u001b[0m'));
    assert.ok(!formatText(files, { color: false }).includes('\u001b'));
  });

  it('says findings and files in the singular and plural', () => {
    assert.strictEqual(formatSummary({ findings: 1, filesWithFindings: 1, filesAnalysed: 1, elapsedMs: 4.4 }), '1 finding in 1 file (1 file analysed in 4 ms)');
    assert.strictEqual(formatSummary({ findings: 0, filesWithFindings: 0, filesAnalysed: 3, elapsedMs: 10 }), '0 findings in 0 files (3 files analysed in 10 ms)');
  });

  it('gives identical findings on identical lines distinct fingerprints', () => {
    const twice: ReportFile = { path: 'd.go', absolutePath: '/w/d.go', text: 'go f(v)\ngo f(v)', findings: [finding(0, 5, 6), finding(1, 5, 6)] };
    const [a, b] = toSarif([twice], { tool: { name: 'golab', version: '1', informationUri: 'https://x' }, rules: [], baseDir: '/w' }).runs[0].results;
    assert.notStrictEqual(a.partialFingerprints['golabFinding/v1'], b.partialFingerprints['golabFinding/v1']);
  });
});

describe('report: SARIF helpers', () => {
  it('locates files inside the base relative to %SRCROOT%, others by file URI', () => {
    assert.deepStrictEqual(artifactLocation({ path: 'dir/my file.go', absolutePath: '/w/dir/my file.go' }), { uri: 'dir/my%20file.go', uriBaseId: '%SRCROOT%' });
    assert.deepStrictEqual(artifactLocation({ path: '../other/x.go', absolutePath: '/other/x.go' }), { uri: 'file:///other/x.go' });
  });

  it('takes the first prose paragraph of a docs page as plain text', () => {
    const md = '# title\n\n**Default severity:** warning\n\n## What\n\n```go\ncode\n```\n\nBefore Go 1.22, a `for` loop\nshares *its* variables.\n\nMore.';
    assert.strictEqual(firstParagraph(md), 'Before Go 1.22, a for loop shares its variables.');
    assert.strictEqual(firstParagraph('# only a title\n'), undefined);
  });
});
