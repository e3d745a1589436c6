/**
 * The held-out corpus (test/corpus): runs `golab check --format json` over realistic Go
 * modules and scores each family against labels.json. The targets are the issue's: precision
 * >= 0.95 and recall >= 0.90 per family. The table with every FP and FN is printed first so a
 * failure says which lines to look at.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  type CorpusScore,
  corpusDir,
  FAMILIES,
  formatScore,
  type Label,
  loadLabels,
  RULE_CODES,
  runCheck,
  score,
  TARGETS,
} from '../../corpus/score';

describe('labelled corpus (golab check --format json)', function () {
  // Parsing a few thousand lines through the CLI's worker pool, with start-up, takes seconds.
  this.timeout(120_000);
  let labels: Label[];
  let result: CorpusScore;

  before(function () {
    labels = loadLabels();
    result = score(labels, runCheck());
    console.log(formatScore(result));
  });

  it('labels are well-formed: known codes, existing lines, no duplicates', function () {
    const seen = new Set<string>();
    for (const l of labels) {
      assert.ok(RULE_CODES.includes(l.code), `unknown code ${l.code}`);
      const file = path.join(corpusDir, l.file);
      assert.ok(fs.existsSync(file), `${l.file} does not exist`);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      assert.ok(l.line >= 1 && l.line <= lines.length && lines[l.line - 1].trim() !== '', `${l.file}:${l.line} is not a line of code`);
      const k = `${l.file}:${l.line}:${l.code}`;
      assert.ok(!seen.has(k), `duplicate label ${k}`);
      seen.add(k);
    }
  });

  it('every rule has labelled bugs in the corpus', function () {
    const missing = RULE_CODES.filter((code) => !labels.some((l) => l.code === code));
    assert.deepStrictEqual(missing, []);
  });

  it('corpus files carry no expectation markers (it must read like user code)', function () {
    const marked: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.go') && /\/\/\s*want\b/.test(fs.readFileSync(p, 'utf8'))) marked.push(path.relative(corpusDir, p));
      }
    };
    walk(corpusDir);
    assert.deepStrictEqual(marked, []);
  });

  for (const family of FAMILIES) {
    it(`${family}: precision >= ${TARGETS.precision} and recall >= ${TARGETS.recall}`, function () {
      const t = result.families[family];
      const misses = [
        ...t.falsePositives.map((i) => `FP ${i.file}:${i.line} ${i.code}`),
        ...t.falseNegatives.map((i) => `FN ${i.file}:${i.line} ${i.code}`),
      ].join('\n');
      assert.ok(t.precision >= TARGETS.precision, `${family} precision ${t.precision.toFixed(3)} (TP ${t.tp}, FP ${t.fp})\n${misses}`);
      assert.ok(t.recall >= TARGETS.recall, `${family} recall ${t.recall.toFixed(3)} (TP ${t.tp}, FN ${t.fn})\n${misses}`);
    });
  }
});
