/**
 * `golab check --format sarif`: the fields of SARIF 2.1.0 that GitHub code scanning requires
 * or uses, checked by hand on the fixture modules.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import manifestJson from '../../../package.json';
import { ruleDocPath } from '../../../src/core/analysis/rule';
import { RULES } from '../../../src/core/analysis/rules';
import type { SarifLog } from '../../../src/core/report/sarif';
import { repoRoot } from '../../support/paths';
import { assertCliBuilt, parseStdout, runCli } from './cliRunner';

const LEVELS = ['error', 'warning', 'note'];

describe('golab check --format sarif', () => {
  let log: SarifLog;
  let status: number | null;
  before(() => {
    assertCliBuilt();
    const r = runCli(['check', '--format', 'sarif', 'buggy']);
    status = r.status;
    log = parseStdout<SarifLog>(r);
  });

  it('is a SARIF 2.1.0 log with one run of the golab driver', () => {
    assert.strictEqual(status, 1);
    assert.strictEqual(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
    assert.strictEqual(log.version, '2.1.0');
    assert.strictEqual(log.runs.length, 1);
    const driver = log.runs[0].tool.driver;
    assert.strictEqual(driver.name, 'golab');
    assert.strictEqual(driver.version, manifestJson.version);
    // Only a real project page belongs here; package.json has none yet.
    assert.strictEqual(driver.informationUri, (manifestJson as { homepage?: string }).homepage);
    assert.strictEqual(log.runs[0].columnKind, 'utf16CodeUnits');
  });

  it('describes every rule, with help from its docs page when there is one', () => {
    const rules = log.runs[0].tool.driver.rules;
    assert.deepStrictEqual(
      rules.map((r) => r.id),
      RULES.map((r) => r.meta.code),
    );
    for (const [i, rule] of rules.entries()) {
      const meta = RULES[i].meta;
      assert.strictEqual(rule.shortDescription.text, meta.summary);
      assert.ok(rule.fullDescription.text.length > 0, `${rule.id}: fullDescription`);
      assert.ok(LEVELS.includes(rule.defaultConfiguration.level), `${rule.id}: level ${rule.defaultConfiguration.level}`);
      assert.strictEqual(rule.defaultConfiguration.level, meta.defaultSeverity === 'error' ? 'error' : meta.defaultSeverity === 'warning' ? 'warning' : 'note');
      const page = path.join(repoRoot, ruleDocPath(meta.code));
      if (fs.existsSync(page)) {
        const md = fs.readFileSync(page, 'utf8');
        assert.strictEqual(rule.help.markdown, md, `${rule.id}: help.markdown is the docs page`);
        assert.notStrictEqual(rule.fullDescription.text, meta.summary, `${rule.id}: fullDescription from the page`);
      } else {
        assert.strictEqual(rule.help.text, meta.summary, `${rule.id}: no page, help falls back to the summary`);
        assert.strictEqual(rule.help.markdown, undefined);
      }
    }
  });

  it('reports the finding with a %SRCROOT%-relative location and 1-based region', () => {
    const run = log.runs[0];
    assert.strictEqual(run.results.length, 1);
    const [result] = run.results;
    assert.strictEqual(result.ruleId, 'closure/loopvar');
    assert.ok(result.ruleIndex !== undefined && run.tool.driver.rules[result.ruleIndex].id === result.ruleId, 'ruleIndex points at the rule');
    assert.strictEqual(result.level, 'warning');
    assert.match(result.message.text, /^loop variable 'v' captured by a goroutine/);
    const loc = result.locations[0].physicalLocation;
    assert.deepStrictEqual(loc.artifactLocation, { uri: 'buggy/loop.go', uriBaseId: '%SRCROOT%' });
    assert.deepStrictEqual(loc.region, { startLine: 6, startColumn: 23, endLine: 6, endColumn: 24 });
    assert.match(run.originalUriBaseIds['%SRCROOT%'].uri, /^file:\/\/.*\/test\/fixtures\/cli\/$/);
    assert.ok(Object.values(result.partialFingerprints).every((v) => typeof v === 'string' && v.length > 0));
  });

  it('links the loop variable declaration and the go statement as related locations', () => {
    const related = log.runs[0].results[0].relatedLocations ?? [];
    assert.strictEqual(related.length, 2);
    const [decl, site] = related;
    // `\tfor _, v := range xs {`: v is on line 5, column 9.
    assert.deepStrictEqual(decl.physicalLocation.region, { startLine: 5, startColumn: 9, endLine: 5, endColumn: 10 });
    assert.strictEqual(decl.physicalLocation.artifactLocation.uri, 'buggy/loop.go');
    assert.match(decl.message?.text ?? '', /declared here/);
    assert.strictEqual(site.physicalLocation.region?.startLine, 6);
    assert.deepStrictEqual(
      related.map((r) => r.id),
      [1, 2],
    );
  });

  it('counts SARIF columns in UTF-16 code units, as it declares', () => {
    const unicode = parseStdout<SarifLog>(runCli(['check', '--format', 'sarif', 'unicode']));
    // The JSON column is 29 (bytes); "é" is one UTF-16 unit, so SARIF says 28.
    assert.strictEqual(unicode.runs[0].results[0].locations[0].physicalLocation.region?.startColumn, 28);
  });

  it('gives results the level of the configured severity, and no results on a clean module', () => {
    const asNote = parseStdout<SarifLog>(runCli(['check', '--format', 'sarif', '--rule', 'closure/loopvar=hint', 'buggy']));
    assert.strictEqual(asNote.runs[0].results[0].level, 'note');
    const clean = runCli(['check', '--format', 'sarif', 'clean']);
    assert.strictEqual(clean.status, 0);
    const cleanLog = parseStdout<SarifLog>(clean);
    assert.deepStrictEqual(cleanLog.runs[0].results, []);
    assert.strictEqual(cleanLog.runs[0].tool.driver.rules.length, RULES.length, 'rules are listed even without results');
  });
});
