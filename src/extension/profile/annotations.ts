/**
 * Per-line costs of the last profile run next to the hot lines of the user's code
 * (`12.4% cpu · 3.1 MB alloc`), toggled by "Go Lab: Toggle Profile Annotations". Lines count
 * with everything they call (cumulative), as "how much did this line cost me" means.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ProfileKind, ProfileRunManifest } from '../../core/lab/profile';
import { decodeProfileAsync } from '../../core/pprof/decode';
import { lineCosts } from '../../core/pprof/lines';
import type { SourceMapper } from './flameWebview';
import { sourceMapperFor } from './panels';

/** workspaceState keys: the run shown and whether annotations are on survive a reload of the window. */
const RUN_KEY = 'golab.annotations.run';
const ENABLED_KEY = 'golab.annotations.enabled';

/** The sample type shown per profile kind, and how it is named on the line. */
const SHOWN: Record<ProfileKind, { type: string; label: string }> = {
  cpu: { type: 'cpu', label: 'cpu' },
  heap: { type: 'alloc_space', label: 'alloc' },
  mutex: { type: 'delay', label: 'mutex wait' },
  block: { type: 'delay', label: 'blocked' },
};

/** Lines below this share of their profile's total are not annotated (noise). */
const MIN_SHARE = 0.005;
/** At most this many lines per file, the most expensive ones. */
const MAX_LINES_PER_FILE = 40;

export function formatValue(value: number, unit: string): string {
  const scaled = (v: number, units: ReadonlyArray<[number, string]>) => {
    for (const [size, name] of units) if (Math.abs(v) >= size) return `${(v / size).toFixed(v / size >= 100 ? 0 : 1)} ${name}`;
    return `${Math.round(v)} ${units[units.length - 1][1]}`;
  };
  if (unit === 'bytes') return scaled(value, [[1024 ** 3, 'GB'], [1024 ** 2, 'MB'], [1024, 'KB'], [1, 'B']]);
  if (unit === 'nanoseconds') return scaled(value, [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']]);
  return Math.round(value).toLocaleString('en-US');
}

interface LineNote {
  parts: string[];
  /** The largest share among the parts (sorting, and the gutter colour's strength). */
  share: number;
}

export class ProfileAnnotations implements vscode.Disposable {
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
    isWholeLine: true,
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.warningForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
  });
  /** host file -> line (1-based) -> note */
  private notes = new Map<string, Map<number, LineNote>>();
  private enabled = true;
  /** The latest setRun: an earlier one still reading its profiles drops its notes. */
  private generation = 0;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly state?: vscode.Memento,
  ) {
    this.subscription = vscode.Disposable.from(
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        // Edited lines no longer match what was measured.
        if (e.contentChanges.length > 0 && this.notes.delete(e.document.uri.fsPath)) this.render();
      }),
    );
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Number of annotated lines (for tests and the status message). */
  get lineCount(): number {
    let n = 0;
    for (const m of this.notes.values()) n += m.size;
    return n;
  }

  /**
   * The annotations of a run: one note per hot line of the user's files. Its profiles are read
   * without blocking the editor (a large one takes a second); if another run is set meanwhile,
   * that one's notes are shown and these dropped. Resolves with whether these were shown.
   */
  async setRun(dir: string, manifest: ProfileRunManifest, mapSource: SourceMapper): Promise<boolean> {
    const generation = ++this.generation;
    const notes = new Map<string, Map<number, LineNote>>();
    for (const [kind, file] of Object.entries(manifest.profiles) as Array<[ProfileKind, string]>) {
      try {
        const profile = await decodeProfileAsync(await fs.promises.readFile(path.join(dir, file)));
        if (generation !== this.generation) return false;
        const t = profile.sampleTypes.findIndex((s) => s.type === SHOWN[kind].type);
        if (t < 0) continue;
        let total = 0;
        for (let s = 0; s < profile.sampleCount; s++) total += profile.values[s * profile.sampleTypes.length + t];
        if (total <= 0) continue;
        const unit = profile.sampleTypes[t].unit;
        for (const [recorded, lines] of lineCosts(profile)) {
          const host = mapSource(recorded);
          // Only the user's code: files of an open workspace folder.
          if (!vscode.workspace.getWorkspaceFolder(vscode.Uri.file(host))) continue;
          let byLine = notes.get(host);
          for (const [line, cost] of lines) {
            const share = cost.cum[t] / total;
            if (share < MIN_SHARE) continue;
            if (!byLine) notes.set(host, (byLine = new Map()));
            const note = byLine.get(line) ?? { parts: [], share: 0 };
            const shown = kind === 'cpu' ? `${(share * 100).toFixed(1)}% ${SHOWN[kind].label}` : `${formatValue(cost.cum[t], unit)} ${SHOWN[kind].label}`;
            note.parts.push(shown);
            note.share = Math.max(note.share, share);
            byLine.set(line, note);
          }
        }
      } catch (e) {
        this.log.warn(`annotations: ${file}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (generation !== this.generation) return false;
    for (const [file, byLine] of notes) {
      if (byLine.size <= MAX_LINES_PER_FILE) continue;
      notes.set(file, new Map([...byLine].sort((a, b) => b[1].share - a[1].share).slice(0, MAX_LINES_PER_FILE)));
    }
    this.notes = notes;
    this.enabled = true;
    void this.state?.update(RUN_KEY, dir);
    void this.state?.update(ENABLED_KEY, true);
    this.render();
    return true;
  }

  /**
   * Shows the annotations of the run shown before the window was reloaded, unless its folder
   * was deleted meanwhile (then nothing is shown and the memory of it is dropped).
   */
  async restore(): Promise<void> {
    const dir = this.state?.get<string>(RUN_KEY);
    if (!dir) return;
    let manifest: ProfileRunManifest;
    try {
      manifest = JSON.parse(await fs.promises.readFile(path.join(dir, 'manifest.json'), 'utf8')) as ProfileRunManifest;
    } catch {
      void this.state?.update(RUN_KEY, undefined);
      return;
    }
    const enabled = this.state?.get<boolean>(ENABLED_KEY) ?? true;
    // (Unless a run set meanwhile took over.)
    if ((await this.setRun(dir, manifest, sourceMapperFor(dir))) && !enabled) this.toggle();
  }

  toggle(): boolean {
    this.enabled = !this.enabled;
    void this.state?.update(ENABLED_KEY, this.enabled);
    this.render();
    return this.enabled;
  }

  /** The note text of a line, if annotated (for tests). */
  noteAt(file: string, line: number): string | undefined {
    return this.notes.get(file)?.get(line)?.parts.join(' · ');
  }

  private render(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const byLine = this.enabled ? this.notes.get(editor.document.uri.fsPath) : undefined;
      const options: vscode.DecorationOptions[] = [];
      for (const [line, note] of byLine ?? []) {
        if (line < 1 || line > editor.document.lineCount) continue;
        const range = editor.document.lineAt(line - 1).range;
        options.push({ range, renderOptions: { after: { contentText: note.parts.join(' · ') } }, hoverMessage: `Go Lab profile: ${note.parts.join(', ')} (cumulative: this line and what it calls)` });
      }
      editor.setDecorations(this.decoration, options);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.decoration.dispose();
  }
}
