/** Cost per source line, for annotating the editor with the profile's figures. */
import { type Profile, stackLocations } from './decode';

export interface LineCost {
  /** Per sample type: value of samples whose innermost frame is this line. */
  flat: Float64Array;
  /** Per sample type: value of samples with this line anywhere on the stack (once per stack). */
  cum: Float64Array;
}

/**
 * file -> line -> cost. Computed from the decoded samples rather than the flame tree, whose
 * nodes keep one line per function call. Frames without a file or line are left out.
 */
export function lineCosts(profile: Profile): Map<string, Map<number, LineCost>> {
  const nTypes = profile.sampleTypes.length;
  const { frameFunc, frameLine, locFrameStart, sampleLocStart, values, functions } = profile;
  // The compact array when there is one: the annotations need not widen it.
  const sampleLocs = stackLocations(profile);
  const out = new Map<string, Map<number, LineCost>>();

  // One cost per distinct (file, line), found once per frame, not once per sample.
  const costs: LineCost[] = [];
  const index = new Map<string, Map<number, number>>();
  const frameCost = new Int32Array(frameFunc.length).fill(-1);
  for (let f = 0; f < frameFunc.length; f++) {
    const file = functions[frameFunc[f]].file;
    const line = frameLine[f];
    if (!file || line <= 0) continue;
    let byLine = index.get(file);
    if (!byLine) {
      index.set(file, (byLine = new Map()));
      out.set(file, new Map());
    }
    let k = byLine.get(line);
    if (k === undefined) {
      k = costs.length;
      const c = { flat: new Float64Array(nTypes), cum: new Float64Array(nTypes) };
      costs.push(c);
      byLine.set(line, k);
      out.get(file)?.set(line, c);
    }
    frameCost[f] = k;
  }

  // A line counts once per stack for cum (recursion), as pprof's cum does per function.
  const stamp = new Int32Array(costs.length).fill(-1);
  for (let s = 0; s < profile.sampleCount; s++) {
    const base = s * nTypes;
    let leaf = true;
    for (let i = sampleLocStart[s]; i < sampleLocStart[s + 1]; i++) {
      const loc = sampleLocs[i];
      for (let f = locFrameStart[loc]; f < locFrameStart[loc + 1]; f++) {
        const k = frameCost[f];
        if (k >= 0) {
          const c = costs[k];
          if (leaf) for (let t = 0; t < nTypes; t++) c.flat[t] += values[base + t];
          if (stamp[k] !== s) {
            stamp[k] = s;
            for (let t = 0; t < nTypes; t++) c.cum[t] += values[base + t];
          }
        }
        leaf = false;
      }
    }
  }
  return out;
}
