/**
 * The race-report parser on real `go test -race` output captured from the Go modules in
 * test/fixtures/race/src (go1.22, go1.24, go1.26; plain, plain -v and -json), plus the ways a
 * container log can arrive: in arbitrary chunks, cut off, or mixed with garbage.
 */
import * as assert from 'assert';
import { GoTestOutputParser, parseGoTestOutput } from '../../../src/core/race/parse';
import { mapPaths, raceSites } from '../../../src/core/race/sites';
import { type GoTestRun, type RaceAccess, type RaceFrame, type RaceReport } from '../../../src/core/race/types';
import { captured, FORMATS, GO_VERSIONS, isFixtureFile, sourceLine, toCheckout, where } from './captured';

/**
 * One race as `test: access | access`, each access as its kind, its first user frame with the
 * source text there, and the user frame that started its goroutine. The two accesses are
 * sorted because which one the detector sees first varies between runs.
 */
function describeRace(raw: RaceReport): string {
  const r = mapPaths(raw, toCheckout);
  const s = raceSites(r, isFixtureFile);
  const access = (a: RaceAccess, site?: RaceFrame, created?: RaceFrame): string =>
    `${a.kind}${a.atomic ? '(atomic)' : ''} ${where(site)} {${site ? sourceLine(site) : ''}} go ${where(created)} {${created ? sourceLine(created) : ''}}`;
  const both = [access(r.current, s.current, s.currentCreated), access(r.previous, s.previous, s.previousCreated)].sort();
  return `${r.test ?? '-'}: ${both.join(' | ')}`;
}

const GO_COUNTER = 'go mapwrite/words_test.go:13 {go func() {}';
const STATS_GO = 'go tworaces/stats_test.go:13 {go func() {}';
const PUSH = 'twotests/queue.go:12 {q.items = append(q.items, v)} go twotests/queue_test.go:13 {go func(v int) {}';

/** Expected races per fixture; every file:line here was checked against the fixture source. */
const EXPECTED: Record<string, string[]> = {
  mapwrite: [
    // Two reports for one line: the map's slot and the bucket write are separate addresses.
    `TestCounter: write mapwrite/words.go:12 {c.seen[w] = 1} ${GO_COUNTER} | write mapwrite/words.go:12 {c.seen[w] = 1} ${GO_COUNTER}`,
    `TestCounter: write mapwrite/words.go:12 {c.seen[w] = 1} ${GO_COUNTER} | write mapwrite/words.go:12 {c.seen[w] = 1} ${GO_COUNTER}`,
  ],
  readwrite: [
    // The reading goroutine is the test's own, started by the testing package: no user site.
    'TestLast: read readwrite/cache.go:19 {return c.last} go <none> {} | write readwrite/cache.go:12 {c.last = 42} go readwrite/cache.go:11 {go func() {}',
  ],
  tworaces: [
    `TestStats: read tworaces/stats.go:12 {s.Hits++} ${STATS_GO} | write tworaces/stats.go:12 {s.Hits++} ${STATS_GO}`,
    `TestStats: read tworaces/stats.go:17 {s.Misses++} ${STATS_GO} | write tworaces/stats.go:17 {s.Misses++} ${STATS_GO}`,
  ],
  twotests: [
    `TestPush: read ${PUSH} | write ${PUSH}`,
    `TestPush: read ${PUSH} | write ${PUSH}`,
    'TestGrow: write twotests/queue.go:17 {q.size = n} go <none> {} | write twotests/queue.go:17 {q.size = n} go twotests/queue_test.go:24 {go func() {}',
  ],
  subtest: [
    // The subtest's goroutine was started by the parent's t.Run: that is its user creation site.
    'TestFlags/racy: read subtest/flag_test.go:24 {if ready {} go subtest/flag_test.go:17 {t.Run("racy", func(t *testing.T) {} | write subtest/flag_test.go:20 {ready = true} go subtest/flag_test.go:19 {go func() {}',
  ],
  mainrace: [
    // TestMain runs on the main goroutine, outside any test.
    '-: write mainrace/config.go:10 {Level = 3} go mainrace/config.go:9 {go func() {} | write mainrace/config_test.go:13 {Level = 1} go <none> {}',
  ],
  atomicmix: [
    // Peek() is inlined into the test; the atomic side has only sync/atomic frames.
    'TestPeek: read atomicmix/hits_test.go:15 {t.Logf("hits=%d", Peek())} go <none> {} | write(atomic) <none> {} go atomicmix/hits_test.go:10 {go func() {}',
  ],
  panicrace: [
    `TestBumpThenPanic: read panicrace/worker.go:9 {s.n++} go panicrace/worker_test.go:13 {go func() {} | write panicrace/worker.go:9 {s.n++} go panicrace/worker_test.go:13 {go func() {}`,
  ],
  clean: [],
  failing: [],
  buildfail: [],
};

function pkg(name: string): string {
  return `example.com/golab/race/${name}`;
}

function packageOutcome(run: GoTestRun, name: string) {
  return run.tests.find((t) => t.package === pkg(name) && t.test === undefined);
}

/** A deterministic pseudo-random sequence, so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

function feedInChunks(input: string, cuts: number[]): GoTestRun {
  const parser = new GoTestOutputParser();
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.write(input.slice(start, cut));
    start = cut;
  }
  parser.write(input.slice(start));
  return parser.end();
}

describe('race parser on captured go test -race output', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    for (const version of GO_VERSIONS) {
      for (const format of FORMATS) {
        it(`${name} (${version}, ${format}): races, sites and tests`, () => {
          const run = parseGoTestOutput(captured(name, version, format));
          assert.deepStrictEqual(run.races.map(describeRace), expected);
          for (const r of run.races) {
            assert.strictEqual(r.package, pkg(name));
            assert.ok(r.text.startsWith('==================\nWARNING: DATA RACE\n'), r.text.slice(0, 60));
            assert.ok(r.text.endsWith('\n=================='), r.text.slice(-60));
          }
          assert.strictEqual(run.truncated, false);
          const outcome = packageOutcome(run, name);
          assert.ok(outcome, `no outcome for the package in ${JSON.stringify(run.tests)}`);
          const shouldPass = name === 'clean';
          assert.strictEqual(outcome.action, shouldPass ? 'pass' : 'fail');
        });
      }
    }
  }

  for (const version of GO_VERSIONS) {
    it(`keeps the full stacks and goroutine states (${version})`, () => {
      const run = parseGoTestOutput(captured('readwrite', version, 'txt'));
      const [r] = run.races;
      assert.strictEqual(r.current.kind, 'read');
      assert.strictEqual(r.previous.kind, 'write');
      assert.match(r.current.address, /^0x[0-9a-f]{12}$/);
      assert.strictEqual(r.current.address, r.previous.address);
      assert.deepStrictEqual(
        r.current.stack.slice(0, 2).map((f) => `${f.func} ${f.file.replace('/work/main/test/fixtures/race/src/', '')}:${f.line}`),
        ['example.com/golab/race/readwrite.(*Cache).Last readwrite/cache.go:19', 'example.com/golab/race/readwrite.TestLast readwrite/cache_test.go:10'],
      );
      assert.deepStrictEqual(r.goroutines.map((g) => [g.id, g.state]), [
        [r.current.goroutine, 'running'],
        [r.previous.goroutine, 'finished'],
      ]);
      // The test's goroutine was created by the testing package; the stack ends in _testmain.go.
      assert.strictEqual(r.goroutines[0].createdAt.at(-1)?.file, '_testmain.go');
    });

    it(`reads "by main goroutine" (${version})`, () => {
      const [r] = parseGoTestOutput(captured('mainrace', version, 'txt')).races;
      assert.strictEqual(r.current.goroutine, 'main');
      assert.strictEqual(typeof r.previous.goroutine, 'number');
      assert.strictEqual(r.test, undefined);
    });

    it(`marks the sync/atomic side of a race as atomic (${version})`, () => {
      const [r] = parseGoTestOutput(captured('atomicmix', version, 'json')).races;
      assert.deepStrictEqual([r.current.atomic, r.previous.atomic], [false, true]);
      assert.strictEqual(r.previous.stack[0].func, 'sync/atomic.AddInt64');
    });

    it(`reports plain test failures, skips and passes (${version})`, () => {
      const plain = parseGoTestOutput(captured('failing', version, 'txt'));
      const half = plain.tests.find((t) => t.test === 'TestHalf');
      assert.strictEqual(half?.action, 'fail');
      assert.match(half.output, /div_test\.go:7: Half\(10\) = 3, want 5/);
      assert.strictEqual(half.package, pkg('failing'));
      const json = parseGoTestOutput(captured('failing', version, 'json'));
      assert.deepStrictEqual(
        json.tests.map((t) => `${t.test ?? '(package)'} ${t.action}`),
        ['TestHalf fail', 'TestHalfZero pass', 'TestSkipped skip', '(package) fail'],
      );
      assert.match(json.tests[0].output, /Half\(10\) = 3, want 5/);
      assert.match(json.tests[2].output, /not on this machine/);
      const verbose = parseGoTestOutput(captured('failing', version, 'v.txt'));
      assert.deepStrictEqual(
        verbose.tests.map((t) => `${t.test ?? '(package)'} ${t.action}`),
        ['TestHalf fail', 'TestHalfZero pass', 'TestSkipped skip', '(package) fail'],
      );
      assert.match(verbose.tests[0].output, /Half\(10\) = 3, want 5/);
      assert.deepStrictEqual(plain.races, []);
    });

    it(`attributes races to the test whose --- FAIL says "race detected" (${version})`, () => {
      for (const format of FORMATS) {
        const run = parseGoTestOutput(captured('twotests', version, format));
        assert.deepStrictEqual(run.races.map((r) => r.test), ['TestPush', 'TestPush', 'TestGrow'], format);
        const failed = run.tests.filter((t) => t.action === 'fail' && t.test !== undefined).map((t) => t.test);
        assert.deepStrictEqual(failed.sort(), ['TestGrow', 'TestPush'], format);
      }
    });

    it(`collects compiler errors of a package that does not build (${version})`, () => {
      for (const format of FORMATS) {
        const run = parseGoTestOutput(captured('buildfail', version, format));
        assert.deepStrictEqual(run.buildErrors, ['./broken.go:7:3: undefined: sum', './broken.go:9:9: undefined: sum'], format);
        assert.strictEqual(packageOutcome(run, 'buildfail')?.action, 'fail', format);
        assert.deepStrictEqual(run.races, []);
      }
    });

    it(`records a panic after a race and keeps the race (${version})`, () => {
      for (const format of FORMATS) {
        const run = parseGoTestOutput(captured('panicrace', version, format));
        assert.strictEqual(run.races.length, 1, format);
        assert.strictEqual(run.panics.length, 1, format);
        const [p] = run.panics;
        assert.match(p.message, /^assignment to entry in nil map/, format);
        assert.strictEqual(p.test, 'TestBumpThenPanic', format);
        assert.strictEqual(p.package, pkg('panicrace'), format);
        assert.match(p.text, /panicrace\/worker_test\.go:20/, format);
      }
    });

    it(`reports durations from --- lines and package summaries (${version})`, () => {
      const run = parseGoTestOutput(captured('readwrite', version, 'txt'));
      const test = run.tests.find((t) => t.test === 'TestLast');
      // The test sleeps 50ms before reading.
      assert.strictEqual(test?.elapsedMs, 50);
      const whole = packageOutcome(run, 'readwrite');
      assert.ok(whole?.elapsedMs !== undefined && whole.elapsedMs >= 50, JSON.stringify(whole));
    });
  }

  it('finds the same races in -json as in the plain text it carries', () => {
    for (const name of Object.keys(EXPECTED)) {
      for (const version of GO_VERSIONS) {
        const json = parseGoTestOutput(captured(name, version, 'json'));
        const plain = parseGoTestOutput(json.text, 'text');
        assert.deepStrictEqual(plain.races, json.races, `${name} ${version}`);
        assert.deepStrictEqual(plain.buildErrors, json.buildErrors, `${name} ${version}`);
      }
    }
  });

  it('gives the same result for a small report split at every position', () => {
    for (const format of ['txt', 'json'] as const) {
      const input = captured('readwrite', 'go1.26', format);
      const whole = parseGoTestOutput(input);
      assert.strictEqual(whole.races.length, 1);
      for (let cut = 0; cut <= input.length; cut++) {
        const split = feedInChunks(input, [cut]);
        assert.deepStrictEqual(split.races, whole.races, `${format} cut at ${cut}`);
        assert.deepStrictEqual(split.tests, whole.tests, `${format} cut at ${cut}`);
      }
    }
  });

  it('gives the same result for every capture fed in random chunks', () => {
    const random = rng(7);
    for (const name of Object.keys(EXPECTED)) {
      for (const version of GO_VERSIONS) {
        for (const format of FORMATS) {
          const input = captured(name, version, format);
          const whole = parseGoTestOutput(input);
          const cuts = Array.from({ length: 1 + Math.floor(random() * 60) }, () => Math.floor(random() * input.length));
          assert.deepStrictEqual(feedInChunks(input, cuts), whole, `${name} ${version} ${format}`);
        }
      }
    }
  });

  it('returns only complete reports when the run is killed mid-report', () => {
    const input = captured('mapwrite', 'go1.26', 'txt');
    const lines = input.split('\n');
    // Closing separators are the ones not followed by the WARNING line of a report.
    const closes = lines.map((l, i) => (l === '==================' && lines[i + 1] !== 'WARNING: DATA RACE' ? i : -1)).filter((i) => i >= 0);
    assert.strictEqual(closes.length, 2, 'two closing separators in the capture');
    for (let n = 0; n <= lines.length; n++) {
      const run = parseGoTestOutput(lines.slice(0, n).join('\n'));
      const complete = closes.filter((c) => c < n).length;
      assert.strictEqual(run.races.length, complete, `after ${n} lines`);
      for (const r of run.races) assert.strictEqual(r.current.stack.length > 0, true);
      // Between a report's first line and its closing separator, the run says it was cut.
      const inside = lines.slice(0, n).lastIndexOf('WARNING: DATA RACE') > (closes.filter((c) => c < n).at(-1) ?? -1);
      assert.strictEqual(run.truncated, inside, `after ${n} lines`);
    }
  });

  it('survives truncated -json (a half-written event)', () => {
    const input = captured('twotests', 'go1.26', 'json');
    for (let cut = 0; cut < input.length; cut += 97) {
      const run = parseGoTestOutput(input.slice(0, cut));
      assert.ok(run.races.length <= 3);
      for (const r of run.races) assert.ok(r.current.stack.length > 0 && r.previous.stack.length > 0);
    }
  });

  it('never throws on garbage and finds nothing in it', () => {
    const random = rng(42);
    const samples: string[] = [
      '',
      '\n\n\n',
      'null\n[]\n{}\n42\n"x"\n',
      '{"Action":5}\n{"Action":"output","Package":7,"Output":{}}\n{"Action":"output","Package":"p","Output":7}\n',
      '{"Action":"pass","Package":"p","Elapsed":"slow"}\n{"Action":"output"',
      'WARNING: DATA RACE\nRead at by goroutine x:\n==================\n',
      '==================\nWARNING: DATA RACE\nRead at 0x1 by goroutine 1:\n  f()\n      f.go:1\n==================\n',
      '=== RUN\n--- FAIL: \nok\nFAIL\n# \npanic: \n',
      'x'.repeat(200000),
    ];
    for (let i = 0; i < 50; i++) {
      samples.push(Array.from({ length: 400 }, () => String.fromCharCode(Math.floor(random() * 0x3000))).join(''));
    }
    for (const s of samples) {
      for (const format of ['auto', 'text', 'json'] as const) {
        const run = parseGoTestOutput(s, format);
        // A report missing its "Previous" access is not a report.
        assert.deepStrictEqual(run.races, [], JSON.stringify(s.slice(0, 80)));
      }
    }
    const parser = new GoTestOutputParser();
    parser.write(undefined as unknown as string);
    assert.deepStrictEqual(parser.end().races, []);
  });
});

/** A hand-written report for shapes the fixtures cannot produce on demand. */
const LOST_STACK_REPORT = [
  '==================',
  'WARNING: DATA RACE',
  'Write at 0x00c000120018 by goroutine 21:',
  '  example.com/app.(*Pool).put()',
  '      /workspace/pool.go:40 +0x44',
  '',
  'Previous read at 0x00c000120018 by goroutine 9:',
  '  [failed to restore the stack]',
  '',
  'Goroutine 21 (running) created at:',
  '  example.com/app.Start()',
  '      /workspace/pool.go:12 +0x9c',
  '',
  'Goroutine 9 (running) created at:',
  '  main.main()',
  '      /workspace/main.go:8 +0x2a',
  '==================',
];

describe('race parser on synthetic shapes', () => {
  it('accepts [failed to restore the stack]', () => {
    const run = parseGoTestOutput(LOST_STACK_REPORT.join('\n') + '\n', 'text');
    assert.strictEqual(run.races.length, 1);
    const [r] = run.races;
    assert.deepStrictEqual(r.previous, { kind: 'read', atomic: false, address: '0x00c000120018', goroutine: 9, stack: [], stackLost: true });
    assert.deepStrictEqual(r.current.stack, [{ func: 'example.com/app.(*Pool).put', file: '/workspace/pool.go', line: 40 }]);
    assert.strictEqual(r.text, LOST_STACK_REPORT.join('\n'));
    const sites = raceSites(r);
    assert.strictEqual(sites.previous, undefined);
    assert.deepStrictEqual(sites.previousCreated, undefined, 'main.main is generated/entry code, not a site');
    assert.strictEqual(sites.currentCreated?.line, 12);
  });

  it('accepts CRLF line ends', () => {
    const run = parseGoTestOutput(LOST_STACK_REPORT.join('\r\n') + '\r\n', 'auto');
    assert.strictEqual(run.races.length, 1);
    assert.strictEqual(run.races[0].current.stack[0].line, 40);
  });

  it('reassembles a -json report split across events, tests and the package', () => {
    const events: object[] = [{ Action: 'run', Package: 'p', Test: 'TestA' }];
    const out = (Output: string, Test?: string) => events.push({ Action: 'output', Package: 'p', Test, Output });
    out('=== RUN   TestA\n', 'TestA');
    // Every line of the report split in two events, alternating between three attributions,
    // with other packages' output interleaved (go test -json ./... with -p > 1).
    LOST_STACK_REPORT.forEach((line, i) => {
      const test = ['TestA', 'TestB', undefined][i % 3];
      const half = Math.floor(line.length / 2);
      out(line.slice(0, half), test);
      events.push({ Action: 'output', Package: 'q', Test: 'TestQ', Output: '    q_test.go:3: noise\n' });
      out(line.slice(half) + '\n', test);
    });
    out('--- FAIL: TestA (0.01s)\n', 'TestA');
    out('    testing.go:1712: race detected during execution of test\n', 'TestA');
    events.push({ Action: 'fail', Package: 'p', Test: 'TestA', Elapsed: 0.01 });
    out('FAIL\n');
    events.push({ Action: 'fail', Package: 'p', Elapsed: 0.2 });
    const run = parseGoTestOutput(events.map((e) => JSON.stringify(e)).join('\n') + '\n', 'json');
    assert.strictEqual(run.races.length, 1);
    const [r] = run.races;
    assert.strictEqual(r.test, 'TestA');
    assert.strictEqual(r.package, 'p');
    assert.strictEqual(r.text, LOST_STACK_REPORT.join('\n'));
    assert.deepStrictEqual(r.goroutines.map((g) => g.createdAt[0].line), [12, 8]);
    assert.deepStrictEqual(
      run.tests.map((t) => `${t.package} ${t.test ?? ''} ${t.action} ${t.elapsedMs ?? ''}`),
      ['p TestA fail 10', 'p  fail 200'],
    );
  });

  it('attributes back-to-back reports and parallel subtests from === CONT lines', () => {
    const body = LOST_STACK_REPORT.slice(1);
    const text = [
      '=== RUN   TestP',
      '=== PAUSE TestP',
      '=== CONT  TestP/a',
      '==================',
      ...body,
      '==================',
      ...body,
      // killed here: no "race detected" line, so the running test is the best knowledge
    ].join('\n');
    const run = parseGoTestOutput(text, 'text');
    assert.deepStrictEqual(run.races.map((r) => r.test), ['TestP/a', 'TestP/a']);
    assert.strictEqual(run.truncated, false);
  });

  it('keeps the test of a race in a subtest when only the parent header is indented above', () => {
    const text = [
      // A test's own unindented output is not a package summary.
      'ok then',
      'FAIL fast',
      '==================',
      ...LOST_STACK_REPORT.slice(1),
      '--- FAIL: TestOuter (0.00s)',
      '    --- FAIL: TestOuter/inner (0.00s)',
      '        testing.go:1398: race detected during execution of test',
      '    --- PASS: TestOuter/other (0.00s)',
      'FAIL',
      'FAIL\texample.com/app\t0.020s',
      'ok  \texample.com/app/other\t(cached)',
      '?   \texample.com/app/cmd\t[no test files]',
    ].join('\n');
    const run = parseGoTestOutput(text, 'text');
    assert.strictEqual(run.races[0].test, 'TestOuter/inner');
    assert.strictEqual(run.races[0].package, 'example.com/app');
    assert.deepStrictEqual(
      run.tests.map((t) => `${t.package} ${t.test ?? ''} ${t.action} ${t.elapsedMs ?? '-'}`),
      [
        'example.com/app TestOuter fail 0',
        'example.com/app TestOuter/inner fail 0',
        'example.com/app TestOuter/other pass 0',
        'example.com/app  fail 20',
        'example.com/app/other  pass -',
        'example.com/app/cmd  skip -',
      ],
    );
  });
});
