/**
 * Keystroke latency: the largest .go file under GOROOT/src (testdata excluded) is opened in a
 * TreeCache, then single-character edits (insert a character at a pseudo-random place inside
 * a function body, then delete it again; fixed seed) arrive as LSP-style changes. Each edit is
 * timed as the server pays it: incremental re-parse, the package index rebuilt from the type facts
 * of the file and its siblings, and re-analysis of the whole tree with a memo. The
 * anchor is a full parse + analysis of the same file, measured in the same run.
 *
 *   node out/test/bench/editLatency.js [--file F | --root DIR] [--edits N] [--full N] [--seed S]
 */
import * as fs from 'fs';
import * as path from 'path';
import { AnalysisMemo, analyzeTree } from '../../src/core/analysis/analyze';
import { PackageFacts } from '../../src/server/packageFacts';
import { GoVersionResolver } from '../../src/core/analysis/goVersion';
import { GoParser } from '../../src/core/analysis/parser';
import { TreeCache } from '../../src/core/analysis/treeCache';
import type { Position } from '../../src/core/analysis/types';
import { listGoFiles } from '../../src/core/analysis/workspace';
import { CONFIG_DEFAULTS } from '../../src/core/config';
import { goRoot, intFlag, machineLine, mb, ms, parseFlags, peakRss, percentile, table } from './lib/common';
import { prng } from './lib/synthetic';

function largestGoFile(root: string): string {
  let best = '';
  let bestSize = -1;
  for (const f of listGoFiles([root], ['**/testdata/**'], root)) {
    const size = fs.statSync(f).size;
    if (size > bestSize) {
      best = f;
      bestSize = size;
    }
  }
  if (!best) throw new Error(`no .go files under ${root}`);
  return best;
}

/** Offset -> LSP position (UTF-16 column, as web-tree-sitter indexes strings). */
function positionAt(starts: readonly number[], offset: number): Position {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo] };
}

function stats(samples: readonly number[]): string[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return [ms(percentile(sorted, 50)), ms(percentile(sorted, 95)), ms(sorted[sorted.length - 1])];
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    file: 'F     the file to edit (default: the largest .go file under --root)',
    root: 'DIR   where to look for the largest file (default: $(go env GOROOT)/src)',
    edits: 'N   single-character edits (default 300)',
    full: 'N    full parse + analysis samples for the anchor (default 30)',
    seed: 'S    PRNG seed (default 42)',
  });
  const edits = intFlag(flags, 'edits', 300);
  const fullSamples = intFlag(flags, 'full', 30);
  const next = prng(intFlag(flags, 'seed', 42));
  const file = path.resolve(flags.file ?? largestGoFile(flags.root ?? path.join(goRoot(), 'src')));
  const original = fs.readFileSync(file, 'utf8');
  const timeoutMs = CONFIG_DEFAULTS.analysis.timeoutMs;

  console.log(machineLine());
  const lineCount = original.split('\n').length;
  console.log(`file: ${file} (${mb(Buffer.byteLength(original, 'utf8'))}, ${lineCount} lines)`);

  const parser = await GoParser.create();
  const resolver = new GoVersionResolver();
  const cache = new TreeCache(parser, { maxEntries: 4, parseTimeoutMs: timeoutMs });
  const memo = new AnalysisMemo();
  const uri = `file://${file}`;
  const opened = cache.open(uri, 1, original);
  const first = cache.get(uri);
  if (!first) throw new Error('tree cache lost the document');

  // Edit sites: strictly inside function and method bodies, between the braces.
  const bodies: Array<{ start: number; end: number }> = [];
  for (const decl of first.tree.rootNode.descendantsOfType(['function_declaration', 'method_declaration'])) {
    const body = decl?.childForFieldName('body');
    if (body && body.endIndex - body.startIndex > 2 && original[body.startIndex] === '{' && original[body.endIndex - 1] === '}') {
      bodies.push({ start: body.startIndex + 1, end: body.endIndex - 1 });
    }
  }
  if (bodies.length === 0) throw new Error('no function bodies to edit');
  const starts = [0];
  for (let i = original.indexOf('\n'); i !== -1; i = original.indexOf('\n', i + 1)) starts.push(i + 1);
  console.log(`open: full parse ${ms(opened.parseMs)}; ${bodies.length} function bodies to edit; ${edits} edits\n`);

  // Warm-up outside the measurement: JIT of the rules and of the edit path, and the type facts
  // of the sibling files (the server reads them once, when the first file of a package opens).
  const facts = new PackageFacts(parser, () => timeoutMs);
  const siblings = facts.indexFor(file, { version: 1, tree: first.tree, text: first.text }, () => undefined);
  analyzeTree(first.tree, first.text, { version: resolver.resolve(file, first.text), path: file, pkg: siblings });

  const parseTimes: number[] = [];
  // The share of the re-parse spent inside tree-sitter; the rest is applying the edit to the text.
  const parserTimes: number[] = [];
  const analysisTimes: number[] = [];
  const totalTimes: number[] = [];
  let incrementalParses = 0;
  let insertedAt = -1;
  let findings = 0;
  for (let i = 0; i < edits; i++) {
    let change;
    if (insertedAt < 0) {
      const body = bodies[Math.floor(next() * bodies.length)];
      insertedAt = body.start + Math.floor(next() * (body.end - body.start));
      const at = positionAt(starts, insertedAt);
      change = { range: { start: at, end: at }, text: 'x' };
    } else {
      // The text before the inserted character is the original's, so its position is too.
      const at = positionAt(starts, insertedAt);
      change = { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '' };
      insertedAt = -1;
    }
    const t0 = performance.now();
    const parsed = cache.change(uri, i + 2, [change], '');
    const t1 = performance.now();
    const entry = cache.get(uri);
    if (!entry) throw new Error('tree cache lost the document');
    // As the server does on a change: the file's type facts are updated, the package index is
    // rebuilt from them and the siblings' cached facts (read from disk on the first edit, before
    // the warm-up ends), and a memo per document re-analyses only the edited declaration.
    const doc = { version: i + 2, tree: entry.tree, text: entry.text };
    facts.update(file, doc);
    const pkg = facts.indexFor(file, doc, () => undefined);
    findings = analyzeTree(entry.tree, entry.text, { version: resolver.resolve(file, entry.text), path: file, pkg }, memo).length;
    const t2 = performance.now();
    if (parsed.incremental) incrementalParses++;
    parseTimes.push(t1 - t0);
    parserTimes.push(parsed.parseMs);
    analysisTimes.push(t2 - t1);
    totalTimes.push(t2 - t0);
  }
  const last = cache.get(uri);
  if (!last) throw new Error('tree cache lost the document');
  // Taken now: the anchor's S-expression dump below is far bigger than anything the edits hold.
  const rssAfterEdits = peakRss();

  // Anchor: what each keystroke would cost without the tree cache.
  const fullParse: number[] = [];
  const fullAnalysis: number[] = [];
  const fullTotal: number[] = [];
  let fresh = '';
  for (let i = 0; i < fullSamples; i++) {
    const t0 = performance.now();
    const tree = parser.parse(original, null, timeoutMs);
    const t1 = performance.now();
    analyzeTree(tree, original, { version: resolver.resolve(file, original), path: file, pkg: siblings });
    const t2 = performance.now();
    fullParse.push(t1 - t0);
    fullAnalysis.push(t2 - t1);
    fullTotal.push(t2 - t0);
    if (i === 0) fresh = tree.rootNode.toString();
    tree.delete();
  }

  console.log(
    table([
      ['per edit', 'p50', 'p95', 'max', 'samples'],
      ['incremental re-parse', ...stats(parseTimes), String(parseTimes.length)],
      ['  of which tree-sitter parse', ...stats(parserTimes), String(parserTimes.length)],
      ['re-analysis (whole tree)', ...stats(analysisTimes), String(analysisTimes.length)],
      ['incremental total', ...stats(totalTimes), String(totalTimes.length)],
      ['anchor: full parse', ...stats(fullParse), String(fullParse.length)],
      ['anchor: analysis', ...stats(fullAnalysis), String(fullAnalysis.length)],
      ['anchor: full parse + analysis', ...stats(fullTotal), String(fullTotal.length)],
    ]),
  );
  const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q);
  console.log(
    `\nincremental total / full parse + analysis: p50 ${(p(totalTimes, 50) / p(fullTotal, 50)).toFixed(3)}x, ` +
      `p95 ${(p(totalTimes, 95) / p(fullTotal, 95)).toFixed(3)}x`,
  );
  console.log(`p95 incremental total ${ms(p(totalTimes, 95))} (target <= 10 ms)`);
  console.log(`incremental parses: ${incrementalParses}/${edits}; findings in the file: ${findings}`);
  const same = last.text === original && last.tree.rootNode.toString() === fresh;
  console.log(`after ${edits} edits the text ${last.text === original ? 'equals' : 'DIFFERS from'} the original; tree ${same ? 'equals' : 'DIFFERS from'} a fresh parse`);
  console.log(`peak RSS after the edits ${rssAfterEdits} (after the anchor and tree comparison ${peakRss()})`);
  cache.dispose();
  parser.delete();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
