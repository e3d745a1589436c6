/**
 * The flame graph model and the messages between the profile webview and the extension host.
 * Core builds the model (src/core/pprof), the extension posts it, the webview (src/webview/flame)
 * draws it; the CLI embeds it in a self-contained HTML page. Every message from the webview is
 * checked with {@link isFromWebview} before it is acted on.
 */

import type { EncodedFlameProfile } from './flameCodec';

/** One sample type of a profile, as pprof names it: `cpu`/`nanoseconds`, `alloc_space`/`bytes`. */
export interface SampleType {
  type: string;
  unit: string;
}

/** A function as the profile names it (inlined functions are functions of their own). */
export interface FlameFunction {
  /** Fully qualified: `example.com/m/pkg.(*T).Method`. */
  name: string;
  /** Absolute path as recorded by the profiled program ('' when unknown). */
  file: string;
  /** First line of the function (0 when unknown). */
  startLine: number;
}

/**
 * The call tree in preorder, as parallel arrays (compact, and cheap to post to a webview:
 * typed arrays are structured-cloned without per-node objects). Node 0 is the root (all
 * samples, `func` = -1). The subtree of node i is the range [i, i + size[i]); its children
 * follow it in order of decreasing total of the default sample type. Stacks are merged by
 * function (as pprof's flame graph does); `line` is the line in that function that carries
 * the most of the node's value (where a click opens the source).
 */
export interface FlameTree {
  parent: Int32Array;
  func: Int32Array;
  line: Int32Array;
  /** Depth of each node (root 0). */
  depth: Int32Array;
  size: Int32Array;
  /**
   * Per sample type: total value of each node (itself and below). A node's self value (of the
   * samples that end there) is its total less its children's: {@link selfValues}. It is not
   * kept, so that a large profile's model, and the message that takes it to the webview, are
   * a third smaller.
   */
  total: Float64Array[];
  /** Diff view only: the base profile's totals per sample type, scaled to this profile's total. */
  baseTotal?: Float64Array[];
}

/**
 * The self value of every node for sample type `t`: its total less its children's totals.
 * Exact for pprof's integer values (sums below 2^53); one pass over the tree.
 */
export function selfValues(tree: Pick<FlameTree, 'parent' | 'total'>, t: number): Float64Array {
  const total = tree.total[t];
  const self = total.slice();
  const { parent } = tree;
  for (let i = 1; i < self.length; i++) self[parent[i]] -= total[i];
  return self;
}

export interface FlameProfile {
  /** Shown in the panel title: `cpu · TestX · 2026-11-29 10:31`. */
  title: string;
  sampleTypes: SampleType[];
  /** The sample type shown first (pprof's default_sample_type, else the last). */
  defaultType: number;
  functions: FlameFunction[];
  tree: FlameTree;
  /** Wall time the profile covers, if recorded. */
  durationNanos?: number;
  /** `key=value` sample labels (pprof labels) seen in the profile, for information. */
  labels?: string[];
  /** Set for a diff: what the base profile was. */
  baseTitle?: string;
}

/** What the webview remembers across reloads (vscode.setState and the panel serializer). */
export interface FlameViewState {
  sampleType: number;
  /** Node index zoomed into (0 = root). */
  zoom: number;
  search: string;
  view: 'flame' | 'icicle' | 'top' | 'sandwich';
  /** Function index of the sandwich view. */
  sandwich?: number;
  /** Sort of the top table. */
  sort?: { column: 'flat' | 'cum' | 'name'; descending: boolean };
  /**
   * What the panel shows, set by the extension host in the `load` message; the webview keeps
   * it unchanged in the state it saves, so the panel serializer can reopen the same profile
   * after a reload.
   */
  source?: { file: string; base?: string; title: string };
}

/** Extension host -> webview. */
export type ToWebview =
  | { type: 'load'; profile: FlameProfile | EncodedFlameProfile; state?: FlameViewState }
  | { type: 'error'; message: string; detail?: string };

/** Webview -> extension host. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'openSource'; file: string; line: number }
  | { type: 'state'; state: FlameViewState };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Validates a message from the webview (its content is untrusted: it runs the page's script). */
export function isFromWebview(v: unknown): v is FromWebview {
  if (!isObject(v) || typeof v.type !== 'string') return false;
  switch (v.type) {
    case 'ready':
      return true;
    case 'openSource':
      return typeof v.file === 'string' && v.file.length > 0 && v.file.length < 4096 && Number.isInteger(v.line) && (v.line as number) >= 0;
    case 'state':
      return isFlameViewState(v.state);
    default:
      return false;
  }
}

export function isFlameViewState(v: unknown): v is FlameViewState {
  if (!isObject(v)) return false;
  const views = ['flame', 'icicle', 'top', 'sandwich'];
  return (
    Number.isInteger(v.sampleType) &&
    Number.isInteger(v.zoom) &&
    typeof v.search === 'string' &&
    v.search.length < 1000 &&
    typeof v.view === 'string' &&
    views.includes(v.view) &&
    (v.sandwich === undefined || Number.isInteger(v.sandwich)) &&
    (v.source === undefined || isViewSource(v.source))
  );
}

function isViewSource(v: unknown): v is FlameViewState['source'] {
  return isObject(v) && typeof v.file === 'string' && typeof v.title === 'string' && (v.base === undefined || typeof v.base === 'string');
}
