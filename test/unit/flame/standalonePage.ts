/**
 * The standalone flame page of a profile, written to disk and opened in headless Chromium:
 * shared by the browser test and the render benchmark so both measure the page the CLI writes.
 */
import { renderFlameHtml } from '../../../src/core/pprof/html';
import type { FlameProfile } from '../../../src/shared/flame';
import { webviewAssets, writeTempPage } from '../../support/webviewBrowser';

export { CHROMIUM, collectErrors, launch } from '../../support/webviewBrowser';

/** The built flame bundle and CSS. */
export function flameAssets(): { script: string; css: string } {
  return webviewAssets('flame');
}

/** Writes the page of `profile` (or the given HTML) to a temporary file and returns its path. */
export function writePage(profileOrHtml: FlameProfile | string, name = 'flame'): string {
  return writeTempPage(typeof profileOrHtml === 'string' ? profileOrHtml : renderFlameHtml(profileOrHtml, flameAssets()), name);
}

/**
 * An expression giving the flame canvas's size and a hash of its pixels: two pages that draw
 * the same show the same string.
 */
export const CANVAS_HASH = `(() => {
  const c = document.querySelector('canvas.flame-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + d[i]) | 0;
  return c.width + 'x' + c.height + ':' + h;
})()`;
