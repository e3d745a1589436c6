/**
 * Where profiles are shown: a panel per profile (or comparison), restored after a reload by
 * its serializer, and a read-only custom editor so any .pb.gz / .pprof / .prof file of the
 * workspace opens in the same viewer.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { toHostPath } from '../../core/lab/runner';
import { type FlameViewState, isFlameViewState } from '../../shared/flame';
import { bindFlameWebview, flameHtml, flameWebviewOptions, loadFlameDiff, loadFlameProfile, type SourceMapper } from './flameWebview';

export const FLAME_VIEW_TYPE = 'golab.flame';
export const PROFILE_EDITOR_VIEW_TYPE = 'golab.profileViewer';

/** What a panel shows (also kept in the webview's saved state, so a reload reopens it). */
interface PanelSource {
  file: string;
  /** A comparison: the base profile. */
  base?: string;
  title: string;
  view?: FlameViewState;
}

/** Maps /workspace/... paths a lab profile recorded to the workspace folder holding `file`. */
export function sourceMapperFor(file: string): SourceMapper {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  return (p) => (folder ? (toHostPath(p, folder.uri.fsPath) ?? p) : p);
}

export class ProfilePanels implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(FLAME_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          // The webview saved its view state with the source the host gave it.
          if (!isFlameViewState(state) || !state.source) {
            panel.dispose();
            return;
          }
          this.attach(panel, { ...state.source, view: state });
        },
      }),
      vscode.window.registerCustomEditorProvider(
        PROFILE_EDITOR_VIEW_TYPE,
        {
          openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
          resolveCustomEditor: (document, panel) => {
            this.attach(panel, { file: document.uri.fsPath, title: path.basename(document.uri.fsPath) });
          },
        },
        { supportsMultipleEditorsPerDocument: true, webviewOptions: { retainContextWhenHidden: false } },
      ),
    );
  }

  /** Opens `file` (or the comparison of `file` against `base`) in a new panel. */
  open(file: string, title: string, base?: string): vscode.WebviewPanel {
    const panel = vscode.window.createWebviewPanel(FLAME_VIEW_TYPE, title, vscode.ViewColumn.Beside, { ...flameWebviewOptions(this.extension.extensionUri), retainContextWhenHidden: false });
    this.attach(panel, { file, title, ...(base ? { base } : {}) });
    return panel;
  }

  private attach(panel: vscode.WebviewPanel, source: PanelSource): void {
    const { webview } = panel;
    webview.options = flameWebviewOptions(this.extension.extensionUri);
    panel.title = source.title;
    const map = sourceMapperFor(source.file);
    const load = (signal: AbortSignal) => (source.base ? loadFlameDiff(source.file, source.base, map, signal) : loadFlameProfile(source.file, source.title, map, signal));
    const initial: FlameViewState = {
      ...(source.view ?? { sampleType: -1, zoom: 0, search: '', view: 'flame' }),
      source: { file: source.file, title: source.title, ...(source.base ? { base: source.base } : {}) },
    };
    const binding = bindFlameWebview(
      webview,
      load,
      (view) => {
        source.view = view;
      },
      initial,
      this.log,
    );
    panel.onDidDispose(() => binding.dispose());
    webview.html = flameHtml(webview, this.extension.extensionUri, source.title);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
