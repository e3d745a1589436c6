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
import { findSuppressions, isSuppressed, suppressionComment } from './suppress';
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
 * keystroke re-runs the rules on the edited declaration only. Keyed by the declaration's
 * text and column, the Go version and the package's declarations (a type declared elsewhere
 * changes what a rule finds); stored relative to the declaration's first line.
 */
export class AnalysisMemo {
  private entries = new Map<string, RawFinding[]>();
  private next = new Map<string, RawFinding[]>();
  hits = 0;
  misses = 0;

  /** Returns the declaration's findings, computing them only when its key is new. */
  lookup(key: string, startLine: number, compute: () => RawFinding[]): RawFinding[] {
    const cached = this.entries.get(key);
    if (cached) {
      this.hits++;
      this.next.set(key, cached);
      return cached.map((f) => shift(f, startLine));
    }
    this.misses++;
    const found = compute();
    this.next.set(key, found.map((f) => shift(f, -startLine)));
    return found;
  }

  /** Keeps only the declarations seen in the run that just ended, so memory tracks the file. */
  endRun(): void {
    this.entries = this.next;
    this.next = new Map();
  }
}

/** Declarations larger than this are re-analysed every time: keying them costs more than it saves. */
const MEMO_MAX_CHARS = 64 * 1024;

function rawFindings(tree: Tree, file: FileFacts, version: VersionSource, path: string, pkg: PackageIndex, memo?: AnalysisMemo): RawFinding[] {
  const out: RawFinding[] = [];
  const prefix = memo ? `${version.version.major}.${version.version.minor}|${version.origin}|${pkg.fingerprint()}|` : '';
  for (const unit of tree.rootNode.namedChildren) {
    if (!unit || INERT.has(unit.type)) continue;
    file.checkDeadline();
    const compute = (): RawFinding[] => {
      const ctx = new RuleContext(tree, file, version, path, pkg, unit);
      return RULES.flatMap((rule) => rule.check(ctx));
    };
    if (memo && unit.endIndex - unit.startIndex <= MEMO_MAX_CHARS) {
      const key = `${prefix}${unit.type}|${unit.startPosition.column}|${unit.text}`;
      out.push(...memo.lookup(key, unit.startPosition.row, compute));
    } else out.push(...compute());
  }
  memo?.endRun();
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
  const suppressions = findSuppressions(text);
  // Computed once, only if some finding needs it: a file may have thousands of findings.
  let starts: number[] | undefined;
  const severityOf = new Map(RULES.map((r) => [r.meta.code, options.severities?.[r.meta.code] ?? r.meta.defaultSeverity]));
  const findings: Finding[] = [];
  for (const raw of rawFindings(tree, file, options.version, path, options.pkg ?? new PackageIndex([extractTypeFacts(tree, path)]), memo)) {
    const severity = severityOf.get(raw.code) ?? 'warning';
    if (severity === 'off') continue;
    const line = raw.range.start.line;
    if (isSuppressed(raw.code, line, suppressions)) continue;
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
