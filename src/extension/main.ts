/**
 * Extension entry: builds the context, starts the language server and registers the commands.
 * Logic lives in the server and in core; this file only wires them to VS Code.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { StatusNotification, type StatusParams } from '../shared/protocol';
import { createClient } from './client';
import { COMMANDS } from './commands';
import type { Ctx } from './context';
import { StatusItem } from './status';

let client: LanguageClient | undefined;

async function startClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, status: StatusItem): Promise<void> {
  const c = createClient(context, output);
  c.onNotification(StatusNotification, (p: StatusParams) => status.update(p));
  try {
    await c.start();
    client = c;
    await vscode.commands.executeCommand('setContext', 'golab.serverRunning', true);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    status.fail(`the language server failed to start: ${message}`);
    output.error(`language server failed to start: ${message}`);
    const choice = await vscode.window.showErrorMessage(`Go Lab: the language server failed to start: ${message}`, 'Show Output');
    if (choice) output.show(true);
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Go Lab', { log: true });
  const status = new StatusItem();
  context.subscriptions.push(output, status);

  const ctx: Ctx = {
    extension: context,
    output,
    status,
    client: () => client,
    async restartClient() {
      const old = client;
      client = undefined;
      await vscode.commands.executeCommand('setContext', 'golab.serverRunning', false);
      await old?.dispose();
      await startClient(context, output, status);
    },
  };
  for (const [id, factory] of Object.entries(COMMANDS)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, factory(ctx)));
  }
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => status.render()),
    { dispose: () => void client?.dispose() },
  );
  await startClient(context, output, status);
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  await c?.stop();
}
