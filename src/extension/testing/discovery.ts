/**
 * The Go tests of the workspace as VS Code TestItems, found with tree-sitter (core's
 * findTestFunctions) instead of `go list`: a package's tests appear as soon as its files are
 * read, without building anything. Items: package directory -> test -> literal subtests. Kept
 * current from open documents (every edit) and a file watcher (saved, created, deleted files).
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { GoParser } from '../../core/analysis/parser';
import { findTestFunctions, type GoSubtest, type GoTestFunction, isTestFile } from '../../core/analysis/testFunctions';
import type { Range } from '../../core/analysis/types';

/** What a TestItem stands for, to build the `go test` command line of a run. */
export type TestData =
  | { kind: 'package'; dir: string }
  | { kind: 'test'; dir: string; name: string; fn: GoTestFunction['kind'] }
  | { kind: 'subtest'; dir: string; path: string[] };

function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

/** Test files larger than this are not parsed for tests (generated tables, not tests). */
const MAX_TEST_FILE_BYTES = 4 * 1024 * 1024;

export class TestDiscovery implements vscode.Disposable {
  readonly data = new WeakMap<vscode.TestItem, TestData>();
  private parser: Promise<GoParser> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Test ids declared by each file, so a file's change replaces exactly its own tests. */
  private readonly byFile = new Map<string, string[]>();
  /** The test functions of each file as last parsed. */
  private readonly declarations = new Map<string, GoTestFunction[]>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with a file's path when its tests were re-read. */
  readonly onDidChangeFile = this.changed.event;

  constructor(
    private readonly controller: vscode.TestController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*_test.go');
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => void this.updateFromDisk(uri)),
      watcher.onDidChange((uri) => void this.updateFromDisk(uri)),
      watcher.onDidDelete((uri) => this.remove(uri.fsPath)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.languageId === 'go' && isTestFile(e.document.uri.fsPath)) void this.update(e.document.uri.fsPath, e.document.getText());
      }),
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (d.languageId === 'go' && isTestFile(d.uri.fsPath)) void this.update(d.uri.fsPath, d.getText());
      }),
    );
  }

  /** Reads every test file of the workspace (excluding vendor and testdata). */
  async discoverAll(token?: vscode.CancellationToken): Promise<void> {
    const files = await vscode.workspace.findFiles('**/*_test.go', '{**/vendor/**,**/testdata/**,**/node_modules/**}', undefined, token);
    for (const uri of files) {
      if (token?.isCancellationRequested) return;
      await this.updateFromDisk(uri);
    }
  }

  private getParser(): Promise<GoParser> {
    return (this.parser ??= GoParser.create());
  }

  private async updateFromDisk(uri: vscode.Uri): Promise<void> {
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_TEST_FILE_BYTES) return;
      const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
      const text = open ? open.getText() : Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
      await this.update(uri.fsPath, text);
    } catch (e) {
      // Deleted between the event and the read, or unreadable: it simply lists no tests.
      this.log.debug(`test discovery: ${uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
      this.remove(uri.fsPath);
    }
  }

  /** Replaces the tests declared by `file` with those in `text`. */
  async update(file: string, text: string): Promise<void> {
    const parser = await this.getParser();
    let found: GoTestFunction[];
    const tree = parser.parse(text);
    try {
      found = findTestFunctions(tree);
    } finally {
      tree.delete();
    }
    this.remove(file);
    this.declarations.set(file, found);
    this.changed.fire(file);
    if (found.length === 0) return;
    const dir = path.dirname(file);
    const pkg = this.packageItem(dir);
    const uri = vscode.Uri.file(file);
    const ids: string[] = [];
    for (const fn of found) {
      // Examples only run with an `// Output:` comment; listing them would offer runs that do nothing.
      if (fn.kind === 'example') continue;
      const id = `${dir}#${fn.name}`;
      const item = this.controller.createTestItem(id, fn.name, uri);
      item.range = toRange(fn.nameRange);
      item.description = fn.kind === 'test' ? undefined : fn.kind;
      this.data.set(item, { kind: 'test', dir, name: fn.name, fn: fn.kind });
      this.addSubtests(item, dir, [fn.name], fn.subtests, uri);
      pkg.children.add(item);
      ids.push(id);
    }
    this.byFile.set(file, ids);
  }

  private addSubtests(parent: vscode.TestItem, dir: string, prefix: string[], subtests: readonly GoSubtest[], uri: vscode.Uri): void {
    for (const s of subtests) {
      const p = [...prefix, s.name];
      const item = this.controller.createTestItem(`${dir}#${p.join('/')}`, s.name, uri);
      item.range = toRange(s.range);
      this.data.set(item, { kind: 'subtest', dir, path: p });
      this.addSubtests(item, dir, p, s.subtests, uri);
      parent.children.add(item);
    }
  }

  private packageItem(dir: string): vscode.TestItem {
    const existing = this.controller.items.get(dir);
    if (existing) return existing;
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir));
    const label = folder ? path.relative(folder.uri.fsPath, dir) || path.basename(dir) : dir;
    const item = this.controller.createTestItem(dir, label, vscode.Uri.file(dir));
    this.data.set(item, { kind: 'package', dir });
    this.controller.items.add(item);
    return item;
  }

  private remove(file: string): void {
    this.declarations.delete(file);
    const ids = this.byFile.get(file);
    if (!ids) return;
    this.byFile.delete(file);
    const dir = path.dirname(file);
    const pkg = this.controller.items.get(dir);
    if (!pkg) return;
    for (const id of ids) pkg.children.delete(id);
    if (pkg.children.size === 0) this.controller.items.delete(dir);
  }

  /** The test function whose declaration contains `line` in `file`, for "the test at the cursor". */
  testAt(file: string, line: number): { dir: string; name: string; kind: GoTestFunction['kind'] } | undefined {
    const fn = this.declarations.get(file)?.find((f) => f.range.start.line <= line && line <= f.range.end.line);
    return fn && { dir: path.dirname(file), name: fn.name, kind: fn.kind };
  }

  /** The test functions of `file` as last parsed (for CodeLenses). */
  testsIn(file: string): readonly GoTestFunction[] {
    return this.declarations.get(file) ?? [];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    void this.parser?.then((p) => p.delete());
  }
}
