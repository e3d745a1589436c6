/**
 * Profiling in the real extension host: "Profile Test or Benchmark at Cursor in Container" on
 * TestHot runs go test with CPU and heap profiles in a real lab container, keeps them under
 * .golab/profiles, opens the flame graph, annotates the hot line of Burn, lists the run in the
 * Go Lab Profiles view, and opens a kept profile in the custom editor. No container is left.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { GolabApi } from '../../../src/extension/main';
import type { ProfileRunManifest } from '../../../src/core/lab/profile';
import { ProfileAnnotations } from '../../../src/extension/profile/annotations';
import { sourceMapperFor } from '../../../src/extension/profile/panels';
import { assertNoLabContainers, requireDocker, runAndRecord } from './labSupport';

interface ProfileRun {
  dir: string;
  manifest: { profiles: Record<string, string>; exitCode: number; label: string };
}

describe('profiling in VS Code', function () {
  this.timeout(20 * 60_000);
  const folder = () => {
    const f = vscode.workspace.workspaceFolders?.[0];
    assert.ok(f, 'no workspace folder');
    return f.uri;
  };
  let run: ProfileRun | undefined;

  before(requireDocker);
  afterEach(assertNoLabContainers);

  it('profiles TestHot: CPU and heap profiles kept, the flame graph opened, the hot line annotated', async () => {
    const ext = vscode.extensions.getExtension<GolabApi>('golab.go-concurrency-lab');
    assert.ok(ext?.isActive);
    // The kinds are remembered per workspace; a test sets them as the quick pick would.
    const test = vscode.Uri.joinPath(folder(), 'hot', 'hot_test.go');
    await vscode.window.showTextDocument(vscode.Uri.joinPath(folder(), 'hot', 'hot.go'));
    run = (await vscode.commands.executeCommand('golab.profileTest', test, 'TestHot', 'test')) as ProfileRun | undefined;
    assert.ok(run, 'the profile run did not complete (see the Go Lab: Profile output)');
    assert.strictEqual(run.manifest.exitCode, 0);
    assert.deepStrictEqual(Object.keys(run.manifest.profiles).sort(), ['cpu', 'heap']);
    assert.ok(run.dir.startsWith(path.join(folder().fsPath, '.golab', 'profiles')), run.dir);
    assert.strictEqual(fs.readFileSync(path.join(folder().fsPath, '.golab', '.gitignore'), 'utf8'), '*\n');
    // A flame graph panel opened on the CPU profile.
    // The tab model follows panel creation asynchronously (a round trip to the workbench).
    const findTab = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('cpu · TestHot'));
    for (let i = 0; i < 100 && !findTab(); i++) await new Promise((r) => setTimeout(r, 100));
    const tab = findTab();
    assert.ok(tab, `no flame graph tab: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label).join(', ')}`);
    // The hashing loop of Burn (line 11) carries most of the CPU time.
    const note = ext.exports.annotations.noteAt(path.join(folder().fsPath, 'hot', 'hot.go'), 11);
    assert.ok(note && /\d+\.\d% cpu/.test(note), `annotation of hot.go:11: ${note}`);
    const share = Number(/([\d.]+)% cpu/.exec(note)?.[1]);
    assert.ok(share > 50, `Burn's loop has ${share}% of the CPU`);
    // Grow's make([]byte, 1024) in its loop (line 20) allocates about 20 MB.
    const alloc = ext.exports.annotations.noteAt(path.join(folder().fsPath, 'hot', 'hot.go'), 20);
    assert.ok(alloc && /\d+(\.\d)? MB alloc/.test(alloc), `annotation of hot.go:20: ${alloc}`);
  });

  it('opens a kept profile in the flame graph custom editor', async () => {
    assert.ok(run);
    const heap = vscode.Uri.file(path.join(run.dir, run.manifest.profiles.heap));
    await vscode.commands.executeCommand('vscode.openWith', heap, 'golab.profileViewer');
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom && tab.input.viewType === 'golab.profileViewer', `active tab: ${tab?.label}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('brings the annotations of the last run back after a reload (workspace state), off if they were off, nothing for a deleted run', async () => {
    assert.ok(run);
    const hot = path.join(folder().fsPath, 'hot', 'hot.go');
    const ext = vscode.extensions.getExtension<GolabApi>('golab.go-concurrency-lab');
    const shown = ext?.exports.annotations.noteAt(hot, 11);
    assert.ok(shown);
    // A fresh instance on a copy of the state the window had, as after "Reload Window".
    const state = new Map<string, unknown>([['golab.annotations.run', run.dir], ['golab.annotations.enabled', true]]);
    const memento: vscode.Memento = {
      keys: () => [...state.keys()],
      get: <T>(key: string, fallback?: T) => (state.has(key) ? (state.get(key) as T) : fallback) as T,
      update: (key: string, value: unknown) => {
        if (value === undefined) state.delete(key);
        else state.set(key, value);
        return Promise.resolve();
      },
    };
    const log = vscode.window.createOutputChannel('golab annotations test', { log: true });
    const restored = new ProfileAnnotations(log, memento);
    try {
      await restored.restore();
      assert.strictEqual(restored.noteAt(hot, 11), shown);
      assert.ok(restored.isEnabled);
      restored.toggle();
      assert.strictEqual(state.get('golab.annotations.enabled'), false);
      const again = new ProfileAnnotations(log, memento);
      await again.restore();
      assert.strictEqual(again.isEnabled, false, 'annotations turned off stay off after a reload');
      again.dispose();
      // A run set while another is still being read wins, whichever finishes last.
      const manifest = JSON.parse(fs.readFileSync(path.join(run.dir, 'manifest.json'), 'utf8')) as ProfileRunManifest;
      const first = restored.setRun(run.dir, manifest, sourceMapperFor(run.dir));
      const second = restored.setRun(run.dir, { ...manifest, profiles: {} }, sourceMapperFor(run.dir));
      await Promise.all([first, second]);
      assert.strictEqual(restored.lineCount, 0, 'the earlier run, read last, replaced the later one');
      state.set('golab.annotations.run', path.join(folder().fsPath, '.golab', 'profiles', 'deleted-run'));
      const none = new ProfileAnnotations(log, memento);
      await none.restore();
      assert.strictEqual(none.lineCount, 0);
      assert.ok(!state.has('golab.annotations.run'), 'a deleted run is forgotten');
      none.dispose();
    } finally {
      restored.dispose();
      log.dispose();
    }
  });

  it('profiles a test from the Test Explorer with the Profile (lab) run profile', async () => {
    const ext = vscode.extensions.getExtension<GolabApi>('golab.go-concurrency-lab');
    assert.ok(ext?.isActive);
    const { testController, profileProfile } = ext.exports;
    await testController.resolveHandler?.(undefined);
    const dir = vscode.Uri.joinPath(folder(), 'hot').fsPath;
    const item = testController.items.get(dir)?.children.get(`${dir}#TestHot`);
    assert.ok(item, 'TestHot is not in the Test Explorer');
    const before = fs.readdirSync(path.join(folder().fsPath, '.golab', 'profiles')).length;
    const states = await runAndRecord(testController, profileProfile, [item]);
    assert.strictEqual(states.get(item.id), 'passed', JSON.stringify([...states]));
    assert.strictEqual(fs.readdirSync(path.join(folder().fsPath, '.golab', 'profiles')).length, before + 1, 'a new run folder');
  });
});

