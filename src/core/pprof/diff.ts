/** Comparison of two profiles: the current one's flame graph, with the base's value per node. */
import type { FlameProfile } from '../../shared/flame';
import { PairMap } from './treeBuilder';

/**
 * The current profile with `baseTotal`: for each node, the base profile's total at the same
 * path of function names (root to node), scaled per sample type so both roots are equal. The
 * normalisation makes a run that took twice as long, or sampled twice as much, show only the
 * change of shape. Base paths absent from the current profile have no node to show; their
 * value is still part of the base root, so the parent's scaled base total shows the loss.
 * Sample types are matched by type and unit; a type the base lacks gets zeros.
 */
export function diffFlameProfiles(current: FlameProfile, base: FlameProfile): FlameProfile {
  const cur = current.tree;
  const bt = base.tree;
  const n = cur.func.length;

  // Base function -> current function, by name (indices differ between profiles).
  const byName = new Map<string, number>();
  current.functions.forEach((f, i) => byName.set(f.name, i));
  const funcMap = Int32Array.from(base.functions, (f) => byName.get(f.name) ?? -1);

  const children = new PairMap(n);
  for (let i = 1; i < n; i++) children.getOrInsert(cur.parent[i], cur.func[i], i);

  // Base node -> current node (or -1 when the path does not exist in the current profile).
  const bn = bt.func.length;
  const match = new Int32Array(bn);
  match[0] = 0;
  for (let i = 1; i < bn; i++) {
    const p = match[bt.parent[i]];
    const f = funcMap[bt.func[i]];
    match[i] = p < 0 || f < 0 ? -1 : children.get(p, f);
  }

  const baseTotal = current.sampleTypes.map((st, t) => {
    const out = new Float64Array(n);
    const bi = base.sampleTypes.findIndex((b) => b.type === st.type && b.unit === st.unit);
    if (bi < 0) return out;
    const btot = bt.total[bi];
    for (let i = 1; i < bn; i++) if (match[i] >= 0) out[match[i]] += btot[i];
    out[0] = btot[0];
    const ct = cur.total[t][0];
    const scale = btot[0] === 0 ? 0 : ct / btot[0];
    for (let i = 0; i < n; i++) out[i] *= scale;
    return out;
  });

  return { ...current, tree: { ...cur, baseTotal }, baseTitle: base.title };
}
