/** Starts the Go Lab language server (dist/server.js) over IPC. */
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { Config } from './config';

/** The port "Attach to Server" in .vscode/launch.json attaches to when the extension runs in debug mode. */
export const SERVER_DEBUG_PORT = 6009;

export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = vscode.Uri.joinPath(context.extensionUri, 'dist', 'server.js').fsPath;
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', `--inspect=${SERVER_DEBUG_PORT}`] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'go' },
      { scheme: 'untitled', language: 'go' },
    ],
    synchronize: {
      // go.mod decides the language version of every file below it; .go files on disk feed
      // workspace diagnostics for files that are not open.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.go,go.mod}'),
    },
    initializationOptions: Config.read(),
    outputChannel: output,
  };
  // The id `golab` makes the client honour the `golab.trace.server` setting.
  return new LanguageClient('golab', 'Go Lab', serverOptions, clientOptions);
}
