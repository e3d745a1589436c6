/**
 * Synthetic flame profiles for the flame view's tests and benchmark: a hand-written tree from
 * a list of stacks, and a seeded random tree of N nodes with Go-looking names, so the view can
 * be tested without the pprof decoder and at sizes real profiles rarely reach.
 */
import type { FlameFunction, FlameProfile, FlameTree, SampleType } from '../../../src/shared/flame';
import { prng } from '../../bench/lib/synthetic';

/** A node before serialisation: children keyed by function. */
interface Draft {
  func: number;
  line: number;
  self: number[];
  kids: Map<number, Draft>;
  total: number[];
}

function draft(func: number, line: number, types: number): Draft {
  return { func, line, self: new Array<number>(types).fill(0), kids: new Map(), total: new Array<number>(types).fill(0) };
}

/** Serialises a draft tree to the preorder arrays of a FlameTree, children by decreasing total of `sortType`. */
function serialise(root: Draft, types: number, sortType: number): FlameTree {
  const nodes: Array<{ d: Draft; parent: number; depth: number }> = [];
  // Totals bottom-up (iterative: synthetic trees can be deep).
  const post: Draft[] = [];
  const st: Draft[] = [root];
  while (st.length > 0) {
    const d = st.pop() as Draft;
    post.push(d);
    for (const k of d.kids.values()) st.push(k);
  }
  for (let k = post.length - 1; k >= 0; k--) {
    const d = post[k];
    for (let t = 0; t < types; t++) {
      let s = d.self[t];
      for (const c of d.kids.values()) s += c.total[t];
      d.total[t] = s;
    }
  }
  const stack: Array<{ d: Draft; parent: number; depth: number }> = [{ d: root, parent: -1, depth: 0 }];
  while (stack.length > 0) {
    const e = stack.pop() as { d: Draft; parent: number; depth: number };
    const i = nodes.length;
    nodes.push(e);
    const kids = [...e.d.kids.values()].sort((a, b) => b.total[sortType] - a.total[sortType]);
    for (let k = kids.length - 1; k >= 0; k--) stack.push({ d: kids[k], parent: i, depth: e.depth + 1 });
  }
  const n = nodes.length;
  const tree: FlameTree = {
    parent: new Int32Array(n),
    func: new Int32Array(n),
    line: new Int32Array(n),
    depth: new Int32Array(n),
    size: new Int32Array(n).fill(1),
    total: Array.from({ length: types }, () => new Float64Array(n)),
  };
  nodes.forEach((e, i) => {
    tree.parent[i] = e.parent;
    tree.func[i] = e.d.func;
    tree.line[i] = e.d.line;
    tree.depth[i] = e.depth;
    for (let t = 0; t < types; t++) {
      tree.total[t][i] = e.d.total[t];
    }
  });
  for (let i = n - 1; i > 0; i--) tree.size[tree.parent[i]] += tree.size[i];
  return tree;
}

/**
 * A profile from stacks written root-first as function names, each with one value per sample
 * type: `[['main.main', 'main.work'], [30]]`. Lines are 10 * the frame's depth.
 */
export function profileFromStacks(
  stacks: ReadonlyArray<readonly [readonly string[], readonly number[]]>,
  sampleTypes: SampleType[] = [{ type: 'cpu', unit: 'nanoseconds' }],
  files: Record<string, string> = {},
): FlameProfile {
  const functions: FlameFunction[] = [];
  const index = new Map<string, number>();
  const fn = (name: string): number => {
    let f = index.get(name);
    if (f === undefined) {
      f = functions.length;
      index.set(name, f);
      functions.push({ name, file: files[name] ?? `/src/${name.split('.')[0]}/${name.split('.')[0]}.go`, startLine: 1 });
    }
    return f;
  };
  const types = sampleTypes.length;
  const root = draft(-1, 0, types);
  for (const [names, values] of stacks) {
    let d = root;
    names.forEach((name, k) => {
      const f = fn(name);
      let c = d.kids.get(f);
      if (!c) {
        c = draft(f, 10 * (k + 1), types);
        d.kids.set(f, c);
      }
      d = c;
    });
    for (let t = 0; t < types; t++) d.self[t] += values[t] ?? 0;
  }
  return { title: 'test', sampleTypes, defaultType: 0, functions, tree: serialise(root, types, 0) };
}

/** Deterministic PRNG (the one the fuzzer and robustness inputs use): the same seed gives the same profile on every run. */
export const rng = prng;

const PACKAGES = ['runtime', 'net/http', 'encoding/json', 'sync', 'bufio', 'compress/gzip', 'example.com/shop/internal/cart', 'example.com/shop/internal/db', 'example.com/shop/api', 'github.com/lib/pq', 'main'];
const TYPES = ['Server', 'conn', 'Decoder', 'Mutex', 'Reader', 'Cart', 'Store', 'Handler', 'pool', 'encodeState'];
const VERBS = ['serve', 'Read', 'Write', 'Lock', 'decode', 'encode', 'flush', 'Get', 'Put', 'scan', 'compute', 'handle', 'run', 'mallocgc', 'gcBgMarkWorker', 'Do'];

export interface RandomProfileOptions {
  /** Number of tree nodes (distinct frames), root included. */
  nodes: number;
  seed?: number;
  /** Distinct functions to draw names from (default nodes / 20, at least 50). */
  functions?: number;
  /** Add a baseTotal (a diff profile). */
  diff?: boolean;
}

/**
 * A random CPU-like profile (`samples/count`, `cpu/nanoseconds`) of exactly `nodes` nodes:
 * a random recursive tree with a bias towards recent nodes so stacks get 20-60 deep, leaf
 * values heavy-tailed so a few stacks dominate, as in real profiles.
 */
export function randomProfile(opts: RandomProfileOptions): FlameProfile {
  const rand = rng(opts.seed ?? 1);
  const fcount = opts.functions ?? Math.max(50, Math.floor(opts.nodes / 20));
  const functions: FlameFunction[] = [];
  for (let f = 0; f < fcount; f++) {
    const pkg = PACKAGES[f % PACKAGES.length];
    const short = pkg.slice(pkg.lastIndexOf('/') + 1);
    const type = TYPES[Math.floor(rand() * TYPES.length)];
    const verb = VERBS[Math.floor(rand() * VERBS.length)];
    const name = rand() < 0.5 ? `${pkg}.(*${type}).${verb}${f}` : `${pkg}.${verb}${f}`;
    functions.push({ name, file: `/home/dev/go/src/${pkg}/${short}${f % 7}.go`, startLine: 1 + Math.floor(rand() * 900) });
  }
  const types = 2;
  const all: Draft[] = [draft(-1, 0, types)];
  const depthOf: number[] = [0];
  while (all.length < opts.nodes) {
    // Recent nodes are likelier parents: stacks grow deep, as call chains do.
    const recent = rand() < 0.6;
    const p = recent ? Math.max(0, all.length - 1 - Math.floor(rand() * 30)) : Math.floor(rand() ** 2 * all.length);
    const parent = all[p];
    if (depthOf[p] >= 80) continue;
    const f = Math.floor(rand() * fcount);
    if (parent.kids.has(f)) continue;
    const d = draft(f, functions[f].startLine + 1 + Math.floor(rand() * 40), types);
    parent.kids.set(f, d);
    all.push(d);
    depthOf.push(depthOf[p] + 1);
  }
  for (const d of all) {
    if (d.func < 0) continue;
    const leaf = d.kids.size === 0;
    if (leaf || rand() < 0.3) {
      const samples = Math.max(1, Math.round(Math.exp(rand() * 7)));
      d.self[0] = samples;
      d.self[1] = samples * 10_000_000;
    }
  }
  const tree = serialise(all[0], types, 1);
  if (opts.diff) {
    tree.baseTotal = tree.total.map((a) => a.map((v) => v * (0.5 + rand())));
  }
  return {
    title: `synthetic · ${opts.nodes} nodes`,
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    defaultType: 1,
    functions,
    tree,
    durationNanos: 30e9,
  };
}
