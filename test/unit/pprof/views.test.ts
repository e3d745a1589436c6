/** Top table (checked against `go tool pprof -top`), sandwich, diff and per-line costs. */
import * as assert from 'assert';
import { diffFlameProfiles } from '../../../src/core/pprof/diff';
import { lineCosts } from '../../../src/core/pprof/lines';
import { sandwich } from '../../../src/core/pprof/sandwich';
import { topFunctions } from '../../../src/core/pprof/top';
import type { FlameProfile } from '../../../src/shared/flame';
import { checkInvariants, load, PROFILES, pprofTop, renderTree, tiny } from './support';

function fn(flame: FlameProfile, name: string): number {
  const i = flame.functions.findIndex((f) => f.name === name);
  assert.ok(i >= 0, `function ${name} in the profile`);
  return i;
}

describe('pprof views', () => {
  for (const name of PROFILES) {
    it(`top: flat and cum equal go tool pprof -top on ${name}`, function () {
      this.timeout(30_000);
      const { flame } = load(name);
      const ours = new Map(topFunctions(flame, flame.defaultType).map((e) => [e.name, e]));
      const theirs = pprofTop(name, 10);
      assert.ok(theirs.length >= 2);
      for (const row of theirs) {
        const e = ours.get(row.name);
        assert.ok(e, `${row.name} in our top`);
        assert.ok(Math.abs(e.flat - row.flat) <= row.flatTol, `${row.name} flat: ours ${e.flat}, pprof ${row.flat}`);
        assert.ok(Math.abs(e.cum - row.cum) <= row.cumTol, `${row.name} cum: ours ${e.cum}, pprof ${row.cum}`);
      }
      // pprof lists by flat, leaving out nodes under 0.5% cum: ranks agree while flat is large.
      const top = topFunctions(flame, flame.defaultType, theirs.length);
      const big = theirs.filter((r) => r.flat > 0.01 * flame.tree.total[flame.defaultType][0]);
      assert.ok(big.length >= 1);
      big.forEach((r, i) => assert.ok(Math.abs(top[i].flat - r.flat) <= r.flatTol, `rank ${i}: ours ${top[i].name}, pprof ${r.name}`));
    });
  }

  it('top: names, files, lines and percentages', () => {
    const { flame } = load('cpu');
    const [first] = topFunctions(flame, flame.defaultType, 1);
    assert.strictEqual(first.name, 'example.com/proflab.burn');
    assert.ok(first.file.endsWith('/workload.go'));
    assert.ok(first.line > 0);
    assert.ok(first.flatPercent > 50 && first.flatPercent <= first.cumPercent && first.cumPercent <= 100);
    const all = topFunctions(flame, 0);
    assert.ok(all.length > 10);
    assert.ok(all.every((e) => e.cum >= e.flat));
  });

  it('top: recursion counts once per stack in cum', () => {
    // tiny(): main -> c -> a -> c (7), main -> a (25 self) -> b (10), main self 1.
    const flame = tiny();
    const top = new Map(topFunctions(flame, 1).map((e) => [e.name, e]));
    assert.deepStrictEqual(
      ['main', 'a', 'b', 'c'].map((n) => [n, top.get(n)?.flat, top.get(n)?.cum]),
      [
        ['main', 1, 43],
        ['a', 25, 42],
        ['b', 10, 10],
        ['c', 7, 7],
      ],
    );
    assert.deepStrictEqual(
      topFunctions(flame, 1, 2).map((e) => e.name),
      ['a', 'b'],
    );
  });

  it('sandwich: a recursive function is taken at its outermost call', () => {
    const flame = tiny();
    const s = sandwich(flame, flame.functions.findIndex((f) => f.name === 'c'));
    checkInvariants(flame, s.callees);
    checkInvariants(flame, s.callers);
    assert.strictEqual(
      renderTree(flame, s.callees),
      ['# samples/count cpu/nanoseconds default=cpu', '<root> total=7 self=0', '  c:41 total=7 self=0', '    a:21 total=7 self=0', '      c:41 total=7 self=7', ''].join('\n'),
    );
    assert.strictEqual(renderTree(flame, s.callers), ['# samples/count cpu/nanoseconds default=cpu', '<root> total=7 self=0', '  c:41 total=7 self=0', '    main:1 total=7 self=7', ''].join('\n'));
  });

  it('sandwich: callers and callees of burn', () => {
    const { flame } = load('cpu');
    const burn = fn(flame, 'example.com/proflab.burn');
    const s = sandwich(flame, burn);
    checkInvariants(flame, s.callers);
    checkInvariants(flame, s.callees);
    const t = flame.defaultType;
    const cum = topFunctions(flame, t).find((e) => e.func === burn)?.cum;
    assert.strictEqual(s.callees.total[t][0], cum, 'callees: all of burn');
    assert.strictEqual(s.callers.total[t][0], cum, 'callers: all of burn');
    const callerChain = Array.from(s.callers.func.subarray(1, 5), (f) => flame.functions[f].name);
    assert.deepStrictEqual(callerChain, ['example.com/proflab.burn', 'example.com/proflab.Run.func1', 'runtime/pprof.Do', 'example.com/proflab.Run']);
    const callees = new Set(Array.from(s.callees.func.subarray(2), (f) => flame.functions[f].name));
    assert.ok(callees.has('example.com/proflab.mix'), [...callees].join(', '));
    assert.strictEqual(
      renderTree(flame, s.callees).split('\n')[2].trim().split(' ')[0].replace(/:\d+$/, ''),
      'example.com/proflab.burn',
    );
  });

  it('diff: a profile against itself has baseTotal = total everywhere', () => {
    const { flame } = load('cpu');
    const d = diffFlameProfiles(flame, load('cpu').flame);
    assert.ok(d.tree.baseTotal);
    assert.strictEqual(d.baseTitle, 'cpu');
    for (let t = 0; t < flame.sampleTypes.length; t++)
      for (let i = 0; i < flame.tree.func.length; i++) assert.ok(Math.abs(d.tree.baseTotal[t][i] - flame.tree.total[t][i]) < 1e-6, `type ${t} node ${i}`);
  });

  it('diff: normalised to the current root, matched by function path', () => {
    const cur = load('block').flame;
    const base = load('block').flame;
    base.title = 'base';
    // Double the base: normalisation must cancel it.
    for (const a of base.tree.total) for (let i = 0; i < a.length; i++) a[i] *= 2;
    // Remove waitOnChannel from the base by renaming it: its node gets no base value.
    base.functions = base.functions.map((f) => (f.name === 'example.com/proflab.waitOnChannel' ? { ...f, name: 'other' } : f));
    const d = diffFlameProfiles(cur, base);
    const bt = d.tree.baseTotal;
    assert.ok(bt);
    const t = cur.defaultType;
    assert.strictEqual(bt[t][0], cur.tree.total[t][0], 'roots equal after scaling');
    const w = cur.tree.func.indexOf(fn(cur, 'example.com/proflab.waitOnChannel'));
    assert.strictEqual(bt[t][w], 0);
    const contend = cur.tree.func.indexOf(fn(cur, 'example.com/proflab.contend.func1'));
    assert.ok(Math.abs(bt[t][contend] - cur.tree.total[t][contend]) < 1e-6);
    assert.strictEqual(d.baseTitle, 'base');
    assert.strictEqual(d.title, 'block');
  });

  it('lines: flat cost at the leaf line, cum once per stack', () => {
    const { profile, flame } = load('cpu');
    const costs = lineCosts(profile);
    const burn = flame.functions[fn(flame, 'example.com/proflab.burn')];
    const file = costs.get(burn.file);
    assert.ok(file, 'workload.go has costs');
    const t = profile.defaultType;
    let flat = 0;
    let best = 0;
    let bestLine = 0;
    for (const [line, c] of file) {
      flat += c.flat[t];
      assert.ok(c.cum[t] >= c.flat[t]);
      if (c.flat[t] > best) [best, bestLine] = [c.flat[t], line];
    }
    const top = topFunctions(flame, t);
    const inFile = top.filter((e) => e.file === burn.file).reduce((s, e) => s + e.flat, 0);
    assert.strictEqual(flat, inFile, "a file's flat lines sum to its functions' flat");
    assert.ok(bestLine > burn.startLine && bestLine < burn.startLine + 15, `the hottest line ${bestLine} is in burn`);
    // Run's call line carries the whole of what Run does (cum), nothing flat.
    const run = flame.functions[fn(flame, 'example.com/proflab.Run')];
    const runCum = top.find((e) => e.name === run.name)?.cum ?? 0;
    const runLines = [...file].filter(([l]) => l >= run.startLine && l < run.startLine + 12);
    assert.ok(runLines.some(([, c]) => c.cum[t] > 0.9 * runCum * 0.9));
  });
});
