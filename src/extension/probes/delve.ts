/**
 * The `golab-go` debug type: Delve's own DAP server (`dlv dap`), so probes work on a Go debug
 * session even without vscode-go. Delve listens on a TCP port it prints; VS Code then talks DAP
 * to it. Every dlv started here is killed when its session ends or the extension deactivates.
 */
import { type ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

export const GOLAB_DEBUG_TYPE = 'golab-go';

/** dlv on PATH, in GOBIN, in GOPATH/bin or ~/go/bin; undefined when none exists. */
export function findDlv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [
    ...(env.PATH ?? '').split(path.delimiter),
    env.GOBIN ?? '',
    ...(env.GOPATH ?? '').split(path.delimiter).map((p) => (p ? path.join(p, 'bin') : '')),
    path.join(os.homedir(), 'go', 'bin'),
  ].filter(Boolean);
  for (const dir of dirs) {
    const file = path.join(dir, 'dlv');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export class DelveAdapterFactory implements vscode.DebugAdapterDescriptorFactory, vscode.Disposable {
  /** dlv processes by debug session id. */
  private readonly servers = new Map<string, ChildProcess>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subscription = vscode.debug.onDidTerminateDebugSession((s) => this.kill(s.id));
  }

  /** The dlv process serving a session (its child is the debuggee). */
  dlvPid(sessionId: string): number | undefined {
    return this.servers.get(sessionId)?.pid;
  }

  async createDebugAdapterDescriptor(session: vscode.DebugSession): Promise<vscode.DebugAdapterDescriptor> {
    const dlv = findDlv();
    if (!dlv) {
      throw new Error('Delve (dlv) was not found on PATH, in GOBIN or in ~/go/bin. Install it with `go install github.com/go-delve/delve/cmd/dlv@latest`.');
    }
    const cwd = session.workspaceFolder?.uri.fsPath ?? os.homedir();
    const child = spawn(dlv, ['dap', '--listen=127.0.0.1:0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.servers.set(session.id, child);
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`dlv dap did not start listening within 20 s:\n${out}`)), 20_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /listening at:?\s*[\d.]+:(\d+)/i.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (d: Buffer) => {
        out += d.toString();
        this.log.debug(`dlv: ${d.toString().trimEnd()}`);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`dlv dap exited (${code}) before listening:\n${out}`));
      });
    });
    this.log.info(`dlv dap (pid ${child.pid}) listening on port ${port} for session ${session.name}`);
    return new vscode.DebugAdapterServer(port, '127.0.0.1');
  }

  private kill(id: string): void {
    const child = this.servers.get(id);
    this.servers.delete(id);
    if (!child?.pid) return;
    try {
      // The whole group: dlv and the debuggee it launched.
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  dispose(): void {
    for (const id of [...this.servers.keys()]) this.kill(id);
    this.subscription.dispose();
  }
}
