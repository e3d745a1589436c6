/**
 * The view state the flame webview persists, checked against the profile it is applied to.
 * Pure (no DOM), unit-tested.
 */
import { isFlameViewState, type FlameProfile, type FlameViewState } from '../../shared/flame';

export const DEFAULT_SORT: NonNullable<FlameViewState['sort']> = { column: 'flat', descending: true };

/** The state of a freshly opened profile. */
export function initialState(profile: FlameProfile): FlameViewState {
  return { sampleType: clampType(profile, profile.defaultType), zoom: 0, search: '', view: 'flame', sort: { ...DEFAULT_SORT } };
}

function clampType(profile: FlameProfile, t: number): number {
  return Number.isInteger(t) && t >= 0 && t < profile.sampleTypes.length ? t : Math.max(0, profile.sampleTypes.length - 1);
}

/**
 * A saved state made valid for `profile`: a state saved for another profile (the panel was
 * reused, the file changed on disk) must not zoom into a node that does not exist. Anything
 * unusable falls back to the initial state's value.
 */
export function restoreState(saved: unknown, profile: FlameProfile): FlameViewState {
  const init = initialState(profile);
  if (!isFlameViewState(saved)) return init;
  const nodes = profile.tree.parent.length;
  const sandwich = saved.sandwich !== undefined && saved.sandwich >= 0 && saved.sandwich < profile.functions.length ? saved.sandwich : undefined;
  const sort = isSort(saved.sort) ? { ...saved.sort } : init.sort;
  return {
    sampleType: saved.sampleType >= 0 && saved.sampleType < profile.sampleTypes.length ? saved.sampleType : init.sampleType,
    zoom: saved.zoom >= 0 && saved.zoom < nodes ? saved.zoom : 0,
    search: saved.search,
    // The sandwich view without a function would be empty: show the flame graph instead.
    view: saved.view === 'sandwich' && sandwich === undefined ? 'flame' : saved.view,
    sandwich,
    sort,
    // What the panel shows: kept as the host gave it, for the panel serializer after a reload.
    ...(saved.source ? { source: { ...saved.source } } : {}),
  };
}

function isSort(v: unknown): v is NonNullable<FlameViewState['sort']> {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (s.column === 'flat' || s.column === 'cum' || s.column === 'name') && typeof s.descending === 'boolean';
}
