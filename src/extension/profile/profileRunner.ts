/**
 * Profiles a test, benchmark or package in the lab for the commands, the CodeLens and the
 * Test Explorer: the kinds (CPU, heap, mutex, block) picked once and remembered, progress with
 * Cancel, output into "Go Lab: Profile", then the first profile opened in the flame graph
 * viewer, the hot lines annotated and the run listed in "Go Lab Profiles".
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { formatBytes } from '../../core/config';
import { findModuleRoot } from '../../core/lab/goTest';
import { PROFILE_KINDS, type ProfileKind, type ProfileResult, runProfile } from '../../core/lab/profile';
import { buildFailed, runPattern } from '../../core/race/run';
import type { LabService } from '../lab/labService';
import type { ProfileAnnotations } from './annotations';
import { type ProfilePanels, sourceMapperFor } from './panels';
import type { ProfilesView } from './profilesView';

const KINDS_KEY = 'golab.profile.kinds';

/** What to profile: one package, optionally limited to tests or benchmarks. */
export interface ProfileTarget {
  folder: vscode.WorkspaceFolder;
  dir: string;
  /** Test names (`-run`), or benchmark names (`-bench`, with `-run ^$`). */
  tests?: string[];
  benchmarks?: string[];
  label: string;
}

export class ProfileRunner implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Go Lab: Profile', 'golab-race-output');

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly lab: LabService,
    private readonly panels: ProfilePanels,
    private readonly annotations: ProfileAnnotations,
    private readonly view: ProfilesView,
  ) {}

  /**
   * The kinds to collect: without `ask`, the remembered ones (CPU and heap until the user picks);
   * with it, the user's pick, remembered. Undefined if the pick was dismissed.
   */
  async kinds(ask: boolean): Promise<ProfileKind[] | undefined> {
    const remembered = this.extension.workspaceState.get<ProfileKind[]>(KINDS_KEY);
    if (!ask) return remembered && remembered.length > 0 ? remembered : ['cpu', 'heap'];
    const labels: Record<ProfileKind, string> = { cpu: 'CPU', heap: 'Heap (allocations and in use)', mutex: 'Mutex contention', block: 'Blocking (channels, select, locks)' };
    const wanted: readonly ProfileKind[] = remembered ?? ['cpu', 'heap'];
    const items: Array<vscode.QuickPickItem & { value: ProfileKind }> = PROFILE_KINDS.map((k) => ({ label: labels[k], value: k, picked: wanted.includes(k) }));
    const picked = await vscode.window.showQuickPick(
      items,
      { canPickMany: true, title: 'Go Lab: Profiles to collect', placeHolder: 'Remembered for this workspace; "Go Lab: Profile in Container" asks again' },
    );
    if (!picked || picked.length === 0) return undefined;
    const kinds = picked.map((p) => p.value);
    await this.extension.workspaceState.update(KINDS_KEY, kinds);
    return kinds;
  }

  /** Runs the profile; opens the viewer on success. Resolves undefined if it could not run. */
  async run(target: ProfileTarget, kinds: readonly ProfileKind[], options: { token?: vscode.CancellationToken; onOutput?: (t: string) => void; open?: boolean } = {}): Promise<ProfileResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Go Lab: the lab runs this workspace\'s code, so it is available only in a trusted workspace.');
      return undefined;
    }
    const root = findModuleRoot(target.dir, target.folder.uri.fsPath);
    if (!root) {
      void vscode.window.showErrorMessage(`Go Lab: ${target.dir} is not inside a Go module.`);
      return undefined;
    }
    const rel = path.relative(root, target.dir).split(path.sep).join('/');
    const settings = this.lab.settings(target.folder.uri);
    const go = async (progress?: vscode.Progress<{ message?: string }>, token?: vscode.CancellationToken) => {
      const tracked = this.lab.track(token ?? options.token ?? new vscode.CancellationTokenSource().token);
      const write = (t: string) => {
        this.output.append(t);
        options.onOutput?.(t);
      };
      this.output.appendLine(`\n$ profile ${target.label} (${kinds.join(', ')}; lab: ${formatBytes(settings.limits.memoryBytes)}, ${settings.limits.cpus} CPU)`);
      try {
        const conn = await this.lab.connection();
        return await runProfile(conn, {
          workspace: target.folder.uri.fsPath,
          cwd: root,
          pkg: rel ? `./${rel}` : '.',
          ...(target.benchmarks?.length ? { bench: runPattern(target.benchmarks), run: '^$' } : target.tests?.length ? { run: runPattern(target.tests) } : {}),
          kinds,
          label: target.label,
          lab: settings,
          signal: tracked.signal,
          onOutput: write,
          onProgress: (p) => {
            progress?.report({ message: p.message });
            this.output.appendLine(`golab: ${p.message}`);
          },
        });
      } catch (e) {
        await this.lab.showError(`profiling ${target.label}`, e);
        return undefined;
      } finally {
        tracked.done();
      }
    };
    const result = options.token
      ? await go()
      : await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Go Lab: profiling ${target.label}`, cancellable: true }, (p, t) => go(p, t));
    if (!result) return undefined;
    this.view.refresh();
    const map = sourceMapperFor(result.dir);
    this.annotations.setRun(result.dir, result.manifest, map);
    const kept = Object.entries(result.manifest.profiles);
    const problem = result.lab.oomKilled
      ? `was OOM-killed at the ${formatBytes(result.lab.limits.memoryBytes)} limit (golab.lab.memory)`
      : result.lab.timedOut
        ? 'timed out'
        : buildFailed(result.run)
          ? `did not build: ${result.run.buildErrors[0]}`
          : result.lab.exitCode !== 0
            ? 'had failing tests'
            : '';
    this.output.appendLine(`golab: kept ${kept.length} profile(s) in ${result.dir}${problem ? `; the run ${problem}` : ''}`);
    if (kept.length === 0) {
      void vscode.window.showErrorMessage(`Go Lab: no profile was written: ${target.label} ${problem || 'ran no code'}.`, 'Show Output').then((c) => c && this.output.show(true));
      return result;
    }
    if (problem) void vscode.window.showWarningMessage(`Go Lab: ${target.label} ${problem}; the profiles written so far are kept.`);
    if (options.open !== false) {
      const [kind, file] = kept.find(([k]) => k === 'cpu') ?? kept[0];
      this.panels.open(path.join(result.dir, file), `${kind} · ${target.label}`);
    }
    return result;
  }

  dispose(): void {
    this.output.dispose();
  }
}
