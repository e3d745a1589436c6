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
   * A decoded profile with fewer than 2^16 locations keeps these as 2 bytes each and makes
   * this array on first read (its largest array: tens of millions of entries). Code that only
   * reads them uses {@link stackLocations}, which does not make it.
   */
  sampleLocs: Int32Array;
  /** Value of sample s for type t at values[s * sampleTypes.length + t]. */
  values: Float64Array;
  /** Labels of sample s: entries [labelStart[s], labelStart[s + 1]) of the label arrays. */
  labelStart: Int32Array;
  /** Key of each label entry (index into strings). */
  labelKey: Int32Array;
  /** String value (index into strings; 0, the empty string, for a numeric label). */
  labelStr: Int32Array;
  labelNum: Float64Array;
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
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
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
    return new Decoder(raw).decode();
  } catch (e) {
    if (e instanceof ProfileFormatError) throw e;
    // pprof-format throws plain Errors (unknown wire type); anything else is also a bad input.
    throw new ProfileFormatError(`not a pprof profile: ${(e as Error).message}`, { cause: e });
  }
}

function gunzip(bytes: Uint8Array, maxBytes: number): Uint8Array {
  // The gzip trailer's last 4 bytes are the inflated size (mod 2^32): inflating into one
  // chunk of that size spares zlib joining many small ones, a copy of the whole output. It
  // is only a hint (a lie costs one large allocation, capped here; a short one, more chunks).
  const n = bytes.length;
  const isize = (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0;
  const chunkSize = Math.max(1 << 16, Math.min(isize + 1, maxBytes + 1, 1 << 28));
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: maxBytes, chunkSize });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) throw new ProfileFormatError('truncated gzip stream', { cause: e });
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger/i.test(err.message))
      throw new ProfileFormatError(`profile too large: more than ${maxBytes} bytes once decompressed`, { cause: e });
    throw new ProfileFormatError(`corrupt gzip stream: ${err.message}`, { cause: e });
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

/** A growable typed array: appends without per-element allocation, trimmed at the end. */
class Int32Buf {
  a: Int32Array;
  n = 0;
  constructor(capacity = 1024) {
    this.a = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
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

/**
 * The dense id table of the locations, at least 2^14 long (padded with -1, no location) so
 * that every id of one or two varint bytes can be looked up without a bounds test; undefined
 * when the ids are too sparse for a table.
 */
function shortIdTable(locIndex: IdIndex): Int32Array | undefined {
  const dense = locIndex.dense;
  if (dense.length === 0) return undefined;
  if (dense.length >= 1 << 14) return dense;
  const t = new Int32Array(1 << 14).fill(-1);
  t.set(dense);
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
   * Samples are read in two passes. The first walk of the Profile only notes where each
   * Sample is (its tag and length, then a jump past it: reading every varint of it in both
   * passes was a sixth of the decoding); the second, once the locations are known, reads
   * them into arrays allocated once, ids already turned into location indices. The large arrays (ids,
   * values) do not grow, are not copied, nor mapped again afterwards: at tens of millions of
   * frames each of those is a pass over hundreds of megabytes.
   */
  private nSamples = 0;
  /** Sum of the Samples' lengths: a bound on their location ids, at least a byte each. */
  private sampleBytes = 0;
  private sampleLocStart = new Int32Array(0);
  /** Location indices of the samples: 2 bytes each when there are fewer than 2^16 locations (see {@link stackLocations}). */
  private sampleLocs: Int32Array | Uint16Array = new Int32Array(0);
  private values = new Float64Array(0);
  private labelStart = new Int32Array(0);
  private labelKey = new Int32Array(0);
  private labelStr = new Int32Array(0);
  private labelNum = new Float64Array(0);
  private labelUnit = new Int32Array(0);
  /** Entries written so far in the second pass. */
  private locN = 0;
  private valueN = 0;
  private labelN = 0;
  private readonly text = new TextDecoder('utf-8');

  constructor(private readonly buf: Uint8Array) {}

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

  decode(): Profile {
    const end = this.buf.length;
    while (this.pos < end) {
      const tag = this.varint(end);
      const field = Math.floor(tag / 8);
      const wire = tag & 7;
      if (field === 0) throw new ProfileFormatError('not a pprof profile: field number 0');
      if (wire === 2) {
        const fieldEnd = this.lengthEnd(end);
        this.lengthField(field, this.pos, fieldEnd);
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
    return this.finish();
  }

  private lengthField(field: number, start: number, end: number): void {
    switch (field) {
      case 1:
      case 11: {
        this.checkMessage(start, end);
        const vt = PbValueType.decode(this.buf.subarray(start, end));
        const t = { type: num(vt.type), unit: num(vt.unit) };
        if (field === 1) this.sampleTypes.push(t);
        else this.periodType = t;
        break;
      }
      case 2:
        // Checked field by field in the second pass (readSamples), which finds it again.
        this.nSamples++;
        this.sampleBytes += end - start;
        break;
      case 4: {
        this.checkMessage(start, end);
        const loc = PbLocation.decode(this.buf.subarray(start, end));
        this.locations.push({
          id: this.ids.intern(num(loc.id)),
          address: num(loc.address),
          lines: loc.line.map((l) => ({ func: this.ids.intern(num(l.functionId)), line: num(l.line) })),
        });
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
    const b = this.buf;
    const top = b.length;
    const sampleLocStart = new Int32Array(n + 1);
    const labelStart = new Int32Array(n + 1);
    this.sampleLocStart = sampleLocStart;
    this.labelStart = labelStart;
    // The largest array of a profile (tens of millions of entries), written once and read by
    // the flame tree three times: half the memory to fault in and to read when it can be.
    // Every id takes at least one byte of its Sample, so the Samples' bytes bound the count
    // (counting exactly would be a pass over all of them); the pages of the bound never
    // written are never backed by memory either.
    this.sampleLocs = nLocations <= 0x10000 ? new Uint16Array(this.sampleBytes) : new Int32Array(this.sampleBytes);
    // Each sample must have exactly nTypes values (checked below): one more would be written
    // past its share, but is refused before the next sample is read.
    this.values = new Float64Array(n * nTypes);
    // Go's heap profiles have one numeric label per sample, CPU profiles usually none: room
    // for one a sample, grown when there are more (room never written costs no memory).
    this.allocLabels(Math.max(16, n));
    const lut = shortIdTable(locIndex);
    // The Samples are found by walking the Profile again (its fields were all checked by the
    // first walk): cheaper than keeping their places, an array the size of the sample count.
    let next = 0;
    for (let s = 0; s < n; s++) {
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
      sampleLocStart[s] = this.locN;
      labelStart[s] = this.labelN;
      const valuesBefore = this.valueN;
      this.sample(p, end, lut, locIndex);
      if (this.valueN - valuesBefore !== nTypes) throw new ProfileFormatError(`corrupt profile: sample ${s} has ${this.valueN - valuesBefore} values for ${nTypes} sample types`);
    }
    sampleLocStart[n] = this.locN;
    labelStart[n] = this.labelN;
    // A view of the ids read, not a copy: the rest of the bound was never written, so it
    // was never backed by memory either (a copy would touch and move every id once more).
    if (this.locN < this.sampleLocs.length) this.sampleLocs = this.sampleLocs.subarray(0, this.locN);
    // The label arrays are small (a copy costs little) and exact, each its own buffer.
    if (this.labelN < this.labelKey.length) {
      const k = this.labelN;
      this.labelKey = this.labelKey.slice(0, k);
      this.labelStr = this.labelStr.slice(0, k);
      this.labelNum = this.labelNum.slice(0, k);
      this.labelUnit = this.labelUnit.slice(0, k);
    }
  }

  /**
   * One Sample in [p, end). A method of its own, called once a Sample: the JIT optimizes it
   * after a few thousand calls, where the loop over the Samples would wait for on-stack
   * replacement, and a deoptimization (a path first met late) costs only this method.
   */
  private sample(p: number, end: number, lut: Int32Array | undefined, locIndex: IdIndex): void {
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
  private sampleField(p: number, end: number, locIndex: IdIndex): number {
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
      if (field === 1) this.sampleLocs[this.locN++] = this.location(locIndex, this.ids.intern(v));
      else this.values[this.valueN++] = v;
    } else if (field === 3 && wire === 2) {
      const e = this.lengthEnd(end);
      return this.label(this.pos, e);
    } else {
      this.skip(wire, end);
    }
    return this.pos;
  }

  private location(locIndex: IdIndex, id: number): number {
    const l = locIndex.get(id);
    if (l < 0) throw new ProfileFormatError(`corrupt profile: a sample refers to unknown location ${id}`);
    return l;
  }

  /**
   * Packed location ids in [p, e), the bulk of a profile's bytes; returns e. Ids below 2^14
   * (one or two bytes: all of Go's but the largest profiles) are read by `lut` when there
   * is one, without a branch on their length: it changes from one id to the next with no
   * pattern a branch predictor could learn.
   */
  private packedIds(p: number, e: number, lut: Int32Array | undefined, locIndex: IdIndex): number {
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
          out[n++] = l;
          p += 1 + more;
        }
        // The field's last byte, an id of its own when the loop above stopped just before it.
        if (p + 1 === e && b[p] < 0x80) {
          const l = lut[b[p]];
          bad |= l;
          out[n++] = l;
          p++;
        }
      }
      if (bad < 0) this.unknownId(start, e, locIndex);
      if (p >= e) break;
      // A longer id, or ids too sparse for a table.
      this.pos = p;
      out[n++] = this.location(locIndex, this.ids.intern(this.varint(e)));
      p = this.pos;
    }
    this.locN = n;
    return e;
  }

  /** Throws for the first unknown location id of the packed ids in [p, e), as it is named. */
  private unknownId(p: number, e: number, locIndex: IdIndex): never {
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
    const values = this.values;
    let n = this.valueN;
    this.pos = p;
    while (this.pos < e) values[n++] = this.varint(e);
    this.valueN = n;
    return e;
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
    if (this.labelN === this.labelKey.length) this.allocLabels(this.labelN * 2);
    const i = this.labelN++;
    this.labelKey[i] = key;
    this.labelStr[i] = str;
    this.labelNum[i] = n;
    this.labelUnit[i] = unit;
    return e;
  }

  /** (Re)allocates the label arrays with room for `capacity` labels, keeping those read. */
  private allocLabels(capacity: number): void {
    const k = this.labelN;
    const key = new Int32Array(capacity);
    const str = new Int32Array(capacity);
    const num = new Float64Array(capacity);
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

  private finish(): Profile {
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
  const seen = new Set<number>();
  const out = new Set<string>();
  for (let i = 0; i < p.labelKey.length && out.size < limit; i++) {
    if (p.labelStr[i] === 0) continue;
    const k = p.labelKey[i] * TWO_32 + p.labelStr[i];
    if (seen.has(k)) continue;
    seen.add(k);
    out.add(`${p.strings[p.labelKey[i]]}=${p.strings[p.labelStr[i]]}`);
  }
  return [...out].sort();
}
