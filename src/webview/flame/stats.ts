/**
 * What the flame view computes from a tree besides layout: search matches, the top functions
 * table, the sandwich trees of one function and the diff scale. Pure (no DOM), unit-tested.
 */
import type { FlameFunction } from '../../shared/flame';
import type { ViewTree } from './layout';

/** A user's search text as a case-insensitive regex, or the reason it is not one. */
export function compileSearch(text: string): { regex: RegExp | undefined; error?: string } {
  if (text === '') return { regex: undefined };
  try {
    return { regex: new RegExp(text, 'i') };
  } catch (e) {
    return { regex: undefined, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Per function: does its name match (computed once per search, not once per frame). */
export function matchFunctions(functions: readonly FlameFunction[], regex: RegExp): Uint8Array {
  const out = new Uint8Array(functions.length);
  for (let f = 0; f < functions.length; f++) out[f] = regex.test(functions[f].name) ? 1 : 0;
  return out;
}

/**
 * Total of the stacks that contain a matching function, each stack counted once: a match
 * nested inside a match adds nothing (its samples are already in the outer one's total).
 */
export function matchedTotal(tree: ViewTree, matches: Uint8Array, root = 0): number {
  let sum = 0;
  const end = root + tree.size[root];
  for (let i = root; i < end; ) {
    const f = tree.func[i];
    if (f >= 0 && matches[f]) {
      sum += tree.total[i];
      i += tree.size[i];
    } else {
      i++;
    }
  }
  return sum;
}

/** One row of the top functions table. */
export interface TopRow {
  func: number;
  /** Sum of self over the function's nodes. */
  flat: number;
  /** Sum of total over the function's outermost nodes (recursion is not counted twice). */
  cum: number;
}

/** The top functions table of a tree: every function with a non-zero flat or cum value. */
export function topFunctions(tree: ViewTree, functionCount: number): TopRow[] {
  const flat = new Float64Array(functionCount);
  const cum = new Float64Array(functionCount);
  const onPath = new Int32Array(functionCount);
  const stack: number[] = [];
  const n = tree.parent.length;
  for (let i = 1; i < n; i++) {
    const p = tree.parent[i];
    // Preorder: leaving the subtrees that ended before i pops them off the path.
    while (stack.length > 0 && stack[stack.length - 1] !== p) {
      const f = tree.func[stack.pop() as number];
      if (f >= 0) onPath[f]--;
    }
    const f = tree.func[i];
    if (f >= 0) {
      flat[f] += tree.self[i];
      if (onPath[f] === 0) cum[f] += tree.total[i];
      onPath[f]++;
    }
    stack.push(i);
  }
  const rows: TopRow[] = [];
  for (let f = 0; f < functionCount; f++) if (flat[f] !== 0 || cum[f] !== 0) rows.push({ func: f, flat: flat[f], cum: cum[f] });
  return rows;
}

export type TopColumn = 'flat' | 'cum' | 'name';

/** Sorts rows in place by a column; ties by name so the order is stable across sample types. */
export function sortTop(rows: TopRow[], functions: readonly FlameFunction[], column: TopColumn, descending: boolean): TopRow[] {
  const sign = descending ? -1 : 1;
  const byName = (a: TopRow, b: TopRow): number => {
    const x = functions[a.func]?.name ?? '';
    const y = functions[b.func]?.name ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  };
  rows.sort((a, b) => {
    const c = column === 'name' ? byName(a, b) : a[column] - b[column];
    return c !== 0 ? sign * c : byName(a, b);
  });
  return rows;
}

/**
 * A tree merged by function path, built node by node, then serialised to the preorder
 * parallel arrays of a ViewTree (children by decreasing total) so the same renderer draws it.
 */
class TreeBuilder {
  private readonly kids: Array<Map<number, number>> = [new Map()];
  private readonly funcs: number[];
  private readonly totals: number[] = [0];
  private readonly selfs: number[] = [0];
  private readonly bases: number[] = [0];
  private readonly lines: number[] = [0];
  /** Value of the contribution that set `lines`: the line carrying the most wins. */
  private readonly lineWeight: number[] = [-1];

  constructor(rootFunc: number, private readonly hasBase: boolean) {
    this.funcs = [rootFunc];
  }

  /** The child of `node` for `func`, created on first use. */
  child(node: number, func: number): number {
    let next = this.kids[node].get(func);
    if (next === undefined) {
      next = this.funcs.length;
      this.kids[node].set(func, next);
      this.kids.push(new Map());
      this.funcs.push(func);
      this.totals.push(0);
      this.selfs.push(0);
      this.bases.push(0);
      this.lines.push(0);
      this.lineWeight.push(-1);
    }
    return next;
  }

  add(node: number, total: number, self: number, base: number, line: number): void {
    this.totals[node] += total;
    this.selfs[node] += self;
    this.bases[node] += base;
    if (total > this.lineWeight[node]) {
      this.lineWeight[node] = total;
      this.lines[node] = line;
    }
  }

  build(): ViewTree {
    const n = this.funcs.length;
    const t: ViewTree = {
      parent: new Int32Array(n),
      func: new Int32Array(n),
      line: new Int32Array(n),
      depth: new Int32Array(n),
      size: new Int32Array(n),
      total: new Float64Array(n),
      self: new Float64Array(n),
      base: this.hasBase ? new Float64Array(n) : undefined,
    };
    let next = 0;
    // Iterative preorder: deep recursion in real profiles (1000+ frames) must not overflow the stack.
    const stack: Array<[number, number, number]> = [[0, -1, 0]];
    while (stack.length > 0) {
      const [b, parent, depth] = stack.pop() as [number, number, number];
      const i = next++;
      t.parent[i] = parent;
      t.func[i] = this.funcs[b];
      t.line[i] = this.lines[b];
      t.depth[i] = depth;
      t.total[i] = this.totals[b];
      t.self[i] = this.selfs[b];
      if (t.base) t.base[i] = this.bases[b];
      const kids = [...this.kids[b].values()].sort((x, y) => this.totals[y] - this.totals[x]);
      for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k], i, depth + 1]);
    }
    // Sizes bottom-up: in preorder every node comes after its parent.
    t.size.fill(1);
    for (let i = n - 1; i > 0; i--) t.size[t.parent[i]] += t.size[i];
    return t;
  }
}

/** The sandwich view of one function: who calls it (inverted: root = the function, children = callers) and what it calls. */
export interface Sandwich {
  callers: ViewTree;
  callees: ViewTree;
}

/**
 * Both halves of the sandwich of function `func`. Only the outermost occurrence on each stack
 * counts, so a recursive function's time is not counted once per level (the callee tree still
 * shows the recursion below it). In the callers tree a node's self is the value of the stacks
 * that end there (called from nowhere further up).
 */
export function sandwich(tree: ViewTree, func: number): Sandwich {
  const hasBase = tree.base !== undefined;
  const callers = new TreeBuilder(func, hasBase);
  const callees = new TreeBuilder(func, hasBase);
  const base = (i: number): number => tree.base?.[i] ?? 0;
  const n = tree.parent.length;
  const at: number[] = [];
  for (let i = 1; i < n; ) {
    if (tree.func[i] !== func) {
      i++;
      continue;
    }
    const v = tree.total[i];
    const b = base(i);
    // Callers: the stack above i, nearest caller first.
    let node = 0;
    callers.add(0, v, 0, b, tree.line[i]);
    for (let a = tree.parent[i]; a > 0; a = tree.parent[a]) {
      node = callers.child(node, tree.func[a]);
      callers.add(node, v, 0, b, tree.line[a]);
    }
    callers.add(node, 0, v, 0, 0);
    // Callees: the subtree of i merged by path; at[k] is the merged node at relative depth k.
    const end = i + tree.size[i];
    const d0 = tree.depth[i];
    at[0] = 0;
    callees.add(0, v, tree.self[i], b, tree.line[i]);
    for (let j = i + 1; j < end; j++) {
      const k = tree.depth[j] - d0;
      at[k] = callees.child(at[k - 1], tree.func[j]);
      callees.add(at[k], tree.total[j], tree.self[j], base(j), tree.line[j]);
    }
    i = end;
  }
  return { callers: callers.build(), callees: callees.build() };
}

/**
 * The diff colour scale of a frame, in [-1, 1]: positive grew (red), negative shrank (blue),
 * relative to the larger of the two so that a frame that appeared or vanished is at the end
 * of the scale whatever its size. Changes under 1% are 0: noise, not a finding.
 */
export function diffScale(current: number, base: number): number {
  const m = Math.max(Math.abs(current), Math.abs(base));
  if (!(m > 0)) return 0;
  const r = (current - base) / m;
  if (Math.abs(r) < 0.01) return 0;
  return Math.max(-1, Math.min(1, r));
}

/** Discrete diff shades (0 = unchanged .. `steps` = the most changed): canvases batch by fill style. */
export function diffBucket(scale: number, steps: number): number {
  return Math.min(steps, Math.ceil(Math.abs(scale) * steps));
}
