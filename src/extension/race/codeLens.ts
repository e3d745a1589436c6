/**
 * "race (lab)" above each TestXxx function of a test file: runs that one test under the race
 * detector in the lab. The tests come from the Test Explorer's discovery (tree-sitter), so the
 * lenses follow edits without a build.
 */
import * as vscode from 'vscode';
import { Config } from '../config';
import type { TestDiscovery } from '../testing/discovery';

export class RaceCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly discovery: TestDiscovery) {
    this.subscription = vscode.Disposable.from(
      discovery.onDidChangeFile(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('golab.lab.codeLens') && this.changed.fire()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    // Running the workspace's code is not offered in Restricted Mode.
    if (!vscode.workspace.isTrusted || !Config.read(document.uri).lab.codeLens) return [];
    return this.discovery
      .testsIn(document.uri.fsPath)
      .filter((t) => t.kind === 'test')
      .map(
        (t) =>
          new vscode.CodeLens(new vscode.Range(t.nameRange.start.line, 0, t.nameRange.start.line, 0), {
            title: 'race (lab)',
            tooltip: `Run ${t.name} with the race detector in the lab container`,
            command: 'golab.raceTest',
            arguments: [document.uri, t.name],
          }),
      );
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
