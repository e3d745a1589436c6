import * as assert from 'assert';
import { byteUnit, chartModel, niceScale, OOM_GAP, paretoOrder, project, runRange, spreadOverlaps, timeMetric, type ChartPoint } from '../../../src/webview/gcreport/chart';
import { syntheticSweep } from './synthetic';

const MiB = 1024 * 1024;

describe('gc report chart model', () => {
  it('projects linearly, including inverted ranges (SVG y grows downwards)', () => {
    const s = { domain: [0, 100] as [number, number], range: [300, 0] as [number, number], ticks: [] };
    assert.strictEqual(project(s, 0), 300);
    assert.strictEqual(project(s, 100), 0);
    assert.strictEqual(project(s, 25), 225);
  });

  it('picks round domains and ticks', () => {
    const s = niceScale(3.2, 97, [0, 100]);
    assert.deepStrictEqual(s.domain, [0, 100]);
    assert.deepStrictEqual(s.ticks, [0, 20, 40, 60, 80, 100]);
    const f = niceScale(0.1, 0.34, [0, 1]);
    // No float residue (0.30000000000000004) in ticks or domain: they are printed.
    assert.deepStrictEqual(f.ticks, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    assert.deepStrictEqual(f.domain, [0.1, 0.35]);
    assert.deepStrictEqual(niceScale(4100, 4480, [0, 1]).ticks, [4100, 4200, 4300, 4400, 4500]);
    // One value: widened around it.
    const one = niceScale(50, 50, [0, 1]);
    assert.ok(one.domain[0] < 50 && one.domain[1] > 50);
  });

  it('ticks memory on whole MiB', () => {
    assert.strictEqual(byteUnit(600 * MiB), MiB);
    assert.strictEqual(byteUnit(1500), 1);
    const s = niceScale(0, 600 * MiB, [0, 1], byteUnit(600 * MiB));
    for (const t of s.ticks) assert.strictEqual(t % MiB, 0);
    assert.ok(s.domain[1] >= 600 * MiB);
  });

  it('uses CPU time when every completed configuration has it, else wall time', () => {
    assert.strictEqual(timeMetric(syntheticSweep()), 'cpuMs');
    assert.strictEqual(timeMetric(syntheticSweep({ cpu: false })), 'wallMs');
  });

  it('takes error bars from the completed runs, or centres the spread without them', () => {
    const cr = syntheticSweep().configs[0];
    const r = runRange(cr, 'peakBytes');
    assert.ok(r);
    assert.strictEqual(r[1] - r[0], cr.stats.peakBytes?.spread);
    const summarised = { ...cr, runs: [] };
    assert.deepStrictEqual(runRange(summarised, 'peakBytes'), [(cr.stats.peakBytes?.median ?? 0) - (cr.stats.peakBytes?.spread ?? 0) / 2, (cr.stats.peakBytes?.median ?? 0) + (cr.stats.peakBytes?.spread ?? 0) / 2]);
  });

  it('places one point per configuration, OOM-killed ones in the band above the plot', () => {
    const result = syntheticSweep({ seed: 5 });
    const m = chartModel(result, 720, 360);
    assert.strictEqual(m.points.length, result.configs.length);
    const oom = m.points.filter((p) => p.oom);
    assert.ok(oom.length > 0);
    for (const p of oom) assert.ok(p.y < m.plot.top, 'OOM point inside the plot');
    for (const p of m.points.filter((q) => !q.oom)) {
      assert.ok(p.x >= m.plot.left && p.x <= m.plot.right, `x ${p.x} outside the plot`);
      assert.ok(p.y >= m.plot.top && p.y <= m.plot.bottom, `y ${p.y} outside the plot`);
    }
    assert.strictEqual(m.points.filter((p) => p.baseline).length, 1);
    assert.match(m.points.find((p) => p.baseline)?.label ?? '', /^GOGC=100: CPU .* baseline/);
    // The container limit is a vertical line inside the plot, right of every completed peak.
    assert.strictEqual(m.limits.length, 1);
    assert.strictEqual(m.limits[0].label, 'container 512 MiB');
    for (const p of m.points.filter((q) => !q.oom)) assert.ok(p.x < m.limits[0].x);
  });

  it('joins the Pareto front left to right, without OOM-killed configurations', () => {
    const pts = [
      { x: 30, y: 1, pareto: true, oom: false },
      { x: 10, y: 5, pareto: true, oom: false },
      { x: 20, y: 2, pareto: true, oom: false },
      { x: 15, y: 9, pareto: false, oom: false },
      { x: 5, y: 0, pareto: true, oom: true },
    ];
    assert.deepStrictEqual(paretoOrder(pts).map((p) => p.x), [10, 20, 30]);
    const m = chartModel(syntheticSweep({ seed: 5 }), 720, 360);
    const xs = m.pareto.map(([x]) => x);
    assert.deepStrictEqual(xs, [...xs].sort((a, b) => a - b));
    assert.ok(m.pareto.length >= 2);
    // Along the front, more memory buys less time: y (inverted) never rises.
    for (let i = 1; i < m.pareto.length; i++) assert.ok(m.pareto[i][1] >= m.pareto[i - 1][1]);
  });

  it('spreads OOM crosses that would overlap apart, in order', () => {
    const at = (index: number, x: number): ChartPoint => ({ index, x, y: 0, oom: true, pareto: false, baseline: false, label: '', lines: [] });
    const pts = [at(0, 500), at(1, 500), at(2, 100), at(3, 505)];
    spreadOverlaps(pts);
    assert.deepStrictEqual(pts.map((p) => p.x), [502.5 - OOM_GAP, 502.5, 100, 502.5 + OOM_GAP]);
    const m = chartModel(syntheticSweep({ seed: 5 }), 720, 360);
    const crosses = m.points.filter((p) => p.oom).map((p) => p.x).sort((a, b) => a - b);
    for (let i = 1; i < crosses.length; i++) assert.ok(crosses[i] - crosses[i - 1] >= OOM_GAP - 1e-9);
  });

  it('copes with an empty sweep and leaves out a configuration that measured nothing', () => {
    const empty = chartModel({ ...syntheticSweep(), configs: [] }, 720, 360);
    assert.deepStrictEqual(empty.points, []);
    assert.deepStrictEqual(empty.pareto, []);
    assert.ok(empty.x.ticks.length > 0 && empty.y.ticks.length > 0);
    const r = syntheticSweep();
    const crashed = { ...r.configs[0], stats: {}, ooms: 0, pareto: false, runs: r.configs[0].runs.map((run) => ({ wallMs: run.wallMs, oomKilled: false, exitCode: 2 })) };
    const m = chartModel({ ...r, configs: [crashed, ...r.configs.slice(1)] }, 720, 360);
    assert.strictEqual(m.points.length, r.configs.length - 1);
    assert.ok(!m.points.some((p) => p.index === 0));
    for (const p of m.points) assert.ok(Number.isFinite(p.x) && Number.isFinite(p.y));
  });

  it('draws one limit line per distinct container size', () => {
    const m = chartModel(syntheticSweep({ containerMemoryBytes: [512 * MiB, 1024 * MiB] }), 720, 360);
    assert.deepStrictEqual(m.limits.map((l) => l.label), ['container 512 MiB', 'container 1 GiB']);
  });
});
