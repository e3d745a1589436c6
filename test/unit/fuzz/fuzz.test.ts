/**
 * A short fuzz round in CI: 300 mutated variants of real Go files, fixed seed. Every variant
 * must be analysed or skipped with a notice, and none may throw. Wall time is not asserted
 * (the bench runner, test/bench/fuzz.ts, reports it): CI machines vary too much.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { repoRoot } from '../../support/paths';
import { collectSources, type FuzzReport, type FuzzSource, formatReport, makeVariant, runFuzz } from '../../fuzz/fuzz';

/** GOROOT when Go is installed; the round still runs on the repository's own Go files without it. */
function goRootIfAny(): string | undefined {
  try {
    return execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

describe('fuzz: mutated Go files through analyzeText', function () {
  this.timeout(180_000);
  const seed = 20260101;
  let sources: FuzzSource[];
  let report: FuzzReport;

  before(async function () {
    // Read here, not at load time, so `mocha --grep` on other suites does not pay for it.
    const goroot = goRootIfAny();
    sources = collectSources({
      goroot,
      sample: 40,
      seed,
      maxBytes: 65536,
      dirs: [path.join(repoRoot, 'test', 'fixtures', 'analysis'), path.join(repoRoot, 'test', 'corpus')],
    });
    report = await runFuzz(sources, { variants: 300, seed });
    console.log(formatReport(report, goroot ? [path.join(goroot, 'src'), repoRoot] : [repoRoot]));
  });

  it('variants are reproducible from (seed, index)', function () {
    const a = makeVariant(sources, seed, 123);
    const b = makeVariant(sources, seed, 123);
    assert.strictEqual(a.text, b.text);
    assert.deepStrictEqual(a.mutations, b.mutations);
    assert.notStrictEqual(makeVariant(sources, seed, 124).text, a.text);
  });

  it('no variant throws', function () {
    const detail = report.exceptions.map((o) => `#${o.index} ${o.source} [${o.mutations.join('; ')}]\n  ${o.error}`).join('\n');
    assert.strictEqual(report.exceptions.length, 0, detail);
  });

  it('every variant is analysed, or skipped with a notice for the user', function () {
    assert.strictEqual(report.analysed + report.skipped, 300, `${report.exceptions.length} threw`);
    assert.deepStrictEqual(
      report.silentSkips.map((o) => o.index),
      [],
    );
  });
});
