/**
 * The GC report as a VS Code webview serves it, for headless Chromium: the built bundle and CSS
 * inlined under the same CSP the extension sets (`default-src 'none'`, nonce'd script and
 * style), and acquireVsCodeApi replaced by a recorder of posted messages. A CSP violation
 * (an inline style attribute, say) shows up as a console error the tests collect.
 */
import { webviewAssets, writeTempPage } from '../../support/webviewBrowser';

export { CHROMIUM, collectErrors, launch } from '../../support/webviewBrowser';

/** Records what the page posts, as VS Code's webview API would carry it (a structured clone). */
export const FAKE_VSCODE_API = `
  window.__posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => undefined,
    setState: () => undefined,
  });
`;

/** The theme variables VS Code's dark theme sets on <html>. */
export const DARK_THEME =
  '--vscode-editor-background: #1e1e1e; --vscode-editor-foreground: #cccccc; --vscode-charts-red: #f14c4c; --vscode-charts-orange: #d18616; --vscode-charts-yellow: #cca700; --vscode-charts-green: #89d185; --vscode-charts-blue: #3794ff; --vscode-charts-purple: #b180d7; --vscode-button-background: #0e639c; --vscode-button-foreground: #ffffff; --vscode-font-family: sans-serif; --vscode-font-size: 13px';

/** The variables of VS Code's light theme. */
export const LIGHT_THEME =
  '--vscode-editor-background: #fffffe; --vscode-editor-foreground: #3b3b3b; --vscode-charts-red: #e51400; --vscode-charts-orange: #d18616; --vscode-charts-yellow: #bf8803; --vscode-charts-green: #388a34; --vscode-charts-blue: #1a85ff; --vscode-charts-purple: #652d90; --vscode-button-background: #005fb8; --vscode-button-foreground: #ffffff; --vscode-font-family: sans-serif; --vscode-font-size: 13px';

/** The variables of VS Code's dark high-contrast theme: black, white, borders everywhere. */
export const HIGH_CONTRAST_THEME =
  '--vscode-editor-background: #000000; --vscode-editor-foreground: #ffffff; --vscode-contrastBorder: #6fc3df; --vscode-focusBorder: #f38518; --vscode-charts-red: #f14c4c; --vscode-charts-orange: #d18616; --vscode-charts-green: #89d185; --vscode-charts-blue: #3794ff; --vscode-charts-purple: #b180d7; --vscode-button-background: #000000; --vscode-button-foreground: #ffffff; --vscode-button-border: #6fc3df; --vscode-font-family: sans-serif; --vscode-font-size: 13px';

/** The built GC report bundle and CSS. */
export function gcReportAssets(): { script: string; css: string } {
  return webviewAssets('gcreport');
}

/** Writes the harness page to a temporary file and returns its path. */
export function writeHarness(theme: string = DARK_THEME, bodyClass = 'vscode-dark'): string {
  const { script, css } = gcReportAssets();
  const nonce = 'dGVzdC1ub25jZQ==';
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'`;
  // The theme goes on <html> as VS Code puts it. That attribute is parsed before the CSP <meta>
  // takes effect, so it applies; anything the bundle does later is held to the policy.
  const html = `<!DOCTYPE html><html lang="en" style="${theme}"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><style nonce="${nonce}">${css}</style><title>GC report</title></head><body class="${bodyClass}"><div id="golab-gcreport"></div><script nonce="${nonce}">${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
  return writeTempPage(html, 'gcreport');
}

