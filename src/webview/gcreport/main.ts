/**
 * Entry of the GC report bundle (dist/webview/gcreport.js). The extension posts the sweep
 * result in a `load` message once the page says `ready`, so a result is never posted to a page
 * that has not yet listened.
 */
import type { FromGcReport } from '../../shared/gc';
import { GcReportApp } from './app';
import { isLoadMessage, loadProblem } from './model';

interface VsCodeApi {
  postMessage(message: FromGcReport): void;
}

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function start(): void {
  const root = document.getElementById('golab-gcreport') ?? document.body.appendChild(document.createElement('div'));
  root.classList.add('golab-gcreport');
  try {
    if (typeof acquireVsCodeApi !== 'function') throw new Error('this page runs inside a VS Code webview only (acquireVsCodeApi is missing)');
    const api = acquireVsCodeApi();
    const app = new GcReportApp(root, (m) => api.postMessage(m));
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const msg = event.data;
      // Only `load` is ours; other traffic is not an error of this view.
      if (!isLoadMessage(msg)) return;
      const problem = loadProblem(msg);
      if (problem) {
        app.showError(`The sweep result could not be read: ${problem}.`);
        return;
      }
      try {
        app.load(msg.result);
      } catch (e) {
        app.showError(`The sweep result could not be shown: ${errorText(e)}`);
      }
    });
    api.postMessage({ type: 'ready' });
  } catch (e) {
    // Last resort: whatever failed, say it on the page instead of leaving it blank.
    const p = document.createElement('p');
    p.className = 'error-panel';
    p.setAttribute('role', 'alert');
    p.textContent = `The GC report failed to start: ${errorText(e)}`;
    root.replaceChildren(p);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
