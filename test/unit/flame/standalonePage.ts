/**
 * The standalone flame page of a profile, written to disk and opened in headless Chromium:
 * shared by the browser test and the render benchmark so both measure the page the CLI writes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRequire } from 'module';
import type * as Playwright from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { renderFlameHtml } from '../../../src/core/pprof/html';
import type { FlameProfile } from '../../../src/shared/flame';
import { repoRoot } from '../../support/paths';

export const CHROMIUM = '/usr/bin/chromium';

/** The built bundle and CSS; a missing bundle means the build was not run, which the message says. */
export function flameAssets(): { script: string; css: string } {
  const script = path.join(repoRoot, 'dist', 'webview', 'flame.js');
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run \`node esbuild.js\` first`);
  return { script: fs.readFileSync(script, 'utf8'), css: fs.readFileSync(path.join(repoRoot, 'media', 'flame', 'flame.css'), 'utf8') };
}

/** Writes the page of `profile` (or the given HTML) to a temporary file and returns its path. */
export function writePage(profileOrHtml: FlameProfile | string, name = 'flame'): string {
  const html = typeof profileOrHtml === 'string' ? profileOrHtml : renderFlameHtml(profileOrHtml, flameAssets());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-flame-'));
  const file = path.join(dir, `${name}.html`);
  fs.writeFileSync(file, html);
  return file;
}

/**
 * playwright-core loaded at run time, not bundled: it reads its own package.json relative to
 * its files, which fails once esbuild has inlined it into out/test (esbuild.js does not list
 * it as external for the test bundles).
 */
function playwright(): typeof Playwright {
  return createRequire(__filename)('playwright-core') as typeof Playwright;
}

export async function launch(): Promise<Browser> {
  const { chromium } = playwright();
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Chromium (bash .ci/setup does)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Console errors and uncaught exceptions of a page, collected from now on. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}
