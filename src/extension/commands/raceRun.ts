/**
 * "Go Lab: Run Race Detector in Container": the package of the current file, the test at the
 * cursor, or every module of the workspace, picked from a quick pick (the last choice first).
 * "golab.raceTest" runs one test directly (the CodeLens above it).
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { packageScope, type RaceScope } from '../race/raceRunner';
import type { CommandFactory, Ctx } from '../context';

type Choice = 'test' | 'package' | 'workspace';
const LAST_CHOICE = 'golab.race.lastScope';

/** Scopes for every module of the folder: `./...` in each directory holding a go.mod. */
async function workspaceScopes(folder: vscode.WorkspaceFolder): Promise<RaceScope[]> {
  const mods = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/go.mod'), '{**/vendor/**,**/testdata/**,**/node_modules/**}', 50);
  return mods
    .map((m) => path.dirname(m.fsPath))
    .sort()
    .map((dir) => ({ folder, cwd: dir, packages: ['./...'], label: mods.length === 1 ? 'the workspace' : `module ${path.relative(folder.uri.fsPath, dir) || '.'}`, scopeDir: dir }));
}

async function pickScope(ctx: Ctx): Promise<RaceScope[] | undefined> {
  const editor = vscode.window.activeTextEditor;
  const doc = editor?.document.languageId === 'go' ? editor.document : undefined;
  const folder = (doc && vscode.workspace.getWorkspaceFolder(doc.uri)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showErrorMessage('Go Lab: open a folder with a Go module to run the race detector.');
    return undefined;
  }
  const file = doc?.uri.fsPath;
  const test = file && editor ? ctx.tests.testAt(file, editor.selection.active.line) : undefined;
  const items: Array<vscode.QuickPickItem & { choice: Choice }> = [];
  if (test && test.kind === 'test') items.push({ choice: 'test', label: `$(beaker) ${test.name}`, description: 'the test at the cursor' });
  if (file) items.push({ choice: 'package', label: `$(package) ${path.relative(folder.uri.fsPath, path.dirname(file)) || '.'}`, description: 'the package of the current file' });
  items.push({ choice: 'workspace', label: '$(folder) ./...', description: `every package of ${folder.name}` });
  const last = ctx.extension.workspaceState.get<Choice>(LAST_CHOICE);
  items.sort((a, b) => Number(b.choice === last) - Number(a.choice === last));
  const picked =
    items.length === 1
      ? items[0]
      : await vscode.window.showQuickPick(items, { title: 'Go Lab: Run Race Detector in Container', placeHolder: 'What should run under the race detector?' });
  if (!picked) return undefined;
  await ctx.extension.workspaceState.update(LAST_CHOICE, picked.choice);
  if (picked.choice === 'workspace') return workspaceScopes(folder);
  const dir = path.dirname(file ?? '');
  const scope = packageScope(folder, dir, picked.choice === 'test' && test ? { names: [test.name], label: test.name } : undefined);
  if (!scope) {
    void vscode.window.showErrorMessage(`Go Lab: ${dir} is not inside a Go module (no go.mod above it in ${folder.name}).`);
    return undefined;
  }
  return [scope];
}

export const raceRun: CommandFactory = (ctx) => async () => {
  const scopes = await pickScope(ctx);
  if (!scopes || scopes.length === 0) return undefined;
  const results = [];
  for (const scope of scopes) results.push(await ctx.race.run(scope, { progress: true, summary: true }));
  return results;
};

/** Runs one test: arguments (uri, testName) from the CodeLens. */
export const raceTest: CommandFactory = (ctx) => async (uriArg?: unknown, nameArg?: unknown) => {
  const uri = uriArg instanceof vscode.Uri ? uriArg : vscode.window.activeTextEditor?.document.uri;
  const name = typeof nameArg === 'string' ? nameArg : uri && vscode.window.activeTextEditor ? ctx.tests.testAt(uri.fsPath, vscode.window.activeTextEditor.selection.active.line)?.name : undefined;
  const folder = uri && vscode.workspace.getWorkspaceFolder(uri);
  if (!uri || !name || !folder) {
    void vscode.window.showErrorMessage('Go Lab: put the cursor in a TestXxx function of a _test.go file to run it under the race detector.');
    return undefined;
  }
  const scope = packageScope(folder, path.dirname(uri.fsPath), { names: [name], label: name });
  if (!scope) {
    void vscode.window.showErrorMessage(`Go Lab: ${uri.fsPath} is not inside a Go module.`);
    return undefined;
  }
  return ctx.race.run(scope, { progress: true, summary: true });
};
