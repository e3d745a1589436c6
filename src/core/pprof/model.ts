/**
 * The flame graph model: a decoded profile's stacks merged by function, root to leaf, with
 * total and self per sample type, laid out in preorder for the webview.
 */
import type { FlameProfile } from '../../shared/flame';
import { labelSummary, type Profile } from './decode';
import { TreeBuilder } from './treeBuilder';

function grown(a: Int32Array, min: number): Int32Array {
  const b = new Int32Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Builds the flame graph model of a profile, in one pass over the samples. Stacks share their
 * outer frames (main, the test runner, the server loop): the path of the previous sample is
 * kept, and while this sample's locations equal it from the root, its nodes are reused
 * without a hash lookup. Only the rest of the stack costs one lookup per frame.
 */
export function buildFlameProfile(profile: Profile, title: string): FlameProfile {
  const nTypes = profile.sampleTypes.length;
  const def = profile.defaultType;
  const { sampleLocStart, sampleLocs, values, locFrameStart, frameFunc, frameLine } = profile;
  const builder = new TreeBuilder(nTypes, Math.min(sampleLocs.length, profile.sampleCount * 2) + 1024);
  const self = builder.self;

  // The previous sample's path: per location depth (root first) its location and the frame
  // depth after it; per frame depth the node and line.
  let prevLocs: Int32Array = new Int32Array(256);
  let prevFrameEnd: Int32Array = new Int32Array(256);
  let prevNodes: Int32Array = new Int32Array(256);
  let prevLines: Int32Array = new Int32Array(256);
  let prevDepth = 0;
  for (let s = 0; s < profile.sampleCount; s++) {
    const end = sampleLocStart[s + 1];
    const depth = end - sampleLocStart[s];
    const v = values[s * nTypes + def];
    if (depth > prevLocs.length) {
      prevLocs = grown(prevLocs, depth);
      prevFrameEnd = grown(prevFrameEnd, depth);
    }
    // Stacks are stored leaf first: location d from the root is sampleLocs[end - 1 - d].
    let d = 0;
    let fd = 0;
    while (d < depth && d < prevDepth && sampleLocs[end - 1 - d] === prevLocs[d]) fd = prevFrameEnd[d++];
    // The line of each frame but the leaf is where it called the next one: recorded on the
    // callee's node, so a node called from one line (nearly all) costs no hash lookup.
    for (let f = 1; f < fd; f++) builder.callLine(prevNodes[f], prevLines[f - 1], v);
    let node = fd > 0 ? prevNodes[fd - 1] : 0;
    for (; d < depth; d++) {
      const loc = sampleLocs[end - 1 - d];
      // Frames of a location are innermost first: walk them outermost first.
      for (let f = locFrameStart[loc + 1] - 1; f >= locFrameStart[loc]; f--) {
        node = builder.child(node, frameFunc[f]);
        if (fd === prevNodes.length) {
          prevNodes = grown(prevNodes, fd + 1);
          prevLines = grown(prevLines, fd + 1);
        }
        prevNodes[fd] = node;
        prevLines[fd] = frameLine[f];
        if (fd > 0) builder.callLine(node, prevLines[fd - 1], v);
        fd++;
      }
      prevLocs[d] = sampleLocs[end - 1 - d];
      prevFrameEnd[d] = fd;
    }
    prevDepth = depth;
    if (fd > 0) builder.selfLine(node, prevLines[fd - 1], v);
    for (let t = 0; t < nTypes; t++) self[t].a[node] += values[s * nTypes + t];
  }

  const labels = labelSummary(profile);
  return {
    title,
    sampleTypes: profile.sampleTypes.map((t) => ({ ...t })),
    defaultType: def,
    functions: profile.functions,
    tree: builder.finish(def, profile.functions),
    ...(profile.durationNanos > 0 ? { durationNanos: profile.durationNanos } : {}),
    ...(labels.length > 0 ? { labels } : {}),
  };
}
