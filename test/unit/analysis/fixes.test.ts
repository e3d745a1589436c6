/**
 * Every quick fix must produce valid Go that no longer has the finding it fixes, and must not
 * introduce a finding of its own.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeText } from '../../../src/core/analysis/file';
import { GoVersionResolver } from '../../../src/core/analysis/goVersion';
import { GoParser } from '../../../src/core/analysis/parser';
import type { Finding } from '../../../src/core/analysis/types';
import { applyEdits } from '../../support/edits';
import { fixtures } from '../../support/paths';

const key = (f: Finding, text: string) => `${f.code}@${text.split('\n')[f.range.start.line].trim()}`;

describe('quick fixes', () => {
  let parser: GoParser;
  const resolver = new GoVersionResolver();
  const opts = { maxFileSizeMB: 10, parseTimeoutMs: 5000 };
  before(async () => {
    parser = await GoParser.create();
  });

  for (const rel of ['closure/go121/loopvar.go', 'closure/shared/shared.go']) {
    it(`each fix in ${rel} removes its finding and keeps the file valid Go`, () => {
      const file = path.join(fixtures, 'analysis', rel);
      const text = fs.readFileSync(file, 'utf8');
      const before = analyzeText(parser, resolver, file, text, opts).findings;
      assert.ok(before.length > 0);
      let fixesTried = 0;
      for (const finding of before) {
        for (const fix of finding.fixes) {
          fixesTried++;
          const fixed = applyEdits(text, fix.edits);
          const tree = parser.parse(fixed);
          assert.ok(!tree.rootNode.hasError, `"${fix.title}" produced invalid Go:\n${fixed}`);
          tree.delete();
          const after = analyzeText(parser, resolver, file, fixed, opts).findings;
          // The fixed line moved if the fix inserted lines; compare by code and line text.
          const target = key(finding, text);
          const stillThere = after.some((f) => key(f, fixed) === target && f.message === finding.message);
          assert.ok(!stillThere, `"${fix.title}" left ${target} in place`);
          assert.ok(after.length < before.length, `"${fix.title}" did not reduce the findings`);
        }
      }
      assert.ok(fixesTried >= before.length, 'every finding offers at least one fix');
    });
  }

  it('offers "pass as argument" with the type read from the source, and "v := v"', () => {
    const file = path.join(fixtures, 'analysis', 'closure/go121/loopvar.go');
    const text = fs.readFileSync(file, 'utf8');
    const findings = analyzeText(parser, resolver, file, text, opts).findings;
    const goInRange = findings.find((f) => text.split('\n')[f.range.start.line].includes('fmt.Println(v)'));
    assert.ok(goInRange);
    const titles = goInRange.fixes.map((f) => f.title);
    assert.deepStrictEqual(titles, [
      "Pass 'v' to the closure as an argument",
      "Copy 'v' for each iteration ('v := v')",
      'Ignore closure/loopvar on this line',
    ]);
    const fixed = applyEdits(text, goInRange.fixes[0].edits);
    assert.ok(fixed.includes('go func(v string) {'), fixed);
    assert.ok(fixed.includes('}(v)'));
    const copied = applyEdits(text, goInRange.fixes[1].edits);
    assert.ok(/for _, v := range xs \{\n\t\tv := v\n\t\twg\.Add\(1\)/.test(copied), copied);

    // A three-clause loop starting at an int literal gives `int`.
    const deferred = findings.find((f) => text.split('\n')[f.range.start.line].includes('fmt.Println(i)') && f.fixes.length === 3);
    assert.ok(deferred);
    assert.ok(applyEdits(text, deferred.fixes[0].edits).includes('defer func(i int) {'));
  });
});
