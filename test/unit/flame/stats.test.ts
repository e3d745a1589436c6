import * as assert from 'assert';
import { viewOf, type ViewTree } from '../../../src/webview/flame/layout';
import { compileSearch, diffBucket, diffScale, matchedTotal, matchFunctions, sandwich, sortTop, topFunctions } from '../../../src/webview/flame/stats';
import { funcIndex, smallProfile } from './fixtures';
import { profileFromStacks, randomProfile } from './synthetic';

/** A tree as nested text, `name total/self` per node, for readable expectations. */
function dump(t: ViewTree, names: readonly { name: string }[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < t.parent.length; i++) {
    const f = t.func[i];
    out.push(`${'  '.repeat(t.depth[i])}${f >= 0 ? names[f].name : 'root'} ${t.total[i]}/${t.self[i]}`);
  }
  return out;
}

describe('flame search', () => {
  const p = smallProfile();
  const t = viewOf(p.tree, 0);
  const pct = (re: string): number => matchedTotal(t, matchFunctions(p.functions, compileSearch(re).regex as RegExp));

  it('sums the stacks containing a match, each stack once', () => {
    assert.strictEqual(pct('main\\.b'), 25);
    // main.a, main.b and main.c are all inside main.main: counted once.
    assert.strictEqual(pct('^main'), 65);
    assert.strictEqual(pct('main\\.a|main\\.c'), 45);
    assert.strictEqual(pct('gc|main.c'), 65);
    assert.strictEqual(pct('nothing'), 0);
  });

  it('is case-insensitive and reports an invalid regex', () => {
    assert.strictEqual(pct('MAIN\\.B'), 25);
    const bad = compileSearch('main(');
    assert.strictEqual(bad.regex, undefined);
    assert.match(bad.error ?? '', /Invalid regular expression|Unterminated group/);
    assert.deepStrictEqual(compileSearch(''), { regex: undefined });
  });

  it('can be counted inside a zoomed subtree', () => {
    const f = matchFunctions(p.functions, /main\.b/i);
    const a = [...t.func].indexOf(funcIndex(p, 'main.a'));
    assert.strictEqual(matchedTotal(t, f, a), 5);
  });
});

describe('flame top functions', () => {
  it('computes flat (self) and cum (outermost total) per function', () => {
    const p = smallProfile();
    const rows = topFunctions(viewOf(p.tree, 0), p.functions.length);
    const by = Object.fromEntries(rows.map((r) => [p.functions[r.func].name, [r.flat, r.cum]]));
    assert.deepStrictEqual(by, {
      'main.main': [0, 65],
      'main.a': [10, 45],
      'main.b': [25, 25],
      'main.c': [30, 30],
      'runtime.gc': [35, 35],
    });
  });

  it('does not count a recursive function twice in cum', () => {
    const p = profileFromStacks([
      [['f', 'g', 'f', 'h'], [10]],
      [['f', 'g', 'f'], [4]],
      [['g'], [1]],
    ]);
    const rows = topFunctions(viewOf(p.tree, 0), p.functions.length);
    const by = Object.fromEntries(rows.map((r) => [p.functions[r.func].name, [r.flat, r.cum]]));
    assert.deepStrictEqual(by, { f: [4, 14], g: [1, 15], h: [10, 10] });
  });

  it('sorts by a column either way, ties by name', () => {
    const p = smallProfile();
    const rows = topFunctions(viewOf(p.tree, 0), p.functions.length);
    const names = (): string[] => rows.map((r) => p.functions[r.func].name);
    sortTop(rows, p.functions, 'flat', true);
    assert.deepStrictEqual(names(), ['runtime.gc', 'main.c', 'main.b', 'main.a', 'main.main']);
    sortTop(rows, p.functions, 'cum', false);
    assert.deepStrictEqual(names(), ['main.b', 'main.c', 'runtime.gc', 'main.a', 'main.main']);
    sortTop(rows, p.functions, 'name', false);
    assert.deepStrictEqual(names(), ['main.a', 'main.b', 'main.c', 'main.main', 'runtime.gc']);
  });

  it('matches the tree on a large random profile: flat sums to the root total', () => {
    const p = randomProfile({ nodes: 20_000, seed: 5 });
    const t = viewOf(p.tree, 1);
    const rows = topFunctions(t, p.functions.length);
    const flat = rows.reduce((s, r) => s + r.flat, 0);
    assert.ok(Math.abs(flat - t.total[0]) < 1e-6 * t.total[0]);
    for (const r of rows) assert.ok(r.cum >= r.flat && r.cum <= t.total[0]);
  });
});

describe('flame sandwich', () => {
  const p = smallProfile();
  const t = viewOf(p.tree, 0);

  it('inverts the callers of a function (root = the function) and merges its callees', () => {
    const s = sandwich(t, funcIndex(p, 'main.b'));
    assert.deepStrictEqual(dump(s.callers, p.functions), ['main.b 25/0', '  main.main 20/20', '  main.a 5/0', '    main.main 5/5']);
    assert.deepStrictEqual(dump(s.callees, p.functions), ['main.b 25/25']);
    const a = sandwich(t, funcIndex(p, 'main.a'));
    assert.deepStrictEqual(dump(a.callees, p.functions), ['main.a 45/10', '  main.c 30/30', '  main.b 5/5']);
    assert.deepStrictEqual(dump(a.callers, p.functions), ['main.a 45/0', '  main.main 45/45']);
  });

  it('counts only the outermost call of a recursive function', () => {
    const q = profileFromStacks([
      [['f', 'g', 'f', 'h'], [10]],
      [['k', 'f'], [2]],
    ]);
    const s = sandwich(viewOf(q.tree, 0), funcIndex(q, 'f'));
    assert.deepStrictEqual(dump(s.callees, q.functions), ['f 12/2', '  g 10/0', '    f 10/0', '      h 10/10']);
    assert.deepStrictEqual(dump(s.callers, q.functions), ['f 12/10', '  k 2/2']);
  });

  it('produces well-formed preorder trees (sizes, depths, decreasing children)', () => {
    const r = randomProfile({ nodes: 5000, seed: 9 });
    const v = viewOf(r.tree, 1);
    const f = r.tree.func[1];
    for (const tree of Object.values(sandwich(v, f))) {
      const n = tree.parent.length;
      assert.strictEqual(tree.size[0], n);
      for (let i = 1; i < n; i++) {
        assert.ok(tree.parent[i] < i);
        assert.strictEqual(tree.depth[i], tree.depth[tree.parent[i]] + 1);
        const next = i + tree.size[i];
        if (next < n && tree.parent[next] === tree.parent[i]) assert.ok(tree.total[next] <= tree.total[i]);
      }
    }
  });
});

describe('flame diff scale', () => {
  it('is positive when a frame grew, negative when it shrank, relative to the larger value', () => {
    assert.strictEqual(diffScale(200, 100), 0.5);
    assert.strictEqual(diffScale(100, 200), -0.5);
    assert.strictEqual(diffScale(10, 0), 1);
    assert.strictEqual(diffScale(0, 10), -1);
    assert.strictEqual(diffScale(0, 0), 0);
    assert.strictEqual(diffScale(1000, 995), 0, 'changes under 1% are noise');
  });

  it('buckets the scale into discrete shades', () => {
    assert.strictEqual(diffBucket(0, 6), 0);
    assert.strictEqual(diffBucket(0.01, 6), 1);
    assert.strictEqual(diffBucket(-0.5, 6), 3);
    assert.strictEqual(diffBucket(1, 6), 6);
  });
});
