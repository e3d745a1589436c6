/**
 * The flame tree of a decoded profile: its stacks merged by function, root to leaf, laid out
 * in preorder. Written for profiles of tens of millions of frames, where the cost is cache
 * misses and first touches of fresh memory, not instructions.
 *
 * Here the samples are put in an order the walk (walk.ts) reads well and their stacks copied
 * into it as frames; the walk builds the tree in preorder; the values are then summed up it.
 */
import type { FlameTree } from '../../shared/flame';
import { type Profile, stackLocations, takeSpareMemory } from './decode';
import { depthsOf } from './treeBuilder';
import { grown, Nodes, PEEL_SHARE, Walk } from './walk';
import { warmBuffers } from './warm';

/**
 * Every BOUNDS_STRIDE-th sample is compared with its predecessor to estimate {@link bounds}:
 * 25k of a heap profile's 818k samples, an estimate of 7,157,201 nodes where every 8th gave
 * 7,156,691, in 11 ms instead of 19 (medians of 5 runs).
 */
const BOUNDS_STRIDE = 32;

/**
 * An estimate of the node count: one per frame not shared with the previous sample's stack
 * (a shared frame is the previous sample's node), so the node arrays are allocated once.
 * Also, per depth from the root, how many samples have a location there that their
 * predecessor does not have at that depth (the stacks parted at or above it). Both from
 * every BOUNDS_STRIDE-th sample only (scaled up): a full pass reads every frame of the
 * profile once more, and both figures only guide performance (the node arrays grow past an
 * estimate that falls short; the sort depths change the order, not the tree).
 */
function bounds(p: Profile): { maxNodes: number; varying: Int32Array } {
  const { sampleCount, sampleLocStart, locFrameStart } = p;
  const sampleLocs = stackLocations(p);
  const stride = sampleCount >= 64 * BOUNDS_STRIDE ? BOUNDS_STRIDE : 1;
  let nodes = 0;
  let varying: Int32Array = new Int32Array(64);
  for (let s = stride - 1; s < sampleCount; s += stride) {
    const end = sampleLocStart[s + 1];
    const depth = end - sampleLocStart[s];
    const prevEnd = sampleLocStart[s];
    const prevDepth = s > 0 ? prevEnd - sampleLocStart[s - 1] : 0;
    let d = 0;
    while (d < depth && d < prevDepth && sampleLocs[end - 1 - d] === sampleLocs[prevEnd - 1 - d]) d++;
    const top = Math.max(depth, prevDepth);
    if (top > varying.length) varying = grown(varying, top);
    for (let k = d; k < top; k++) varying[k] += stride;
    for (let i = end - 1 - d; i >= end - depth; i--) nodes += locFrameStart[sampleLocs[i] + 1] - locFrameStart[sampleLocs[i]];
  }
  // A quarter more than the estimate: a growth copies every node made so far.
  return { maxNodes: 1 + Math.ceil(nodes * stride * 1.25), varying };
}

/** At most this many depths group the samples (scanStacks reads three). */
const SORT_DEPTHS = 3;
/**
 * The sort stops adding depths once this many groups may result: the copy into the walk's
 * order ({@link copyStacks}) writes one sequential stream per group, cheap while their
 * current cache lines all stay in cache. On a heap profile of 1.7M nodes, 16 and 256 groups
 * gave the same time within the noise of this machine.
 */
const SORT_GROUPS = 1024;
/** Below this many samples the stacks stay in cache whatever the order: no sort. */
const SORT_MIN_SAMPLES = 1 << 14;

/**
 * What one pass over every sample's outer frames gives (see {@link scanStacks}): the sort's
 * groups, and each sample's match with the reference sample.
 */
interface Scan {
  /**
   * Per sample, its group: the samples with the same locations at every sort depth (root
   * first; none past a stack's end), numbered in the order first met. `rank` orders the
   * groups by those locations, root first (the order a radix sort by them gives).
   */
  group: Int32Array;
  rank: Int32Array;
  /** The reference: a sample without inlined frames, stored whole (see Walk.peel), or -1. */
  ref: number;
  /** Per sample, how many of its outer frames are the reference's own (0 with inlined frames); none without a reference. */
  match?: Uint8Array;
  /** Per match length, how many samples and their value; whether a value is negative. */
  matchCount: Float64Array;
  matchSum: Float64Array;
  negative: boolean;
}

/**
 * The depths to sort the samples by: where at least 1/256 of them differ from their
 * predecessor, root first, while the number of groups (estimated from every 64th sample)
 * stays small. None below SORT_MIN_SAMPLES.
 */
function sortDepths(p: Profile, varying: Int32Array): number[] {
  const { sampleCount: n, sampleLocStart } = p;
  const depths: number[] = [];
  if (n < SORT_MIN_SAMPLES) return depths;
  const sampleLocs = stackLocations(p);
  const nLocs = p.locFrameStart.length - 1;
  const seen = new Uint8Array(nLocs + 1);
  let groups = 1;
  for (let d = 0; d < varying.length && depths.length < SORT_DEPTHS; d++) {
    if (varying[d] * 256 < n) continue;
    seen.fill(0);
    let distinct = 0;
    for (let s = 0; s < n; s += 64) {
      const end = sampleLocStart[s + 1];
      const x = d < end - sampleLocStart[s] ? sampleLocs[end - 1 - d] + 1 : 0;
      if (seen[x] === 0) {
        seen[x] = 1;
        distinct++;
      }
    }
    if (depths.length > 0 && groups * distinct > SORT_GROUPS) break;
    depths.push(d);
    groups *= distinct;
  }
  return depths;
}

/**
 * One pass over the samples in the profile's order, reading each stack's outer frames once
 * (from memory: the stacks are tens of megabytes) for what both the sort and the copy need
 * from them: each sample's group (its locations at the sort's depths), and how many outer
 * frames it shares with the reference, the middle sample of the profile's order (see
 * copyStacks). Each of those was a pass of its own over the stacks, reading the same cache
 * lines.
 */
function scanStacks(p: Profile, depths: readonly number[], scratch: Scratch): Scan {
  const { sampleCount: n, sampleLocStart: locStart, sampleFrameStart: frameStart, values } = p;
  const locs = stackLocations(p);
  const nTypes = p.sampleTypes.length;
  const def = p.defaultType;
  const group = scratch.int32(n);
  const groups = new GroupTable();
  // The reference, if it has no inlined frames (its locations are then its frames): its
  // outer frames, root first, at most 255 (a match length is a byte).
  const ref = n > 0 && frameStart[(n >>> 1) + 1] - frameStart[n >>> 1] === locStart[(n >>> 1) + 1] - locStart[n >>> 1] ? n >>> 1 : -1;
  const refLen = ref >= 0 ? Math.min(255, locStart[ref + 1] - locStart[ref]) : 0;
  const chain = new Int32Array(refLen);
  for (let q = 0; q < refLen; q++) chain[q] = locs[locStart[ref + 1] - 1 - q];
  const match = refLen > 0 ? scratch.uint8(n) : undefined;
  const matchCount = new Float64Array(refLen + 1);
  const matchSum = new Float64Array(refLen + 1);
  let negative = false;
  const nd = depths.length;
  if (nd > 3) throw new Error(`flame model: ${nd} sort depths, the scan reads three at most`);
  // A depth past the three read is never reached (len is at most 2^31 - 1).
  const d0 = nd > 0 ? depths[0] : 0x7fffffff;
  const d1 = nd > 1 ? depths[1] : 0x7fffffff;
  const d2 = nd > 2 ? depths[2] : 0x7fffffff;
  for (let s = 0; s < n; s++) {
    const a = locStart[s];
    const e = locStart[s + 1];
    const len = e - a;
    // 1 + its location at each sort depth, 0 past the stack's end (or past the depths).
    const x = d0 < len ? locs[e - 1 - d0] + 1 : 0;
    const y = d1 < len ? locs[e - 1 - d1] + 1 : 0;
    const z = d2 < len ? locs[e - 1 - d2] + 1 : 0;
    group[s] = groups.id(x, y, z);
    if (match) {
      let q = 0;
      if (frameStart[s + 1] - frameStart[s] === len) {
        const stop = e - 1 - Math.min(len, refLen);
        for (let k = e - 1; k > stop && locs[k] === chain[q]; k--) q++;
      }
      match[s] = q;
      matchCount[q]++;
      const v = values[s * nTypes + def];
      matchSum[q] += v;
      negative ||= v < 0;
    }
  }
  return { group, rank: groups.ranks(), ref, matchCount, matchSum, negative, ...(match ? { match } : {}) };
}

/** A hash of three int32s (multiplicative, the high bits folded into the low ones the table's mask keeps). */
function hash3(x: number, y: number, z: number): number {
  const h = (Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca6b) ^ Math.imul(z, 0xc2b2ae35)) >>> 0;
  return h ^ (h >>> 15);
}

/**
 * The groups of the sort: triples of locations (each 1 + a location index, or 0), numbered in
 * the order first met, in an open-addressing hash table of typed arrays (a few thousand
 * groups at most, see SORT_GROUPS: it stays in cache while the scan reads the stacks).
 */
export class GroupTable {
  private x: Int32Array = new Int32Array(256);
  private y: Int32Array = new Int32Array(256);
  private z: Int32Array = new Int32Array(256);
  private count = 0;
  /** Per slot: 1 + the group id there, 0 when empty. */
  private slots = new Int32Array(1024);
  private mask = 1023;

  id(x: number, y: number, z: number): number {
    const { slots, mask } = this;
    let h = hash3(x, y, z) & mask;
    for (;;) {
      const g = slots[h] - 1;
      if (g < 0) break;
      if (this.x[g] === x && this.y[g] === y && this.z[g] === z) return g;
      h = (h + 1) & mask;
    }
    const g = this.count++;
    if (g === this.x.length) {
      this.x = grown(this.x);
      this.y = grown(this.y);
      this.z = grown(this.z);
    }
    this.x[g] = x;
    this.y[g] = y;
    this.z[g] = z;
    slots[h] = g + 1;
    // At most half full: rehashed into twice the slots.
    if (2 * this.count > mask) this.rehash();
    return g;
  }

  private rehash(): void {
    const size = 2 * (this.mask + 1);
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    const { slots, mask } = this;
    for (let g = 0; g < this.count; g++) {
      let h = hash3(this.x[g], this.y[g], this.z[g]) & mask;
      while (slots[h] !== 0) h = (h + 1) & mask;
      slots[h] = g + 1;
    }
  }

  /** Per group, its place in the order of (x, y, z). */
  ranks(): Int32Array {
    const { x, y, z } = this;
    const byKey = Int32Array.from({ length: this.count }, (_, g) => g).sort((a, b) => x[a] - x[b] || y[a] - y[b] || z[a] - z[b]);
    const rank = new Int32Array(this.count);
    for (let r = 0; r < byKey.length; r++) rank[byKey[r]] = r;
    return rank;
  }
}

/**
 * Where each sample goes in the walk's order, and where its stack starts in the copy: grouped
 * by their locations at the first depths (from the root) where stacks part (see sortDepths),
 * the groups in the order of those locations, the samples of each in the profile's order.
 * Profiles list samples in hash order: in it, the samples of a node below those depths would
 * be spread over all of the stacks' memory, a cache miss per sample each time the walk reads
 * them. In groups, copied in that order, they sit together and stay in cache. The order does
 * not change the tree: values are integers, summed exactly in any order.
 *
 * Two passes in the profile's order (counts per group, then places from each group's cursor),
 * where a radix sort by the locations took a pass per depth and the copy's sizes were then
 * read in the sorted order, a cache miss each. `size(s)`: sample s's frames in the copy;
 * `int32` gives the arrays (their contents may be anything).
 */
export function placeSamples(n: number, scan: Pick<Scan, 'group' | 'rank'> | undefined, size: (s: number) => number, int32: (n: number) => Int32Array): { dest: Int32Array; start: Int32Array; order: Int32Array | undefined } {
  const dest = int32(n);
  const start = int32(n + 1);
  if (!scan) {
    let w = 0;
    for (let s = 0; s < n; s++) {
      dest[s] = s;
      start[s] = w;
      w += size(s);
    }
    start[n] = w;
    return { dest, start, order: undefined };
  }
  const order = int32(n);
  const { group, rank } = scan;
  const g = rank.length;
  const nextSample = new Int32Array(g + 1);
  const nextFrame = new Float64Array(g + 1);
  for (let s = 0; s < n; s++) {
    const r = rank[group[s]];
    nextSample[r + 1]++;
    nextFrame[r + 1] += size(s);
  }
  for (let r = 1; r <= g; r++) {
    nextSample[r] += nextSample[r - 1];
    nextFrame[r] += nextFrame[r - 1];
  }
  for (let s = 0; s < n; s++) {
    const r = rank[group[s]];
    const i = nextSample[r]++;
    dest[s] = i;
    order[i] = s;
    start[i] = nextFrame[r];
    nextFrame[r] += size(s);
  }
  start[n] = nextFrame[g];
  return { dest, start, order };
}

/**
 * The samples' stacks as frames, leaf first, and their default type's values, in the walk's
 * order (`order`: the profile's sample at each place, none when the same): stack i is
 * frames[start[i] .. start[i + 1]), frame x of function func[x] at line line[x]. Frame x <
 * the location count is its location's innermost frame, so that a stack of locations that
 * have one frame each (nearly all) is its own frame stack; a location's other (inlined-into)
 * frames have numbers past that, outermost last.
 */
interface Stacks {
  frames: Int32Array | Uint16Array;
  /** Whether `frames` is a copy (not the profile's own array), its buffer free once the walk is done. */
  copied: boolean;
  start: Int32Array;
  value: Float64Array;
  order: Int32Array | undefined;
  func: Int32Array;
  line: Int32Array;
  /** Per sample, how many of its outermost frames are those of sample `rootRef`, the root peel's reference (see {@link copyStacks}). */
  rootMatch?: Uint8Array;
  rootRef?: number;
  /** See WalkData.end and WalkData.sharedDepth: the outer frames not copied. */
  end?: Int32Array;
  sharedDepth?: number;
}

function frameStacks(p: Profile, scan: Scan | undefined, scratch: Scratch, shareChain: boolean, framesBuffer: ArrayBuffer | undefined, placed: Placement | undefined): Stacks {
  const { locFrameStart, frameFunc, frameLine } = p;
  const nLocs = locFrameStart.length - 1;
  // Per location, how many frames it has past its first; the numbers of those frames.
  const extra = new Int32Array(nLocs);
  const extraStart = new Int32Array(nLocs);
  let nExtra = 0;
  for (let l = 0; l < nLocs; l++) {
    // Every location has a frame: the decoder gives an unsymbolized one a frame named by its address.
    extra[l] = locFrameStart[l + 1] - locFrameStart[l] - 1;
    extraStart[l] = nLocs + nExtra;
    nExtra += extra[l];
  }
  const func = new Int32Array(nLocs + nExtra);
  const line = new Int32Array(nLocs + nExtra);
  for (let l = 0; l < nLocs; l++) {
    const f = locFrameStart[l];
    func[l] = frameFunc[f];
    line[l] = frameLine[f];
    for (let j = 0; j < extra[l]; j++) {
      func[extraStart[l] + j] = frameFunc[f + 1 + j];
      line[extraStart[l] + j] = frameLine[f + 1 + j];
    }
  }
  if (!copies(p, scan)) return { frames: stackLocations(p), copied: false, start: p.sampleLocStart, value: defaultValues(p, scratch), order: undefined, func, line };
  const place = placed ?? placement(p, scan, scratch, shareChain);
  return { ...copyStacks(p, scan, place, extra, extraStart, nLocs + nExtra, scratch, framesBuffer), copied: true, order: place.order, func, line };
}

/** Whether the stacks are copied for the walk: when they are sorted, or have inlined frames (see frameStacks). */
function copies(p: Profile, scan: Scan | undefined): boolean {
  const nLocs = p.locFrameStart.length - 1;
  return scan !== undefined || p.locFrameStart[nLocs] > nLocs;
}

/** Bytes of a frame number in the copy of the stacks, for `nFrames` frames in all: 2 while they fit. */
function frameBytes(nFrames: number): 2 | 4 {
  return nFrames <= 0xffff ? 2 : 4;
}

/** Where the copy puts each sample (see placeSamples), and how deep the chain it stores once is. */
interface Placement {
  shared: number;
  dest: Int32Array;
  start: Int32Array;
  order: Int32Array | undefined;
}

function placement(p: Profile, scan: Scan | undefined, scratch: Scratch, shareChain: boolean): Placement {
  const { sampleFrameStart: frameStart } = p;
  const ref = scan?.ref ?? -1;
  const match = scan?.match;
  const shared = sharedOf(p, scan, shareChain);
  // Each sample's frame count (the decoder counted them, inlined ones included), less the
  // shared chain's if it has it: a sample with inlined frames has no match, so never; the
  // reference keeps its own.
  const size = match && shared > 0 ? (s: number) => frameStart[s + 1] - frameStart[s] - (match[s] >= shared && s !== ref ? shared : 0) : (s: number) => frameStart[s + 1] - frameStart[s];
  return { shared, ...placeSamples(p.sampleCount, scan, size, (k) => scratch.int32(k)) };
}

/**
 * The stacks (as frames) and values copied into the walk's order. Each sample is written
 * where its group's part of the copy has got to: the profile is read in its order, the copy
 * is written in a few hundred sequential streams, and the walk then reads it in order, where
 * reading the profile's own arrays in the walk's order would be a cache miss per sample (the
 * walk took twice as long; so did this copy, reading in the walk's order and writing in it).
 * Its buffer is reused for totals afterwards: see {@link totalArrays}.
 *
 * The outer frames most samples have in common with the middle one (a program's stacks share
 * their first dozen or more: runtime.main, main.main, ...) are copied once, with that sample,
 * when {@link sharedDepth} allows it (with `shareChain`): on a heap profile of 818k samples
 * whose stacks share 18 of their 24 frames, the copy is a quarter of the size, and the stacks
 * the walk reads are four times denser in memory.
 */
function copyStacks(
  p: Profile,
  scan: Scan | undefined,
  { shared, dest, start }: Placement,
  extra: Int32Array,
  extraStart: Int32Array,
  nFrames: number,
  scratch: Scratch,
  framesBuffer: ArrayBuffer | undefined,
): Pick<Stacks, 'frames' | 'start' | 'value' | 'rootMatch' | 'end' | 'sharedDepth' | 'rootRef'> {
  const n = p.sampleCount;
  const nTypes = p.sampleTypes.length;
  const def = p.defaultType;
  const { sampleLocStart: locStart, sampleFrameStart: frameStart, values } = p;
  const locs = stackLocations(p);
  // The reference of the root's peel (see Walk.peel), which measures how many outer frames
  // each sample has with its functions: a pass over every frame of the profile, from memory.
  // The scan measured how many are the reference's own frames; the peel starts after them.
  const ref = scan?.ref ?? -1;
  const match = scan?.match;
  const w = start[n];
  // In memory faulted in for it if there is (see warmCopy).
  const bytes = frameBytes(nFrames);
  const into = framesBuffer && framesBuffer.byteLength >= w * bytes ? framesBuffer : new ArrayBuffer(w * bytes);
  const frames = bytes === 2 ? new Uint16Array(into, 0, w) : new Int32Array(into, 0, w);
  const value = scratch.float64(n);
  const rootMatch = match ? scratch.uint8(n) : undefined;
  const end = shared > 0 ? scratch.int32(n) : undefined;
  for (let s = 0; s < n; s++) {
    const i = dest[s];
    let o = start[i];
    const a = locStart[s];
    const e = locStart[s + 1];
    if (match && rootMatch) rootMatch[i] = match[s];
    const cut = shared > 0 && match && match[s] >= shared && s !== ref ? shared : 0;
    if (end) end[i] = start[i + 1] + cut;
    if (frameStart[s + 1] - frameStart[s] === e - a) {
      // Its locations are its frames; those of the shared chain it has are the reference's.
      for (let k = a; k < e - cut; k++) frames[o++] = locs[k];
    } else {
      // A location with inlined frames: they follow it, innermost first (the stack is leaf first).
      for (let k = a; k < e; k++) {
        const l = locs[k];
        frames[o++] = l;
        for (let j = 0; j < extra[l]; j++) frames[o++] = extraStart[l] + j;
      }
    }
    value[i] = values[s * nTypes + def];
  }
  return { frames, start, value, ...(rootMatch ? { rootMatch, rootRef: dest[ref] } : {}), ...(end ? { end, sharedDepth: shared } : {}) };
}

/** How many outer frames of the reference the copy stores once (see sharedDepth). */
function sharedOf(p: Profile, scan: Scan | undefined, shareChain: boolean): number {
  return scan?.match && shareChain && !scan.negative ? sharedDepth(scan.matchCount, scan.matchSum, p.sampleCount, p.sampleFrameStart[p.sampleCount]) : 0;
}

/**
 * How many outer frames of the reference the copy may store once (0: none): the most such
 * that the samples with fewer of them (stored whole) are at most 1/(PEEL_SHARE + 1) of all
 * and have less than half of the value (values not negative). The root's peel then goes
 * through all of those depths without reading a frame that was not stored: at each, at most
 * 1/PEEL_SHARE of the samples left on the chain leave it, and any child they make has less
 * value than the chain's own, so it never goes first (which would stop the peel there).
 * From `count` and `sum`: per match length, how many samples and their value. None unless
 * that leaves out a quarter of the `frames` or more: below, the copy saves less than it
 * costs to make (an array of where each stack ends, a peel of the root in all cases).
 */
function sharedDepth(count: Float64Array, sum: Float64Array, n: number, frames: number): number {
  let total = 0;
  for (const v of sum) total += v;
  let fewer = 0;
  let fewerSum = 0;
  let depth = 0;
  for (let q = 1; q < count.length; q++) {
    fewer += count[q - 1];
    fewerSum += sum[q - 1];
    if (fewer * (PEEL_SHARE + 1) > n || !(2 * fewerSum < total)) break;
    depth = q;
  }
  let whole = 0;
  for (let q = 0; q < depth; q++) whole += count[q];
  return 4 * depth * (n - whole) >= frames ? depth : 0;
}

/** What {@link buildFlameTree} and {@link buildFlameTreeAsync} take. */
export interface FlameTreeOptions {
  peelMin?: number;
  peeled?: Walk['peeled'];
  /** Whether the copy may store a chain shared by most stacks once (see copyStacks; true by default). */
  shareChain?: boolean;
  /** buildFlameTreeAsync: after how many samples (a fraction of all) the node count is estimated (tests). */
  estimateAfter?: number;
  /** buildFlameTreeAsync: memory is warmed whatever its size (tests). */
  warmAll?: boolean;
  /** buildFlameTreeAsync: set to whether the tree's arrays are those warmed during the walk, and the stacks' copy in memory warmed during the sort (tests, benchmarks). */
  warmed?: { used: boolean; copy?: boolean };
}

/**
 * The flame tree of a profile: children in decreasing total of the default type (ties by
 * function name, so the layout does not depend on the profile's numbering), each node's
 * `line` the one carrying most of its value (ties to the lowest).
 */
export function buildFlameTree(profile: Profile, options: FlameTreeOptions = {}): FlameTree {
  const built = prepareWalk(profile, options);
  built.walk.run();
  return finishTree(profile, built, options, undefined);
}

/** Samples whose node is known, as a fraction of all, when the walk estimates the node count. */
const ESTIMATE_AFTER = 1 / 4;
/** The tree's arrays are made for this many times the estimated node count... */
const WARM_ROOM = 1.15;
/** ... and this many times the estimate faulted in: pages past it take memory only if the tree needs them. */
const WARM_PART = 1.01;
/** Below this many bytes, the copy of the stacks and its scratch are not warmed (see warmCopy). */
const WARM_COPY_MIN = 4 << 20;
/** Below this many nodes' worth of arrays (52 bytes a node with four sample types), nothing is warmed: a few ms, not worth a thread's round trip. */
const WARM_MIN_NODES = 1 << 18;

/**
 * {@link buildFlameTree}, the same tree, with its arrays' memory faulted in on another thread
 * while the walk runs (see warmBuffers). Their length is the node count, known once the walk
 * is over: once a quarter of the samples have their node, the count is estimated from the
 * nodes made so far per sample; arrays for 1.15 times that many are made, and the pages of
 * 1.01 times as many faulted in. If the count is then more than the arrays hold, or below
 * two thirds of it, fresh arrays are used as before (an array's view must not sit in a much
 * larger buffer: VS Code posts a view's whole buffer). On the benchmark's heap profiles the
 * estimate was within 0.1% of the count; the tree of 1.7M nodes filled its arrays in 12 ms
 * where fresh ones took 60.
 */
export async function buildFlameTreeAsync(profile: Profile, options: FlameTreeOptions = {}): Promise<FlameTree> {
  const scanned = scanSamples(profile);
  const shareChain = options.shareChain ?? true;
  // The copy's memory is faulted in while the samples are placed (see warmCopy).
  const copying = warmCopy(profile, scanned, shareChain, options.warmAll ? 0 : WARM_COPY_MIN);
  const placed = copying ? placement(profile, scanned.scan, scanned.scratch, shareChain) : undefined;
  const [frames, more] = copying ? ((await copying) ?? []) : [];
  if (more) scanned.scratch.extend(more);
  const built = walkOver(profile, options, scanned, placed, frames);
  if (options.warmed) options.warmed.copy = frames !== undefined && built.stacks.frames.buffer === frames && built.stacks.frames.byteLength === frames.byteLength;
  const m = profile.sampleCount;
  let warm: Promise<WarmOutputs | undefined> | undefined;
  built.walk.run({
    after: Math.max(1, Math.ceil(m * (options.estimateAfter ?? ESTIMATE_AFTER))),
    then: (made, ended) => {
      const estimate = (made * m) / ended;
      if (options.warmAll || estimate >= WARM_MIN_NODES) warm = warmOutputs(Math.ceil(WARM_ROOM * estimate) + 64, estimate, profile.sampleTypes.length, built.nodes);
    },
  });
  return finishTree(profile, built, options, warm ? await warm : undefined);
}

/** Memory for a tree's arrays of up to `capacity` nodes, faulted in (see warmBuffers). */
interface WarmOutputs {
  capacity: number;
  depth: ArrayBuffer;
  size: ArrayBuffer;
  total: ArrayBuffer[];
  /** For copies of the nodes' arrays, if they will not be views of the walk's (see Nodes.trimmed). */
  nodes?: { parent: ArrayBuffer; func: ArrayBuffer; line: ArrayBuffer };
}

async function warmOutputs(capacity: number, estimate: number, nTypes: number, nodes: Nodes): Promise<WarmOutputs | undefined> {
  const copies = !nodes.viewsFor(estimate);
  const int = 4 * capacity;
  const sizes = [int, int, ...Array.from({ length: nTypes }, () => 8 * capacity), ...(copies ? [int, int, int] : [])];
  const buffers = await warmBuffers(sizes, Math.min(1, (WARM_PART * estimate) / capacity));
  if (!buffers) return undefined;
  const [depth, size, ...rest] = buffers;
  const total = rest.slice(0, nTypes);
  const [parent, func, line] = rest.slice(nTypes);
  return { capacity, depth, size, total, ...(copies ? { nodes: { parent, func, line } } : {}) };
}

/** Whether warmed arrays of `capacity` nodes may hold a tree of n: as long, at most half as long again. */
function fits(capacity: number, n: number): boolean {
  return n <= capacity && 2 * capacity <= 3 * n;
}

interface PreparedWalk {
  walk: Walk;
  nodes: Nodes;
  stacks: Stacks;
}

/** What the samples' scan gives (see scanStacks), before they are sorted and copied. */
interface Scanned {
  maxNodes: number;
  scratch: Scratch;
  scan: Scan | undefined;
}

function scanSamples(profile: Profile): Scanned {
  const { maxNodes, varying } = bounds(profile);
  const scratch = new Scratch(takeSpareMemory(profile));
  const depths = sortDepths(profile, varying);
  const scan = depths.length > 0 ? scanStacks(profile, depths, scratch) : undefined;
  return { maxNodes, scratch, scan };
}

/** The samples sorted and copied for the walk, and the walk over them, not yet run. */
function prepareWalk(profile: Profile, options: FlameTreeOptions): PreparedWalk {
  return walkOver(profile, options, scanSamples(profile), undefined, undefined);
}

/** The walk over the samples, copied where `placed` says (else where placement says), the copy's frames in `frames` if that is given and large enough. */
function walkOver(profile: Profile, options: FlameTreeOptions, { maxNodes, scratch, scan }: Scanned, placed: Placement | undefined, frames: ArrayBuffer | undefined): PreparedWalk {
  const stacks = frameStacks(profile, scan, scratch, options.shareChain ?? true, frames, placed);
  // Past 2^24 nodes the arrays grow as needed instead: the estimate can be far above the count.
  const nodes = new Nodes(Math.min(maxNodes, 1 << 24));
  const walk = new Walk({ ...stacks, functions: profile.functions, scratch: (k) => scratch.int32(k), ...(options.peelMin ? { peelMin: options.peelMin } : {}) }, nodes);
  return { walk, nodes, stacks };
}

/**
 * Memory for the copy of the stacks and for the scratch arrays past the profile's spare
 * buffer (see copyStacks and Scratch), faulted in on another thread while the samples are
 * sorted: the bytes of both, once the scan has told how much of the stacks the copy leaves
 * out; undefined when the samples are not sorted (then not copied either) or that is little.
 */
function warmCopy(profile: Profile, { scratch, scan }: Scanned, shareChain: boolean, min: number): Promise<ArrayBuffer[]> | undefined {
  // (Only sorted samples: there is then a copy, and time to warm it while they are placed.)
  if (!scan) return undefined;
  const n = profile.sampleCount;
  const shared = sharedOf(profile, scan, shareChain);
  // Every sample with the shared chain but the reference leaves it out (see copyStacks).
  let cut = 0;
  if (shared > 0) {
    let leaving = -1;
    for (let q = shared; q < scan.matchCount.length; q++) leaving += scan.matchCount[q];
    cut = shared * leaving;
  }
  // Frame numbers: the locations', then the inlined frames past each one's first (see frameStacks).
  const nLocs = profile.locFrameStart.length - 1;
  const copyBytes = (profile.sampleFrameStart[n] - cut) * frameBytes(profile.locFrameStart[nLocs]);
  // The scratch arrays placement takes (before the buffer warmed here is there: those that
  // do not fit are fresh), then copyStacks and the walk, in their order.
  const more = scratch.shortfall([4 * n, 4 * (n + 1), 4 * n], [8 * n, ...(scan.match ? [n] : []), ...(shared > 0 ? [4 * n] : []), 4 * n, 4 * n, 4 * n, 4 * n]);
  if (copyBytes + more < min) return undefined;
  return warmBuffers([copyBytes, more]);
}

/** The tree from a walk that has run: its arrays in `warm` when they fit, its totals summed. */
function finishTree(profile: Profile, { walk, nodes, stacks }: PreparedWalk, options: FlameTreeOptions, warm: WarmOutputs | undefined): FlameTree {
  const n = nodes.count;
  const w = warm && fits(warm.capacity, n) ? warm : undefined;
  if (options.warmed) options.warmed.used = w !== undefined;
  const { parent, func, line } = nodes.trimmed(w?.nodes);
  if (options.peeled) Object.assign(options.peeled, walk.peeled);
  const depth = w ? new Int32Array(w.depth, 0, n) : new Int32Array(n);
  depthsOf(parent, depth);
  const size = w ? new Int32Array(w.size, 0, n) : new Int32Array(n);
  const total = w ? w.total.map((b) => new Float64Array(b, 0, n)) : totalArrays(stacks, profile.sampleTypes.length, n);
  sumValues(profile.values, stacks.order, walk.leaf, parent, total, size);
  return { parent, func, line, depth, size, total };
}

/**
 * Per-sample arrays of the model's work, carved one after another out of the buffer the
 * profile was inflated into (see takeSpareMemory) while it has room, then fresh. That
 * buffer's pages are in memory already, where each 4 KB of fresh memory costs a page fault
 * when first written: on a 10 MB heap profile these arrays are 35 MB (8k faults). Their
 * contents are whatever was there: each of them is written before it is read.
 */
class Scratch {
  private at = 0;
  /** A second buffer, used once the first has no room (see buildFlameTreeAsync), and where its room starts. */
  private more: ArrayBuffer | undefined;
  private moreAt = 0;

  constructor(private readonly buffer: ArrayBuffer | undefined) {}

  int32(n: number): Int32Array {
    return this.take(Int32Array, n);
  }

  uint8(n: number): Uint8Array {
    return this.take(Uint8Array, n);
  }

  float64(n: number): Float64Array {
    return this.take(Float64Array, n);
  }

  /** Room past the first buffer, for the arrays that do not fit there from now on. */
  extend(more: ArrayBuffer): void {
    this.more = more;
    this.moreAt = 0;
  }

  /**
   * How many bytes of arrays of the `later` byte lengths the first buffer will have no room
   * for, when they are taken in turn after arrays of the `first` lengths (which go where
   * they fit, fresh if not).
   */
  shortfall(first: readonly number[], later: readonly number[]): number {
    let at = this.at;
    let over = 0;
    for (const [k, bytes] of [...first, ...later].entries()) {
      const from = Math.ceil(at / 8) * 8;
      if (this.buffer && from + bytes <= this.buffer.byteLength) at = from + bytes;
      else if (k >= first.length) over = Math.ceil(over / 8) * 8 + bytes;
    }
    return over;
  }

  /** `n` elements of the buffer's next 8-aligned bytes, else of the second buffer's, or a fresh array if neither has that many left. */
  private take<T>(Kind: { new (buffer: ArrayBuffer, at: number, n: number): T; new (n: number): T; BYTES_PER_ELEMENT: number }, n: number): T {
    const bytes = n * Kind.BYTES_PER_ELEMENT;
    const at = Math.ceil(this.at / 8) * 8;
    if (this.buffer && at + bytes <= this.buffer.byteLength) {
      this.at = at + bytes;
      return new Kind(this.buffer, at, n);
    }
    const moreAt = Math.ceil(this.moreAt / 8) * 8;
    if (this.more && moreAt + bytes <= this.more.byteLength) {
      this.moreAt = moreAt + bytes;
      return new Kind(this.more, moreAt, n);
    }
    return new Kind(n);
  }
}

/**
 * The totals' arrays, one per sample type: as many as fit in the pages of the walk's copy of
 * the frames, dead once the walk is done, then fresh ones. A page is paid for when first
 * written (a fault, about 2 µs here and more when the machine is busy): on a heap profile of
 * 1.7M nodes, two of the four arrays in the copy's 39 MB save 6.7k page faults. Only when
 * they fill two thirds of its buffer or more: VS Code sends a view's whole buffer to the
 * webview, and the rest of the copy's pages stay in memory as long as the tree.
 */
function totalArrays(stacks: Stacks, nTypes: number, n: number): Float64Array[] {
  const { frames, copied } = stacks;
  const one = 8 * n;
  const buffer = frames.buffer;
  const fit = copied && n > 0 ? Math.min(nTypes, Math.floor(buffer.byteLength / one)) : 0;
  const inCopy = 3 * fit * one >= 2 * buffer.byteLength ? fit : 0;
  // Fresh arrays are written once first (fill): summing into them reads each page before writing
  // it, and a first read maps the zero page, to be replaced at the first write, a second fault
  // (26.6k faults where 13.3k suffice for the 54 MB of totals of a heap profile of 1.7M nodes).
  return Array.from({ length: nTypes }, (_, t) => (t < inCopy ? new Float64Array(buffer, t * one, n) : new Float64Array(n)).fill(0));
}

function defaultValues(p: Profile, scratch: Scratch): Float64Array {
  const n = p.sampleCount;
  const nTypes = p.sampleTypes.length;
  const value = scratch.float64(n);
  for (let s = 0; s < n; s++) value[s] = p.values[s * nTypes + p.defaultType];
  return value;
}

/**
 * Every sample's values into the total of the node it ended at, then summed up the tree. In
 * the walk's order, so that the totals are written near one another; the values are read
 * through `order`, a sample's in one cache line, the reads independent of each other (copying
 * them all into the walk's order cost more: three quarters of that copy are only read here).
 * Each node's `size` (its subtree's node count) is summed up the tree in the same pass, which
 * reads `parent` once for both.
 */
function sumValues(values: Float64Array | Uint32Array, order: Int32Array | undefined, leaf: Int32Array, parent: Int32Array, total: Float64Array[], size: Int32Array): void {
  const nTypes = total.length;
  const n = parent.length;
  const m = leaf.length;
  size.fill(1);
  if (nTypes === 4) {
    // Go's heap profiles: the four types in one pass.
    const [a0, a1, a2, a3] = total;
    for (let i = 0; i < m; i++) {
      const s = (order ? order[i] : i) * 4;
      const x = leaf[i];
      a0[x] += values[s];
      a1[x] += values[s + 1];
      a2[x] += values[s + 2];
      a3[x] += values[s + 3];
    }
    for (let i = n - 1; i > 0; i--) {
      const p = parent[i];
      size[p] += size[i];
      a0[p] += a0[i];
      a1[p] += a1[i];
      a2[p] += a2[i];
      a3[p] += a3[i];
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const s = (order ? order[i] : i) * nTypes;
    const x = leaf[i];
    for (let t = 0; t < nTypes; t++) total[t][x] += values[s + t];
  }
  for (let i = n - 1; i > 0; i--) {
    const p = parent[i];
    size[p] += size[i];
    for (let t = 0; t < nTypes; t++) total[t][p] += total[t][i];
  }
}
