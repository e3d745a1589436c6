/**
 * "probe" / "remove probe" above each function of a Go file while a Go debug session runs: the
 * quickest way to start counting and timing a function of the running program.
 */
import * as vscode from 'vscode';
import { type ProbeManager, symbolPatternAt } from './probeManager';

const GO_DEBUG_TYPES = new Set(['go', 'golab-go']);

export class ProbeCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly probes: ProbeManager) {
    this.subscription = vscode.Disposable.from(
      vscode.debug.onDidStartDebugSession(() => this.changed.fire()),
      vscode.debug.onDidTerminateDebugSession(() => this.changed.fire()),
      probes.onDidChange(() => this.changed.fire()),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const session = vscode.debug.activeDebugSession;
    if (!session || !GO_DEBUG_TYPES.has(session.type) || !vscode.workspace.isTrusted) return [];
    const lenses: vscode.CodeLens[] = [];
    for (let line = 0; line < document.lineCount; line++) {
      if (!document.lineAt(line).text.startsWith('func ')) continue;
      const at = symbolPatternAt(document, line);
      if (!at || at.line !== line) continue;
      const range = new vscode.Range(line, 0, line, 0);
      lenses.push(
        this.probes.has(at.pattern)
          ? new vscode.CodeLens(range, { title: 'remove probe', tooltip: `Stop counting and timing ${at.name}`, command: 'golab.probeFunction', arguments: [document.uri, line, 'remove'] })
          : new vscode.CodeLens(range, { title: 'probe', tooltip: `Count and time ${at.name} in the running program (eBPF uprobes)`, command: 'golab.probeFunction', arguments: [document.uri, line] }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
