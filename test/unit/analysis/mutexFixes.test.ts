/**
 * The quick fixes of the mutex/ family: each one, applied alone to its fixture, must leave
 * valid Go without the finding it fixes, and a few are checked for the exact code they write.
 * The fixture module itself must build with the Go toolchain (when one is on PATH): the
 * fixtures are real Go, not Go-shaped text.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeText } from '../../../src/core/analysis/file';
import { GoVersionResolver } from '../../../src/core/analysis/goVersion';
import { GoParser } from '../../../src/core/analysis/parser';
import type { Finding } from '../../../src/core/analysis/types';
import { applyEdits } from '../../support/edits';
import { fixtures } from '../../support/paths';

const dir = path.join(fixtures, 'analysis', 'mutex', 'locks');
const FILES = ['copy.go', 'unlock.go', 'pairing.go', 'waitgroup.go', 'generics.go', 'buildtag.go'];
const opts = { maxFileSizeMB: 10, parseTimeoutMs: 5000 };

const isMutex = (f: Finding) => f.code.startsWith('mutex/');
const fixesOf = (f: Finding) => f.fixes.filter((x) => !x.title.startsWith('Ignore '));
const count = (fs: readonly Finding[], code: string) => fs.filter((f) => f.code === code).length;

/** Rules whose every finding in the fixtures must come with a fix of its own. */
const ALWAYS_FIXED = new Set(['mutex/unlock-mismatch', 'mutex/defer-lock']);

describe('mutex/ quick fixes', () => {
  let parser: GoParser;
  const resolver = new GoVersionResolver();
  before(async () => {
    parser = await GoParser.create();
  });

  const analyse = (file: string, text: string) => analyzeText(parser, resolver, file, text, opts).findings.filter(isMutex);

  for (const name of FILES) {
    it(`each fix in ${name} removes its finding and keeps the file valid Go`, () => {
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, 'utf8');
      const before = analyse(file, text);
      assert.ok(before.length > 0, 'the fixture has findings');
      for (const finding of before) {
        if (ALWAYS_FIXED.has(finding.code)) assert.ok(fixesOf(finding).length > 0, `${finding.code} at line ${finding.range.start.line + 1} offers no fix`);
        for (const fix of fixesOf(finding)) {
          const fixed = applyEdits(text, fix.edits);
          const tree = parser.parse(fixed);
          assert.ok(!tree.rootNode.hasError, `"${fix.title}" produced invalid Go:\n${fixed}`);
          tree.delete();
          const after = analyse(file, fixed);
          assert.ok(
            count(after, finding.code) < count(before, finding.code),
            `"${fix.title}" (line ${finding.range.start.line + 1}) left ${finding.code} in place`,
          );
          // A fix must not trade one finding for another of the family.
          const introduced = [...new Set(after.map((f) => f.code))].filter((c) => count(after, c) > count(before, c));
          assert.deepStrictEqual(introduced, [], `"${fix.title}" introduced ${introduced.join(', ')}`);
        }
      }
    });
  }

  const fixOn = (name: string, lineText: string, code: string) => {
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    const finding = analyse(file, text).find((f) => f.code === code && text.split('\n')[f.range.start.line].includes(lineText));
    assert.ok(finding, `no ${code} on '${lineText}'`);
    return { text, finding };
  };

  it('unlock-missing with no explicit Unlock offers `defer mu.Unlock()` on the next line', () => {
    const { text, finding } = fixOn('unlock.go', 'mu.Lock() // want', 'mutex/unlock-missing');
    const local = analyse(path.join(dir, 'unlock.go'), text).find((f) => f.code === 'mutex/unlock-missing' && text.split('\n')[f.range.start.line].trim().startsWith('mu.Lock()'));
    assert.ok(local);
    assert.strictEqual(fixesOf(local)[0].title, "Add 'defer mu.Unlock()' after the Lock");
    assert.ok(applyEdits(text, fixesOf(local)[0].edits).includes('\tmu.Lock() // want "mutex/unlock-missing"\n\tdefer mu.Unlock()\n\treturn 1'));
    assert.ok(finding.related.length > 0);
  });

  it('unlock-missing with explicit Unlocks offers an Unlock before the leaking return, and says where it leaks', () => {
    const { text, finding } = fixOn('unlock.go', 'q.mu.Lock() // want', 'mutex/unlock-missing');
    assert.strictEqual(finding.related[0].range.start.line, finding.range.start.line + 2);
    const fix = fixesOf(finding)[0];
    assert.match(fix.title, /^Call 'q\.mu\.Unlock\(\)' before/);
    assert.ok(applyEdits(text, fix.edits).includes('\t\tq.mu.Unlock()\n\t\treturn 0, errEmpty'));
  });

  it('an RLock leak is fixed with RUnlock', () => {
    const { text, finding } = fixOn('unlock.go', 'q.rw.RLock() // want', 'mutex/unlock-missing');
    assert.ok(applyEdits(text, fixesOf(finding)[0].edits).includes('\t\tq.rw.RUnlock()\n\t\treturn 1'));
  });

  it('unlock-mismatch and defer-lock swap the method name', () => {
    const m = fixOn('pairing.go', 'c.mu.Unlock() // want "mutex/unlock-mismatch"', 'mutex/unlock-mismatch');
    assert.ok(applyEdits(m.text, fixesOf(m.finding)[0].edits).includes('c.mu.RUnlock() // want "mutex/unlock-mismatch"'));
    const d = fixOn('pairing.go', 'defer c.mu.RLock()', 'mutex/defer-lock');
    assert.ok(applyEdits(d.text, fixesOf(d.finding)[0].edits).includes('defer c.mu.RUnlock() // want'));
  });

  it('copy makes receivers and parameters pointers', () => {
    const r = fixOn('copy.go', 'func (c Counter) Value()', 'mutex/copy');
    assert.ok(applyEdits(r.text, fixesOf(r.finding)[0].edits).includes('func (c *Counter) Value() int {'));
    const p = fixOn('copy.go', 'func show(c Counter)', 'mutex/copy');
    assert.ok(applyEdits(p.text, fixesOf(p.finding)[0].edits).includes('func show(c *Counter) {'));
  });

  it('waitgroup moves Add before the go statement and makes a by-value group a pointer', () => {
    const a = fixOn('waitgroup.go', 'wg.Add(1) // want', 'mutex/waitgroup');
    assert.ok(applyEdits(a.text, fixesOf(a.finding)[0].edits).includes('\tfor _, x := range xs {\n\t\twg.Add(1)\n\t\tgo func() {\n\t\t\tdefer wg.Done()'));
    const p = fixOn('waitgroup.go', 'func worker(', 'mutex/waitgroup');
    assert.ok(applyEdits(p.text, fixesOf(p.finding)[0].edits).includes('func worker(wg *sync.WaitGroup, x int)'));
  });

  it('the fixture module is real Go: it builds', function () {
    if (spawnSync('go', ['version'], { encoding: 'utf8' }).status !== 0) this.skip();
    const r = spawnSync('go', ['build', './...'], { cwd: dir, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GOWORK: 'off' } });
    assert.strictEqual(r.status, 0, r.stderr);
  });
});
