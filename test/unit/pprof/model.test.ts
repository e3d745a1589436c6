/** The flame graph model on real Go profiles: shape, invariants, and committed snapshots. */
import * as assert from 'assert';
import { type FlameProfile, selfValues } from '../../../src/shared/flame';
import { checkInvariants, load, matchSnapshot, PROFILES, renderTree, tiny } from './support';

function fn(flame: FlameProfile, name: string): number {
  const i = flame.functions.findIndex((f) => f.name === name);
  assert.ok(i >= 0, `function ${name} in the profile`);
  return i;
}

/** The chain of widest children from the root: the path the eye follows in a flame graph. */
function widestChain(flame: FlameProfile, type = flame.defaultType): string[] {
  const { tree } = flame;
  const out: string[] = [];
  let i = 0;
  while (tree.size[i] > 1) {
    // Children are sorted: the first one is the widest.
    i = i + 1;
    out.push(flame.functions[tree.func[i]].name);
    if (type !== flame.defaultType) break;
  }
  return out;
}

describe('pprof flame model', () => {
  it('merges stacks by function, sums self and total, and sorts children', () => {
    const flame = tiny();
    checkInvariants(flame);
    assert.strictEqual(
      renderTree(flame),
      [
        '# samples/count cpu/nanoseconds default=cpu',
        '<root> total=43 self=0',
        '  main:1 total=43 self=1',
        // a: 10 at line 23 (b inlined there), 5 at 21, 20 at 22 -> 22
        '    a:22 total=35 self=25',
        '      b:31 total=10 self=10',
        '    c:41 total=7 self=0',
        '      a:21 total=7 self=0',
        '        c:41 total=7 self=7',
        '',
      ].join('\n'),
    );
    assert.deepStrictEqual(Array.from(flame.tree.total[0]), [6, 6, 4, 1, 1, 1, 1], 'the samples type too');
  });

  it('holds the FlameTree invariants on every real profile', () => {
    for (const name of PROFILES) checkInvariants(load(name).flame);
  });

  it('cpu: burn is the widest chain under the root, and mix (inlined) is its child', () => {
    const { flame } = load('cpu');
    const chain = widestChain(flame);
    assert.ok(chain.includes('example.com/proflab.burn'), chain.join(' > '));
    const { tree } = flame;
    const burn = fn(flame, 'example.com/proflab.burn');
    const mix = fn(flame, 'example.com/proflab.mix');
    const node = tree.func.indexOf(burn);
    const t = flame.defaultType;
    assert.ok(tree.total[t][node] > 0.8 * tree.total[t][0], 'burn takes most of the CPU');
    const mixNode = tree.func.indexOf(mix);
    assert.ok(mixNode > 0 && tree.parent[mixNode] === node, 'the inlined mix is a child of burn');
    assert.ok(tree.line[node] > flame.functions[burn].startLine, 'burn opens at a line inside it');
    assert.deepStrictEqual(flame.labels, ['phase=alloc', 'phase=burn']);
    assert.ok((flame.durationNanos ?? 0) > 1e9);
  });

  it('heap: allocate dominates alloc_space', () => {
    const { flame } = load('heap');
    assert.strictEqual(flame.sampleTypes[flame.defaultType].type, 'alloc_space');
    const { tree } = flame;
    const allocate = fn(flame, 'example.com/proflab.allocate');
    const t = flame.defaultType;
    const own = selfValues(tree, t);
    const self = tree.func.reduce((s, f, i) => (f === allocate ? s + own[i] : s), 0);
    assert.ok(self > 0.9 * tree.total[t][0], `allocate: ${self} of ${tree.total[t][0]} bytes`);
    assert.ok(widestChain(flame).includes('example.com/proflab.allocate'));
  });

  it('mutex and block: the contention shows where the workload waits', () => {
    const mutex = load('mutex').flame;
    const t = mutex.defaultType;
    const contend = fn(mutex, 'example.com/proflab.contend.func1');
    const node = mutex.tree.func.indexOf(contend);
    assert.ok(mutex.tree.total[t][node] > 0.9 * mutex.tree.total[t][0], 'the delay is under contend');
    assert.ok(mutex.tree.total[0][node] > 10, 'many contentions');
    assert.ok(widestChain(mutex).includes('sync.(*Mutex).Unlock'), 'the mutex profile blames the Unlock that made others wait');

    const block = load('block').flame;
    const recv = fn(block, 'example.com/proflab.waitOnChannel');
    assert.ok(block.tree.total[block.defaultType][block.tree.func.indexOf(recv)] > 0, 'block profile: waitOnChannel waits');
    assert.ok(block.functions.some((f) => f.name === 'sync.(*Mutex).Lock'), 'block profile: the mutex waiters too');
  });

  for (const name of PROFILES) {
    it(`snapshot: ${name}`, () => matchSnapshot(name, renderTree(load(name).flame)));
  }

  it('snapshot comparison fails when the tree changes', () => {
    const { flame } = load('mutex');
    flame.tree.total[flame.defaultType][1] += 1;
    assert.throws(() => matchSnapshot('mutex', renderTree(flame), false), /snapshot mutex differs/);
  });
});
