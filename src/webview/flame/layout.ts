/**
 * Which frames are drawn where. Pure (no DOM): the canvas code only paints what this returns,
 * so placement, merging and hit-testing are unit-tested under Node.
 */
import { type FlameTree, selfValues } from '../../shared/flame';

/** Height of one row of frames in CSS pixels. */
export const ROW_HEIGHT = 18;
/** Frames narrower than this (CSS px) are not drawn one by one: they are merged into runs. */
export const MIN_FRAME_WIDTH = 0.5;

/**
 * One sample type's view of a tree: what the renderer and the statistics work on. The main
 * view takes it from the profile's FlameTree; the sandwich view builds its own.
 */
export interface ViewTree {
  parent: Int32Array;
  func: Int32Array;
  line: Int32Array;
  depth: Int32Array;
  size: Int32Array;
  total: Float64Array;
  self: Float64Array;
  /** Diff only: the base profile's total of each node. */
  base?: Float64Array;
}

/**
 * The view of sample type `t`: the arrays are shared with the profile, but the self values,
 * which the model leaves out, made from the totals.
 */
export function viewOf(tree: FlameTree, t: number): ViewTree {
  return {
    parent: tree.parent,
    func: tree.func,
    line: tree.line,
    depth: tree.depth,
    size: tree.size,
    total: tree.total[t],
    self: selfValues(tree, t),
    base: tree.baseTotal?.[t],
  };
}

/**
 * The frames to draw, in parallel arrays. `node` is -1 for a run of merged narrow frames.
 * Within one depth, frames come in increasing x (hit-testing relies on it).
 */
export interface Layout {
  count: number;
  node: Int32Array;
  x: Float64Array;
  w: Float64Array;
  depth: Int32Array;
  /** Deepest row drawn (the canvas is this + 1 rows high). */
  maxDepth: number;
  /** Row index: frames of depth d are rowOrder[rowStart[d] .. rowStart[d + 1]). */
  rowStart: Int32Array;
  rowOrder: Int32Array;
}

class Frames {
  count = 0;
  node = new Int32Array(256);
  x = new Float64Array(256);
  w = new Float64Array(256);
  depth = new Int32Array(256);

  push(node: number, x: number, w: number, depth: number): void {
    if (this.count === this.node.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.node = grow(this.node, (n) => new Int32Array(n));
      this.x = grow(this.x, (n) => new Float64Array(n));
      this.w = grow(this.w, (n) => new Float64Array(n));
      this.depth = grow(this.depth, (n) => new Int32Array(n));
    }
    const i = this.count++;
    this.node[i] = node;
    this.x[i] = x;
    this.w[i] = w;
    this.depth[i] = depth;
  }
}

/**
 * Lays out the subtree of `zoom` across `width` CSS pixels: `zoom` and its ancestors fill the
 * width, descendants get a width proportional to their total. A subtree narrower than
 * `minWidth` is skipped whole (that is what keeps 100k-node profiles cheap: the work is
 * proportional to the frames visible, not to the tree), and consecutive skipped frames of one
 * row are drawn as one merged run so the graph does not show holes where time was spent.
 */
export function layout(tree: ViewTree, zoom: number, width: number, minWidth = MIN_FRAME_WIDTH): Layout {
  const n = tree.parent.length;
  const frames = new Frames();
  if (n === 0 || width <= 0) return finish(frames);
  const z = zoom >= 0 && zoom < n ? zoom : 0;
  // Ancestors first, root at depth 0, all full width.
  const chain: number[] = [];
  for (let a = z; a >= 0; a = tree.parent[a]) chain.push(a);
  for (let k = chain.length - 1; k >= 0; k--) frames.push(chain[k], 0, width, tree.depth[chain[k]]);
  const zt = tree.total[z];
  if (!(zt > 0)) return finish(frames);
  const scale = width / zt;
  const end = z + tree.size[z];
  // x of the next child of each node (only nodes inside the zoomed subtree are written).
  const cursor = new Float64Array(tree.size[z]);
  cursor[0] = 0;
  // Pending merged run per depth: [x0, x1], x0 < 0 when none.
  const runX0: number[] = [];
  const runX1: number[] = [];
  const flush = (d: number): void => {
    const x0 = runX0[d];
    if (x0 !== undefined && x0 >= 0) {
      const w = runX1[d] - x0;
      if (w >= minWidth) frames.push(-1, x0, w, d);
      runX0[d] = -1;
    }
  };
  const base = tree.depth[z];
  for (let i = z + 1; i < end; ) {
    const p = tree.parent[i];
    const x = cursor[p - z];
    const w = tree.total[i] * scale;
    cursor[p - z] = x + w;
    const d = tree.depth[i];
    if (w < minWidth) {
      if (w > 0) {
        if (runX0[d] !== undefined && runX0[d] >= 0 && Math.abs(runX1[d] - x) < 1e-6) {
          runX1[d] = x + w;
        } else {
          flush(d);
          runX0[d] = x;
          runX1[d] = x + w;
        }
      }
      i += tree.size[i];
      continue;
    }
    flush(d);
    frames.push(i, x, w, d);
    cursor[i - z] = x;
    i++;
  }
  for (let d = base + 1; d < runX0.length; d++) flush(d);
  return finish(frames);
}

function finish(f: Frames): Layout {
  let maxDepth = 0;
  for (let i = 0; i < f.count; i++) if (f.depth[i] > maxDepth) maxDepth = f.depth[i];
  // Counting sort by depth, stable, so each row keeps the increasing-x order of emission.
  const rowStart = new Int32Array(maxDepth + 2);
  for (let i = 0; i < f.count; i++) rowStart[f.depth[i] + 1]++;
  for (let d = 1; d < rowStart.length; d++) rowStart[d] += rowStart[d - 1];
  const fill = rowStart.slice(0, maxDepth + 1);
  const rowOrder = new Int32Array(f.count);
  for (let i = 0; i < f.count; i++) rowOrder[fill[f.depth[i]]++] = i;
  return { count: f.count, node: f.node, x: f.x, w: f.w, depth: f.depth, maxDepth, rowStart, rowOrder };
}

/** Index (into the layout) of the frame at row `depth` containing `x`, or -1. */
export function hitTest(l: Layout, depth: number, x: number): number {
  if (depth < 0 || depth > l.maxDepth) return -1;
  let lo = l.rowStart[depth];
  let hi = l.rowStart[depth + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = l.rowOrder[mid];
    if (x < l.x[f]) hi = mid - 1;
    else if (x >= l.x[f] + l.w[f]) lo = mid + 1;
    else return f;
  }
  return -1;
}

/** Index (into the layout) of the frame drawing `node`, or -1 when it is too narrow to draw. */
export function frameOf(l: Layout, node: number): number {
  for (let i = 0; i < l.count; i++) if (l.node[i] === node) return i;
  return -1;
}

/** Row of `depth` counted from the top of the canvas: the flame graph has its root at the bottom. */
export function rowY(depth: number, maxDepth: number, icicle: boolean): number {
  return (icicle ? depth : maxDepth - depth) * ROW_HEIGHT;
}

/** Inverse of {@link rowY}: the depth drawn at canvas y, or -1 outside the rows. */
export function depthAt(y: number, maxDepth: number, icicle: boolean): number {
  const row = Math.floor(y / ROW_HEIGHT);
  if (row < 0 || row > maxDepth) return -1;
  return icicle ? row : maxDepth - row;
}

/** Children of `node` in order (decreasing total of the tree's sort). */
export function children(tree: ViewTree, node: number): number[] {
  const out: number[] = [];
  const end = node + tree.size[node];
  for (let c = node + 1; c < end; c += tree.size[c]) out.push(c);
  return out;
}

/** The sibling `step` places away from `node` (-1 previous, +1 next), or `node` when there is none. */
export function sibling(tree: ViewTree, node: number, step: -1 | 1): number {
  const p = tree.parent[node];
  if (p < 0) return node;
  const sibs = children(tree, p);
  const k = sibs.indexOf(node) + step;
  return k >= 0 && k < sibs.length ? sibs[k] : node;
}

/** Node path from the root to `node` (both included). */
export function pathTo(tree: ViewTree, node: number): number[] {
  const out: number[] = [];
  for (let a = node; a >= 0; a = tree.parent[a]) out.push(a);
  return out.reverse();
}
