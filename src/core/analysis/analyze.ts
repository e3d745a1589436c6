/**
 * Runs the rules over one parsed file, applies per-rule severities and `//golab:ignore`
 * directives, and adds the "ignore" quick fix to every finding.
 *
 * The unit of analysis is a top-level declaration: every rule looks at closures and the
 * function around them, never across declarations. (Reusing the findings of declarations an
 * edit did not touch was measured and dropped: keying them cost more than re-analysing, at
 * most 8 ms on the largest stdlib files.)
 */
import type { Tree } from './parser';
import type { VersionSource } from './goVersion';
import { AnalysisTimeoutError, FileFacts, type RawFinding, RuleContext } from './rule';

export { AnalysisTimeoutError };
import { RULES } from './rules';
import { findSuppressions, isSuppressed, suppressionComment } from './suppress';
import { indentationOf, lineStarts } from './syntax';
import { extractTypeFacts, PackageIndex } from './types/index';
import type { Finding, SeveritySetting } from './types';

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

function rawFindings(tree: Tree, file: FileFacts, version: VersionSource, path: string, pkg: PackageIndex): RawFinding[] {
  const out: RawFinding[] = [];
  for (const unit of tree.rootNode.namedChildren) {
    if (!unit || INERT.has(unit.type)) continue;
    file.checkDeadline();
    const ctx = new RuleContext(tree, file, version, path, pkg, unit);
    for (const rule of RULES) out.push(...rule.check(ctx));
  }
  return out;
}

/**
 * Analyses one file. Never throws on odd syntax (rules see an error-tolerant tree); throws
 * {@link AnalysisTimeoutError} when `options.timeoutMs` runs out.
 */
export function analyzeTree(tree: Tree, text: string, options: AnalysisOptions): Finding[] {
  const timeoutMs = options.timeoutMs ?? Infinity;
  const file = new FileFacts(text, performance.now() + timeoutMs, timeoutMs);
  const path = options.path ?? '<unsaved>.go';
  const suppressions = findSuppressions(text);
  // Computed once, only if some finding needs it: a file may have thousands of findings.
  let starts: number[] | undefined;
  const severityOf = new Map(RULES.map((r) => [r.meta.code, options.severities?.[r.meta.code] ?? r.meta.defaultSeverity]));
  const findings: Finding[] = [];
  for (const raw of rawFindings(tree, file, options.version, path, options.pkg ?? new PackageIndex([extractTypeFacts(tree, path)]))) {
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
