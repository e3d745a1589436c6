/**
 * The race lab in the real extension host: "Run Test Under the Race Detector" on a test with a
 * known race runs `go test -race` in a real lab container (Docker must be running: .ci/setup
 * starts it) and the race appears as diagnostics at both accesses, each linked to the other
 * access and to the go statements that started the goroutines. No lab container is left.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { GolabApi } from '../../../src/extension/main';
import { assertNoLabContainers, requireDocker, runAndRecord } from './labSupport';

function raceDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'golab race');
}

describe('race lab in VS Code', function () {
  // The first run may build the lab image (minutes); later runs take seconds.
  this.timeout(20 * 60_000);
  const folder = () => {
    const f = vscode.workspace.workspaceFolders?.[0];
    assert.ok(f, 'no workspace folder');
    return f.uri;
  };

  before(requireDocker);
  afterEach(assertNoLabContainers);

  it('shows a race of TestCounter at both accesses, linked to the other access and the go statements', async () => {
    const counter = vscode.Uri.joinPath(folder(), 'racy', 'counter.go');
    const test = vscode.Uri.joinPath(folder(), 'racy', 'counter_test.go');
    const result = (await vscode.commands.executeCommand('golab.raceTest', test, 'TestCounter')) as
      | { findings: Array<{ file: string; line: number }>; lab: { exitCode: number; oomKilled: boolean } }
      | undefined;
    assert.ok(result, 'the race run did not complete (see the Go Lab output)');
    assert.strictEqual(result.lab.oomKilled, false);
    const ds = raceDiagnostics(counter);
    assert.strictEqual(ds.length, 2, JSON.stringify(ds.map((d) => d.message)));
    for (const d of ds) {
      assert.strictEqual(d.range.start.line, 11, 'the increment in Inc (line 12)');
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
      const related = (d.relatedInformation ?? []).map((r) => `${r.location.uri.path.split('/').pop()}:${r.location.range.start.line + 1}`);
      assert.ok(related.includes('counter.go:12'), `the other access: ${related.join(', ')}`);
      // Both goroutines were started in the test, at its two go statements.
      assert.ok(related.some((r) => r === 'counter_test.go:12' || r === 'counter_test.go:16'), `go statements: ${related.join(', ')}`);
    }
    assert.ok(ds.some((d) => /\bread\b/.test(d.message)) && ds.some((d) => /\bwrite\b/.test(d.message)), 'a read and a write');
  });

  it('finds no race in TestCalm and keeps the race of TestCounter; an edit clears them', async () => {
    const counter = vscode.Uri.joinPath(folder(), 'racy', 'counter.go');
    const test = vscode.Uri.joinPath(folder(), 'racy', 'counter_test.go');
    const result = (await vscode.commands.executeCommand('golab.raceTest', test, 'TestCalm')) as { findings: unknown[] } | undefined;
    assert.ok(result, 'the race run did not complete');
    assert.strictEqual(result.findings.length, 0);
    // Running one test re-checks only that test: the race found in TestCounter stays.
    assert.strictEqual(raceDiagnostics(counter).length, 2);
    // An edit moves lines: the diagnostics no longer match what ran, so they go.
    const doc = await vscode.workspace.openTextDocument(counter);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(counter, new vscode.Position(0, 0), '// edited\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    for (let i = 0; i < 50 && raceDiagnostics(counter).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(raceDiagnostics(counter).length, 0);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('lists the workspace tests in the Test Explorer and runs them with the Race (lab) profile', async () => {
    const ext = vscode.extensions.getExtension<GolabApi>('golab.go-concurrency-lab');
    assert.ok(ext?.isActive, 'the extension is not active');
    const { testController, raceProfile } = ext.exports;
    await testController.resolveHandler?.(undefined);
    const dir = vscode.Uri.joinPath(folder(), 'racy').fsPath;
    const pkg = testController.items.get(dir);
    assert.ok(pkg, `no package item for ${dir}; items: ${JSON.stringify(ids(testController.items))}`);
    assert.deepStrictEqual(ids(pkg.children).sort(), [`${dir}#TestCalm`, `${dir}#TestCounter`]);
    const counter = pkg.children.get(`${dir}#TestCounter`);
    assert.ok(counter?.range && counter.range.start.line === 7, 'TestCounter is declared on line 8');

    const states = await runAndRecord(testController, raceProfile, [pkg]);
    assert.strictEqual(states.get(`${dir}#TestCounter`), 'failed', JSON.stringify([...states]));
    assert.strictEqual(states.get(`${dir}#TestCalm`), 'passed', JSON.stringify([...states]));
  });
});

function ids(collection: vscode.TestItemCollection): string[] {
  const out: string[] = [];
  collection.forEach((i) => out.push(i.id));
  return out;
}

