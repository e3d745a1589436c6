/**
 * "Go Lab: Probe Function at Cursor": adds an eBPF probe on the Go function around the cursor
 * to the running debug sessions (and to the next ones of this window).
 */
import * as vscode from 'vscode';
import type { CommandFactory } from '../context';
import { symbolPatternAt } from '../probes/probeManager';

export const probeFunction: CommandFactory = (ctx) => async () => {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'go') {
    void vscode.window.showErrorMessage('Go Lab: put the cursor in a Go function to probe it.');
    return undefined;
  }
  const at = symbolPatternAt(editor.document, editor.selection.active.line);
  if (!at) {
    void vscode.window.showErrorMessage('Go Lab: no function declaration above the cursor.');
    return undefined;
  }
  await ctx.probes.addPattern(at.pattern, { file: editor.document.uri.fsPath, line: at.line, name: at.name });
  if (!vscode.debug.activeDebugSession) {
    void vscode.window.showInformationMessage(`Go Lab: ${at.name} will be probed in the next Go debug session.`);
  }
  return at.pattern;
};
