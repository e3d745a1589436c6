import * as assert from 'assert';
import type { GcSweepResult } from '../../../src/shared/gc';
import { buildRows, columnsFor, gomaxprocsOf, isLoadMessage, loadProblem, nextSort, recommendedIndex, sortRows } from '../../../src/webview/gcreport/model';
import { syntheticSweep } from './synthetic';

const clone = (r: GcSweepResult): GcSweepResult => JSON.parse(JSON.stringify(r)) as GcSweepResult;

describe('gc report model', () => {
  const result = syntheticSweep({ seed: 3 });

  it('accepts a well-formed load message', () => {
    assert.strictEqual(loadProblem({ type: 'load', result }), undefined);
    // It survives the structured clone postMessage does.
    assert.strictEqual(loadProblem({ type: 'load', result: clone(result) }), undefined);
    assert.ok(isLoadMessage({ type: 'load' }));
    assert.ok(!isLoadMessage({ type: 'other' }));
    assert.ok(!isLoadMessage('load'));
  });

  it('says what is wrong with a malformed load message', () => {
    assert.match(loadProblem({ type: 'load' }) ?? '', /no result/);
    assert.match(loadProblem({ type: 'load', result: { ...result, configs: 'x' } }) ?? '', /no list of configurations/);
    const badGogc = clone(result);
    (badGogc.configs[2].config as unknown as Record<string, unknown>).gogc = 'lots';
    assert.match(loadProblem({ type: 'load', result: badGogc }) ?? '', /configuration 3 config has no GOGC/);
    const badStat = clone(result);
    (badStat.configs[0].stats as Record<string, unknown>).wallMs = { median: 'x' };
    assert.match(loadProblem({ type: 'load', result: badStat }) ?? '', /configuration 1 has a stat wallMs/);
    assert.match(loadProblem({ type: 'load', result: { ...result, repeats: undefined } }) ?? '', /no CPU or repeat count/);
    const badKind = clone(result);
    (badKind.recommendation as unknown as Record<string, unknown>).kind = 'maybe';
    assert.match(loadProblem({ type: 'load', result: badKind }) ?? '', /no recommendation/);
  });

  it('finds the recommended configuration by its settings, not its label', () => {
    const i = recommendedIndex(result);
    assert.ok(i >= 0);
    assert.strictEqual(result.configs[i].config.gogc, 400);
    const relabelled = clone(result);
    if (relabelled.recommendation.config) relabelled.recommendation.config.memLimitLabel = '435MiB';
    assert.strictEqual(recommendedIndex(relabelled), i);
    assert.strictEqual(recommendedIndex({ ...result, recommendation: { kind: 'noise', reason: 'x' } }), -1);
    const missing = clone(result);
    if (missing.recommendation.config) missing.recommendation.config.gogc = 12345;
    assert.strictEqual(recommendedIndex(missing), -1);
  });

  it('shows benchmark columns only when a configuration has them, GOMAXPROCS beside GC CPU', () => {
    const keys = columnsFor(result).map((c) => c.key);
    assert.deepStrictEqual(keys, ['gogc', 'memLimit', 'container', 'wallMs', 'cpuMs', 'peakBytes', 'gcCycles', 'gcPauseTotalMs', 'gcPauseMaxMs', 'gcCpuFraction', 'gomaxprocs', 'ooms']);
    const bench = columnsFor(syntheticSweep({ bench: true })).map((c) => c.key);
    assert.deepStrictEqual(bench.slice(-4), ['nsPerOp', 'bytesPerOp', 'allocsPerOp', 'ooms']);
  });

  it('builds one row per configuration with formatted cells and OOMs counted', () => {
    const rows = buildRows(result);
    assert.strictEqual(rows.length, result.configs.length);
    const base = rows.find((r) => r.result.baseline);
    assert.ok(base);
    assert.strictEqual(base.cells.gogc, '100');
    assert.strictEqual(base.cells.memLimit, 'none');
    assert.strictEqual(base.cells.container, '512 MiB');
    assert.match(base.cells.wallMs ?? '', /^[\d.]+ (ms|s) ± [\d.]+ (ms|s)$/);
    assert.strictEqual(base.cells.gomaxprocs, '4');
    const oom = rows.find((r) => r.result.config.gogc === 'off' && r.result.config.memLimitBytes === 0);
    assert.ok(oom);
    assert.strictEqual(oom.cells.ooms, '5/5 OOM-killed');
    assert.strictEqual(oom.cells.wallMs, '—');
  });

  it('reports GOMAXPROCS as one value, a range, or nothing', () => {
    assert.deepStrictEqual(gomaxprocsOf([{ wallMs: 1, oomKilled: false, exitCode: 0, gomaxprocs: 2 }]), { min: 2, max: 2 });
    assert.deepStrictEqual(gomaxprocsOf([{ wallMs: 1, oomKilled: false, exitCode: 0, gomaxprocs: 4 }, { wallMs: 1, oomKilled: false, exitCode: 0, gomaxprocs: 2 }]), { min: 2, max: 4 });
    assert.strictEqual(gomaxprocsOf([{ wallMs: 1, oomKilled: false, exitCode: 0 }]), undefined);
  });

  it('sorts by a column both ways, unknown values last, ties in sweep order', () => {
    const rows = buildRows(result);
    const asc = sortRows(rows, { column: 'cpuMs', descending: false });
    const desc = sortRows(rows, { column: 'cpuMs', descending: true });
    const known = (rs: typeof rows) => rs.filter((r) => r.sortKeys.cpuMs !== undefined).map((r) => r.sortKeys.cpuMs as number);
    assert.deepStrictEqual(known(asc), [...known(asc)].sort((a, b) => a - b));
    assert.deepStrictEqual(known(desc), [...known(asc)].reverse());
    // OOM-killed configurations measured no CPU: last both ways.
    assert.strictEqual(asc[asc.length - 1].sortKeys.cpuMs, undefined);
    assert.strictEqual(desc[desc.length - 1].sortKeys.cpuMs, undefined);
    // GOGC=off after every percentage.
    const byGogc = sortRows(rows, { column: 'gogc', descending: false }).map((r) => r.cells.gogc);
    assert.deepStrictEqual(byGogc, ['50', '50', '100', '100', '200', '200', '400', '400', 'off', 'off']);
    // Ties keep the sweep's order (index ascending).
    const ties = sortRows(rows, { column: 'gomaxprocs', descending: true }).map((r) => r.index);
    assert.deepStrictEqual(ties, rows.map((r) => r.index));
    assert.deepStrictEqual(sortRows(rows, undefined).map((r) => r.index), rows.map((r) => r.index));
  });

  it('flips the direction when the same header is clicked again', () => {
    const a = nextSort(undefined, 'wallMs');
    assert.deepStrictEqual(a, { column: 'wallMs', descending: false });
    assert.deepStrictEqual(nextSort(a, 'wallMs'), { column: 'wallMs', descending: true });
    assert.deepStrictEqual(nextSort(a, 'peakBytes'), { column: 'peakBytes', descending: false });
  });
});
