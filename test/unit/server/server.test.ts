/**
 * The built language server (dist/server.js) driven over stdio by a real LSP client
 * connection: workspace diagnostics, open/change/close, code actions, settings, bad input.
 */
import * as assert from 'assert';
import { type ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import {
  type CodeAction,
  createProtocolConnection,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { distDir, fixtures } from '../../support/paths';

class Client {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  private waiters: Array<() => void> = [];
  settings: Record<string, unknown> = {};

  constructor(
    readonly proc: ChildProcess,
    readonly conn: ProtocolConnection,
  ) {
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      for (const w of this.waiters) w();
    });
    conn.onRequest('workspace/configuration', () => [this.settings]);
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onRequest('client/registerCapability', () => null);
    conn.onNotification('window/logMessage', (m: { message: string }) => { if (process.env.GOLAB_TEST_LOG) console.error('[server]', m.message); });
    conn.onNotification('$/progress', () => undefined);
    conn.onNotification('golab/status', () => undefined);
  }

  /** Waits until `check` holds for the published diagnostics (servers publish asynchronously). */
  async until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; have ${JSON.stringify([...this.diagnostics])}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.waiters = [];
    }
  }

  codes(uri: string): string[] {
    return (this.diagnostics.get(uri) ?? []).map((d) => String(d.code));
  }
}

async function startServer(workspace: string): Promise<Client> {
  const proc = spawn(process.execPath, [path.join(distDir, 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const client = new Client(proc, conn);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(workspace).toString(),
    workspaceFolders: [{ uri: pathToFileURL(workspace).toString(), name: 'ws' }],
    capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true } },
  });
  await conn.sendNotification('initialized', {});
  return client;
}

describe('language server over LSP', function () {
  this.timeout(60000);
  let ws: string;
  let client: Client;
  let loopUri: string;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-server-'));
    fs.cpSync(path.join(fixtures, 'workspace'), ws, { recursive: true });
    loopUri = pathToFileURL(path.join(ws, 'loop.go')).toString();
    client = await startServer(ws);
  });

  after(async () => {
    if (client) {
      await client.conn.sendRequest('shutdown');
      await client.conn.sendNotification('exit');
      const exited = await new Promise<boolean>((resolve) => {
        if (client.proc.exitCode !== null) return resolve(true);
        const t = setTimeout(() => resolve(false), 5000);
        client.proc.on('exit', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      if (!exited) client.proc.kill('SIGKILL');
      assert.ok(exited, 'the server did not exit after shutdown/exit (worker threads left running?)');
    }
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('publishes findings of files that are not open (workspace diagnostics)', async () => {
    const closed = pathToFileURL(path.join(ws, 'closed', 'closed.go')).toString();
    await client.until('closed.go diagnostics', () => client.codes(closed).includes('closure/shared-write'));
    await client.until('loop.go diagnostics', () => client.codes(loopUri).includes('closure/loopvar'));
    assert.deepStrictEqual(client.codes(pathToFileURL(path.join(ws, 'clean.go')).toString()), []);
  });

  it('analyses an opened document, with a docs link and related locations', async () => {
    const text = fs.readFileSync(fileURLToPath(loopUri), 'utf8');
    await client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: loopUri, languageId: 'go', version: 1, text } });
    const [d] = await client.until('loopvar on open', () => client.diagnostics.get(loopUri)?.length === 1 && client.diagnostics.get(loopUri));
    assert.strictEqual(d.code, 'closure/loopvar');
    assert.strictEqual(d.source, 'golab');
    assert.strictEqual(d.range.start.line, 7);
    assert.ok(d.codeDescription, 'diagnostic links its docs page');
    assert.ok(fs.existsSync(fileURLToPath(d.codeDescription.href)), d.codeDescription.href);
    assert.strictEqual(d.relatedInformation?.length, 2);
    assert.strictEqual(d.relatedInformation?.[0].location.range.start.line, 5, 'first related: the loop variable');
  });

  it('explains a finding on hover, with its quick fixes and a link to the rule page', async () => {
    const [d] = client.diagnostics.get(loopUri) ?? [];
    const hover = (await client.conn.sendRequest('textDocument/hover', { textDocument: { uri: loopUri }, position: d.range.start })) as {
      contents: { kind: string; value: string };
    } | null;
    assert.ok(hover, 'no hover on the finding');
    assert.strictEqual(hover.contents.kind, 'markdown');
    assert.match(hover.contents.value, /\*\*closure\/loopvar\*\* — Loop variable captured/);
    assert.match(hover.contents.value, /Pass 'v' to the closure as an argument/);
    assert.match(hover.contents.value, /\[Rule documentation\]\(file:\/\/.*media\/rules\/closure\/loopvar\.md\)/);
    const nothing = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri: loopUri }, position: { line: 0, character: 0 } });
    assert.strictEqual(nothing, null);
  });

  it('offers quick fixes whose edits remove the finding when applied as an edit', async () => {
    const diagnostics = client.diagnostics.get(loopUri) ?? [];
    const actions = (await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: loopUri },
      range: diagnostics[0].range,
      context: { diagnostics },
    })) as CodeAction[];
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes("Pass 'v' to the closure as an argument"), titles.join(', '));
    const copy = actions.find((a) => a.title.startsWith("Copy 'v'"));
    assert.ok(copy?.edit?.changes?.[loopUri]);
    const [edit] = copy.edit.changes[loopUri];
    // Send the edit back as an incremental change, as the editor does after applying it.
    await client.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: loopUri, version: 2 },
      contentChanges: [{ range: edit.range, text: edit.newText }],
    });
    await client.until('diagnostics cleared after the fix', () => client.diagnostics.get(loopUri)?.length === 0);
  });

  it('re-analyses incrementally as the user types', async () => {
    // Undo the fix by deleting the inserted line (line 6: `\t\tv := v`).
    await client.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: loopUri, version: 3 },
      contentChanges: [{ range: { start: { line: 5, character: 23 }, end: { line: 6, character: 8 } }, text: '' }],
    });
    await client.until('finding back after undo', () => client.codes(loopUri).includes('closure/loopvar'));
  });

  it('honours per-rule severities from settings, and "off"', async () => {
    client.settings = { analysis: { rules: { 'closure/loopvar': 'error' } } };
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.until('severity error', () => client.diagnostics.get(loopUri)?.[0]?.severity === 1);
    client.settings = { analysis: { rules: { 'closure/loopvar': 'off' } } };
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.until('rule off', () => client.diagnostics.get(loopUri)?.length === 0);
    client.settings = {};
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await client.until('rule back on', () => client.codes(loopUri).includes('closure/loopvar'));
  });

  it('survives bad input: malformed Go, non-UTF-8 bytes, an empty file, a file over the size limit', async () => {
    const docs: Array<[string, string]> = [
      ['broken.go', 'package p\nfunc f( {\n\tfor _, v := range xs { go func() { println(v) }() \n'],
      ['binary.go', Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x70, 0x61]).toString('latin1')],
      ['empty.go', ''],
      ['huge.go', 'package p\n' + '// filler line for a huge file\n'.repeat(400_000)],
    ];
    client.settings = { analysis: { maxFileSizeMB: 5 } };
    await client.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    for (const [name, text] of docs) {
      const uri = pathToFileURL(path.join(ws, name)).toString();
      await client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'go', version: 1, text } });
    }
    const huge = pathToFileURL(path.join(ws, 'huge.go')).toString();
    const notice = await client.until('size notice', () => client.diagnostics.get(huge)?.[0]);
    assert.strictEqual(notice.code, 'golab/skipped');
    assert.match(String(notice.message), /over golab\.analysis\.maxFileSizeMB/);
    // Malformed Go still gets analysed as far as the error-tolerant tree allows.
    const broken = pathToFileURL(path.join(ws, 'broken.go')).toString();
    await client.until('broken.go analysed', () => client.diagnostics.has(broken));
    // And the server still answers.
    const actions = await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: loopUri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [] },
    });
    assert.deepStrictEqual(actions, []);
    assert.strictEqual(client.proc.exitCode, null, 'server still running');
    client.settings = {};
  });

  it('re-analyses when go.mod changes the language version', async () => {
    fs.writeFileSync(path.join(ws, 'go.mod'), 'module example.com/fixture\n\ngo 1.22\n');
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', {
      changes: [{ uri: pathToFileURL(path.join(ws, 'go.mod')).toString(), type: 2 }],
    });
    await client.until('loopvar gone under go 1.22', () => client.diagnostics.get(loopUri)?.length === 0);
  });
});
