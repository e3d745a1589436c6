/**
 * Profiles a test, benchmark or package, or a main package run as a program with arguments,
 * in the lab for the commands, the CodeLenses and the Test Explorer: the kinds (CPU, heap, mutex, block) picked once and remembered, progress with
 * Cancel, output into "Go Lab: Profile", then the first profile opened in the flame graph
 * viewer, the hot lines annotated and the run listed in "Go Lab Profiles".
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { formatBytes } from '../../core/config';
import { findModuleRoot } from '../../core/lab/goTest';
import { PROFILE_KINDS, type ProfileKind, type ProfileRequest, type ProfileResult, type ProfileRunManifest, runProfile } from '../../core/lab/profile';
import { harnessWatcher, programLabel, type ProgramProfileResult, runProfileMain } from '../../core/lab/profileMain';
import type { DockerConnection } from '../../core/lab/docker';
import type { LabRunResult } from '../../core/lab/types';
import { buildFailed, runPattern } from '../../core/race/run';
import type { LabService } from '../lab/labService';
import type { ProfileAnnotations } from './annotations';
import { type ProfilePanels, sourceMapperFor } from './panels';
import { ProgramCodeLensProvider } from './programCodeLens';
import type { ProfilesView } from './profilesView';

const KINDS_KEY = 'golab.profile.kinds';
/** workspaceState: the arguments last typed for each program, by package directory. */
const PROGRAM_ARGS_KEY = 'golab.profile.programArgs';

/** What to profile: one package, optionally limited to tests or benchmarks. */
export interface ProfileTarget {
  folder: vscode.WorkspaceFolder;
  dir: string;
  /** Test names (`-run`), or benchmark names (`-bench`, with `-run ^$`). */
  tests?: string[];
  benchmarks?: string[];
  label: string;
}

/** A main package to run as a program with arguments. */
export interface ProgramTarget {
  folder: vscode.WorkspaceFolder;
  /** The package directory. */
  dir: string;
  args: readonly string[];
}

/** What every kind of run shares in a request: the rest is per kind (tests, or program arguments). */
type CommonRequest = Omit<ProfileRequest, 'run' | 'bench' | 'benchtime' | 'label'>;

/** A finished run and, if it went wrong, how, as the end of "the run ...". */
interface Outcome<R> {
  result: R & { dir: string; manifest: ProfileRunManifest; lab: LabRunResult };
  problem: string;
  /** A program stopped during its build: nothing ran, no run folder is left to list or open. */
  nothingRan?: boolean;
}

export class ProfileRunner implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Go Lab: Profile', 'golab-race-output');
  /**
   * The "profile (lab)" lens above a program's func main lives and dies with the runner that
   * runs it; unlike the test lenses it needs every Go file, not only _test.go ones.
   */
  private readonly programLenses = new ProgramCodeLensProvider();
  private readonly lensRegistration = vscode.languages.registerCodeLensProvider({ language: 'go', scheme: 'file' }, this.programLenses);

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

  /** The arguments last typed for the program in `dir` (as typed), '' the first time. */
  programArgs(dir: string): string {
    return this.extension.workspaceState.get<Record<string, string>>(PROGRAM_ARGS_KEY)?.[dir] ?? '';
  }

  async rememberProgramArgs(dir: string, line: string): Promise<void> {
    const all = this.extension.workspaceState.get<Record<string, string>>(PROGRAM_ARGS_KEY) ?? {};
    await this.extension.workspaceState.update(PROGRAM_ARGS_KEY, { ...all, [dir]: line });
  }

  /** Runs the profile of tests or benchmarks; opens the viewer on success. Resolves undefined if it could not run. */
  async run(target: ProfileTarget, kinds: readonly ProfileKind[], options: { token?: vscode.CancellationToken; onOutput?: (t: string) => void; open?: boolean } = {}): Promise<ProfileResult | undefined> {
    const outcome = await this.execute(target, target.label, kinds, options, async (conn, common): Promise<Outcome<ProfileResult>> => {
      const result = await runProfile(conn, {
        ...common,
        ...(target.benchmarks?.length ? { bench: runPattern(target.benchmarks), run: '^$' } : target.tests?.length ? { run: runPattern(target.tests) } : {}),
        label: target.label,
      });
      const problem = buildFailed(result.run) ? `did not build: ${result.run.buildErrors[0]}` : result.lab.exitCode !== 0 ? 'had failing tests' : '';
      return { result, problem };
    });
    return outcome?.result;
  }

  /** Runs a main package as a program with arguments and profiles it, like {@link run}. */
  async runProgram(target: ProgramTarget, kinds: readonly ProfileKind[], options: { token?: vscode.CancellationToken; onOutput?: (t: string) => void; open?: boolean } = {}): Promise<ProgramProfileResult | undefined> {
    const rel = path.relative(target.folder.uri.fsPath, target.dir).split(path.sep).join('/');
    const label = programLabel(rel ? `./${rel}` : '.', target.args);
    // Cancel stops the program and keeps what it profiled: a server runs until stopped.
    const outcome = await this.execute(target, label, kinds, { ...options, stops: true }, async (conn, common): Promise<Outcome<ProgramProfileResult>> => {
      const result = await runProfileMain(conn, { ...common, args: target.args });
      const problem = result.buildFailed
        ? 'did not build (see the output)'
        : result.lab.stopped
          ? ''
          : result.lab.exitCode !== 0
            ? `exited with status ${result.lab.exitCode}`
            : '';
      return { result, problem, nothingRan: result.stoppedInBuild };
    });
    return outcome?.result;
  }

  /**
   * What both kinds of run share: trust and module checks, progress with Cancel (or the
   * caller's token), output into the channel, errors shown, then the run listed, annotated and
   * its first profile opened. With `stops`, Cancel stops the run and keeps its results
   * (`stop` of the request) instead of abandoning it; closing the editor still abandons it.
   */
  private async execute<R>(
    target: { folder: vscode.WorkspaceFolder; dir: string },
    label: string,
    kinds: readonly ProfileKind[],
    options: { token?: vscode.CancellationToken; onOutput?: (t: string) => void; open?: boolean; stops?: boolean },
    start: (conn: DockerConnection, common: CommonRequest & { stop?: AbortSignal }) => Promise<Outcome<R>>,
  ): Promise<Outcome<R> | undefined> {
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
      const cancel = token ?? options.token ?? new vscode.CancellationTokenSource().token;
      const stop = new AbortController();
      const onCancel = options.stops
        ? cancel.onCancellationRequested(() => {
            stop.abort();
            progress?.report({ message: 'stopping: writing the profiles…' });
            this.output.appendLine('golab: stopping the program (SIGINT); its profiles are kept');
          })
        : undefined;
      // The lab service still abandons the run when the extension shuts down.
      const tracked = this.lab.track(options.stops ? new vscode.CancellationTokenSource().token : cancel);
      // A program's run says in the notification whether it is still being built or runs.
      const watch = options.stops
        ? harnessWatcher({
            building: () => progress?.report({ message: 'building the program…' }),
            started: () => progress?.report({ message: 'the program runs with profiling on; Cancel stops it and keeps its profiles' }),
          })
        : undefined;
      const write = (t: string) => {
        this.output.append(t);
        watch?.(t);
        options.onOutput?.(t);
      };
      this.output.appendLine(`\n$ profile ${label} (${kinds.join(', ')}; lab: ${formatBytes(settings.limits.memoryBytes)}, ${settings.limits.cpus} CPU)`);
      try {
        const conn = await this.lab.connection();
        return await start(conn, {
          workspace: target.folder.uri.fsPath,
          cwd: root,
          pkg: rel ? `./${rel}` : '.',
          kinds,
          lab: settings,
          signal: tracked.signal,
          stop: options.stops ? stop.signal : undefined,
          onOutput: write,
          onProgress: (p) => {
            progress?.report({ message: p.message });
            this.output.appendLine(`golab: ${p.message}`);
          },
        });
      } catch (e) {
        await this.lab.showError(`profiling ${label}`, e);
        return undefined;
      } finally {
        onCancel?.dispose();
        tracked.done();
      }
    };
    const outcome = options.token
      ? await go()
      : await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Go Lab: profiling ${label}${options.stops ? ' (Cancel stops it and keeps the profiles)' : ''}`, cancellable: true },
          (p, t) => go(p, t),
        );
    if (!outcome) return undefined;
    const { result } = outcome;
    if (outcome.nothingRan) {
      this.output.appendLine(`golab: ${label} was stopped during its build: nothing was profiled`);
      void vscode.window.showInformationMessage(`Go Lab: ${label} was stopped during its build; nothing was profiled.`);
      return outcome;
    }
    this.view.refresh();
    const map = sourceMapperFor(result.dir);
    await this.annotations.setRun(result.dir, result.manifest, map);
    const kept = Object.entries(result.manifest.profiles);
    const problem = result.lab.oomKilled
      ? `was OOM-killed at the ${formatBytes(result.lab.limits.memoryBytes)} limit (golab.lab.memory)`
      : result.lab.timedOut
        ? 'timed out'
        : outcome.problem;
    this.output.appendLine(`golab: kept ${kept.length} profile(s) in ${result.dir}${problem ? `; the run ${problem}` : ''}`);
    if (kept.length === 0) {
      void vscode.window.showErrorMessage(`Go Lab: no profile was written: ${label} ${problem || 'ran no code'}.`, 'Show Output').then((c) => c && this.output.show(true));
      return outcome;
    }
    if (problem) void vscode.window.showWarningMessage(`Go Lab: ${label} ${problem}; the profiles written so far are kept.`);
    if (options.open !== false) {
      const [kind, file] = kept.find(([k]) => k === 'cpu') ?? kept[0];
      this.panels.open(path.join(result.dir, file), `${kind} · ${label}`);
    }
    return outcome;
  }

  dispose(): void {
    this.lensRegistration.dispose();
    this.programLenses.dispose();
    this.output.dispose();
  }
}
