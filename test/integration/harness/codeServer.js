// @ts-check
// code-server (VS Code as a server) as the real VS Code of the end-to-end tests:
// @vscode/test-electron cannot download VS Code on machines without internet, while
// code-server comes from the npm registry. .ci/setup installs it into a cache outside the
// repository; this module finds it, starts it on loopback and stops it.
'use strict';
const { spawn, execFile } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');
const { promisify } = require('util');
const { killTree } = require('./processes');

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const cacheDir = process.env.GOLAB_CACHE || path.join(os.homedir(), '.cache', 'golab');

/** Where .ci/setup installs code-server; GOLAB_CODE_SERVER overrides it. */
function codeServerBin() {
  const bin = process.env.GOLAB_CODE_SERVER || path.join(cacheDir, 'code-server', 'node_modules', '.bin', 'code-server');
  if (!fs.existsSync(bin)) {
    throw new Error(`code-server not found at ${bin}. Install it with: bash .ci/setup`);
  }
  return bin;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Prepares a user-data-dir: no welcome page or walkthrough competing for focus, and
 * nothing that reaches for the network.
 * @param {string} userDataDir
 * @param {Record<string, unknown>} [extraSettings]
 */
function writeUserSettings(userDataDir, extraSettings = {}) {
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    // Workspaces inside this repository would otherwise get a toast offering its git repo.
    'git.openRepositoryInParentFolders': 'never',
    ...extraSettings,
  };
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

/**
 * An explicit config file: without one code-server writes ~/.config/code-server/config.yaml
 * with a generated password on first start.
 * @param {string} dir
 */
function writeConfig(dir) {
  const file = path.join(dir, 'code-server.yaml');
  fs.writeFileSync(file, 'auth: none\ncert: false\n');
  return file;
}

/** The environment code-server runs with: an empty gallery so it never asks the marketplace. */
function codeServerEnv() {
  return { ...process.env, EXTENSIONS_GALLERY: '{}' };
}

/**
 * Installs a .vsix into an extensions dir, as a user would with `code-server --install-extension`.
 * @param {string} vsix
 * @param {{ extensionsDir: string, userDataDir: string }} dirs
 */
async function installExtension(vsix, { extensionsDir, userDataDir }) {
  const config = writeConfig(userDataDir);
  const { stdout } = await promisify(execFile)(
    codeServerBin(),
    ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'],
    { env: codeServerEnv(), timeout: 120_000 },
  );
  return stdout.trim();
}

/**
 * Polls /healthz until code-server answers, failing early if the process exits.
 * @param {number} port
 * @param {import('child_process').ChildProcess} child
 * @param {number} timeoutMs
 */
async function waitForHealthz(port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before answering /healthz`);
    }
    const ok = await new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`code-server did not answer http://127.0.0.1:${port}/healthz within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * @typedef {object} CodeServer
 * @property {number} port
 * @property {number} pid       PID of the code-server process itself
 * @property {string} origin    http://127.0.0.1:PORT
 * @property {string} logFile   its stdout and stderr
 * @property {Promise<number | null>} exited  resolves with the exit code when it ends
 * @property {() => Promise<void>} stop  stops it and every process it started
 */

/**
 * Starts code-server on a free loopback port with its own user-data and extensions dirs.
 * @param {object} opts
 * @param {string} opts.userDataDir
 * @param {string} opts.extensionsDir
 * @param {string} opts.logFile
 * @param {number} [opts.port]         a fixed port (the `open` flow); default: a free one
 * @param {boolean} [opts.workspaceTrust]  keep the trust prompt (default: disabled)
 * @param {string[]} [opts.extraArgs]
 * @param {number} [opts.timeoutMs]
 * @returns {Promise<CodeServer>}
 */
async function startCodeServer(opts) {
  const bin = codeServerBin();
  const port = opts.port ?? (await freePort());
  fs.mkdirSync(opts.extensionsDir, { recursive: true });
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const config = writeConfig(opts.userDataDir);
  const args = [
    '--config', config,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--user-data-dir', opts.userDataDir,
    '--extensions-dir', opts.extensionsDir,
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    ...(opts.extraArgs ?? []),
  ];
  const log = fs.openSync(opts.logFile, 'w');
  // detached: its own process group, so that every process it forks can be found and
  // stopped by that group's id even after its parent died (see processes.js).
  const child = spawn(bin, args, { env: codeServerEnv(), stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${bin}`);
  const pid = child.pid;
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killTree(pid, { group: true, exited: child.exitCode !== null || child.signalCode !== null });
  };
  try {
    await waitForHealthz(port, child, opts.timeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    const tail = fs.readFileSync(opts.logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`${/** @type {Error} */ (err).message}\n--- ${opts.logFile} (tail) ---\n${tail}`, { cause: err });
  }
  return { port, pid, origin: `http://127.0.0.1:${port}`, logFile: opts.logFile, exited, stop };
}

/**
 * The workbench URL for a folder, with optional `payload` entries; code-server takes
 * extensionDevelopmentPath / extensionTestsPath only this way, not as command-line flags.
 * @param {string} origin
 * @param {string} folder
 * @param {[string, string][]} [payload]
 */
function workbenchUrl(origin, folder, payload) {
  let url = `${origin}/?folder=${encodeURIComponent(folder)}`;
  if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/** A path on the server as the browser-side workbench names it. @param {string} absPath */
function remoteUri(absPath) {
  return `vscode-remote://remote${absPath}`;
}

module.exports = {
  repoRoot,
  cacheDir,
  codeServerBin,
  freePort,
  writeUserSettings,
  installExtension,
  startCodeServer,
  workbenchUrl,
  remoteUri,
};
