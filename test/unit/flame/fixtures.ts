/** A small hand-made profile whose every figure can be checked by hand (total 100). */
import type { FlameProfile } from '../../../src/shared/flame';
import { profileFromStacks } from './synthetic';

/**
 * root 100
 * ├─ main.main 65
 * │  ├─ main.a 45 (self 10)
 * │  │  ├─ main.c 30
 * │  │  └─ main.b 5
 * │  └─ main.b 20
 * └─ runtime.gc 35
 */
export function smallProfile(): FlameProfile {
  return profileFromStacks([
    [['main.main', 'main.a', 'main.c'], [30]],
    [['main.main', 'main.b'], [20]],
    [['main.main', 'main.a'], [10]],
    [['main.main', 'main.a', 'main.b'], [5]],
    [['runtime.gc'], [35]],
  ]);
}

/** Index of the node reached by following function names from the root. */
export function nodeAt(p: FlameProfile, ...names: string[]): number {
  const t = p.tree;
  let node = 0;
  for (const name of names) {
    const end = node + t.size[node];
    let found = -1;
    for (let c = node + 1; c < end; c += t.size[c]) if (p.functions[t.func[c]].name === name) found = c;
    if (found < 0) throw new Error(`no ${name} under node ${node}`);
    node = found;
  }
  return node;
}

export function funcIndex(p: FlameProfile, name: string): number {
  const f = p.functions.findIndex((x) => x.name === name);
  if (f < 0) throw new Error(`no function ${name}`);
  return f;
}
