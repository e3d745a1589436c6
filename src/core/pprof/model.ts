/**
 * The flame graph model: a decoded profile's stacks merged by function, root to leaf, with
 * total and self per sample type, laid out in preorder for the webview.
 */
import type { FlameProfile } from '../../shared/flame';
import { labelSummary, type Profile } from './decode';
import { buildFlameTree } from './stackTree';

/** Builds the flame graph model of a profile (the tree itself: {@link buildFlameTree}). */
export function buildFlameProfile(profile: Profile, title: string): FlameProfile {
  const def = profile.defaultType;
  const tree = buildFlameTree(profile);
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
