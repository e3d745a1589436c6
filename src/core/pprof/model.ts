/**
 * The flame graph model: a decoded profile's stacks merged by function, root to leaf, with
 * total and self per sample type, laid out in preorder for the webview.
 */
import { labelSummary, type Profile } from './decode';
import type { FlameProfile, FlameTree } from '../../shared/flame';
import { buildFlameTree, buildFlameTreeAsync } from './stackTree';

/** Builds the flame graph model of a profile (the tree itself: {@link buildFlameTree}). */
export function buildFlameProfile(profile: Profile, title: string): FlameProfile {
  return flameProfile(profile, title, buildFlameTree(profile));
}

/**
 * {@link buildFlameProfile}, the same model, the memory of its tree faulted in on another
 * thread while the tree is walked (see buildFlameTreeAsync): what the extension and the CLI use.
 */
export async function buildFlameProfileAsync(profile: Profile, title: string): Promise<FlameProfile> {
  return flameProfile(profile, title, await buildFlameTreeAsync(profile));
}

function flameProfile(profile: Profile, title: string, tree: FlameTree): FlameProfile {
  const def = profile.defaultType;
  const labels = labelSummary(profile);
  return {
    title,
    sampleTypes: profile.sampleTypes.map((t) => ({ ...t })),
    defaultType: def,
    functions: profile.functions,
    tree,
    ...(profile.durationNanos > 0 ? { durationNanos: profile.durationNanos } : {}),
    ...(labels.length > 0 ? { labels } : {}),
  };
}
