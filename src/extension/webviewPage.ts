/**
 * The HTML of a Go Lab webview: one bundle (`dist/webview/<name>.js`) and its stylesheet
 * (`media/<name>/<name>.css`), a root element, and a CSP that allows nothing else (`default-src
 * 'none'`, the script by nonce, styles and images only from the extension). Used by the flame
 * graph viewer and the GC report, so both pages are locked down the same way.
 */
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';

/** The folders the webview `name` may load from (its `localResourceRoots`). */
export function webviewResourceRoots(extension: vscode.Uri, name: string): vscode.Uri[] {
  return [vscode.Uri.joinPath(extension, 'dist', 'webview'), vscode.Uri.joinPath(extension, 'media', name)];
}

export function webviewPage(webview: vscode.Webview, extension: vscode.Uri, name: string, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extension, 'dist', 'webview', `${name}.js`));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extension, 'media', name, `${name}.css`));
  const csp = [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${webview.cspSource}`, `img-src ${webview.cspSource} data:`].join('; ');
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css.toString()}">
<title>${esc(title)}</title>
</head>
<body>
<div id="golab-${name}"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
