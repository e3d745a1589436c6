/**
 * `golab check` end to end: the built dist/cli.js on the fixture modules under
 * test/fixtures/cli, checking exit statuses, the text format and path handling.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { version } from '../../../package.json';
import { assertCliBuilt, cliFixtures, runCli } from './cliRunner';

const LOOPVAR_LINE = /^buggy\/loop\.go:6:23: warning closure\/loopvar: loop variable 'v' captured by a goroutine: .+\(Go 1\.21, from the go line of go\.mod\)$/m;
const SUMMARY = /^(\d+) findings? in (\d+) files? \((\d+) files? analysed in \d+ ms\)$/m;

function summary(stderr: string): { findings: number; files: number; analysed: number } {
  const m = SUMMARY.exec(stderr);
  assert.ok(m, `no summary line on stderr:\n${stderr}`);
  return { findings: Number(m[1]), files: Number(m[2]), analysed: Number(m[3]) };
}

describe('golab check: exit status', () => {
  before(assertCliBuilt);

  it('exits 0 with no output on a clean module', () => {
    const r = runCli(['check', 'clean']);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(r.stdout, '');
    assert.deepStrictEqual(summary(r.stderr), { findings: 0, files: 0, analysed: 1 });
  });

  it('exits 1 when there are findings', () => {
    const r = runCli(['check', 'buggy']);
    assert.strictEqual(r.status, 1, r.stderr);
  });

  it('exits 1 for the whole fixture tree, 0 once the rules are turned off', () => {
    assert.strictEqual(runCli(['check']).status, 1);
    const off = runCli(['check', '--rule', 'closure=off']);
    assert.strictEqual(off.status, 0, off.stderr);
    assert.strictEqual(off.stdout, '');
  });

  const usageErrors: Array<[string, string[], RegExp]> = [
    ['a path that does not exist', ['check', 'no/such/dir'], /golab: no\/such\/dir: no such file or directory/],
    ['an unknown flag', ['check', '--frobnicate', 'buggy'], /Unknown option '--frobnicate'/],
    ['an unknown format', ['check', '--format', 'xml', 'buggy'], /--format must be one of text, json, sarif/],
    ['an unknown rule', ['check', '--rule', 'closure/nope=error', 'buggy'], /unknown rule; known rules: closure\/loopvar/],
    ['an unknown severity', ['check', '--rule', 'closure/loopvar=loud', 'buggy'], /severity must be one of error, warning, info, hint, off/],
    ['a malformed --rule', ['check', '--rule', 'closure/loopvar', 'buggy'], /--rule wants CODE=SEVERITY/],
    ['a bad --threads', ['check', '--threads', '0', 'buggy'], /--threads wants a whole number/],
    ['a file that is not Go', ['check', 'buggy/go.mod'], /buggy\/go\.mod: not a \.go file/],
    ['a subcommand that does not exist', ['probe-everything', './...'], /unknown command "probe-everything"[\s\S]*Usage:/],
    ['no subcommand', [], /Usage:[\s\S]*golab check/],
  ];
  for (const [what, args, message] of usageErrors) {
    it(`exits 2 on ${what}`, () => {
      const r = runCli(args);
      assert.strictEqual(r.status, 2, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      assert.match(r.stderr, message);
      assert.strictEqual(r.stdout, '', 'errors go to stderr only');
    });
  }
});

describe('golab check: text output', () => {
  before(assertCliBuilt);

  it('prints file:line:col: severity code: message with 1-based positions relative to the cwd', () => {
    const r = runCli(['check', 'buggy']);
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.strictEqual(lines.length, 1, r.stdout);
    assert.match(lines[0], LOOPVAR_LINE);
    assert.ok(!r.stdout.includes('\u001b['), 'no colours when stdout is not a terminal');
    assert.deepStrictEqual(summary(r.stderr), { findings: 1, files: 1, analysed: 1 });
  });

  it('analyses the current directory by default and accepts ./... as Go users write it', () => {
    const cwd = path.join(cliFixtures, 'buggy');
    for (const args of [['check'], ['check', './...'], ['check', '.']]) {
      const r = runCli(args, cwd);
      assert.strictEqual(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /^loop\.go:6:23: warning closure\/loopvar: /, args.join(' '));
    }
    const fromParent = runCli(['check', 'buggy/...']);
    assert.match(fromParent.stdout, LOOPVAR_LINE);
  });

  it('counts columns in UTF-8 bytes, as go vet does', () => {
    const r = runCli(['check', 'unicode']);
    // `\t\tgo func() { println("é", ` is 26 characters but 27 bytes: w is at byte column 29.
    assert.match(r.stdout, /^unicode\/accent\.go:6:29: warning closure\/loopvar: loop variable 'w'/);
  });

  it('accepts a single file argument', () => {
    const r = runCli(['check', 'buggy/loop.go']);
    assert.strictEqual(r.status, 1);
    assert.match(r.stdout, LOOPVAR_LINE);
  });

  it('skips vendor/ by default but analyses it when named', () => {
    const all = runCli(['check', 'buggy']);
    assert.doesNotMatch(all.stdout, /vendor/);
    const vendor = runCli(['check', 'buggy/vendor']);
    assert.strictEqual(vendor.status, 1, vendor.stderr);
    assert.match(vendor.stdout, /^buggy\/vendor\/example\.com\/dep\/dep\.go:6:23: warning closure\/loopvar: /);
  });

  it('skips what --exclude matches', () => {
    const r = runCli(['check', '--exclude', '**/loop.go', 'buggy']);
    assert.strictEqual(r.status, 0, r.stdout);
    assert.deepStrictEqual(summary(r.stderr), { findings: 0, files: 0, analysed: 0 });
  });

  it('applies --rule severities to the output', () => {
    const r = runCli(['check', '--rule', 'closure/loopvar=error', 'buggy']);
    assert.match(r.stdout, /^buggy\/loop\.go:6:23: error closure\/loopvar: /);
  });

  it('reports each file only once when paths overlap', () => {
    const r = runCli(['check', 'buggy', 'buggy/loop.go', './buggy/...']);
    assert.strictEqual(r.stdout.split('\n').filter(Boolean).length, 1, r.stdout);
  });
});

describe('golab check: files that are not analysed', () => {
  let dir: string;
  before(() => {
    assertCliBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-cli-'));
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/big\n\ngo 1.21\n');
    // Over the default 10 MB limit: skipped before parsing, so the test stays fast.
    fs.writeFileSync(path.join(dir, 'big.go'), `package big\n\n${'// padding padding padding padding padding\n'.repeat(260_000)}`);
    fs.copyFileSync(path.join(cliFixtures, 'buggy', 'loop.go'), path.join(dir, 'loop.go'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names a file over the size limit in a notice on stderr, never silently', () => {
    const r = runCli(['check', '.'], dir);
    assert.match(r.stderr, /^golab: notice: big\.go: not analysed: \d+\.\d MB is over golab\.analysis\.maxFileSizeMB \(10 MB\)$/m);
    assert.deepStrictEqual(summary(r.stderr), { findings: 1, files: 1, analysed: 1 });
    assert.strictEqual(r.status, 1, 'the other file still has its finding');
  });

  it('lists the skipped file in the SARIF tool notifications', () => {
    const r = runCli(['check', '--format', 'sarif', '.'], dir);
    const log = JSON.parse(r.stdout) as {
      runs: Array<{ invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications: Array<{ level: string; message: { text: string } }> }> }>;
    };
    const inv = log.runs[0].invocations[0];
    assert.strictEqual(inv.executionSuccessful, true);
    assert.strictEqual(inv.toolExecutionNotifications.length, 1);
    assert.match(inv.toolExecutionNotifications[0].message.text, /^big\.go: not analysed: /);
  });
});

describe('golab --help, --version', () => {
  before(assertCliBuilt);

  it('prints the package.json version', () => {
    const r = runCli(['--version']);
    assert.strictEqual(r.status, 0);
    assert.strictEqual(r.stdout, `golab ${version}\n`);
  });

  it('prints usage on --help and help, exit 0', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = runCli(args);
      assert.strictEqual(r.status, 0, args.join(' '));
      assert.match(r.stdout, /golab check \[paths\.\.\.\]/);
    }
  });

  it('documents flags, formats, column units and exit statuses in check --help', () => {
    const r = runCli(['check', '--help']);
    assert.strictEqual(r.status, 0);
    for (const needle of ['--format text|json|sarif', '--exclude GLOB', '--rule CODE=SEVERITY', '--threads N', '--no-color', 'UTF-8 bytes', 'utf16CodeUnits', 'closure/loopvar', 'Exit status: 0 no findings, 1 findings, 2 error']) {
      assert.ok(r.stdout.includes(needle), `check --help lacks "${needle}"`);
    }
    assert.strictEqual(runCli(['help', 'check']).stdout, r.stdout);
  });
});
