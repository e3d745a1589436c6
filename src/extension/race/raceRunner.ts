/**
 * Runs the race detector in the lab for the commands, the CodeLens and the Test Explorer:
 * progress with a Cancel button (cancelling removes the container), the report streaming into
 * the "Go Lab: Race" output channel, findings into diagnostics, and one message at the end
 * that says what happened (races, OOM kill with the limit, timeout, build failure).
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { formatBytes } from '../../core/config';
import { buildFailed, findModuleRoot, type RaceResult, runPattern, runRace } from '../../core/race/run';

export { runPattern };
import type { LabService } from '../lab/labService';
import type { RaceDiagnostics } from './diagnostics';

/** What to run: `go test -race <packages>` in `cwd` (a module root), optionally `-run`. */
export interface RaceScope {
  folder: vscode.WorkspaceFolder;
  cwd: string;
  packages: string[];
  run?: string;
  /** `-bench` pattern (benchmarks run once each). */
  bench?: string;
  /** For messages: "TestStats", "package ./store", "the workspace". */
  label: string;
  /** Directory whose earlier race findings this run replaces. */
  scopeDir: string;
  /** The tests a `-run` limits the run to (their earlier findings are replaced); all if absent. */
  tests?: string[];
}

export interface RaceRunOptions {
  token?: vscode.CancellationToken;
  /** Also receives the readable output (the Test Explorer's run output). */
  onOutput?: (text: string) => void;
  /** Show a progress notification (commands); the Test Explorer has its own. */
  progress?: boolean;
  /** Show the summary message at the end (commands); the Test Explorer shows results itself. */
  summary?: boolean;
}

/** The scope of the package in `dir` (its module root as cwd), or undefined outside a module. */
export function packageScope(folder: vscode.WorkspaceFolder, dir: string, run?: { names: string[]; label: string }): RaceScope | undefined {
  const root = findModuleRoot(dir, folder.uri.fsPath);
  if (!root) return undefined;
  const rel = path.relative(root, dir).split(path.sep).join('/');
  return {
    folder,
    cwd: root,
    packages: [rel ? `./${rel}` : '.'],
    ...(run ? { run: runPattern(run.names), tests: run.names } : {}),
    label: run?.label ?? `package ${rel ? `./${rel}` : path.basename(root)}`,
    scopeDir: dir,
  };
}

export class RaceRunner implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Go Lab: Race', 'golab-race-output');

  constructor(
    private readonly lab: LabService,
    private readonly diagnostics: RaceDiagnostics,
  ) {}

  async run(scope: RaceScope, options: RaceRunOptions = {}): Promise<RaceResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Go Lab: the lab runs this workspace\'s code, so it is available only in a trusted workspace.');
      return undefined;
    }
    const go = async (progress?: vscode.Progress<{ message?: string }>, token?: vscode.CancellationToken) => {
      const tracked = this.lab.track(token ?? options.token ?? new vscode.CancellationTokenSource().token);
      const settings = this.lab.settings(scope.folder.uri);
      const write = (text: string) => {
        this.output.append(text);
        options.onOutput?.(text);
      };
      this.output.appendLine(
        `\n$ go test -race ${scope.run ? `-run '${scope.run}' ` : ''}${scope.packages.join(' ')}    (${path.relative(scope.folder.uri.fsPath, scope.cwd) || '.'}; lab: ` +
          `${formatBytes(settings.limits.memoryBytes)}, ${settings.limits.cpus} CPU, ${settings.limits.pids} pids, network ${settings.network ? 'on' : 'off'})`,
      );
      try {
        const conn = await this.lab.connection();
        const result = await runRace(conn, {
          workspace: scope.folder.uri.fsPath,
          cwd: scope.cwd,
          packages: scope.packages,
          ...(scope.run ? { run: scope.run } : {}),
          ...(scope.bench ? { bench: scope.bench } : {}),
          lab: settings,
          signal: tracked.signal,
          onOutput: write,
          onProgress: (p) => {
            progress?.report({ message: p.message });
            this.output.appendLine(`golab: ${p.message}`);
          },
        });
        this.diagnostics.replace(scope.scopeDir, scope.tests, result.findings);
        this.output.appendLine(`golab: ${summaryOf(result, scope)}`);
        return result;
      } catch (e) {
        await this.lab.showError(`race detector on ${scope.label}`, e);
        return undefined;
      } finally {
        tracked.done();
      }
    };
    const result = options.progress
      ? await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Go Lab: race detector on ${scope.label}`, cancellable: true },
          (progress, token) => go(progress, token),
        )
      : await go();
    if (result && options.summary) void this.showSummary(result, scope);
    return result;
  }

  private async showSummary(result: RaceResult, scope: RaceScope): Promise<void> {
    const { lab } = result;
    const text = summaryOf(result, scope);
    if (lab.oomKilled) {
      const choice = await vscode.window.showWarningMessage(`Go Lab: ${text}`, 'Lab Settings', 'Show Output');
      if (choice === 'Lab Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'golab.lab.memory');
      if (choice === 'Show Output') this.output.show(true);
      return;
    }
    const races = new Set(result.findings.map((f) => f.race)).size;
    const show = races > 0 ? ['Show Problems', 'Show Output'] : ['Show Output'];
    const notify = races > 0 || lab.timedOut || result.run.buildErrors.length > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const choice = await notify(`Go Lab: ${text}`, ...show);
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
    if (choice === 'Show Output') this.output.show(true);
  }

  dispose(): void {
    this.output.dispose();
  }
}

/** One sentence on how a run ended. */
export function summaryOf(result: RaceResult, scope: Pick<RaceScope, 'label'>): string {
  const { lab, run } = result;
  const secs = (lab.durationMs / 1000).toFixed(1);
  if (lab.oomKilled) {
    return `${scope.label} was OOM-killed: it needed more than the ${formatBytes(lab.limits.memoryBytes)} memory limit (golab.lab.memory). Raise the limit, or see the output for what allocated.`;
  }
  if (lab.timedOut) return `${scope.label} did not finish within the timeout (golab.lab.timeoutMinutes); its container was removed.`;
  if (buildFailed(run)) return `${scope.label} did not build: ${run.buildErrors[0]}`;
  const races = new Set(result.findings.map((f) => f.race)).size || run.races.length;
  const failed = run.tests.filter((t) => t.action === 'fail' && t.test).length;
  const passed = run.tests.filter((t) => t.action === 'pass' && t.test).length;
  if (races > 0) return `${races} data race${races === 1 ? '' : 's'} in ${scope.label} (${secs} s in the lab); each is marked at both accesses.`;
  const killed = lab.signal ? `; go test was killed by ${lab.signal}` : '';
  return `no data race in ${scope.label}: ${passed} test${passed === 1 ? '' : 's'} passed, ${failed} failed (${secs} s in the lab${killed}).`;
}
