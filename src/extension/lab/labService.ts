/**
 * The extension's handle on the lab: one Docker connection (re-checked when it fails), the
 * settings of a run from `golab.lab.*`, the runs in flight (all cancelled when the extension
 * deactivates, so no container outlives the editor) and errors shown with what to do.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { parseByteSize } from '../../core/config';
import { removeLeftovers } from '../../core/lab/cleanup';
import { connectDocker, type DockerConnection } from '../../core/lab/docker';
import { DockerUnavailableError, LabCancelledError, LabImageBuildError } from '../../core/lab/errors';
import type { LabSettings } from '../../core/race/run';
import { Config } from '../config';

export class LabService implements vscode.Disposable {
  private conn: Promise<DockerConnection> | undefined;
  /** Runs in flight: their abort switch, and a promise settled once the run (and its container) is gone. */
  private readonly running = new Map<AbortController, Promise<void>>();

  constructor(
    private readonly extension: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The daemon connection; a failed attempt is not cached, so starting Docker and retrying works. */
  connection(): Promise<DockerConnection> {
    const attempt = (this.conn ??= connectDocker());
    attempt.catch(() => {
      if (this.conn === attempt) this.conn = undefined;
    });
    return attempt;
  }

  /** Removes containers a crashed editor left behind; quiet when Docker is not there. */
  async removeLeftovers(): Promise<void> {
    try {
      const conn = await this.connection();
      const removed = await removeLeftovers(conn.docker);
      if (removed > 0) this.log.info(`removed ${removed} lab container(s) left behind by an earlier session`);
    } catch (e) {
      this.log.debug(`lab leftovers not checked: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The lab settings for a run in `folder`. */
  settings(folder: vscode.Uri): LabSettings {
    const lab = Config.read(folder).lab;
    return {
      limits: { memoryBytes: parseByteSize(lab.memory) ?? 1024 ** 3, cpus: lab.cpus, pids: lab.pids },
      network: lab.network,
      timeoutMs: lab.timeoutMinutes * 60_000,
      image: { baseImage: lab.baseImage, labDir: path.join(this.extension.extensionPath, 'lab') },
    };
  }

  /**
   * An AbortSignal tied to `token` and to the extension's lifetime; call the returned dispose
   * when the run is over.
   */
  track(token: vscode.CancellationToken): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    let finished = () => undefined as void;
    this.running.set(controller, new Promise<void>((resolve) => (finished = resolve)));
    const sub = token.onCancellationRequested(() => controller.abort());
    return {
      signal: controller.signal,
      done: () => {
        sub.dispose();
        this.running.delete(controller);
        finished();
      },
    };
  }

  /** Shows a lab failure with the action that helps; cancellations are not errors. */
  async showError(what: string, e: unknown): Promise<void> {
    if (e instanceof LabCancelledError) return;
    const message = e instanceof Error ? e.message : String(e);
    this.log.error(`${what}: ${message}`);
    if (e instanceof LabImageBuildError && e.log) this.log.error(`build log:\n${e.log}`);
    const actions = e instanceof DockerUnavailableError ? ['Show Output', 'Lab Settings'] : ['Show Output'];
    const choice = await vscode.window.showErrorMessage(`Go Lab: ${what}: ${message}`, ...actions);
    if (choice === 'Show Output') this.log.show(true);
    if (choice === 'Lab Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'golab.lab');
  }

  /**
   * Cancels every run in flight and waits (at most `timeoutMs`) until each has removed its
   * container: deactivate awaits this, so closing the editor leaves no container running.
   */
  async shutdown(timeoutMs = 15_000): Promise<void> {
    const pending = [...this.running.values()];
    for (const c of this.running.keys()) c.abort();
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(pending), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  dispose(): void {
    void this.shutdown();
  }
}
