/**
 * Analysis of one file from its text: size guard, timed parse, rules. Used by the worker pool
 * (workspace analysis, CLI, benchmarks); the server does the same with its incremental trees.
 */
import { AnalysisTimeoutError, analyzeTree } from './analyze';
import type { GoVersionResolver } from './goVersion';
import { type GoParser, ParseTimeoutError } from './parser';
import type { Finding, SeveritySetting } from './types';

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

export function analyzeText(
  parser: GoParser,
  resolver: GoVersionResolver,
  file: string,
  text: string,
  options: FileAnalysisOptions,
): FileResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  const base = { file, findings: [] as Finding[], parseMs: 0, analyzeMs: 0, bytes, lines: countLines(text) };
  if (bytes > options.maxFileSizeMB * 1048576) return { ...base, skipped: tooLargeMessage(bytes, options.maxFileSizeMB) };
  const t0 = performance.now();
  let tree;
  try {
    tree = parser.parse(text, null, options.parseTimeoutMs);
  } catch (e) {
    if (e instanceof ParseTimeoutError) {
      return { ...base, parseMs: performance.now() - t0, skipped: `not analysed: ${e.message} (golab.analysis.timeoutMs)` };
    }
    throw e;
  }
  const t1 = performance.now();
  try {
    if (options.parseOnly) return { ...base, parseMs: t1 - t0 };
    const analysis = { version: resolver.resolve(file, text), severities: options.severities, timeoutMs: options.parseTimeoutMs };
    try {
      const findings = analyzeTree(tree, text, analysis);
      return { ...base, findings, parseMs: t1 - t0, analyzeMs: performance.now() - t1 };
    } catch (e) {
      if (!(e instanceof AnalysisTimeoutError)) throw e;
      return { ...base, parseMs: t1 - t0, analyzeMs: performance.now() - t1, skipped: `not analysed: ${e.message} (golab.analysis.timeoutMs)` };
    }
  } finally {
    tree.delete();
  }
}
