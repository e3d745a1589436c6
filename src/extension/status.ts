/** The status bar item: analysis state, finding count, and whether the lab is available. */
import * as vscode from 'vscode';
import type { StatusParams } from '../shared/protocol';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('golab.status', vscode.StatusBarAlignment.Left, 0);
  private last: StatusParams = { state: 'starting', findings: 0, files: 0 };

  constructor() {
    this.item.name = 'Go Lab';
    this.item.command = 'workbench.actions.view.problems';
    this.render();
    this.item.show();
  }

  update(status: StatusParams): void {
    this.last = status;
    this.render();
  }

  /** Shows a server failure until the next status update. */
  fail(message: string): void {
    this.item.text = '$(error) Go Lab';
    this.item.tooltip = `Go Lab: ${message}`;
    this.item.command = 'golab.showOutput';
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  render(): void {
    const { state, findings, files } = this.last;
    const icon = state === 'idle' ? '$(pulse)' : '$(sync~spin)';
    this.item.text = `${icon} Go Lab${state === 'idle' && findings > 0 ? ` ${findings}` : ''}`;
    this.item.command = 'workbench.actions.view.problems';
    this.item.backgroundColor = undefined;
    const trust = vscode.workspace.isTrusted
      ? ''
      : '\n\nRestricted Mode: analysis runs, but nothing that runs this workspace\'s code (the lab) is available until you trust the workspace.';
    const summary =
      state === 'idle' ? `${findings} concurrency finding${findings === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}` : 'Analysing…';
    this.item.tooltip = `Go Lab: ${summary}. Click to open the Problems panel.${trust}`;
  }

  dispose(): void {
    this.item.dispose();
  }
}
