/**
 * What the in-host lab suites share: the Docker precondition (failing with the install
 * command, never skipping), the check that no lab container outlived a test, and running a
 * Test Explorer run profile while recording what it reported per test item.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as vscode from 'vscode';

/** Fails (never skips) when Docker is not running, saying how to start it. */
export function requireDocker(): void {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    throw new Error('Docker is not running: run `bash .ci/setup` (as root) to install and start it');
  }
}

/** Asserts that `docker ps -a --filter label=golab` is empty. */
export function assertNoLabContainers(): void {
  assert.strictEqual(execFileSync('docker', ['ps', '-aq', '--filter', 'label=golab'], { encoding: 'utf8' }).trim(), '', 'lab containers left behind');
}

/**
 * Runs `profile` on `items` and returns the state it reported per item id (passed, failed,
 * errored, skipped), by wrapping the runs the controller creates for the duration of the call.
 */
export async function runAndRecord(controller: vscode.TestController, profile: vscode.TestRunProfile, items: vscode.TestItem[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  const create = controller.createTestRun.bind(controller);
  controller.createTestRun = (request, name, persist) => {
    const run = create(request, name, persist);
    for (const state of ['passed', 'failed', 'errored', 'skipped'] as const) {
      const report = (run[state] as (...a: unknown[]) => void).bind(run);
      run[state] = ((item: vscode.TestItem, ...rest: unknown[]) => {
        states.set(item.id, state);
        report(item, ...rest);
      }) as never;
    }
    return run;
  };
  try {
    await profile.runHandler(new vscode.TestRunRequest(items), new vscode.CancellationTokenSource().token);
  } finally {
    controller.createTestRun = create;
  }
  return states;
}
