import * as assert from 'assert';
import { children, depthAt, frameOf, hitTest, layout, pathTo, ROW_HEIGHT, rowY, sibling, viewOf, type Layout } from '../../../src/webview/flame/layout';
import { nodeAt, smallProfile } from './fixtures';
import { profileFromStacks, randomProfile } from './synthetic';

/** The frame of `node` as [x, w, depth], or undefined when it is not drawn. */
function frame(l: Layout, node: number): [number, number, number] | undefined {
  const i = frameOf(l, node);
  return i < 0 ? undefined : [l.x[i], l.w[i], l.depth[i]];
}

describe('flame layout', () => {
  const p = smallProfile();
  const t = viewOf(p.tree, 0);
  const mm = nodeAt(p, 'main.main');
  const a = nodeAt(p, 'main.main', 'main.a');
  const c = nodeAt(p, 'main.main', 'main.a', 'main.c');
  const ab = nodeAt(p, 'main.main', 'main.a', 'main.b');
  const b = nodeAt(p, 'main.main', 'main.b');
  const gc = nodeAt(p, 'runtime.gc');

  it('gives each frame a width proportional to its total, children left to right by decreasing total', () => {
    const l = layout(t, 0, 100);
    assert.strictEqual(l.count, 7);
    assert.deepStrictEqual(frame(l, 0), [0, 100, 0]);
    assert.deepStrictEqual(frame(l, mm), [0, 65, 1]);
    assert.deepStrictEqual(frame(l, gc), [65, 35, 1]);
    assert.deepStrictEqual(frame(l, a), [0, 45, 2]);
    assert.deepStrictEqual(frame(l, b), [45, 20, 2]);
    assert.deepStrictEqual(frame(l, c), [0, 30, 3]);
    assert.deepStrictEqual(frame(l, ab), [30, 5, 3]);
    assert.strictEqual(l.maxDepth, 3);
  });

  it('zoomed: the frame and its ancestors fill the width, siblings are gone', () => {
    const l = layout(t, a, 90);
    assert.deepStrictEqual(frame(l, 0), [0, 90, 0]);
    assert.deepStrictEqual(frame(l, mm), [0, 90, 1]);
    assert.deepStrictEqual(frame(l, a), [0, 90, 2]);
    assert.deepStrictEqual(frame(l, c), [0, 60, 3]);
    assert.deepStrictEqual(frame(l, ab), [60, 10, 3]);
    assert.strictEqual(frame(l, gc), undefined);
    assert.strictEqual(frame(l, b), undefined);
    assert.strictEqual(l.count, 5);
  });

  it('merges frames narrower than half a pixel into one run per row, and skips their subtrees', () => {
    const stacks: Array<[string[], number[]]> = [[['big', 'deep'], [1000]]];
    for (let k = 0; k < 100; k++) stacks.push([['small', `leaf${k}`, 'below'], [1]]);
    const q = profileFromStacks(stacks);
    const l = layout(viewOf(q.tree, 0), 0, 110);
    // root, big, deep, small (100/1100*110 = 10px) and one merged run of the 100 leaves (10px); nothing below them.
    assert.strictEqual(l.count, 5);
    const merged = [...l.node.subarray(0, l.count)].indexOf(-1);
    assert.ok(merged >= 0);
    assert.strictEqual(l.depth[merged], 2);
    assert.ok(Math.abs(l.w[merged] - 10) < 1e-9, `merged width ${l.w[merged]}`);
    assert.ok(Math.abs(l.x[merged] - 100) < 1e-9);
    assert.strictEqual(l.maxDepth, 2);
  });

  it('drops runs that are still narrower than half a pixel', () => {
    const q = profileFromStacks([
      [['big'], [100000]],
      [['tiny'], [1]],
    ]);
    const l = layout(viewOf(q.tree, 0), 0, 100);
    assert.strictEqual(l.count, 2);
  });

  it('finds the frame under a point, per row', () => {
    const l = layout(t, 0, 100);
    assert.strictEqual(l.node[hitTest(l, 1, 64.9)], mm);
    assert.strictEqual(l.node[hitTest(l, 1, 65)], gc);
    assert.strictEqual(l.node[hitTest(l, 3, 32)], ab);
    assert.strictEqual(hitTest(l, 3, 80), -1);
    assert.strictEqual(hitTest(l, 4, 10), -1);
    assert.strictEqual(hitTest(l, -1, 10), -1);
  });

  it('maps rows to y with the root at the bottom (flame) or at the top (icicle)', () => {
    assert.strictEqual(rowY(0, 3, false), 3 * ROW_HEIGHT);
    assert.strictEqual(rowY(0, 3, true), 0);
    assert.strictEqual(depthAt(3 * ROW_HEIGHT + 1, 3, false), 0);
    assert.strictEqual(depthAt(1, 3, false), 3);
    assert.strictEqual(depthAt(1, 3, true), 0);
    assert.strictEqual(depthAt(4 * ROW_HEIGHT, 3, true), -1);
  });

  it('navigates children, siblings and paths', () => {
    assert.deepStrictEqual(children(t, mm), [a, b]);
    assert.strictEqual(sibling(t, a, 1), b);
    assert.strictEqual(sibling(t, b, -1), a);
    assert.strictEqual(sibling(t, b, 1), b);
    assert.strictEqual(sibling(t, 0, 1), 0);
    assert.deepStrictEqual(pathTo(t, c), [0, mm, a, c]);
  });

  it('keeps the work proportional to what is visible on a 100k-node tree', () => {
    const big = randomProfile({ nodes: 100_000, seed: 3 });
    const v = viewOf(big.tree, big.defaultType);
    const start = process.hrtime.bigint();
    const l = layout(v, 0, 1200);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(l.count > 100 && l.count < 50_000, `${l.count} frames`);
    // Every drawn frame is at least half a pixel wide and inside the width.
    for (let i = 0; i < l.count; i++) assert.ok(l.w[i] >= 0.5 && l.x[i] >= -1e-9 && l.x[i] + l.w[i] <= 1200 + 1e-6);
    // Not a timing assertion: printed so a regression is visible in the test log.
    console.log(`      layout of 100k nodes: ${l.count} frames in ${ms.toFixed(1)} ms`);
  });

  it('treats an out-of-range zoom as the root and a zero-total zoom as nothing below it', () => {
    assert.strictEqual(layout(t, 999, 100).count, 7);
    const q = profileFromStacks([[['x'], [1, 0]]], [
      { type: 'a', unit: 'count' },
      { type: 'b', unit: 'count' },
    ]);
    const l = layout(viewOf(q.tree, 1), 0, 100);
    assert.strictEqual(l.count, 1);
  });
});
