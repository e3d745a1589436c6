/**
 * eBPF probes on a real debug session in the real extension host: a `golab-go` session (Delve's
 * DAP server) launches probed/main.go, a probe on main.work counts its calls and times them
 * while the program runs, and ending the session removes the probes and Delve. A second session
 * attaches to a running process, probed through the golab.probes setting.
 */
import * as assert from 'assert';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { GolabApi } from '../../../src/extension/main';
import { assertNoLabContainers, requireDocker } from './labSupport';

function uprobeEvents(): string {
  return fs.readFileSync('/sys/kernel/tracing/uprobe_events', 'utf8');
}

function pgrep(...args: string[]): string {
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

const running = (name: string) => pgrep('-x', name);
/** Probes of either engine still attached: a golab bpftrace process, or golab uprobe events in tracefs. */
const probesLeft = () => pgrep('-f', 'golab-bpftrace-') !== '' || /golab_/.test(uprobeEvents());

/** Stops a debug session, waits until VS Code says it ended, then (up to 10 s) until its probes are detached. */
async function endSession(session: vscode.DebugSession, api: GolabApi): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    const sub = vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.id !== session.id) return;
      sub.dispose();
      resolve();
    });
  });
  await vscode.debug.stopDebugging(session);
  await ended;
  for (let i = 0; i < 100 && (api.probes.attachedCount > 0 || probesLeft()); i++) await new Promise((r) => setTimeout(r, 100));
}

describe('eBPF probes on a Go debug session', function () {
  this.timeout(5 * 60_000);

  it('counts and times main.work while the golab-go session runs, and removes the probes when it ends', async () => {
    const ext = vscode.extensions.getExtension<GolabApi>('golab.go-concurrency-lab');
    assert.ok(ext?.isActive);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const file = vscode.Uri.joinPath(folder.uri, 'probed', 'main.go').fsPath;
    await ext.exports.probes.addPattern('^main\\.work$', { file, line: 9, name: 'work' });
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((s) => {
        sub.dispose();
        resolve(s);
      });
    });
    assert.ok(await vscode.debug.startDebugging(folder, { name: 'probe test', type: 'golab-go', request: 'launch', mode: 'debug', program: vscode.Uri.joinPath(folder.uri, 'probed').fsPath }), 'the debug session did not start (is dlv installed? see .ci/setup)');
    const session = await started;
    let count = 0;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const work = ext.exports.probes.current().find((s) => s.name === 'main.work');
      count = work?.calls ?? 0;
      if (count >= 20) {
        // work sleeps 2 ms: its median latency is at least that, and not absurdly more.
        assert.ok(work && work.p50Ns >= 2e6 && work.p50Ns < 50e6, `p50 ${work?.p50Ns} ns`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(count >= 20, `main.work counted ${count} times`);
    // golab.probeEngine is auto and CI installs a bpftrace that can probe RET instructions.
    assert.deepStrictEqual(ext.exports.probes.engines(), ['bpftrace']);
    assert.notStrictEqual(pgrep('-f', 'golab-bpftrace-'), '', 'bpftrace runs while the session does');
    // The CodeLens above work offers to remove the probe; removing it detaches while the session runs.
    const uri = vscode.Uri.file(file);
    // The CodeLens command needs the document's model to exist.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const titles = lenses.filter((l) => l.command?.command === 'golab.probeFunction').map((l) => `${l.range.start.line}:${l.command?.title}`);
    assert.ok(titles.includes('9:remove probe') && titles.includes('14:probe'), titles.join(', '));
    await vscode.commands.executeCommand('golab.probeFunction', uri, 9, 'remove');
    for (let i = 0; i < 100 && (ext.exports.probes.attachedCount > 0 || probesLeft()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!probesLeft(), 'the removed probe is gone while the session still runs');
    await endSession(session, ext.exports);
    assert.strictEqual(ext.exports.probes.attachedCount, 0);
    assert.ok(!probesLeft(), 'probes left after the session ended');
    for (let i = 0; i < 50 && running('dlv'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(running('dlv'), '', 'dlv left running');
  });

  it('attaches to a running process (request: attach) with the golab.probes setting; the view links each probe to its declaration', async () => {
    const ext = vscode.extensions.getExtension<GolabApi>('golab.go-concurrency-lab');
    assert.ok(ext?.isActive);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-attach-'));
    const bin = path.join(dir, 'probed');
    execFileSync('go', ['build', '-gcflags=all=-N -l', '-o', bin, '.'], { cwd: vscode.Uri.joinPath(folder.uri, 'probed').fsPath });
    const program = spawn(bin, [], { stdio: 'ignore' });
    const config = vscode.workspace.getConfiguration('golab');
    await config.update('probes', ['^main\\.work$'], vscode.ConfigurationTarget.Global);
    try {
      const started = new Promise<vscode.DebugSession>((resolve) => {
        const sub = vscode.debug.onDidStartDebugSession((s) => {
          sub.dispose();
          resolve(s);
        });
      });
      assert.ok(await vscode.debug.startDebugging(folder, { name: 'attach test', type: 'golab-go', request: 'attach', mode: 'local', processId: program.pid }), 'the attach session did not start');
      const session = await started;
      let calls = 0;
      for (let i = 0; i < 240 && calls < 10; i++) {
        calls = ext.exports.probes.current().find((s) => s.name === 'main.work')?.calls ?? 0;
        if (calls < 10) await new Promise((r) => setTimeout(r, 500));
      }
      assert.ok(calls >= 10, `main.work counted ${calls} times in the attached process`);
      // No editor position was given (a setting pattern): the row opens the function's declaration, read from the binary.
      const row = ext.exports.probes.getChildren().find((item) => item.stats.name === 'main.work');
      const open = row?.command?.arguments as [vscode.Uri, { selection: vscode.Range }] | undefined;
      assert.strictEqual(open?.[0].fsPath, vscode.Uri.joinPath(folder.uri, 'probed', 'main.go').fsPath);
      assert.strictEqual(open?.[1].selection.start.line, 9, 'func work is on line 10');
      await endSession(session, ext.exports);
      assert.ok(!probesLeft(), 'probes left after the attach session ended');
    } finally {
      await config.update('probes', undefined, vscode.ConfigurationTarget.Global);
      program.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('probes the main process of a running container from a sidecar (Probe Go Process in Container), and Stop removes the sidecar', async () => {
    requireDocker();
    const ext = vscode.extensions.getExtension<GolabApi>('golab.go-concurrency-lab');
    assert.ok(ext?.isActive);
    // An image the lab already made (the lab suites before this one need it too); the workload is static.
    const image = execFileSync('docker', ['images', 'golab-lab', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' }).trim().split('\n')[0];
    assert.ok(image, 'no golab-lab image: the lab suites that run first make it');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-ctr-'));
    fs.chmodSync(dir, 0o755);
    const repo = ext.extensionPath;
    execFileSync('go', ['build', '-gcflags=all=-l', '-o', path.join(dir, 'workload'), '.'], { cwd: path.join(repo, 'test', 'fixtures', 'probes', 'workload'), env: { ...process.env, CGO_ENABLED: '0' } });
    const name = `golab-it-target-${process.pid}`;
    execFileSync('docker', ['run', '-d', '--name', name, '--label', 'golab=1', '--network', 'none', '-v', `${dir}:/app:ro`, image, '/app/workload', '-n', '0', '-sleeps', '100000', '-sleep', '5ms']);
    const config = vscode.workspace.getConfiguration('golab');
    await config.update('probes', ['^main\\.sleepy$'], vscode.ConfigurationTarget.Global);
    try {
      assert.strictEqual(await vscode.commands.executeCommand('golab.probeContainer', name), name);
      let calls = 0;
      for (let i = 0; i < 100 && calls < 20; i++) {
        calls = ext.exports.probes.current().find((s) => s.name === 'main.sleepy')?.calls ?? 0;
        if (calls < 20) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(calls >= 20, `main.sleepy counted ${calls} times in the container`);
      assert.deepStrictEqual(ext.exports.probes.engines(), ['bpftrace']);
      assert.notStrictEqual(execFileSync('docker', ['ps', '-q', '--filter', 'label=golab.probe.target'], { encoding: 'utf8' }).trim(), '', 'no sidecar runs');
      assert.strictEqual(await vscode.commands.executeCommand('golab.stopContainerProbes'), 1);
      assert.strictEqual(ext.exports.probes.attachedCount, 0);
      assert.strictEqual(execFileSync('docker', ['ps', '-aq', '--filter', 'label=golab.probe.target'], { encoding: 'utf8' }).trim(), '', 'the sidecar outlived Stop');
      assert.match(execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', name], { encoding: 'utf8' }), /true/, 'probing stopped the target');
    } finally {
      await config.update('probes', undefined, vscode.ConfigurationTarget.Global);
      execFileSync('docker', ['rm', '-f', name]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assertNoLabContainers();
  });
});
