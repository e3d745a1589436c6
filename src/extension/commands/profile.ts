/**
 * Profiling commands: "Profile in Container" (the test or benchmark at the cursor, or the
 * package), the "profile (lab)" CodeLens, opening and comparing profiles, toggling the line
 * annotations and deleting a kept run.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CommandFactory, Ctx } from '../context';
import type { ProfileTarget } from '../profile/profileRunner';
import type { ProfileNode } from '../profile/profilesView';

function folderOf(uri: vscode.Uri | undefined): vscode.WorkspaceFolder | undefined {
  return (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
}

async function pickTarget(ctx: Ctx): Promise<ProfileTarget | undefined> {
  const editor = vscode.window.activeTextEditor;
  const doc = editor?.document.languageId === 'go' ? editor.document : undefined;
  const folder = folderOf(doc?.uri);
  if (!doc || !folder) {
    void vscode.window.showErrorMessage('Go Lab: open a Go file of the package to profile (a _test.go file to profile one test or benchmark).');
    return undefined;
  }
  const dir = path.dirname(doc.uri.fsPath);
  const at = editor ? ctx.tests.testAt(doc.uri.fsPath, editor.selection.active.line) : undefined;
  const items: Array<vscode.QuickPickItem & { target: ProfileTarget }> = [];
  if (at?.kind === 'benchmark') items.push({ label: `$(dashboard) ${at.name}`, description: 'the benchmark at the cursor', target: { folder, dir, benchmarks: [at.name], label: at.name } });
  if (at?.kind === 'test') items.push({ label: `$(beaker) ${at.name}`, description: 'the test at the cursor', target: { folder, dir, tests: [at.name], label: at.name } });
  const rel = path.relative(folder.uri.fsPath, dir) || '.';
  items.push({ label: `$(package) ${rel}`, description: 'every test of the package', target: { folder, dir, label: `package ${rel}` } });
  const benches = ctx.tests.testsIn(doc.uri.fsPath).filter((t) => t.kind === 'benchmark');
  if (benches.length > 0) items.push({ label: `$(dashboard) all benchmarks of ${path.basename(doc.uri.fsPath)}`, description: benches.map((b) => b.name).join(', '), target: { folder, dir, benchmarks: benches.map((b) => b.name), label: `benchmarks of ${rel}` } });
  const picked = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: 'Go Lab: Profile in Container', placeHolder: 'What should run with profiling?' });
  return picked?.target;
}

export const profile: CommandFactory = (ctx) => async () => {
  const target = await pickTarget(ctx);
  if (!target) return undefined;
  const kinds = await ctx.profiles.kinds(true);
  if (!kinds) return undefined;
  return ctx.profiles.run(target, kinds);
};

/** From the CodeLens: (uri, name, 'test' | 'benchmark'). */
export const profileTest: CommandFactory = (ctx) => async (uriArg?: unknown, nameArg?: unknown, kindArg?: unknown) => {
  const uri = uriArg instanceof vscode.Uri ? uriArg : vscode.window.activeTextEditor?.document.uri;
  const folder = folderOf(uri);
  const at = uri && vscode.window.activeTextEditor && typeof nameArg !== 'string' ? ctx.tests.testAt(uri.fsPath, vscode.window.activeTextEditor.selection.active.line) : undefined;
  const name = typeof nameArg === 'string' ? nameArg : at?.name;
  const kind = kindArg === 'benchmark' || at?.kind === 'benchmark' ? 'benchmark' : 'test';
  if (!uri || !folder || !name) {
    void vscode.window.showErrorMessage('Go Lab: put the cursor in a TestXxx or BenchmarkXxx function to profile it.');
    return undefined;
  }
  const kinds = await ctx.profiles.kinds(false);
  if (!kinds) return undefined;
  const dir = path.dirname(uri.fsPath);
  return ctx.profiles.run({ folder, dir, label: name, ...(kind === 'benchmark' ? { benchmarks: [name] } : { tests: [name] }) }, kinds);
};

export const openProfile: CommandFactory = (ctx) => async (uriArg?: unknown) => {
  let uri = uriArg instanceof vscode.Uri ? uriArg : undefined;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Go profiles': ['gz', 'pprof', 'prof', 'pb'] }, title: 'Go Lab: Open Profile' });
    uri = picked?.[0];
  }
  if (!uri) return undefined;
  return ctx.panels.open(uri.fsPath, path.basename(path.dirname(uri.fsPath)) + ' · ' + path.basename(uri.fsPath));
};

/** Compares two kept profiles of the same kind: the newer against the older (red = grew). */
export const compareProfiles: CommandFactory = (ctx) => async (nodeArg?: unknown) => {
  const runs = ctx.profilesView.runs();
  const all = runs.flatMap((r) => Object.entries(r.manifest.profiles).map(([kind, file]) => ({ kind, file: path.join(r.dir, file), run: r })));
  if (all.length < 2) {
    void vscode.window.showInformationMessage('Go Lab: comparing needs two kept profiles; profile something twice first.');
    return undefined;
  }
  const node = nodeArg as ProfileNode | undefined;
  const pick = async (title: string, exclude?: string, kind?: string) =>
    (
      await vscode.window.showQuickPick(
        all.filter((p) => p.file !== exclude && (!kind || p.kind === kind)).map((p) => ({ label: `${p.kind} · ${p.run.manifest.label}`, description: new Date(p.run.manifest.createdAt).toLocaleString(), p })),
        { title },
      )
    )?.p;
  const current = node?.kind === 'profile' ? all.find((p) => p.file === node.file) : await pick('Go Lab: Compare Profiles: the newer profile');
  if (!current) return undefined;
  const base = await pick(`Go Lab: Compare ${current.kind} profiles: the base to compare with`, current.file, current.kind);
  if (!base) return undefined;
  return ctx.panels.open(current.file, `${current.kind} · ${current.run.manifest.label} vs ${base.run.manifest.label}`, base.file);
};

export const toggleProfileAnnotations: CommandFactory = (ctx) => () => {
  const on = ctx.annotations.toggle();
  void vscode.window.setStatusBarMessage(`Go Lab: profile annotations ${on ? 'shown' : 'hidden'}`, 3000);
  return on;
};

export const deleteProfileRun: CommandFactory = (ctx) => async (nodeArg?: unknown) => {
  const node = nodeArg as ProfileNode | undefined;
  if (!node || node.kind !== 'run') return undefined;
  const sure = await vscode.window.showWarningMessage(`Delete the profile run "${node.manifest.label}" (${node.dir})?`, { modal: true }, 'Delete');
  if (sure !== 'Delete') return undefined;
  fs.rmSync(node.dir, { recursive: true, force: true });
  ctx.profilesView.refresh();
  return true;
};
