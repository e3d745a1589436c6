/** The sweep's grid and its parsing of GOGC / GOMEMLIMIT values, and the CSV and JSON export. */
import * as assert from 'assert';
import { sweepToCsv, sweepToJson } from '../../../src/core/gc/export';
import { configEnv, summarise, recommend } from '../../../src/core/gc/recommend';
import { buildGrid, describeConfig, memLimitBytes, parseGogc, targetArgs } from '../../../src/core/gc/sweep';
import type { GcSweepResult } from '../../../src/shared/gc';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('gc sweep grid', () => {
  it('parses GOGC values', () => {
    assert.strictEqual(parseGogc('200'), 200);
    assert.strictEqual(parseGogc(' OFF '), 'off');
    assert.strictEqual(parseGogc('-1'), undefined);
    assert.strictEqual(parseGogc('1.5'), undefined);
  });

  it('turns GOMEMLIMIT values into bytes of whole MiB', () => {
    assert.strictEqual(memLimitBytes('none', GiB), 0);
    assert.strictEqual(memLimitBytes('70%', GiB), 716 * MiB);
    assert.strictEqual(memLimitBytes('85%', GiB), 870 * MiB);
    assert.strictEqual(memLimitBytes('870MiB', GiB), 870 * MiB);
    assert.strictEqual(memLimitBytes('1g', 512 * MiB), GiB);
    assert.strictEqual(memLimitBytes('lots', GiB), undefined);
    assert.strictEqual(memLimitBytes('0%', GiB), undefined);
  });

  it('builds container x GOGC x GOMEMLIMIT, percentages per container limit, baseline always in', () => {
    const g = buildGrid([512 * MiB, GiB], [200, 'off'], ['none', '50%']);
    assert.deepStrictEqual(
      g.map((c) => `${c.containerMemoryBytes / MiB} ${c.gogc} ${c.memLimitLabel} ${c.memLimitBytes / MiB}`),
      ['512 100 none 0', '512 200 none 0', '512 200 50% 256', '512 off none 0', '512 off 50% 256', '1024 100 none 0', '1024 200 none 0', '1024 200 50% 512', '1024 off none 0', '1024 off 50% 512'],
    );
    assert.strictEqual(buildGrid([GiB], [100], ['none']).length, 1);
    assert.strictEqual(buildGrid([GiB], [50], ['none'], false).length, 1);
    assert.throws(() => buildGrid([GiB], [100], ['bogus']), /bogus/);
  });

  it('names configurations and their environment as a user would set them', () => {
    const [c] = buildGrid([GiB], [200], ['85%'], false);
    assert.deepStrictEqual(configEnv(c), { GOGC: '200', GOMEMLIMIT: '870MiB' });
    assert.strictEqual(describeConfig(c), 'GOGC=200 GOMEMLIMIT=85% (870MiB), container 1 GiB');
    assert.deepStrictEqual(configEnv(buildGrid([GiB], ['off'], ['none'], false)[0]), { GOGC: 'off' });
  });

  it('runs the built test binary with the target flags', () => {
    assert.deepStrictEqual(targetArgs({ kind: 'bench', pattern: 'Churn', benchtime: '100x' }), ['-test.run', '^$', '-test.bench', 'Churn', '-test.benchmem', '-test.benchtime', '100x']);
    assert.deepStrictEqual(targetArgs({ kind: 'test', pattern: 'TestX' }), ['-test.run', 'TestX']);
    assert.deepStrictEqual(targetArgs({ kind: 'main', args: ['-live', '10'] }), ['-live', '10']);
  });
});

describe('gc sweep export', () => {
  const configs = summarise([
    { config: { gogc: 100, memLimitBytes: 0, memLimitLabel: 'none', containerMemoryBytes: GiB }, runs: [{ wallMs: 10, cpuMs: 8, peakBytes: 100, oomKilled: false, exitCode: 0, gcCycles: 3 }, { wallMs: 12, cpuMs: 9.5, peakBytes: 120, oomKilled: false, exitCode: 0, gcCycles: 3 }] },
    { config: { gogc: 'off', memLimitBytes: 0, memLimitLabel: 'none', containerMemoryBytes: GiB }, runs: [{ wallMs: 5, oomKilled: true, exitCode: 137 }] },
    { config: { gogc: 50, memLimitBytes: 870 * MiB, memLimitLabel: 'odd,"label"', containerMemoryBytes: GiB }, runs: [{ wallMs: 15, cpuMs: 12, peakBytes: 90, oomKilled: false, exitCode: 0 }] },
  ]);
  const result: GcSweepResult = { target: 'TestX in .', cpus: 2, repeats: 2, configs, recommendation: recommend(configs), createdAt: '2026-11-29T10:00:00.000Z' };

  it('writes one CSV row per configuration: settings, median and spread of each metric, OOMs', () => {
    const lines = sweepToCsv(result).split('\r\n');
    assert.strictEqual(lines.at(-1), '');
    const header = lines[0].split(',');
    assert.deepStrictEqual(header.slice(0, 10), ['container_memory_bytes', 'gogc', 'gomemlimit', 'gomemlimit_bytes', 'runs', 'ooms', 'baseline', 'pareto', 'wallMs_median', 'wallMs_spread']);
    const row = (i: number) => Object.fromEntries(lines[i].split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((v, j) => [header[j], v]));
    const base = row(1);
    assert.strictEqual(base.gogc, '100');
    assert.strictEqual(base.cpuMs_median, '8.75');
    assert.strictEqual(base.cpuMs_spread, '1.5');
    assert.strictEqual(base.gcCycles_median, '3');
    assert.strictEqual(base.nsPerOp_median, '');
    assert.strictEqual(base.baseline, 'true');
    const oom = row(2);
    assert.strictEqual(oom.ooms, '1');
    assert.strictEqual(oom.wallMs_median, '');
    assert.strictEqual(row(3).gomemlimit, '"odd,""label"""');
    assert.strictEqual(lines.length, 5);
  });

  it('writes the whole result as JSON that reads back the same', () => {
    assert.deepStrictEqual(JSON.parse(sweepToJson(result)), JSON.parse(JSON.stringify(result)));
  });
});
