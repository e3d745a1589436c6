/**
 * "Go Lab Profiles" in the Explorer: the profile runs kept under `.golab/profiles` of each
 * workspace folder, newest first, each with its profiles; a click opens one in the viewer.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { listProfileRuns, PROFILES_DIR, type ProfileKind, type ProfileRunManifest } from '../../core/lab/profile';

export type ProfileNode =
  | { kind: 'run'; dir: string; manifest: ProfileRunManifest }
  | { kind: 'profile'; dir: string; file: string; profile: ProfileKind; manifest: ProfileRunManifest };

export class ProfilesView implements vscode.TreeDataProvider<ProfileNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ProfileNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher = vscode.workspace.createFileSystemWatcher(`**/${PROFILES_DIR.split(path.sep).join('/')}/*/manifest.json`);
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.subscription = vscode.Disposable.from(
      this.watcher,
      this.watcher.onDidCreate(() => this.refresh()),
      this.watcher.onDidDelete(() => this.refresh()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()),
    );
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Every run of every folder, newest first. */
  runs(): Array<{ dir: string; manifest: ProfileRunManifest }> {
    return (vscode.workspace.workspaceFolders ?? [])
      .flatMap((f) => listProfileRuns(path.join(f.uri.fsPath, PROFILES_DIR)))
      .sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt));
  }

  getChildren(node?: ProfileNode): ProfileNode[] {
    if (!node) return this.runs().map((r) => ({ kind: 'run', ...r }));
    if (node.kind !== 'run') return [];
    return (Object.entries(node.manifest.profiles) as Array<[ProfileKind, string]>).map(([profile, file]) => ({
      kind: 'profile',
      dir: node.dir,
      file: path.join(node.dir, file),
      profile,
      manifest: node.manifest,
    }));
  }

  getTreeItem(node: ProfileNode): vscode.TreeItem {
    if (node.kind === 'run') {
      const when = new Date(node.manifest.createdAt);
      const item = new vscode.TreeItem(node.manifest.label, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = when.toLocaleString();
      const state = node.manifest.oomKilled ? ' (OOM-killed)' : node.manifest.timedOut ? ' (timed out)' : node.manifest.exitCode !== 0 ? ' (tests failed)' : '';
      item.tooltip = `${node.manifest.command.join(' ')}${state}\n${node.dir}`;
      item.iconPath = new vscode.ThemeIcon(node.manifest.exitCode === 0 ? 'flame' : 'warning');
      item.contextValue = 'golab.profileRun';
      return item;
    }
    const item = new vscode.TreeItem(node.profile, vscode.TreeItemCollapsibleState.None);
    item.description = path.basename(node.file);
    item.resourceUri = vscode.Uri.file(node.file);
    item.iconPath = new vscode.ThemeIcon('graph');
    item.contextValue = 'golab.profile';
    item.command = { command: 'golab.openProfile', title: 'Open Profile', arguments: [vscode.Uri.file(node.file)] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
