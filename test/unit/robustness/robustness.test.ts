/**
 * Inputs no one writes on purpose must not break the analysis: each synthetic input is
 * parsed and analysed under the parse timeout, and must either be analysed or be skipped
 * with the timeout notice, never throw. Behaviour is asserted, never speed.
 */
import * as assert from 'assert';
import { AnalysisTimeoutError, analyzeTree } from '../../../src/core/analysis/analyze';
import { analyzeText, type FileAnalysisOptions } from '../../../src/core/analysis/file';
import { GoVersionResolver } from '../../../src/core/analysis/goVersion';
import { GoParser } from '../../../src/core/analysis/parser';
import { CONFIG_DEFAULTS } from '../../../src/core/config';
import { deepClosures, generatedGoFile, syntheticInputs } from '../../bench/lib/synthetic';

/** No go.mod anywhere: GOPATH-mode semantics (Go 1.16), so loop-variable bugs are reported. */
const noModule = () => new GoVersionResolver(() => undefined);
const options: FileAnalysisOptions = {
  maxFileSizeMB: CONFIG_DEFAULTS.analysis.maxFileSizeMB,
  parseTimeoutMs: CONFIG_DEFAULTS.analysis.timeoutMs,
};
const TIMEOUT_NOTICE = /^not analysed: (parsing|analysis) took longer than \d+ ms and was abandoned/;

describe('robustness: synthetic inputs', function () {
  // Each input is bounded by the parse timeout; the budget covers a slow, busy machine.
  this.timeout(120_000);
  let parser: GoParser;
  before(async () => {
    parser = await GoParser.create();
  });
  after(() => parser.delete());

  // The deep-closure input exercises analysis cost, not parsing; it has its own test below.
  for (const input of syntheticInputs(128 * 1024).filter((i) => !i.name.startsWith('closures nested'))) {
    it(`${input.name}: analysed or skipped with a notice, never a throw`, () => {
      const result = analyzeText(parser, noModule(), '/synthetic/input.go', input.text, options);
      assert.ok(Array.isArray(result.findings));
      if (result.skipped !== undefined) {
        assert.match(result.skipped, TIMEOUT_NOTICE);
        assert.strictEqual(result.findings.length, 0);
      } else if (input.loopvarBugs !== undefined) {
        assert.strictEqual(result.findings.filter((f) => f.code === 'closure/loopvar').length, input.loopvarBugs);
      }
    });
  }

  it('finds every bug of a generated file when given the time to parse it', () => {
    const { text, loopvarBugs } = generatedGoFile(512 * 1024);
    const result = analyzeText(parser, noModule(), '/synthetic/gen.go', text, { ...options, parseTimeoutMs: 100_000 });
    assert.strictEqual(result.skipped, undefined);
    assert.ok(loopvarBugs > 500, `generator made ${loopvarBugs} functions`);
    assert.strictEqual(result.findings.filter((f) => f.code === 'closure/loopvar').length, loopvarBugs);
    assert.strictEqual(result.findings.length, loopvarBugs, 'nothing but the planted bugs');
  });

  it('analyses closures nested 100 deep, one finding per level', () => {
    const depth = 100;
    const result = analyzeText(parser, noModule(), '/synthetic/deep.go', deepClosures(depth), options);
    assert.strictEqual(result.skipped, undefined);
    assert.strictEqual(result.findings.filter((f) => f.code === 'closure/loopvar').length, depth);
  });

  it('abandons analysis that runs past its budget with AnalysisTimeoutError', () => {
    // 500 nested closures take seconds to analyse (each ancestor walk re-descends the tree).
    const text = deepClosures(500);
    const tree = parser.parse(text, null, 60_000);
    try {
      const version = noModule().resolve('/synthetic/deep.go', text);
      assert.throws(() => analyzeTree(tree, text, { version, timeoutMs: 1 }), AnalysisTimeoutError);
    } finally {
      tree.delete();
    }
  });

  it('still parses normal Go after a timed-out parse', () => {
    // A parse abandoned by the timeout must leave the parser reusable.
    const hopeless = analyzeText(parser, noModule(), '/synthetic/x.go', generatedGoFile(5 * 1024 * 1024).text, { ...options, parseTimeoutMs: 1 });
    assert.match(hopeless.skipped ?? '', TIMEOUT_NOTICE);
    const ok = analyzeText(parser, noModule(), '/synthetic/y.go', 'package p\n\nfunc f(xs []int) {\n\tfor _, v := range xs {\n\t\tgo func() { println(v) }()\n\t}\n}\n', options);
    assert.strictEqual(ok.skipped, undefined);
    assert.deepStrictEqual(
      ok.findings.map((f) => [f.code, f.range.start.line]),
      [['closure/loopvar', 4]],
    );
  });
});
