/**
 * The sandwich view of one function: who calls it (callers, inverted) and what it calls
 * (callees), both as {@link FlameTree}s over the profile's own function table, so the flame
 * renderer draws them unchanged.
 */
import { type FlameProfile, type FlameTree, selfValues } from '../../shared/flame';
import { TreeBuilder } from './treeBuilder';

export interface Sandwich {
  func: number;
  /**
   * Root's child is the function; below it its callers, then their callers, up to the
   * thread's first frame. A node's self is the value of stacks whose callers end there.
   */
  callers: FlameTree;
  /** Root's child is the function; below it the merged subtrees of all its calls. */
  callees: FlameTree;
}

/**
 * Only the outermost call of `func` on each stack is taken: a recursive function's inner
 * calls are already inside the outer one's subtree, and counting them again would make the
 * function wider than the whole profile.
 */
export function sandwich(flame: FlameProfile, func: number): Sandwich {
  const { tree } = flame;
  const nTypes = flame.sampleTypes.length;
  const n = tree.func.length;
  const self = tree.total.map((_, t) => selfValues(tree, t));
  const callers = new TreeBuilder(nTypes);
  const callees = new TreeBuilder(nTypes);
  const calleeRoot = callees.child(0, func);
  const callerRoot = callers.child(0, func);
  const map = new Int32Array(n); // node of the flame tree -> node of the callee tree
  let i = 1;
  while (i < n) {
    if (tree.func[i] !== func) {
      i++;
      continue;
    }
    // Outermost `func` node: merge its subtree under the callee root.
    const end = i + tree.size[i];
    map[i] = calleeRoot;
    for (let t = 0; t < nTypes; t++) callees.self[t].a[calleeRoot] += self[t][i];
    callees.addLine(calleeRoot, tree.line[i], tree.total[flame.defaultType][i]);
    for (let j = i + 1; j < end; j++) {
      const c = callees.child(map[tree.parent[j]], tree.func[j]);
      map[j] = c;
      for (let t = 0; t < nTypes; t++) callees.self[t].a[c] += self[t][j];
      callees.addLine(c, tree.line[j], tree.total[flame.defaultType][j]);
    }
    // Its callers: the path up to the root, inverted; the whole total ends at the outermost caller.
    let c = callerRoot;
    callers.addLine(c, tree.line[i], tree.total[flame.defaultType][i]);
    for (let p = tree.parent[i]; p > 0; p = tree.parent[p]) {
      c = callers.child(c, tree.func[p]);
      callers.addLine(c, tree.line[p], tree.total[flame.defaultType][i]);
    }
    for (let t = 0; t < nTypes; t++) callers.self[t].a[c] += tree.total[t][i];
    i = end;
  }
  return { func, callers: callers.finish(flame.defaultType, flame.functions), callees: callees.finish(flame.defaultType, flame.functions) };
}
