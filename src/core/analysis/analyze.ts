/**
 * Runs the rules over one parsed file, applies per-rule severities and `//golab:ignore`
 * directives, and adds the "ignore" quick fix to every finding.
 */
import type { Tree } from './parser';
import type { VersionSource } from './goVersion';
import { RuleContext } from './rule';
import { RULES } from './rules';
import { findSuppressions, isSuppressed, suppressionComment } from './suppress';
import { indentationOf } from './syntax';
import type { Finding, SeveritySetting } from './types';

export interface AnalysisOptions {
  version: VersionSource;
  /** Per-rule severity overrides by code; rules not named use their default. */
  severities?: Readonly<Record<string, SeveritySetting>>;
}

/** Analyses one file. Never throws on odd syntax: rules see an error-tolerant tree. */
export function analyzeTree(tree: Tree, text: string, options: AnalysisOptions): Finding[] {
  const ctx = new RuleContext(tree, text, options.version);
  const suppressions = findSuppressions(text);
  const findings: Finding[] = [];
  for (const rule of RULES) {
    const severity = options.severities?.[rule.meta.code] ?? rule.meta.defaultSeverity;
    if (severity === 'off') continue;
    for (const raw of rule.check(ctx)) {
      const line = raw.range.start.line;
      if (isSuppressed(raw.code, line, suppressions)) continue;
      const lineStart = offsetOfLine(text, line);
      const at = { line, character: 0 };
      findings.push({
        ...raw,
        severity,
        fixes: [
          ...raw.fixes,
          {
            title: `Ignore ${raw.code} on this line`,
            edits: [{ range: { start: at, end: at }, newText: suppressionComment(raw.code, indentationOf(text, lineStart)) }],
          },
        ],
      });
    }
  }
  findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return findings;
}

function offsetOfLine(text: string, line: number): number {
  let offset = 0;
  for (let i = 0; i < line && offset !== -1; i++) offset = text.indexOf('\n', offset) + 1;
  return Math.max(0, offset);
}
