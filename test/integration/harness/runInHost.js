#!/usr/bin/env node
// @ts-check
// Runs the in-host integration suite (dist/test/integration/index.js) inside a real
// VS Code extension host: code-server serves the workbench, headless Chromium opens it with
// the extension under development and the test entry point in the URL payload, the same
// model as @vscode/test-electron. The workbench reports the end through
// window.codeAutomationExit(code); the per-test results come from the file the in-host
// index writes into the (temporary) workspace folder.
//
// Usage: node test/integration/harness/runInHost.js
// Env:   GOLAB_IT_TIMEOUT  seconds to wait for the suite (default 300)
//        GOLAB_SUMMARY_FILE  if set, {"passed":N,"failed":N} is written there (test/runAll.js)
//        GOLAB_KEEP_TEMP=1   keep the temporary workspace, user-data and logs
// Prints one line per test and ends with "N passed, N failed"; exits 1 on any failure.
'use strict';
const fs = require('fs');
const path = require('path');
const { startCodeServer, writeUserSettings, workbenchUrl, remoteUri, repoRoot } = require('./codeServer');
const { launchBrowser, closeBrowser } = require('./browser');
const { makeRunDirs, artifactPath, clearArtifacts } = require('./workspace');
const { descendants, killTree } = require('./processes');

const testsEntry = path.join(repoRoot, 'dist', 'test', 'integration', 'index.js');
const resultsFileName = '.golab-test-results.json'; // same name as in test/integration/index.ts
const timeoutMs = Number(process.env.GOLAB_IT_TIMEOUT || 1800) * 1000;

/** @typedef {{ title: string, state: 'passed'|'failed'|'pending', durationMs: number, error?: { message: string, stack?: string } }} TestResult */

/**
 * Rewrites positions in the test bundle to TypeScript sources. The extension host runs
 * without --enable-source-maps, so in-host stacks name dist/test/integration/index.js.
 * @param {string} stack
 */
function mapStack(stack) {
  const mapFile = `${testsEntry}.map`;
  if (!fs.existsSync(mapFile)) return stack;
  const { SourceMap } = require('module');
  const map = new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8')));
  return stack.replace(/[^\s(]*dist\/test\/integration\/index\.js:(\d+):(\d+)/g, (frame, line, column) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return frame;
    const source = path.relative(repoRoot, path.resolve(path.dirname(mapFile), entry.originalSource));
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/**
 * Resolves with the exit code the workbench passes to codeAutomationExit, or rejects on
 * timeout / browser crash. Exposed before navigation so the workbench finds it at start.
 * @param {import('playwright-core').Page} page
 * @param {string} url
 * @returns {Promise<number>}
 */
async function runSuite(page, url) {
  /** @type {(code: number) => void} */
  let onExit = () => {};
  const exited = new Promise((resolve) => (onExit = resolve));
  await page.exposeFunction('codeAutomationExit', (/** @type {number} */ code) => onExit(code));
  let timer;
  const timedOut = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the in-host suite did not finish within ${timeoutMs / 1000} s (GOLAB_IT_TIMEOUT)`)),
      timeoutMs,
    );
  });
  const crashed = new Promise((_, reject) => page.on('crash', () => reject(new Error('the browser page crashed'))));
  // A crash while shutting down, after the race is decided, must not be an unhandled rejection.
  crashed.catch(() => {});
  await page.goto(url);
  try {
    return /** @type {number} */ (await Promise.race([exited, timedOut, crashed]));
  } finally {
    clearTimeout(timer);
  }
}

async function main() {
  for (const f of [path.join(repoRoot, 'dist', 'extension.js'), testsEntry]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(repoRoot, f)} is missing: build first with: node esbuild.js`);
  }
  clearArtifacts('in-host-');
  const dirs = makeRunDirs('golab-it');
  // Only this run's results count, even if the fixture was copied with an old results file.
  fs.rmSync(path.join(dirs.workspace, resultsFileName), { force: true });
  writeUserSettings(dirs.userDataDir);
  /** @type {import('./codeServer').CodeServer | undefined} */
  let server;
  /** @type {import('playwright-core').BrowserContext | undefined} */
  let browser;
  /** @type {import('playwright-core').Page | undefined} */
  let page;
  const consoleLog = fs.createWriteStream(artifactPath('in-host-browser-console.log'));
  const stopAll = async () => {
    await closeBrowser(browser);
    if (server) await server.stop();
    // Anything still below this process (a wedged Chromium) was started by this run.
    for (const pid of descendants(process.pid)) await killTree(pid, { graceMs: 1000 });
  };
  // Ctrl+C or a CI timeout must not leave code-server holding its port.
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(sig, () => {
      console.error(`\n${sig}: stopping code-server and Chromium`);
      stopAll().finally(() => process.exit(130));
    });
  }

  /** @type {TestResult[]} */
  let tests = [];
  let problem = '';
  const started = Date.now();
  try {
    server = await startCodeServer({
      userDataDir: dirs.userDataDir,
      extensionsDir: dirs.extensionsDir,
      logFile: artifactPath('in-host-code-server.log'),
    });
    console.log(`code-server ${server.origin} (pid ${server.pid}), workspace ${dirs.workspace}`);
    browser = await launchBrowser(dirs.browserProfile);
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (msg) => consoleLog.write(`[${msg.type()}] ${msg.text()}\n`));
    const url = workbenchUrl(server.origin, dirs.workspace, [
      ['extensionDevelopmentPath', remoteUri(repoRoot)],
      ['extensionTestsPath', remoteUri(testsEntry)],
    ]);
    const exitCode = await runSuite(page, url);
    const resultsFile = path.join(dirs.workspace, resultsFileName);
    if (fs.existsSync(resultsFile)) {
      tests = JSON.parse(fs.readFileSync(resultsFile, 'utf8')).tests;
    } else {
      problem = `the suite wrote no ${resultsFileName} (exit code ${exitCode}); see test-results/in-host-browser-console.log`;
    }
    if (exitCode !== 0 && !tests.some((t) => t.state === 'failed') && !problem) {
      problem = `the extension host exited with code ${exitCode} although no test failed`;
    }
  } catch (err) {
    problem = /** @type {Error} */ (err).message;
  } finally {
    const anyFailure = problem !== '' || tests.some((t) => t.state === 'failed');
    if (anyFailure && page) {
      const shot = artifactPath('in-host-failure.png');
      await page.screenshot({ path: shot }).then(
        () => console.error(`screenshot: ${path.relative(repoRoot, shot)}`),
        () => {},
      );
    }
    await stopAll();
    consoleLog.end();
    // Extension host and output-channel logs: what a failing activation says is there.
    if (anyFailure) {
      console.error(`logs: ${path.relative(repoRoot, dirs.saveLogs('in-host-logs'))}`);
    }
    dirs.cleanup();
  }

  for (const t of tests) {
    const mark = t.state === 'passed' ? 'ok  ' : t.state === 'failed' ? 'FAIL' : 'skip';
    console.log(`  ${mark} ${t.title} (${t.durationMs} ms)`);
    if (t.error) console.log(`       ${mapStack(t.error.stack || t.error.message).split('\n').join('\n       ')}`);
  }
  if (problem) console.error(`in-host suite: ${problem}`);
  const passed = tests.filter((t) => t.state === 'passed').length;
  const failed = tests.filter((t) => t.state === 'failed').length + (problem ? 1 : 0);
  console.log(`in-host suite took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (process.env.GOLAB_SUMMARY_FILE) fs.writeFileSync(process.env.GOLAB_SUMMARY_FILE, JSON.stringify({ passed, failed }));
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    if (process.env.GOLAB_SUMMARY_FILE) fs.writeFileSync(process.env.GOLAB_SUMMARY_FILE, JSON.stringify({ passed: 0, failed: 1 }));
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
