/**
 * Opening a large profile in the real VS Code (code-server + Debian's Chromium, the packaged
 * extension): from Enter on the file in Quick Open to the flame graph's first frame in the
 * panel (the custom editor), which is what a user waits for. Next to it, in the same run and on
 * the same files: our decode + model alone in Node (the floor of the panel's time) and
 * `go tool pprof -top` (what a user of Go's own tool waits for a text table). Never fails on time.
 *
 *   node out/test/bench/panel.js [--profiles F.pb.gz,G.pb.gz] [--runs N]
 *
 * The default profiles are the 10 MB ones pprof.js generates (node out/test/bench/pprof.js
 * --sizes 10 --shape both), under os.tmpdir()/golab-bench-pprof.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { intFlag, machineLine, mb, median, ms, parseFlags, table } from './lib/common';

// The harness is plain JavaScript shared with the UI tests (typed here by what is used).
interface RunDirs {
  root: string;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  browserProfile: string;
  cleanup(): void;
}
interface CodeServer {
  origin: string;
  stop(): Promise<void>;
}
/* eslint-disable @typescript-eslint/no-require-imports */
const { installExtension, startCodeServer, writeUserSettings, workbenchUrl } = require('../integration/harness/codeServer') as {
  installExtension(vsix: string, dirs: { extensionsDir: string; userDataDir: string }): Promise<void>;
  startCodeServer(opts: { userDataDir: string; extensionsDir: string; logFile: string }): Promise<CodeServer>;
  writeUserSettings(userDataDir: string): void;
  workbenchUrl(origin: string, folder: string): string;
};
const { launchBrowser, closeBrowser } = require('../integration/harness/browser') as { launchBrowser(dir: string): Promise<BrowserContext>; closeBrowser(b: BrowserContext | undefined): Promise<void> };
const { makeRunDirs } = require('../integration/harness/workspace') as { makeRunDirs(prefix: string): RunDirs };
const { packageExtension } = require('../integration/harness/packageExtension') as { packageExtension(vsix: string): Promise<void> };
/* eslint-enable @typescript-eslint/no-require-imports */


/** The panel's webview, as the UI tests reach it: VS Code's outer iframe, then the view's own. */
function webview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** Opens `name` with Quick Open and times Enter to the first frame drawn in the panel. */
async function openOnce(page: Page, name: string): Promise<{ wall: number; inPanel: number; received: number; decoded: number }> {
  const quickInput = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 30_000 });
  await page.keyboard.press('Control+P');
  await quickInput.waitFor({ timeout: 30_000 });
  await quickInput.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
  const started = Date.now();
  await page.keyboard.press('Enter');
  // Polled: the webview's marks are read with evaluate, every 20 ms (the wall figure's grain).
  const canvas = webview(page).locator('canvas.flame-canvas').first();
  await canvas.waitFor({ state: 'attached', timeout: 600_000 });
  for (;;) {
    const t = (await canvas.evaluate(() => {
      const at = (n: string): number => performance.getEntriesByName(n)[0]?.startTime ?? -1;
      return [at('golab-flame-start'), at('golab-flame-decoded'), at('golab-flame-first-render')];
    })) as number[];
    if (t[2] >= 0) return { wall: Date.now() - started, inPanel: t[2], received: t[0], decoded: t[1] };
    const error = await webview(page).locator('.error-panel:visible').count();
    if (error > 0) throw new Error(`the panel shows an error for ${name}: ${await webview(page).locator('.error-panel').innerText()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { profiles: 'F,F  pprof files (the 10 MB ones of pprof.js)', runs: 'N  opens per profile (5)' });
  const cache = path.join(os.tmpdir(), 'golab-bench-pprof');
  const files = (flags.profiles ?? `${path.join(cache, 'shared-10MB.pb.gz')},${path.join(cache, 'unique-10MB.pb.gz')}`).split(',').filter((f) => f !== '');
  const runs = intFlag(flags, 'runs', 5);
  for (const f of files) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: make it with node out/test/bench/pprof.js --sizes 10 --shape both (or give --profiles)`);
  }
  console.log(machineLine());
  console.log(`code-server + chromium headless, the packaged extension; ${runs} opens per profile, each in a new panel\n`);

  const rows: string[][] = [['profile', 'file', 'panel: Enter to first frame', 'min-max', 'in the webview', 'model arrives', 'decode', 'ours decode+model (Node)', 'pprof -top', 'panel/model', '-top/panel']];
  const dirs = makeRunDirs('golab-bench-panel');
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  try {
    const profilesDir = path.join(dirs.workspace, 'bench-profiles');
    fs.mkdirSync(profilesDir);
    for (const f of files) fs.copyFileSync(f, path.join(profilesDir, path.basename(f)));
    const vsix = path.join(dirs.root, 'golab.vsix');
    await packageExtension(vsix);
    await installExtension(vsix, { extensionsDir: dirs.extensionsDir, userDataDir: dirs.userDataDir });
    writeUserSettings(dirs.userDataDir);
    server = await startCodeServer({ userDataDir: dirs.userDataDir, extensionsDir: dirs.extensionsDir, logFile: path.join(dirs.root, 'code-server.log') });
    browser = await launchBrowser(dirs.browserProfile);
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(workbenchUrl(server.origin, dirs.workspace));
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    const child = path.join(__dirname, 'pprof.js');
    for (const f of files) {
      const name = path.basename(f);
      const wall: number[] = [];
      const inPanel: number[] = [];
      const received: number[] = [];
      const decoded: number[] = [];
      const model: number[] = [];
      // Alternating with the Node figure, so that the machine's drift falls on both alike.
      for (let k = 0; k < runs; k++) {
        const r = await openOnce(page, name);
        wall.push(r.wall);
        inPanel.push(r.inPanel);
        received.push(r.received);
        decoded.push(r.decoded - r.received);
        // Close it: the next open makes a new panel (a reopened one would be cached).
        await page.keyboard.press('Control+W');
        await page.locator('.tabs-container .tab', { hasText: name }).waitFor({ state: 'detached', timeout: 30_000 });
        const out = execFileSync(process.execPath, ['--max-old-space-size=8192', child, '--child', f], { encoding: 'utf8', maxBuffer: 1 << 26 });
        const j = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { decodeMs: number; modelMs: number };
        model.push(j.decodeMs + j.modelMs);
      }
      const t0 = Date.now();
      const top = spawnSync('go', ['tool', 'pprof', '-top', f], { encoding: 'utf8', maxBuffer: 1 << 28 });
      const topMs = Date.now() - t0;
      if (top.status !== 0) throw new Error(`go tool pprof -top ${f} failed: ${top.stderr}`);
      const w = median(wall);
      rows.push([name, mb(fs.statSync(f).size), ms(w), `${ms(Math.min(...wall))}-${ms(Math.max(...wall))}`, ms(median(inPanel)), ms(median(received)), ms(median(decoded)), ms(median(model)), ms(topMs), `${(w / median(model)).toFixed(2)}x`, `${(topMs / w).toFixed(1)}x`]);
    }
  } finally {
    await closeBrowser(browser);
    await server?.stop();
    dirs.cleanup();
  }
  console.log(table(rows));
  console.log('panel: Enter in Quick Open to the first frame drawn in the panel (median); in the webview: from its navigation start, the model message arriving, its decode');
  console.log('ours decode+model: the same file in a fresh Node process (pprof.js --child); pprof -top: one run, in the same session');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
