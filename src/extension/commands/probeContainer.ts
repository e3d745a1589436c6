/**
 * "Go Lab: Probe Go Process in Container": probes the main process of a running container (a
 * lab run, a compose service) from a sidecar container that shares its PID namespace, with the
 * functions of golab.probes and those added from the editor; the Go Lab Probes view shows them
 * until "Stop Container Probes" or the container exits. Only Docker is needed, not root.
 */
import * as vscode from 'vscode';
import { ensureImage } from '../../core/lab/goTest';
import { PROBE_TARGET_LABEL } from '../../core/probes/sidecar';
import type { CommandFactory } from '../context';
import { symbolPatternAt } from '../probes/probeManager';

interface ContainerPick extends vscode.QuickPickItem {
  id: string;
  name: string;
}

/** Argument (tests, other extensions): a container id or name; without it a quick pick asks. */
export const probeContainer: CommandFactory = (ctx) => async (containerArg?: unknown) => {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage('Go Lab: probing needs a trusted workspace.');
    return undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showErrorMessage('Go Lab: open a folder first (the lab image is made from its settings).');
    return undefined;
  }
  try {
    const conn = await ctx.lab.connection();
    const running = (await conn.docker.listContainers()).filter((c) => !c.Labels?.[PROBE_TARGET_LABEL]);
    const items: ContainerPick[] = running.map((c) => ({
      id: c.Id,
      name: c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12),
      label: c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12),
      description: c.Image,
      detail: `${c.Status} · ${c.Id.slice(0, 12)} · ${c.Command}`,
    }));
    let pick: ContainerPick | undefined;
    if (typeof containerArg === 'string') {
      pick = items.find((i) => i.id.startsWith(containerArg) || i.name === containerArg);
      if (!pick) throw new Error(`no running container "${containerArg}"`);
    } else {
      if (items.length === 0) {
        void vscode.window.showInformationMessage('Go Lab: no container is running.');
        return undefined;
      }
      pick = await vscode.window.showQuickPick(items, { title: 'Go Lab: Probe Go Process in Container', placeHolder: 'The container whose main process to probe', matchOnDescription: true, matchOnDetail: true });
      if (!pick) return undefined;
    }
    if (!ctx.probes.hasPatterns()) {
      // Nothing configured yet: the function at the cursor, or one typed in.
      const editor = vscode.window.activeTextEditor;
      const at = editor?.document.languageId === 'go' ? symbolPatternAt(editor.document, editor.selection.active.line) : undefined;
      const pattern = await vscode.window.showInputBox({
        title: 'Go Lab: function to probe',
        prompt: 'A regular expression over Go symbol names, e.g. ^main\\.handle$ (or pack:gc, pack:mutex, ...)',
        value: at?.pattern ?? '',
        validateInput: (v) => {
          if (v.startsWith('pack:')) return undefined;
          try {
            new RegExp(v);
            return v.trim() ? undefined : 'a pattern is needed';
          } catch (e) {
            return e instanceof Error ? e.message : String(e);
          }
        },
      });
      if (!pattern) return undefined;
      await ctx.probes.addPattern(pattern, at && editor ? { file: editor.document.uri.fsPath, line: at.line, name: at.name } : undefined);
    }
    const settings = ctx.lab.settings(folder.uri);
    const name = pick.name;
    const id = pick.id;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Go Lab: probing ${name}` }, async (progress) => {
      const image = await ensureImage(conn, settings.image, (p) => progress.report({ message: p.message }));
      progress.report({ message: 'starting the probe sidecar' });
      await ctx.probes.attachContainer({ conn, id, name, image });
    });
    void vscode.commands.executeCommand('golab.probes.focus');
    return name;
  } catch (e) {
    await ctx.lab.showError('Probe in container', e);
    return undefined;
  }
};

/** "Go Lab: Stop Container Probes": stops every container's probes and removes the sidecars. */
export const stopContainerProbes: CommandFactory = (ctx) => async () => {
  const n = await ctx.probes.stopContainers();
  return n;
};
