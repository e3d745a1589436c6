/** `golab profile --main` flags and help, without Docker (the runs are in test/lab/cli.test.ts). */
import * as assert from 'assert';
import * as path from 'path';
import { fixtures } from '../../support/paths';
import { assertCliBuilt, runCli } from './cliRunner';

describe('golab profile --main (flags)', () => {
  before(assertCliBuilt);

  it('documents --main and the program arguments after --', () => {
    const r = runCli(['profile', '--help']);
    assert.strictEqual(r.status, 0);
    for (const needle of ['--main [flags] [-- program arguments]', '--main                 run the package as a program', 'log.Fatal']) {
      assert.ok(r.stdout.includes(needle), `profile --help lacks "${needle}"`);
    }
  });

  it('rejects test flags with --main, arguments without it, and a library package, with exit 2 before touching Docker', () => {
    const workspace = path.join(fixtures, 'workspace');
    for (const [args, message] of [
      [['./hotmain', '--main', '--test', 'TestX'], /--main runs the program, not its tests/],
      [['./hotmain', '--', 'spin', '1'], /arguments after -- are for a program: add --main/],
      // Checked on the files before Docker is asked: `hot` is package hot, not a program.
      [['./hot', '--main', '--', 'x'], /is not a main package \(package hot\)/],
    ] as const) {
      const r = runCli(['profile', ...args], workspace);
      assert.strictEqual(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
