// @ts-check
// Debian's Chromium, driven by playwright-core: playwright's own browser download cannot
// work without internet, and the distribution browser needs no download.
'use strict';
const fs = require('fs');
const { chromium } = require('playwright-core');

const chromiumPath = process.env.GOLAB_CHROMIUM || '/usr/bin/chromium';

/**
 * Launches headless Chromium with a fresh profile. The background-networking flags keep it
 * from dialling out (the machine refuses those connections, many at a time, which slows it).
 * @param {string} profileDir  an empty directory
 * @returns {Promise<import('playwright-core').BrowserContext>}
 */
async function launchBrowser(profileDir) {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}. Install it with: apt-get install -y chromium (or run bash .ci/setup as root)`);
  }
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox', // running as root
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Closes the browser, but never waits forever on a wedged one: playwright then kills it
 * when this process exits, and the harness kills leftovers by PID.
 * @param {import('playwright-core').BrowserContext | undefined} context
 */
async function closeBrowser(context) {
  if (!context) return;
  await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
}

module.exports = { launchBrowser, closeBrowser, chromiumPath };
