/**
 * The flame tree of a decoded profile: its stacks merged by function, root to leaf, laid out
 * in preorder. Written for profiles of tens of millions of frames, where the cost is cache
 * misses and first touches of fresh memory, not instructions: what the walk needs of a node
 * sits in one 32-byte record, so reaching a node costs one miss instead of one per array, no
 * frame allocates, and the layout reuses its scratch arrays.
 */
import type { FlameFunction, FlameTree } from '../../shared/flame';
import { type Profile, stackLocations } from './decode';
import { PairMap } from './treeBuilder';

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
/** 1 + index of the node's self values in `selfs` (0: no sample ended here, self is 0). */
const SELF_SLOT = 6;
/** Filled by the layout: the line shown for the node. */
const BEST_LINE = 7;
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
   * Self values per sample type of the nodes where samples ended, slot k at [k * nTypes ...):
   * only leaves have any, so inner nodes (most of a deep tree) carry none.
   */
  selfs: Float64Array;
  selfCount = 0;
  count = 1;
  /** The sum of the walk's read-ahead loads: only stored, so that they are not optimised away. */
  readAhead = 0;
  private cap: number;
  /** Child tables; slot pairs (func + 1, child), 0 when free (fresh memory is zeros); the count before each table. */
  private arena: Int32Array;
  private arenaTop = 1;
  /** (callee node, line) -> value, for calls from a line other than the node's CALL_LINE. */
  readonly callOther = new LineValues();
  /** (leaf node, line) -> value, for samples ending at a line other than the node's SELF_LINE. */
  readonly selfOther = new LineValues();

  constructor(
    readonly nTypes: number,
    capacity: number,
    leaves: number,
  ) {
    this.cap = Math.max(1024, capacity);
    // Only the part written is ever touched: a generous capacity costs address space, not memory.
    this.rec = new Int32Array(this.cap * R);
    this.selfs = new Float64Array(Math.max(1024, leaves) * nTypes);
    // Two slots per node of capacity: a branching tree needs several (tables are abandoned as
    // they grow), and growing the arena copies all of it into fresh memory.
    this.arena = new Int32Array(Math.max(1 << 16, 2 * this.cap));
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
    }
    const r = n * R;
    const a = this.rec;
    a[r + CALL_LINE] = line;
    a[r + SELF_LINE] = NO_LINE;
    a[r + FUNC] = func;
    a[r + PARENT] = p;
    return n;
  }

  /** The offset in `selfs` of the node's self values, given them if it had none. */
  selfAt(node: number): number {
    const r = node * R + SELF_SLOT;
    let k = this.rec[r];
    if (k === 0) {
      k = ++this.selfCount;
      this.rec[r] = k;
      if (k * this.nTypes > this.selfs.length) {
        const s = new Float64Array(this.selfs.length * 2);
        s.set(this.selfs);
        this.selfs = s;
      }
    }
    return (k - 1) * this.nTypes;
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
 * per depth from the root, how many samples part from their predecessor there. Both from
 * every BOUNDS_STRIDE-th sample only (scaled up): a full pass reads every frame of the
 * profile once more, and both figures only guide performance (the record array grows past
 * an estimate that falls short; the sort depths change the order, not the tree).
 */
function bounds(p: Profile): { maxNodes: number; parting: Int32Array } {
  const { sampleCount, sampleLocStart, locFrameStart } = p;
  const sampleLocs = stackLocations(p);
  const stride = sampleCount >= 64 * BOUNDS_STRIDE ? BOUNDS_STRIDE : 1;
  let nodes = 0;
  let parting: Int32Array = new Int32Array(64);
  for (let s = stride - 1; s < sampleCount; s += stride) {
    const end = sampleLocStart[s + 1];
    const depth = end - sampleLocStart[s];
    const prevEnd = sampleLocStart[s];
    const prevDepth = s > 0 ? prevEnd - sampleLocStart[s - 1] : 0;
    let d = 0;
    while (d < depth && d < prevDepth && sampleLocs[end - 1 - d] === sampleLocs[prevEnd - 1 - d]) d++;
    if (d >= parting.length) parting = grown(parting, d + 1);
    parting[d] += stride;
    for (let i = end - 1 - d; i >= end - depth; i--) nodes += locFrameStart[sampleLocs[i] + 1] - locFrameStart[sampleLocs[i]];
  }
  // A quarter more than the estimate: a growth copies every record written so far.
  return { maxNodes: 1 + Math.ceil(nodes * stride * 1.25), parting };
}

/** Digits of the sample order: the locations at this many depths where stacks branch. */
const SORT_DEPTHS = 4;
/** Below this many samples the tree stays in cache whatever the order: no sort. */
const SORT_MIN_SAMPLES = 1 << 14;

/**
 * The order in which to walk the samples: by their locations at the first SORT_DEPTHS
 * depths (from the root) where many stacks branch, by a stable LSD radix sort (one counting
 * pass per depth). Profiles list samples in hash order, so consecutive stacks share little
 * and every lookup lands on a node last touched long ago: a cache miss per frame, and nodes
 * created in an order unrelated to the final preorder. Walked in this order, consecutive
 * samples share their upper frames, the nodes being extended are those just created, and
 * creation order is close to a preorder, which the layout then reads nearly sequentially.
 * The order does not change the tree: values are integers, summed exactly in any order.
 */
function sampleOrder(p: Profile, parting: Int32Array): Int32Array | undefined {
  const { sampleCount: n, sampleLocStart } = p;
  const sampleLocs = stackLocations(p);
  if (n < SORT_MIN_SAMPLES) return undefined;
  // Depths where at least 1/256 of the samples part from their predecessor: above them the
  // stacks are (nearly) all alike, and sorting by a depth all share orders nothing.
  const depths: number[] = [];
  for (let d = 0; d < parting.length && depths.length < SORT_DEPTHS; d++) if (parting[d] * 256 >= n) depths.push(d);
  if (depths.length === 0) return undefined;
  const nLocs = p.locFrameStart.length - 1;
  const w = depths.length;
  // Digit: 1 + the location at that depth, 0 past the stack's end (so shorter stacks first).
  // Half the memory when every digit fits in 16 bits (fewer than 2^16 - 1 locations).
  const digits = nLocs < 0xffff ? new Uint16Array(n * w) : new Int32Array(n * w);
  for (let s = 0; s < n; s++) {
    const end = sampleLocStart[s + 1];
    const depth = end - sampleLocStart[s];
    for (let k = 0; k < w; k++) {
      const d = depths[k];
      digits[k * n + s] = d < depth ? sampleLocs[end - 1 - d] + 1 : 0;
    }
  }
  let order = new Int32Array(n);
  let next = new Int32Array(n);
  for (let s = 0; s < n; s++) order[s] = s;
  const count = new Int32Array(nLocs + 2);
  for (let k = w - 1; k >= 0; k--) {
    const base = k * n;
    count.fill(0);
    for (let s = 0; s < n; s++) count[digits[base + s] + 1]++;
    for (let j = 1; j < count.length; j++) count[j] += count[j - 1];
    for (let i = 0; i < n; i++) {
      const s = order[i];
      next[count[digits[base + s]]++] = s;
    }
    const t = order;
    order = next;
    next = t;
  }
  return order;
}

/**
 * The flame tree of a profile: children in decreasing total of the default type (ties by
 * function name, so the layout does not depend on the profile's numbering), each node's
 * `line` the one carrying most of its value (ties to the lowest).
 */
export function buildFlameTree(profile: Profile): FlameTree {
  const nTypes = profile.sampleTypes.length;
  const def = profile.defaultType;
  const { sampleCount, sampleLocStart, values, locFrameStart, frameFunc, frameLine } = profile;
  const sampleLocs = stackLocations(profile);
  const { maxNodes, parting } = bounds(profile);
  const order = sampleOrder(profile, parting);
  // Past 2^24 nodes (512 MB of records) they grow as needed instead: the estimate can be far above the count.
  const b = new Builder(nTypes, Math.min(maxNodes, 1 << 24), Math.min(sampleCount, maxNodes));

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
  // In sorted order each sample's stack and values are somewhere else in memory: they are
  // read a few samples ahead (loads whose result only feeds `ahead`), so that the misses of
  // the samples to come overlap the work on this one instead of each stalling the walk.
  let ahead = 0;
  const last = sampleCount - 1;
  for (let i = 0; i < sampleCount; i++) {
    const s = order ? order[i] : i;
    if (order) {
      ahead += sampleLocStart[order[Math.min(i + 16, last)]];
      const a = order[Math.min(i + 8, last)];
      const e = sampleLocStart[a + 1];
      ahead += sampleLocs[e - 1] + sampleLocs[Math.max(e - 17, 0)] + values[a * nTypes];
    }
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
    const o = b.selfAt(node);
    const selfs = b.selfs;
    const vo = s * nTypes;
    for (let t = 0; t < nTypes; t++) selfs[o + t] += values[vo + t];
  }
  // Kept where the optimiser cannot drop it, with the loads that made it.
  b.readAhead = ahead;
  return layout(b, def, profile.functions);
}

/** One field of every node: node i's at a[i * stride + at] (in the records, or a compact copy). */
interface NodeField {
  a: Int32Array;
  stride: number;
  at: number;
}

/** Totals, best lines, children sorted, preorder: the builder's tree as a {@link FlameTree}. */
function layout(b: Builder, order: number, functions: readonly FlameFunction[]): FlameTree {
  const n = b.count;
  const { nTypes, rec, selfs } = b;

  // Scratch arrays in the spent child tables when they are large enough (key first: its
  // offset 0 is 8-byte aligned), else fresh. Each is written in full before it is read.
  const arena = b.spentArena();
  const inArena = arena.length >= 7 * n;
  const key = inArena ? new Float64Array(arena.buffer, arena.byteOffset, n) : new Float64Array(n);
  const parent = inArena ? arena.subarray(2 * n, 3 * n) : new Int32Array(n);
  const childStart = inArena ? arena.subarray(3 * n, 4 * n + 1) : new Int32Array(n + 1);
  const childList = inArena ? arena.subarray(4 * n + 1, 5 * n) : new Int32Array(Math.max(0, n - 1));
  // The function and call line of each node, read from a child's record when its parent's
  // children are sorted and their lines summed: copied out of the records in the pass below
  // (the same cache lines) when there is room for them, so that those reads, in no order,
  // land on 8 bytes per node rather than 32. Else read in the records themselves.
  const compact = inArena ? arena.subarray(5 * n, 7 * n) : undefined;
  const nodeFunc: NodeField = compact ? { a: compact, stride: 2, at: 0 } : { a: rec, stride: R, at: FUNC };
  const nodeCallLine: NodeField = compact ? { a: compact, stride: 2, at: 1 } : { a: rec, stride: R, at: CALL_LINE };

  // Parents and totals of the sort type in creation order (parents precede children: one
  // reverse pass), out of the records into compact arrays for the passes below.
  for (let i = 0; i < n; i++) {
    const r = i * R;
    parent[i] = rec[r + PARENT];
    const k = rec[r + SELF_SLOT];
    key[i] = k !== 0 ? selfs[(k - 1) * nTypes + order] : 0;
    if (compact) {
      compact[2 * i] = rec[r + FUNC];
      compact[2 * i + 1] = rec[r + CALL_LINE];
    }
  }
  for (let i = n - 1; i > 0; i--) key[parent[i]] += key[i];

  // Children lists (CSR), sorted. childStart[p] first holds the end of p's range and moves
  // down to its start as the children are placed, last first: no cursor array to allocate.
  childStart.fill(0);
  for (let i = 1; i < n; i++) childStart[parent[i]]++;
  for (let i = 0; i < n; i++) childStart[i + 1] += childStart[i];
  for (let i = n - 1; i > 0; i--) childList[--childStart[parent[i]]] = i;
  // Ties (frequent: equal sizes in a heap profile) go by function name, then index: by a rank
  // of the functions in that order, computed once, instead of comparing strings per tie.
  let rank: Int32Array | undefined;
  const cmp = (a: number, c: number): number => {
    const d = key[c] - key[a];
    if (d !== 0) return d;
    rank ??= nameRank(functions);
    const { a: fa, stride, at } = nodeFunc;
    return rank[fa[a * stride + at]] - rank[fa[c * stride + at]];
  };
  for (let p = 0; p < n; p++) {
    const s = childStart[p];
    const e = childStart[p + 1];
    if (e - s > 32) {
      childList.subarray(s, e).sort(cmp);
    } else if (e - s > 1) {
      // Few children (nearly all nodes): an insertion sort, comparing totals inline and
      // names only on a tie, instead of a comparator call per comparison.
      for (let i = s + 1; i < e; i++) {
        const x = childList[i];
        const kx = key[x];
        let j = i - 1;
        while (j >= s) {
          const y = childList[j];
          if (key[y] > kx || (key[y] === kx && cmp(y, x) <= 0)) break;
          childList[j + 1] = y;
          j--;
        }
        childList[j + 1] = x;
      }
    }
  }

  bestLines(b, order, key, parent, childStart, childList, nodeCallLine);

  // Preorder by an explicit stack (trees can be thousands deep: no recursion), noting each
  // node's new parent as it is pushed. The stack reuses the memory of `key` and `parent`,
  // done with (memory already faulted in: a fresh array costs a page fault per 4 KB).
  const order2old = new Int32Array(n);
  const newParent = new Int32Array(n);
  const stack = new Int32Array(key.buffer, key.byteOffset, n);
  const stackParent = parent;
  let sp = 0;
  let k = 0;
  stack[sp] = 0;
  stackParent[sp++] = -1;
  while (sp > 0) {
    const v = stack[--sp];
    newParent[k] = stackParent[sp];
    const at = k;
    order2old[k++] = v;
    for (let j = childStart[v + 1] - 1; j >= childStart[v]; j--) {
      stack[sp] = childList[j];
      stackParent[sp++] = at;
    }
  }

  // One gather: each node's record is read once, its self values if it has any.
  const func = new Int32Array(n);
  const line = new Int32Array(n);
  const self = Array.from({ length: nTypes }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const r = order2old[i] * R;
    func[i] = rec[r + FUNC];
    line[i] = rec[r + BEST_LINE];
    const k = rec[r + SELF_SLOT];
    if (k !== 0) for (let t = 0; t < nTypes; t++) self[t][i] = selfs[(k - 1) * nTypes + t];
  }
  // The remaining passes run in the new order, where a parent is near its children.
  const depth = order2old;
  depth[0] = 0;
  for (let i = 1; i < n; i++) depth[i] = depth[newParent[i]] + 1;
  const size = new Int32Array(n).fill(1);
  for (let i = n - 1; i > 0; i--) size[newParent[i]] += size[i];
  const total = self.map((s) => s.slice());
  if (nTypes === 4) {
    // Go's heap profiles: the four sums in one pass over the parents instead of four.
    const [t0, t1, t2, t3] = total;
    for (let i = n - 1; i > 0; i--) {
      const p = newParent[i];
      t0[p] += t0[i];
      t1[p] += t1[i];
      t2[p] += t2[i];
      t3[p] += t3[i];
    }
  } else {
    for (const tot of total) for (let i = n - 1; i > 0; i--) tot[newParent[i]] += tot[i];
  }
  return { parent: newParent, func, line, depth, size, total, self };
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
 * its own samples ended. Nearly every node has one candidate; the rest are merged in scratch
 * arrays, with no allocation per node.
 */
function bestLines(b: Builder, order: number, total: Float64Array, parent: Int32Array, childStart: Int32Array, childList: Int32Array, callLine: NodeField): void {
  const n = b.count;
  const { rec, selfs, nTypes } = b;
  // The other lines, grouped by the node whose line they are (a callee's call line is its
  // parent's line): per node a linked list through `next`.
  const others = b.callOther.count + b.selfOther.count;
  const head = others > 0 ? new Int32Array(n).fill(-1) : undefined;
  const next = new Int32Array(others);
  const otherLine = new Int32Array(others);
  const otherValue = new Float64Array(others);
  const callOtherSum = others > 0 ? new Float64Array(n) : undefined;
  const selfOtherSum = others > 0 ? new Float64Array(n) : undefined;
  let e = 0;
  const link = (node: number, line: number, v: number): void => {
    if (!head) return;
    otherLine[e] = line;
    otherValue[e] = v;
    next[e] = head[node];
    head[node] = e++;
  };
  b.callOther.forEach((c, line, v) => {
    if (callOtherSum) callOtherSum[c] += v;
    link(parent[c], line, v);
  });
  b.selfOther.forEach((node, line, v) => {
    if (selfOtherSum) selfOtherSum[node] += v;
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
    const h = head ? head[i] : -1;
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
    for (let j = cs; j < ce; j++) {
      const c = childList[j];
      add(callLine.a[c * callLine.stride + callLine.at], total[c] - (callOtherSum ? callOtherSum[c] : 0));
    }
    if (selfLine !== NO_LINE) add(selfLine, selfs[(rec[r + SELF_SLOT] - 1) * nTypes + order] - (selfOtherSum ? selfOtherSum[i] : 0));
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

