/**
 * Every Go file under test/fixtures/analysis is analysed; its findings must match its
 * `// want` markers exactly (no missing finding, no unexpected one).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeText } from '../../../src/core/analysis/file';
import { GoVersionResolver } from '../../../src/core/analysis/goVersion';
import { GoParser } from '../../../src/core/analysis/parser';
import { fixtures } from '../../support/paths';
import { compareWants, readWants } from '../../support/want';

function goFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return goFiles(p);
    return e.name.endsWith('.go') ? [p] : [];
  });
}

describe('analysis fixtures (// want markers)', () => {
  let parser: GoParser;
  const resolver = new GoVersionResolver();
  before(async () => {
    parser = await GoParser.create();
  });

  const root = path.join(fixtures, 'analysis');
  for (const file of goFiles(root)) {
    const rel = path.relative(root, file);
    it(rel, () => {
      const text = fs.readFileSync(file, 'utf8');
      const result = analyzeText(parser, resolver, file, text, { maxFileSizeMB: 10, parseTimeoutMs: 5000 });
      const got = result.findings.map((f) => ({ line: f.range.start.line, code: f.code }));
      assert.deepStrictEqual(compareWants(rel, readWants(text), got), []);
    });
  }
});
