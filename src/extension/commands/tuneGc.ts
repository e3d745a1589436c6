/**
 * "Go Lab: Tune GC in Container": sweeps GOGC x GOMEMLIMIT for a benchmark, a test or a main
 * package under the lab's container limits, with progress (configuration i of n, Cancel removes
 * the running container), then the report with its recommendation and Apply.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { formatBytes, parseByteSize } from '../../core/config';
import { findModuleRoot } from '../../core/lab/goTest';
import { buildGrid, describeConfig, type GcTarget, parseGogc, runGcSweep } from '../../core/gc/sweep';
import { runPattern } from '../../core/race/run';
import type { GcSweepResult } from '../../shared/gc';
import type { CommandFactory, Ctx } from '../context';
import { showGcReport } from '../gc/gcReport';

const LAST = 'golab.gc.lastGrid';

interface Grid {
  memory: string;
  gogc: string;
  memlimit: string;
  repeats: string;
}

/** The target at the cursor: its benchmark or test, else the package's main program. */
async function pickTarget(ctx: Ctx, doc: vscode.TextDocument, line: number): Promise<{ target: GcTarget; label: string } | undefined> {
  const at = ctx.tests.testAt(doc.uri.fsPath, line);
  const items: Array<vscode.QuickPickItem & { make: () => Promise<{ target: GcTarget; label: string } | undefined> }> = [];
  if (at?.kind === 'benchmark') items.push({ label: `$(dashboard) ${at.name}`, description: 'the benchmark at the cursor', make: async () => ({ target: { kind: 'bench', pattern: runPattern([at.name]) }, label: at.name }) });
  if (at?.kind === 'test') items.push({ label: `$(beaker) ${at.name}`, description: 'the test at the cursor', make: async () => ({ target: { kind: 'test', pattern: runPattern([at.name]) }, label: at.name }) });
  items.push({
    label: '$(play) The main program of this package',
    description: 'with arguments you give',
    make: async () => {
      const args = await vscode.window.showInputBox({ title: 'Go Lab: Tune GC: program arguments', prompt: 'Arguments of the program (space-separated); it should exit by itself', value: '' });
      return args === undefined ? undefined : { target: { kind: 'main', args: args.split(/\s+/).filter(Boolean) }, label: `${path.basename(path.dirname(doc.uri.fsPath))} ${args}`.trim() };
    },
  });
  const picked = items.length === 1 ? items[0] : await vscode.window.showQuickPick(items, { title: 'Go Lab: Tune GC in Container', placeHolder: 'What should run under each GC setting?' });
  return picked?.make();
}

/** Asks for the grid, each field prefilled with the last one used (or the defaults). */
async function pickGrid(ctx: Ctx, folder: vscode.WorkspaceFolder): Promise<Grid | undefined> {
  const last = ctx.extension.workspaceState.get<Grid>(LAST) ?? { memory: ctx.lab.settings(folder.uri).limits.memoryBytes === 1024 ** 3 ? '1g' : formatBytes(ctx.lab.settings(folder.uri).limits.memoryBytes).replace(' MiB', 'm').replace(' GiB', 'g'), gogc: '50,100,200,off', memlimit: 'none,70%,90%', repeats: '3' };
  const ask = (title: string, value: string, valid: (v: string) => string | undefined) => vscode.window.showInputBox({ title: `Go Lab: Tune GC: ${title}`, value, validateInput: valid, ignoreFocusOut: true });
  const memory = await ask('container memory limit(s)', last.memory, (v) => (v.split(',').every((m) => parseByteSize(m.trim()) !== undefined) ? undefined : 'sizes like 512m or 1g, comma-separated'));
  if (memory === undefined) return undefined;
  const gogc = await ask('GOGC values', last.gogc, (v) => (v.split(',').every((g) => parseGogc(g.trim()) !== undefined) ? undefined : 'percentages or off, comma-separated'));
  if (gogc === undefined) return undefined;
  const memlimit = await ask('GOMEMLIMIT values', last.memlimit, (v) => (v.split(',').every((m) => /^(none|\d+(\.\d+)?%|\d+(\.\d+)?\s*([kmg]i?b?|b)?)$/i.test(m.trim())) ? undefined : 'none, a share of the container limit (70%) or a size (870MiB)'));
  if (memlimit === undefined) return undefined;
  const repeats = await ask('runs per setting', last.repeats, (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 20 ? undefined : '1 to 20'));
  if (repeats === undefined) return undefined;
  const grid = { memory, gogc, memlimit, repeats };
  await ctx.extension.workspaceState.update(LAST, grid);
  return grid;
}

/**
 * Arguments for running the command without its pickers (keybindings, tasks, tests): the file
 * and function, and the grid as the pickers would return it.
 */
export interface TuneGcArgs {
  uri: vscode.Uri;
  kind: 'test' | 'bench';
  name: string;
  memory: string;
  gogc: string;
  memlimit: string;
  repeats: string;
}

function isTuneGcArgs(v: unknown): v is TuneGcArgs {
  const a = v as Partial<TuneGcArgs> | undefined;
  return !!a && a.uri instanceof vscode.Uri && (a.kind === 'test' || a.kind === 'bench') && typeof a.name === 'string' && [a.memory, a.gogc, a.memlimit, a.repeats].every((x) => typeof x === 'string');
}

export const tuneGc: CommandFactory = (ctx) => async (argsArg?: unknown): Promise<GcSweepResult | undefined> => {
  const args = isTuneGcArgs(argsArg) ? argsArg : undefined;
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Go Lab: the lab runs this workspace\'s code, so it is available only in a trusted workspace.');
    return undefined;
  }
  const editor = vscode.window.activeTextEditor;
  const doc = args ? await vscode.workspace.openTextDocument(args.uri) : editor?.document.languageId === 'go' ? editor.document : undefined;
  const folder = doc && vscode.workspace.getWorkspaceFolder(doc.uri);
  if (!doc || (!editor && !args) || !folder) {
    void vscode.window.showErrorMessage('Go Lab: open a Go file of the package (a _test.go file for a test or benchmark) to tune its GC.');
    return undefined;
  }
  const dir = path.dirname(doc.uri.fsPath);
  const root = findModuleRoot(dir, folder.uri.fsPath);
  if (!root) {
    void vscode.window.showErrorMessage(`Go Lab: ${dir} is not inside a Go module.`);
    return undefined;
  }
  const target = args
    ? { target: args.kind === 'bench' ? { kind: 'bench' as const, pattern: runPattern([args.name]) } : { kind: 'test' as const, pattern: runPattern([args.name]) }, label: args.name }
    : await pickTarget(ctx, doc, editor?.selection.active.line ?? 0);
  if (!target) return undefined;
  const grid = args ?? (await pickGrid(ctx, folder));
  if (!grid) return undefined;
  const memoryLimits = grid.memory.split(',').map((m) => parseByteSize(m.trim()) ?? 0);
  const gogc = grid.gogc.split(',').map((g) => parseGogc(g.trim()) ?? 100);
  const memLimits = grid.memlimit.split(',').map((m) => m.trim());
  const repeats = Number(grid.repeats);
  const configs = buildGrid(memoryLimits, gogc, memLimits).length;
  const rel = path.relative(root, dir).split(path.sep).join('/');
  const write = (t: string) => ctx.profiles.output.append(t);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Go Lab: GC sweep of ${target.label}`, cancellable: true },
    async (progress, token) => {
      const tracked = ctx.lab.track(token);
      const total = configs * repeats;
      ctx.profiles.output.appendLine(`\n$ gc-sweep ${target.label}: ${configs} settings x ${repeats} runs`);
      try {
        const conn = await ctx.lab.connection();
        return await runGcSweep(conn, {
          workspace: folder.uri.fsPath,
          cwd: root,
          pkg: rel ? `./${rel}` : '.',
          target: target.target,
          memoryLimits,
          gogc,
          memLimits,
          repeats,
          lab: ctx.lab.settings(folder.uri),
          signal: tracked.signal,
          label: target.label,
          onProgress: (i, n, config) => {
            const message = `run ${i} of ${n}: ${describeConfig(config)}`;
            progress.report({ message, increment: 100 / Math.max(1, total) });
            ctx.profiles.output.appendLine(`golab: ${message}`);
          },
          onLabProgress: (p) => progress.report({ message: p.message }),
          onOutput: write,
        });
      } catch (e) {
        await ctx.lab.showError(`GC sweep of ${target.label}`, e);
        return undefined;
      } finally {
        tracked.done();
      }
    },
  );
  if (!result) return undefined;
  ctx.profiles.output.appendLine(`golab: ${result.recommendation.reason}`);
  showGcReport(ctx.extension, folder, result, ctx.output);
  return result;
};
