/** `golab gc-sweep` flags and help, without Docker (the sweeps are in test/lab/gc.test.ts). */
import * as assert from 'assert';
import * as path from 'path';
import { renderSweepText } from '../../../src/cli/gcSweep';
import { recommend, summarise } from '../../../src/core/gc/recommend';
import type { GcRunMetrics } from '../../../src/shared/gc';
import { fixtures } from '../../support/paths';
import { assertCliBuilt, runCli } from '../cli/cliRunner';

const churn = path.join(fixtures, 'gc', 'churn');
const MiB = 1024 * 1024;

describe('golab gc-sweep (flags and text)', function () {
  // Each check spawns the CLI (a few hundred ms each).
  this.timeout(30_000);
  before(assertCliBuilt);

  it('is listed in the usage and documents its flags', () => {
    assert.match(runCli(['--help']).stdout, /golab gc-sweep \[package\]/);
    const r = runCli(['gc-sweep', '--help']);
    assert.strictEqual(r.status, 0);
    for (const needle of ['--bench REGEX', '--test REGEX', '-- ARGS', '--memory LIST', '--gogc LIST', '--memlimit LIST', '--repeat N', '--format text|json', '--csv FILE', 'baseline']) {
      assert.ok(r.stdout.includes(needle), `gc-sweep --help lacks "${needle}"`);
    }
  });

  it('rejects bad values with exit 2 before touching Docker', () => {
    for (const [args, message] of [
      [[], /choose one target/],
      [['--test', 'A', '--bench', 'B'], /choose one target/],
      [['--test', 'A', '--gogc', '100,lots'], /--gogc wants numbers or off/],
      [['--test', 'A', '--memlimit', 'none,half'], /--memlimit wants none, percentages \(70%\) or sizes \(870MiB\), got "half"/],
      [['--test', 'A', '--memory', '512m,big'], /--memory wants sizes like 512m or 512m,1g/],
      [['--test', 'A', '--repeat', '0'], /--repeat wants a positive integer/],
      [['--test', 'A', '--benchtime', '2s'], /--benchtime goes with --bench/],
      [['--test', 'A', '--format', 'csv'], /--format must be text or json/],
      [['./a', './b', '--test', 'A'], /one package/],
    ] as const) {
      const r = runCli(['gc-sweep', ...args], churn);
      assert.strictEqual(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  it('renders median ± spread, OOMs, baseline and Pareto marks, and the recommendation', () => {
    const run = (cpuMs: number, peakMiB: number): GcRunMetrics => ({ wallMs: cpuMs, cpuMs, peakBytes: peakMiB * MiB, oomKilled: false, exitCode: 0, gcCycles: 4, gomaxprocs: 2 });
    const configs = summarise([
      { config: { gogc: 100, memLimitBytes: 0, memLimitLabel: 'none', containerMemoryBytes: 1024 * MiB }, runs: [run(500, 400), run(510, 420)] },
      { config: { gogc: 200, memLimitBytes: 870 * MiB, memLimitLabel: '85%', containerMemoryBytes: 1024 * MiB }, runs: [run(400, 800), run(410, 812)] },
      { config: { gogc: 'off', memLimitBytes: 0, memLimitLabel: 'none', containerMemoryBytes: 1024 * MiB }, runs: [{ wallMs: 90, oomKilled: true, exitCode: 137 }, { wallMs: 95, oomKilled: true, exitCode: 137 }] },
    ]);
    const text = renderSweepText({ target: 'TestChurn', cpus: 2, repeats: 2, configs, recommendation: recommend(configs), createdAt: '', goVersion: 'go1.26.8' });
    const lines = text.split('\n');
    assert.strictEqual(lines[0], 'GC sweep of TestChurn: go1.26.8, 1 GiB, 2 CPUs, 2 runs per configuration (median ± spread)');
    assert.match(lines[2], /^GOGC\s+GOMEMLIMIT\s+CPU ms\s+wall ms\s+peak MiB\s+GCs/);
    assert.match(lines[3], /^100\s+none\s+505 ± 10\s+505 ± 10\s+410 ± 20\s+4\s.*\s0\/2\s+baseline pareto$/);
    assert.match(lines[4], /^200\s+85% \(870MiB\)\s+405 ± 10\s.*\s0\/2\s+pareto$/);
    assert.match(lines[5], /^off\s+none\s+-\s+-\s+-\s.*\s2\/2\s+OOM-KILLED$/);
    assert.match(text, /\nRecommendation \(recommend\): GOGC=200, GOMEMLIMIT=870MiB: 20% less CPU than the default \(405 ms vs 505 ms\), peak 812 MiB of 1 GiB, no OOM in 2 runs\.\n\nApply: GOGC=200 GOMEMLIMIT=870MiB\n$/);
  });
});
