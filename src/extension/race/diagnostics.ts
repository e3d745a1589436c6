/**
 * Race detector findings as diagnostics: one at each access site in the user's code, each
 * pointing at the other access and at the goroutine creation sites. A new run replaces the
 * findings of the packages it ran; the same race seen again (by its key) is shown once; a
 * file's race diagnostics are cleared when the file is edited, since its lines no longer
 * match what ran.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { RaceFinding } from '../../core/race/findings';

export const RACE_SOURCE = 'golab race';

export class RaceDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('golab-race');
  /** Findings by key, each with the directories of the run that found it. */
  private findings = new Map<string, { finding: RaceFinding; scope: string }>();
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.subscription = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length === 0 || !this.collection.has(e.document.uri)) return;
      for (const [key, { finding }] of this.findings) if (finding.file === e.document.uri.fsPath) this.findings.delete(key);
      this.collection.delete(e.document.uri);
    });
  }

  /**
   * Replaces what earlier runs found that this run re-checked: runs over `scope` (a package
   * directory, or a module root for `./...`, which covers the packages below it), limited to
   * `tests` when the run was (`-run`), so running one test keeps the races of the others.
   */
  replace(scope: string, tests: readonly string[] | undefined, found: readonly RaceFinding[]): void {
    const covered = (dir: string) => dir === scope || dir.startsWith(scope + path.sep);
    for (const [key, f] of this.findings) {
      const sameTest = !tests || tests.some((t) => f.finding.test === t || f.finding.test?.startsWith(`${t}/`));
      if (covered(f.scope) && sameTest) this.findings.delete(key);
    }
    for (const finding of found) this.findings.set(finding.key, { finding, scope });
    this.render();
  }

  clear(): void {
    this.findings.clear();
    this.collection.clear();
  }

  /** How many races are shown (each race gives two findings, one per access). */
  get size(): number {
    return this.findings.size;
  }

  private render(): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const { finding: f } of this.findings.values()) {
      const range = new vscode.Range(f.line - 1, f.column > 0 ? f.column - 1 : 0, f.line - 1, Number.MAX_SAFE_INTEGER);
      const d = new vscode.Diagnostic(range, f.message, vscode.DiagnosticSeverity.Error);
      d.source = RACE_SOURCE;
      d.code = 'race/data-race';
      d.relatedInformation = f.related.map(
        (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(r.file), new vscode.Position(r.line - 1, 0)), r.message),
      );
      const list = byFile.get(f.file) ?? [];
      list.push(d);
      byFile.set(f.file, list);
    }
    this.collection.clear();
    for (const [file, list] of byFile) this.collection.set(vscode.Uri.file(file), list);
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.dispose();
  }
}
