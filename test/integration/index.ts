// Entry point of the in-host integration suite: VS Code (or code-server) loads the bundle
// dist/test/integration/index.js as `extensionTestsPath` and calls `run()` inside the real
// extension host, where `vscode` is the real API.
//
// The suite files are bundled into this file, so mocha cannot load them by path. Instead
// they are imported after mocha has installed its `describe`/`it` globals (`pre-require`).
//
// Results go to `<first workspace folder>/.golab-test-results.json`: neither environment
// variables nor stdout reach the harness from an extension host started by a browser,
// and the harness made that folder (a temporary copy of the fixture), so it knows where
// to look.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

/** One test (or hook) outcome as the harness reads it from the results file. */
export interface TestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: { message: string; stack?: string };
}

/** The results file written at the end of a run. */
export interface TestResults {
  passed: number;
  failed: number;
  pending: number;
  tests: TestResult[];
}

/** File name, relative to the first workspace folder, of the results the harness reads. */
export const resultsFileName = '.golab-test-results.json';

/**
 * Suite files live next to this file's source; the bundle cannot list them itself, so
 * the source folder is read at run time (the extension under test is the repository).
 */
function suiteFiles(): string[] {
  // dist/test/integration/index.js -> <repo>/test/integration/suite
  const dir = path.resolve(__dirname, '..', '..', '..', 'test', 'integration', 'suite');
  if (!fs.existsSync(dir)) throw new Error(`integration suite folder not found: ${dir}`);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort();
}

function resultsPath(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration suite needs a workspace folder to write its results to');
  return path.join(folder.uri.fsPath, resultsFileName);
}

function errorOf(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) return { message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { message: String(err) };
}

/** Runs every suite file under mocha; rejects when a test failed so the host exits non-zero. */
export async function run(): Promise<void> {
  const out = resultsPath();
  const results: TestResults = { passed: 0, failed: 0, pending: 0, tests: [] };
  const write = () => fs.writeFileSync(out, JSON.stringify(results, null, 2));

  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'golab-integration', mocha);
  try {
    for (const file of suiteFiles()) {
      // esbuild turns this template into a map of every ./suite/*.test.ts it bundled.
      await import(`./suite/${file.slice(0, -'.test.ts'.length)}.test.ts`);
    }
  } catch (err) {
    // A suite that cannot even load is a failure, reported like one.
    results.failed++;
    results.tests.push({ title: 'loading the integration suite', state: 'failed', durationMs: 0, error: errorOf(err) });
    write();
    throw err;
  }

  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (test) => {
      results.passed++;
      results.tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 });
    });
    // 'fail' also fires for hooks, so a broken before() counts as a failure.
    runner.on('fail', (test, err) => {
      results.failed++;
      results.tests.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration ?? 0, error: errorOf(err) });
    });
    runner.on('pending', (test) => {
      results.pending++;
      results.tests.push({ title: test.fullTitle(), state: 'pending', durationMs: 0 });
    });
  });
  write();
  if (results.passed + results.failed === 0) throw new Error('the integration suite ran no test');
  if (results.failed > 0) throw new Error(`${results.failed} integration test(s) failed`);
}
