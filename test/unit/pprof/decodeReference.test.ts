/**
 * Our hand-written Sample reader (Samples read as they come while their locations are known,
 * else in a second pass; ids resolved while reading; sync or streamed out of gzip) against
 * the pprof-format library: on every committed profile, on random profiles (labels,
 * inlining, unsymbolized locations, 64-bit ids, unpacked fields) in the library's field
 * order and in Go's, the Profile must be the one built from the library's decode in the
 * obvious way; and inputs the library would half-read must still be refused.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { Function as PbFunction, Label, Line, Location, Profile as PbProfile, Sample, StringTable, ValueType } from 'pprof-format';
import { decodeProfile, decodeProfileAsync, ProfileFormatError, type Profile } from '../../../src/core/pprof/decode';
import type { FlameFunction } from '../../../src/shared/flame';
import { PROFILES, profilePath } from './support';

function n(v: number | bigint): number {
  return typeof v === 'number' ? v : Number(BigInt.asIntN(64, v));
}

/** Our Profile, from pprof-format's decode of the same bytes: slow and obvious. */
function viaLibrary(bytes: Uint8Array): Profile {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? zlib.gunzipSync(bytes) : bytes;
  const pb = PbProfile.decode(raw);
  const strings = pb.stringTable.strings;
  const sampleTypes = pb.sampleType.map((t) => ({ type: strings[n(t.type)], unit: strings[n(t.unit)] }));
  const functions: FlameFunction[] = pb.function.map((f) => ({ name: strings[n(f.name)], file: strings[n(f.filename)], startLine: n(f.startLine) }));
  const funcIndex = new Map(pb.function.map((f, i) => [n(f.id), i]));
  const locIndex = new Map(pb.location.map((l, i) => [n(l.id), i]));
  const locFrameStart: number[] = [];
  const frameFunc: number[] = [];
  const frameLine: number[] = [];
  for (const loc of pb.location) {
    locFrameStart.push(frameFunc.length);
    if (loc.line.length === 0) {
      frameFunc.push(functions.length);
      functions.push({ name: `0x${BigInt.asUintN(64, BigInt(loc.address)).toString(16)}`, file: '', startLine: 0 });
      frameLine.push(0);
    }
    for (const l of loc.line) {
      frameFunc.push(funcIndex.get(n(l.functionId)) ?? -1);
      const line = n(l.line);
      frameLine.push(line > 0 && line < 2 ** 32 ? line : 0);
    }
  }
  locFrameStart.push(frameFunc.length);
  const sampleLocStart = [0];
  const sampleLocs: number[] = [];
  const values: number[] = [];
  const labelStart = [0];
  const labels: Label[] = [];
  // Frames per sample: its locations' frames, inlined ones included.
  const sampleFrameStart = [0];
  for (const s of pb.sample) {
    let frames = sampleFrameStart[sampleFrameStart.length - 1];
    for (const id of s.locationId) {
      const l = locIndex.get(n(id)) ?? -1;
      sampleLocs.push(l);
      frames += l >= 0 ? locFrameStart[l + 1] - locFrameStart[l] : 1;
    }
    sampleFrameStart.push(frames);
    for (const v of s.value) values.push(n(v));
    labels.push(...s.label);
    sampleLocStart.push(sampleLocs.length);
    labelStart.push(labels.length);
  }
  const def = n(pb.defaultSampleType);
  const defIndex = def !== 0 ? sampleTypes.findIndex((t) => t.type === strings[def]) : -1;
  const periodType = pb.periodType && { type: strings[n(pb.periodType.type)], unit: strings[n(pb.periodType.unit)] };
  return {
    sampleTypes,
    defaultType: defIndex >= 0 ? defIndex : sampleTypes.length - 1,
    ...(periodType ? { periodType } : {}),
    period: n(pb.period),
    timeNanos: n(pb.timeNanos),
    durationNanos: n(pb.durationNanos),
    functions,
    locFrameStart: Int32Array.from(locFrameStart),
    frameFunc: Int32Array.from(frameFunc),
    frameLine: Int32Array.from(frameLine),
    sampleCount: pb.sample.length,
    sampleLocStart: Int32Array.from(sampleLocStart),
    sampleFrameStart: Int32Array.from(sampleFrameStart),
    sampleLocs: Int32Array.from(sampleLocs),
    // 4 bytes a value when they all fit, as the decoder keeps them.
    values: values.every((v) => v >>> 0 === v) ? Uint32Array.from(values) : Float64Array.from(values),
    labelStart: Int32Array.from(labelStart),
    labelKey: Int32Array.from(labels, (l) => n(l.key)),
    labelStr: Int32Array.from(labels, (l) => n(l.str)),
    labelNum: labels.every((l) => n(l.num) >>> 0 === n(l.num)) ? Uint32Array.from(labels, (l) => n(l.num)) : Float64Array.from(labels, (l) => n(l.num)),
    labelUnit: Int32Array.from(labels, (l) => n(l.numUnit)),
    strings,
    comments: pb.comment.map((c) => strings[n(c)]),
  };
}

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

/** A random profile as another producer might write it; ids sparse, some past 2^31 or 2^14. */
function randomProfile(seed: number): Uint8Array {
  const rand = rng(seed);
  const int = (k: number) => Math.floor(rand() * k);
  const st = new StringTable();
  const bigIds = rand() < 0.3;
  const id = (i: number): number | bigint => (bigIds && i % 3 === 0 ? 2n ** 40n + BigInt(i) : rand() < 0.5 ? i + 1 : 20000 + i * 7);
  const nFuncs = 1 + int(40);
  const funcIds = Array.from({ length: nFuncs }, (_, i) => id(i));
  const functions = funcIds.map((fid, i) => new PbFunction({ id: fid, name: st.dedup(`pkg.f${i}`), filename: st.dedup(`/src/f${i % 5}.go`), startLine: int(500) }));
  const nLocs = 1 + int(300);
  const locIds = Array.from({ length: nLocs }, (_, i) => id(1000 + i));
  const locations = locIds.map(
    (lid) =>
      new Location({
        id: lid,
        address: int(2 ** 30),
        // Some unsymbolized (no line), some inlined (several lines).
        line: rand() < 0.1 ? [] : Array.from({ length: rand() < 0.2 ? 2 + int(3) : 1 }, () => new Line({ functionId: funcIds[int(nFuncs)], line: int(3000) })),
      }),
  );
  const nTypes = 1 + int(4);
  const samples = Array.from({ length: int(2000) }, () => {
    const depth = int(40);
    const label: Label[] = [];
    if (rand() < 0.3) label.push(new Label({ key: st.dedup('goroutine'), str: st.dedup(`g${int(5)}`) }));
    if (rand() < 0.3) label.push(new Label({ key: st.dedup('bytes'), num: int(1 << 20), numUnit: rand() < 0.5 ? st.dedup('bytes') : 0 }));
    return new Sample({
      locationId: Array.from({ length: depth }, () => locIds[int(nLocs)]),
      value: Array.from({ length: nTypes }, () => (rand() < 0.1 ? -int(1000) : rand() < 0.1 ? 2 ** 40 + int(1000) : int(100000))),
      label,
    });
  });
  const pb = new PbProfile({
    sampleType: Array.from({ length: nTypes }, (_, t) => new ValueType({ type: st.dedup(`type${t}`), unit: st.dedup('count') })),
    sample: samples,
    location: locations,
    function: functions,
    periodType: new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') }),
    period: int(1e7),
    timeNanos: 1_700_000_000_000_000_000n + BigInt(int(1e9)),
    durationNanos: int(1e10),
    comment: [st.dedup('generated')],
    defaultSampleType: rand() < 0.5 ? st.dedup(`type${int(nTypes)}`) : 0,
    stringTable: st,
  });
  const bytes = pb.encode();
  // Another producer may write repeated fields unpacked: one more sample so encoded.
  if (rand() < 0.5 && typeof locIds[0] === 'number' && locIds[0] < 128 && nTypes === 1) return Buffer.concat([bytes, Uint8Array.from([0x12, 4, 0x08, locIds[0], 0x10, 7])]);
  return bytes;
}

/** The Profile's top-level fields as encoded (tag included), in order. */
function topFields(raw: Uint8Array): { field: number; bytes: Uint8Array }[] {
  const out: { field: number; bytes: Uint8Array }[] = [];
  let p = 0;
  const varint = (): number => {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = raw[p++];
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
    }
  };
  while (p < raw.length) {
    const at = p;
    const tag = varint();
    const wire = tag % 8;
    if (wire === 2) {
      const len = varint();
      p += len;
    }
    else if (wire === 0) varint();
    else throw new Error(`wire type ${wire} at the top level`);
    out.push({ field: Math.floor(tag / 8), bytes: raw.subarray(at, p) });
  }
  return out;
}

/**
 * The same profile in Go's order (runtime/pprof's): the other fields first, then each Sample
 * after the locations it names that have not come yet, then the locations no Sample names.
 */
function goOrder(raw: Uint8Array): Uint8Array {
  const fields = topFields(raw);
  const pb = PbProfile.decode(raw);
  const locFields = fields.filter((f) => f.field === 4);
  const sampleFields = fields.filter((f) => f.field === 2);
  const locById = new Map(pb.location.map((l, i) => [String(l.id), locFields[i].bytes]));
  const out = fields.filter((f) => f.field !== 2 && f.field !== 4).map((f) => f.bytes);
  const sent = new Set<string>();
  pb.sample.forEach((sample, i) => {
    for (const id of sample.locationId) {
      const loc = locById.get(String(id));
      if (loc && !sent.has(String(id))) {
        sent.add(String(id));
        out.push(loc);
      }
    }
    out.push(sampleFields[i].bytes);
  });
  for (const [id, loc] of locById) if (!sent.has(id)) out.push(loc);
  return Buffer.concat(out);
}

/** `raw` with its k-th field of number `field` moved to the position after the j-th field of number `after` (or to the end). */
function moveField(raw: Uint8Array, field: number, k: number, after?: { field: number; j: number }): Uint8Array {
  const fields = topFields(raw);
  const at = fields.findIndex((f, i) => f.field === field && fields.slice(0, i).filter((g) => g.field === field).length === k);
  if (at < 0) return raw;
  const [moved] = fields.splice(at, 1);
  const to = after ? fields.findIndex((f, i) => f.field === after.field && fields.slice(0, i).filter((g) => g.field === after.field).length === after.j) : -1;
  if (to < 0) fields.push(moved);
  else fields.splice(to + 1, 0, moved);
  return Buffer.concat(fields.map((f) => f.bytes));
}

describe('pprof decoding against pprof-format', () => {
  it('gives the same Profile as pprof-format on every committed profile, gzip and raw', () => {
    for (const name of PROFILES) {
      const gz = fs.readFileSync(profilePath(name));
      const want = viaLibrary(gz);
      assert.deepStrictEqual(decodeProfile(gz), want, name);
      assert.deepStrictEqual(decodeProfile(zlib.gunzipSync(gz)), want, `${name} raw`);
    }
  });

  it('gives the same Profile as pprof-format on 300 random profiles', function () {
    this.timeout(60_000);
    for (let seed = 1; seed <= 300; seed++) {
      const bytes = randomProfile(seed);
      assert.deepStrictEqual(decodeProfile(bytes), viaLibrary(bytes), `seed ${seed}`);
      assert.deepStrictEqual(decodeProfile(zlib.gzipSync(bytes)), viaLibrary(bytes), `seed ${seed} gzip`);
    }
  });

  it('reads Samples as they come in Go order, and from the first naming a location not yet seen, in a second pass', function () {
    this.timeout(60_000);
    for (let seed = 1; seed <= 150; seed++) {
      const go = goOrder(randomProfile(seed));
      assert.deepStrictEqual(decodeProfile(go), viaLibrary(go), `seed ${seed} in Go order`);
      // A location that comes only after Samples naming it: the rest wait for the second pass.
      const late = moveField(go, 4, 1 + (seed % 5));
      assert.deepStrictEqual(decodeProfile(late), viaLibrary(late), `seed ${seed}, a late location`);
      // A sample type after the first Sample: those read are read again with all types known.
      const lateType = moveField(go, 1, 0, { field: 2, j: seed % 3 });
      assert.deepStrictEqual(decodeProfile(lateType), viaLibrary(lateType), `seed ${seed}, a late sample type`);
    }
  });

  it('reads Samples as they come past 2^16 locations (the ids widened to 4 bytes while reading)', () => {
    const st = new StringTable();
    const fn = new PbFunction({ id: 1, name: st.dedup('main.f'), filename: st.dedup('/src/f.go') });
    const nLocs = 70_000;
    const locations = Array.from({ length: nLocs }, (_, i) => new Location({ id: i + 1, line: [new Line({ functionId: 1, line: 1 + (i % 1000) })] }));
    // Each sample names a new location and an old one: indices past 2^16 come after 2^16 Samples were read.
    const samples = Array.from({ length: nLocs }, (_, i) => new Sample({ locationId: [i + 1, 1 + ((i * 7919) % (i + 1))], value: [i] }));
    const go = goOrder(new PbProfile({ sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })], sample: samples, location: locations, function: [fn], stringTable: st }).encode());
    const p = decodeProfile(go);
    assert.deepStrictEqual(p, viaLibrary(go));
    assert.strictEqual(p.sampleLocs[2 * (nLocs - 1)], nLocs - 1, 'the last location index, past 2^16, kept whole');
  });

  it('reads labels that start thousands of Samples in (as in Go heap profiles), as they come, sync and streamed', async () => {
    const st = new StringTable();
    const fn = new PbFunction({ id: 1, name: st.dedup('main.f'), filename: st.dedup('/src/f.go') });
    const locations = Array.from({ length: 50 }, (_, i) => new Location({ id: i + 1, line: [new Line({ functionId: 1, line: 1 + i })] }));
    const types = [new ValueType({ type: st.dedup('objects'), unit: st.dedup('count') }), new ValueType({ type: st.dedup('space'), unit: st.dedup('bytes') })];
    // Labels per Sample by its index: none for the first 5000 (past the room the first Samples
    // get) then one, as in Go's heap profiles; or three for the first 2000 (more labels than
    // that room), then none, then one.
    const layouts: [string, (i: number) => number, number][] = [
      ['late labels', (i) => (i < 5000 ? 0 : 1), 7000],
      ['early labels, then late ones', (i) => (i < 2000 ? 3 : i < 5000 ? 0 : 1), 13_000],
    ];
    for (const [name, count, total] of layouts) {
      const samples = Array.from({ length: 12_000 }, (_, i) => {
        const label = Array.from({ length: count(i) }, (_, k) => new Label({ key: st.dedup(`k${k}`), num: i * 3 + k }));
        return new Sample({ locationId: [1 + (i % 50), 1 + ((i * 7) % 50)], value: [i, 2 * i], label });
      });
      const go = goOrder(new PbProfile({ sampleType: types, sample: samples, location: locations, function: [fn], stringTable: st }).encode());
      const want = viaLibrary(go);
      assert.strictEqual(want.labelKey.length, total, name);
      assert.deepStrictEqual(decodeProfile(go), want, name);
      assert.deepStrictEqual(await decodeProfileAsync(zlib.gzipSync(go), { chunkSize: 4096 }), want, `${name}, streamed`);
    }
  });

  it('decodeProfileAsync, streaming out of gzip in chunks of any size, gives the Profile decodeProfile gives', async function () {
    this.timeout(60_000);
    for (const name of PROFILES) {
      const gz = fs.readFileSync(profilePath(name));
      const want = viaLibrary(gz);
      for (const chunkSize of [64, 1000, 1 << 18]) assert.deepStrictEqual(await decodeProfileAsync(gz, { chunkSize }), want, `${name}, chunks of ${chunkSize}`);
      assert.deepStrictEqual(await decodeProfileAsync(zlib.gunzipSync(gz)), want, `${name} raw`);
      // Two gzip members one after the other: the last trailer gives only the second's size.
      const raw = zlib.gunzipSync(gz);
      const cut = Math.floor(raw.length * 0.9);
      const members = Buffer.concat([zlib.gzipSync(raw.subarray(0, cut)), zlib.gzipSync(raw.subarray(cut))]);
      assert.deepStrictEqual(await decodeProfileAsync(members, { chunkSize: 200 }), want, `${name} in two gzip members`);
      assert.deepStrictEqual(decodeProfile(members), want, `${name} in two gzip members (sync)`);
    }
    // Two gzip members, the second small: the output outgrows the buffer the last trailer sized.
    let outgrown = 0;
    for (let seed = 1; seed <= 30 && outgrown < 3; seed++) {
      const bytes = goOrder(randomProfile(seed));
      if (bytes.length < 1 << 17) continue;
      outgrown++;
      const cut = bytes.length - 1000;
      const members = Buffer.concat([zlib.gzipSync(bytes.subarray(0, cut)), zlib.gzipSync(bytes.subarray(cut))]);
      assert.deepStrictEqual(await decodeProfileAsync(members, { chunkSize: 4096 }), viaLibrary(bytes), `seed ${seed} in two gzip members`);
    }
    assert.strictEqual(outgrown, 3, 'three random profiles over 128 KB');
    for (let seed = 1; seed <= 60; seed++) {
      for (const bytes of [randomProfile(seed), goOrder(randomProfile(seed))]) {
        const gz = zlib.gzipSync(bytes);
        const want = viaLibrary(bytes);
        assert.deepStrictEqual(await decodeProfileAsync(gz, { chunkSize: 64 + (seed % 7) * 97 }), want, `seed ${seed}`);
      }
    }
  });

  it('refuses what pprof-format would half-read: truncated samples, unknown locations, wrong value counts', () => {
    const refused = (bytes: Uint8Array, want: RegExp, what: string): void =>
      assert.throws(
        () => decodeProfile(bytes),
        (e: unknown) => e instanceof ProfileFormatError && want.test(e.message),
        what,
      );
    const st = new StringTable();
    const base = {
      sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })],
      function: [new PbFunction({ id: 1, name: st.dedup('main.main') })],
      location: [new Location({ id: 1, line: [new Line({ functionId: 1, line: 3 })] })],
      stringTable: st,
    };
    const ok = new PbProfile({ ...base, sample: [new Sample({ locationId: [1, 1, 1], value: [5] })] }).encode();
    assert.strictEqual(decodeProfile(ok).sampleCount, 1);
    refused(new PbProfile({ ...base, sample: [new Sample({ locationId: [1, 2], value: [5] })] }).encode(), /unknown location 2/, 'unknown location');
    refused(new PbProfile({ ...base, sample: [new Sample({ locationId: [1], value: [5, 6] })] }).encode(), /has 2 values for 1 sample types/, 'two values');
    refused(new PbProfile({ ...base, sample: [new Sample({ locationId: [1], value: [] })] }).encode(), /has 0 values for 1 sample types/, 'no value');
    // A Sample whose packed ids end inside a varint: the length fits its message, the ids do not.
    const cut = Buffer.concat([ok, Uint8Array.from([0x12, 5, 0x0a, 1, 0x81, 0x10, 1])]);
    refused(cut, /corrupt profile/, 'varint cut at the end of the packed field');
    // Every cut inside the samples of a large profile.
    const raw = zlib.gunzipSync(fs.readFileSync(profilePath('heap')));
    for (let end = 1; end < Math.min(raw.length, 4000); end += 7) {
      let r: Profile | undefined;
      try {
        r = decodeProfile(raw.subarray(0, end));
      } catch (e) {
        assert.ok(e instanceof ProfileFormatError, `heap raw[:${end}]: ${String(e)}`);
      }
      assert.strictEqual(r, undefined, `heap raw[:${end}] is refused`);
    }
  });
});
