/**
 * Entry of the flame view bundle (dist/webview/flame.js). Two ways to start: in a VS Code
 * webview (acquireVsCodeApi exists) the profile comes in a `load` message; in the standalone
 * page the CLI writes, it is embedded as JSON in <script id="golab-profile">, and the view
 * state is kept in the page's address.
 */
import type { FlameViewState, FromWebview, ToWebview } from '../../shared/flame';
import { decodeFlameProfileAsync } from '../../shared/flameCodec';
import { FlameApp } from './app';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: FlameViewState): void;
}

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

function isToWebview(v: unknown): v is ToWebview {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return (m.type === 'load' && typeof m.profile === 'object' && m.profile !== null) || (m.type === 'error' && typeof m.message === 'string');
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function startInVsCode(api: VsCodeApi, root: HTMLElement): void {
  const app = new FlameApp(root, {
    openSource: (file, line) => api.postMessage({ type: 'openSource', file, line }),
    saveState: (state) => {
      api.setState(state);
      api.postMessage({ type: 'state', state });
    },
  });
  // Messages are read in turn: a load still inflating is overtaken by a later message.
  let latest = 0;
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const msg = event.data;
    if (!isToWebview(msg)) return;
    const turn = ++latest;
    if (msg.type === 'error') {
      app.showError(msg.message, msg.detail);
      return;
    }
    performance.mark('golab-flame-start');
    // Decoding validates the tree; the host may also have posted arrays that lost their type.
    // A large profile's arrays come compressed and are inflated first.
    decodeFlameProfileAsync(msg.profile).then(
      (profile) => {
        if (turn !== latest) return;
        performance.mark('golab-flame-decoded');
        app.load(profile, msg.state ?? api.getState() ?? undefined);
      },
      (e: unknown) => {
        if (turn === latest) app.showError(`The profile could not be read: ${errorText(e)}`);
      },
    );
  });
  api.postMessage({ type: 'ready' });
}

/**
 * The view state in the page's address (`#` + JSON), where the standalone page keeps it: a
 * reload comes back to the same view, and a copied link opens it. Undefined when there is
 * none or it is not JSON; restoring checks the rest against the profile.
 */
function stateInAddress(): unknown {
  if (location.hash.length < 2) return undefined;
  try {
    return JSON.parse(decodeURIComponent(location.hash.slice(1))) as unknown;
  } catch {
    return undefined;
  }
}

function startStandalone(root: HTMLElement): void {
  const app = new FlameApp(root, {
    // replaceState: a view change is not a step of the browser's history.
    saveState: (state) => history.replaceState(null, '', `#${encodeURIComponent(JSON.stringify(state))}`),
  });
  const script = document.getElementById('golab-profile');
  if (!script) {
    app.showError('This page has no embedded profile (no <script id="golab-profile">).');
    return;
  }
  performance.mark('golab-flame-start');
  // The page's arrays are compressed: inflated (natively, off this task) before the view loads.
  Promise.resolve()
    .then(() => decodeFlameProfileAsync(JSON.parse(script.textContent ?? '') as unknown))
    .then(
      (profile) => {
        performance.mark('golab-flame-decoded');
        app.load(profile, stateInAddress());
      },
      (e: unknown) => app.showError(`The embedded profile could not be read: ${errorText(e)}`),
    );
}

function start(): void {
  const root = document.getElementById('golab-flame') ?? document.body.appendChild(document.createElement('div'));
  root.classList.add('golab-flame');
  try {
    if (typeof acquireVsCodeApi === 'function') startInVsCode(acquireVsCodeApi(), root);
    else startStandalone(root);
  } catch (e) {
    // Last resort: whatever failed, say it on the page instead of leaving it blank.
    const p = document.createElement('p');
    p.className = 'error-panel';
    p.setAttribute('role', 'alert');
    p.textContent = `The flame view failed to start: ${errorText(e)}`;
    root.replaceChildren(p);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
