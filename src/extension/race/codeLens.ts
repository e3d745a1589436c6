/**
 * "race (lab)" above each TestXxx function of a test file (that test under the race detector
 * in the lab) and "profile (lab)" above tests and benchmarks (profiles in the lab, opened as a
 * flame graph). The tests come from the Test Explorer's discovery (tree-sitter), so the lenses
 * follow edits without a build.
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
    const lenses: vscode.CodeLens[] = [];
    for (const t of this.discovery.testsIn(document.uri.fsPath)) {
      if (t.kind !== 'test' && t.kind !== 'benchmark') continue;
      const at = new vscode.Range(t.nameRange.start.line, 0, t.nameRange.start.line, 0);
      if (t.kind === 'test') {
        lenses.push(new vscode.CodeLens(at, { title: 'race (lab)', tooltip: `Run ${t.name} with the race detector in the lab container`, command: 'golab.raceTest', arguments: [document.uri, t.name] }));
      }
      lenses.push(new vscode.CodeLens(at, { title: 'profile (lab)', tooltip: `Profile ${t.name} in the lab container and open the flame graph`, command: 'golab.profileTest', arguments: [document.uri, t.name, t.kind] }));
    }
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
