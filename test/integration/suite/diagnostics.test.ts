/**
 * The real extension host: diagnostics from the language server, quick fixes applied through
 * VS Code's own code-action and edit machinery, and re-analysis as a document is edited.
 * Runs on a temporary copy of test/fixtures/workspace (go 1.21).
 */
import * as assert from 'assert';
import * as vscode from 'vscode';

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function golabDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'golab');
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

describe('closure diagnostics in VS Code', () => {
  const folder = () => {
    const f = vscode.workspace.workspaceFolders?.[0];
    assert.ok(f, 'no workspace folder');
    return f.uri;
  };

  it('reports closure/loopvar on an open file, linked to its docs and the loop', async () => {
    const uri = vscode.Uri.joinPath(folder(), 'loop.go');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const [d] = await waitFor('loopvar diagnostic', () => {
      const ds = golabDiagnostics(uri);
      return ds.length > 0 && ds;
    });
    assert.strictEqual(codeOf(d), 'closure/loopvar');
    assert.strictEqual(d.range.start.line, 7);
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(typeof d.code === 'object' && d.code.target.path.endsWith('media/rules/closure/loopvar.md'), 'docs link');
    assert.strictEqual(d.relatedInformation?.length, 2);
    assert.strictEqual(d.relatedInformation?.[0].location.range.start.line, 5);
  });

  it('reports findings of files that were never opened (workspace diagnostics)', async () => {
    const closed = vscode.Uri.joinPath(folder(), 'closed', 'closed.go');
    const ds = await waitFor('shared-write in closed file', () => {
      const list = golabDiagnostics(closed);
      return list.length > 0 && list;
    });
    assert.deepStrictEqual(ds.map(codeOf), ['closure/shared-write']);
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === closed.toString()), 'closed.go must not be open');
  });

  it('applies "pass as argument" through the code action provider and the finding goes away', async () => {
    const uri = vscode.Uri.joinPath(folder(), 'loop.go');
    const doc = await vscode.workspace.openTextDocument(uri);
    const [d] = await waitFor('loopvar diagnostic', () => {
      const ds = golabDiagnostics(uri);
      return ds.length > 0 && ds;
    });
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range, vscode.CodeActionKind.QuickFix.value);
    const pass = actions.find((a) => a.title === "Pass 'v' to the closure as an argument");
    assert.ok(pass?.edit, `no "pass as argument" fix among: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(pass.isPreferred);
    assert.ok(await vscode.workspace.applyEdit(pass.edit));
    assert.ok(doc.getText().includes('go func(v string) {'), doc.getText());
    await waitFor('diagnostic cleared', () => golabDiagnostics(uri).length === 0);
    // Undo, so later tests start from the fixture text.
    await vscode.commands.executeCommand('undo');
    await waitFor('diagnostic back after undo', () => golabDiagnostics(uri).length === 1);
  });

  it('updates diagnostics as the document is edited', async () => {
    const uri = vscode.Uri.joinPath(folder(), 'clean.go');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    assert.strictEqual(golabDiagnostics(uri).length, 0);
    // Turn `go func(v string) {...}(v)` into a capture by deleting the parameter and argument.
    const text = doc.getText();
    const param = text.indexOf('v string');
    const arg = text.indexOf('}(v)') + 2;
    await editor.edit((b) => {
      b.delete(new vscode.Range(doc.positionAt(arg), doc.positionAt(arg + 1)));
      b.delete(new vscode.Range(doc.positionAt(param), doc.positionAt(param + 'v string'.length)));
    });
    const ds = await waitFor('a finding after the edit', () => {
      const list = golabDiagnostics(uri);
      return list.length > 0 && list;
    });
    assert.strictEqual(codeOf(ds[0]), 'closure/loopvar');
    await vscode.commands.executeCommand('undo');
    await waitFor('clean again after undo', () => golabDiagnostics(uri).length === 0);
  });

  it('contributes its commands, and "Analyse Workspace" reports what it found', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['golab.analyzeWorkspace', 'golab.showRuleDocs', 'golab.restartServer', 'golab.showOutput']) {
      assert.ok(commands.includes(id), id);
    }
    const result = await vscode.commands.executeCommand<{ files: number; findings: number }>('golab.analyzeWorkspace');
    assert.ok(result && result.files === 12, JSON.stringify(result)); // (Go files only) main, loop, clean, closed/closed, racy/counter(_test), hot/hot(_test), gcwork/churn_test, probed/main, hotmain/main, hotmain/work
    assert.ok(result.findings >= 1);
  });
});
