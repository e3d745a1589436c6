/**
 * "profile (lab)" above `func main()` of a program (package main): runs it with arguments in
 * the lab container and opens its flame graph. Found with tree-sitter from the open document
 * alone, so the lens follows edits without a build; `//go:build ignore` scripts get none.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { GoParser } from '../../core/analysis/parser';
import { isTestFile } from '../../core/analysis/testFunctions';
import { programMain } from '../../core/lab/profileMain';
import { Config } from '../config';

/** Text that any file declaring a program's main must contain: most files skip the parse. */
const MAYBE_MAIN = /^\s*package\s+main\b[\s\S]*\bfunc\s+main\s*\(/m;

export class ProgramCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private parser: Promise<GoParser> | undefined;

  constructor() {
    this.subscription = vscode.Disposable.from(
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('golab.lab.codeLens') && this.changed.fire()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
    );
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    // Running the workspace's code is not offered in Restricted Mode.
    if (!vscode.workspace.isTrusted || isTestFile(document.uri.fsPath) || !Config.read(document.uri).lab.codeLens) return [];
    const text = document.getText();
    if (!MAYBE_MAIN.test(text)) return [];
    this.parser ??= GoParser.create();
    const tree = (await this.parser).parse(text);
    try {
      const name = programMain(text, tree);
      if (!name) return [];
      const at = new vscode.Range(name.startPosition.row, 0, name.startPosition.row, 0);
      const pkg = path.basename(path.dirname(document.uri.fsPath));
      return [new vscode.CodeLens(at, { title: 'profile (lab)', tooltip: `Run ${pkg} with arguments in the lab container, profiled, and open the flame graph`, command: 'golab.profileProgram', arguments: [document.uri] })];
    } finally {
      tree.delete();
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    void this.parser?.then((p) => p.delete(), () => undefined);
  }
}
