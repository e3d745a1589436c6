/**
 * The race lab's pure parts: findings at the user's lines from real captured reports, the
 * live text of a -json run, the go test command line, module roots and the size settings.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatBytes, parseByteSize } from '../../../src/core/config';
import { raceFindings, shortFunc } from '../../../src/core/race/findings';
import { parseGoTestOutput } from '../../../src/core/race/parse';
import { findModuleRoot, raceCommand, runPattern, Test2JsonText } from '../../../src/core/race/run';
import { mapPaths, prefixMapper } from '../../../src/core/race/sites';
import { fixtures } from '../../support/paths';
import { captured, isFixtureFile, sourceLine, toCheckout, where } from '../race/captured';

function findingsOf(name: string) {
  const run = parseGoTestOutput(captured(name, 'go1.26', 'json'), 'json');
  return raceFindings(run.races.map((r) => mapPaths(r, toCheckout)), isFixtureFile);
}

describe('race findings (captured go1.26 reports)', () => {
  it('puts a read/write race at both accesses, each linked to the other and to the go statement', () => {
    const found = findingsOf('readwrite');
    assert.deepStrictEqual(found.map((f) => `${where({ func: '', file: f.file, line: f.line })}`).sort(), ['readwrite/cache.go:12', 'readwrite/cache.go:19']);
    const write = found.find((f) => f.line === 12);
    const read = found.find((f) => f.line === 19);
    assert.ok(write && read);
    assert.strictEqual(sourceLine({ func: '', file: write.file, line: write.line }), 'c.last = 42');
    assert.strictEqual(sourceLine({ func: '', file: read.file, line: read.line }), 'return c.last');
    assert.match(write.message, /^Data race: write in \(\*Cache\)\.Refresh\.func1 by goroutine \d+ races with a read by the main goroutine|^Data race: write in \(\*Cache\)\.Refresh\.func1 by goroutine \d+ races with a read by goroutine \d+/);
    assert.match(write.message, /\(in TestLast\)/);
    // The write's goroutine was started by the go statement in Refresh.
    const related = write.related.map((r) => `${where({ func: '', file: r.file, line: r.line })} ${r.message}`);
    assert.ok(related.some((r) => r.startsWith('readwrite/cache.go:19 the other access: read')), related.join('\n'));
    assert.ok(related.some((r) => r.startsWith('readwrite/cache.go:11 ') && r.includes('this access) was started here')), related.join('\n'));
    assert.strictEqual(write.race, read.race);
    assert.notStrictEqual(write.key, read.key);
  });

  it('gives two races of one test four findings, and a race reported twice only once', () => {
    const found = findingsOf('tworaces');
    assert.deepStrictEqual([...new Set(found.map((f) => f.race))].length, 2);
    assert.deepStrictEqual(found.map((f) => f.line).sort(), [12, 12, 17, 17]);
    const run = parseGoTestOutput(captured('tworaces', 'go1.26', 'json'), 'json');
    const twice = [...run.races, ...run.races].map((r) => mapPaths(r, toCheckout));
    assert.strictEqual(raceFindings(twice, isFixtureFile).length, 4);
  });

  it('finds nothing in a race-free run, and nothing outside the user files', () => {
    assert.deepStrictEqual(findingsOf('clean'), []);
    const run = parseGoTestOutput(captured('readwrite', 'go1.26', 'json'), 'json');
    assert.deepStrictEqual(raceFindings(run.races, () => false), []);
  });

  it('maps a report captured in the lab container (/workspace paths) back to the workspace', () => {
    const text = fs.readFileSync(path.join(fixtures, 'race', 'captured', 'tworaces.lab-go1.26.json'), 'utf8');
    const run = parseGoTestOutput(text, 'json');
    assert.ok(run.races.every((r) => r.current.stack.some((f) => f.file.startsWith('/workspace/'))), 'container paths');
    const workspace = path.join(fixtures, 'race', 'src', 'tworaces');
    const found = raceFindings(run.races.map((r) => mapPaths(r, prefixMapper('/workspace', workspace))), (f) => f.startsWith(workspace + path.sep));
    assert.deepStrictEqual(found.map((f) => sourceLine({ func: '', file: f.file, line: f.line })).sort(), ['s.Hits++', 's.Hits++', 's.Misses++', 's.Misses++']);
    assert.ok(found.every((f) => f.test === 'TestStats'));
  });

  it('shortens function names for messages', () => {
    assert.strictEqual(shortFunc('example.com/m/pkg.(*T).Add.func1'), '(*T).Add.func1');
    assert.strictEqual(shortFunc('main.main'), 'main');
  });
});

describe('race run helpers', () => {
  it('turns test2json events back into the text go test prints, however the stream is cut', () => {
    const json = captured('tworaces', 'go1.26', 'json');
    const expected = json
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { Action: string; Output?: string })
      .filter((e) => e.Action === 'output')
      .map((e) => e.Output)
      .join('');
    assert.ok(expected.includes('WARNING: DATA RACE'));
    for (const size of [1, 7, 100, 4096]) {
      const t = new Test2JsonText();
      let got = '';
      for (let i = 0; i < json.length; i += size) got += t.push(json.slice(i, i + size));
      got += t.flush();
      assert.strictEqual(got, expected, `chunks of ${size}`);
    }
    // A line that is not an event (a go command error on stdout) is kept as it is.
    assert.strictEqual(new Test2JsonText().push('go: no module\n'), 'go: no module\n');
  });

  it('builds the go test command with exact -run and -bench patterns', () => {
    assert.deepStrictEqual(raceCommand({ packages: ['./store'], run: runPattern(['TestA']) }), ['go', 'test', '-race', '-json', '-count=1', '-run', '^TestA$', './store']);
    assert.deepStrictEqual(raceCommand({ packages: [], bench: runPattern(['BenchmarkX', 'BenchmarkY']) }), [
      'go', 'test', '-race', '-json', '-count=1', '-bench', '^(BenchmarkX|BenchmarkY)$', '-benchtime', '1x', './...',
    ]);
    assert.ok(new RegExp(runPattern(['TestA'])).test('TestA') && !new RegExp(runPattern(['TestA'])).test('TestAB'));
    assert.strictEqual(runPattern(['Test.Dot']), '^Test\\.Dot$');
  });

  it('finds the module root above a package, and none outside a module', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'golab-mod-'));
    try {
      fs.mkdirSync(path.join(tmp, 'm', 'a', 'b'), { recursive: true });
      fs.writeFileSync(path.join(tmp, 'm', 'go.mod'), 'module m\n');
      assert.strictEqual(findModuleRoot(path.join(tmp, 'm', 'a', 'b'), tmp), path.join(tmp, 'm'));
      assert.strictEqual(findModuleRoot(tmp, tmp), undefined);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('reads memory sizes as docker does and prints them back', () => {
    assert.strictEqual(parseByteSize('512m'), 512 * 1024 ** 2);
    assert.strictEqual(parseByteSize('1g'), 1024 ** 3);
    assert.strictEqual(parseByteSize('1.5GiB'), 1.5 * 1024 ** 3);
    assert.strictEqual(parseByteSize('268435456'), 268435456);
    for (const bad of ['', 'lots', '-1g', '0', '1x']) assert.strictEqual(parseByteSize(bad), undefined, bad);
    assert.strictEqual(formatBytes(1024 ** 3), '1 GiB');
    assert.strictEqual(formatBytes(768 * 1024 ** 2), '768 MiB');
  });
});
