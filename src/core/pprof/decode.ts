/**
 * pprof profile.proto decoding into a compact structure of ours: typed arrays for samples and
 * frames, so a profile of millions of samples costs a few allocations, not millions of objects.
 *
 * The Profile message is walked here (that walk also validates every length against its
 * enclosing message, which pprof-format's lenient decoder does not do: it silently accepts a
 * truncated buffer). Samples, the hot path, are read by hand straight into typed arrays (an
 * object per sample, as pprof-format builds, makes decoding several times slower: the
 * `pprof-format` table of test/bench/pprof.ts); the small messages (value types,
 * locations, functions) are decoded by pprof-format.
 */
import * as zlib from 'zlib';
import { Function as PbFunction, Location as PbLocation, ValueType as PbValueType } from 'pprof-format';
import type { FlameFunction, SampleType } from '../../shared/flame';

/** Any input that is not a readable pprof profile. Decoding never throws anything else. */
export class ProfileFormatError extends Error {
  override readonly name = 'ProfileFormatError';
}

/** The profile as decoded: ids resolved to dense indices, inlined frames expanded. */
export interface Profile {
  sampleTypes: SampleType[];
  /** Index into sampleTypes: default_sample_type when set, else the last (as pprof does). */
  defaultType: number;
  periodType?: SampleType;
  period: number;
  /** 0 when not recorded. */
  timeNanos: number;
  durationNanos: number;
  functions: FlameFunction[];
  /**
   * Frames of location l are [locFrameStart[l], locFrameStart[l + 1]), innermost first: a
   * location whose code was inlined has one frame per inlined function (pprof's `line` order).
   * Every location has at least one: an unsymbolized one has a frame named by its address.
   */
  locFrameStart: Int32Array;
  /** Function index of each frame. */
  frameFunc: Int32Array;
  /** Source line of each frame (0 when unknown). */
  frameLine: Int32Array;
  sampleCount: number;
  /** Stack of sample s: location indices sampleLocs[sampleLocStart[s] .. sampleLocStart[s + 1]), leaf first. */
  sampleLocStart: Int32Array;
  /**
   * Sample s's stack is sampleFrameStart[s + 1] - sampleFrameStart[s] frames long once its
   * locations' inlined frames are expanded: more than its locations only where one of them
   * has inlined frames (the same array as sampleLocStart when none has).
   */
  sampleFrameStart: Int32Array;
  /**
   * A decoded profile with fewer than 2^16 locations keeps these as 2 bytes each and makes
   * this array on first read (its largest array: tens of millions of entries). Code that only
   * reads them uses {@link stackLocations}, which does not make it.
   */
  sampleLocs: Int32Array;
  /**
   * Value of sample s for type t at values[s * sampleTypes.length + t]. 4 bytes each while
   * every value is a whole number from 0 to 2^32 - 1 (nearly every profile: counts, bytes and
   * nanoseconds of one sample), else 8.
   */
  values: Float64Array | Uint32Array;
  /** Labels of sample s: entries [labelStart[s], labelStart[s + 1]) of the label arrays. */
  labelStart: Int32Array;
  /** Key of each label entry (index into strings). */
  labelKey: Int32Array;
  /** String value (index into strings; 0, the empty string, for a numeric label). */
  labelStr: Int32Array;
  /** Value of a numeric label (0 for a string one): 4 bytes each while they fit, as `values`. */
  labelNum: Float64Array | Uint32Array;
  /** Unit of a numeric label (index into strings, 0 when none). */
  labelUnit: Int32Array;
  strings: string[];
  comments: string[];
}

/** One label of a sample, resolved. */
export interface ProfileLabel {
  key: string;
  str?: string;
  num?: number;
  unit?: string;
}

/** Refuses inflating past this: a gzip bomb should fail with a message, not exhaust memory. */
const DEFAULT_MAX_BYTES = 1 << 30;

/** Decodes a `.pb.gz` (or uncompressed) pprof profile. Throws {@link ProfileFormatError} on any bad input. */
export function decodeProfile(bytes: Uint8Array, options: { maxBytes?: number } = {}): Profile {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length === 0) throw new ProfileFormatError('not a pprof profile: the file is empty');
  let raw = bytes;
  if (isGzip(bytes)) {
    raw = gunzip(bytes, maxBytes);
    if (raw.length === 0) throw new ProfileFormatError('not a pprof profile: the gzip stream is empty');
  } else if (!looksLikeProfileTag(bytes) || looksLikeText(bytes)) {
    // Text passes the tag check often enough ('h' is a valid tag): pprof's own output of
    // `debug=1` or a log file should get this message, not a wire-format detail.
    throw new ProfileFormatError('not a pprof profile: the file is neither gzip nor a protobuf Profile');
  }
  // Sample offsets are kept as int32.
  if (raw.length > 0x7fffffff) throw new ProfileFormatError('profile too large: more than 2 GB once decompressed');
  try {
    const d = new Decoder(raw);
    d.feed(raw.length, true);
    return d.finish();
  } catch (e) {
    throw formatError(e);
  }
}

/** Any error of the decoder as a {@link ProfileFormatError}. */
function formatError(e: unknown): ProfileFormatError {
  if (e instanceof ProfileFormatError) return e;
  // pprof-format throws plain Errors (unknown wire type); anything else is also a bad input.
  return new ProfileFormatError(`not a pprof profile: ${(e as Error).message}`, { cause: e });
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The size of the buffer to inflate into: the one the gzip trailer's last 4 bytes give (mod
 * 2^32; a byte more, so that a whole profile leaves room), capped. Only a hint: the trailer
 * names the last gzip member's size only, and a corrupt file can lie (a lie costs one large
 * allocation, capped here; a short one, more buffers).
 */
function inflateBufferSize(bytes: Uint8Array, maxBytes: number): number {
  const n = bytes.length;
  const isize = (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0;
  return Math.max(1 << 16, Math.min(isize + 1, maxBytes + 1, 1 << 28));
}

function gunzip(bytes: Uint8Array, maxBytes: number): Uint8Array {
  // Inflating into one chunk of the size the trailer gives spares zlib joining many small
  // ones, a copy of the whole output.
  const chunkSize = inflateBufferSize(bytes, maxBytes);
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: maxBytes, chunkSize });
  } catch (e) {
    throw gzipError(e, maxBytes);
  }
}

function gzipError(e: unknown, maxBytes: number): ProfileFormatError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) return new ProfileFormatError('truncated gzip stream', { cause: e });
  if (err.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger/i.test(err.message)) return tooLarge(maxBytes);
  return new ProfileFormatError(`corrupt gzip stream: ${err.message}`, { cause: e });
}

function tooLarge(maxBytes: number): ProfileFormatError {
  return new ProfileFormatError(`profile too large: more than ${maxBytes} bytes once decompressed`);
}

/** Compressed bytes per step of {@link decodeProfileAsync}: reading what one gives overlaps inflating the next. */
const STREAM_CHUNK = 1 << 16;

/**
 * {@link decodeProfile}, reading the profile while it is inflated: zlib inflates on a thread
 * of its pool while the fields that have arrived are read here, so a Go profile (whose
 * Samples are read as they come, see Decoder) costs about the longer of the two, not their
 * sum. It yields to the event loop between chunks; an abort of `signal` stops it (the
 * promise is then rejected with an Error named AbortError). Rejected with a
 * {@link ProfileFormatError} on any bad input, as decodeProfile throws.
 */
export function decodeProfileAsync(
  bytes: Uint8Array,
  options: {
    maxBytes?: number;
    signal?: AbortSignal;
    /** Compressed bytes per step (tests make it small, so that fields straddle steps). */
    chunkSize?: number;
  } = {},
): Promise<Profile> {
  const { signal } = options;
  const maxBytes = Math.min(options.maxBytes ?? DEFAULT_MAX_BYTES, 0x7fffffff);
  if (!isGzip(bytes) || bytes.length < 18) return new Promise((resolve) => resolve(decodeProfile(bytes, options)));
  return new Promise((resolve, reject) => {
    // zlib inflates each step into the rest of one output buffer the size the gzip trailer
    // gives, and hands out views of it: while they follow one another there, that buffer is
    // the profile's, with no copy (and its pages are first touched on zlib's thread). If
    // the trailer's size was short (or a lie), zlib starts another: from then on the views
    // are copied into a buffer of ours.
    const outSize = inflateBufferSize(bytes, maxBytes);
    let buf: Buffer = Buffer.alloc(0);
    let copying = false;
    let avail = 0;
    const decoder = new Decoder(buf, outSize);
    let scheduled = false;
    let ended = false;
    let done = false;
    const gz = zlib.createGunzip({ chunkSize: outSize });
    const settle = (): void => {
      done = true;
      signal?.removeEventListener('abort', onAbort);
      gz.destroy();
    };
    const fail = (e: Error): void => {
      if (done) return;
      settle();
      reject(e);
    };
    const onAbort = (): void => {
      const e = new Error('decoding the profile was cancelled');
      e.name = 'AbortError';
      fail(e);
    };
    // A bad profile is reported once the stream has ended: as by decodeProfile, a gzip
    // error (truncated, corrupt, too large) is the one reported when there are both.
    let badProfile: Error | undefined;
    // Reads what has arrived, in a task of its own: the inflating of the next chunk, started
    // when the 'data' callback returns, runs meanwhile.
    const step = (): void => {
      scheduled = false;
      if (done) return;
      try {
        if (!ended) {
          if (!badProfile) decoder.feed(avail, false);
          return;
        }
        if (avail === 0) throw new ProfileFormatError('not a pprof profile: the gzip stream is empty');
        if (badProfile) throw badProfile;
        decoder.setBuffer(buf.subarray(0, avail));
        decoder.feed(avail, true);
        const profile = decoder.finish();
        settle();
        // Nothing of the profile refers to the buffer it was inflated into (ours or zlib's,
        // past the size of a pooled one): it is spare once read.
        if (buf.byteOffset === 0 && buf.buffer.byteLength >= SPARE_MIN && buf.buffer instanceof ArrayBuffer) spareMemory.set(profile, buf.buffer);
        resolve(profile);
      } catch (e) {
        if (ended) fail(formatError(e));
        else badProfile = formatError(e);
      }
    };
    const schedule = (): void => {
      if (scheduled || done) return;
      scheduled = true;
      setImmediate(step);
    };
    gz.on('data', (chunk: Buffer) => {
      if (done) return;
      if (avail + chunk.length > maxBytes) return fail(tooLarge(maxBytes));
      if (!copying) {
        if (avail === 0 && chunk.byteOffset === 0) {
          buf = Buffer.from(chunk.buffer, 0, chunk.buffer.byteLength);
          decoder.setBuffer(buf);
        }
        if (chunk.buffer === buf.buffer && chunk.byteOffset === avail) {
          avail += chunk.length;
          return schedule();
        }
        copying = true;
      }
      if (avail + chunk.length > buf.length) {
        const b = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(2 * buf.length, avail + chunk.length, outSize)));
        buf.copy(b, 0, 0, avail);
        buf = b;
        decoder.setBuffer(b);
      }
      chunk.copy(buf, avail);
      avail += chunk.length;
      schedule();
    });
    gz.on('end', () => {
      ended = true;
      schedule();
    });
    gz.on('error', (e) => fail(gzipError(e, maxBytes)));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    // The input in steps: each write is inflated (on zlib's thread) as a step of its own.
    const inStep = Math.max(1, options.chunkSize ?? STREAM_CHUNK);
    for (let at = 0; at < bytes.length; at += inStep) gz.write(bytes.subarray(at, Math.min(bytes.length, at + inStep)));
    gz.end();
  });
}

/**
 * Whether the Profile field at `at` (tag, length, content) lies wholly before `avail`. A
 * malformed header counts as whole: reading it then fails with the message it deserves.
 */
function wholeField(b: Uint8Array, at: number, avail: number): boolean {
  let p = at;
  if (p >= avail) return false;
  const wire = b[p] & 7;
  for (let k = 0; ; k++) {
    if (p >= avail) return false;
    if (b[p++] < 0x80) break;
    if (k >= 9) return true;
  }
  switch (wire) {
    case 0:
      for (let k = 0; ; k++) {
        if (p >= avail) return false;
        if (b[p++] < 0x80) return true;
        if (k >= 9) return true;
      }
    case 1:
      return p + 8 <= avail;
    case 5:
      return p + 4 <= avail;
    case 2: {
      let len = 0;
      let scale = 1;
      for (let k = 0; ; k++) {
        if (p >= avail) return false;
        const x = b[p++];
        len += (x & 0x7f) * scale;
        scale *= 128;
        if (x < 0x80) break;
        if (k >= 9) return true;
      }
      return p + len <= avail;
    }
    default:
      return true;
  }
}

/** Printable ASCII throughout the first bytes: a protobuf Profile has binary lengths and ids there. */
function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 64);
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b < 9 || (b > 13 && b < 32) || b > 126) return false;
  }
  return true;
}

/** The first byte of a Profile message is the tag of one of its fields 1..15 with its wire type. */
function looksLikeProfileTag(bytes: Uint8Array): boolean {
  const field = bytes[0] >> 3;
  const wire = bytes[0] & 7;
  if (bytes[0] & 0x80) return false;
  // sample_type, sample, mapping, location, function, string_table, period_type, comment: messages/strings/packed.
  if ([1, 2, 3, 4, 5, 6, 11, 13].includes(field)) return wire === 2 || (field === 13 && wire === 0);
  // drop_frames, keep_frames, time_nanos, duration_nanos, period, default_sample_type, doc_url: varints.
  if ([7, 8, 9, 10, 12, 14, 15].includes(field)) return wire === 0;
  return false;
}

const TWO_32 = 4294967296;
const TWO_64 = 18446744073709551616;

/** Numbers pprof-format gives (bigint past 28 bits) as a JS number; int64 wrap-around made negative. */
function num(v: number | bigint): number {
  if (typeof v === 'number') return v;
  return Number(BigInt.asIntN(64, v));
}

/** A copy of `a` as float64: a value read did not fit in its 4 bytes (see Decoder.packedValues). */
function widened(a: Float64Array | Uint32Array): Float64Array {
  const wide = new Float64Array(a.length);
  wide.set(a);
  return wide;
}

/** `a`, or a copy of it in an array of `len` elements when it is shorter. */
function grownTo<T extends Int32Array | Float64Array | Uint32Array>(a: T, len: number): T {
  if (a.length >= len) return a;
  const b = new (a.constructor as new (n: number) => T)(len);
  b.set(a);
  return b;
}

/** A growable typed array: appends without per-element allocation, trimmed at the end. */
class Int32Buf {
  a: Int32Array;
  n = 0;
  constructor(capacity = 1024) {
    this.a = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.n === this.a.length) this.a = grownTo(this.a, 2 * this.a.length);
    this.a[this.n++] = v;
  }
  done(): Int32Array {
    return this.a.slice(0, this.n);
  }
}

/**
 * Ids in profile.proto are uint64 and need not be dense. Ids up to 2^31-1 are kept as they are
 * (Go numbers them 1..N); larger ones get a synthetic id above that range, shared by the
 * samples and the locations that name them, so samples can be stored in an Int32Array.
 */
class IdInterner {
  private big = new Map<number, number>();
  intern(id: number): number {
    if (id <= 0x7fffffff) return id;
    let v = this.big.get(id);
    if (v === undefined) {
      v = -1 - this.big.size; // negative: never collides with a small id
      this.big.set(id, v);
    }
    return v;
  }
}

/** id -> dense index, by array when the ids are small (the usual case), else by Map. */
class IdIndex {
  private arr: Int32Array | undefined;
  private map: Map<number, number> | undefined;
  /** The array when ids are small, else empty: for a caller's inline lookup of id >= 0. */
  readonly dense: Int32Array;
  constructor(ids: Int32Array, what: string) {
    let max = 0;
    let min = 0;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] > max) max = ids[i];
      if (ids[i] < min) min = ids[i];
    }
    if (min === 0 && max <= 4 * ids.length + 1024) {
      this.arr = new Int32Array(max + 1).fill(-1);
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === 0) throw new ProfileFormatError(`corrupt profile: ${what} with id 0`);
        if (this.arr[ids[i]] !== -1) throw new ProfileFormatError(`corrupt profile: duplicate ${what} id ${ids[i]}`);
        this.arr[ids[i]] = i;
      }
    } else {
      this.map = new Map();
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === 0) throw new ProfileFormatError(`corrupt profile: ${what} with id 0`);
        if (this.map.has(ids[i])) throw new ProfileFormatError(`corrupt profile: duplicate ${what} id ${ids[i]}`);
        this.map.set(ids[i], i);
      }
    }
    this.dense = this.arr ?? new Int32Array(0);
  }
  get(id: number): number {
    if (this.arr) return id >= 0 && id < this.arr.length ? this.arr[id] : -1;
    return this.map?.get(id) ?? -1;
  }
}

/** Location id -> index, -1 when unknown. */
interface LocationIds {
  get(id: number): number;
}

/**
 * Thrown while reading a Sample as it comes, when it names a location not yet seen: that
 * Sample and the rest wait for the second pass (see {@link Decoder.feed}). One instance.
 */
const DEFERRED = new Error('sample deferred');

/** Ids below this are looked up in an array while Samples are read as they come; above, in a Map. */
const LIVE_LUT_MAX = 1 << 22;
/** Room for this many Samples when the first is read as it comes (see Decoder.liveSample). */
const LIVE_FIRST = 4096;

/**
 * Marks, in the id tables the Samples are read with, a location that has inlined frames
 * (above its index): a Sample's ids OR-ed together then tell whether it has any.
 */
const INLINED = 1 << 30;
const INDEX = INLINED - 1;

/**
 * The dense id table of the locations, at least 2^14 long (padded with -1, no location) so
 * that every id of one or two varint bytes can be looked up without a bounds test, each
 * index marked {@link INLINED} if its location has inlined frames; undefined when the ids
 * are too sparse for a table.
 */
function shortIdTable(locIndex: IdIndex, locExtra: Int32Array): Int32Array | undefined {
  const dense = locIndex.dense;
  if (dense.length === 0) return undefined;
  const t = new Int32Array(Math.max(dense.length, 1 << 14)).fill(-1);
  for (let id = 0; id < dense.length; id++) {
    const l = dense[id];
    t[id] = l >= 0 && locExtra[l] > 0 ? l | INLINED : l;
  }
  return t;
}

interface RawLocation {
  id: number;
  address: number;
  lines: { func: number; line: number }[];
}

class Decoder {
  private pos = 0;
  private readonly ids = new IdInterner();
  private readonly sampleTypes: { type: number; unit: number }[] = [];
  private periodType: { type: number; unit: number } | undefined;
  private period = 0;
  private timeNanos = 0;
  private durationNanos = 0;
  private defaultSampleType = 0;
  private readonly comments: number[] = [];
  private readonly strings: string[] = [];
  private readonly locations: RawLocation[] = [];
  private readonly functions: { id: number; name: number; file: number; startLine: number }[] = [];
  /**
   * Samples are read as they come while every location they name came before them, as in
   * Go's profiles (runtime/pprof writes each location just before the first Sample naming
   * it): a profile streamed out of gzip is then read while the rest is still being inflated.
   * From the first Sample that names a location not yet seen (or that comes before the
   * sample types), the Samples are read in a second pass, once the locations are all known:
   * the first walk of the Profile only notes where they are (their tag and length, then a
   * jump past them: reading every varint of them in both passes was a sixth of the decoding).
   * Either way the ids are turned into location indices as they are read, and the large
   * arrays (ids, values) are not mapped again afterwards: at tens of millions of frames each
   * of those is a pass over hundreds of megabytes.
   */
  private nSamples = 0;
  /** Sum of the Samples' lengths, and of those left for the second pass: bounds on their location ids, at least a byte each. */
  private sampleBytes = 0;
  private deferredBytes = 0;
  /** Whether Samples are still read as they come; how many were. */
  private live = true;
  private liveCount = 0;
  /** Set while a Sample is read as it comes: an unknown location then defers it instead of failing. */
  private reading = false;
  /** Where the first Sample left for the second pass starts (its tag); -1 if none. */
  private deferFrom = -1;
  /** Where the first Sample starts, -1 before it. */
  private firstSample = -1;
  /** Location id -> index of the locations seen so far, for the Samples read as they come. */
  private liveLut = new Int32Array(1 << 14).fill(-1);
  private readonly liveBig = new Map<number, number>();
  private readonly liveIds: LocationIds = {
    get: (id: number): number => {
      const l = id >= 0 && id < this.liveLut.length ? this.liveLut[id] : (this.liveBig.get(id) ?? -1);
      return l < 0 ? -1 : l & INDEX;
    },
  };
  /** Per location (by index, as they come): how many inlined frames it has past its first. */
  private locExtra = new Int32Array(1024);
  /** Per Sample: where its frames start once inlined frames are expanded; how many so far. */
  private sampleFrameStart = new Int32Array(0);
  private frameN = 0;
  /** Set when an id read names a location with inlined frames (the Sample's frames are then counted). */
  private inlinedSeen = false;
  private sampleLocStart = new Int32Array(0);
  /** Location indices of the samples: 2 bytes each when there are fewer than 2^16 locations (see {@link stackLocations}). */
  private sampleLocs: Int32Array | Uint16Array = new Int32Array(0);
  private values: Float64Array | Uint32Array = new Uint32Array(0);
  private labelStart = new Int32Array(0);
  private labelKey = new Int32Array(0);
  private labelStr = new Int32Array(0);
  private labelNum: Float64Array | Uint32Array = new Uint32Array(0);
  private labelUnit = new Int32Array(0);
  /** Entries written so far in the second pass. */
  private locN = 0;
  private valueN = 0;
  private labelN = 0;
  private readonly text = new TextDecoder('utf-8');

  /**
   * `buf` holds the profile's bytes as far as they have been fed; `expected` is how many
   * there will be (a hint: it sizes the arrays of the Samples read as they come).
   */
  constructor(
    private buf: Uint8Array,
    private readonly expected = buf.length,
  ) {}

  /** The buffer, grown (its first bytes copied) by a streaming caller. */
  setBuffer(buf: Uint8Array): void {
    this.buf = buf;
  }

  /**
   * A varint at pos as a number: exact up to 2^53, and int64 two's complement made negative
   * (values are int64 in profile.proto; a diff profile has negative ones). The two 32-bit
   * halves are kept apart so that the sign survives: 2^64 - 5 is not representable as a double.
   */
  private varint(end: number): number {
    // One or two bytes (below 2^14) inline: small enough that the JIT inlines this method into
    // the loops calling it, which it does not do with the general case.
    const b = this.buf;
    const p = this.pos;
    if (p + 1 < end) {
      const b0 = b[p];
      if (b0 < 0x80) {
        this.pos = p + 1;
        return b0;
      }
      const b1 = b[p + 1];
      if (b1 < 0x80) {
        this.pos = p + 2;
        return (b0 & 0x7f) | (b1 << 7);
      }
    }
    return this.varintLong(end);
  }

  private varintLong(end: number): number {
    const b = this.buf;
    let p = this.pos;
    if (p >= end) throw new ProfileFormatError('corrupt profile: truncated varint');
    let byte = b[p++];
    if (byte < 0x80) {
      this.pos = p;
      return byte;
    }
    let lo = byte & 0x7f;
    let hi = 0;
    let shift = 7;
    for (;;) {
      if (p >= end) throw new ProfileFormatError('corrupt profile: truncated varint');
      byte = b[p++];
      if (shift < 28) lo |= (byte & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (byte & 0x7f) << 28;
        hi |= (byte & 0x7f) >>> 4;
      } else hi |= (byte & 0x7f) << (shift - 32);
      if (byte < 0x80) break;
      shift += 7;
      if (shift >= 70) throw new ProfileFormatError('corrupt profile: varint longer than 10 bytes');
    }
    this.pos = p;
    if (hi >>> 31) {
      const l = (~lo + 1) >>> 0;
      let h = ~hi >>> 0;
      if (l === 0) h = (h + 1) >>> 0;
      return -(h * TWO_32 + l);
    }
    return (hi >>> 0) * TWO_32 + (lo >>> 0);
  }

  /** The end of a length-delimited field starting at pos, checked against its enclosing end. */
  private lengthEnd(end: number): number {
    const len = this.varint(end);
    if (len < 0 || this.pos + len > end) throw new ProfileFormatError('corrupt profile: a field runs past the end of its message (truncated file?)');
    return this.pos + len;
  }

  private skip(wire: number, end: number): void {
    switch (wire) {
      case 0:
        this.varint(end);
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.lengthEnd(end);
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new ProfileFormatError(`corrupt profile: invalid wire type ${wire}`);
    }
    if (this.pos > end) throw new ProfileFormatError('corrupt profile: a field runs past the end of its message (truncated file?)');
  }

  /** Checks a sub-message's wire structure before pprof-format reads it (which would not notice truncation). */
  private checkMessage(start: number, end: number): void {
    const save = this.pos;
    this.pos = start;
    while (this.pos < end) {
      const tag = this.varint(end);
      if (tag >> 3 === 0) throw new ProfileFormatError('corrupt profile: field number 0');
      // pprof-format reads tags as one byte: fields 1..15 only.
      if (tag > 0x7f) throw new ProfileFormatError(`corrupt profile: unexpected field ${Math.floor(tag / 8)}`);
      const wire = tag & 7;
      if (wire !== 0 && wire !== 2) throw new ProfileFormatError(`corrupt profile: invalid wire type ${wire}`);
      this.skip(wire, end);
    }
    this.pos = save;
  }

  /**
   * Reads the Profile's fields in buf[pos .. avail) that are whole, leaving a field cut at
   * `avail` for the next call, unless this is the `last` (then it is a truncated profile).
   */
  feed(avail: number, last: boolean): void {
    const end = avail;
    while (this.pos < end) {
      const at = this.pos;
      if (!last) {
        // A Sample of less than 128 bytes (nearly all) is checked inline.
        const b = this.buf;
        if (b[at] === 0x12 && at + 1 < end && b[at + 1] < 0x80) {
          if (at + 2 + b[at + 1] > end) return;
        } else if (!wholeField(b, at, end)) return;
      }
      const tag = this.varint(end);
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 0) throw new ProfileFormatError('not a pprof profile: field number 0');
      if (wire === 2) {
        const fieldEnd = this.lengthEnd(end);
        if (field === 2) this.topSample(at, this.pos, fieldEnd);
        else this.lengthField(field, this.pos, fieldEnd);
        this.pos = fieldEnd;
      } else if (wire === 0) {
        const v = this.varint(end);
        switch (field) {
          case 9:
            this.timeNanos = v;
            break;
          case 10:
            this.durationNanos = v;
            break;
          case 12:
            this.period = v;
            break;
          case 13:
            this.comments.push(v);
            break;
          case 14:
            this.defaultSampleType = v;
            break;
        }
      } else {
        this.skip(wire, end);
      }
    }
  }

  /** A Sample at `at` (its tag), content [start, end): read now if it can be, else noted for the second pass. */
  private topSample(at: number, start: number, end: number): void {
    if (this.firstSample < 0) this.firstSample = at;
    this.nSamples++;
    this.sampleBytes += end - start;
    if (this.live && this.liveSample(start, end)) return;
    if (this.deferFrom < 0) this.deferFrom = at;
    this.deferredBytes += end - start;
  }

  /** Reads the Sample in [start, end) now; false (nothing kept) if it names a location not yet seen. */
  private liveSample(start: number, end: number): boolean {
    const nTypes = this.sampleTypes.length;
    if (nTypes === 0) return (this.live = false);
    const s = this.liveCount;
    if (s === 0) {
      // Room for a few Samples; then for as many as the rest of the profile holds at their
      // average size so far. (A larger first guess is not free: below glibc's threshold for
      // mapping fresh pages, an array's memory is zeroed, so paid for, at allocation.)
      this.sampleLocStart = new Int32Array(LIVE_FIRST + 1);
      this.sampleFrameStart = new Int32Array(LIVE_FIRST + 1);
      this.labelStart = new Int32Array(LIVE_FIRST + 1);
      this.values = new Uint32Array(LIVE_FIRST * nTypes);
      this.allocLabels(LIVE_FIRST);
      // Ids take a byte each at least: the profile's size bounds them (pages never written are never backed).
      this.sampleLocs = this.locations.length <= 0x10000 ? new Uint16Array(this.expected) : new Int32Array(this.expected);
    } else if (s + 1 === this.sampleLocStart.length || this.valueN + nTypes > this.values.length) {
      const perSample = this.sampleBytes / (s + 1) + 2;
      const more = Math.ceil((1.1 * Math.max(0, this.expected - end)) / perSample);
      const n = Math.max(2 * s + 1, s + 1 + more);
      this.growSamples(n, nTypes);
      if (this.labelN > 0 && this.labelKey.length < Math.ceil((n * this.labelN) / s)) this.allocLabels(Math.ceil((n * this.labelN) / s));
    }
    if (this.locN + (end - start) > this.sampleLocs.length) this.growLocs(Math.max(2 * this.sampleLocs.length, this.locN + (end - start)));
    const { locN, valueN, labelN } = this;
    this.sampleLocStart[s] = locN;
    this.sampleFrameStart[s] = this.frameN;
    this.labelStart[s] = labelN;
    this.reading = true;
    try {
      this.sample(start, end, this.liveLut, this.liveIds);
      // Other values than types: more types may follow (then those read are read again).
      if (this.valueN - valueN !== nTypes) throw DEFERRED;
      this.countFrames(locN);
    } catch (e) {
      if (e !== DEFERRED) throw e;
      this.inlinedSeen = false;
      this.locN = locN;
      this.valueN = valueN;
      this.labelN = labelN;
      this.live = false;
      return false;
    } finally {
      this.reading = false;
    }
    this.liveCount++;
    return true;
  }

  /** Adds the frames of the Sample whose ids start at `locN` (just read) to the count. */
  private countFrames(locN: number): void {
    let frames = this.locN - locN;
    if (this.inlinedSeen) {
      this.inlinedSeen = false;
      const { sampleLocs, locExtra } = this;
      for (let k = locN; k < this.locN; k++) frames += locExtra[sampleLocs[k]];
    }
    this.frameN += frames;
  }

  /** Room for `n` Samples in the per-sample arrays, those read kept. */
  private growSamples(n: number, nTypes: number): void {
    this.sampleLocStart = grownTo(this.sampleLocStart, n + 1);
    this.sampleFrameStart = grownTo(this.sampleFrameStart, n + 1);
    this.labelStart = grownTo(this.labelStart, n + 1);
    this.values = grownTo(this.values, n * nTypes);
  }

  /** Room for `n` location indices, widened to 4 bytes once there are more than 2^16 locations. */
  private growLocs(n: number): void {
    const wide = this.locations.length > 0x10000;
    const b = wide || this.sampleLocs instanceof Int32Array ? new Int32Array(n) : new Uint16Array(n);
    b.set(this.sampleLocs.subarray(0, this.locN));
    this.sampleLocs = b;
  }

  /** A location seen, with `extra` inlined frames: the Samples read as they come may name it from now on. */
  private liveLocation(id: number, extra: number): void {
    const index = this.locations.length - 1;
    if (index === this.locExtra.length) this.locExtra = grownTo(this.locExtra, 2 * index);
    this.locExtra[index] = extra;
    const marked = extra > 0 ? index | INLINED : index;
    if (index === 0x10000 && this.sampleLocs instanceof Uint16Array && this.liveCount > 0) this.growLocs(this.sampleLocs.length);
    if (id >= 0 && id < LIVE_LUT_MAX) {
      if (id >= this.liveLut.length) {
        const t = new Int32Array(Math.max(2 * this.liveLut.length, id + 1)).fill(-1);
        t.set(this.liveLut);
        this.liveLut = t;
      }
      // A duplicate id: the first one is kept here; the second pass refuses the profile.
      if (this.liveLut[id] < 0) this.liveLut[id] = marked;
    } else if (!this.liveBig.has(id)) {
      this.liveBig.set(id, marked);
    }
  }

  /** A sample type after Samples were read: they are read again, in the second pass, with the types all known. */
  private restartSamples(): void {
    if (this.firstSample < 0) return;
    this.live = false;
    this.liveCount = 0;
    this.locN = 0;
    this.frameN = 0;
    this.valueN = 0;
    this.labelN = 0;
    this.deferFrom = this.firstSample;
    this.deferredBytes = this.sampleBytes;
  }

  private lengthField(field: number, start: number, end: number): void {
    switch (field) {
      case 1:
      case 11: {
        this.checkMessage(start, end);
        const vt = PbValueType.decode(this.buf.subarray(start, end));
        const t = { type: num(vt.type), unit: num(vt.unit) };
        if (field === 1) {
          this.restartSamples();
          this.sampleTypes.push(t);
        }
        else this.periodType = t;
        break;
      }
      case 4: {
        this.checkMessage(start, end);
        const loc = PbLocation.decode(this.buf.subarray(start, end));
        this.locations.push({
          id: this.ids.intern(num(loc.id)),
          address: num(loc.address),
          lines: loc.line.map((l) => ({ func: this.ids.intern(num(l.functionId)), line: num(l.line) })),
        });
        const last = this.locations[this.locations.length - 1];
        this.liveLocation(last.id, Math.max(0, last.lines.length - 1));
        break;
      }
      case 5: {
        this.checkMessage(start, end);
        const f = PbFunction.decode(this.buf.subarray(start, end));
        this.functions.push({ id: this.ids.intern(num(f.id)), name: num(f.name), file: num(f.filename), startLine: num(f.startLine) });
        break;
      }
      case 6:
        this.strings.push(this.text.decode(this.buf.subarray(start, end)));
        break;
      case 13: {
        // packed comments
        this.pos = start;
        while (this.pos < end) this.comments.push(this.varint(end));
        break;
      }
      default:
        // mapping (3) and unknown fields: not needed for the call tree.
        break;
    }
  }

  /**
   * Second pass: every Sample into the arrays. The first pass only noted where each Sample
   * is, so this one also makes every check of its wire structure (wire types, lengths,
   * truncation). The fields of a Go Sample (packed ids, packed values, labels) have one-byte
   * tags, read here inline; any other field goes through {@link sampleField}, the general
   * reader, which reads them too.
   */
  private readSamples(locIndex: IdIndex, nTypes: number, nLocations: number): void {
    const n = this.nSamples;
    const from = this.liveCount;
    const b = this.buf;
    const top = b.length;
    if (from === 0) {
      this.sampleLocStart = new Int32Array(n + 1);
      this.sampleFrameStart = new Int32Array(n + 1);
      this.labelStart = new Int32Array(n + 1);
      // The largest array of a profile (tens of millions of entries), written once and read by
      // the flame tree three times: half the memory to fault in and to read when it can be.
      // Every id takes at least one byte of its Sample, so the Samples' bytes bound the count
      // (counting exactly would be a pass over all of them); the pages of the bound never
      // written are never backed by memory either.
      this.sampleLocs = nLocations <= 0x10000 ? new Uint16Array(this.deferredBytes) : new Int32Array(this.deferredBytes);
      // Each sample must have exactly nTypes values (checked below): one more would be written
      // past its share, but is refused before the next sample is read.
      // 4 bytes a value until one does not fit (see widenValues): 10 MB less to fault in
      // and to read on a heap profile of 818k samples of 4 values.
      this.values = new Uint32Array(n * nTypes);
      // Go's heap profiles have one numeric label per sample, CPU profiles usually none: room
      // for one a sample, grown when there are more (room never written costs no memory).
      this.allocLabels(Math.max(16, n));
    } else if (from < n) {
      // The rest after those read as they came.
      if (n + 1 > this.sampleLocStart.length || n * nTypes > this.values.length) this.growSamples(n, nTypes);
      if (this.locN + this.deferredBytes > this.sampleLocs.length) this.growLocs(this.locN + this.deferredBytes);
    }
    const { sampleLocStart, sampleFrameStart, labelStart } = this;
    const lut = shortIdTable(locIndex, this.locExtra);
    // The Samples are found by walking the Profile again (its fields were all checked by the
    // first walk): cheaper than keeping their places, an array the size of the sample count.
    let next = this.deferFrom;
    for (let s = from; s < n; s++) {
      let p: number;
      let end: number;
      for (;;) {
        this.pos = next;
        const tag = this.varint(top);
        if (tag === 0x12) {
          end = this.lengthEnd(top);
          p = this.pos;
          break;
        }
        this.skip(tag & 7, top);
        next = this.pos;
      }
      next = end;
      const locN = this.locN;
      sampleLocStart[s] = locN;
      sampleFrameStart[s] = this.frameN;
      labelStart[s] = this.labelN;
      const valuesBefore = this.valueN;
      this.sample(p, end, lut, locIndex);
      if (this.valueN - valuesBefore !== nTypes) throw new ProfileFormatError(`corrupt profile: sample ${s} has ${this.valueN - valuesBefore} values for ${nTypes} sample types`);
      this.countFrames(locN);
    }
    sampleLocStart[n] = this.locN;
    sampleFrameStart[n] = this.frameN;
    labelStart[n] = this.labelN;
    // No inlined frames: the frames are the locations.
    if (this.frameN === this.locN) this.sampleFrameStart = this.sampleLocStart;
    // Views at the exact length of the arrays sized by a guess for the Samples read as they came.
    if (sampleLocStart.length > n + 1) this.sampleLocStart = sampleLocStart.subarray(0, n + 1);
    if (this.sampleFrameStart.length > n + 1) this.sampleFrameStart = this.sampleFrameStart.subarray(0, n + 1);
    if (labelStart.length > n + 1) this.labelStart = labelStart.subarray(0, n + 1);
    if (this.values.length > n * nTypes) this.values = this.values.subarray(0, n * nTypes);
    // A view of the ids read, not a copy: the rest of the bound was never written, so it
    // was never backed by memory either (a copy would touch and move every id once more).
    if (this.locN < this.sampleLocs.length) this.sampleLocs = this.sampleLocs.subarray(0, this.locN);
    // The label arrays at their length: views while the room left is less than half of it
    // (room never written was never backed by memory either), else copies, each its own buffer.
    const k = this.labelN;
    if (k < this.labelKey.length) {
      const view = 2 * this.labelKey.length <= 3 * k;
      const cut = <T extends Int32Array | Float64Array | Uint32Array>(a: T): T => (view ? a.subarray(0, k) : a.slice(0, k)) as T;
      this.labelKey = cut(this.labelKey);
      this.labelStr = cut(this.labelStr);
      this.labelNum = cut(this.labelNum);
      this.labelUnit = cut(this.labelUnit);
    }
  }

  /**
   * One Sample in [p, end). A method of its own, called once a Sample: the JIT optimizes it
   * after a few thousand calls, where the loop over the Samples would wait for on-stack
   * replacement, and a deoptimization (a path first met late) costs only this method.
   */
  private sample(p: number, end: number, lut: Int32Array | undefined, locIndex: LocationIds): void {
    const b = this.buf;
    while (p < end) {
      const tag = b[p];
      // Fields 1, 2 and 3 as length-delimited, the one-byte tags of every Go Sample field.
      // (The label test comes first: then the first Sample gives the JIT feedback on all three
      // tests; a test it compiled without any is thrown away with the code when first met.)
      if (tag === 0x1a || tag === 0x0a || tag === 0x12) {
        this.pos = p + 1;
        const e = this.lengthEnd(end);
        if (tag === 0x0a) p = this.packedIds(this.pos, e, lut, locIndex);
        else if (tag === 0x12) p = this.packedValues(this.pos, e);
        else p = this.label(this.pos, e);
      } else {
        p = this.sampleField(p, end, locIndex);
      }
    }
  }

  /** One field of a Sample at p, any field number and wire type; returns the position after it. */
  private sampleField(p: number, end: number, locIndex: LocationIds): number {
    this.pos = p;
    const tag = this.varint(end);
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 || field === 2) {
      if (wire === 2) {
        const e = this.lengthEnd(end);
        return field === 1 ? this.packedIds(this.pos, e, undefined, locIndex) : this.packedValues(this.pos, e);
      }
      if (wire !== 0) throw new ProfileFormatError(`corrupt profile: invalid wire type ${wire} in a sample`);
      const v = this.varint(end);
      if (field === 1) {
        const l = this.location(locIndex, this.ids.intern(v));
        this.sampleLocs[this.locN++] = l;
        if (this.locExtra[l] > 0) this.inlinedSeen = true;
      } else {
        const n = this.valueN++;
        this.values[n] = v;
        // Read back, as in packedValues.
        if (this.values[n] !== v) this.widenValues()[n] = v;
      }
    } else if (field === 3 && wire === 2) {
      const e = this.lengthEnd(end);
      return this.label(this.pos, e);
    } else {
      this.skip(wire, end);
    }
    return this.pos;
  }

  private location(locIndex: LocationIds, id: number): number {
    const l = locIndex.get(id);
    if (l < 0) {
      if (this.reading) throw DEFERRED;
      throw new ProfileFormatError(`corrupt profile: a sample refers to unknown location ${id}`);
    }
    return l;
  }

  /**
   * Packed location ids in [p, e), the bulk of a profile's bytes; returns e. Ids below 2^14
   * (one or two bytes: all of Go's but the largest profiles) are read by `lut` when there
   * is one, without a branch on their length: it changes from one id to the next with no
   * pattern a branch predictor could learn.
   */
  private packedIds(p: number, e: number, lut: Int32Array | undefined, locIndex: LocationIds): number {
    const b = this.buf;
    const out = this.sampleLocs;
    const start = p;
    let n = this.locN;
    // OR of the indices looked up in lut: negative when one of the ids is unknown (-1 there).
    let bad = 0;
    for (;;) {
      if (lut) {
        while (p + 1 < e) {
          const b0 = b[p];
          const b1 = b[p + 1];
          const more = b0 >>> 7; // 1 when the id has a second byte
          if ((more & (b1 >>> 7)) !== 0) break; // a third byte: the general varint below
          const l = lut[(b0 & 0x7f) | ((b1 & -more) << 7)];
          bad |= l;
          out[n++] = l & INDEX;
          p += 1 + more;
        }
        // The field's last byte, an id of its own when the loop above stopped just before it.
        if (p + 1 === e && b[p] < 0x80) {
          const l = lut[b[p]];
          bad |= l;
          out[n++] = l & INDEX;
          p++;
        }
      }
      if (bad < 0) this.unknownId(start, e, locIndex);
      if (p >= e) break;
      // A longer id, or ids too sparse for a table.
      this.pos = p;
      const l = this.location(locIndex, this.ids.intern(this.varint(e)));
      out[n++] = l;
      if (this.locExtra[l] > 0) bad |= INLINED;
      p = this.pos;
    }
    if ((bad & INLINED) !== 0) this.inlinedSeen = true;
    this.locN = n;
    return e;
  }

  /** Throws for the first unknown location id of the packed ids in [p, e), as it is named. */
  private unknownId(p: number, e: number, locIndex: LocationIds): never {
    this.pos = p;
    while (this.pos < e) this.location(locIndex, this.ids.intern(this.varint(e)));
    throw new ProfileFormatError('corrupt profile: a sample refers to an unknown location');
  }

  /**
   * Packed values in [p, e); returns e. Every varint of a Sample but its ids goes through
   * {@link varint}, small enough to be inlined and shared by all: a path of its own for rare
   * cases (a long value, say) would have no type feedback when the JIT compiles the loop, and
   * reaching it later throws the compiled code away.
   */
  private packedValues(p: number, e: number): number {
    let values = this.values;
    let n = this.valueN;
    this.pos = p;
    while (this.pos < e) {
      const v = this.varint(e);
      values[n] = v;
      // Read back: a Uint32Array would keep a negative value or one past 2^32 - 1 modulo 2^32.
      if (values[n] !== v) {
        values = this.widenValues();
        values[n] = v;
      }
      n++;
    }
    this.valueN = n;
    return e;
  }

  /** The values as float64 from now on, those read kept: one did not fit in 4 bytes. */
  private widenValues(): Float64Array {
    const wide = widened(this.values);
    this.values = wide;
    return wide;
  }

  /** A Label message in [p, e); returns e. */
  private label(p: number, e: number): number {
    let key = 0;
    let str = 0;
    let n = 0;
    let unit = 0;
    this.pos = p;
    while (this.pos < e) {
      const tag = this.varint(e);
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire !== 0) {
        this.skip(wire, e);
        continue;
      }
      const v = this.varint(e);
      if (field === 1) key = v;
      else if (field === 2) str = v;
      else if (field === 3) n = v;
      else if (field === 4) unit = v;
    }
    // Room for a label per Sample there is room for: the first Samples of a Go heap profile
    // may have none, and doubling from there copied the labels nine times on 800k Samples.
    if (this.labelN === this.labelKey.length) this.allocLabels(Math.max(2 * this.labelN, this.live ? this.sampleLocStart.length : 0));
    const i = this.labelN++;
    this.labelKey[i] = key;
    this.labelStr[i] = str;
    let num = this.labelNum;
    num[i] = n;
    // Read back, as in packedValues (a size in bytes fits; a negative or a huge one does not).
    if (num[i] !== n) {
      num = widened(num);
      this.labelNum = num;
      num[i] = n;
    }
    this.labelUnit[i] = unit;
    return e;
  }

  /** (Re)allocates the label arrays with room for `capacity` labels, keeping those read. */
  private allocLabels(capacity: number): void {
    const k = this.labelN;
    const key = new Int32Array(capacity);
    const str = new Int32Array(capacity);
    const num = this.labelNum instanceof Float64Array ? new Float64Array(capacity) : new Uint32Array(capacity);
    const unit = new Int32Array(capacity);
    if (k > 0) {
      key.set(this.labelKey.subarray(0, k));
      str.set(this.labelStr.subarray(0, k));
      num.set(this.labelNum.subarray(0, k));
      unit.set(this.labelUnit.subarray(0, k));
    }
    this.labelKey = key;
    this.labelStr = str;
    this.labelNum = num;
    this.labelUnit = unit;
  }

  private str(i: number, what: string): string {
    if (!Number.isInteger(i) || i < 0 || i >= this.strings.length) throw new ProfileFormatError(`corrupt profile: ${what} refers to string ${i}, past the string table (${this.strings.length} strings)`);
    return this.strings[i];
  }

  finish(): Profile {
    if (this.strings.length === 0 || this.strings[0] !== '') throw new ProfileFormatError('not a pprof profile: its string table does not start with the empty string');
    if (this.sampleTypes.length === 0) throw new ProfileFormatError('profile has no sample types');
    const sampleTypes = this.sampleTypes.map((t) => ({ type: this.str(t.type, 'a sample type'), unit: this.str(t.unit, 'a sample type') }));
    const nTypes = sampleTypes.length;
    const functions: FlameFunction[] = this.functions.map((f) => ({ name: this.str(f.name, 'a function name'), file: this.str(f.file, 'a function file'), startLine: f.startLine }));
    const funcIndex = new IdIndex(Int32Array.from(this.functions, (f) => f.id), 'function');

    // Frames of each location, innermost first (pprof stores a location's lines that way).
    const locFrameStart = new Int32Array(this.locations.length + 1);
    const frameFunc = new Int32Buf();
    const frameLine = new Int32Buf();
    for (let l = 0; l < this.locations.length; l++) {
      locFrameStart[l] = frameFunc.n;
      const loc = this.locations[l];
      if (loc.lines.length === 0) {
        // Unsymbolized: pprof names such a frame by its address.
        frameFunc.push(functions.length);
        functions.push({ name: `0x${(loc.address < 0 ? loc.address + TWO_64 : loc.address).toString(16)}`, file: '', startLine: 0 });
        frameLine.push(0);
        continue;
      }
      for (const line of loc.lines) {
        const f = funcIndex.get(line.func);
        if (f < 0) throw new ProfileFormatError(`corrupt profile: location ${loc.id} refers to unknown function ${line.func}`);
        frameFunc.push(f);
        frameLine.push(line.line > 0 && line.line < TWO_32 ? line.line : 0);
      }
    }
    locFrameStart[this.locations.length] = frameFunc.n;

    const locIndex = new IdIndex(Int32Array.from(this.locations, (l) => l.id), 'location');
    this.readSamples(locIndex, nTypes, this.locations.length);
    const sampleCount = this.nSamples;
    const { sampleLocStart, labelStart } = this;

    const { labelKey, labelStr, labelUnit } = this;
    const nStrings = this.strings.length;
    for (let i = 0; i < labelKey.length; i++) {
      if (labelKey[i] < 0 || labelKey[i] >= nStrings || labelStr[i] < 0 || labelStr[i] >= nStrings || labelUnit[i] < 0 || labelUnit[i] >= nStrings)
        throw new ProfileFormatError('corrupt profile: a label refers to a string past the string table');
    }

    let defaultType = nTypes - 1;
    if (this.defaultSampleType !== 0) {
      const name = this.str(this.defaultSampleType, 'default_sample_type');
      const i = sampleTypes.findIndex((t) => t.type === name);
      if (i >= 0) defaultType = i;
    }
    const periodType = this.periodType && { type: this.str(this.periodType.type, 'period_type'), unit: this.str(this.periodType.unit, 'period_type') };
    const profile: Profile = {
      sampleTypes,
      defaultType,
      ...(periodType ? { periodType } : {}),
      period: this.period,
      timeNanos: this.timeNanos,
      durationNanos: this.durationNanos,
      functions,
      locFrameStart,
      frameFunc: frameFunc.done(),
      frameLine: frameLine.done(),
      sampleCount,
      sampleLocStart,
      sampleFrameStart: this.sampleFrameStart,
      sampleLocs: new Int32Array(0),
      values: this.values,
      labelStart,
      labelKey,
      labelStr,
      labelNum: this.labelNum,
      labelUnit,
      strings: this.strings,
      comments: this.comments.map((c) => this.str(c, 'a comment')),
    };
    withStacks(profile, this.sampleLocs);
    return profile;
  }
}

/** The smallest buffer worth handing on by {@link takeSpareMemory}. */
const SPARE_MIN = 1 << 20;

/** The buffer each profile decoded by decodeProfileAsync was inflated into, until taken. */
const spareMemory = new WeakMap<Profile, ArrayBuffer>();

/**
 * The buffer a profile was inflated into (tens of megabytes for a large one), free since it
 * was decoded, its pages already in memory: the first caller gets it, to work in (the flame
 * model's scratch), where fresh memory would cost a page fault each 4 KB. Its bytes are
 * those of the profile: whoever takes it must write before reading.
 */
export function takeSpareMemory(p: Profile): ArrayBuffer | undefined {
  const b = spareMemory.get(p);
  spareMemory.delete(p);
  return b;
}

/** The compact location indices of profiles decoded here, while their `sampleLocs` is not yet made. */
const compactStacks = new WeakMap<Profile, Uint16Array>();

/**
 * Gives the profile its samples' location indices: as they are when they are an Int32Array;
 * else `sampleLocs` becomes a property that widens them on first read, while the flame tree
 * and the line costs read the compact array through {@link stackLocations}.
 */
function withStacks(profile: Profile, locs: Int32Array | Uint16Array): void {
  if (locs instanceof Int32Array) {
    profile.sampleLocs = locs;
    return;
  }
  compactStacks.set(profile, locs);
  let wide: Int32Array | undefined;
  Object.defineProperty(profile, 'sampleLocs', {
    enumerable: true,
    configurable: true,
    get: (): Int32Array => {
      if (!wide) {
        wide = new Int32Array(locs.length);
        wide.set(locs);
      }
      return wide;
    },
    set: (v: Int32Array): void => {
      compactStacks.delete(profile);
      Object.defineProperty(profile, 'sampleLocs', { value: v, enumerable: true, configurable: true, writable: true });
    },
  });
}

/**
 * The location indices of the samples, as `sampleLocs` (same length and values), in the
 * compact array decoding made when there is one: reading it does not widen it.
 */
export function stackLocations(p: Profile): Int32Array | Uint16Array {
  return compactStacks.get(p) ?? p.sampleLocs;
}

/** The labels of sample s, resolved to strings. */
export function sampleLabels(p: Profile, s: number): ProfileLabel[] {
  const out: ProfileLabel[] = [];
  for (let i = p.labelStart[s]; i < p.labelStart[s + 1]; i++) {
    const key = p.strings[p.labelKey[i]];
    if (p.labelStr[i] !== 0) out.push({ key, str: p.strings[p.labelStr[i]] });
    else out.push({ key, num: p.labelNum[i], ...(p.labelUnit[i] !== 0 ? { unit: p.strings[p.labelUnit[i]] } : {}) });
  }
  return out;
}

/**
 * The distinct `key=value` string labels of the profile (pprof labels), sorted. Numeric labels
 * are left out: Go's heap profiles give every sample a `bytes` label, which says nothing.
 */
export function labelSummary(p: Profile, limit = 100): string[] {
  if (limit <= 0) return [];
  const seen = new Set<number>();
  const out = new Set<string>();
  // A heap profile has a numeric label on every sample: the loop over them reads locals only.
  const { labelKey, labelStr, strings } = p;
  const n = labelKey.length;
  for (let i = 0; i < n; i++) {
    if (labelStr[i] === 0) continue;
    const k = labelKey[i] * TWO_32 + labelStr[i];
    if (seen.has(k)) continue;
    seen.add(k);
    out.add(`${strings[labelKey[i]]}=${strings[labelStr[i]]}`);
    if (out.size >= limit) break;
  }
  return [...out].sort();
}
