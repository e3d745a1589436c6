/**
 * The TextMate grammar of race output (syntaxes/golab-race-output.tmLanguage.json): every
 * regex must compile in JavaScript too (VS Code runs Oniguruma, but the web and our tests use
 * JS), and the rules must pick the intended scopes on real captured output. A small line
 * tokenizer stands in for vscode-textmate: first rule matching earliest wins, as in TextMate.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../../support/paths';
import { captured, GO_VERSIONS } from './captured';

interface Capture {
  name?: string;
}
interface Rule {
  comment?: string;
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  include?: string;
  captures?: Record<string, Capture>;
  beginCaptures?: Record<string, Capture>;
  patterns?: Rule[];
}
interface Grammar {
  scopeName: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
}

const grammarPath = path.join(repoRoot, 'syntaxes', 'golab-race-output.tmLanguage.json');
const grammar = JSON.parse(fs.readFileSync(grammarPath, 'utf8')) as Grammar;

/** Every rule object in the grammar, wherever it is nested. */
function allRules(): Rule[] {
  const out: Rule[] = [];
  const walk = (r: Rule): void => {
    out.push(r);
    for (const p of r.patterns ?? []) walk(p);
  };
  for (const r of grammar.patterns) walk(r);
  for (const r of Object.values(grammar.repository)) walk(r);
  return out;
}

/** The match/begin rules a pattern list stands for, includes expanded, in order. */
function flatten(rules: Rule[]): Rule[] {
  return rules.flatMap((r) => {
    if (r.include !== undefined) {
      const target = grammar.repository[r.include.replace(/^#/, '')];
      assert.ok(target, `unknown include ${r.include}`);
      return flatten([target]);
    }
    if (r.match === undefined && r.begin === undefined) return flatten(r.patterns ?? []);
    return [r];
  });
}

interface Token {
  rule: Rule;
  scopes: string[];
  /** Captured text by scope name, for checking what a link covers. */
  groups: Map<string, string>;
}

function firstMatch(line: string, rules: Rule[]): Token | undefined {
  let best: { rule: Rule; m: RegExpExecArray } | undefined;
  for (const rule of rules) {
    const m = new RegExp(rule.match ?? rule.begin ?? '(?!)').exec(line);
    if (m && (!best || m.index < best.m.index)) best = { rule, m };
  }
  if (!best) return undefined;
  const scopes: string[] = best.rule.name ? [best.rule.name] : [];
  const groups = new Map<string, string>();
  for (const [i, c] of Object.entries(best.rule.captures ?? best.rule.beginCaptures ?? {})) {
    const text = best.m[Number(i)];
    if (c.name && text) {
      scopes.push(c.name);
      groups.set(c.name, text);
    }
  }
  return { rule: best.rule, scopes, groups };
}

/** Tokenizes a whole text: one token (or none) per line, tracking the race-report block. */
function tokenize(text: string): { line: string; token?: Token; inReport: boolean }[] {
  const top = flatten(grammar.patterns);
  const block = grammar.repository['race-block'];
  const inner = flatten(block.patterns ?? []);
  let inReport = false;
  return text.split('\n').map((line) => {
    if (inReport && new RegExp(block.end ?? '(?!)').test(line)) inReport = false;
    const token = firstMatch(line, inReport ? inner : top);
    const wasIn = inReport;
    if (!inReport && token?.rule === block) inReport = true;
    return { line, token, inReport: wasIn || inReport };
  });
}

function scopesOf(text: string, line: string): string {
  const found = tokenize(text).find((t) => t.line === line);
  assert.ok(found, `line not in sample: ${line}`);
  return found.token?.scopes.join(' ') ?? '';
}

describe('race output grammar', () => {
  it('is the grammar the extension registers', () => {
    assert.strictEqual(grammar.scopeName, 'text.golab.race-output');
  });

  it('has only regexes that compile as JavaScript RegExp', () => {
    let count = 0;
    for (const rule of allRules()) {
      for (const key of ['match', 'begin', 'end'] as const) {
        const source = rule[key];
        if (source === undefined) continue;
        count++;
        assert.doesNotThrow(() => new RegExp(source), `${key}: ${source}`);
        // Oniguruma-only syntax that JS would silently read differently.
        assert.doesNotMatch(source, /\\[AzZhGH]|\(\?[imx-]+[):]|\(\?>|[*+?]\+/, `${key} is Oniguruma-only: ${source}`);
      }
      for (const c of Object.values({ ...rule.captures, ...rule.beginCaptures })) {
        assert.match(c.name ?? '', /\.golab-race( |$)/, `scope without the grammar suffix: ${c.name}`);
      }
    }
    assert.ok(count >= 15, `only ${count} regexes`);
  });

  for (const version of GO_VERSIONS) {
    it(`highlights a captured race report (${version})`, () => {
      const text = captured('readwrite', version, 'txt');
      const lines = text.split('\n');
      assert.match(scopesOf(text, '=================='), /punctuation\.separator\.race/);
      assert.match(scopesOf(text, 'WARNING: DATA RACE'), /markup\.heading\.race/);
      const read = lines.find((l) => l.startsWith('Read at '));
      const write = lines.find((l) => l.startsWith('Previous write at '));
      const goroutine = lines.find((l) => l.startsWith('Goroutine '));
      assert.ok(read && write && goroutine);
      assert.match(scopesOf(text, read), /markup\.heading\.access\.read.* constant\.numeric\.address.* constant\.numeric\.goroutine/);
      assert.match(scopesOf(text, write), /markup\.heading\.access\.write/);
      assert.match(scopesOf(text, goroutine), /markup\.heading\.goroutine.* string\.unquoted\.state/);
      assert.match(scopesOf(text, '  example.com/golab/race/readwrite.(*Cache).Last()'), /entity\.name\.function/);
      const fileLine = lines.find((l) => l.includes('readwrite/cache.go:19'));
      assert.ok(fileLine);
      const link = tokenize(text).find((t) => t.line === fileLine)?.token?.groups.get('markup.underline.link.golab-race');
      assert.strictEqual(link, '/work/main/test/fixtures/race/src/readwrite/cache.go:19');
      assert.match(scopesOf(text, lines.find((l) => l.startsWith('--- FAIL: TestLast')) ?? ''), /markup\.deleted\.fail.* entity\.name\.function\.test.* constant\.numeric\.duration/);
      assert.match(scopesOf(text, 'FAIL'), /markup\.deleted\.fail/);
      assert.match(scopesOf(text, lines.find((l) => l.startsWith('FAIL\texample.com')) ?? ''), /markup\.deleted\.fail.* entity\.name\.namespace\.package/);
    });

    it(`leaves no line of a race report unhighlighted (${version})`, () => {
      for (const name of ['mapwrite', 'readwrite', 'tworaces', 'twotests', 'subtest', 'mainrace', 'atomicmix', 'panicrace']) {
        const tokens = tokenize(captured(name, version, 'v.txt'));
        const reportLines = tokens.filter((t) => t.inReport && t.line.trim() !== '');
        assert.ok(reportLines.length > 10, name);
        const bare = reportLines.filter((t) => !t.token || t.token.scopes.length === 0).map((t) => t.line);
        assert.deepStrictEqual(bare, [], name);
      }
    });
  }

  it('highlights test results, build errors and panics', () => {
    const verbose = captured('failing', 'go1.26', 'v.txt');
    assert.match(scopesOf(verbose, '--- PASS: TestHalfZero (0.00s)'), /markup\.inserted\.pass/);
    assert.match(scopesOf(verbose, '--- SKIP: TestSkipped (0.00s)'), /markup\.changed\.skip/);
    assert.match(scopesOf(verbose, '=== RUN   TestHalf'), /comment\.line\.run.* entity\.name\.function\.test/);
    assert.match(scopesOf(verbose, '    div_test.go:7: Half(10) = 3, want 5'), /markup\.underline\.link/);
    const clean = captured('clean', 'go1.26', 'txt');
    assert.match(scopesOf(clean, clean.split('\n')[0]), /markup\.inserted\.ok.* entity\.name\.namespace\.package/);
    const build = captured('buildfail', 'go1.26', 'txt');
    assert.match(scopesOf(build, './broken.go:7:3: undefined: sum'), /markup\.underline\.link.* invalid\.illegal\.build-error/);
    assert.match(scopesOf(build, build.split('\n')[0]), /markup\.heading\.build/);
    const panic = captured('panicrace', 'go1.26', 'txt');
    const panicLines = panic.split('\n');
    assert.match(scopesOf(panic, panicLines.find((l) => l.startsWith('panic: ')) ?? ''), /invalid\.illegal\.panic/);
    assert.match(scopesOf(panic, 'goroutine 6 [running]:'), /markup\.heading\.goroutine/);
    assert.match(scopesOf(panic, panicLines.find((l) => l.startsWith('\t') && l.includes('worker_test.go:20')) ?? ''), /markup\.underline\.link/);
    assert.match(scopesOf(panic, panicLines.find((l) => l.startsWith('created by ')) ?? ''), /keyword\.other\.created-by/);
  });

  it('does not take a test log line or a result line for a stack frame', () => {
    const text = ['    flag_test.go:25: ready(now)', '--- FAIL: TestX (0.00s)', 'ok  \texample.com/m\t0.01s'].join('\n');
    for (const t of tokenize(text)) {
      assert.ok(t.token, t.line);
      assert.doesNotMatch(t.token.scopes.join(' '), /entity\.name\.function\.golab-race/, t.line);
    }
  });
});
