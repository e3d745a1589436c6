/**
 * The standalone flame graph page the CLI writes (`golab profile --html`): one file that opens
 * in any browser, offline, with the webview bundle and its CSS inlined and the profile embedded
 * as JSON (a large tree's arrays gzip-compressed, inflated by the browser's
 * DecompressionStream). The webview bundle starts in standalone mode when it finds no
 * acquireVsCodeApi.
 */
import { randomBytes } from 'crypto';
import * as zlib from 'zlib';
import type { FlameProfile } from '../../shared/flame';
import { COMPRESS_MIN_BYTES, encodeFlameProfile, treeBytes } from '../../shared/flameCodec';

/** The built flame view: dist/webview/flame.js and media/flame/flame.css, as text. */
export interface FlameHtmlAssets {
  script: string;
  css: string;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Text that cannot end the raw-text element it is inlined in. Inside <script> and <style> the
 * HTML parser only looks for `</script`/`</style` (and `<!--`, which changes how a later
 * `</script>` is read); `<\/` means the same to JavaScript strings and regexes, and `\3c` is
 * `<` in CSS.
 */
function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function inlineStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '\\3c /$1');
}

/**
 * gzip level 1: a tenth of the size of the arrays (a 7.1M-node profile's page went from 470
 * to 26 MB, its first frame from 14 to 2 s), at a few hundred MB/s; higher levels took 3 to 7
 * times longer for 15% less.
 */
function compress(bytes: Uint8Array): Uint8Array {
  return zlib.gzipSync(bytes, { level: 1 });
}

/**
 * The page, self-contained. The CSP allows nothing but the two inline blocks carrying this
 * page's nonce (no network, no other script), so a profile's function names cannot turn into
 * markup or code: they travel as JSON in a non-executed script element with `<` escaped.
 * `compress` forces the arrays' compression on or off (default: by the tree's size).
 */
export function renderFlameHtml(profile: FlameProfile, assets: FlameHtmlAssets, options: { compress?: boolean } = {}): string {
  const compressed = options.compress ?? treeBytes(profile.tree) >= COMPRESS_MIN_BYTES;
  const nonce = randomBytes(18).toString('base64');
  // `<` as \u003c keeps `</script>` in a function name from closing the element; JSON.parse reads it back.
  const json = JSON.stringify(encodeFlameProfile(profile, compressed ? compress : undefined)).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, `img-src data:`, `base-uri 'none'`, `form-action 'none'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Go Concurrency Lab">
<title>${escapeHtml(profile.title)}</title>
<style nonce="${nonce}">
${inlineStyle(assets.css)}
</style>
</head>
<body>
<div id="golab-flame"></div>
<script id="golab-profile" type="application/json">${json}</script>
<script nonce="${nonce}">
${inlineScript(assets.script)}
</script>
</body>
</html>
`;
}
