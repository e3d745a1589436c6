/** "Go Lab: Show Rule Documentation": opens a rule's page (also the target of diagnostic links). */
import * as vscode from 'vscode';
import { ruleDocPath } from '../../core/analysis/rule';
import { RULES } from '../../core/analysis/rules';
import type { CommandFactory } from '../context';

export const showRuleDocs: CommandFactory = (ctx) => async (code?: unknown) => {
  let chosen = typeof code === 'string' ? code : undefined;
  if (!chosen) {
    const pick = await vscode.window.showQuickPick(
      RULES.map((r) => ({ label: r.meta.code, detail: r.meta.summary })),
      { placeHolder: 'Which rule?', matchOnDetail: true },
    );
    chosen = pick?.label;
  }
  if (!chosen) return;
  if (!RULES.some((r) => r.meta.code === chosen)) {
    void vscode.window.showErrorMessage(`Go Lab: no rule named ${chosen}.`);
    return;
  }
  const uri = vscode.Uri.joinPath(ctx.extension.extensionUri, ruleDocPath(chosen));
  await vscode.commands.executeCommand('markdown.showPreview', uri);
};
