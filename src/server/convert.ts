/** Conversion from core findings to LSP diagnostics and code actions. */
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  CodeAction,
  CodeActionKind,
  Diagnostic,
  DiagnosticSeverity,
  type Hover,
  MarkupKind,
  type Position,
  type TextEdit,
} from 'vscode-languageserver/node';
import { ruleDocPath } from '../core/analysis/rule';
import { findRule } from '../core/analysis/rules';
import type { Finding, Severity } from '../core/analysis/types';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** The extension root: the server bundle lives in dist/. */
const extensionRoot = path.join(__dirname, '..');

/** A file URI to the rule's documentation page shipped with the extension. */
export function docsHref(code: string): string {
  return pathToFileURL(path.join(extensionRoot, ruleDocPath(code))).toString();
}

export const DIAGNOSTIC_SOURCE = 'golab';

export function toDiagnostic(uri: string, f: Finding): Diagnostic {
  const d = Diagnostic.create(f.range, f.message, SEVERITY[f.severity], f.code, DIAGNOSTIC_SOURCE);
  d.codeDescription = { href: docsHref(f.code) };
  d.relatedInformation = f.related.map((r) => ({ location: { uri, range: r.range }, message: r.message }));
  return d;
}

/** A notice diagnostic for a file that could not be analysed (too large, parse timeout). */
export function skippedDiagnostic(reason: string): Diagnostic {
  const start = { line: 0, character: 0 };
  return Diagnostic.create({ start, end: start }, `Go Lab: ${reason}`, DiagnosticSeverity.Information, 'golab/skipped', DIAGNOSTIC_SOURCE);
}

function sameRange(a: Diagnostic['range'], b: Diagnostic['range']): boolean {
  return (
    a.start.line === b.start.line &&
    a.start.character === b.start.character &&
    a.end.line === b.end.line &&
    a.end.character === b.end.character
  );
}

/** Quick fixes for the findings that match the diagnostics VS Code asks about. */
export function codeActionsFor(uri: string, findings: readonly Finding[], diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
    const finding = findings.find((f) => f.code === diagnostic.code && sameRange(f.range, diagnostic.range));
    if (!finding) continue;
    for (const fix of finding.fixes) {
      const edits: TextEdit[] = fix.edits.map((e) => ({ range: e.range, newText: e.newText }));
      const action = CodeAction.create(fix.title, { changes: { [uri]: edits } }, CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      if (fix.isPreferred) action.isPreferred = true;
      actions.push(action);
    }
  }
  return actions;
}

function contains(range: Finding['range'], p: Position): boolean {
  const { start, end } = range;
  if (p.line < start.line || p.line > end.line) return false;
  if (p.line === start.line && p.character < start.character) return false;
  return !(p.line === end.line && p.character > end.character);
}

/**
 * Hover over a finding: the rule's one-line "why", the quick fixes on offer and the link to
 * the rule's page, so the reason is one mouse move away.
 */
export function hoverFor(findings: readonly Finding[], position: Position): Hover | null {
  const here = findings.filter((f) => contains(f.range, position));
  if (here.length === 0) return null;
  const sections = here.map((f) => {
    const rule = findRule(f.code);
    const fixes = f.fixes.filter((x) => !x.title.startsWith('Ignore ')).map((x) => `*${x.title}*`);
    return [
      // VS Code shows the diagnostic's message in the same hover; this adds the why and the way out.
      `**${f.code}** — ${rule?.meta.summary ?? ''}`,
      '',
      ...(fixes.length > 0 ? [`Quick fix (Ctrl+.): ${fixes.join(' · ')}`, ''] : []),
      `[Rule documentation](${docsHref(f.code)})`,
    ].join('\n');
  });
  return { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') }, range: here[0].range };
}
