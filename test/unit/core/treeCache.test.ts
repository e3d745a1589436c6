/**
 * The tree cache must give, after any sequence of edits, the same tree a full parse of the
 * resulting text gives, while re-parsing incrementally.
 */
import * as assert from 'assert';
import { GoParser } from '../../../src/core/analysis/parser';
import { applyChanges, type ContentChange, TreeCache } from '../../../src/core/analysis/treeCache';

const SOURCE = `package p

import "fmt"

func f(xs []string) {
	for _, v := range xs {
		go func() { fmt.Println(v) }()
	}
}
`;

/** A deterministic pseudo-random sequence, so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

function positionOf(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

describe('TreeCache (incremental re-parse)', () => {
  let parser: GoParser;
  before(async () => {
    parser = await GoParser.create();
  });

  it('applies LSP range changes to text like an editor does', () => {
    const changes: ContentChange[] = [
      { range: { start: { line: 5, character: 8 }, end: { line: 5, character: 9 } }, text: 'item' },
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// header\n' },
    ];
    const out = applyChanges(SOURCE, changes);
    assert.ok(out.startsWith('// header\npackage p'));
    assert.ok(out.includes('for _, item := range xs'));
  });

  it('matches a full parse after 200 random edits, including multi-line ones', () => {
    const cache = new TreeCache(parser);
    let text = SOURCE;
    cache.open('file:///p.go', 1, text);
    const next = rng(42);
    const inserts = ['x', '\n', '}', '{', 'go func() {}()\n', '"', '\t', 'é😀'];
    for (let i = 0; i < 200; i++) {
      const start = Math.floor(next() * text.length);
      const end = next() < 0.3 ? Math.min(text.length, start + Math.floor(next() * 12)) : start;
      const change: ContentChange = {
        range: { start: positionOf(text, start), end: positionOf(text, end) },
        text: inserts[Math.floor(next() * inserts.length)],
      };
      text = text.slice(0, start) + change.text + text.slice(end);
      const stats = cache.change('file:///p.go', i + 2, [change], text);
      assert.ok(stats.incremental);
      const entry = cache.get('file:///p.go');
      assert.ok(entry);
      assert.strictEqual(entry.text, text);
      const full = parser.parse(text);
      assert.strictEqual(entry.tree.rootNode.toString(), full.rootNode.toString(), `tree differs after edit ${i}`);
      full.delete();
    }
    cache.dispose();
    assert.strictEqual(cache.size, 0);
  });

  it('evicts the least recently used tree beyond its capacity', () => {
    const cache = new TreeCache(parser, { maxEntries: 2, parseTimeoutMs: 1000 });
    cache.open('a', 1, SOURCE);
    cache.open('b', 1, SOURCE);
    cache.change('a', 2, [{ text: SOURCE + '\n' }], SOURCE + '\n');
    cache.open('c', 1, SOURCE);
    assert.ok(cache.get('a'));
    assert.strictEqual(cache.get('b'), undefined);
    assert.ok(cache.get('c'));
    cache.dispose();
  });

  it('parses from scratch when asked to change a document it no longer holds', () => {
    const cache = new TreeCache(parser);
    const stats = cache.change('gone', 3, [{ text: 'package q' }], 'package q');
    assert.strictEqual(stats.incremental, false);
    assert.strictEqual(cache.get('gone')?.text, 'package q');
    cache.dispose();
  });
});


describe('AnalysisMemo (findings reused across edits)', () => {
  it('gives the same findings as a fresh analysis after every edit, re-analysing little', async () => {
    const fs = await import('fs');
    const path = await import('path');
    const { fixtures } = await import('../../support/paths');
    const { analyzeTree, AnalysisMemo } = await import('../../../src/core/analysis/analyze');
    const { GoVersionResolver } = await import('../../../src/core/analysis/goVersion');
    const parser = await GoParser.create();
    const file = path.join(fixtures, 'analysis', 'closure', 'go121', 'loopvar.go');
    let text = fs.readFileSync(file, 'utf8');
    const version = new GoVersionResolver().resolve(file, text);
    const cache = new TreeCache(parser);
    cache.open('m', 1, text);
    const memo = new AnalysisMemo();
    const next = rng(7);
    const inserts = ['\n', 'x', '\n\n', '// c\n', ' ', 'type T struct{ mu sync.Mutex }\n'];
    for (let i = 0; i < 120; i++) {
      const start = Math.floor(next() * text.length);
      const change: ContentChange = { range: { start: positionOf(text, start), end: positionOf(text, start) }, text: inserts[Math.floor(next() * inserts.length)] };
      text = text.slice(0, start) + change.text + text.slice(start);
      cache.change('m', i + 2, [change], text);
      const tree = cache.get('m')!.tree;
      const memoised = analyzeTree(tree, text, { version, path: file }, memo);
      const fresh = analyzeTree(tree, text, { version, path: file });
      assert.deepStrictEqual(memoised, fresh, `edit ${i}`);
    }
    assert.ok(memo.hits > memo.misses, `memo reused little: ${memo.hits} hits, ${memo.misses} misses`);
    cache.dispose();
  });
});
