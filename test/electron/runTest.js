#!/usr/bin/env node
// @ts-check
// The in-host integration suite under a downloaded VS Code (Electron), the standard
// @vscode/test-electron way, for machines that can reach VS Code's download server.
// It runs the same dist/test/integration/index.js as the code-server harness
// (test/integration/harness/runInHost.js), which is the one that works offline.
//
// Usage: node esbuild.js && node test/electron/runTest.js
// Env:   GOLAB_VSCODE_VERSION  VS Code version to download (default: stable)
//        GOLAB_VSCODE_EXECUTABLE  use this VS Code binary instead of downloading one
// On Linux without a display run it under xvfb-run (apt-get install xvfb).
'use strict';
const fs = require('fs');
const path = require('path');
const { runTests } = require('@vscode/test-electron');
const { repoRoot } = require('../integration/harness/codeServer');
const { makeRunDirs } = require('../integration/harness/workspace');

const testsEntry = path.join(repoRoot, 'dist', 'test', 'integration', 'index.js');
const resultsFileName = '.golab-test-results.json'; // same name as in test/integration/index.ts

async function main() {
  if (!fs.existsSync(testsEntry)) throw new Error(`${path.relative(repoRoot, testsEntry)} is missing: build first with: node esbuild.js`);
  // Tests may edit the workspace, so they get a copy of the fixture.
  const dirs = makeRunDirs('golab-electron');
  fs.rmSync(path.join(dirs.workspace, resultsFileName), { force: true });
  let exitCode = 1;
  try {
    try {
      exitCode = await runTests({
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath: testsEntry,
        ...(process.env.GOLAB_VSCODE_EXECUTABLE
          ? { vscodeExecutablePath: process.env.GOLAB_VSCODE_EXECUTABLE }
          : { version: process.env.GOLAB_VSCODE_VERSION || 'stable' }),
        launchArgs: [
          dirs.workspace,
          '--disable-extensions', // other installed extensions; the one under test still loads
          '--disable-workspace-trust',
          '--user-data-dir', dirs.userDataDir,
          '--extensions-dir', dirs.extensionsDir,
        ],
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Failing tests reject with TestRunFailedError: those still have a results file.
      if (!fs.existsSync(path.join(dirs.workspace, resultsFileName))) {
        throw new Error(
          `could not run VS Code: ${message}\n` +
            '@vscode/test-electron downloads VS Code from its update server, which needs internet access.\n' +
            'Offline, run the same suite in code-server instead: bash .ci/setup && node test/integration/harness/runInHost.js',
          { cause: err },
        );
      }
    }
    const results = JSON.parse(fs.readFileSync(path.join(dirs.workspace, resultsFileName), 'utf8'));
    console.log(`${results.passed} passed, ${results.failed} failed`);
    return exitCode === 0 && results.failed === 0 ? 0 : 1;
  } finally {
    dirs.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
