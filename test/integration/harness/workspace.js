// @ts-check
// Temporary directories for one end-to-end run. Tests edit files in the workspace and
// code-server writes state into its user-data-dir, so every run starts from fresh copies.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { repoRoot } = require('./codeServer');

const fixtureWorkspace = path.join(repoRoot, 'test', 'fixtures', 'workspace');
const resultsDir = path.join(repoRoot, 'test-results');

/**
 * @typedef {object} RunDirs
 * @property {string} root           removed by cleanup()
 * @property {string} workspace      copy of the fixture workspace
 * @property {string} userDataDir
 * @property {string} extensionsDir
 * @property {string} browserProfile
 * @property {() => void} cleanup    removes root unless GOLAB_KEEP_TEMP=1
 * @property {(name: string) => string} saveLogs  copies code-server's logs (extension host,
 *   remote agent, output channels) to test-results/NAME before cleanup removes them
 */

/**
 * Makes the directories of one run and copies `source` into its workspace.
 * @param {string} prefix
 * @param {string} [source]  defaults to test/fixtures/workspace
 * @returns {RunDirs}
 */
function makeRunDirs(prefix, source = fixtureWorkspace) {
  if (!fs.existsSync(source)) throw new Error(`fixture workspace not found: ${source}`);
  // realpath: the workbench compares folder URIs, and /tmp may be a symlink elsewhere.
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`)));
  /** @type {RunDirs} */
  const dirs = {
    root,
    workspace: path.join(root, 'workspace'),
    userDataDir: path.join(root, 'user-data'),
    extensionsDir: path.join(root, 'extensions'),
    browserProfile: path.join(root, 'chromium'),
    saveLogs(name) {
      const dest = artifactPath(name);
      fs.rmSync(dest, { recursive: true, force: true });
      const logs = path.join(root, 'user-data', 'logs');
      if (fs.existsSync(logs)) fs.cpSync(logs, dest, { recursive: true });
      return dest;
    },
    cleanup() {
      if (process.env.GOLAB_KEEP_TEMP === '1') {
        console.log(`kept temporary files in ${root}`);
        return;
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  fs.cpSync(source, dirs.workspace, { recursive: true });
  for (const d of [dirs.userDataDir, dirs.extensionsDir, dirs.browserProfile]) fs.mkdirSync(d, { recursive: true });
  return dirs;
}

/** test-results/NAME, creating the folder. @param {string} name */
function artifactPath(name) {
  fs.mkdirSync(resultsDir, { recursive: true });
  return path.join(resultsDir, name);
}

/**
 * Removes a suite's artifacts of an earlier run, so a stale failure screenshot is not
 * mistaken for this run's.
 * @param {string} prefix  e.g. 'in-host-'
 */
function clearArtifacts(prefix) {
  if (!fs.existsSync(resultsDir)) return;
  for (const name of fs.readdirSync(resultsDir)) {
    if (name.startsWith(prefix)) fs.rmSync(path.join(resultsDir, name), { recursive: true, force: true });
  }
}

module.exports = { fixtureWorkspace, resultsDir, makeRunDirs, artifactPath, clearArtifacts };

// `node test/integration/harness/workspace.js DEST`: a fresh copy of the fixture at DEST,
// for the "Extension Tests" launch configuration, which cannot make a temporary folder.
if (require.main === module) {
  const dest = path.resolve(process.argv[2] || path.join(repoRoot, '.vscode-test', 'workspace'));
  fs.rmSync(dest, { recursive: true, force: true });
  fs.cpSync(fixtureWorkspace, dest, { recursive: true });
  console.log(`fixture workspace copied to ${dest}`);
}
