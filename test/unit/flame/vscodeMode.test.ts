/**
 * The flame bundle as VS Code runs it: with acquireVsCodeApi (a recording stand-in here), the
 * profile arriving in a `load` message. Checks the message protocol of src/shared/flame.ts:
 * ready first, state restored and posted back, openSource on Ctrl+click, error messages shown.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as zlib from 'zlib';
import type { Browser, Page } from 'playwright-core';
import type { FlameViewState, FromWebview } from '../../../src/shared/flame';
import { encodeFlameProfile, packFlameProfile } from '../../../src/shared/flameCodec';
import { hitTest, layout, ROW_HEIGHT, viewOf } from '../../../src/webview/flame/layout';
import { repoRoot } from '../../support/paths';
import { CANVAS_HASH, collectErrors, flameAssets, launch, writePage } from './standalonePage';
import { randomProfile } from './synthetic';

/** Records what the view posts, and serves a saved state, as VS Code's webview API does. */
const FAKE_VSCODE_API = `
  window.__posted = [];
  window.__saved = undefined;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => window.__saved,
    setState: (s) => { window.__saved = s; },
  });
`;

const DARK = '--vscode-editor-background: #1e1e1e; --vscode-editor-foreground: #cccccc; --vscode-charts-red: #f14c4c; --vscode-charts-orange: #d18616; --vscode-charts-yellow: #cca700; --vscode-charts-blue: #3794ff; --vscode-charts-purple: #b180d7; --vscode-font-family: sans-serif';
const LIGHT = '--vscode-editor-background: #fffffe; --vscode-editor-foreground: #3b3b3b; --vscode-charts-red: #e51400; --vscode-charts-orange: #d18616; --vscode-charts-yellow: #bf8803; --vscode-charts-blue: #1a85ff; --vscode-font-family: sans-serif';

/** The colour of the canvas's bottom-right pixel (background: no frame reaches the last column of the deepest row). */
const CORNER = `(() => {
  const c = document.querySelector('canvas.flame-canvas');
  const d = c.getContext('2d').getImageData(c.width - 1, c.height - 1, 1, 1).data;
  return [d[0], d[1], d[2]];
})()`;

describe('flame view inside VS Code (message protocol, headless Chromium)', function () {
  this.timeout(60000);
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const profile = randomProfile({ nodes: 2000, seed: 11 });
  const posted = async (): Promise<FromWebview[]> => (await page.evaluate('window.__posted')) as FromWebview[];
  /** What the page posted before it was sent a profile. */
  let beforeLoad: FromWebview[];
  const zoom = profile.tree.size[1] > 1 ? 2 : 1;
  const loadState: FlameViewState = { sampleType: 0, zoom, search: 'cart', view: 'icicle', sort: { column: 'cum', descending: true } };

  // The profile is loaded here, not by the first tests, so that any test also passes on its own (--grep).
  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    errors = collectErrors(page);
    await page.addInitScript(FAKE_VSCODE_API);
    const { script, css } = flameAssets();
    // The host's page: the bundle and CSS, no embedded profile.
    // VS Code sets the theme's colours as variables on <html> and its kind as a class on <body>.
    const html = `<!DOCTYPE html><html style="${DARK}"><head><meta charset="utf-8"><style>${css}</style></head><body class="vscode-dark"><div id="golab-flame"></div><script>${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
    await page.goto(`file://${writePage(html, 'vscode')}`);
    await page.waitForFunction('window.__posted.length > 0');
    beforeLoad = await posted();
    await page.evaluate(`window.postMessage({ type: 'load', profile: ${JSON.stringify(encodeFlameProfile(profile))}, state: ${JSON.stringify(loadState)} }, '*')`);
    await page.waitForSelector('canvas.flame-canvas');
  });

  after(async () => {
    await browser?.close();
  });

  it('posts ready first', () => {
    assert.deepStrictEqual(beforeLoad[0], { type: 'ready' });
  });

  it('loads a posted profile with the state of the load message', async () => {
    assert.strictEqual(await page.inputValue('#golab-search'), 'cart');
    assert.strictEqual(await page.getAttribute('button.view-button:text("Icicle")', 'aria-pressed'), 'true');
    assert.strictEqual(await page.inputValue('#golab-sample-type'), '0');
    await page.waitForSelector('nav.breadcrumbs button.crumb[aria-current="location"]');
  });

  it('posts openSource for Ctrl+click with the function file and the node line', async () => {
    // Unzoomed, the breadcrumbs go and the canvas moves up: measure it after.
    await page.keyboard.press('Escape');
    await page.waitForSelector('nav.breadcrumbs', { state: 'hidden' });
    const box = await page.locator('canvas.flame-canvas').first().boundingBox();
    assert.ok(box);
    // Icicle: row 1 holds the root's children.
    // mouse.click has no modifiers option: hold Control on the keyboard.
    await page.keyboard.down('Control');
    await page.mouse.click(box.x + 3, box.y + ROW_HEIGHT * 1.5);
    await page.keyboard.up('Control');
    const open = (await posted()).find((m) => m.type === 'openSource');
    assert.ok(open && open.type === 'openSource', JSON.stringify(await posted()));
    // The same layout the page computed tells which node is under the click.
    const l = layout(viewOf(profile.tree, 0), 0, Math.floor(box.width));
    const node = l.node[hitTest(l, 1, 3)];
    assert.strictEqual(open.file, profile.functions[profile.tree.func[node]].file);
    assert.strictEqual(open.line, profile.tree.line[node]);
  });

  it('persists state changes with setState and a state message', async () => {
    await page.selectOption('#golab-sample-type', '1');
    await page.waitForFunction(`window.__posted.some((m) => m.type === 'state' && m.state.sampleType === 1)`);
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'flame-vscode-dark.png') });
    const saved = (await page.evaluate('window.__saved')) as FlameViewState;
    assert.strictEqual(saved.sampleType, 1);
    assert.strictEqual(saved.view, 'icicle');
    assert.strictEqual(saved.zoom, 0);
  });

  it('follows the theme: VS Code colours, redrawn when the theme changes', async () => {
    assert.deepStrictEqual(await page.evaluate(CORNER), [30, 30, 30]);
    await page.evaluate(`document.documentElement.setAttribute('style', ${JSON.stringify(LIGHT)}); document.body.className = 'vscode-light'`);
    await page.waitForFunction(`${CORNER}.join() === '255,255,254'`);
  });

  it('restores from getState when the load message has none', async () => {
    await page.evaluate(`window.__saved = { sampleType: 1, zoom: 0, search: 'db', view: 'top', sort: { column: 'name', descending: false } }`);
    await page.evaluate(`window.postMessage({ type: 'load', profile: ${JSON.stringify(encodeFlameProfile(profile))} }, '*')`);
    await page.waitForSelector('section.top:not([hidden]) table.top-table');
    assert.strictEqual(await page.inputValue('#golab-search'), 'db');
    assert.strictEqual(await page.getAttribute('th.col-name', 'aria-sort'), 'ascending');
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'flame-vscode-top.png') });
  });

  it('loads a profile posted compressed (a large one\'s form), its arrays as bytes, and draws it as the plain one', async () => {
    const state: FlameViewState = { sampleType: 0, zoom: 0, search: '', view: 'flame', sort: { column: 'cum', descending: true } };
    const decodedCount = async (): Promise<number> => (await page.evaluate(`performance.getEntriesByName('golab-flame-decoded').length`)) as number;
    const load = async (message: string): Promise<string> => {
      const before = await decodedCount();
      await page.evaluate(message);
      for (let waited = 0; (await decodedCount()) === before; waited += 10) {
        if (waited > 30_000) throw new Error(`not loaded: ${await page.textContent('.error-panel')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined))))');
      return (await page.evaluate(CANVAS_HASH)) as string;
    };
    const plain = await load(`window.postMessage({ type: 'load', profile: ${JSON.stringify(encodeFlameProfile(profile))}, state: ${JSON.stringify(state)} }, '*')`);
    const packed = await packFlameProfile(profile, async (b) => zlib.gzipSync(b, { level: 1 }));
    assert.ok(packed.tree.parent.bytes instanceof Uint8Array && packed.tree.parent.gzip && packed.tree.parent.delta);
    // The bytes cross into the page as base64 and are posted there as Uint8Arrays, as VS Code delivers them.
    const wire = JSON.stringify(packed, (_k, v: unknown) => (v instanceof Uint8Array ? { b64: Buffer.from(v).toString('base64') } : v));
    const revive = `JSON.parse(${JSON.stringify(wire)}, (k, v) => (v && typeof v.b64 === 'string' ? Uint8Array.from(atob(v.b64), (c) => c.charCodeAt(0)) : v))`;
    const compressed = await load(`window.postMessage({ type: 'load', profile: ${revive}, state: ${JSON.stringify(state)} }, '*')`);
    assert.strictEqual(compressed, plain);
    assert.strictEqual(await page.isVisible('.error-panel'), false);
  });

  it('shows an error message, and a profile that fails to decode, in the error panel', async () => {
    await page.evaluate(`window.postMessage({ type: 'error', message: 'pprof: not a profile', detail: 'gzip: invalid header' }, '*')`);
    await page.waitForSelector('.error-panel:not([hidden]) >> text=pprof: not a profile');
    assert.match((await page.textContent('.error-panel')) ?? '', /gzip: invalid header/);
    assert.strictEqual(await page.isVisible('.shell'), false);
    await page.evaluate(`window.postMessage({ type: 'load', profile: { sampleTypes: [] } }, '*')`);
    await page.waitForSelector('.error-panel:not([hidden]) >> text=/could not be read: the profile has no sample types/');
  });

  it('ignores messages that are not ToWebview and logs no console error', async () => {
    await page.evaluate(`window.postMessage({ type: 'bogus' }, '*'); window.postMessage('x', '*')`);
    assert.deepStrictEqual(errors, []);
  });
});
