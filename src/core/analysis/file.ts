/**
 * Analysis of files from their text: size guard, timed parse, type facts, rules. Used by the
 * worker pool (workspace analysis, CLI, benchmarks); the server does the same with its
 * incremental trees.
 */
import { AnalysisTimeoutError, analyzeTree } from './analyze';
import type { GoVersionResolver } from './goVersion';
import { type GoParser, ParseTimeoutError, type Tree } from './parser';
import type { Finding, SeveritySetting } from './types';
import { extractTypeFacts, type FileTypeFacts, PackageIndex } from './types/index';

export interface FileAnalysisOptions {
  severities?: Readonly<Record<string, SeveritySetting>>;
  maxFileSizeMB: number;
  /** Budget for the parse, and again for the rules (golab.analysis.timeoutMs). */
  parseTimeoutMs: number;
  /** Parse only (benchmarks measure the cost of the rules against this). */
  parseOnly?: boolean;
}

export interface FileResult {
  file: string;
  findings: Finding[];
  /** Why the file was not analysed (too large, parse timeout), shown to the user as a notice. */
  skipped?: string;
  parseMs: number;
  analyzeMs: number;
  bytes: number;
  lines: number;
}

function countLines(text: string): number {
  let n = text.length > 0 ? 1 : 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** A message for a file too large to analyse; also used by the server for open documents. */
export function tooLargeMessage(bytes: number, limitMB: number): string {
  return `not analysed: ${(bytes / 1048576).toFixed(1)} MB is over golab.analysis.maxFileSizeMB (${limitMB} MB)`;
}

/** Analyses one file on its own (its package index holds only its own declarations). */
export function analyzeText(
  parser: GoParser,
  resolver: GoVersionResolver,
  file: string,
  text: string,
  options: FileAnalysisOptions,
): FileResult {
  return analyzePackage(parser, resolver, [{ file, text }], options)[0];
}

interface Parsed {
  file: string;
  text: string;
  base: FileResult;
  tree?: Tree;
  facts?: FileTypeFacts;
  parseMs: number;
}

/**
 * Analyses the files of one directory together, so that each file's rules know the types its
 * siblings declare (a struct holding a mutex is often declared in another file). Every tree
 * is parsed once and deleted at the end. `context` adds facts of files not analysed now.
 */
export function analyzePackage(
  parser: GoParser,
  resolver: GoVersionResolver,
  inputs: ReadonlyArray<{ file: string; text: string }>,
  options: FileAnalysisOptions,
  context: readonly FileTypeFacts[] = [],
): FileResult[] {
  const parsed: Parsed[] = inputs.map(({ file, text }) => {
    const bytes = Buffer.byteLength(text, 'utf8');
    const base: FileResult = { file, findings: [], parseMs: 0, analyzeMs: 0, bytes, lines: countLines(text) };
    if (bytes > options.maxFileSizeMB * 1048576) return { file, text, parseMs: 0, base: { ...base, skipped: tooLargeMessage(bytes, options.maxFileSizeMB) } };
    const t0 = performance.now();
    try {
      const tree = parser.parse(text, null, options.parseTimeoutMs);
      const facts = options.parseOnly ? undefined : extractTypeFacts(tree, file, text);
      return { file, text, tree, facts, base, parseMs: performance.now() - t0 };
    } catch (e) {
      if (!(e instanceof ParseTimeoutError)) throw e;
      const parseMs = performance.now() - t0;
      return { file, text, parseMs, base: { ...base, parseMs, skipped: `not analysed: ${e.message} (golab.analysis.timeoutMs)` } };
    }
  });
  try {
    // One index per package clause: a directory may hold `p` and its external tests `p_test`.
    const byPackage = new Map<string, FileTypeFacts[]>();
    for (const facts of [...context, ...parsed.map((p) => p.facts)]) {
      if (!facts) continue;
      const list = byPackage.get(facts.packageName) ?? [];
      list.push(facts);
      byPackage.set(facts.packageName, list);
    }
    const indexes = new Map([...byPackage].map(([name, facts]) => [name, new PackageIndex(facts)]));
    return parsed.map((p) => {
      if (!p.tree) return p.base;
      if (options.parseOnly) return { ...p.base, parseMs: p.parseMs };
      const t1 = performance.now();
      const analysis = {
        version: resolver.resolve(p.file, p.text),
        severities: options.severities,
        timeoutMs: options.parseTimeoutMs,
        path: p.file,
        pkg: p.facts && indexes.get(p.facts.packageName),
      };
      try {
        const findings = analyzeTree(p.tree, p.text, analysis);
        return { ...p.base, findings, parseMs: p.parseMs, analyzeMs: performance.now() - t1 };
      } catch (e) {
        if (!(e instanceof AnalysisTimeoutError)) throw e;
        return { ...p.base, parseMs: p.parseMs, analyzeMs: performance.now() - t1, skipped: `not analysed: ${e.message} (golab.analysis.timeoutMs)` };
      }
    });
  } finally {
    for (const p of parsed) p.tree?.delete();
  }
}
