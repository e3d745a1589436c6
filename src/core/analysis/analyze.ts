/**
 * Runs the rules over one parsed file, applies per-rule severities and `//golab:ignore`
 * directives, and adds the "ignore" quick fix to every finding.
 *
 * The unit of analysis is a top-level declaration: every rule looks at closures and the
 * function around them (and the package's declared types), never across declarations. That
 * lets an {@link AnalysisMemo} reuse the findings of every declaration an edit did not touch.
 */
import type { Tree } from './parser';
import type { VersionSource } from './goVersion';
import { AnalysisTimeoutError, FileFacts, type RawFinding, RuleContext } from './rule';

export { AnalysisTimeoutError };
import { RULES } from './rules';
import { findSuppressions, isSuppressed, type Suppression, suppressionComment } from './suppress';
import { indentationOf, lineStarts } from './syntax';
import { extractTypeFacts, PackageIndex } from './types/index';
import type { Finding, Range, SeveritySetting } from './types';

export interface AnalysisOptions {
  version: VersionSource;
  /** Per-rule severity overrides by code; rules not named use their default. */
  severities?: Readonly<Record<string, SeveritySetting>>;
  /**
   * Time budget for the rules; past it {@link AnalysisTimeoutError} is thrown so that no
   * input (deeply nested closures, a huge generated file) can block a worker or the server.
   */
  timeoutMs?: number;
  /** The file's path (for its import table); defaults to a placeholder for unsaved text. */
  path?: string;
  /** The package's type facts, sibling files included; built from this file alone if absent. */
  pkg?: PackageIndex;
}

/** Top-level nodes that cannot contain a closure. */
const INERT = new Set(['package_clause', 'import_declaration', 'comment', 'type_declaration']);

function shiftRange(r: Range, lines: number): Range {
  return { start: { line: r.start.line + lines, character: r.start.character }, end: { line: r.end.line + lines, character: r.end.character } };
}

/** Moves a finding by whole lines (its declaration moved; its text did not change). */
function shift(f: RawFinding, lines: number): RawFinding {
  if (lines === 0) return f;
  return {
    ...f,
    range: shiftRange(f.range, lines),
    related: f.related.map((r) => ({ ...r, range: shiftRange(r.range, lines) })),
    fixes: f.fixes.map((fix) => ({ ...fix, edits: fix.edits.map((e) => ({ ...e, range: shiftRange(e.range, lines) })) })),
  };
}

/**
 * Findings of each top-level declaration from the previous analysis of a document, so a
 * keystroke re-runs the rules on the edited declaration only. Stored relative to the
 * declaration's first line, and keyed by the Go version, the package's declarations (a type
 * declared elsewhere changes what a rule finds), the declaration's column and its syntax
 * node's identity. An incremental parse reuses the subtree of every declaration the edit did
 * not touch (tree-sitter never mutates a shared subtree: an edit copies the path to it), and
 * the memo keeps a copy of the last tree it saw, so no subtree address of a live key can be
 * freed and handed to a different declaration. The key costs nothing to build whatever the
 * declaration's size; after a full parse every declaration simply misses once.
 *
 * Call {@link dispose} when the document goes away.
 */
export class AnalysisMemo {
  private entries = new Map<string, RawFinding[]>();
  private next = new Map<string, RawFinding[]>();
  private retained: Tree | undefined;
  hits = 0;
  misses = 0;

  /**
   * Returns the declaration's findings, computing them only when neither of its keys is known:
   * `idKey` (its subtree's identity) is free to build; `textKey` (its text, built only on a miss
   * of the first, and not at all for huge declarations) catches declarations the parser
   * rebuilt although their text did not change.
   */
  lookup(idKey: string, textKey: (() => string | undefined), startLine: number, compute: () => RawFinding[]): RawFinding[] {
    let cached = this.entries.get(idKey);
    const text = cached ? undefined : textKey();
    if (!cached && text !== undefined) cached = this.entries.get(text);
    let found: RawFinding[];
    if (cached) {
      this.hits++;
      found = cached;
    } else {
      this.misses++;
      found = compute().map((f) => shift(f, -startLine));
    }
    this.next.set(idKey, found);
    if (text !== undefined) this.next.set(text, found);
    return found.map((f) => shift(f, startLine));
  }

  /**
   * Keeps only the declarations seen in the run that just ended, so memory tracks the file,
   * and holds `tree` (a cheap copy sharing its subtrees) for the identity keys of the next run.
   */
  endRun(tree: Tree): void {
    this.entries = this.next;
    this.next = new Map();
    const previous = this.retained;
    this.retained = tree.copy();
    previous?.delete();
  }

  /** Frees the retained tree; the memo starts empty if used again. */
  dispose(): void {
    this.retained?.delete();
    this.retained = undefined;
    this.entries = new Map();
    this.next = new Map();
  }
}

/** Declarations larger than this are keyed by identity only: a text key would cost more than it saves. */
const MEMO_MAX_CHARS = 64 * 1024;

function rawFindings(tree: Tree, text: string, file: FileFacts, version: VersionSource, path: string, pkg: PackageIndex, memo?: AnalysisMemo): RawFinding[] {
  const out: RawFinding[] = [];
  const prefix = memo ? `${version.version.major}.${version.version.minor}|${version.origin}|${pkg.fingerprint()}|` : '';
  // A cursor, not rootNode.namedChildren: a file may have a thousand declarations, and with a
  // memo most need no Node object at all (a keystroke re-analyses one of them).
  const cursor = tree.walk();
  try {
    for (let more = cursor.gotoFirstChild(); more; more = cursor.gotoNextSibling()) {
      if (!cursor.nodeIsNamed || INERT.has(cursor.nodeType)) continue;
      const { startIndex, endIndex } = cursor;
      // Every rule looks at calls, functions or go statements, all of which have a '('. Broken
      // code (an unbalanced brace) can leave thousands of stray identifiers and literals at the
      // top level; the rules' per-declaration set-up must not run on each of them.
      const paren = text.indexOf('(', startIndex);
      if (paren === -1 || paren >= endIndex) continue;
      file.checkDeadline();
      const compute = (): RawFinding[] => {
        const ctx = new RuleContext(tree, file, version, path, pkg, cursor.currentNode);
        return RULES.flatMap((rule) => rule.check(ctx));
      };
      if (!memo) {
        out.push(...compute());
        continue;
      }
      const { row, column } = cursor.startPosition;
      const head = `${prefix}${column}|`;
      const textKey = () => (endIndex - startIndex <= MEMO_MAX_CHARS ? `${head}${text.slice(startIndex, endIndex)}` : undefined);
      out.push(...memo.lookup(`${head}#${cursor.nodeId}:${endIndex - startIndex}`, textKey, row, compute));
    }
  } finally {
    cursor.delete();
  }
  memo?.endRun(tree);
  return out;
}

/**
 * Analyses one file. Never throws on odd syntax (rules see an error-tolerant tree); throws
 * {@link AnalysisTimeoutError} when `options.timeoutMs` runs out.
 */
export function analyzeTree(tree: Tree, text: string, options: AnalysisOptions, memo?: AnalysisMemo): Finding[] {
  const timeoutMs = options.timeoutMs ?? Infinity;
  const file = new FileFacts(text, performance.now() + timeoutMs, timeoutMs, memo !== undefined);
  const path = options.path ?? '<unsaved>.go';
  // Read only if some finding is left to silence: it scans the whole text on every keystroke.
  let suppressions: Suppression[] | undefined;
  // Computed once, only if some finding needs it: a file may have thousands of findings.
  let starts: number[] | undefined;
  const severityOf = new Map(RULES.map((r) => [r.meta.code, options.severities?.[r.meta.code] ?? r.meta.defaultSeverity]));
  const findings: Finding[] = [];
  for (const raw of rawFindings(tree, text, file, options.version, path, options.pkg ?? new PackageIndex([extractTypeFacts(tree, path, text)]), memo)) {
    const severity = severityOf.get(raw.code) ?? 'warning';
    if (severity === 'off') continue;
    const line = raw.range.start.line;
    if (isSuppressed(raw.code, line, (suppressions ??= findSuppressions(text)))) continue;
    const at = { line, character: 0 };
    findings.push({
      ...raw,
      severity,
      fixes: [
        ...raw.fixes,
        {
          title: `Ignore ${raw.code} on this line`,
          edits: [{ range: { start: at, end: at }, newText: suppressionComment(raw.code, indentationOf(text, (starts ??= lineStarts(text))[line] ?? 0)) }],
        },
      ],
    });
  }
  findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return findings;
}
