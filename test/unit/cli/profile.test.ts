/** `golab profile` flags and help, without Docker (the runs are in test/lab/cli.test.ts). */
import * as assert from 'assert';
import { assertCliBuilt, runCli } from './cliRunner';

describe('golab profile (flags)', () => {
  before(assertCliBuilt);

  it('documents its flags and output', () => {
    const r = runCli(['profile', '--help']);
    assert.strictEqual(r.status, 0);
    for (const needle of ['--test REGEX', '--bench REGEX', '--kinds LIST', '--out DIR', '--format text|json', 'top 20 functions', 'Exit status']) {
      assert.ok(r.stdout.includes(needle), `profile --help lacks "${needle}"`);
    }
  });

  it('rejects bad values with exit 2 before touching Docker', () => {
    for (const [args, message] of [
      [['--kinds', 'cpu,gpu'], /--kinds takes cpu, heap, mutex and block, got "cpu,gpu"/],
      [['--test', 'A', '--bench', 'B'], /--test and --bench together/],
      [['./a', './b'], /profile takes one package/],
      [['--format', 'sarif'], /--format must be text or json/],
    ] as const) {
      const r = runCli(['profile', ...args]);
      assert.strictEqual(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
