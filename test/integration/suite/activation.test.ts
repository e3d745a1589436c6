// Smoke test: the extension under test is loaded by the real host and activates on Go code.
import * as assert from 'assert';
import * as vscode from 'vscode';

const extensionId = 'golab.go-concurrency-lab';

/** Polls `condition` until it holds; activation is asynchronous and has no event to await. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('activation', () => {
  it('loads the extension under development', () => {
    assert.ok(vscode.extensions.getExtension(extensionId), `${extensionId} is not installed in the host`);
  });

  it('activates when a Go file is opened', async () => {
    const ext = vscode.extensions.getExtension(extensionId);
    assert.ok(ext);
    // An untitled document: opening a fixture file would change what other suites see
    // (some check that a file was never opened).
    const doc = await vscode.workspace.openTextDocument({ language: 'go', content: 'package main\n\nfunc main() {}\n' });
    await vscode.window.showTextDocument(doc);
    assert.strictEqual(doc.languageId, 'go');
    // Not ext.activate(): that would activate it regardless of its activation events.
    await waitFor(() => ext.isActive, `${extensionId} to activate`);
    // Revert first, so closing asks nothing.
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
