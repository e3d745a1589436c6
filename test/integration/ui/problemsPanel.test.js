// @ts-check
// UI check of the extension as a user gets it: the production build is packaged into a
// .vsix, installed into code-server like any marketplace extension, and a Go file with a
// known bug is opened through Quick Open; the finding must show in the Problems panel.
// Nothing is mocked: the language server, tree-sitter and the workbench are the real ones.
//
// Run: npx mocha --no-config --timeout 600000 test/integration/ui/*.test.js
// Artifacts: test-results/problems-panel.png (always), test-results/ui-*.log, test-results/ui-logs/
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { repoRoot, installExtension, startCodeServer, writeUserSettings, workbenchUrl } = require('../harness/codeServer');
const { launchBrowser, closeBrowser } = require('../harness/browser');
const { makeRunDirs, artifactPath, clearArtifacts } = require('../harness/workspace');
const { packageExtension } = require('../harness/packageExtension');

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const extensionId = `${pkg.publisher}.${pkg.name}`.toLowerCase();
/** The fixture file and the diagnostic code its loop must produce (go 1.21 in go.mod). */
const findingFile = 'loop.go';
const findingCode = 'closure/loopvar';

/**
 * Moves the cursor of the active editor to `line` with Go to Line (Ctrl+G), and waits until
 * the status bar says so. Tried up to three times: a Ctrl+G pressed while the previous quick
 * input is still closing can leave the typed `:N` in that one, and the cursor where it was (a
 * profile of "the test at the cursor" then had no test to run).
 * @param {import('playwright-core').Page} page
 * @param {number} line
 */
async function goToLine(page, line) {
  const quickInput = page.locator('.quick-input-widget input');
  const position = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
  for (let attempt = 1; ; attempt++) {
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 30_000 });
    await page.keyboard.press('Control+G');
    await quickInput.waitFor({ timeout: 30_000 });
    await quickInput.fill(`:${line}`);
    await page.keyboard.press('Enter');
    try {
      await position.filter({ hasText: `Ln ${line},` }).waitFor({ timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

/**
 * Opens `name` with Quick Open (Ctrl+P), as a user would, and waits for its tab; the file list
 * is ready once the workspace is indexed.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
async function quickOpen(page, name) {
  const quickInput = page.locator('.quick-input-widget input');
  await page.keyboard.press('Control+P');
  await quickInput.waitFor({ timeout: 30_000 });
  await quickInput.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
}

/** writeLargeProfile's profile: LARGE_K callers of LARGE_K callees each, a flame tree of 1 + K + K * K nodes. */
const LARGE_K = 800;

/**
 * Writes `file`: a CPU-like profile of LARGE_K x LARGE_K distinct two-frame stacks, a flame tree
 * over the size that is posted to the viewer compressed. Written before code-server starts, so
 * that Quick Open lists it like the fixture's own files.
 * @param {string} file
 */
function writeLargeProfile(file) {
  const { Profile, ValueType, Sample, Location, Line, Function: PFunction, StringTable } = require('pprof-format');
  const st = new StringTable();
  const K = LARGE_K;
  const functions = [];
  const locations = [];
  for (let i = 0; i < K; i++) {
    functions.push(new PFunction({ id: i + 1, name: st.dedup(`main.f${i}`), filename: st.dedup('/src/big.go') }));
    locations.push(new Location({ id: i + 1, line: [new Line({ functionId: i + 1, line: i + 1 })] }));
  }
  const sample = [];
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) sample.push(new Sample({ locationId: [b + 1, a + 1], value: [1 + ((a * K + b) % 7)] }));
  const profile = new Profile({ sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })], sample, location: locations, function: functions, stringTable: st });
  fs.writeFileSync(file, require('zlib').gzipSync(profile.encode()));
}

describe('packaged extension in code-server', function () {
  /** @type {import('../harness/workspace').RunDirs} */
  let dirs;
  /** @type {import('../harness/codeServer').CodeServer | undefined} */
  let server;
  /** @type {import('playwright-core').BrowserContext | undefined} */
  let browser;
  /** @type {import('playwright-core').Page} */
  let page;

  before(async function () {
    this.timeout(5 * 60_000);
    clearArtifacts('ui-');
    clearArtifacts('problems-panel');
    dirs = makeRunDirs('golab-ui');
    const vsix = await packageExtension(path.join(dirs.root, `${pkg.name}.vsix`));
    await installExtension(vsix, { extensionsDir: dirs.extensionsDir, userDataDir: dirs.userDataDir });
    writeUserSettings(dirs.userDataDir);
    writeLargeProfile(path.join(dirs.workspace, 'big.pb.gz'));
    server = await startCodeServer({
      userDataDir: dirs.userDataDir,
      extensionsDir: dirs.extensionsDir,
      logFile: artifactPath('ui-code-server.log'),
    });
    browser = await launchBrowser(dirs.browserProfile);
    page = browser.pages()[0] ?? (await browser.newPage());
    const consoleLog = fs.createWriteStream(artifactPath('ui-browser-console.log'));
    page.on('console', (msg) => consoleLog.write(`[${msg.type()}] ${msg.text()}\n`));
    page.on('close', () => consoleLog.end());
    await page.goto(workbenchUrl(server.origin, dirs.workspace));
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      const name = `ui-failure-${(this.currentTest.title || 'test').replace(/[^a-z0-9]+/gi, '-')}.png`;
      await page.screenshot({ path: artifactPath(name) }).catch(() => {});
    }
  });

  after(async function () {
    this.timeout(2 * 60_000);
    await closeBrowser(browser);
    if (server) await server.stop();
    // Extension host and output-channel logs (the Go Lab channel among them), for failures.
    dirs?.saveLogs('ui-logs');
    dirs?.cleanup();
  });

  it(`installs from the .vsix as ${extensionId}`, () => {
    const installed = fs.readdirSync(dirs.extensionsDir).filter((d) => d.startsWith(`${extensionId}-`));
    assert.deepStrictEqual(installed, [`${extensionId}-${pkg.version}`]);
  });

  it(`shows ${findingCode} for ${findingFile} in the Problems panel`, async function () {
    this.timeout(3 * 60_000);
    await quickOpen(page, findingFile);

    await page.keyboard.press('Control+Shift+M');
    const panel = page.locator('.markers-panel');
    await panel.waitFor({ timeout: 30_000 });
    // Other fixture files have findings too: the panel's own filter keeps this file's.
    await page.locator('.viewpane-filter input').fill(findingFile);
    try {
      // The language server starts on activation and analyses the opened file.
      await panel.getByText(findingCode).first().waitFor({ timeout: 120_000 });
    } finally {
      await page.screenshot({ path: artifactPath('problems-panel.png') }).catch(() => {});
    }
    const text = await panel.innerText();
    assert.ok(text.split('\n').some((line) => line.trim() === findingFile), `${findingFile} is not listed:\n${text}`);
    assert.ok(text.includes(findingCode), `no ${findingCode} in the Problems panel:\n${text}`);
  });

  it('profiles TestHot into a flame graph panel: search highlights Burn, Ctrl+click opens its line', async function () {
    // Needs Docker and the lab image (.ci/setup starts dockerd; the lab suite builds the image).
    this.timeout(10 * 60_000);
    const quickInput = page.locator('.quick-input-widget input');
    await quickOpen(page, 'hot_test.go');
    // The cursor into TestHot (line 6), then the command from the palette.
    await goToLine(page, 6);
    await page.keyboard.press('F1');
    await quickInput.fill('>Go Lab: Profile Test or Benchmark at Cursor in Container');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Profile Test or Benchmark at Cursor' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: 'cpu · TestHot' }).waitFor({ timeout: 5 * 60_000 });

    const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const canvas = view.locator('section.graph canvas').first();
    await canvas.waitFor({ timeout: 60_000 });
    await view.locator('#golab-search').fill('Burn');
    const match = view.locator('#golab-match');
    await match.filter({ hasText: /Matched: / }).waitFor({ timeout: 30_000 });
    const share = Number(/Matched: ([\d.]+)%/.exec((await match.innerText()) || '')?.[1]);
    await page.screenshot({ path: artifactPath('flame-graph-search.png') });
    assert.ok(share > 50, `Burn matched ${share}% of the CPU profile`);

    // Find the Burn frame by hovering up the left edge of the flame graph (root at the bottom).
    const box = await canvas.boundingBox();
    assert.ok(box, 'the flame graph canvas has no box');
    const tooltip = view.locator('.tooltip');
    let at;
    for (let y = box.y + box.height - 4; y > box.y && !at; y -= 6) {
      await page.mouse.move(box.x + 8, y);
      const text = (await tooltip.isVisible()) ? await tooltip.innerText() : '';
      if (/hot\.Burn\b/.test(text)) at = { x: box.x + 8, y };
    }
    assert.ok(at, 'no frame of hot.Burn under the left edge of the flame graph');
    await page.keyboard.down('Control');
    await page.mouse.click(at.x, at.y);
    await page.keyboard.up('Control');
    await page.locator('.tabs-container .tab.active', { hasText: 'hot.go' }).waitFor({ timeout: 30_000 });
    // The hashing loop's line carries Burn's samples: the editor opens there.
    const position = page.locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
    await position.filter({ hasText: 'Ln 11,' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: artifactPath('flame-graph-source.png') });

    // A reload brings the panel back with its state (the webview serializer): the same
    // profile, the search still typed in.
    await page.keyboard.press('F1');
    await quickInput.fill('>Developer: Reload Window');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Reload Window' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    const restoredTab = page.locator('.tabs-container .tab', { hasText: 'cpu · TestHot' });
    await restoredTab.waitFor({ timeout: 120_000 });
    await restoredTab.click();
    const restored = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await restored.locator('#golab-match').filter({ hasText: /Matched: / }).waitFor({ timeout: 60_000 });
    assert.strictEqual(await restored.locator('#golab-search').inputValue(), 'Burn');
    await page.screenshot({ path: artifactPath('flame-graph-restored.png') });
  });

  it('shows why a corrupt profile cannot be read, in the viewer, instead of a blank panel', async function () {
    this.timeout(3 * 60_000);
    await quickOpen(page, 'corrupt.pb.gz');
    const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const error = view.locator('.error-panel');
    await error.filter({ hasText: 'Cannot show this profile' }).waitFor({ timeout: 60_000 });
    const text = await error.innerText();
    await page.screenshot({ path: artifactPath('flame-graph-corrupt.png') });
    assert.match(text, /corrupt\.pb\.gz is not a profile Go Lab can read/);
  });

  it('tunes the GC of TestChurn from the palette and shows the report with its recommendation', async function () {
    this.timeout(10 * 60_000);
    const quickInput = page.locator('.quick-input-widget input');
    await quickOpen(page, 'churn_test.go');
    await goToLine(page, 7);
    await page.keyboard.press('F1');
    await quickInput.fill('>Go Lab: Tune GC in Container');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Tune GC in Container' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    // The target: the test at the cursor, listed first.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'TestChurn' }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    // The grid, one input box after the other.
    for (const value of ['256m', '100,off', 'none,70%', '1']) {
      await page.locator('.quick-input-widget input:visible').waitFor({ timeout: 30_000 });
      await page.waitForTimeout(300);
      await quickInput.fill(value);
      await page.keyboard.press('Enter');
    }
    await page.locator('.tabs-container .tab', { hasText: 'GC tuning · TestChurn' }).waitFor({ timeout: 5 * 60_000 });
    const report = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const table = report.locator('table');
    await table.waitFor({ timeout: 60_000 });
    const text = await report.locator('body').innerText();
    await page.screenshot({ path: artifactPath('gc-report.png'), fullPage: true });
    assert.match(text, /OOM/, 'GOGC=off without a limit is OOM-killed under 256 MiB');
    assert.match(text, /Recommended|No clear winner|Needs more memory|Keep the default/);
  });

  it('opens a profile of 640k frames in the viewer: the model travels compressed and draws, searchable', async function () {
    this.timeout(5 * 60_000);
    await quickOpen(page, 'big.pb.gz');
    const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await view.locator('canvas.flame-canvas').first().waitFor({ timeout: 120_000 });
    assert.strictEqual(await view.locator('.error-panel:visible').count(), 0);
    await view.locator('#golab-search').fill('^main\\.f799$');
    await view.locator('#golab-match', { hasText: /Matched: [\d.]+%/ }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: artifactPath('flame-graph-large.png') });
    // The extension's log says the tree went compressed (a message of 640k nodes' arrays).
    const logged = () => {
      const logs = path.join(dirs.userDataDir, 'logs');
      const files = fs.existsSync(logs) ? fs.readdirSync(logs, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.log')) : [];
      return files.map((f) => fs.readFileSync(path.join(logs, f), 'utf8')).join('\n').match(/profile view: big\.pb\.gz: (\d+) nodes, read and modelled in \d+ ms, compressed for the view/);
    };
    let line = logged();
    for (let i = 0; i < 100 && !line; i++) {
      await new Promise((r) => setTimeout(r, 100));
      line = logged();
    }
    assert.ok(line, 'no log line of the compressed model');
    assert.strictEqual(Number(line[1]), 1 + LARGE_K + LARGE_K * LARGE_K);
  });
});

