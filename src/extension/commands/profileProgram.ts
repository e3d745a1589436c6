/**
 * "Go Lab: Profile Program in Container": runs the main package of the current file (or of
 * the CodeLens's file) with arguments typed in an input box, remembered per package, in the
 * lab with the profiles picked, then opens its flame graph.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { splitArgs } from '../../core/lab/profileMain';
import type { CommandFactory } from '../context';

/** Why a typed argument line cannot be split, or undefined when it can. */
function argsProblem(line: string): string | undefined {
  try {
    splitArgs(line);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * From the CodeLens: (uri). From the palette: the active Go file. From a keybinding or a test:
 * (uri, args: string[]), which runs with those arguments and the remembered kinds, asking nothing.
 */
export const profileProgram: CommandFactory = (ctx) => async (uriArg?: unknown, argsArg?: unknown) => {
  const fromLens = uriArg instanceof vscode.Uri;
  const uri = fromLens ? uriArg : vscode.window.activeTextEditor?.document.uri;
  const folder = uri && vscode.workspace.getWorkspaceFolder(uri);
  if (!uri || uri.scheme !== 'file' || !uri.fsPath.endsWith('.go') || !folder) {
    void vscode.window.showErrorMessage('Go Lab: open a Go file of the program (package main) to profile it.');
    return undefined;
  }
  const dir = path.dirname(uri.fsPath);
  if (Array.isArray(argsArg) && argsArg.every((a): a is string => typeof a === 'string')) {
    const kinds = await ctx.profiles.kinds(false);
    return kinds && ctx.profiles.runProgram({ folder, dir, args: argsArg }, kinds);
  }
  const rel = path.relative(folder.uri.fsPath, dir).split(path.sep).join('/') || '.';
  const line = await vscode.window.showInputBox({
    title: `Go Lab: Profile Program in Container: ${rel}`,
    prompt: 'Arguments of the program, as in a shell (quotes group words; nothing is expanded). Remembered for this package.',
    placeHolder: 'e.g. -addr :8080 -requests 10000',
    value: ctx.profiles.programArgs(dir),
    validateInput: argsProblem,
  });
  if (line === undefined) return undefined;
  await ctx.profiles.rememberProgramArgs(dir, line);
  // The palette asks which profiles every time; the CodeLens goes with the remembered ones.
  const kinds = await ctx.profiles.kinds(!fromLens);
  if (!kinds) return undefined;
  return ctx.profiles.runProgram({ folder, dir, args: splitArgs(line) }, kinds);
};
