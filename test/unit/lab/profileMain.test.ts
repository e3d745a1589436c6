/**
 * The overlay that profiles a Go program (core/lab/profileMain): `func main` renamed, os.Exit
 * redirected under its import name, comments and strings left alone, the harness per kind,
 * and the overlay of a whole package. The generated Go is also compiled and run with the
 * host's Go toolchain, so a harness that does not build or write its profiles fails here.
 */
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GoParser } from '../../../src/core/analysis/parser';
import {
  buildProgramOverlay,
  BUILDING_MESSAGE,
  deadlineSeconds,
  findMainFunction,
  harnessSource,
  harnessWatcher,
  NotAProgramError,
  osImportNames,
  PROFILE_EXIT,
  programCommand,
  programLabel,
  programMain,
  RENAMED_MAIN,
  rewriteForProfile,
  splitArgs,
  STARTED_MESSAGE,
} from '../../../src/core/lab/profileMain';
import { fixtures } from '../../support/paths';

describe('profiling a program: the overlay (core/lab/profileMain)', () => {
  let parser: GoParser;
  before(async () => {
    parser = await GoParser.create();
  });
  after(() => parser.delete());

  function rewrite(text: string) {
    const tree = parser.parse(text);
    try {
      return rewriteForProfile(text, tree);
    } finally {
      tree.delete();
    }
  }

  it('renames func main and redirects os.Exit, keeping every line where it was', () => {
    const src = ['package main', '', 'import "os"', '', 'func main() {', '\tif len(os.Args) > 1 {', '\t\tos.Exit(3)', '\t}', '}', ''].join('\n');
    const r = rewrite(src);
    assert.strictEqual(r.renamedMain, true);
    assert.strictEqual(r.exits, 1);
    const lines = r.text.split('\n');
    assert.strictEqual(lines[4], `func ${RENAMED_MAIN}() {`);
    assert.strictEqual(lines[5], '\tif len(os.Args) > 1 {');
    assert.strictEqual(lines[6], `\t\t${PROFILE_EXIT}(3)`);
    // The import must stay used even where os.Exit was its only use.
    assert.match(r.text, /\nvar _ = os\.Exit .*\n$/);
  });

  it('follows the import alias of "os" and ignores other packages\' Exit', () => {
    const src = ['package main', '', 'import (', '\tgoos "os"', '\t"example.com/os2"', ')', '', 'func main() {', '\tos2.Exit(1)', '\tgoos.Exit(4)', '\tf := goos.Exit', '\tf(5)', '}', ''].join('\n');
    const tree = parser.parse(src);
    try {
      assert.deepStrictEqual(osImportNames(tree), ['goos']);
    } finally {
      tree.delete();
    }
    const r = rewrite(src);
    assert.strictEqual(r.exits, 2);
    assert.ok(r.text.includes('\tos2.Exit(1)'), r.text);
    assert.ok(r.text.includes(`\t${PROFILE_EXIT}(4)`), r.text);
    assert.ok(r.text.includes(`\tf := ${PROFILE_EXIT}`), r.text);
    assert.match(r.text, /var _ = goos\.Exit/);
  });

  it('leaves func main and os.Exit inside comments and strings alone, and methods named main', () => {
    const src = [
      'package main',
      '',
      'import "os"',
      '',
      '// func main() { os.Exit(1) }',
      'const doc = "func main() { os.Exit(2) }"',
      'var raw = `os.Exit(3)`',
      '',
      'type T struct{}',
      '',
      'func (T) main() {}',
      '',
      '/* func main() {} */',
      'func main() { _ = os.Args }',
      '',
    ].join('\n');
    const r = rewrite(src);
    assert.strictEqual(r.exits, 0);
    assert.strictEqual(r.text, src.replace('func main() { _ = os.Args }', `func ${RENAMED_MAIN}() { _ = os.Args }`));
  });

  it('does not rename anything in a file without func main, nor use a blank or dot import of os', () => {
    const src = ['package main', '', 'import _ "os"', '', 'func helper() {}', ''].join('\n');
    const r = rewrite(src);
    assert.deepStrictEqual(r, { text: src, renamedMain: false, exits: 0 });
    const tree = parser.parse('package main\nfunc mainly() {}\nvar main = 1\n');
    try {
      assert.strictEqual(findMainFunction(tree), undefined);
    } finally {
      tree.delete();
    }
  });

  it('rewrites at the right offsets after non-ASCII text', () => {
    const src = 'package main\n\nimport "os"\n\n// Grüße, 世界 🎉\nfunc main() { os.Exit(1) }\n';
    const r = rewrite(src);
    assert.ok(r.text.includes(`// Grüße, 世界 🎉\nfunc ${RENAMED_MAIN}() { ${PROFILE_EXIT}(1) }\n`), r.text);
  });

  it('writes a harness with only the profiles asked for', () => {
    const all = harnessSource(['cpu', 'heap', 'mutex', 'block']);
    for (const needle of ['pprof.StartCPUProfile', 'SetMutexProfileFraction(1)', 'SetBlockProfileRate(1)', 'golabruntime.GC()', 'Lookup("heap", "/tmp/golab-profiles/heap.pprof")', '"/tmp/golab-profiles/cpu.pprof"', 'mutex.pprof', 'block.pprof', `${RENAMED_MAIN}()`, `func ${PROFILE_EXIT}(code int)`, 'SIGTERM', 'GOLAB_PROFILE_DEADLINE']) {
      assert.ok(all.includes(needle), `harness lacks ${needle}`);
    }
    const cpu = harnessSource(['cpu']);
    assert.ok(cpu.includes('StartCPUProfile'));
    for (const absent of ['golabruntime', 'heap.pprof', 'SetMutexProfileFraction', 'SetBlockProfileRate']) assert.ok(!cpu.includes(absent), `cpu-only harness has ${absent}`);
    const heap = harnessSource(['heap']);
    assert.ok(!heap.includes('StartCPUProfile') && heap.includes('golabruntime.GC()'));
  });

  it('overlays the fixture program: main renamed in main.go, os.Exit redirected in both files, a harness added', () => {
    const dir = path.join(fixtures, 'workspace', 'hotmain');
    const o = buildProgramOverlay(parser, dir, ['cpu', 'heap']);
    assert.strictEqual(o.mainFile, path.join(dir, 'main.go'));
    assert.deepStrictEqual([...o.files.keys()].map((f) => path.basename(f)).sort(), ['golab_profile_main.go', 'main.go', 'work.go']);
    assert.strictEqual(o.exits, 4);
    const main = o.files.get(path.join(dir, 'main.go')) ?? '';
    assert.match(main, new RegExp(`func ${RENAMED_MAIN}\\(\\) \\{`));
    // The usage string and the comment keep their `func main() { ... Exit(...) }` text.
    assert.ok(main.includes('const usage = "usage: hotmain spin|hash|exit MILLISECONDS (func main() { goos.Exit(1) })"'));
    assert.ok(main.includes('The text below is not code: func main() { os.Exit(9) }'));
    assert.strictEqual(main.split('\n').length, fs.readFileSync(path.join(dir, 'main.go'), 'utf8').split('\n').length + 1);
    assert.match(o.files.get(path.join(dir, 'work.go')) ?? '', new RegExp(`\\t${PROFILE_EXIT}\\(code\\)`));
  });

  it('refuses a library package and a main package without func main', () => {
    assert.throws(() => buildProgramOverlay(parser, path.join(fixtures, 'workspace', 'hot'), ['cpu']), (e: unknown) => e instanceof NotAProgramError && /not a main package \(package hot\)/.test(e.message));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-nomain-'));
    try {
      fs.writeFileSync(path.join(tmp, 'a.go'), 'package main\n\n// func main() {}\nfunc helper() {}\n');
      assert.throws(() => buildProgramOverlay(parser, tmp, ['cpu']), (e: unknown) => e instanceof NotAProgramError && /declares no func main/.test(e.message));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('builds and runs with the host Go: profiles written on return and on a redirected os.Exit', function () {
    this.timeout(120_000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-overlay-'));
    try {
      const src = path.join(fixtures, 'workspace', 'hotmain');
      const out = path.join(tmp, 'profiles');
      // The same overlay, with the harness writing to a host folder instead of the container's.
      const o = buildProgramOverlay(parser, src, ['cpu', 'heap', 'mutex', 'block']);
      const replace: Record<string, string> = {};
      let i = 0;
      for (const [file, text] of o.files) {
        const copy = path.join(tmp, `${i++}.go`);
        fs.writeFileSync(copy, file.endsWith('golab_profile_main.go') ? harnessSource(['cpu', 'heap', 'mutex', 'block'], out) : text);
        replace[file] = copy;
      }
      fs.writeFileSync(path.join(tmp, 'overlay.json'), JSON.stringify({ Replace: replace }));
      const bin = path.join(tmp, 'hotmain');
      execFileSync('go', ['build', '-overlay', path.join(tmp, 'overlay.json'), '-o', bin, '.'], { cwd: src, env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' }, stdio: 'pipe' });
      const files = () => (fs.existsSync(out) ? fs.readdirSync(out).sort() : []);
      // The harness's line goes to stderr (kept here, not in the test output).
      const run = spawnSync(bin, ['spin', '50'], { encoding: 'utf8' });
      assert.strictEqual(run.status, 0, run.stderr);
      assert.match(run.stdout, /^spin \d+/);
      assert.ok(run.stderr.includes(STARTED_MESSAGE), run.stderr);
      assert.deepStrictEqual(files(), ['block.pprof', 'cpu.pprof', 'heap.pprof', 'mutex.pprof']);
      fs.rmSync(out, { recursive: true });
      let status: number | null = null;
      try {
        execFileSync(bin, ['exit', '20'], { stdio: 'pipe' });
      } catch (e) {
        status = (e as { status: number | null }).status;
      }
      assert.strictEqual(status, 3, 'the program exits with its own os.Exit code');
      assert.deepStrictEqual(files(), ['block.pprof', 'cpu.pprof', 'heap.pprof', 'mutex.pprof']);
      for (const f of files()) assert.ok(fs.statSync(path.join(out, f)).size > 0, `${f} is empty`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('writes a harness that compiles for each kind alone (no unused imports)', function () {
    this.timeout(120_000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-harness-'));
    try {
      fs.writeFileSync(path.join(tmp, 'go.mod'), 'module example.com/h\n\ngo 1.21\n');
      fs.writeFileSync(path.join(tmp, 'main.go'), `package main\n\nfunc ${RENAMED_MAIN}() {}\n`);
      for (const kind of ['cpu', 'heap', 'mutex', 'block'] as const) {
        fs.writeFileSync(path.join(tmp, 'harness.go'), harnessSource([kind]));
        execFileSync('go', ['vet', '.'], { cwd: tmp, env: { ...process.env, GOTOOLCHAIN: 'local' }, stdio: 'pipe' });
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('puts the program CodeLens on func main of package main only, not of a go:build ignore script', () => {
    const at = (text: string) => {
      const tree = parser.parse(text);
      try {
        return programMain(text, tree)?.startPosition.row;
      } finally {
        tree.delete();
      }
    };
    assert.strictEqual(at('package main\n\nimport "fmt"\n\nfunc main() { fmt.Println() }\n'), 4);
    assert.strictEqual(at('//go:build ignore\n\npackage main\n\nfunc main() {}\n'), undefined);
    assert.strictEqual(at('package tools\n\nfunc main() {}\n'), undefined);
    assert.strictEqual(at('package main\n\n// func main() {}\nfunc run() {}\n'), undefined);
  });

  it('splits typed arguments like a shell, without expanding anything', () => {
    assert.deepStrictEqual(splitArgs(''), []);
    assert.deepStrictEqual(splitArgs('  -addr :8080   -v '), ['-addr', ':8080', '-v']);
    assert.deepStrictEqual(splitArgs(`say "two words" 'it''s' a\\ b "q\\"x" '$HOME' "" x""y`), ['say', 'two words', 'its', 'a b', 'q"x', '$HOME', '', 'xy']);
    assert.throws(() => splitArgs('"open'), /unclosed "/);
    assert.throws(() => splitArgs("it's"), /unclosed '/);
  });

  it('watches the output for the build and the program starting, each once, across any split of the chunks', () => {
    const output = `${BUILDING_MESSAGE}\nsome build noise\n${STARTED_MESSAGE}\nprogram output ${BUILDING_MESSAGE}\n${STARTED_MESSAGE}\n`;
    for (const size of [1, 2, 7, 40, output.length]) {
      const seen: string[] = [];
      const watch = harnessWatcher({ building: () => seen.push('building'), started: () => seen.push('started') });
      for (let at = 0; at < output.length; at += size) watch(output.slice(at, at + size));
      assert.deepStrictEqual(seen, ['building', 'started'], `chunks of ${size}`);
    }
    const seen: string[] = [];
    const watch = harnessWatcher({ started: () => seen.push('started') });
    watch('go: cannot find main module\n');
    assert.deepStrictEqual(seen, [], 'nothing before its line');
    watch(STARTED_MESSAGE.slice(0, 10));
    watch(STARTED_MESSAGE.slice(10));
    assert.deepStrictEqual(seen, ['started']);
  });

  it('labels, deadlines and the container command', () => {
    assert.strictEqual(programLabel('./cmd/server', ['-addr', ':8080', 'two words', '']), 'program ./cmd/server -addr :8080 "two words" ""');
    assert.strictEqual(deadlineSeconds(0), undefined);
    assert.strictEqual(deadlineSeconds(1500), undefined);
    assert.strictEqual(deadlineSeconds(20_000), 18);
    assert.strictEqual(deadlineSeconds(600_000), 585);
    const cmd = programCommand('/workspace/.golab/overlays/x/overlay.json', './hotmain', '/tmp/golab-bin/hotmain', ['spin', 'a b'], 18);
    assert.deepStrictEqual(cmd.slice(0, 2), ['sh', '-c']);
    assert.deepStrictEqual(cmd.slice(3), ['sh', '/workspace/.golab/overlays/x/overlay.json', './hotmain', '/tmp/golab-bin/hotmain', '18', 'spin', 'a b']);
  });
});
