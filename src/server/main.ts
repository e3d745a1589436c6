/**
 * The Go Lab language server: a flat list of LSP handlers over core/analysis. It keeps one
 * incrementally re-parsed tree per open document and analyses closed files on worker threads.
 * stdout is not written to: the client talks to this process over IPC, and logs go to the
 * client's output channel through connection.console.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocumentSyncKind,
  type Diagnostic,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { AnalysisMemo, AnalysisTimeoutError, analyzeTree } from '../core/analysis/analyze';
import { tooLargeMessage, type FileAnalysisOptions, type FileResult } from '../core/analysis/file';
import { GoVersionResolver } from '../core/analysis/goVersion';
import { GoParser, ParseTimeoutError } from '../core/analysis/parser';
import { TreeCache } from '../core/analysis/treeCache';
import type { Finding } from '../core/analysis/types';
import { CONFIG_DEFAULTS, type GolabConfig, normalizeConfig } from '../core/config';
import { AnalyzeWorkspaceRequest, type AnalyzeWorkspaceResult, StatusNotification, type StatusParams } from '../shared/protocol';
import { codeActionsFor, hoverFor, skippedDiagnostic, toDiagnostic } from './convert';
import { PackageFacts } from './packageFacts';
import { WorkspaceAnalyzer } from './workspaceAnalysis';

const connection = createConnection(ProposedFeatures.all);

// A bug in a handler must cost one request, never the whole server.
process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${String(e)}`));

let config: GolabConfig = CONFIG_DEFAULTS;
let workspaceFolders: string[] = [];
let supportsConfigurationPull = false;
let supportsWorkspaceFolders = false;
let cache: TreeCache | undefined;
let packageFacts: PackageFacts | undefined;
const parserReady = GoParser.create();
const resolver = new GoVersionResolver();
const workspace = new WorkspaceAnalyzer(connection);

const documents = new Map<string, TextDocument>();
/** Findings (with their fixes) behind every published diagnostic, by URI, for code actions. */
const findingsByUri = new Map<string, Finding[]>();
const pending = new Map<string, NodeJS.Timeout>();
/** Per open document: findings of declarations a keystroke did not touch are reused. */
const memos = new Map<string, AnalysisMemo>();

/** Debounce so that a burst of keystrokes publishes once, after the last one. */
const ANALYSIS_DELAY_MS = 80;

function uriToPath(uri: string): string | undefined {
  return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
}

function fileOptions(): FileAnalysisOptions {
  const a = config.analysis;
  return { severities: a.rules, maxFileSizeMB: a.maxFileSizeMB, parseTimeoutMs: a.timeoutMs };
}

function publish(uri: string, findings: Finding[], extra: Diagnostic[] = []): void {
  if (findings.length > 0) findingsByUri.set(uri, findings);
  else findingsByUri.delete(uri);
  void connection.sendDiagnostics({ uri, diagnostics: [...extra, ...findings.map((f) => toDiagnostic(uri, f))] });
}

let statusTimer: NodeJS.Timeout | undefined;
function sendStatus(state: StatusParams['state']): void {
  // Coalesced: workspace analysis publishes thousands of files in a few seconds.
  clearTimeout(statusTimer);
  const send = (): void => {
    let findings = 0;
    for (const list of findingsByUri.values()) findings += list.length;
    void connection.sendNotification(StatusNotification, { state, findings, files: findingsByUri.size } satisfies StatusParams);
  };
  if (state === 'analyzing') statusTimer = setTimeout(send, 250);
  else send();
}

/** Analyses an open document from its cached tree and publishes the result. */
function analyzeOpen(uri: string): void {
  const doc = documents.get(uri);
  if (!doc) return;
  if (!config.analysis.enable) return publish(uri, []);
  const entry = cache?.get(uri);
  if (!entry) {
    const bytes = Buffer.byteLength(doc.getText(), 'utf8');
    if (bytes > config.analysis.maxFileSizeMB * 1048576) {
      return publish(uri, [], [skippedDiagnostic(tooLargeMessage(bytes, config.analysis.maxFileSizeMB))]);
    }
    return; // parse failed (timeout) and was already reported
  }
  try {
    const file = uriToPath(uri) ?? uri;
    const liveTree = (f: string) => cache?.get(pathToFileURL(f).toString());
    const pkg = uriToPath(uri) ? packageFacts?.indexFor(file, entry, liveTree) : undefined;
    const options = { version: resolver.resolve(file, entry.text), severities: config.analysis.rules, timeoutMs: config.analysis.timeoutMs, path: file, pkg };
    let memo = memos.get(uri);
    if (!memo) memos.set(uri, (memo = new AnalysisMemo()));
    publish(uri, analyzeTree(entry.tree, entry.text, options, memo));
  } catch (e) {
    if (e instanceof AnalysisTimeoutError) return publish(uri, [], [skippedDiagnostic(`not analysed: ${e.message} (golab.analysis.timeoutMs)`)]);
    connection.console.error(`analysis of ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  sendStatus('idle');
}

/**
 * Schedules the open documents of the package in `dir` (other than `except`): a type declared
 * in one file (a struct that holds a mutex) changes what the rules find in its siblings.
 */
function scheduleSiblings(dir: string, except?: string): void {
  for (const uri of documents.keys()) {
    const p = uriToPath(uri);
    if (uri !== except && p && path.dirname(p) === dir) schedule(uri);
  }
}

function schedule(uri: string): void {
  clearTimeout(pending.get(uri));
  pending.set(
    uri,
    setTimeout(() => {
      pending.delete(uri);
      analyzeOpen(uri);
    }, ANALYSIS_DELAY_MS),
  );
}

/** Parses (or re-parses) a document into the cache; reports a timeout or size limit instead of hanging. */
function parseDocument(uri: string, run: (c: TreeCache) => void): void {
  if (!cache) return;
  const doc = documents.get(uri);
  if (doc && Buffer.byteLength(doc.getText(), 'utf8') > config.analysis.maxFileSizeMB * 1048576) {
    cache.close(uri);
    return;
  }
  try {
    run(cache);
  } catch (e) {
    if (!(e instanceof ParseTimeoutError)) throw e;
    cache.close(uri);
    publish(uri, [], [skippedDiagnostic(`not analysed: ${e.message} (golab.analysis.timeoutMs)`)]);
  }
}

function publishFileResult(r: FileResult): void {
  const uri = pathToFileURL(r.file).toString();
  if (documents.has(uri)) return; // the live buffer wins over the file on disk
  publish(uri, r.findings, r.skipped ? [skippedDiagnostic(r.skipped)] : []);
}

async function analyzeWorkspace(): Promise<AnalyzeWorkspaceResult> {
  const empty = { files: 0, findings: 0, skipped: 0, cancelled: false, ms: 0 };
  if (!config.analysis.enable || workspaceFolders.length === 0) return empty;
  sendStatus('analyzing');
  const open = new Set([...documents.keys()].map(uriToPath).filter((p): p is string => !!p));
  try {
    const run = await workspace.run(workspaceFolders, config.analysis.exclude, open, fileOptions(), (r) => {
      publishFileResult(r);
      sendStatus('analyzing');
    });
    for (const e of run.errors) connection.console.error(`workspace analysis: ${e.file}: ${e.message}`);
    // Open documents were analysed from their live text; they count as part of the workspace.
    const openInWorkspace = [...documents.keys()].filter((uri) => {
      const p = uriToPath(uri);
      return !!p && workspaceFolders.some((f) => p.startsWith(f + '/'));
    });
    const files = run.files + openInWorkspace.length;
    const findings =
      run.results.reduce((n, r) => n + r.findings.length, 0) +
      openInWorkspace.reduce((n, uri) => n + (findingsByUri.get(uri)?.length ?? 0), 0);
    connection.console.info(`workspace analysis: ${files} files, ${findings} findings, ${run.ms.toFixed(0)} ms${run.cancelled ? ' (cancelled)' : ''}`);
    return { files, findings, skipped: run.results.filter((r) => r.skipped).length, cancelled: run.cancelled, ms: run.ms };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    connection.console.error(`workspace analysis failed: ${message}`);
    void connection.window.showErrorMessage(`Go Lab: workspace analysis failed: ${message}`);
    return empty;
  } finally {
    sendStatus('idle');
  }
}

/** Clears what workspace analysis published, e.g. when it is switched off. */
function clearClosedFiles(): void {
  for (const uri of [...findingsByUri.keys()]) if (!documents.has(uri)) publish(uri, []);
}

async function refreshConfig(): Promise<void> {
  if (!supportsConfigurationPull) return;
  const raw: unknown = await connection.workspace.getConfiguration('golab');
  config = normalizeConfig(raw);
}

async function reanalyzeEverything(): Promise<void> {
  for (const uri of documents.keys()) analyzeOpen(uri);
  clearClosedFiles();
  if (config.analysis.workspaceDiagnostics) await analyzeWorkspace();
}

connection.onInitialize(async (params) => {
  supportsConfigurationPull = !!params.capabilities.workspace?.configuration;
  supportsWorkspaceFolders = !!params.capabilities.workspace?.workspaceFolders;
  workspaceFolders = (params.workspaceFolders ?? [])
    .map((f) => uriToPath(f.uri))
    .filter((p): p is string => !!p);
  if (workspaceFolders.length === 0 && params.rootUri) {
    const root = uriToPath(params.rootUri);
    if (root) workspaceFolders = [root];
  }
  config = normalizeConfig(params.initializationOptions);
  const parser = await parserReady;
  cache = new TreeCache(parser, { maxEntries: 64, parseTimeoutMs: config.analysis.timeoutMs });
  packageFacts = new PackageFacts(parser, () => config.analysis.timeoutMs);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      hoverProvider: true,
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'golab-server' },
  };
});

connection.onInitialized(async () => {
  if (supportsConfigurationPull) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'golab' });
    await refreshConfig();
  }
  // Registering this with a client that cannot send the events throws.
  if (supportsWorkspaceFolders) connection.workspace.onDidChangeWorkspaceFolders(async (e) => {
    const removed = new Set(e.removed.map((f) => uriToPath(f.uri)));
    workspaceFolders = workspaceFolders.filter((f) => !removed.has(f));
    for (const f of e.added) {
      const p = uriToPath(f.uri);
      if (p) workspaceFolders.push(p);
    }
    await reanalyzeEverything();
  });
  if (config.analysis.workspaceDiagnostics) await analyzeWorkspace();
  else sendStatus('idle');
});

connection.onDidChangeConfiguration(async (change) => {
  const before = JSON.stringify(config);
  if (supportsConfigurationPull) await refreshConfig();
  else config = normalizeConfig((change.settings as { golab?: unknown } | undefined)?.golab);
  if (JSON.stringify(config) !== before) await reanalyzeEverything();
});

connection.onDidOpenTextDocument(({ textDocument: td }) => {
  documents.set(td.uri, TextDocument.create(td.uri, td.languageId, td.version, td.text));
  parseDocument(td.uri, (c) => c.open(td.uri, td.version, td.text));
  analyzeOpen(td.uri);
});

connection.onDidChangeTextDocument(({ textDocument: td, contentChanges }) => {
  const doc = documents.get(td.uri);
  if (!doc) return;
  const updated = TextDocument.update(doc, contentChanges, td.version);
  documents.set(td.uri, updated);
  parseDocument(td.uri, (c) => {
    const text = updated.getText();
    c.change(td.uri, td.version, contentChanges, text);
    // The cache applies the edits itself; if it ever disagrees with the document, trust the
    // document and parse from scratch rather than analyse a tree of the wrong text.
    if (c.get(td.uri)?.text !== text) c.open(td.uri, td.version, text);
  });
  schedule(td.uri);
  const changed = uriToPath(td.uri);
  const entry = cache?.get(td.uri);
  if (changed && entry && packageFacts?.update(changed, entry)) scheduleSiblings(path.dirname(changed), td.uri);
});

connection.onDidCloseTextDocument(async ({ textDocument: td }) => {
  documents.delete(td.uri);
  memos.get(td.uri)?.dispose();
  memos.delete(td.uri);
  cache?.close(td.uri);
  const closedPath = uriToPath(td.uri);
  if (closedPath) packageFacts?.forget(closedPath);
  clearTimeout(pending.get(td.uri));
  const file = uriToPath(td.uri);
  // The saved file may differ from the closed buffer: analyse it as the workspace sees it.
  if (file && config.analysis.enable && config.analysis.workspaceDiagnostics && fs.existsSync(file)) {
    try {
      publishFileResult(await workspace.analyzeFile(file, fileOptions()));
      return;
    } catch (e) {
      connection.console.error(`analysis of ${file} failed: ${String(e)}`);
    }
  }
  publish(td.uri, []);
});

connection.onDidChangeWatchedFiles(async ({ changes }) => {
  let goModChanged = false;
  for (const change of changes) {
    const file = uriToPath(change.uri);
    if (!file) continue;
    packageFacts?.invalidate(file);
    if (file.endsWith('go.mod')) {
      goModChanged = true;
      resolver.invalidate(file);
      workspace.invalidate(file);
    }
  }
  if (goModChanged) return reanalyzeEverything();
  for (const dir of new Set(changes.map((c) => uriToPath(c.uri)).filter((p): p is string => !!p?.endsWith('.go')).map((p) => path.dirname(p)))) {
    scheduleSiblings(dir);
  }
  if (!config.analysis.enable || !config.analysis.workspaceDiagnostics) return;
  for (const change of changes) {
    const file = uriToPath(change.uri);
    if (!file?.endsWith('.go') || documents.has(change.uri)) continue;
    if (change.type === FileChangeType.Deleted) publish(change.uri, []);
    else {
      try {
        publishFileResult(await workspace.analyzeFile(file, fileOptions()));
      } catch (e) {
        connection.console.error(`analysis of ${file} failed: ${String(e)}`);
      }
    }
  }
  sendStatus('idle');
});

connection.onCodeAction((params) => {
  const findings = findingsByUri.get(params.textDocument.uri) ?? [];
  return codeActionsFor(params.textDocument.uri, findings, params.context.diagnostics);
});

connection.onHover((params) => hoverFor(findingsByUri.get(params.textDocument.uri) ?? [], params.position));

connection.onRequest(AnalyzeWorkspaceRequest, () => analyzeWorkspace());

connection.onShutdown(async () => {
  for (const t of pending.values()) clearTimeout(t);
  cache?.dispose();
  await workspace.dispose();
});

connection.listen();
