/**
 * The sort of the flame model's samples (stackTree.ts): a group per sample from its
 * locations at the sort depths, then places in two passes. The tree does not depend on the
 * order, so the reference tests cannot tell a wrong grouping (only a slower walk would):
 * the order itself is checked here.
 */
import * as assert from 'assert';
import { GroupTable, placeSamples } from '../../../src/core/pprof/stackTree';

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

describe('flame model sample groups', () => {
  for (const distinct of [1, 40, 3000]) {
    it(`groups samples by their three locations, groups in the locations' order, samples in the profile's (${distinct} groups)`, () => {
      const rand = rng(distinct);
      // Triples of 1 + a location (or 0: past the stack's end), locations past 2^16 too.
      const pool = Array.from({ length: distinct }, (_, k) => (k === 0 ? [0, 0, 0] : [1 + Math.floor(rand() * 70_000), Math.floor(rand() * 3), 1 + Math.floor(rand() * 9)]));
      const n = 20_000;
      const key = Array.from({ length: n }, () => pool[Math.floor(rand() * distinct)]);
      const table = new GroupTable();
      const group = Int32Array.from(key, ([x, y, z]) => table.id(x, y, z));
      const rank = table.ranks();
      const size = (s: number): number => 1 + (s % 5);
      const { dest, start, order } = placeSamples(n, { group, rank }, size, (k) => new Int32Array(k).fill(-7));
      assert.ok(order);
      // Same triple, same group; another triple, another group.
      const byKey = new Map<string, number>();
      for (let s = 0; s < n; s++) {
        const k = key[s].join(',');
        const g = byKey.get(k);
        if (g === undefined) byKey.set(k, group[s]);
        else assert.strictEqual(group[s], g, `sample ${s}`);
      }
      assert.strictEqual(new Set(byKey.values()).size, byKey.size, 'a group per distinct triple');
      assert.strictEqual(rank.length, byKey.size);
      // A permutation; dest its inverse; each stack starts where the one before ends.
      assert.deepStrictEqual(Array.from(order).sort((a, b) => a - b), Array.from({ length: n }, (_, s) => s));
      let w = 0;
      for (let i = 0; i < n; i++) {
        assert.strictEqual(dest[order[i]], i);
        assert.strictEqual(start[i], w, `start of place ${i}`);
        w += size(order[i]);
      }
      assert.strictEqual(start[n], w);
      // In the order of the triples (x, then y, then z), and the profile's within a triple.
      const cmp = (a: number[], b: number[]): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
      for (let i = 1; i < n; i++) {
        const c = cmp(key[order[i - 1]], key[order[i]]);
        assert.ok(c < 0 || (c === 0 && order[i - 1] < order[i]), `places ${i - 1} and ${i}: ${key[order[i - 1]]} (sample ${order[i - 1]}) before ${key[order[i]]} (sample ${order[i]})`);
      }
    });
  }

  it('places samples in the profile\'s order when there are no groups', () => {
    const size = (s: number): number => s % 3;
    const { dest, start, order } = placeSamples(10, undefined, size, (k) => new Int32Array(k));
    assert.strictEqual(order, undefined);
    assert.deepStrictEqual(Array.from(dest), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepStrictEqual(Array.from(start), [0, 0, 1, 3, 3, 4, 6, 6, 7, 9, 9]);
  });
});
