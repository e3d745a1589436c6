/**
 * Building blocks of the call trees here: a hash map keyed by a pair of int32 without
 * allocating, each node's depth and subtree size from a preorder tree (the flame tree's walk
 * and the builder below both end with it), and a builder that grows a tree by (parent,
 * function) and lays it out as a {@link FlameTree} (the sandwich callers/callees).
 */
import type { FlameFunction, FlameTree } from '../../shared/flame';

/**
 * (a, b) -> int32 value, open addressing in typed arrays: a Map keyed by strings or nested
 * Maps would allocate per lookup, and the model does one lookup per frame of every sample.
 */
export class PairMap {
  /** Slots of 4 int32: key a, key b, value, (padding); one cache line holds a whole probe. */
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 1024;
    while (cap < capacity * 2) cap *= 2;
    this.slots = PairMap.empty(cap);
    this.mask = cap - 1;
  }

  private static empty(cap: number): Int32Array {
    const s = new Int32Array(cap * 4);
    for (let i = 0; i < s.length; i += 4) s[i] = EMPTY;
    return s;
  }

  /** murmur3's finaliser over the pair: ids are sequential, linear probing needs them spread. */
  private slot(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ b;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & this.mask;
  }

  /** The value for (a, b), or -1. `a` must not be -2^31 (the empty marker). */
  get(a: number, b: number): number {
    const s = this.slots;
    let i = this.slot(a, b);
    for (;;) {
      const j = i << 2;
      const k = s[j];
      if (k === EMPTY) return -1;
      if (k === a && s[j + 1] === b) return s[j + 2];
      i = (i + 1) & this.mask;
    }
  }

  /** The value for (a, b), inserting `value` first if absent. */
  getOrInsert(a: number, b: number, value: number): number {
    const s = this.slots;
    let i = this.slot(a, b);
    for (;;) {
      const j = i << 2;
      const k = s[j];
      if (k === EMPTY) {
        s[j] = a;
        s[j + 1] = b;
        s[j + 2] = value;
        if (++this.size * 2 > this.mask) this.grow();
        return value;
      }
      if (k === a && s[j + 1] === b) return s[j + 2];
      i = (i + 1) & this.mask;
    }
  }

  /** Calls fn for every entry. */
  forEach(fn: (a: number, b: number, value: number) => void): void {
    const s = this.slots;
    for (let j = 0; j < s.length; j += 4) if (s[j] !== EMPTY) fn(s[j], s[j + 1], s[j + 2]);
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = PairMap.empty(cap);
    this.mask = cap - 1;
    const s = this.slots;
    for (let o = 0; o < old.length; o += 4) {
      if (old[o] === EMPTY) continue;
      let i = this.slot(old[o], old[o + 1]);
      while (s[i << 2] !== EMPTY) i = (i + 1) & this.mask;
      const j = i << 2;
      s[j] = old[o];
      s[j + 1] = old[o + 1];
      s[j + 2] = old[o + 2];
    }
  }
}

const EMPTY = -2147483648;

/** Children a node keeps in its sibling list before they go to the hash map. */
const WIDE = 8;

/** A growable Float64Array (the typed arrays of a tree under construction). */
export class GrowF64 {
  a: Float64Array;
  constructor(n = 1024) {
    this.a = new Float64Array(n);
  }
  ensure(n: number): void {
    if (n <= this.a.length) return;
    let cap = this.a.length * 2;
    while (cap < n) cap *= 2;
    const b = new Float64Array(cap);
    b.set(this.a);
    this.a = b;
  }
}

export class GrowI32 {
  a: Int32Array;
  constructor(n = 1024) {
    this.a = new Int32Array(n);
  }
  ensure(n: number): void {
    if (n <= this.a.length) return;
    let cap = this.a.length * 2;
    while (cap < n) cap *= 2;
    const b = new Int32Array(cap);
    b.set(this.a);
    this.a = b;
  }
}

/**
 * Value per (node, line) where nearly every node has a single line: that first line is kept
 * in an array, only a node's other lines go to a hash map. The first line's value is not
 * summed (callers derive it: the node's whole value minus the others), so the common case
 * costs one array read per frame.
 */
class LineTally {
  readonly first = new GrowI32();
  private readonly others = new PairMap(1024);
  private readonly otherValue = new GrowF64();
  private otherCount = 0;

  constructor() {
    this.first.a.fill(-1);
  }

  /** Makes room for node ids below n (new ones start with no line). */
  ensure(n: number): void {
    const old = this.first.a.length;
    this.first.ensure(n);
    if (this.first.a.length !== old) this.first.a.fill(-1, old);
  }

  add(node: number, line: number, value: number): void {
    const first = this.first.a[node];
    if (first === line) return;
    if (first === -1) {
      this.first.a[node] = line;
      return;
    }
    const k = this.others.getOrInsert(node, line, this.otherCount);
    if (k === this.otherCount) {
      this.otherCount++;
      this.otherValue.ensure(this.otherCount);
      this.otherValue.a[k] = 0;
    }
    this.otherValue.a[k] += value;
  }

  /** Calls fn for each (node, line, value) that is not a node's first line. */
  forEachOther(fn: (node: number, line: number, value: number) => void): void {
    const v = this.otherValue.a;
    this.others.forEach((node, line, k) => fn(node, line, v[k]));
  }
}

/**
 * The children of each node p, at childList[childStart[p] .. childStart[p + 1]), in creation
 * order. childStart[p] first holds the end of p's range and moves down to its start as the
 * children are placed, last first: no cursor array.
 */
function childLists(n: number, parent: Int32Array, childStart: Int32Array, childList: Int32Array): void {
  for (let i = 1; i < n; i++) childStart[parent[i]]++;
  for (let i = 0; i < n; i++) childStart[i + 1] += childStart[i];
  for (let i = n - 1; i > 0; i--) childList[--childStart[parent[i]]] = i;
}

/** Preorder by an explicit stack (trees can be thousands deep: no recursion): each node's new index, the node at each, the new parents. */
function preorder(n: number, childStart: Int32Array, childList: Int32Array, oldParent: Int32Array, stack: Int32Array, pos: Int32Array, at: Int32Array, parent: Int32Array): void {
  let sp = 0;
  let k = 0;
  stack[sp++] = 0;
  while (sp > 0) {
    const v = stack[--sp];
    pos[v] = k;
    at[k] = v;
    parent[k++] = v === 0 ? -1 : pos[oldParent[v]];
    for (let j = childStart[v + 1] - 1; j >= childStart[v]; j--) stack[sp++] = childList[j];
  }
  if (k !== n) throw new Error(`flame tree layout reached ${k} of ${n} nodes`);
}

/** Each node's depth, from the parents of a tree in preorder (a parent before its children). */
export function depthsOf(parent: Int32Array, depth: Int32Array): void {
  depth[0] = 0;
  for (let i = 1; i < parent.length; i++) depth[i] = depth[parent[i]] + 1;
}

/** Each node's depth and subtree size, from the parents of a tree in preorder (a parent before its children). */
export function depthsAndSizes(parent: Int32Array, depth: Int32Array, size: Int32Array): void {
  const n = parent.length;
  depthsOf(parent, depth);
  size.fill(1);
  for (let i = n - 1; i > 0; i--) size[parent[i]] += size[i];
}

/**
 * A call tree merged by function: node 0 is the root; children are found by (parent, func).
 * Nodes are numbered in creation order, so a parent always precedes its children, which lets
 * totals be summed in one reverse pass. {@link finish} sorts and lays it out in preorder.
 */
export class TreeBuilder {
  /**
   * Children are found through a sibling list while a node has few (most nodes have one or
   * two, and a node created by this sample has none: no lookup at all), and through a hash
   * map of (parent, func) once it has more than WIDE. The map then stays small, and so in
   * cache: a map of every node costs a cache miss per frame on a large profile.
   */
  private readonly children = new PairMap(1024);
  private readonly firstChild = new GrowI32();
  private readonly nextSibling = new GrowI32();
  private readonly childCount = new GrowI32();
  readonly parent = new GrowI32();
  readonly func = new GrowI32();
  /** self[t] per node. */
  readonly self: GrowF64[];
  /**
   * Where each node's value ran, to pick its line: `calls` is keyed by the callee node (the
   * line in its parent's function that called it), `selfs` by the leaf node, `direct` takes
   * (node, line, value) as given (sandwich trees, built from nodes rather than samples).
   */
  private readonly calls = new LineTally();
  private readonly selfs = new LineTally();
  private readonly direct = new LineTally();
  private readonly directFirstValue = new GrowF64();
  count = 1;
  private cap = 1024;

  /** `capacity`: the expected node count, so that a large tree does not reallocate as it grows. */
  constructor(
    readonly nTypes: number,
    capacity = 1024,
  ) {
    this.self = Array.from({ length: nTypes }, () => new GrowF64());
    this.reserve(Math.max(1024, capacity));
    this.parent.a[0] = -1;
    this.func.a[0] = -1;
    this.firstChild.a[0] = -1;
  }

  private reserve(n: number): void {
    this.cap = n;
    for (const g of [this.firstChild, this.nextSibling, this.childCount, this.parent, this.func]) g.ensure(n);
    for (const g of [...this.self, this.directFirstValue]) g.ensure(n);
    for (const t of [this.calls, this.selfs, this.direct]) t.ensure(n);
  }

  /** The child of `parent` for function `func`, created if absent. */
  child(parent: number, func: number): number {
    const funcs = this.func.a;
    if (this.childCount.a[parent] > WIDE) {
      const n = this.children.getOrInsert(parent, func, this.count);
      if (n === this.count) this.create(parent, func);
      return n;
    }
    const next = this.nextSibling.a;
    for (let c = this.firstChild.a[parent]; c !== -1; c = next[c]) if (funcs[c] === func) return c;
    const n = this.create(parent, func);
    if (this.childCount.a[parent] > WIDE) {
      for (let c = this.firstChild.a[parent]; c !== -1; c = this.nextSibling.a[c]) this.children.getOrInsert(parent, this.func.a[c], c);
    }
    return n;
  }

  private create(parent: number, func: number): number {
    const n = this.count++;
    if (this.count > this.cap) this.reserve(this.cap * 2);
    this.parent.a[n] = parent;
    this.func.a[n] = func;
    this.firstChild.a[n] = -1;
    this.nextSibling.a[n] = this.firstChild.a[parent];
    this.firstChild.a[parent] = n;
    this.childCount.a[parent]++;
    return n;
  }

  /** A sample passed from its parent's function, at `line` there, into `node` (value of the default type). */
  callLine(node: number, line: number, value: number): void {
    this.calls.add(node, line, value);
  }

  /** A sample's leaf frame is `node`, at `line` (value of the default type). */
  selfLine(node: number, line: number, value: number): void {
    this.selfs.add(node, line, value);
  }

  /** `value` (of the default type) ran at `line` of the node's function. */
  addLine(node: number, line: number, value: number): void {
    if (this.direct.first.a[node] === -1 || this.direct.first.a[node] === line) this.directFirstValue.a[node] += value;
    this.direct.add(node, line, value);
  }

  /**
   * Sums totals, sorts children by decreasing total of `order` (ties by function name, so
   * the layout does not depend on the profile's numbering), and lays the tree out in preorder.
   */
  finish(order: number, functions: readonly FlameFunction[]): FlameTree {
    const n = this.count;
    const nTypes = this.nTypes;
    const parent = this.parent.a;
    const func = this.func.a;
    // Totals in creation order for the sort key only; the others are summed after the layout,
    // where a node's parent is usually close by (cheaper than gathering them in random order).
    const def = new Float64Array(n);
    def.set(this.self[order].a.subarray(0, n));
    for (let i = n - 1; i > 0; i--) def[parent[i]] += def[i];

    // Children lists (CSR), sorted.
    const childStart = new Int32Array(n + 1);
    const childList = new Int32Array(Math.max(0, n - 1));
    childLists(n, parent, childStart, childList);
    const key = def;
    const cmp = (a: number, b: number): number => {
      const d = key[b] - key[a];
      if (d !== 0) return d;
      const fa = functions[func[a]]?.name ?? '';
      const fb = functions[func[b]]?.name ?? '';
      return fa < fb ? -1 : fa > fb ? 1 : func[a] - func[b];
    };
    for (let p = 0; p < n; p++) {
      const s = childStart[p];
      const e = childStart[p + 1];
      if (e - s > 1) childList.subarray(s, e).sort(cmp);
    }

    // Best line per node: the line with the most value; ties go to the lowest line. The
    // candidates of node N: the lines from which N called each child (the value is the
    // child's total), the lines of N's own samples (its self), and lines given directly.
    // Each first line's value is derived from totals; the other lines, rare, are in `extra`.
    const selfDef = this.self[order].a;
    const callOthers = new Float64Array(n);
    const selfOthers = new Float64Array(n);
    const extra = new Map<number, number[]>();
    const pushExtra = (node: number, line: number, v: number): void => {
      const a = extra.get(node);
      if (a) a.push(line, v);
      else extra.set(node, [line, v]);
    };
    this.calls.forEachOther((c, line, v) => {
      callOthers[c] += v;
      pushExtra(parent[c], line, v);
    });
    this.selfs.forEachOther((node, line, v) => {
      selfOthers[node] += v;
      pushExtra(node, line, v);
    });
    this.direct.forEachOther(pushExtra);
    const callFirst = this.calls.first.a;
    const selfFirst = this.selfs.first.a;
    const directFirst = this.direct.first.a;
    const directFirstValue = this.directFirstValue.a;
    const bestLine = new Int32Array(n);
    // Per node scratch of (line, value): a linear scan, as nodes have few distinct lines.
    let sl: number[] = [];
    let sv: number[] = [];
    const add = (line: number, v: number): void => {
      for (let j = 0; j < sl.length; j++)
        if (sl[j] === line) {
          sv[j] += v;
          return;
        }
      sl.push(line);
      sv.push(v);
    };
    for (let i = 0; i < n; i++) {
      const cs = childStart[i];
      const ce = childStart[i + 1];
      // The common case: one child, no samples ending here, no other lines.
      if (ce - cs === 1 && selfFirst[i] === -1 && directFirst[i] === -1 && !extra.has(i)) {
        bestLine[i] = Math.max(0, callFirst[childList[cs]]);
        continue;
      }
      if (ce - cs > 64) {
        // A wide node (a dispatcher): a Map rather than the quadratic scan.
        const m = new Map<number, number>();
        for (let j = cs; j < ce; j++) {
          const c = childList[j];
          if (callFirst[c] !== -1) m.set(callFirst[c], (m.get(callFirst[c]) ?? 0) + def[c] - callOthers[c]);
        }
        sl = [...m.keys()];
        sv = [...m.values()];
      } else {
        sl = [];
        sv = [];
        for (let j = cs; j < ce; j++) {
          const c = childList[j];
          if (callFirst[c] !== -1) add(callFirst[c], def[c] - callOthers[c]);
        }
      }
      if (selfFirst[i] !== -1) add(selfFirst[i], selfDef[i] - selfOthers[i]);
      if (directFirst[i] !== -1) add(directFirst[i], directFirstValue[i]);
      const ex = extra.get(i);
      if (ex) for (let j = 0; j < ex.length; j += 2) add(ex[j], ex[j + 1]);
      let best = -1;
      for (let j = 0; j < sl.length; j++) if (best < 0 || sv[j] > sv[best] || (sv[j] === sv[best] && sl[j] < sl[best])) best = j;
      bestLine[i] = best < 0 ? 0 : Math.max(0, sl[best]);
    }

    const order2old = new Int32Array(n);
    const old2new = new Int32Array(n);
    const newParent = new Int32Array(n);
    preorder(n, childStart, childList, parent, new Int32Array(n), old2new, order2old, newParent);

    // One gather per array: fewer streams of random reads at a time keep more of them cached.
    const gatherF = (src: Float64Array): Float64Array => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = src[order2old[i]];
      return out;
    };
    const gatherI = (src: Int32Array): Int32Array => {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[order2old[i]];
      return out;
    };
    const tree: FlameTree = {
      parent: newParent,
      func: gatherI(func),
      line: gatherI(bestLine),
      depth: new Int32Array(n),
      size: new Int32Array(n),
      // Each type's self values gathered into preorder, then summed up the tree in place.
      total: this.self.map((g) => gatherF(g.a)),
    };
    for (let t = 0; t < nTypes; t++) {
      const tot = tree.total[t];
      for (let i = n - 1; i > 0; i--) tot[newParent[i]] += tot[i];
    }
    depthsAndSizes(newParent, tree.depth, tree.size);
    return tree;
  }
}
