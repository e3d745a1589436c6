/**
 * The GC report bundle in headless Chromium as VS Code runs it: ready posted first, the result
 * arriving in a `load` message, apply and export posted back, and a malformed result shown in
 * the error panel. Leaves test-results/gcreport.png to look at.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import type { FromGcReport, GcSweepResult } from '../../../src/shared/gc';
import { repoRoot } from '../../support/paths';
import { collectErrors, DARK_THEME, FAKE_VSCODE_API, HIGH_CONTRAST_THEME, launch, LIGHT_THEME, writeHarness } from './page';
import { syntheticSweep } from './synthetic';

describe('gc report webview (headless Chromium)', function () {
  this.timeout(60000);
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const result = syntheticSweep({ seed: 7, bench: true });
  const posted = async (): Promise<FromGcReport[]> => (await page.evaluate('window.__posted')) as FromGcReport[];
  const clearPosted = () => page.evaluate('window.__posted.length = 0');
  const load = (r: unknown) => page.evaluate(`window.postMessage({ type: 'load', result: ${JSON.stringify(r)} }, '*')`);
  /** What the page posted before it was sent a result. */
  let beforeLoad: FromGcReport[];

  // The result is loaded here, not by the first test, so that any test also passes on its own (--grep).
  before(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    errors = collectErrors(page);
    await page.addInitScript(FAKE_VSCODE_API);
    await page.goto(`file://${writeHarness()}`);
    await page.waitForFunction('window.__posted.length > 0');
    beforeLoad = await posted();
    await load(result);
    await page.waitForSelector('.recommendation .reason');
  });

  after(async () => {
    await browser?.close();
  });

  it('posts ready first, then renders a posted result', async () => {
    assert.deepStrictEqual(beforeLoad[0], { type: 'ready' });
    assert.strictEqual(await page.locator('.recommendation .reason').count(), 1);
  });

  it('shows the recommendation sentence, styled by its kind, with an Apply button', async () => {
    assert.strictEqual(await page.textContent('.recommendation .reason'), `Recommended: ${result.recommendation.reason}`);
    assert.strictEqual(await page.getAttribute('.recommendation', 'class'), 'recommendation kind-recommend');
    assert.strictEqual(await page.textContent('.recommendation code.env'), `GOGC=400 GOMEMLIMIT=${result.recommendation.env?.GOMEMLIMIT}`);
  });

  it('lists one row per configuration, the baseline, Pareto and OOM rows marked in words', async () => {
    assert.strictEqual(await page.locator('table.config-table tbody tr').count(), result.configs.length);
    const baseline = result.configs.findIndex((c) => c.baseline);
    assert.match((await page.textContent(`tr[data-index="${baseline}"] th.marks`)) ?? '', /baseline/);
    const oom = result.configs.findIndex((c) => c.ooms > 0);
    const oomRow = page.locator(`tr[data-index="${oom}"]`);
    assert.match((await oomRow.getAttribute('class')) ?? '', /\boom\b/);
    assert.match((await oomRow.textContent()) ?? '', /OOM-killed/);
    assert.match((await oomRow.locator('.badge-oom').textContent()) ?? '', /OOM/);
    // Colour too: the row is drawn in the theme's red, not the foreground.
    const colour = await page.evaluate(`getComputedStyle(document.querySelector('tr[data-index="${oom}"] td.num')).color`);
    assert.strictEqual(colour, 'rgb(241, 76, 76)');
    const pareto = result.configs.filter((c) => c.pareto).length;
    assert.strictEqual(await page.locator('tbody .badge-pareto').count(), pareto);
    // Benchmark columns are present for a benchmark target.
    for (const h of ['ns/op', 'B/op', 'allocs/op', 'GOMAXPROCS']) assert.strictEqual(await page.locator(`thead button.sort:text-is("${h}")`).count(), 1, h);
  });

  it('posts apply with the recommended index, from the mouse and from the keyboard', async () => {
    const want = result.configs.findIndex((c) => c.config.gogc === 400 && c.config.memLimitBytes > 0);
    await clearPosted();
    await page.click('#golab-apply-recommended');
    assert.deepStrictEqual(await posted(), [{ type: 'apply', config: want }]);
    await clearPosted();
    await page.focus('#golab-apply-recommended');
    await page.keyboard.press('Enter');
    assert.deepStrictEqual(await posted(), [{ type: 'apply', config: want }]);
  });

  it('posts apply with the row’s own index, whatever the sort', async () => {
    await page.click('thead button.sort[data-key="peakBytes"]');
    await page.click('thead button.sort[data-key="peakBytes"]');
    assert.strictEqual(await page.getAttribute('thead th:has(button[data-key="peakBytes"])', 'aria-sort'), 'descending');
    // Sorted by memory descending, the first rows differ from the sweep's order.
    const order = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-index'))));
    assert.notDeepStrictEqual(order, result.configs.map((_, i) => i));
    const first = order[0];
    await clearPosted();
    await page.locator('tbody tr').first().locator('button.apply').click();
    assert.deepStrictEqual(await posted(), [{ type: 'apply', config: first }]);
  });

  it('posts export for CSV and JSON', async () => {
    await clearPosted();
    await page.click('button:text-is("Export CSV")');
    await page.click('button:text-is("Export JSON")');
    assert.deepStrictEqual(await posted(), [
      { type: 'export', format: 'csv' },
      { type: 'export', format: 'json' },
    ]);
  });

  it('draws one focusable, labelled point per configuration, OOMs crossed, the front and the limit', async () => {
    assert.strictEqual(await page.locator('svg.chart-svg g.point').count(), result.configs.length);
    // All focusable, one of them a Tab stop (roving tabindex), each labelled.
    assert.strictEqual(await page.locator('svg.chart-svg g.point[tabindex][aria-label^="GOGC="]').count(), result.configs.length);
    assert.strictEqual(await page.locator('svg.chart-svg g.point[tabindex="0"]').count(), 1);
    assert.strictEqual(await page.locator('svg.chart-svg g.point.oom path.cross').count(), result.configs.filter((c) => c.ooms > 0).length);
    assert.strictEqual(await page.locator('svg.chart-svg polyline.pareto-line').count(), 1);
    assert.strictEqual(await page.locator('svg.chart-svg line.limit').count(), 1);
    assert.strictEqual(await page.locator('svg.chart-svg g.point.baseline circle.ring').count(), 1);
  });

  it('shows a point’s figures on hover and on keyboard focus; Enter selects its row', async () => {
    const baseline = result.configs.findIndex((c) => c.baseline);
    await page.hover(`g.point[data-index="${baseline}"]`);
    await page.waitForSelector('.tooltip:not([hidden])');
    assert.match((await page.textContent('.tooltip')) ?? '', /^GOGC=100CPU .*Peak .*baseline/);
    await page.mouse.move(5, 5);
    await page.waitForSelector('.tooltip', { state: 'hidden' });
    await page.focus(`g.point[data-index="${baseline}"]`);
    await page.waitForSelector('.tooltip:not([hidden])');
    // Arrows walk the points and move the Tab stop along.
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    const second = (await page.evaluate('document.activeElement.dataset.index')) as string;
    assert.strictEqual(await page.getAttribute(`g.point[data-index="${second}"]`, 'tabindex'), '0');
    assert.strictEqual(await page.locator('svg.chart-svg g.point[tabindex="0"]').count(), 1);
    await page.focus(`g.point[data-index="${baseline}"]`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('.tooltip', { state: 'hidden' });
    await page.keyboard.press('Enter');
    assert.match((await page.getAttribute(`tr[data-index="${baseline}"]`, 'class')) ?? '', /\bselected\b/);
    assert.strictEqual(await page.evaluate('document.activeElement.closest("tr")?.dataset.index'), String(baseline));
  });

  it('rings a configuration’s point while its row is pointed at', async () => {
    const oom = result.configs.findIndex((c) => c.ooms > 0);
    await page.hover(`tr[data-index="${oom}"] td.num >> nth=0`);
    assert.match((await page.getAttribute(`g.point[data-index="${oom}"]`, 'class')) ?? '', /\blinked\b/);
    await page.mouse.move(5, 5);
    assert.doesNotMatch((await page.getAttribute(`g.point[data-index="${oom}"]`, 'class')) ?? '', /\blinked\b/);
  });

  it('reaches every control with Tab: exports, Apply…, the chart (one stop), the headers, the rows', async () => {
    // A click on the title moves the sequential focus start to the top, as a reader's would.
    await page.click('h1.title');
    const seen: string[] = [];
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const what = (await page.evaluate(`(() => { const a = document.activeElement; if (!a || a === document.body) return ''; return a.matches('g.point') ? 'point' : a.matches('button.sort') ? 'sort' : a.matches('tbody button.apply') ? 'row-apply' : a.textContent; })()`)) as string;
      if (what === '' && seen.length > 0) break;
      seen.push(what);
    }
    assert.deepStrictEqual(seen.slice(0, 3), ['Export CSV', 'Export JSON', 'Apply…']);
    assert.strictEqual(seen.filter((s) => s === 'point').length, 1);
    assert.ok(seen.filter((s) => s === 'sort').length >= 10);
    assert.strictEqual(seen.filter((s) => s === 'row-apply').length, result.configs.length);
  });

  it('renders in the screenshot with no console error', async () => {
    await page.evaluate('window.scrollTo(0, 0)');
    const dir = path.join(repoRoot, 'test-results');
    fs.mkdirSync(dir, { recursive: true });
    await page.hover(`g.point[data-index="${result.configs.findIndex((c) => c.pareto && !c.baseline)}"]`);
    await page.screenshot({ path: path.join(dir, 'gcreport.png'), fullPage: true });
    assert.deepStrictEqual(errors, []);
  });

  it('follows the theme: light and high contrast from the VS Code variables', async () => {
    const dir = path.join(repoRoot, 'test-results');
    // Through the CSSOM, as VS Code's own script does: a style attribute would break the page's CSP.
    const setTheme = (vars: string, cls: string) => page.evaluate(`document.documentElement.style.cssText = ${JSON.stringify(vars)}; document.body.className = ${JSON.stringify(cls)}`);
    const background = () => page.evaluate(`getComputedStyle(document.body).backgroundColor`);
    await setTheme(LIGHT_THEME, 'vscode-light');
    assert.strictEqual(await background(), 'rgb(255, 255, 254)');
    await page.screenshot({ path: path.join(dir, 'gcreport-light.png'), fullPage: true });
    await setTheme(HIGH_CONTRAST_THEME, 'vscode-high-contrast');
    assert.strictEqual(await background(), 'rgb(0, 0, 0)');
    // High contrast outlines the recommendation with the theme's contrast border.
    assert.strictEqual(await page.evaluate(`getComputedStyle(document.querySelector('.recommendation')).borderTopColor`), 'rgb(111, 195, 223)');
    await page.screenshot({ path: path.join(dir, 'gcreport-hc.png'), fullPage: true });
    await setTheme(DARK_THEME, 'vscode-dark');
  });

  it('falls back to wall time and hides Apply… for other recommendation kinds', async () => {
    const r = syntheticSweep({ seed: 2, cpu: false });
    const noise: GcSweepResult = { ...r, recommendation: { kind: 'noise', reason: 'The configurations differ by less than the run-to-run spread (±3%).' } };
    await load(noise);
    await page.waitForSelector('.recommendation.kind-noise');
    assert.strictEqual(await page.textContent('.recommendation .reason'), `No clear winner: ${noise.recommendation.reason}`);
    assert.strictEqual(await page.locator('#golab-apply-recommended').count(), 0);
    assert.strictEqual(await page.textContent('.chart .section-title'), 'Wall time vs peak memory');
    assert.strictEqual(await page.locator('thead button.sort:text-is("ns/op")').count(), 0);
  });

  it('shows a malformed result in the error panel, and recovers on the next good one', async () => {
    await load({ target: 'x', configs: [{ config: { gogc: 'lots' } }] });
    await page.waitForSelector('.error-panel:not([hidden])');
    assert.match((await page.textContent('.error-panel')) ?? '', /could not be read: configuration 1 config has no GOGC/);
    assert.strictEqual(await page.isVisible('.shell'), false);
    await page.evaluate(`window.postMessage({ type: 'load' }, '*')`);
    await page.waitForSelector('.error-panel:not([hidden]) >> text=/the message has no result/');
    await load(result);
    await page.waitForSelector('.shell:not([hidden])');
    assert.strictEqual(await page.isVisible('.error-panel'), false);
  });

  it('ignores messages that are not its own and logs no console error', async () => {
    await page.evaluate(`window.postMessage({ type: 'bogus' }, '*'); window.postMessage('x', '*')`);
    assert.strictEqual(await page.isVisible('.error-panel'), false);
    assert.deepStrictEqual(errors, []);
  });
});
