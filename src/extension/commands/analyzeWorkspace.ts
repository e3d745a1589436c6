/** "Go Lab: Analyse Workspace": re-analyses every Go file and reports what it found. */
import * as vscode from 'vscode';
import { AnalyzeWorkspaceRequest, type AnalyzeWorkspaceResult } from '../../shared/protocol';
import type { CommandFactory } from '../context';

export const analyzeWorkspace: CommandFactory = (ctx) => async () => {
  const client = ctx.client();
  if (!client) {
    void vscode.window.showErrorMessage('Go Lab: the language server is not running. Run "Go Lab: Restart Language Server".');
    return undefined;
  }
  // The server reports progress (with a Cancel button) while it runs.
  const r = await client.sendRequest<AnalyzeWorkspaceResult>(AnalyzeWorkspaceRequest);
  const skipped = r.skipped > 0 ? `, ${r.skipped} not analysed (see Problems)` : '';
  const verb = r.cancelled ? 'Cancelled after' : 'Analysed';
  // Not awaited: a notification with a button stays pending until dismissed, and the
  // command's result (used by other commands and tests) must not wait for that.
  void vscode.window
    .showInformationMessage(
      `Go Lab: ${verb} ${r.files} Go files in ${(r.ms / 1000).toFixed(1)} s: ${r.findings} finding${r.findings === 1 ? '' : 's'}${skipped}.`,
      ...(r.findings > 0 ? ['Show Problems'] : []),
    )
    .then((choice) => choice && vscode.commands.executeCommand('workbench.actions.view.problems'));
  return r;
};
