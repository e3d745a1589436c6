/**
 * The profile viewer's webview, shared by the panel (after a lab run, or a comparison) and the
 * custom editor (any .pb.gz / .pprof / .prof file): a locked-down page (CSP `default-src
 * 'none'`, one nonce'd script, resources only from the webview bundle folder), a profile
 * decoded in the extension host and posted as a model, and every message from the page checked
 * before it is acted on.
 */
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import * as zlib from 'zlib';
import { decodeProfileAsync, ProfileFormatError } from '../../core/pprof/decode';
import { diffFlameProfiles } from '../../core/pprof/diff';
import { buildFlameProfileAsync } from '../../core/pprof/model';
import { type FlameProfile, type FlameViewState, isFromWebview, type ToWebview } from '../../shared/flame';
import { COMPRESS_MIN_BYTES, type EncodedFlameProfile, packFlameProfile, treeBytes } from '../../shared/flameCodec';
import { webviewPage, webviewResourceRoots } from '../webviewPage';

/** Profiles larger than this are refused with a message rather than freezing the host. */
const MAX_PROFILE_BYTES = 512 * 1024 * 1024;

export function flameWebviewOptions(extension: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: webviewResourceRoots(extension, 'flame') };
}

/** The page: the flame bundle and its stylesheet, nothing else. */
export function flameHtml(webview: vscode.Webview, extension: vscode.Uri, title: string): string {
  return webviewPage(webview, extension, 'flame', title);
}

/** Where a profile's recorded source paths are on this machine (the lab mounts the workspace at /workspace). */
export type SourceMapper = (file: string) => string;

export type LoadedFlame = { profile: FlameProfile } | { error: string; detail?: string };

/**
 * Reads and models a profile file; a corrupt one gives a message for the panel instead. The
 * file is read and decoded without blocking the extension host (the decoding reads the
 * profile while it is inflated); `signal` stops it.
 */
export async function loadFlameProfile(file: string, title: string, mapSource: SourceMapper, signal?: AbortSignal): Promise<LoadedFlame> {
  try {
    const size = (await fs.promises.stat(file)).size;
    if (size > MAX_PROFILE_BYTES) return { error: `${path.basename(file)} is ${(size / 1048576).toFixed(0)} MB, over the ${MAX_PROFILE_BYTES / 1048576} MB the viewer opens.` };
    const bytes = await fs.promises.readFile(file, { signal });
    const profile = await buildFlameProfileAsync(await decodeProfileAsync(bytes, signal ? { signal } : {}), title);
    for (const f of profile.functions) if (f.file) f.file = mapSource(f.file);
    return { profile };
  } catch (e) {
    if (e instanceof ProfileFormatError) return { error: `${path.basename(file)} is not a profile Go Lab can read: ${e.message}`, detail: file };
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return { error: `${file} does not exist (any more).` };
    if (err.name === 'AbortError') return { error: `Reading ${path.basename(file)} was cancelled.` };
    return { error: `Reading ${path.basename(file)} failed: ${err.message ?? String(e)}`, detail: file };
  }
}

/** A diff of two profile files, or the message of whichever failed. */
export async function loadFlameDiff(current: string, base: string, mapSource: SourceMapper, signal?: AbortSignal): Promise<LoadedFlame> {
  const a = await loadFlameProfile(current, path.basename(current), mapSource, signal);
  if ('error' in a) return a;
  const b = await loadFlameProfile(base, path.basename(base), mapSource, signal);
  if ('error' in b) return b;
  const diff = diffFlameProfiles(a.profile, b.profile);
  return { profile: { ...diff, title: `${a.profile.title} vs ${b.profile.title}`, baseTitle: b.profile.title } };
}

const gzip = promisify(zlib.gzip);

/**
 * The profile as it is posted: a large tree's arrays gzip-compressed on zlib's threads (see
 * packFlameProfile: uncompressed, a 10 MB heap profile's took 5 to 20 s to reach the panel).
 */
async function forPanel(profile: FlameProfile, log?: vscode.LogOutputChannel): Promise<FlameProfile | EncodedFlameProfile> {
  if (treeBytes(profile.tree) < COMPRESS_MIN_BYTES) return profile;
  try {
    return await packFlameProfile(profile, (bytes) => gzip(bytes, { level: 1 }));
  } catch (e) {
    // Slower to arrive, but shown.
    log?.warn(`profile view: ${profile.title}: compressing the model failed (${e instanceof Error ? e.message : String(e)}); posting it as it is`);
    return profile;
  }
}

/**
 * Connects a webview to a profile: posts it when the page says it is ready (and again after a
 * reload), opens sources on request, and remembers the view state for the serializer.
 * Disposing it stops a load under way.
 */
export function bindFlameWebview(
  webview: vscode.Webview,
  load: (signal: AbortSignal) => Promise<LoadedFlame>,
  onState: (state: FlameViewState) => void,
  initialState?: FlameViewState,
  log?: vscode.LogOutputChannel,
): vscode.Disposable {
  let state = initialState;
  let loaded: LoadedFlame | undefined;
  const stop = new AbortController();
  const post = (m: ToWebview) => void webview.postMessage(m);
  // Read and modelled at once, while the page starts (not once it says it is ready), and
  // put in the form posted once (see forPanel), for every 'ready' of the page's reloads.
  const started = performance.now();
  let modelledMs = 0;
  const loading = load(stop.signal).then(
    (l) => {
      modelledMs = performance.now() - started;
      return l;
    },
    (e: unknown): LoadedFlame => ({ error: `Reading the profile failed: ${e instanceof Error ? e.message : String(e)}` }),
  );
  let posting: Promise<FlameProfile | EncodedFlameProfile> | undefined;
  const postable = (profile: FlameProfile): Promise<FlameProfile | EncodedFlameProfile> =>
    (posting ??= (async () => {
      const t = performance.now();
      const out = await forPanel(profile, log);
      const packed = 'golabFlame' in out ? `, compressed for the view in ${(performance.now() - t).toFixed(0)} ms` : '';
      log?.info(`profile view: ${profile.title}: ${profile.tree.parent.length} nodes, read and modelled in ${modelledMs.toFixed(0)} ms${packed}`);
      return out;
    })());
  const listener = webview.onDidReceiveMessage(async (raw: unknown) => {
    if (!isFromWebview(raw)) {
      log?.warn(`profile view: ignored an unexpected message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (raw.type) {
      case 'ready': {
        loaded = await loading;
        if (stop.signal.aborted) return;
        if ('error' in loaded) {
          post({ type: 'error', message: loaded.error, ...(loaded.detail ? { detail: loaded.detail } : {}) });
          return;
        }
        const { profile } = loaded;
        // A state made before the profile was read says -1: the profile's own default type.
        const view = state && (state.sampleType < 0 || state.sampleType >= profile.sampleTypes.length) ? { ...state, sampleType: profile.defaultType } : state;
        const posted = await postable(profile);
        if (stop.signal.aborted) return;
        post({ type: 'load', profile: posted, ...(view ? { state: view } : {}) });
        return;
      }
      case 'state':
        state = raw.state;
        onState(raw.state);
        return;
      case 'openSource': {
        // Only files the profile itself names: the page cannot make the editor open anything else.
        if (!loaded || 'error' in loaded || !loaded.profile.functions.some((f) => f.file === raw.file)) {
          log?.warn(`profile view: refused to open ${raw.file}, which the profile does not name`);
          return;
        }
        const uri = vscode.Uri.file(raw.file);
        try {
          const doc = await vscode.workspace.openTextDocument(uri);
          const line = Math.max(0, Math.min(doc.lineCount - 1, raw.line - 1));
          await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(line, 0, line, 0), preview: true });
        } catch {
          void vscode.window.showWarningMessage(`Go Lab: ${raw.file} is not on this machine (the profile was recorded elsewhere, or the file moved).`);
        }
        return;
      }
    }
  });
  return new vscode.Disposable(() => {
    stop.abort();
    listener.dispose();
  });
}
