/**
 * The quick fixes of the context/ family: each one, applied alone to its fixture, must leave
 * valid Go without the finding it fixes; all preferred fixes of a file applied together must
 * still build and satisfy `go vet` (when a Go toolchain is on PATH).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeText } from '../../../src/core/analysis/file';
import { GoVersionResolver } from '../../../src/core/analysis/goVersion';
import { GoParser } from '../../../src/core/analysis/parser';
import type { Finding } from '../../../src/core/analysis/types';
import { applyEdits } from '../../support/edits';
import { fixtures } from '../../support/paths';

const root = path.join(fixtures, 'analysis', 'context');
const dir = path.join(root, 'basic');
const FILES = ['background.go', 'ctxless.go', 'lostcancel.go', 'sleep.go'];
/** Every module of the family's fixtures and the files whose fixes are checked. */
const MODULES: Record<string, string[]> = {
  basic: FILES,
  service: ['store.go', 'server.go', 'worker.go', 'client.go'],
  tricky: ['tricky.go', 'linux.go'],
};
const opts = { maxFileSizeMB: 10, parseTimeoutMs: 5000 };

const isContext = (f: Finding) => f.code.startsWith('context/');
const fixesOf = (f: Finding) => f.fixes.filter((x) => !x.title.startsWith('Ignore '));
const key = (f: Finding, text: string) => `${f.code}@${text.split('\n')[f.range.start.line].trim()}`;

function hasGo(): boolean {
  return spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
}

describe('context/ quick fixes', () => {
  let parser: GoParser;
  const resolver = new GoVersionResolver();
  before(async () => {
    parser = await GoParser.create();
  });

  const analyse = (file: string, text: string) => analyzeText(parser, resolver, file, text, opts).findings.filter(isContext);

  for (const name of Object.entries(MODULES).flatMap(([m, files]) => files.map((f) => `${m}/${f}`))) {
    it(`each fix in ${name} removes its finding and keeps the file valid Go`, () => {
      const file = path.join(root, name);
      const text = fs.readFileSync(file, 'utf8');
      const before = analyse(file, text);
      assert.ok(before.length > 0);
      let tried = 0;
      for (const finding of before) {
        for (const fix of fixesOf(finding)) {
          tried++;
          const fixed = applyEdits(text, fix.edits);
          const tree = parser.parse(fixed);
          assert.ok(!tree.rootNode.hasError, `"${fix.title}" produced invalid Go:\n${fixed}`);
          tree.delete();
          const after = analyse(file, fixed);
          // Several findings may sit on identical lines: the fixed key must occur once less.
          const target = key(finding, text);
          const count = (fs2: Finding[], t: string) => fs2.filter((f) => key(f, t) === target && f.message === finding.message).length;
          assert.ok(count(after, fixed) < count(before, text), `"${fix.title}" left ${target}`);
          assert.ok(after.length < before.length, `"${fix.title}" did not reduce the findings:\n${fixed}`);
        }
      }
      assert.ok(tried > 0, 'some finding offers a fix');
    });
  }

  it('offers a fix wherever the rule promises one', () => {
    for (const name of FILES) {
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, 'utf8');
      for (const f of analyse(file, text)) {
        const line = text.split('\n')[f.range.start.line];
        // Not drop-ins (documented): the http shortcuts and a sleep in a function returning a value.
        const noFix = /http\.Get|DefaultClient\.Get|2 \* time\.Second|, _ = /.test(line) || f.code === 'context/goroutine-no-ctx';
        if (noFix) continue;
        assert.ok(fixesOf(f).length > 0, `${name}:${f.range.start.line + 1} ${f.code} has no fix`);
      }
    }
  });

  it('offers no fix where a local hides the context parameter', () => {
    const file = path.join(root, 'tricky', 'tricky.go');
    const text = fs.readFileSync(file, 'utf8');
    const shadowed = analyse(file, text).find((f) => f.code === 'context/background' && text.split('\n')[f.range.start.line - 2].includes('ctx := 5'));
    assert.ok(shadowed, 'the shadowed Background call is reported');
    assert.deepStrictEqual(fixesOf(shadowed), []);
  });

  it('writes the expected code', () => {
    const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
    const fixAt = (name: string, needle: string) => {
      const text = read(name);
      const f = analyse(path.join(dir, name), text).find((x) => text.split('\n')[x.range.start.line].includes(needle));
      assert.ok(f, `no finding on the line with ${needle}`);
      const fix = fixesOf(f)[0];
      assert.ok(fix, `no fix for ${needle}`);
      return applyEdits(text, fix.edits);
    };
    assert.ok(fixAt('background.go', 'http.NewRequestWithContext(context.Background()').includes('http.NewRequestWithContext(ctx, http.MethodGet'));
    assert.ok(fixAt('background.go', 'WithTimeout(context.Background()').includes('context.WithTimeout(r.Context(), time.Second)'));
    assert.ok(fixAt('ctxless.go', 'http.NewRequest(').includes('http.NewRequestWithContext(ctx, http.MethodPost, url, body)'));
    assert.ok(fixAt('ctxless.go', 'exec.Command("date")').includes('exec.CommandContext(r.Context(), "date")'));
    assert.ok(fixAt('ctxless.go', 'ex.Command(').includes('ex.CommandContext(ctx, "true", "-v")'));
    assert.ok(fixAt('ctxless.go', 'db.Begin()').includes('db.BeginTx(ctx, nil)'));
    assert.ok(fixAt('ctxless.go', 'db.Ping()').includes('db.PingContext(ctx)'));
    assert.ok(fixAt('ctxless.go', 'r.db.QueryRow(').includes('r.db.QueryRowContext(ctx, "SELECT count(*) FROM t")'));
    assert.ok(fixAt('ctxless.go', 'net.Dial(').includes('(&net.Dialer{}).DialContext(ctx, "tcp", addr)'));
    assert.ok(fixAt('ctxless.go', 'd.Dial(').includes('d.DialContext(ctx, "tcp", "localhost:80")'));
    assert.ok(fixAt('ctxless.go', 'net.LookupHost(').includes('net.DefaultResolver.LookupHost(ctx, host)'));
    assert.ok(fixAt('ctxless.go', 'net.LookupIP(').includes('net.DefaultResolver.LookupIP(ctx, "ip", host)'));
    assert.ok(fixAt('lostcancel.go', 'ctx, _ := context.WithTimeout').includes('ctx, cancel := context.WithTimeout(parent, time.Second) // want "context/lost-cancel"\n\tdefer cancel()\n'));
    assert.ok(fixAt('lostcancel.go', 'ctx, cancel := context.WithTimeout(parent, time.Second) // want').includes('defer cancel()\n\tif fail {'));
    // A cancel returned to the caller must not be deferred: called on the leaking path instead.
    const returned = fixAt('lostcancel.go', 'ctx, stop :=');
    assert.ok(returned.includes('\t\tstop()\n\t\treturn nil, nil, errors.New("not ok")'), returned);
    assert.ok(!returned.includes('defer stop()'));
    assert.ok(fixAt('sleep.go', 'time.Second << i').includes('select {\n\t\tcase <-ctx.Done():\n\t\t\treturn ctx.Err()\n\t\tcase <-time.After(time.Second << i):\n\t\t}'));
    assert.ok(fixAt('sleep.go', '100 * time.Millisecond').includes('case <-ctx.Done():\n\t\t\treturn\n'));
    assert.ok(fixAt('sleep.go', 'time.Sleep(time.Millisecond)').includes('case <-ctx.Done():\n\t\t\t\treturn ctx.Err()\n'));
  });

  for (const [module, files] of Object.entries(MODULES)) {
    it(`all preferred fixes in module ${module} together still build and pass go vet`, function () {
      if (!hasGo()) {
        console.log('      (go not on PATH: compile check not run)');
        this.skip();
      }
      this.timeout(120_000);
      const src = path.join(root, module);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-ctxfix-'));
      try {
        for (const entry of fs.readdirSync(src)) fs.copyFileSync(path.join(src, entry), path.join(tmp, entry));
        for (const name of files) {
          const text = fs.readFileSync(path.join(src, name), 'utf8');
          const edits = analyse(path.join(src, name), text).flatMap((f) => fixesOf(f).find((x) => x.isPreferred)?.edits ?? []);
          fs.writeFileSync(path.join(tmp, name), applyEdits(text, edits));
        }
        const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
        const build = spawnSync('go', ['build', './...'], { cwd: tmp, encoding: 'utf8', env });
        assert.strictEqual(build.status, 0, build.stderr);
        const vet = spawnSync('go', ['vet', '-lostcancel', './...'], { cwd: tmp, encoding: 'utf8', env });
        // Left for vet: `ctx, _ = ...` (an assignment: no fix by design) and vet's own false
        // positive on a WithCancel that is not the context package's (lostcancel_neg.go).
        const complaints = vet.stderr
          .split('\n')
          .filter((l) => /lostcancel|context leak/.test(l) && !l.includes('lostcancel_neg.go') && !l.includes('context.WithDeadline should be called'));
        assert.deepStrictEqual(complaints, [], vet.stderr);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });
  }
});
