/**
 * The standalone flame page in a real headless Chromium: it draws, searches, zooms, moves by
 * keyboard, shows an error for a broken profile, and logs no console error. Leaves a screenshot
 * in test-results/flame-standalone.png to look at.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { renderFlameHtml } from '../../../src/core/pprof/html';
import { FLAME_CODEC_VERSION } from '../../../src/shared/flameCodec';
import { ROW_HEIGHT } from '../../../src/webview/flame/layout';
import { repoRoot } from '../../support/paths';
import { CANVAS_HASH, collectErrors, flameAssets, launch, writePage } from './standalonePage';
import { randomProfile } from './synthetic';

/** Pixels of the canvas that are not the background colour, and how many distinct colours it has. */
const CANVAS_PIXELS = `(() => {
  const c = document.querySelector('canvas.flame-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const bg = getComputedStyle(document.body).getPropertyValue('--golab-background').trim();
  const probe = document.createElement('canvas').getContext('2d');
  probe.fillStyle = bg; probe.fillRect(0, 0, 1, 1);
  const b = probe.getImageData(0, 0, 1, 1).data;
  let other = 0; const colours = new Set();
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] !== b[0] || d[i + 1] !== b[1] || d[i + 2] !== b[2]) other++;
    colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  }
  return { other, colours: colours.size, total: d.length / 4 };
})()`;

describe('flame view in headless Chromium (standalone page)', function () {
  this.timeout(60000);
  let browser: Browser;
  let page: Page;
  let errors: string[];

  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    errors = collectErrors(page);
    const file = writePage(randomProfile({ nodes: 3000, seed: 7 }));
    await page.goto(`file://${file}`);
    await page.waitForSelector('canvas.flame-canvas');
  });

  after(async () => {
    await browser?.close();
  });

  it('draws frames on the canvas', async () => {
    // The first paint is synchronous on load; one animation frame settles any resize.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(undefined)))');
    const px = (await page.evaluate(CANVAS_PIXELS)) as { other: number; colours: number; total: number };
    assert.ok(px.other > px.total * 0.05, `only ${px.other} of ${px.total} pixels are not background`);
    assert.ok(px.colours > 5, `only ${px.colours} colours: frames are not coloured`);
    assert.strictEqual(await page.title(), 'synthetic · 3000 nodes');
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'flame-standalone.png') });
  });

  it('shows the matched percentage of a search, and says when a regex is invalid', async () => {
    await page.keyboard.press('/');
    assert.strictEqual(await page.evaluate('document.activeElement.id'), 'golab-search');
    await page.keyboard.type('cart');
    await page.waitForFunction(`/Matched: [\\d.]+%/.test(document.getElementById('golab-match').textContent)`);
    await page.fill('#golab-search', 'cart(');
    await page.waitForFunction(`/Invalid regular expression/.test(document.getElementById('golab-match').textContent)`);
    assert.strictEqual(await page.getAttribute('#golab-search', 'aria-invalid'), 'true');
    await page.fill('#golab-search', 'zzzz-nothing');
    await page.waitForFunction(`document.getElementById('golab-match').textContent === 'No match'`);
    await page.fill('#golab-search', 'db');
    await page.waitForFunction(`/Matched/.test(document.getElementById('golab-match').textContent)`);
  });

  it('zooms into a clicked frame (breadcrumbs appear) and resets with Escape', async () => {
    const box = await page.locator('canvas.flame-canvas').first().boundingBox();
    assert.ok(box);
    assert.strictEqual(await page.isVisible('nav.breadcrumbs'), false);
    // Flame graph: root on the bottom row, its largest child at the left of the row above.
    await page.mouse.click(box.x + 5, box.y + box.height - ROW_HEIGHT * 1.5);
    await page.waitForSelector('nav.breadcrumbs button.crumb[aria-current="location"]');
    assert.ok((await page.locator('nav.breadcrumbs button.crumb').count()) >= 2);
    // The details bar names the clicked frame and offers the source location.
    assert.match((await page.textContent('.details')) ?? '', /Go to source/);
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'flame-zoom-search.png') });
    await page.click('.details button:text("Go to source")');
    assert.match((await page.textContent('.details-source')) ?? '', /\.go:\d+$/);
    await page.keyboard.press('Escape');
    await page.waitForSelector('nav.breadcrumbs', { state: 'hidden' });
  });

  it('moves between frames with the keyboard and announces the focused one', async () => {
    await page.focus('canvas.flame-canvas');
    await page.keyboard.press('ArrowUp');
    const said = await page.textContent('[aria-live="polite"].sr-only');
    assert.match(said ?? '', /Total: .*of all/);
    await page.keyboard.press('Enter');
    await page.waitForSelector('nav.breadcrumbs button.crumb[aria-current="location"]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('nav.breadcrumbs', { state: 'hidden' });
  });

  it('shows the top table and opens the sandwich view from a row', async () => {
    await page.click('button.view-button:text("Top")');
    await page.waitForSelector('table.top-table tbody tr');
    await page.click('th.col-cum button');
    assert.strictEqual(await page.getAttribute('th.col-cum', 'aria-sort'), 'descending');
    await page.click('table.top-table tbody tr:nth-child(3) button.fn');
    await page.waitForSelector('section.sandwich:not([hidden]) canvas.flame-canvas');
    assert.match((await page.textContent('.sandwich-title')) ?? '', /^Sandwich: /);
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'flame-sandwich.png') });
    // Zooming the callers graph (a flame: the function at the bottom, its callers above) puts
    // its path in the breadcrumbs, as zooming the callees graph does; the first crumb resets it.
    const callers = await page.locator('section.sandwich canvas.flame-canvas').first().boundingBox();
    assert.ok(callers);
    await page.mouse.click(callers.x + 5, callers.y + callers.height - ROW_HEIGHT * 1.5);
    await page.waitForSelector('nav.breadcrumbs button.crumb[aria-current="location"]');
    assert.ok((await page.locator('nav.breadcrumbs button.crumb').count()) >= 2);
    await page.locator('nav.breadcrumbs button.crumb').first().click();
    await page.waitForFunction(`getComputedStyle(document.querySelector('nav.breadcrumbs')).visibility === 'hidden'`);
    await page.click('button.view-button:text("Icicle")');
  });

  it('keeps its view in the address: a reload, or the link opened anew, restores it', async () => {
    await page.click('button.view-button:text("Icicle")');
    await page.fill('#golab-search', 'cart');
    const box = await page.locator('canvas.flame-canvas').first().boundingBox();
    assert.ok(box);
    // Icicle: row 1 holds the root's children.
    await page.mouse.click(box.x + 5, box.y + ROW_HEIGHT * 1.5);
    await page.waitForSelector('nav.breadcrumbs button.crumb[aria-current="location"]');
    const crumbs = await page.locator('nav.breadcrumbs button.crumb').allTextContents();
    // Saved in batches: wait for the address to carry all three.
    await page.waitForURL((u) => {
      try {
        const st = JSON.parse(decodeURIComponent(u.hash.slice(1))) as { zoom?: number; search?: string; view?: string };
        return (st.zoom ?? 0) > 0 && st.search === 'cart' && st.view === 'icicle';
      } catch {
        return false;
      }
    });
    const url = page.url();
    const check = async (p: Page): Promise<void> => {
      await p.waitForSelector('nav.breadcrumbs button.crumb[aria-current="location"]');
      assert.strictEqual(await p.inputValue('#golab-search'), 'cart');
      assert.strictEqual(await p.getAttribute('button.view-button:text("Icicle")', 'aria-pressed'), 'true');
      assert.deepStrictEqual(await p.locator('nav.breadcrumbs button.crumb').allTextContents(), crumbs);
    };
    await page.reload();
    await check(page);
    const other = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errs = collectErrors(other);
    await other.goto(url);
    await check(other);
    // An address that is not a state opens the default view, with no error.
    // (A new document: a change of the fragment alone would not reload the page.)
    await other.goto('about:blank');
    await other.goto(url.replace(/#.*/, '#not-json'));
    await other.waitForSelector('canvas.flame-canvas');
    assert.strictEqual(await other.isVisible('nav.breadcrumbs'), false);
    assert.strictEqual(await other.inputValue('#golab-search'), '');
    assert.deepStrictEqual(errs, []);
    await other.close();
    await page.keyboard.press('Escape');
    await page.fill('#golab-search', '');
    await page.click('button.view-button:text("Flame")');
  });

  it('shows the top table 500 rows at a time, "Show more" adding the next ones and focusing the first', async () => {
    const p = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errs = collectErrors(p);
    await p.goto(`file://${writePage(randomProfile({ nodes: 8000, seed: 9, functions: 1200 }), 'many')}`);
    await p.waitForSelector('canvas.flame-canvas');
    await p.click('button.view-button:text("Top")');
    await p.waitForSelector('table.top-table tbody tr');
    const note = (await p.textContent('p.note')) ?? '';
    const m = /Showing the top 500 of (\d+) functions/.exec(note);
    assert.ok(m, note);
    const total = Number(m[1]);
    assert.ok(total > 1000, `${total} functions`);
    const rows = () => p.locator('table.top-table tbody tr').count();
    assert.strictEqual(await rows(), 500);
    await p.click('button.show-more');
    assert.strictEqual(await rows(), 1000);
    // Focus moved to the first row added.
    const focused = await p.evaluate('document.activeElement.textContent');
    assert.strictEqual(focused, await p.locator('table.top-table tbody tr >> nth=500').locator('button.fn').textContent());
    assert.strictEqual(await p.textContent('button.show-more'), `Show ${Math.min(500, total - 1000)} more`);
    await p.click('button.show-more');
    assert.strictEqual(await rows(), Math.min(total, 1500));
    if (total <= 1500) assert.strictEqual(await p.locator('button.show-more').count(), 0);
    assert.deepStrictEqual(errs, []);
    await p.close();
  });

  it('logged no console error', () => {
    assert.deepStrictEqual(errors, []);
  });

  it('shows an error panel, not a blank page, for a broken profile', async () => {
    const html = renderFlameHtml(randomProfile({ nodes: 10, seed: 1 }), flameAssets()).replace(`"golabFlame":${FLAME_CODEC_VERSION}`, `"golabFlame":${FLAME_CODEC_VERSION},"sampleTypes":[]`);
    const p = await browser.newPage();
    const errs = collectErrors(p);
    await p.goto(`file://${writePage(html, 'broken')}`);
    const alert = await p.waitForSelector('[role="alert"]:not([hidden])');
    assert.match((await alert.textContent()) ?? '', /could not be read: the profile has no sample types/);
    assert.deepStrictEqual(errs, []);
    await p.close();
  });

  it('draws a page whose arrays are compressed (a large profile\'s) as it draws the plain one, and says when they are corrupt', async () => {
    const profile = randomProfile({ nodes: 4000, seed: 9 });
    const plain = renderFlameHtml(profile, flameAssets(), { compress: false });
    const packed = renderFlameHtml(profile, flameAssets(), { compress: true });
    assert.ok(packed.includes('"gzip":true') && !plain.includes('"gzip":true'));
    const pixels = async (html: string, name: string): Promise<string> => {
      const p = await browser.newPage({ viewport: { width: 1000, height: 700 } });
      const errs = collectErrors(p);
      await p.goto(`file://${writePage(html, name)}`);
      await p.waitForSelector('canvas.flame-canvas');
      await p.evaluate('new Promise((r) => requestAnimationFrame(() => r(undefined)))');
      const sum = (await p.evaluate(CANVAS_HASH)) as string;
      assert.deepStrictEqual(errs, []);
      await p.close();
      return sum;
    };
    assert.strictEqual(await pixels(packed, 'packed'), await pixels(plain, 'plain'));
    // A cut-off compressed array: the error panel says which one, not a blank page.
    const broken = packed.replace(/("func":\{"kind":"i32","base64":")([A-Za-z0-9+/=]+)/, (_m, head: string, b64: string) => head + b64.slice(0, 16));
    assert.notStrictEqual(broken, packed);
    const p = await browser.newPage();
    await p.goto(`file://${writePage(broken, 'packed-broken')}`);
    const alert = await p.waitForSelector('[role="alert"]:not([hidden])');
    assert.match((await alert.textContent()) ?? '', /could not be read: tree.func: the compressed data is corrupt/);
    await p.close();
  });

  it('colours a diff red (grew) and blue (shrank) and shows both values in the tooltip', async () => {
    const p = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errs = collectErrors(p);
    await p.goto(`file://${writePage(randomProfile({ nodes: 3000, seed: 8, diff: true }), 'diff')}`);
    await p.waitForSelector('canvas.flame-canvas');
    const hues = (await p.evaluate(`(() => {
      const c = document.querySelector('canvas.flame-canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let red = 0, blue = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] > d[i + 2] + 60) red++;
        if (d[i + 2] > d[i] + 60) blue++;
      }
      return { red, blue };
    })()`)) as { red: number; blue: number };
    assert.ok(hues.red > 500 && hues.blue > 500, JSON.stringify(hues));
    const box = await p.locator('canvas.flame-canvas').first().boundingBox();
    assert.ok(box);
    await p.mouse.move(box.x + 5, box.y + box.height - ROW_HEIGHT * 1.5);
    const tip = await p.waitForSelector('.tooltip:not([hidden])');
    assert.match((await tip.textContent()) ?? '', /Base: .*Change: [+-]/);
    await p.screenshot({ path: path.join(repoRoot, 'test-results', 'flame-diff.png') });
    assert.deepStrictEqual(errs, []);
    await p.close();
  });

  it('keeps the CSP strict: no script runs without the nonce', () => {
    const html = renderFlameHtml(randomProfile({ nodes: 10, seed: 1 }), flameAssets());
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;nonce-[^&]+&#39;/);
    assert.ok(fs.existsSync(path.join(repoRoot, 'test-results')));
  });
});
