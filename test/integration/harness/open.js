#!/usr/bin/env node
// @ts-check
// `npm run open`: try the extension by hand in a real VS Code in the browser. Builds and
// packages the extension (the production build, as it ships), installs the .vsix into code-server (as a user would install it)
// and serves the sample workspace lab/examples on 127.0.0.1 until Ctrl+C.
//
// Usage: node test/integration/harness/open.js [--port N] [--folder DIR] [--trust-prompt]
//   --port N        listen on N (default: a free port)
//   --folder DIR    open DIR instead of lab/examples
//   --trust-prompt  keep the workspace-trust dialog (to try the untrusted mode)
// Settings and UI state persist between runs in $GOLAB_CACHE/open (default ~/.cache/golab/open).
'use strict';
const fs = require('fs');
const path = require('path');
const { cacheDir, repoRoot, installExtension, startCodeServer, writeUserSettings, workbenchUrl } = require('./codeServer');
const { packageExtension } = require('./packageExtension');

/** @param {string} flag */
function option(flag) {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const folder = path.resolve(option('--folder') ?? path.join(repoRoot, 'lab', 'examples'));
  if (!fs.existsSync(folder)) throw new Error(`folder to open not found: ${folder}`);
  const port = option('--port') ? Number(option('--port')) : undefined;
  const home = path.join(cacheDir, 'open');
  const userDataDir = path.join(home, 'user-data');
  const extensionsDir = path.join(home, 'extensions');
  fs.mkdirSync(userDataDir, { recursive: true });

  console.log('building and packaging the extension...');
  const vsix = await packageExtension(path.join(home, 'go-concurrency-lab.vsix'));
  console.log(await installExtension(vsix, { extensionsDir, userDataDir }));
  // Only the first run writes settings, so changes made in the UI survive restarts.
  if (!fs.existsSync(path.join(userDataDir, 'User', 'settings.json'))) writeUserSettings(userDataDir);

  const server = await startCodeServer({
    userDataDir,
    extensionsDir,
    logFile: path.join(home, 'code-server.log'),
    workspaceTrust: process.argv.includes('--trust-prompt'),
    ...(port ? { port } : {}),
  });
  let stopping = false;
  const stop = async (/** @type {string} */ why) => {
    stopping = true;
    console.log(`\n${why}: stopping code-server (pid ${server.pid})`);
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('Ctrl+C'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  console.log(`code-server log: ${server.logFile}`);
  console.log(`\nOpen ${workbenchUrl(server.origin, folder)}\n(Ctrl+C to stop)`);
  const code = await server.exited;
  if (stopping) return; // stop() exits once the whole tree is down
  console.error(`code-server exited by itself (code ${code}); see ${server.logFile}`);
  await server.stop(); // its children, if any are left
  process.exit(1);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
