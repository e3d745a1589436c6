/**
 * Headless Chromium for the webview tests and benchmarks: the built bundle and stylesheet of a
 * webview, a page written to a temporary file, the browser (Debian's Chromium, failing with the
 * install hint when missing) and the page's console errors.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repoRoot } from './paths';

export const CHROMIUM = '/usr/bin/chromium';

/** The built `dist/webview/<name>.js` and `media/<name>/<name>.css`; a missing bundle means the build was not run, which the message says. */
export function webviewAssets(name: string): { script: string; css: string } {
  const script = path.join(repoRoot, 'dist', 'webview', `${name}.js`);
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run \`node esbuild.js\` first`);
  return { script: fs.readFileSync(script, 'utf8'), css: fs.readFileSync(path.join(repoRoot, 'media', name, `${name}.css`), 'utf8') };
}

/** Writes `html` to `<name>.html` in a new temporary folder and returns its path. */
export function writeTempPage(html: string, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `golab-${name}-`));
  const file = path.join(dir, `${name}.html`);
  fs.writeFileSync(file, html);
  return file;
}

export async function launch(): Promise<Browser> {
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
