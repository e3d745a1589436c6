/**
 * The flame tree of a decoded profile: its stacks merged by function, root to leaf, laid out
 * in preorder. Written for profiles of tens of millions of frames, where the cost is cache
 * misses and first touches of fresh memory, not instructions: what the walk needs of a node
 * sits in one 32-byte record, so reaching a node costs one miss instead of one per array, no
 * frame allocates, and the layout works in its own output arrays before it fills them (a
 * fresh array costs a page fault per 4 KB: on this scale a good part of the time).
 */
import type { FlameFunction, FlameTree } from '../../shared/flame';
import { type Profile, stackLocations } from './decode';
import { childLists, depthsAndSizes, PairMap, preorder } from './treeBuilder';

/*
 * Record fields, 8 int32 per node.
 *
 * CHILD says how the node's children are found. 0: none (the root is nobody's child). > 0:
 * one child, whose function is CHILD_FUNC, so walking into an only child (most nodes have
 * one or none) needs no lookup and reads no other node. < 0: -CHILD is the offset in the
 * arena of the node's own hash table of (func + 1, child) pairs, with CHILD_FUNC its mask:
 * the children of one node sit together, so a hot node's table stays in cache, where one map
 * of all nodes would cost a cache miss per lookup.
 */
const CHILD = 0;
const CHILD_FUNC = 1;
/**
 * The line, in the parent's function, of the first call that entered this node. A node's
 * line is that of its frame; for an inner frame it is where it called the next one, so it is
 * tallied on the callee: nearly every callee is called from one line, and that costs no
 * lookup. Other lines (rare) go to a hash map; the first line's value is derived from totals.
 */
const CALL_LINE = 2;
/** The line of the first sample that ended at this node (NO_LINE if none has). */
const SELF_LINE = 3;
const FUNC = 4;
const PARENT = 5;
/** Filled by the layout: the line shown for the node. */
const BEST_LINE = 6;
/**
 * Filled by the layout: 1 + the node's slot among the nodes that have lines other than their
 * first (0, as fresh memory is, for the others: nearly all). Also keeps a record at 32 bytes,
 * so that none straddles two cache lines.
 */
const OTHER = 7;
const R = 8;
const NO_LINE = -2147483648;

/** (node, line) -> summed value, for the few lines that are not a node's first. */
class LineValues {
  private readonly index = new PairMap(1024);
  value = new Float64Array(1024);
  count = 0;

  /** The slot in `value` of (node, line). */
  slot(node: number, line: number): number {
    const k = this.index.getOrInsert(node, line, this.count);
    if (k === this.count) {
      if (k === this.value.length) {
        const v = new Float64Array(k * 2);
        v.set(this.value);
        this.value = v;
      }
      this.count++;
    }
    return k;
  }

  forEach(fn: (node: number, line: number, value: number) => void): void {
    const v = this.value;
    this.index.forEach((node, line, k) => fn(node, line, v[k]));
  }
}

/** The tree under construction, in creation order (a parent is always created before its children). */
class Builder {
  /** Record of node i at rec[i * R ...]. */
  rec: Int32Array;
  /**
   * Per node, the value of the default sample type of the samples that ended there; the
   * layout sums it up the tree in place. The other types are only summed once the preorder
   * is known, straight into the output (per node values of every type here would be a
   * large fresh array, for values that each sample has once).
   */
  own: Float64Array;
  count = 1;
  private cap: number;
  /** Child tables; slot pairs (func + 1, child), 0 when free (fresh memory is zeros); the count before each table. */
  private arena: Int32Array;
  private arenaTop = 1;
  /** (callee node, line) -> value, for calls from a line other than the node's CALL_LINE. */
  readonly callOther = new LineValues();
  /** (leaf node, line) -> value, for samples ending at a line other than the node's SELF_LINE. */
  readonly selfOther = new LineValues();

  constructor(capacity: number) {
    this.cap = Math.max(1024, capacity);
    // Only the part written is ever touched: a generous capacity costs address space, not memory.
    this.rec = new Int32Array(this.cap * R);
    this.own = new Float64Array(this.cap);
    // Eight int32 per node of capacity: a branching tree needs several (a node with 16
    // children has had tables of 4, 8, 16 and 32 pairs, the smaller ones abandoned as it grew:
    // 31 int32 per child; measured, 8 per node on a heap profile of 1.7M nodes). Untouched,
    // the room costs nothing; growing the arena copies all of it into fresh memory.
    this.arena = new Int32Array(Math.max(1 << 16, 8 * this.cap));
    this.rec[SELF_LINE] = NO_LINE;
    this.rec[FUNC] = -1;
    this.rec[PARENT] = -1;
  }

  /** The child of `p` for function `func`, created (entered from `line` of p) if absent. */
  child(p: number, func: number, line: number): number {
    const r = p * R;
    const c = this.rec[r + CHILD];
    if (c > 0) {
      if (this.rec[r + CHILD_FUNC] === func) return c;
      // A second child: the node gets a table, with both.
      const off = this.table(4);
      this.insert(off, 3, this.rec[r + CHILD_FUNC], c);
      const n = this.create(p, func, line);
      this.insert(off, 3, func, n);
      this.rec[r + CHILD] = -off;
      this.rec[r + CHILD_FUNC] = 3;
      return n;
    }
    if (c === 0) {
      const n = this.create(p, func, line);
      // create may have grown the records: write through the current array.
      this.rec[r + CHILD] = n;
      this.rec[r + CHILD_FUNC] = func;
      // The line of a node with one child is where it calls it, known now: the layout then
      // need not read the child's record (a cache miss) for most nodes.
      this.rec[r + BEST_LINE] = line;
      return n;
    }
    const off = -c;
    const mask = this.rec[r + CHILD_FUNC];
    const a = this.arena;
    const key = func + 1;
    let i = Math.imul(func, 0x9e3779b1) >>> Math.clz32(mask);
    for (;;) {
      const j = off + 2 * i;
      const f = a[j];
      if (f === key) return a[j + 1];
      if (f === 0) break;
      i = (i + 1) & mask;
    }
    const n = this.create(p, func, line);
    if ((a[off - 1] + 1) * 2 > mask + 1) {
      // Past half full: a table twice the size, in fresh arena space (the old one is left).
      const cap = (mask + 1) * 2;
      const nOff = this.table(cap);
      const old = this.arena;
      for (let k = 0; k <= mask; k++) if (old[off + 2 * k] !== 0) this.insert(nOff, cap - 1, old[off + 2 * k] - 1, old[off + 2 * k + 1]);
      this.insert(nOff, cap - 1, func, n);
      this.rec[r + CHILD] = -nOff;
      this.rec[r + CHILD_FUNC] = cap - 1;
    } else {
      this.insert(off, mask, func, n);
    }
    return n;
  }

  /**
   * The child tables' memory, for scratch arrays once the tree is built (the tables are no
   * longer read then): the part used is already faulted in, where a fresh array costs a page
   * fault per 4 KB, on this scale a good part of the time.
   */
  spentArena(): Int32Array {
    return this.arena;
  }

  /** A free table of `cap` slots (a power of two) in the arena; returns its offset. */
  private table(cap: number): number {
    const need = this.arenaTop + 1 + 2 * cap;
    if (need > this.arena.length) {
      let len = this.arena.length * 2;
      while (len < need) len *= 2;
      const a = new Int32Array(len);
      a.set(this.arena.subarray(0, this.arenaTop));
      this.arena = a;
    }
    const off = this.arenaTop + 1;
    this.arenaTop = need;
    return off;
  }

  private insert(off: number, mask: number, func: number, child: number): void {
    const a = this.arena;
    let i = Math.imul(func, 0x9e3779b1) >>> Math.clz32(mask);
    while (a[off + 2 * i] !== 0) i = (i + 1) & mask;
    a[off + 2 * i] = func + 1;
    a[off + 2 * i + 1] = child;
    a[off - 1]++;
  }

  private create(p: number, func: number, line: number): number {
    const n = this.count++;
    if (n === this.cap) {
      this.cap *= 2;
      const rec = new Int32Array(this.cap * R);
      rec.set(this.rec);
      this.rec = rec;
      const own = new Float64Array(this.cap);
      own.set(this.own);
      this.own = own;
    }
    const r = n * R;
    const a = this.rec;
    a[r + CALL_LINE] = line;
    a[r + SELF_LINE] = NO_LINE;
    a[r + FUNC] = func;
    a[r + PARENT] = p;
    return n;
  }
}

function grown(a: Int32Array, min: number): Int32Array {
  const b = new Int32Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

/** Every BOUNDS_STRIDE-th sample is compared with its predecessor to estimate {@link bounds}. */
const BOUNDS_STRIDE = 8;

/**
 * An estimate of the node count: one per frame not shared with the previous sample's stack
 * (a shared frame is the previous sample's node), so the records are allocated once. Also,
 * per depth from the root, how many samples have a location there that their predecessor
 * does not have at that depth (the stacks parted at or above it). Both from every
 * BOUNDS_STRIDE-th sample only (scaled up): a full pass reads every frame of the profile
 * once more, and both figures only guide performance (the records grow past an estimate
 * that falls short; the sort depths change the order, not the tree).
 */
function bounds(p: Profile): { maxNodes: number; varying: Int32Array } {
  const { sampleCount, sampleLocStart, locFrameStart } = p;
  const sampleLocs = stackLocations(p);
  const stride = sampleCount >= 64 * BOUNDS_STRIDE ? BOUNDS_STRIDE : 1;
  let nodes = 0;
  let varying: Int32Array = new Int32Array(64);
  for (let s = stride - 1; s < sampleCount; s += stride) {
    const end = sampleLocStart[s + 1];
    const depth = end - sampleLocStart[s];
    const prevEnd = sampleLocStart[s];
    const prevDepth = s > 0 ? prevEnd - sampleLocStart[s - 1] : 0;
    let d = 0;
    while (d < depth && d < prevDepth && sampleLocs[end - 1 - d] === sampleLocs[prevEnd - 1 - d]) d++;
    const top = Math.max(depth, prevDepth);
    if (top > varying.length) varying = grown(varying, top);
    for (let k = d; k < top; k++) varying[k] += stride;
    for (let i = end - 1 - d; i >= end - depth; i--) nodes += locFrameStart[sampleLocs[i] + 1] - locFrameStart[sampleLocs[i]];
  }
  // A quarter more than the estimate: a growth copies every record written so far.
  return { maxNodes: 1 + Math.ceil(nodes * stride * 1.25), varying };
}

/** At most this many depths are sort digits. */
const SORT_DEPTHS = 3;
/**
 * The sort stops adding digits once this many groups may result: the copy into the walk's
 * order ({@link regroup}) writes one sequential stream per group, cheap while their current
 * cache lines all stay in cache. On a heap profile of 1.7M nodes, 16 and 256 groups gave the
 * same time within the noise of this machine.
 */
const SORT_GROUPS = 1024;
/** Below this many samples the tree stays in cache whatever the order: no sort. */
const SORT_MIN_SAMPLES = 1 << 14;

/**
 * The order in which to walk the samples: grouped by their locations at the first depths
 * (from the root) where stacks part, by a stable LSD radix sort (one counting pass per
 * depth). Profiles list samples in hash order, so consecutive stacks share little and every
 * lookup lands on a node last touched long ago: a cache miss per frame. Walked group by
 * group, each group's subtree is small enough to stay in cache while its samples are walked,
 * and nodes are created subtree by subtree, an order close to the preorder the layout makes.
 * The order does not change the tree: values are integers, summed exactly in any order.
 */
function sampleOrder(p: Profile, varying: Int32Array): Int32Array | undefined {
  const { sampleCount: n, sampleLocStart } = p;
  const sampleLocs = stackLocations(p);
  if (n < SORT_MIN_SAMPLES) return undefined;
  const nLocs = p.locFrameStart.length - 1;
  // Depths where at least 1/256 of the samples differ from their predecessor, root first,
  // while the number of groups (estimated from every 64th sample) stays small.
  const depths: number[] = [];
  const seen = new Uint8Array(nLocs + 1);
  let groups = 1;
  for (let d = 0; d < varying.length && depths.length < SORT_DEPTHS; d++) {
    if (varying[d] * 256 < n) continue;
    seen.fill(0);
    let distinct = 0;
    for (let s = 0; s < n; s += 64) {
      const end = sampleLocStart[s + 1];
      const x = d < end - sampleLocStart[s] ? sampleLocs[end - 1 - d] + 1 : 0;
      if (seen[x] === 0) {
        seen[x] = 1;
        distinct++;
      }
    }
    if (depths.length > 0 && groups * distinct > SORT_GROUPS) break;
    depths.push(d);
    groups *= distinct;
  }
  if (depths.length === 0) return undefined;
  let order = new Int32Array(n);
  let next = new Int32Array(n);
  for (let s = 0; s < n; s++) order[s] = s;
  // Digit: 1 + the location at that depth, 0 past the stack's end (so shorter stacks first).
  const digit = new Int32Array(n);
  const count = new Int32Array(nLocs + 2);
  for (let k = depths.length - 1; k >= 0; k--) {
    const d = depths[k];
    count.fill(0);
    for (let s = 0; s < n; s++) {
      const end = sampleLocStart[s + 1];
      const x = d < end - sampleLocStart[s] ? sampleLocs[end - 1 - d] + 1 : 0;
      digit[s] = x;
      count[x + 1]++;
    }
    for (let j = 1; j < count.length; j++) count[j] += count[j - 1];
    for (let i = 0; i < n; i++) {
      const s = order[i];
      next[count[digit[s]]++] = s;
    }
    const t = order;
    order = next;
    next = t;
  }
  return order;
}

/**
 * The samples' stacks and values copied into the walk's order. Each is written where its
 * group's part of the copy has got to: the profile is read in its order, the copy is written
 * in a few hundred sequential streams, and the walk and the layout then read it in order,
 * where reading the profile's own arrays in the walk's order would be a cache miss per sample
 * (it was the largest part of the walk's time), and adding the values up in the profile's
 * order would be one per value.
 */
function regroup(p: Profile, order: Int32Array): { sampleLocs: Int32Array | Uint16Array; sampleLocStart: Int32Array; values: Float64Array } {
  const n = p.sampleCount;
  const nTypes = p.sampleTypes.length;
  const { sampleLocStart: start, values } = p;
  const locs = stackLocations(p);
  const dest = new Int32Array(n);
  const sampleLocStart = new Int32Array(n + 1);
  let w = 0;
  for (let i = 0; i < n; i++) {
    const s = order[i];
    dest[s] = i;
    sampleLocStart[i] = w;
    w += start[s + 1] - start[s];
  }
  sampleLocStart[n] = w;
  const sampleLocs = locs instanceof Uint16Array ? new Uint16Array(w) : new Int32Array(w);
  const out = new Float64Array(n * nTypes);
  for (let s = 0; s < n; s++) {
    const i = dest[s];
    let o = sampleLocStart[i];
    for (let k = start[s]; k < start[s + 1]; k++) sampleLocs[o++] = locs[k];
    const from = s * nTypes;
    const to = i * nTypes;
    for (let t = 0; t < nTypes; t++) out[to + t] = values[from + t];
  }
  return { sampleLocs, sampleLocStart, values: out };
}

/**
 * The flame tree of a profile: children in decreasing total of the default type (ties by
 * function name, so the layout does not depend on the profile's numbering), each node's
 * `line` the one carrying most of its value (ties to the lowest).
 */
export function buildFlameTree(profile: Profile): FlameTree {
  const nTypes = profile.sampleTypes.length;
  const def = profile.defaultType;
  const { sampleCount, locFrameStart, frameFunc, frameLine } = profile;
  const { maxNodes, varying } = bounds(profile);
  const order = sampleOrder(profile, varying);
  // The walk's order: samples in groups, or as they are.
  const { sampleLocs, sampleLocStart, values } = order ? regroup(profile, order) : { sampleLocs: stackLocations(profile), sampleLocStart: profile.sampleLocStart, values: profile.values };
  // Past 2^24 nodes (512 MB of records) they grow as needed instead: the estimate can be far above the count.
  const b = new Builder(Math.min(maxNodes, 1 << 24));
  /** The node where each sample ended: its values go there once the layout is known. */
  const leaf = new Int32Array(sampleCount);

  // The current path: per location depth the location and the frame depth after it, per
  // frame depth the node and its line. A sample reuses the previous one's nodes for the
  // locations it shares with it from the root.
  let pathLoc: Int32Array = new Int32Array(256);
  let locFrameEnd: Int32Array = new Int32Array(256);
  let pathNode: Int32Array = new Int32Array(256);
  let pathLine: Int32Array = new Int32Array(256);
  // Frames of the path entered from a line other than their node's CALL_LINE: (frame depth,
  // callOther slot). Only these need a sum per sample; first lines' values come from totals.
  let otherDepth: Int32Array = new Int32Array(64);
  let otherSlot: Int32Array = new Int32Array(64);
  let nOther = 0;
  let prevDepth = 0;
  for (let s = 0; s < sampleCount; s++) {
    const end = sampleLocStart[s + 1];
    const depth = end - sampleLocStart[s];
    const v = values[s * nTypes + def];
    if (depth > pathLoc.length) {
      pathLoc = grown(pathLoc, depth);
      locFrameEnd = grown(locFrameEnd, depth);
    }
    // Stacks are stored leaf first: location d from the root is sampleLocs[end - 1 - d].
    let d = 0;
    while (d < depth && d < prevDepth && sampleLocs[end - 1 - d] === pathLoc[d]) d++;
    prevDepth = depth;
    let fd = d > 0 ? locFrameEnd[d - 1] : 0;
    while (nOther > 0 && otherDepth[nOther - 1] >= fd) nOther--;
    let node = fd > 0 ? pathNode[fd - 1] : 0;
    for (; d < depth; d++) {
      const loc = sampleLocs[end - 1 - d];
      // Frames of a location are innermost first: walk them outermost first.
      for (let f = locFrameStart[loc + 1] - 1; f >= locFrameStart[loc]; f--) {
        const callLine = fd > 0 ? pathLine[fd - 1] : NO_LINE;
        node = b.child(node, frameFunc[f], callLine);
        if (fd > 0 && b.rec[node * R + CALL_LINE] !== callLine) {
          if (nOther === otherDepth.length) {
            otherDepth = grown(otherDepth, nOther + 1);
            otherSlot = grown(otherSlot, nOther + 1);
          }
          otherDepth[nOther] = fd;
          otherSlot[nOther++] = b.callOther.slot(node, callLine);
        }
        if (fd === pathNode.length) {
          pathNode = grown(pathNode, fd + 1);
          pathLine = grown(pathLine, fd + 1);
        }
        pathNode[fd] = node;
        pathLine[fd++] = frameLine[f];
      }
      pathLoc[d] = loc;
      locFrameEnd[d] = fd;
    }
    const ov = b.callOther.value;
    for (let i = 0; i < nOther; i++) ov[otherSlot[i]] += v;
    if (fd > 0) {
      const r = node * R + SELF_LINE;
      const line = pathLine[fd - 1];
      const rec = b.rec;
      if (rec[r] === NO_LINE) rec[r] = line;
      else if (rec[r] !== line) b.selfOther.value[b.selfOther.slot(node, line)] += v;
    }
    b.own[node] += v;
    leaf[s] = node;
  }
  return layout(b, profile, values, leaf);
}

/**
 * Totals, best lines, children sorted, preorder: the builder's tree as a {@link FlameTree}.
 * The output arrays are allocated first and serve as the scratch arrays of the steps before
 * each is filled (noted at each step): no other array of the tree's size is made, but the
 * children's offsets. Each step is a function of its own: V8 optimises a long function's
 * loops one at a time and throws the code away when the next step first runs (measured: nine
 * deoptimisations of the single function this was), small ones are compiled once.
 */
function layout(b: Builder, profile: Profile, values: Float64Array, leaf: Int32Array): FlameTree {
  const n = b.count;
  const nTypes = profile.sampleTypes.length;
  const def = profile.defaultType;
  const parent = new Int32Array(n);
  const func = new Int32Array(n);
  const line = new Int32Array(n);
  const depth = new Int32Array(n);
  const size = new Int32Array(n);
  const total = Array.from({ length: nTypes }, () => new Float64Array(n));

  // The builder's own values become the totals of the default type, in creation order; the
  // parents are copied out of the records into `size` (scratch).
  const key = b.own;
  const oldParent = size;
  sumUp(b, key, oldParent);

  // Children lists (CSR): offsets in the spent child tables when they are large enough (their
  // memory is faulted in already), the lists in `depth` (scratch).
  const arena = b.spentArena();
  const childStart = arena.length > n ? arena.subarray(0, n + 1).fill(0) : new Int32Array(n + 1);
  const childList = depth;
  childLists(n, oldParent, childStart, childList);
  sortChildren(b, key, childStart, childList, profile.functions);
  bestLines(b, key, oldParent, childStart, childList);

  // The preorder: its stack in the default type's total (scratch: 8 bytes per node, it needs
  // 4), each node's new index in `func` (scratch), the node at each new index in `line`
  // (scratch); the new parents are final.
  preorder(n, childStart, childList, oldParent, new Int32Array(total[def].buffer, 0, n), func, line, parent);
  total[def].fill(0);
  sumValues(values, leaf, func, parent, total);
  gather(b, line, func, line);
  depthsAndSizes(parent, depth, size);
  return { parent, func, line, depth, size, total };
}

/** Sums the builder's own values up the tree (parents precede children: one reverse pass), copying out the parents. */
function sumUp(b: Builder, key: Float64Array, parent: Int32Array): void {
  const { rec, count: n } = b;
  for (let i = n - 1; i > 0; i--) {
    const p = rec[i * R + PARENT];
    parent[i] = p;
    key[p] += key[i];
  }
  parent[0] = -1;
}

/**
 * Every sample's values (in the walk's order) into its node's total at the node's new index,
 * then summed up the tree.
 */
function sumValues(values: Float64Array, leaf: Int32Array, pos: Int32Array, parent: Int32Array, total: Float64Array[]): void {
  const nTypes = total.length;
  const n = parent.length;
  const m = leaf.length;
  if (nTypes === 4) {
    // Go's heap profiles: the four types in one pass.
    const [a0, a1, a2, a3] = total;
    for (let i = 0; i < m; i++) {
      const s = i * 4;
      const x = pos[leaf[i]];
      a0[x] += values[s];
      a1[x] += values[s + 1];
      a2[x] += values[s + 2];
      a3[x] += values[s + 3];
    }
    for (let i = n - 1; i > 0; i--) {
      const p = parent[i];
      a0[p] += a0[i];
      a1[p] += a1[i];
      a2[p] += a2[i];
      a3[p] += a3[i];
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const s = i * nTypes;
    const x = pos[leaf[i]];
    for (let t = 0; t < nTypes; t++) total[t][x] += values[s + t];
  }
  for (const tot of total) for (let i = n - 1; i > 0; i--) tot[parent[i]] += tot[i];
}

/** Each node's function and line from its record, in the new order (`at` may be `line`: each entry is read before it is written). */
function gather(b: Builder, at: Int32Array, func: Int32Array, line: Int32Array): void {
  const { rec } = b;
  const n = func.length;
  for (let i = 0; i < n; i++) {
    const r = at[i] * R;
    func[i] = rec[r + FUNC];
    line[i] = rec[r + BEST_LINE];
  }
}

/**
 * Sorts each node's children by decreasing total, ties by function name then index, by a
 * rank of the functions in that order computed on the first tie (string comparisons per tie
 * would dominate: heap profiles have many equal totals). No comparator closure: a sort
 * callback is not inlined, and a call per comparison was most of the sorting time.
 */
function sortChildren(b: Builder, key: Float64Array, childStart: Int32Array, childList: Int32Array, functions: readonly FlameFunction[]): void {
  const n = b.count;
  const rec = b.rec;
  let rank: Int32Array | undefined;
  let tmp = new Int32Array(64);
  /** Whether x goes before y: a larger total, or an equal one and an earlier name. */
  const before = (x: number, y: number): boolean => {
    const kx = key[x];
    const ky = key[y];
    if (kx !== ky) return kx > ky;
    rank ??= nameRank(functions);
    return rank[rec[x * R + FUNC]] < rank[rec[y * R + FUNC]];
  };
  for (let p = 0; p < n; p++) {
    const s = childStart[p];
    const e = childStart[p + 1];
    if (e - s <= 1) continue;
    if (e - s <= 32) {
      // Few children (nearly all nodes): an insertion sort.
      for (let i = s + 1; i < e; i++) {
        const x = childList[i];
        let j = i - 1;
        while (j >= s && before(x, childList[j])) {
          childList[j + 1] = childList[j];
          j--;
        }
        childList[j + 1] = x;
      }
      continue;
    }
    // Many (a dispatcher): a bottom-up merge sort through a scratch array.
    if (tmp.length < e - s) tmp = new Int32Array(2 * (e - s));
    let src: Int32Array = childList.subarray(s, e);
    let dst: Int32Array = tmp.subarray(0, e - s);
    const len = e - s;
    for (let width = 1; width < len; width *= 2) {
      for (let lo = 0; lo < len; lo += 2 * width) {
        const mid = Math.min(lo + width, len);
        const hi = Math.min(lo + 2 * width, len);
        let i = lo;
        let j = mid;
        let o = lo;
        while (i < mid && j < hi) dst[o++] = before(src[j], src[i]) ? src[j++] : src[i++];
        while (i < mid) dst[o++] = src[i++];
        while (j < hi) dst[o++] = src[j++];
      }
      const t = src;
      src = dst;
      dst = t;
    }
    if (src.buffer !== childList.buffer) childList.set(src, s);
  }
}

/** Each function's position in the order of (name, index); the root's function -1 is never a child. */
function nameRank(functions: readonly FlameFunction[]): Int32Array {
  const byName = Int32Array.from(functions, (_, i) => i).sort((a, c) => {
    const na = functions[a].name;
    const nc = functions[c].name;
    return na < nc ? -1 : na > nc ? 1 : a - c;
  });
  const rank = new Int32Array(functions.length);
  for (let i = 0; i < byName.length; i++) rank[byName[i]] = i;
  return rank;
}

/**
 * The line of each node that carries the most of its value (ties to the lowest, never below
 * 0), into its record's BEST_LINE. A node's value ran at the lines from which it called each
 * child (the child's total, less what came from its other call lines) and at the lines where
 * its own samples ended (its total less its children's). Nearly every node has one candidate;
 * the rest are merged in scratch arrays, with no allocation per node.
 */
function bestLines(b: Builder, total: Float64Array, parent: Int32Array, childStart: Int32Array, childList: Int32Array): void {
  const n = b.count;
  const { rec } = b;
  // The nodes with other lines get a slot (in their record's OTHER field): the first of the
  // other lines whose value ran in them (a callee's call line is its parent's line; a list
  // through `next`), and what of their own total came from calls at other lines and from
  // samples ending at other lines. Each entry gives at most two nodes a slot.
  const others = b.callOther.count + b.selfOther.count;
  const head = new Int32Array(2 * others).fill(-1);
  const callOtherSum = new Float64Array(2 * others);
  const selfOtherSum = new Float64Array(2 * others);
  const next = new Int32Array(others);
  const otherLine = new Int32Array(others);
  const otherValue = new Float64Array(others);
  let slots = 0;
  const slotOf = (node: number): number => {
    const r = node * R + OTHER;
    if (rec[r] === 0) rec[r] = ++slots;
    return rec[r] - 1;
  };
  let e = 0;
  const link = (node: number, line: number, v: number): void => {
    const k = slotOf(node);
    otherLine[e] = line;
    otherValue[e] = v;
    next[e] = head[k];
    head[k] = e++;
  };
  b.callOther.forEach((c, line, v) => {
    callOtherSum[slotOf(c)] += v;
    link(parent[c], line, v);
  });
  b.selfOther.forEach((node, line, v) => {
    selfOtherSum[slotOf(node)] += v;
    link(node, line, v);
  });

  let sl = new Int32Array(64);
  let sv = new Float64Array(64);
  let m = 0;
  let wide: Map<number, number> | undefined;
  const add = (line: number, v: number): void => {
    if (wide) {
      wide.set(line, (wide.get(line) ?? 0) + v);
      return;
    }
    for (let j = 0; j < m; j++)
      if (sl[j] === line) {
        sv[j] += v;
        return;
      }
    if (m === sl.length) {
      const l2 = new Int32Array(m * 2);
      l2.set(sl);
      sl = l2;
      const v2 = new Float64Array(m * 2);
      v2.set(sv);
      sv = v2;
    }
    sl[m] = line;
    sv[m++] = v;
  };
  rec[BEST_LINE] = 0;
  for (let i = 1; i < n; i++) {
    const cs = childStart[i];
    const ce = childStart[i + 1];
    const r = i * R;
    const selfLine = rec[r + SELF_LINE];
    const k = rec[r + OTHER] - 1;
    const h = k >= 0 ? head[k] : -1;
    // The common cases: one child and nothing else, or a leaf at one line.
    if (h === -1) {
      if (ce - cs === 1 && selfLine === NO_LINE) {
        rec[r + BEST_LINE] = Math.max(0, rec[r + BEST_LINE]);
        continue;
      }
      if (ce === cs) {
        rec[r + BEST_LINE] = Math.max(0, selfLine);
        continue;
      }
    }
    m = 0;
    // A wide node (a dispatcher): a Map rather than the quadratic scan.
    wide = ce - cs > 64 ? new Map() : undefined;
    let below = 0;
    for (let j = cs; j < ce; j++) {
      const c = childList[j];
      below += total[c];
      const kc = rec[c * R + OTHER] - 1;
      add(rec[c * R + CALL_LINE], total[c] - (kc >= 0 ? callOtherSum[kc] : 0));
    }
    if (selfLine !== NO_LINE) add(selfLine, total[i] - below - (k >= 0 ? selfOtherSum[k] : 0));
    for (let x = h; x !== -1; x = next[x]) add(otherLine[x], otherValue[x]);
    let best = 0;
    let bestValue = -Infinity;
    const consider = (line: number, v: number): void => {
      if (v > bestValue || (v === bestValue && line < best)) {
        best = line;
        bestValue = v;
      }
    };
    if (wide) wide.forEach((v, line) => consider(line, v));
    else for (let j = 0; j < m; j++) consider(sl[j], sv[j]);
    rec[r + BEST_LINE] = Math.max(0, best);
  }
}
