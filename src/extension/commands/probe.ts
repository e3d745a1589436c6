/**
 * "Go Lab: Probe Function at Cursor": adds an eBPF probe on the Go function around the cursor
 * to the running debug sessions (and to the next ones of this window).
 */
import * as vscode from 'vscode';
import type { CommandFactory } from '../context';
import { symbolPatternAt } from '../probes/probeManager';

/** Arguments from the CodeLens: (uri, line[, 'remove']). */
export const probeFunction: CommandFactory = (ctx) => async (uriArg?: unknown, lineArg?: unknown, removeArg?: unknown) => {
  const editor = vscode.window.activeTextEditor;
  const doc = uriArg instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uriArg) : editor?.document;
  const line = typeof lineArg === 'number' ? lineArg : editor?.selection.active.line;
  if (!doc || doc.languageId !== 'go' || line === undefined) {
    void vscode.window.showErrorMessage('Go Lab: put the cursor in a Go function to probe it.');
    return undefined;
  }
  const at = symbolPatternAt(doc, line);
  if (!at) {
    void vscode.window.showErrorMessage('Go Lab: no function declaration above the cursor.');
    return undefined;
  }
  if (removeArg === 'remove') {
    await ctx.probes.removePattern(at.pattern);
    return at.pattern;
  }
  await ctx.probes.addPattern(at.pattern, { file: doc.uri.fsPath, line: at.line, name: at.name });
  if (!vscode.debug.activeDebugSession) {
    void vscode.window.showInformationMessage(`Go Lab: ${at.name} will be probed in the next Go debug session.`);
  }
  return at.pattern;
};
