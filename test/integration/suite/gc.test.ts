/**
 * GC tuning in the real extension host: "Go Lab: Tune GC in Container" on gcwork/TestChurn with
 * a 256 MiB container and a small grid runs real lab containers; GOGC=off without a limit is
 * OOM-killed, a GOMEMLIMIT keeps the peak below the limit, the report panel opens, and the
 * recommendation names a setting to apply. No container is left.
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { GcSweepResult } from '../../../src/shared/gc';
import { assertNoLabContainers, requireDocker } from './labSupport';

describe('GC tuning in VS Code', function () {
  this.timeout(20 * 60_000);
  before(requireDocker);
  afterEach(assertNoLabContainers);

  it('sweeps GOGC x GOMEMLIMIT for TestChurn under 256 MiB and recommends a setting', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = vscode.Uri.joinPath(folder.uri, 'gcwork', 'churn_test.go');
    const result = (await vscode.commands.executeCommand('golab.tuneGc', { uri, kind: 'test', name: 'TestChurn', memory: '256m', gogc: '100,off', memlimit: 'none,70%', repeats: '1' })) as GcSweepResult | undefined;
    assert.ok(result, 'the sweep did not complete (see the Go Lab: Profile output)');
    const name = (c: GcSweepResult['configs'][number]) => `GOGC=${c.config.gogc} ${c.config.memLimitLabel}`;
    assert.deepStrictEqual(result.configs.map(name).sort(), ['GOGC=100 70%', 'GOGC=100 none', 'GOGC=off 70%', 'GOGC=off none'].sort());
    const offNone = result.configs.find((c) => c.config.gogc === 'off' && c.config.memLimitBytes === 0);
    const offLimited = result.configs.find((c) => c.config.gogc === 'off' && c.config.memLimitBytes > 0);
    assert.ok(offNone && offLimited);
    assert.strictEqual(offNone.ooms, 1, 'GOGC=off without a limit outgrows 256 MiB');
    assert.strictEqual(offLimited.ooms, 0, JSON.stringify(offLimited.runs));
    assert.ok((offLimited.stats.peakBytes?.median ?? Infinity) < 256 * 1024 ** 2, `peak ${offLimited.stats.peakBytes?.median}`);
    assert.ok(result.recommendation.reason.length > 20, result.recommendation.reason);
    const findTab = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('GC tuning · TestChurn'));
    for (let i = 0; i < 100 && !findTab(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(findTab(), 'no GC report tab');
  });
});
