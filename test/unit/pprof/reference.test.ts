/**
 * The optimised model (samples sorted and split depth by depth into the preorder, common
 * chains compared in one go, lines summed per frame) against a naive one written for clarity,
 * on random profiles with recursion, inlining, wide nodes and several lines per function.
 */
import * as assert from 'assert';
import * as zlib from 'zlib';
import { Function as PbFunction, Line, Location, Profile as PbProfile, Sample, StringTable, ValueType } from 'pprof-format';
import { decodeProfile, decodeProfileAsync, type Profile, takeSpareMemory } from '../../../src/core/pprof/decode';
import { buildFlameProfile } from '../../../src/core/pprof/model';
import { buildFlameTree, buildFlameTreeAsync } from '../../../src/core/pprof/stackTree';
import type { FlameProfile } from '../../../src/shared/flame';
import { checkInvariants, renderTree } from './support';

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

function randomProfile(seed: number, minSamples = 50): Profile {
  return decodeProfile(randomProfileBytes(seed, minSamples));
}

function randomProfileBytes(seed: number, minSamples = 50): Uint8Array {
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const st = new StringTable();
  const nFuncs = 3 + int(30);
  const functions = Array.from({ length: nFuncs }, (_, i) => new PbFunction({ id: i + 1, name: st.dedup(`f${i}`), filename: st.dedup(`/src/f${i % 4}.go`), startLine: 10 * i }));
  const nLocs = 5 + int(80);
  const locations = Array.from({ length: nLocs }, (_, i) => {
    const nLines = rand() < 0.2 ? 2 + int(2) : 1; // some inlined
    return new Location({ id: i + 1, line: Array.from({ length: nLines }, () => new Line({ functionId: 1 + int(nFuncs), line: 1 + int(6) })) });
  });
  const samples = Array.from({ length: minSamples + int(400) }, () => {
    const depth = rand() < 0.05 ? 0 : 1 + int(12);
    // A shared outer part makes prefix reuse kick in.
    const stack = Array.from({ length: depth }, (_, d) => (d < 3 && rand() < 0.7 ? 1 + d : 1 + int(nLocs)));
    return new Sample({ locationId: stack.reverse(), value: [1 + int(3), 1 + int(1000)] });
  });
  return encodeBytes(st, functions, locations, samples);
}

/**
 * Functions `${prefix}0` .. in one file, and locations: ids 1..nFuncs, function id i + 1 at
 * line 100 + i; then the same functions at line `otherLine` + i; last, one with two frames,
 * `inner` inlined into `outer` (each a function id and a line).
 */
function chainParts(st: StringTable, prefix: string, nFuncs: number, otherLine: number, inner: [number, number], outer: [number, number]): { functions: PbFunction[]; locations: Location[] } {
  const functions = Array.from({ length: nFuncs }, (_, i) => new PbFunction({ id: i + 1, name: st.dedup(`${prefix}${i}`), filename: st.dedup(`/src/${prefix}.go`), startLine: 10 * i }));
  const locations = [
    ...Array.from({ length: nFuncs }, (_, i) => new Location({ id: i + 1, line: [new Line({ functionId: i + 1, line: 100 + i })] })),
    ...Array.from({ length: nFuncs }, (_, i) => new Location({ id: nFuncs + i + 1, line: [new Line({ functionId: i + 1, line: otherLine + i })] })),
    new Location({ id: 2 * nFuncs + 1, line: [new Line({ functionId: inner[0], line: inner[1] }), new Line({ functionId: outer[0], line: outer[1] })] }),
  ];
  return { functions, locations };
}

/**
 * Stacks that share a long outer chain (some of its functions at two lines, one called twice,
 * two of them inlined into one location or not) but for a few samples that leave it at some depth: to
 * another function (several of them to the same one, some with values large enough to go
 * before the chain's own child) or by ending there. Below the chain, random tails.
 */
function chainProfile(seed: number, nSamples: number, nOff: number, inlined: boolean): Profile {
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const st = new StringTable();
  const nFuncs = 24;
  // Locations 1..24: function i at line 100 + i; 25..48: the same functions at line 200 + i;
  // 49: k3 with k4 inlined into it.
  const { functions, locations } = chainParts(st, 'k', nFuncs, 200, [5, 7], [4, 8]);
  // The chain, root first: functions 1 2 3 4 5 (or 4 5 inlined into one location) 6 7 2 8 9 10 11 12.
  const chain = [1, 2, 3, ...(inlined ? [2 * nFuncs + 1] : [4, 5]), 6, 7, 2, 8, 9, 10, 11, 12];
  const samples: Sample[] = [];
  for (let s = 0; s < nSamples; s++) {
    // Some depths of the chain (its last among them) called from the second line of their function, now and then.
    const stack = chain.map((l, d) => ((d % 3 === 1 || d === chain.length - 1) && l <= nFuncs && rand() < 0.3 ? l + nFuncs : l));
    const tail = Array.from({ length: int(4) }, () => 13 + int(12));
    samples.push(new Sample({ locationId: [...stack, ...tail].reverse(), value: [1, 1 + int(100)] }));
  }
  for (let o = 0; o < nOff; o++) {
    const at = int(chain.length);
    const stack = chain.slice(0, at);
    // Off the chain to one of three functions (or to none: the stack ends there).
    const off = int(4);
    if (off > 0) stack.push(12 + off, ...Array.from({ length: int(3) }, () => 13 + int(12)));
    const big = rand() < 0.2;
    samples.splice(int(samples.length), 0, new Sample({ locationId: stack.reverse(), value: [1, big ? 1_000_000 : 1 + int(100)] }));
  }
  return encodeProfile(st, functions, locations, samples);
}

/**
 * Stacks that share an outer chain of 14 locations exactly (as a program's share runtime.main,
 * main.main, ...), then random tails that branch, with a few exceptions: samples that leave
 * the chain at `offDepth` (or at random depths if undefined), `offValue` each; now and then
 * a sample with another line at one depth of the chain (same function), or with two of its
 * functions inlined into one location there. Large enough to be sorted and copied.
 */
function sharedChainProfile(seed: number, opts: { nSamples?: number; nOff?: number; offDepth?: number; offValue?: number; otherLines?: number; inlined?: number } = {}): Profile {
  const { nSamples = 20_000, nOff = 20, offValue = 5, otherLines = 0.004, inlined = 0.002 } = opts;
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const st = new StringTable();
  const nFuncs = 30;
  // Locations 1..30: function i at line 100 + i; 31..60: the same functions at line 300 + i;
  // 61: s5 with s6 inlined into it.
  const { functions, locations } = chainParts(st, 's', nFuncs, 300, [7, 9], [6, 8]);
  const chain = Array.from({ length: 14 }, (_, d) => d + 1);
  const samples: Sample[] = [];
  for (let s = 0; s < nSamples; s++) {
    let stack = [...chain];
    if (rand() < otherLines) {
      const d = int(chain.length);
      stack[d] += nFuncs;
    } else if (rand() < inlined) {
      // Functions 6 and 7 (depths 5 and 6) as one location.
      stack = [...chain.slice(0, 5), 2 * nFuncs + 1, ...chain.slice(7)];
    }
    const tail = Array.from({ length: 1 + int(4) }, () => 15 + int(15));
    samples.push(new Sample({ locationId: [...stack, ...tail].reverse(), value: [1, 1 + int(100)] }));
  }
  for (let o = 0; o < nOff; o++) {
    const at = opts.offDepth ?? int(chain.length);
    const stack = chain.slice(0, at);
    // Off the chain to one of three functions (or to none: the stack ends there).
    const off = int(4);
    if (off > 0) stack.push(14 + off, ...Array.from({ length: int(3) }, () => 15 + int(15)));
    samples.splice(int(samples.length), 0, new Sample({ locationId: stack.reverse(), value: [1, offValue] }));
  }
  return encodeProfile(st, functions, locations, samples);
}

/**
 * `n` samples of 10 random frames over 40 functions (`${prefix}0` ..): sample s has a stack
 * of its own where `fresh(s)`, else its predecessor's (a test of the node estimate, which
 * compares some samples with their predecessor).
 */
function repeatingProfile(seed: number, prefix: string, n: number, fresh: (s: number) => boolean): Profile {
  const rand = rng(seed);
  const st = new StringTable();
  const nFuncs = 40;
  const functions = Array.from({ length: nFuncs }, (_, i) => new PbFunction({ id: i + 1, name: st.dedup(`${prefix}${i}`), filename: st.dedup(`/src/${prefix}.go`), startLine: i }));
  const locations = Array.from({ length: nFuncs }, (_, i) => new Location({ id: i + 1, line: [new Line({ functionId: i + 1, line: 1 + (i % 5) })] }));
  let prev: number[] = [];
  const samples = Array.from({ length: n }, (_, s) => {
    const stack = fresh(s) || prev.length === 0 ? Array.from({ length: 10 }, () => 1 + Math.floor(rand() * nFuncs)) : prev;
    prev = stack;
    return new Sample({ locationId: [...stack].reverse(), value: [1, 1 + (s % 7)] });
  });
  return encodeProfile(st, functions, locations, samples);
}

/** A profile of two sample types (samples/count, cpu/nanoseconds) of these parts, encoded and decoded. */
function encodeProfile(st: StringTable, functions: PbFunction[], locations: Location[], samples: Sample[]): Profile {
  return decodeProfile(encodeBytes(st, functions, locations, samples));
}

function encodeBytes(st: StringTable, functions: PbFunction[], locations: Location[], samples: Sample[]): Uint8Array {
  return new PbProfile({
    sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') }), new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') })],
    function: functions,
    location: locations,
    sample: samples,
    stringTable: st,
  }).encode();
}

/**
 * The same model, by path strings and Maps: slow and obvious. Its self values are summed from
 * the samples (the model derives them from totals), kept aside for {@link renderNaive}.
 */
function naive(p: Profile): FlameProfile & { self: Float64Array[] } {
  const nTypes = p.sampleTypes.length;
  interface N {
    func: number;
    self: number[];
    total: number[];
    lines: Map<number, number>;
    children: Map<number, N>;
  }
  const mk = (func: number): N => ({ func, self: Array(nTypes).fill(0), total: Array(nTypes).fill(0), lines: new Map(), children: new Map() });
  const root = mk(-1);
  for (let s = 0; s < p.sampleCount; s++) {
    const frames: [number, number][] = [];
    for (let i = p.sampleLocStart[s + 1] - 1; i >= p.sampleLocStart[s]; i--) {
      const loc = p.sampleLocs[i];
      for (let f = p.locFrameStart[loc + 1] - 1; f >= p.locFrameStart[loc]; f--) frames.push([p.frameFunc[f], p.frameLine[f]]);
    }
    const vals = Array.from({ length: nTypes }, (_, t) => p.values[s * nTypes + t]);
    let node = root;
    vals.forEach((v, t) => (root.total[t] += v));
    for (const [func, line] of frames) {
      let c = node.children.get(func);
      if (!c) node.children.set(func, (c = mk(func)));
      node = c;
      vals.forEach((v, t) => (node.total[t] += v));
      node.lines.set(line, (node.lines.get(line) ?? 0) + vals[p.defaultType]);
    }
    vals.forEach((v, t) => (node.self[t] += v));
  }
  const out = { parent: [] as number[], func: [] as number[], line: [] as number[], depth: [] as number[], size: [] as number[], total: Array.from({ length: nTypes }, () => [] as number[]), self: Array.from({ length: nTypes }, () => [] as number[]) };
  const visit = (n: N, parent: number, depth: number): void => {
    const i = out.func.length;
    out.parent.push(parent);
    out.func.push(n.func);
    let best = 0;
    let bestV = -Infinity;
    for (const [l, v] of [...n.lines].sort((a, b) => a[0] - b[0]))
      if (v > bestV) {
        best = l;
        bestV = v;
      }
    out.line.push(best);
    out.depth.push(depth);
    out.size.push(1);
    for (let t = 0; t < nTypes; t++) {
      out.total[t].push(n.total[t]);
      out.self[t].push(n.self[t]);
    }
    const kids = [...n.children.values()].sort((a, b) => b.total[p.defaultType] - a.total[p.defaultType] || (p.functions[a.func].name < p.functions[b.func].name ? -1 : 1));
    for (const k of kids) visit(k, i, depth + 1);
    out.size[i] = out.func.length - i;
  };
  visit(root, -1, 0);
  return {
    title: 'naive',
    sampleTypes: p.sampleTypes,
    defaultType: p.defaultType,
    functions: p.functions,
    tree: {
      parent: Int32Array.from(out.parent),
      func: Int32Array.from(out.func),
      line: Int32Array.from(out.line),
      depth: Int32Array.from(out.depth),
      size: Int32Array.from(out.size),
      total: out.total.map((a) => Float64Array.from(a)),
    },
    self: out.self.map((a) => Float64Array.from(a)),
  };
}

/** The naive model rendered with its own self values. */
function renderNaive(want: FlameProfile & { self: Float64Array[] }): string {
  return renderTree(want, want.tree, want.self[want.defaultType]);
}

describe('pprof flame model against a naive reference', () => {
  it('builds the same tree, lines included, on 200 random profiles', function () {
    this.timeout(60_000);
    for (let seed = 1; seed <= 200; seed++) {
      const p = randomProfile(seed);
      const fast = buildFlameProfile(p, 'fast');
      checkInvariants(fast);
      const want = naive(p);
      assert.strictEqual(renderTree(fast), renderNaive(want), `seed ${seed}`);
      assert.deepStrictEqual(Array.from(fast.tree.total[0]), Array.from(want.tree.total[0]), `seed ${seed}: the other sample type`);
    }
  });

  it('builds the same tree on profiles large enough to be walked in sorted order', function () {
    this.timeout(120_000);
    // Past 2^14 samples the model walks them sorted by their branching locations.
    for (let seed = 1; seed <= 4; seed++) {
      const p = randomProfile(seed * 7919, 20_000);
      const fast = buildFlameProfile(p, 'fast');
      checkInvariants(fast);
      const want = naive(p);
      assert.strictEqual(renderTree(fast), renderNaive(want), `seed ${seed}`);
      assert.deepStrictEqual(Array.from(fast.tree.total[0]), Array.from(want.tree.total[0]), `seed ${seed}: the other sample type`);
    }
  });

  it('builds the same tree sorted by locations past 2^16 (4-byte sort digits)', function () {
    this.timeout(120_000);
    const rand = rng(77);
    const int = (n: number) => Math.floor(rand() * n);
    const st = new StringTable();
    const nFuncs = 40;
    const functions = Array.from({ length: nFuncs }, (_, i) => new PbFunction({ id: i + 1, name: st.dedup(`w${i}`), filename: st.dedup('/src/w.go'), startLine: i }));
    const nLocs = 70_000;
    const locations = Array.from({ length: nLocs }, (_, i) => new Location({ id: i + 1, line: [new Line({ functionId: 1 + (i % nFuncs), line: 1 + (i % 7) })] }));
    // Two shared outer frames, then locations spread over all 70k (so the sort's depths have many).
    const samples = Array.from({ length: 20_000 }, () => new Sample({ locationId: [1, 2, ...Array.from({ length: 1 + int(6) }, () => 1 + int(nLocs))].reverse(), value: [1, 1 + int(50)] }));
    const p = encodeProfile(st, functions, locations, samples);
    const fast = buildFlameProfile(p, 'fast');
    checkInvariants(fast);
    assert.strictEqual(renderTree(fast), renderNaive(naive(p)));
  });

  it('builds the same tree when the node estimate falls short (the node arrays grown)', () => {
    // The model estimates its node count from every 32nd sample (indices 31, 63, ...: 7 mod 8):
    // here each sample at 7 mod 8 repeats its predecessor's stack, so the estimate is near
    // zero while the tree has some 20k nodes.
    const p = repeatingProfile(5, 'g', 2400, (s) => s % 8 !== 7);
    const fast = buildFlameProfile(p, 'fast');
    checkInvariants(fast);
    assert.ok(fast.tree.func.length > 13_000, `${fast.tree.func.length} nodes`);
    assert.strictEqual(renderTree(fast), renderNaive(naive(p)));
    assert.deepStrictEqual(Array.from(fast.tree.total[0]), Array.from(naive(p).tree.total[0]));
  });

  it('builds the same tree in arrays warmed during the walk, whether the node estimate fits or not', async function () {
    this.timeout(120_000);
    const cases: Array<{ what: string; p: Profile; estimateAfter: number; used?: boolean }> = [
      // Samples of one shape throughout: a quarter of them tell the node count well.
      { what: 'shared chain', p: sharedChainProfile(3), estimateAfter: 1 / 4, used: true },
      // After the first sample: its chain, nodes per sample, is far above the tree's average.
      { what: 'estimate from one sample', p: sharedChainProfile(5), estimateAfter: 1e-9, used: false },
      // Stacks that repeat more as the tree fills: the first quarter makes more nodes per sample than the rest (either way).
      { what: 'random, sorted', p: randomProfile(4 * 7919, 20_000), estimateAfter: 1 / 4 },
    ];
    for (const { what, p, estimateAfter, used } of cases) {
      const sync = buildFlameTree(p);
      const warmed: { used: boolean; copy?: boolean } = { used: !used };
      const tree = await buildFlameTreeAsync(p, { estimateAfter, warmAll: true, warmed });
      if (used !== undefined) assert.strictEqual(warmed.used, used, `${what}: warmed arrays used`);
      // Sorted (20k samples or more): the stacks' copy goes in memory warmed while they were sorted, of its exact size.
      assert.strictEqual(warmed.copy, true, `${what}: the copy of the stacks in warmed memory`);
      assert.deepStrictEqual(tree, sync, what);
      if (warmed.used) {
        // Views of the warmed buffers: at most half as long again as the tree.
        for (const a of [tree.depth, tree.size, ...tree.total]) {
          assert.ok(a.buffer.byteLength > a.byteLength && 2 * a.buffer.byteLength <= 3 * a.byteLength, `${what}: a ${a.length}-node array in a buffer of ${a.buffer.byteLength} bytes`);
        }
      }
      const fast = { ...buildFlameProfile(p, 'fast'), tree };
      checkInvariants(fast);
      assert.strictEqual(renderTree(fast), renderNaive(naive(p)), what);
    }
  });

  it('warms copies of the node arrays when the walk\'s own are far longer than the tree', async () => {
    // The node estimate of the test above whose estimate falls short, the other way: every
    // sample at 7 mod 8 (those the estimate reads among them) differs from its predecessor,
    // the others repeat it (the estimate is 8 times high).
    const p = repeatingProfile(9, 'h', 4000, (s) => s === 0 || s % 8 === 7);
    const sync = buildFlameTree(p);
    const warmed = { used: false };
    const tree = await buildFlameTreeAsync(p, { warmAll: true, warmed });
    assert.ok(warmed.used, 'warmed arrays used');
    assert.deepStrictEqual(tree, sync);
    // Without warming, the walk's arrays are cut to the tree's length by copies into fresh
    // buffers of that length; with it, by copies into the warmed ones, a little longer.
    for (const k of ['parent', 'func', 'line'] as const) {
      assert.strictEqual(sync[k].buffer.byteLength, sync[k].byteLength, `${k}: copied when not warmed`);
      const room = tree[k].buffer.byteLength / tree[k].byteLength;
      assert.ok(room > 1 && room <= 1.5, `${k}: ${tree[k].length} nodes in a buffer of ${tree[k].buffer.byteLength} bytes`);
    }
  });

  it('writes the totals in the pages of the walk\'s copy of the stacks, cleared first', () => {
    // Frame numbers from 2^14 to 2^15: left in the pages, the top one of each four read as a
    // float64's sign and exponent makes a number of 2 or more, not a negligible one.
    const rand = rng(17);
    const st = new StringTable();
    const nLocs = 40_000;
    const function_ = Array.from({ length: nLocs }, (_, i) => new PbFunction({ id: i + 1, name: st.dedup(`h${i}`), filename: st.dedup('/src/h.go'), startLine: i }));
    // Location 1 has an inlined frame: the stacks are copied (expanded) for the walk.
    const location = Array.from({ length: nLocs }, (_, i) => new Location({ id: i + 1, line: i === 0 ? [new Line({ functionId: 1, line: 3 }), new Line({ functionId: 2, line: 4 })] : [new Line({ functionId: i + 1, line: 7 })] }));
    // A shared chain, two levels of ten, then one frame of each sample's own: some 3k nodes
    // for 34k frames, so both totals fit in the copy's pages and fill most of them.
    const sample = Array.from({ length: 3000 }, (_, s) => {
      const stack = [...(s % 5 === 0 ? [1] : []), ...Array.from({ length: 8 }, (_, d) => 20_001 + d), 20_101 + (s % 10), 20_201 + (Math.floor(s / 10) % 10), 16_385 + Math.floor(rand() * 16_000)];
      return new Sample({ locationId: stack.reverse(), value: [s % 3, 1 + (s % 11)] });
    });
    const p = encodeProfile(st, function_, location, sample);
    const fast = buildFlameProfile(p, 'fast');
    const want = naive(p);
    const [t0, t1] = fast.tree.total;
    assert.ok(t0.buffer === t1.buffer && t0.buffer.byteLength > 2 * t0.byteLength, 'both totals in the copy\'s pages');
    for (let t = 0; t < 2; t++) assert.deepStrictEqual(Array.from(fast.tree.total[t]), Array.from(want.tree.total[t]), `type ${t}`);
  });

  it('builds the same tree working in the buffer a profile was inflated into (its bytes left there)', async function () {
    this.timeout(60_000);
    for (let seed = 1; seed <= 3; seed++) {
      // Sorted and copied for the walk: every per-sample array of the model is in that buffer.
      const gz = zlib.gzipSync(randomProfileBytes(seed * 101, 80_000));
      const streamed = await decodeProfileAsync(gz);
      const spare = takeSpareMemory(await decodeProfileAsync(gz));
      assert.ok(spare && spare.byteLength >= zlib.gunzipSync(gz).length, `the inflated bytes (${zlib.gunzipSync(gz).length}) are spare once decoded`);
      assert.deepStrictEqual(buildFlameTree(streamed), buildFlameTree(decodeProfile(gz)), `seed ${seed}`);
      assert.strictEqual(takeSpareMemory(streamed), undefined, 'the model took it');
    }
  });

  it('orders children by total then name whatever the totals: past 2^32, negative, fractional', function () {
    this.timeout(60_000);
    // A total and a rank go in one number while the totals are whole and below 2^32; these
    // take the other way, with ties as common as in the profiles above.
    const scales = [2 ** 33, -1, 0.5, -(2 ** 40)];
    for (let seed = 1; seed <= 40; seed++) {
      const p = randomProfile(seed * 13);
      const scale = scales[seed % scales.length];
      // (Decoded as 4 bytes each, these small values: scaled as float64.)
      p.values = Float64Array.from(p.values, (v) => v * scale);
      const fast = buildFlameProfile(p, 'fast');
      // (A node's total is at least its children's only when no value is negative.)
      if (scale > 0) checkInvariants(fast);
      assert.strictEqual(renderTree(fast), renderNaive(naive(p)), `seed ${seed}, values times ${scale}`);
    }
  });

  it('builds the same lines when only a few nodes are called or end at a second line', () => {
    // 3000 distinct stacks of one call line per frame; then one call from another line, and
    // one sample ending at another line: two nodes of thousands have a second line.
    const rand = rng(9);
    const st = new StringTable();
    const nFuncs = 30;
    const function_ = Array.from({ length: nFuncs }, (_, i) => new PbFunction({ id: i + 1, name: st.dedup(`h${i}`), filename: st.dedup('/src/h.go'), startLine: i }));
    const location = Array.from({ length: nFuncs }, (_, i) => new Location({ id: i + 1, line: [new Line({ functionId: i + 1, line: 100 + i })] }));
    // Location 31: function 2 at another line; 32: function 5 at another line.
    location.push(new Location({ id: 31, line: [new Line({ functionId: 2, line: 7 })] }), new Location({ id: 32, line: [new Line({ functionId: 5, line: 9 })] }));
    const sample = Array.from({ length: 3000 }, () => new Sample({ locationId: Array.from({ length: 6 }, () => 1 + Math.floor(rand() * nFuncs)), value: [1, 10] }));
    // Root-first h0 h1 h2 with h1 calling h2 from line 7 (and once from its usual line), and
    // h0 h1 h2 h4 with h4 ending at line 9 (and once at its usual line).
    sample.push(new Sample({ locationId: [3, 31, 1], value: [5, 50] }), new Sample({ locationId: [3, 2, 1], value: [1, 1] }), new Sample({ locationId: [32, 3, 2, 1], value: [2, 20] }), new Sample({ locationId: [5, 3, 2, 1], value: [1, 1] }));
    const p = encodeProfile(st, function_, location, sample);
    const fast = buildFlameProfile(p, 'fast');
    checkInvariants(fast);
    assert.ok(fast.tree.func.length > 64 * 2, `${fast.tree.func.length} nodes`);
    assert.strictEqual(renderTree(fast), renderNaive(naive(p)));
    // The other line wins where it carries most: h1 (root-first h0 h1 h2) called h2 from line 7 for 5 of 6.
    const path = (names: string[]): number => {
      let node = 0;
      for (const name of names) {
        const f = fast.functions.findIndex((x) => x.name === name);
        let c = node + 1;
        while (c < node + fast.tree.size[node] && fast.tree.func[c] !== f) c += fast.tree.size[c];
        assert.ok(c < node + fast.tree.size[node], `no ${name} under node ${node}`);
        node = c;
      }
      return node;
    };
    assert.strictEqual(fast.tree.line[path(['h0', 'h1'])], 7);
  });

  it('finds lines and orders children where a node has very many of each (a map of lines, the built-in sort, ties by name)', () => {
    // r is called from the root through 100 locations of its own (lines 1000..1099) and calls
    // 40 functions: c0..c19 with equal totals (ordered by name: c0 c1 c10 c11 ...), c20..c39
    // with distinct ones; samples also end in r at line 1050, which carries the most.
    const st = new StringTable();
    const function_ = [new PbFunction({ id: 1, name: st.dedup('r'), filename: st.dedup('/src/r.go'), startLine: 1 })];
    for (let k = 0; k < 40; k++) function_.push(new PbFunction({ id: 2 + k, name: st.dedup(`c${k}`), filename: st.dedup('/src/c.go'), startLine: 1 }));
    const location = Array.from({ length: 100 }, (_, i) => new Location({ id: 1 + i, line: [new Line({ functionId: 1, line: 1000 + i })] }));
    for (let k = 0; k < 40; k++) location.push(new Location({ id: 101 + k, line: [new Line({ functionId: 2 + k, line: 5 })] }));
    const sample: Sample[] = [];
    for (let k = 0; k < 40; k++) for (let i = 0; i < 100; i += 10) sample.push(new Sample({ locationId: [101 + k, 1 + ((i + k) % 100)], value: [1, k < 20 ? 10 : 10 + k] }));
    sample.push(new Sample({ locationId: [51], value: [1, 5000] }));
    const p = encodeProfile(st, function_, location, sample);
    const fast = buildFlameProfile(p, 'fast');
    checkInvariants(fast);
    assert.strictEqual(renderTree(fast), renderNaive(naive(p)));
    const r = 1;
    assert.strictEqual(fast.functions[fast.tree.func[r]].name, 'r');
    assert.strictEqual(fast.tree.line[r], 1050);
    const children: string[] = [];
    for (let c = r + 1; c < r + fast.tree.size[r]; c += fast.tree.size[c]) children.push(fast.functions[fast.tree.func[c]].name);
    assert.deepStrictEqual(children.slice(0, 20), Array.from({ length: 20 }, (_, k) => `c${39 - k}`));
    assert.deepStrictEqual(children.slice(20, 24), ['c0', 'c1', 'c10', 'c11']);
  });

  it('orders the thousands of children of one node as the reference does, ties or not, one sample each or more', () => {
    // r calls 2,000 functions; their totals come from few values (ties, ordered by name) or
    // all differ; each child has one sample (made at once) or two (regrouped).
    for (const [distinct, perChild] of [
      [false, 1],
      [false, 2],
      [true, 1],
      [true, 2],
    ] as const) {
      const st = new StringTable();
      const function_ = [new PbFunction({ id: 1, name: st.dedup('r'), filename: st.dedup('/src/r.go'), startLine: 1 })];
      const location = [new Location({ id: 1, line: [new Line({ functionId: 1, line: 7 })] })];
      const sample: Sample[] = [];
      for (let k = 0; k < 2000; k++) {
        function_.push(new PbFunction({ id: 2 + k, name: st.dedup(`f${(k * 7919) % 2000}`), filename: st.dedup('/src/f.go'), startLine: 1 }));
        location.push(new Location({ id: 2 + k, line: [new Line({ functionId: 2 + k, line: 3 })] }));
        for (let j = 0; j < perChild; j++) sample.push(new Sample({ locationId: [2 + k, 1], value: [1, distinct ? 1000 + k : 10 * (1 + (k % 7))] }));
      }
      const p = encodeProfile(st, function_, location, sample);
      const fast = buildFlameProfile(p, 'fast');
      checkInvariants(fast);
      assert.strictEqual(renderTree(fast), renderNaive(naive(p)), `distinct ${distinct}, ${perChild} per child`);
    }
  });

  it('builds the same tree when a long chain is peeled (a few samples leaving it), as when it is not', function () {
    this.timeout(120_000);
    let peeledDepths = 0;
    let fellBack = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const p = chainProfile(seed, 500 + (seed % 7) * 300, 1 + (seed % 5), seed % 2 === 0);
      const peeled = { ranges: 0, depths: 0, stopped: 0, rootFromCopy: false, shared: 0 };
      // Every range of 2 samples or more is a candidate: the small ones of the tails too.
      const tree = buildFlameTree(p, { peelMin: 2, peeled });
      const plain = buildFlameTree(p, { peelMin: 1 << 30 });
      assert.deepStrictEqual(tree, plain, `seed ${seed}`);
      const fast = { ...buildFlameProfile(p, 'fast'), tree };
      checkInvariants(fast);
      assert.strictEqual(renderTree(fast), renderNaive(naive(p)), `seed ${seed}`);
      peeledDepths += peeled.depths;
      fellBack += peeled.stopped;
    }
    assert.ok(peeledDepths > 200, `${peeledDepths} depths peeled`);
    assert.ok(fellBack > 0, 'no chain stopped at a child that goes before it');
  });

  it('peels the root of a sorted profile from the matches measured while its stacks were copied', function () {
    this.timeout(120_000);
    let fromCopy = 0;
    for (let seed = 1; seed <= 6; seed++) {
      // Past 2^14 samples they are sorted, so copied; the root is peeled at the default size
      // (unless a probe falls on one of the few samples off the chain at the root).
      const p = chainProfile(seed, 20_000, 3 + seed, false);
      const peeled = { ranges: 0, depths: 0, stopped: 0, rootFromCopy: false, shared: 0 };
      const tree = buildFlameTree(p, { peeled });
      if (peeled.rootFromCopy) fromCopy++;
      assert.deepStrictEqual(tree, buildFlameTree(p, { peelMin: 1 << 30 }), `seed ${seed}`);
      const fast = { ...buildFlameProfile(p, 'fast'), tree };
      assert.strictEqual(renderTree(fast), renderNaive(naive(p)), `seed ${seed}`);
    }
    assert.ok(fromCopy >= 4, `${fromCopy} of 6 roots peeled from the copy's matches`);
  });

  it('builds the same tree when the chain most stacks share is stored once, lines and inlined frames included', function () {
    this.timeout(120_000);
    let sharedDepths = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const p = sharedChainProfile(seed, { otherLines: seed % 2 === 0 ? 0.01 : 0.003 });
      const peeled = { ranges: 0, depths: 0, stopped: 0, rootFromCopy: false, shared: 0 };
      const tree = buildFlameTree(p, { peeled });
      assert.deepStrictEqual(tree, buildFlameTree(p, { shareChain: false }), `seed ${seed}`);
      const fast = { ...buildFlameProfile(p, 'fast'), tree };
      checkInvariants(fast);
      assert.strictEqual(renderTree(fast), renderNaive(naive(p)), `seed ${seed}`);
      sharedDepths += peeled.shared;
    }
    // 14 deep, but for the few samples with another line (whole, below 1 in 65) at depth 0 now and then.
    assert.ok(sharedDepths >= 8 * 10, `chains of ${sharedDepths} frames shared in 8 profiles`);
  });

  it('stores no more of the shared chain than the samples that leave it allow (their number, their value)', function () {
    this.timeout(120_000);
    const depthOf = (p: Profile): number => {
      const peeled = { ranges: 0, depths: 0, stopped: 0, rootFromCopy: false, shared: 0 };
      const tree = buildFlameTree(p, { peeled });
      assert.deepStrictEqual(tree, buildFlameTree(p, { shareChain: false }));
      assert.strictEqual(renderTree({ ...buildFlameProfile(p, 'fast'), tree }), renderNaive(naive(p)));
      return peeled.shared;
    };
    const quiet = { otherLines: 0, inlined: 0 };
    assert.strictEqual(depthOf(sharedChainProfile(3, { ...quiet, nOff: 0 })), 14);
    // A few samples leaving at depth 9: still all 14 (they are stored whole).
    assert.strictEqual(depthOf(sharedChainProfile(3, { ...quiet, nOff: 20, offDepth: 9 })), 14);
    // More than 1 in 65 leave at depth 9: their first 9 frames are shared, not more.
    assert.strictEqual(depthOf(sharedChainProfile(3, { ...quiet, nOff: 400, offDepth: 9 })), 9);
    // A few leave at depth 6 with more than half of the value: they could go before the chain.
    assert.strictEqual(depthOf(sharedChainProfile(3, { ...quiet, nOff: 10, offDepth: 6, offValue: 200_000 })), 6);
    // Leaving at the root: nothing is shared.
    assert.strictEqual(depthOf(sharedChainProfile(3, { ...quiet, nOff: 400, offDepth: 0 })), 0);
    // Negative values: nothing is shared either.
    assert.strictEqual(depthOf(sharedChainProfile(3, { ...quiet, nOff: 5, offDepth: 4, offValue: -3 })), 0);
  });

  it('peels the same trees on random profiles', function () {
    this.timeout(60_000);
    for (let seed = 1; seed <= 100; seed++) {
      const p = randomProfile(seed * 31, 200);
      assert.deepStrictEqual(buildFlameTree(p, { peelMin: 2 }), buildFlameTree(p, { peelMin: 1 << 30 }), `seed ${seed}`);
    }
  });

  it('gives the same tree, to the array, whatever the order of the samples', () => {
    for (const [seed, minSamples] of [
      [3, 50],
      [11, 20_000],
    ]) {
      const p = randomProfile(seed, minSamples);
      const n = p.sampleCount;
      const nTypes = p.sampleTypes.length;
      // The samples reversed, labels dropped (not part of the tree).
      const sampleLocStart = new Int32Array(n + 1);
      const sampleFrameStart = new Int32Array(n + 1);
      const sampleLocs = new Int32Array(p.sampleLocs.length);
      const values = new Float64Array(p.values.length);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const s = n - 1 - i;
        sampleLocStart[i] = k;
        sampleFrameStart[i + 1] = sampleFrameStart[i] + p.sampleFrameStart[s + 1] - p.sampleFrameStart[s];
        for (let j = p.sampleLocStart[s]; j < p.sampleLocStart[s + 1]; j++) sampleLocs[k++] = p.sampleLocs[j];
        for (let t = 0; t < nTypes; t++) values[i * nTypes + t] = p.values[s * nTypes + t];
      }
      sampleLocStart[n] = k;
      const reversed: Profile = { ...p, sampleLocStart, sampleFrameStart, sampleLocs, values, labelStart: new Int32Array(n + 1) };
      assert.deepStrictEqual(buildFlameProfile(reversed, 't').tree, buildFlameProfile(p, 't').tree, `seed ${seed}`);
    }
  });
});
