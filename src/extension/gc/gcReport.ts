/**
 * The GC sweep report panel and what its buttons do: "Apply" writes the chosen GOGC and
 * GOMEMLIMIT into a launch configuration, a Dockerfile or a new Kubernetes snippet as an edit
 * the user reviews first (refactor preview); "Export" saves the table as CSV or JSON.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { applyToDockerfile, applyToLaunchJson, goMemLimit, kubernetesEnvSnippet } from '../../core/gc/apply';
import { sweepToCsv, sweepToJson } from '../../core/gc/export';
import { type GcConfig, type GcSweepResult, isFromGcReport, type ToGcReport } from '../../shared/gc';
import { webviewPage, webviewResourceRoots } from '../webviewPage';

export const GC_REPORT_VIEW_TYPE = 'golab.gcReport';

/** The environment of a configuration: GOGC always, GOMEMLIMIT when it sets one. */
export function envOf(config: GcConfig): Record<string, string> {
  return { GOGC: String(config.gogc), ...(config.memLimitBytes > 0 ? { GOMEMLIMIT: goMemLimit(config.memLimitBytes) } : {}) };
}

/** Applies `env` where the user picks, as a previewed edit. Resolves whether it was applied. */
export async function applyGcSetting(folder: vscode.WorkspaceFolder, env: Record<string, string>): Promise<boolean> {
  const shown = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const dockerfiles = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/{Dockerfile,*.Dockerfile,Dockerfile.*}'), '**/{node_modules,vendor,.golab}/**', 20);
  const items: Array<vscode.QuickPickItem & { where: 'launch' | 'dockerfile' | 'k8s'; file?: vscode.Uri }> = [
    { label: '$(debug-alt) Launch configuration', description: '.vscode/launch.json: env of the Go configurations', where: 'launch' },
    ...dockerfiles.map((f) => ({ label: `$(file) ${path.relative(folder.uri.fsPath, f.fsPath)}`, description: 'an ENV line in the running stage', where: 'dockerfile' as const, file: f })),
    { label: '$(symbol-namespace) Kubernetes container env', description: 'a new snippet to paste into the container spec', where: 'k8s' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Go Lab: Apply ${shown}`, placeHolder: 'Where should the setting go? You review the edit before it applies.' });
  if (!picked) return false;
  if (picked.where === 'k8s') {
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: `# Go Lab GC tuning: add to the container of your Deployment\n${kubernetesEnvSnippet(env)}` });
    await vscode.window.showTextDocument(doc);
    return true;
  }
  const target = picked.where === 'launch' ? vscode.Uri.joinPath(folder.uri, '.vscode', 'launch.json') : picked.file;
  if (!target) return false;
  let before: string | undefined;
  try {
    before = Buffer.from(await vscode.workspace.fs.readFile(target)).toString('utf8');
  } catch {
    before = undefined;
  }
  let after: string;
  try {
    after = picked.where === 'launch' ? applyToLaunchJson(before, env) : applyToDockerfile(before ?? '', env);
  } catch (e) {
    void vscode.window.showErrorMessage(`Go Lab: ${path.basename(target.fsPath)} could not be read as JSON: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
  const edit = new vscode.WorkspaceEdit();
  const metadata = { label: `Go Lab: ${shown}`, needsConfirmation: true };
  if (before === undefined) {
    edit.createFile(target, { ignoreIfExists: true, contents: Buffer.from(after) }, metadata);
  } else {
    const doc = await vscode.workspace.openTextDocument(target);
    edit.replace(target, new vscode.Range(0, 0, doc.lineCount, 0), after, metadata);
  }
  return vscode.workspace.applyEdit(edit, { isRefactoring: true });
}

/** Opens the report of a sweep in a panel. */
export function showGcReport(extension: vscode.ExtensionContext, folder: vscode.WorkspaceFolder, result: GcSweepResult, log: vscode.LogOutputChannel): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel(GC_REPORT_VIEW_TYPE, `GC tuning · ${result.target}`, vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: webviewResourceRoots(extension.extensionUri, 'gcreport'),
  });
  const post = (m: ToGcReport) => void panel.webview.postMessage(m);
  const sub = panel.webview.onDidReceiveMessage(async (raw: unknown) => {
    if (!isFromGcReport(raw)) {
      log.warn(`GC report: ignored an unexpected message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    if (raw.type === 'ready') post({ type: 'load', result });
    else if (raw.type === 'apply') {
      const config = result.configs[raw.config]?.config;
      if (config) await applyGcSetting(folder, envOf(config));
    } else {
      const uri = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(folder.uri, `gc-sweep.${raw.format}`),
        filters: raw.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      });
      if (uri) await vscode.workspace.fs.writeFile(uri, Buffer.from(raw.format === 'csv' ? sweepToCsv(result) : sweepToJson(result)));
    }
  });
  panel.onDidDispose(() => sub.dispose());
  panel.webview.html = webviewPage(panel.webview, extension.extensionUri, 'gcreport', 'GC tuning');
  return panel;
}
