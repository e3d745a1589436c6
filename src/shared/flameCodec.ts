/**
 * JSON-safe form of a FlameProfile. The CLI embeds a profile in a standalone HTML page, where
 * typed arrays cannot go as they are. Base64 of their bytes keeps every float bit-exact
 * (NaN and -0 included) and decodes with one pass over a string instead of parsing one JSON
 * number per node; its size is about that of number arrays. Used by Node (src/core/pprof/html.ts)
 * and by the browser (src/webview/flame), so it relies only on atob/btoa, present in both.
 *
 * Large trees travel gzip-compressed (see EncodedArray): as base64 in the page, as bytes in
 * a message to the VS Code panel (packFlameProfile); decodeFlameProfileAsync reads both.
 *
 * The decoder also accepts typed arrays and plain number arrays in place of base64, because a
 * profile posted to a webview may arrive in any of those forms depending on how the host
 * serialised it; and it checks the tree's shape, since a broken tree would make the view loop
 * or read out of bounds rather than fail visibly.
 */
import type { FlameFunction, FlameProfile, FlameTree, SampleType } from './flame';

/**
 * Version of the encoded form; a page written by a newer CLI says so instead of misdrawing.
 * 2: the tree no longer carries self values (derived from totals); format 1's are ignored.
 * 3: arrays may be gzip-compressed, the parents as distances (see EncodedArray).
 */
export const FLAME_CODEC_VERSION = 3;

/**
 * A typed array as JSON: its element kind and its bytes (little-endian) in base64. With
 * `gzip`, the bytes are gzip-compressed: a 10 MB heap profile's tree is 89 to 370 MB of
 * arrays and 6 to 36 MB compressed (totals are mostly repeats, depths and sizes runs). With
 * `delta`, each value is its index less the value (node i's parent as i - parent[i], 1 on a
 * chain), which is what makes the parents compress (18 MB of 28 without it).
 */
export interface EncodedArray {
  kind: 'i32' | 'f64';
  /** The bytes as base64 (JSON, the standalone page), or as they are (a webview message). */
  base64?: string;
  bytes?: Uint8Array;
  gzip?: boolean;
  delta?: boolean;
}

/** gzip of some bytes, given by the encoder's caller (Node's zlib; the browser has no sync one). */
export type Compress = (bytes: Uint8Array) => Uint8Array;

/**
 * Trees of at least this many bytes of arrays (about 300k nodes) travel compressed, to the
 * standalone page and to the VS Code panel. Below, they are small anyway, and the browser's
 * inflating has a cost of its own: 60 ms more to the first frame of a 10k-node page.
 */
export const COMPRESS_MIN_BYTES = 16 << 20;

/** The bytes of a tree's arrays: five of 4-byte values and the 8-byte totals. */
export function treeBytes(t: FlameTree): number {
  return t.parent.length * (5 * 4 + 8 * (t.total.length + (t.baseTotal?.length ?? 0)));
}

/** Node i's parent as i - parent[i] (1 along a chain): what makes the parents compress. */
function distances(a: Int32Array): Int32Array {
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = i - a[i];
  return out;
}

function bytesOf(a: Int32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export interface EncodedFlameTree {
  parent: EncodedArray;
  func: EncodedArray;
  line: EncodedArray;
  depth: EncodedArray;
  size: EncodedArray;
  total: EncodedArray[];
  baseTotal?: EncodedArray[];
}

/** The JSON-safe profile: every field of FlameProfile, the tree's arrays encoded. */
export interface EncodedFlameProfile extends Omit<FlameProfile, 'tree'> {
  golabFlame: number;
  tree: EncodedFlameTree;
}

/** A profile that cannot be decoded; the message says what is wrong, for the error panel. */
export class FlameCodecError extends Error {
  override name = 'FlameCodecError';
}

// Typed arrays are stored in the platform's byte order; every platform VS Code and Chromium
// run on is little-endian, and the check below turns a big-endian surprise into an error
// instead of garbage.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  // String.fromCharCode.apply has an argument-count limit: go in chunks.
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + chunk)));
  }
  return btoa(out);
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new FlameCodecError('the profile data is not valid base64');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** An array's kind and the bytes encoded of it: its distances (see EncodedArray) if `delta`. */
function source(a: Int32Array | Float64Array, delta: boolean): { head: Pick<EncodedArray, 'kind' | 'delta'>; bytes: Uint8Array } {
  if (!LITTLE_ENDIAN) throw new FlameCodecError('big-endian platforms are not supported');
  if (a instanceof Float64Array) return { head: { kind: 'f64' }, bytes: bytesOf(a) };
  return delta ? { head: { kind: 'i32', delta: true }, bytes: bytesOf(distances(a)) } : { head: { kind: 'i32' }, bytes: bytesOf(a) };
}

function encodeArray(a: Int32Array | Float64Array, compress?: Compress, delta = false): EncodedArray {
  if (!compress) return { ...source(a, false).head, base64: bytesToBase64(bytesOf(a)) };
  const { head, bytes } = source(a, delta);
  return { ...head, base64: bytesToBase64(compress(bytes)), gzip: true };
}

/**
 * The form of `profile` posted to the VS Code panel: its arrays gzip-compressed by `compress`
 * (Node's zlib on its threads), as bytes rather than base64, since a webview message carries
 * binary data as it is. The arrays of a 10 MB profile's tree (89 to 370 MB) took 5 to 20 s to
 * reach the panel uncompressed; compressed they are a tenth of that. Read it with
 * decodeFlameProfileAsync.
 */
export async function packFlameProfile(profile: FlameProfile, compress: (bytes: Uint8Array) => Promise<Uint8Array>): Promise<EncodedFlameProfile> {
  const t = profile.tree;
  const pack = async (a: Int32Array | Float64Array, delta = false): Promise<EncodedArray> => {
    const { head, bytes } = source(a, delta);
    const z = await compress(bytes);
    // A plain Uint8Array (a Node Buffer would be serialised by its toJSON, as a list of
    // numbers) with a buffer of its own (a message carries a view's whole buffer, and a
    // small result of zlib may be a slice of a shared pool).
    const own = z.byteOffset === 0 && z.byteLength === z.buffer.byteLength ? new Uint8Array(z.buffer, 0, z.byteLength) : new Uint8Array(z);
    return { ...head, bytes: own, gzip: true };
  };
  // All at once: zlib compresses them on as many threads as it has.
  const [parent, func, line, depth, size, total, baseTotal] = await Promise.all([
    pack(t.parent, true),
    pack(t.func),
    pack(t.line),
    pack(t.depth),
    pack(t.size),
    Promise.all(t.total.map((a) => pack(a))),
    t.baseTotal ? Promise.all(t.baseTotal.map((a) => pack(a))) : undefined,
  ]);
  const tree: EncodedFlameTree = { parent, func, line, depth, size, total, ...(baseTotal ? { baseTotal } : {}) };
  return { ...profile, golabFlame: FLAME_CODEC_VERSION, tree };
}

/**
 * The JSON-safe form of `profile` (JSON.stringify it as it is); with `compress`, its arrays
 * gzip-compressed (then read it with decodeFlameProfileAsync).
 */
export function encodeFlameProfile(profile: FlameProfile, compress?: Compress): EncodedFlameProfile {
  const t = profile.tree;
  const enc = (a: Int32Array | Float64Array): EncodedArray => encodeArray(a, compress);
  const tree: EncodedFlameTree = {
    parent: encodeArray(t.parent, compress, true),
    func: enc(t.func),
    line: enc(t.line),
    depth: enc(t.depth),
    size: enc(t.size),
    total: t.total.map(enc),
  };
  if (t.baseTotal) tree.baseTotal = t.baseTotal.map(enc);
  return { ...profile, golabFlame: FLAME_CODEC_VERSION, tree };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decodeArray<T extends Int32Array | Float64Array>(v: unknown, make: (n: number | ArrayBuffer) => T, what: string): T {
  const kind = make(0) instanceof Int32Array ? 'i32' : 'f64';
  if (v instanceof Int32Array || v instanceof Float64Array) {
    if ((v instanceof Int32Array ? 'i32' : 'f64') === kind) return v as T;
    return copyNumbers(Array.from(v), make, what);
  }
  if (Array.isArray(v)) return copyNumbers(v, make, what);
  if (hasBytes(v)) {
    if (v.kind !== kind) throw new FlameCodecError(`${what}: expected ${kind} data, found ${String(v.kind)}`);
    if (v.gzip === true) throw new FlameCodecError(`${what} is compressed: read the profile with decodeFlameProfileAsync`);
    if (!LITTLE_ENDIAN) throw new FlameCodecError('big-endian platforms are not supported');
    // Bytes that are their whole buffer (the typed array needs an aligned offset): the
    // decoded base64's, a posted array of its own, or else a copy.
    const raw = encodedBytes(v);
    const bytes = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : new Uint8Array(raw);
    const width = kind === 'i32' ? 4 : 8;
    if (bytes.length % width !== 0) throw new FlameCodecError(`${what}: ${bytes.length} bytes is not a whole number of ${kind} values`);
    return make(bytes.buffer as ArrayBuffer);
  }
  // A typed array structured-cloned through JSON arrives as {"0": v0, "1": v1, ...}.
  if (isRecord(v)) {
    const keys = Object.keys(v);
    if (keys.every((k, i) => k === String(i))) return copyNumbers(keys.map((k) => v[k]), make, what);
  }
  throw new FlameCodecError(`${what} is missing or not an array`);
}

function copyNumbers<T extends Int32Array | Float64Array>(values: unknown[], make: (n: number) => T, what: string): T {
  const out = make(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (typeof x !== 'number') throw new FlameCodecError(`${what}[${i}] is not a number`);
    out[i] = x;
  }
  return out;
}

const i32 = (n: number | ArrayBuffer): Int32Array => (typeof n === 'number' ? new Int32Array(n) : new Int32Array(n));
const f64 = (n: number | ArrayBuffer): Float64Array => (typeof n === 'number' ? new Float64Array(n) : new Float64Array(n));

function decodeList(v: unknown, what: string, count: number): Float64Array[] {
  if (!Array.isArray(v)) throw new FlameCodecError(`${what} is not a list`);
  if (v.length !== count) throw new FlameCodecError(`${what} has ${v.length} entries for ${count} sample types`);
  return v.map((a, k) => decodeArray(a, f64, `${what}[${k}]`));
}

/**
 * A FlameProfile from its encoded form (or from a profile whose arrays lost their type on the
 * way). Throws FlameCodecError saying what is wrong when the data is not a usable profile.
 */
export function decodeFlameProfile(v: unknown): FlameProfile {
  if (!isRecord(v)) throw new FlameCodecError('the profile is not an object');
  if (typeof v.golabFlame === 'number' && v.golabFlame > FLAME_CODEC_VERSION) {
    throw new FlameCodecError(`the profile was written in format ${v.golabFlame}; this viewer reads format ${FLAME_CODEC_VERSION} (update Go Lab)`);
  }
  if (!Array.isArray(v.sampleTypes) || v.sampleTypes.length === 0) throw new FlameCodecError('the profile has no sample types');
  const sampleTypes: SampleType[] = v.sampleTypes.map((s, k) => {
    if (!isRecord(s) || typeof s.type !== 'string' || typeof s.unit !== 'string') throw new FlameCodecError(`sample type ${k} is malformed`);
    return { type: s.type, unit: s.unit };
  });
  if (!Array.isArray(v.functions)) throw new FlameCodecError('the profile has no function table');
  const functions: FlameFunction[] = v.functions.map((f, k) => {
    if (!isRecord(f) || typeof f.name !== 'string') throw new FlameCodecError(`function ${k} is malformed`);
    return { name: f.name, file: typeof f.file === 'string' ? f.file : '', startLine: typeof f.startLine === 'number' ? f.startLine : 0 };
  });
  if (!isRecord(v.tree)) throw new FlameCodecError('the profile has no call tree');
  const t = v.tree;
  const tree: FlameTree = {
    parent: decodeArray(t.parent, i32, 'tree.parent'),
    func: decodeArray(t.func, i32, 'tree.func'),
    line: decodeArray(t.line, i32, 'tree.line'),
    depth: decodeArray(t.depth, i32, 'tree.depth'),
    size: decodeArray(t.size, i32, 'tree.size'),
    total: decodeList(t.total, 'tree.total', sampleTypes.length),
  };
  if (t.baseTotal !== undefined && t.baseTotal !== null) tree.baseTotal = decodeList(t.baseTotal, 'tree.baseTotal', sampleTypes.length);
  validateTree(tree, functions.length);
  const defaultType = typeof v.defaultType === 'number' && Number.isInteger(v.defaultType) && v.defaultType >= 0 && v.defaultType < sampleTypes.length ? v.defaultType : sampleTypes.length - 1;
  const profile: FlameProfile = { title: typeof v.title === 'string' ? v.title : 'profile', sampleTypes, defaultType, functions, tree };
  if (typeof v.durationNanos === 'number') profile.durationNanos = v.durationNanos;
  if (Array.isArray(v.labels)) profile.labels = v.labels.filter((l): l is string => typeof l === 'string');
  if (typeof v.baseTitle === 'string') profile.baseTitle = v.baseTitle;
  return profile;
}

/** The bytes of gzip data, inflated by the platform's DecompressionStream (browsers, Node 18+). */
async function gunzip(bytes: Uint8Array<ArrayBuffer>, what: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new FlameCodecError(`${what}: the compressed data is corrupt (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Whether `v` is an encoded array: its bytes as base64 or as they are. */
function hasBytes(v: unknown): v is Record<string, unknown> {
  return isRecord(v) && (typeof v.base64 === 'string' || v.bytes instanceof Uint8Array);
}

/** The bytes of an encoded array, as they were encoded (maybe compressed). */
function encodedBytes(v: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  return typeof v.base64 === 'string' ? base64ToBytes(v.base64) : (v.bytes as Uint8Array<ArrayBuffer>);
}

/** An encoded array with its gzip (and delta) undone, as an encoded array decodeFlameProfile reads. */
async function inflateArray(v: unknown, what: string): Promise<unknown> {
  if (!hasBytes(v) || v.gzip !== true) return v;
  const bytes = await gunzip(encodedBytes(v), what);
  const width = v.kind === 'f64' ? 8 : 4;
  if (bytes.length % width !== 0) throw new FlameCodecError(`${what}: ${bytes.length} bytes is not a whole number of ${String(v.kind)} values`);
  if (v.delta !== true) return v.kind === 'f64' ? new Float64Array(bytes.buffer as ArrayBuffer) : new Int32Array(bytes.buffer as ArrayBuffer);
  if (v.kind !== 'i32') throw new FlameCodecError(`${what}: distances are only written for i32 data`);
  const a = new Int32Array(bytes.buffer as ArrayBuffer);
  for (let i = 0; i < a.length; i++) a[i] = i - a[i];
  return a;
}

/**
 * {@link decodeFlameProfile} of a profile whose arrays may be compressed (format 3, as
 * the CLI's pages have them): they are inflated first, without blocking for the inflating.
 */
export async function decodeFlameProfileAsync(v: unknown): Promise<FlameProfile> {
  if (!isRecord(v) || !isRecord(v.tree)) return decodeFlameProfile(v);
  const t = v.tree;
  // All at once: each stream's round trips overlap the others' (one after another, a small
  // profile's page took 50 ms longer to show).
  const list = (x: unknown, what: string): Promise<unknown> => (Array.isArray(x) ? Promise.all(x.map((a, k) => inflateArray(a, `${what}[${k}]`))) : Promise.resolve(x));
  const keys = ['parent', 'func', 'line', 'depth', 'size'];
  const [arrays, total, baseTotal] = await Promise.all([Promise.all(keys.map((key) => inflateArray(t[key], `tree.${key}`))), list(t.total, 'tree.total'), list(t.baseTotal, 'tree.baseTotal')]);
  const tree: Record<string, unknown> = { ...t, total, baseTotal };
  keys.forEach((key, k) => (tree[key] = arrays[k]));
  return decodeFlameProfile({ ...v, tree });
}

/**
 * Checks the invariants the view relies on: parallel arrays of one length, node 0 the root,
 * preorder (each parent before its children, depth = parent's + 1), subtree ranges nested in
 * their parent's, function indices in the table.
 */
export function validateTree(tree: FlameTree, functionCount: number): void {
  const n = tree.parent.length;
  if (n === 0) throw new FlameCodecError('the call tree is empty (no root)');
  const arrays: Array<[string, { length: number }]> = [
    ['func', tree.func],
    ['line', tree.line],
    ['depth', tree.depth],
    ['size', tree.size],
    ...tree.total.map((a, k): [string, { length: number }] => [`total[${k}]`, a]),
    ...(tree.baseTotal ?? []).map((a, k): [string, { length: number }] => [`baseTotal[${k}]`, a]),
  ];
  for (const [name, a] of arrays) if (a.length !== n) throw new FlameCodecError(`tree.${name} has ${a.length} entries for ${n} nodes`);
  if (tree.parent[0] !== -1 || tree.depth[0] !== 0 || tree.size[0] !== n) throw new FlameCodecError('node 0 is not the root of the whole tree');
  const below = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const p = tree.parent[i];
    if (!(p >= 0 && p < i)) throw new FlameCodecError(`node ${i}: parent ${p} does not precede it`);
    if (tree.depth[i] !== tree.depth[p] + 1) throw new FlameCodecError(`node ${i}: depth ${tree.depth[i]} is not its parent's + 1`);
    const s = tree.size[i];
    if (!(s >= 1 && i + s <= p + tree.size[p])) throw new FlameCodecError(`node ${i}: subtree size ${s} overflows its parent's`);
    const f = tree.func[i];
    if (!(f >= 0 && f < functionCount)) throw new FlameCodecError(`node ${i}: function ${f} is not in the function table`);
    below[p] += s;
  }
  // With the nesting above, sizes that add up mean every range holds exactly its subtree.
  for (let i = 0; i < n; i++) if (below[i] + 1 !== tree.size[i]) throw new FlameCodecError(`node ${i}: subtree size ${tree.size[i]} is not 1 + its children's`);
}
