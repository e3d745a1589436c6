/**
 * `golab check --format sarif` checked by Microsoft's SARIF Multitool, the reference validator:
 * the JSON schema of SARIF 2.1.0 plus its `Sarif` rules and the `Gh` rules that describe what
 * GitHub code scanning needs to ingest a log. Any error-level result fails the test.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../../support/paths';
import { assertCliBuilt, runCli } from './cliRunner';

const validator = path.join(repoRoot, 'node_modules', '@microsoft', 'sarif-multitool-linux', 'Sarif.Multitool');

interface ValidationLog {
  runs: Array<{
    invocations?: Array<{ executionSuccessful: boolean }>;
    results?: Array<{ ruleId: string; level?: string; message: { text?: string } }>;
  }>;
}

describe('SARIF output against the SARIF Multitool validator', function () {
  this.timeout(120_000);

  it('has no schema or GitHub-ingestion errors', function () {
    if (process.platform !== 'linux') this.skip(); // the validator package is platform-specific
    assert.ok(fs.existsSync(validator), `${validator} missing: run \`npm ci\` (devDependency @microsoft/sarif-multitool)`);
    // npm keeps the tarball's file mode (0644), so the validator binary is not executable yet.
    fs.chmodSync(validator, 0o755);
    assertCliBuilt();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-sarif-'));
    try {
      const run = runCli(['check', '--format', 'sarif', '.']);
      assert.strictEqual(run.status, 1, run.stderr);
      const input = path.join(dir, 'golab.sarif');
      fs.writeFileSync(input, run.stdout);
      const output = path.join(dir, 'validation.sarif');
      const v = spawnSync(validator, ['validate', input, '--rule-kind', 'Sarif;Gh', '--output', output, '--log', 'ForceOverwrite'], {
        encoding: 'utf8',
        timeout: 110_000,
        // The self-contained .NET binary needs ICU unless told to run without it.
        env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
      });
      assert.strictEqual(v.status, 0, `validator failed:\n${v.stdout}\n${v.stderr}`);
      const log = JSON.parse(fs.readFileSync(output, 'utf8')) as ValidationLog;
      assert.strictEqual(log.runs[0].invocations?.[0].executionSuccessful, true);
      const errors = (log.runs[0].results ?? []).filter((r) => r.level === 'error');
      assert.deepStrictEqual(errors.map((r) => `${r.ruleId}: ${r.message.text ?? ''}`), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
