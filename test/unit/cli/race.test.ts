/** `golab race` flags and help, without Docker (the runs themselves are in test/lab/cli.test.ts). */
import * as assert from 'assert';
import * as os from 'os';
import { assertCliBuilt, runCli } from './cliRunner';

describe('golab race (flags)', () => {
  before(assertCliBuilt);

  it('documents its flags, the lab and its exit statuses', () => {
    const r = runCli(['race', '--help']);
    assert.strictEqual(r.status, 0);
    for (const needle of ['--run REGEX', '--memory SIZE', '--cpus N', '--pids N', '--network', '--base-image', '--timeout', '--format text|json', 'Exit status', '130 interrupted']) {
      assert.ok(r.stdout.includes(needle), `race --help lacks "${needle}"`);
    }
    assert.ok(runCli(['--help']).stdout.includes('golab race [packages]'));
  });

  it('rejects bad values with exit 2 and a usage hint, before touching Docker', () => {
    for (const [args, message] of [
      [['--memory', 'lots'], /--memory wants a size like 512m or 1g, got "lots"/],
      [['--cpus', '0'], /--cpus wants a positive number/],
      [['--pids', '3'], /--pids wants an integer of at least 16/],
      [['--timeout', 'soon'], /--timeout wants a duration like 90s or 10m/],
      [['--format', 'sarif'], /--format must be text or json/],
      [['--bogus'], /Unknown option '--bogus'/],
    ] as const) {
      const r = runCli(['race', ...args]);
      assert.strictEqual(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /golab race --help/);
    }
  });

  it('says when it is not run inside a Go module', () => {
    const r = runCli(['race'], os.tmpdir());
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /no go\.mod in .* or above it/);
  });
});
