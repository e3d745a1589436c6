/**
 * Decoding real Go profiles (made by test/fixtures/pprof/regenerate.sh), and refusing
 * everything else with a ProfileFormatError only.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as zlib from 'zlib';
import { Function as PbFunction, Label, Line, Location, Profile as PbProfile, Sample, StringTable, ValueType } from 'pprof-format';
import { decodeProfile, decodeProfileAsync, labelSummary, type Profile, ProfileFormatError, sampleLabels, stackLocations } from '../../../src/core/pprof/decode';
import { buildFlameProfile } from '../../../src/core/pprof/model';
import { profilePath } from './support';

function read(name: 'cpu' | 'heap' | 'mutex' | 'block'): Profile {
  return decodeProfile(fs.readFileSync(profilePath(name)));
}

function types(p: Profile): string[] {
  return p.sampleTypes.map((t) => `${t.type}/${t.unit}`);
}

/** A deterministic pseudo-random sequence, so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

/** Decoding must either succeed (and then the model builds) or throw a ProfileFormatError. */
function decodesOrRefuses(bytes: Uint8Array, what: string): 'ok' | 'refused' {
  try {
    const p = decodeProfile(bytes);
    buildFlameProfile(p, what);
    return 'ok';
  } catch (e) {
    if (!(e instanceof ProfileFormatError)) throw new Error(`${what}: ${(e as Error).name} instead of ProfileFormatError: ${(e as Error).stack}`, { cause: e });
    assert.ok(e.message.length > 10, `${what}: a message that says something`);
    return 'refused';
  }
}

/** Inputs that are not profiles, each with the message it must be refused with. */
function notProfiles(): [Uint8Array, RegExp][] {
  return [
    [new Uint8Array(0), /not a pprof profile: the file is empty/],
    [Buffer.from('hello, world: this is a text file\n'), /not a pprof profile: the file is neither gzip nor a protobuf Profile/],
    [Buffer.from('--- mutex:\ncycles/second=1\n'), /neither gzip nor a protobuf Profile/],
    [Uint8Array.from([0xff, 0x00, 0x13]), /neither gzip nor a protobuf Profile/],
    [fs.readFileSync(profilePath('cpu')).subarray(0, 100), /^truncated gzip stream$/],
    [Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), /gzip stream/],
    [zlib.gzipSync(Buffer.alloc(0)), /the gzip stream is empty/],
    [new PbProfile({ stringTable: new StringTable() }).encode(), /profile has no sample types/],
    [zlib.gunzipSync(fs.readFileSync(profilePath('cpu'))).subarray(0, 300), /corrupt profile|not a pprof profile/],
  ];
}

describe('pprof decoding', () => {
  it('reads the sample types exactly as Go names them', () => {
    const cpu = read('cpu');
    assert.deepStrictEqual(types(cpu), ['samples/count', 'cpu/nanoseconds']);
    assert.strictEqual(cpu.defaultType, 1, 'cpu: the last type, as pprof picks it');
    assert.deepStrictEqual(cpu.periodType, { type: 'cpu', unit: 'nanoseconds' });
    assert.strictEqual(cpu.period, 10_000_000, '100 Hz');
    assert.ok(cpu.durationNanos > 1e9, 'the workload ran over a second');

    const heap = read('heap');
    assert.deepStrictEqual(types(heap), ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']);
    assert.strictEqual(heap.sampleTypes[heap.defaultType].type, 'alloc_space', "go test -memprofile's default_sample_type");

    for (const name of ['mutex', 'block'] as const) {
      const p = read(name);
      assert.deepStrictEqual(types(p), ['contentions/count', 'delay/nanoseconds'], name);
      assert.strictEqual(p.sampleTypes[p.defaultType].type, 'delay', name);
    }
  });

  it('gives every sample one value per sample type and a resolvable stack', () => {
    for (const name of ['cpu', 'heap', 'mutex', 'block'] as const) {
      const p = read(name);
      assert.ok(p.sampleCount > 0, name);
      assert.strictEqual(p.values.length, p.sampleCount * p.sampleTypes.length);
      for (let i = 0; i < p.sampleLocs.length; i++) assert.ok(p.sampleLocs[i] >= 0 && p.sampleLocs[i] < p.locFrameStart.length - 1);
      for (let i = 0; i < p.frameFunc.length; i++) assert.ok(p.frameFunc[i] >= 0 && p.frameFunc[i] < p.functions.length);
      assert.ok(p.functions.some((f) => f.name === 'example.com/proflab.Run' && f.file.endsWith('workload.go') && f.startLine > 0), `${name}: Run with its file and line`);
    }
  });

  it('expands inlined calls into frames, innermost first', () => {
    const p = read('cpu');
    const mix = p.functions.findIndex((f) => f.name === 'example.com/proflab.mix');
    const burn = p.functions.findIndex((f) => f.name === 'example.com/proflab.burn');
    assert.ok(mix >= 0 && burn >= 0);
    let found = false;
    for (let l = 0; l + 1 < p.locFrameStart.length; l++) {
      const s = p.locFrameStart[l];
      if (p.locFrameStart[l + 1] - s >= 2 && p.frameFunc[s] === mix) {
        assert.strictEqual(p.frameFunc[s + 1], burn, 'mix was inlined into burn: burn is the next frame out');
        assert.ok(p.frameLine[s] > 0 && p.frameLine[s + 1] > p.frameLine[s], "the call in burn comes after mix's body in workload.go");
        found = true;
      }
    }
    assert.ok(found, 'a location with mix inlined into burn');
  });

  it('reads pprof labels (string) and numeric labels', () => {
    const cpu = read('cpu');
    assert.deepStrictEqual(labelSummary(cpu), ['phase=alloc', 'phase=burn']);
    const burn = cpu.functions.findIndex((f) => f.name === 'example.com/proflab.burn');
    let labelled = 0;
    for (let s = 0; s < cpu.sampleCount; s++) {
      const leafLoc = cpu.sampleLocs[cpu.sampleLocStart[s]];
      const frames = Array.from(cpu.frameFunc.subarray(cpu.locFrameStart[leafLoc], cpu.locFrameStart[leafLoc + 1]));
      if (frames.includes(burn)) {
        assert.deepStrictEqual(sampleLabels(cpu, s), [{ key: 'phase', str: 'burn' }]);
        labelled++;
      }
    }
    assert.ok(labelled > 0);
    // Go's heap profile labels each sample with its allocation size, a numeric label.
    const heap = read('heap');
    const labels = Array.from({ length: heap.sampleCount }, (_, s) => sampleLabels(heap, s)).flat();
    assert.ok(labels.length > 0 && labels.every((l) => l.key === 'bytes' && typeof l.num === 'number' && l.num > 0 && l.str === undefined), JSON.stringify(labels.slice(0, 5)));
  });

  it('keeps the stacks compact until sampleLocs is read, which then gives them as an Int32Array', () => {
    const p = read('cpu');
    const compact = stackLocations(p);
    assert.ok(compact instanceof Uint16Array, 'fewer than 2^16 locations: 2 bytes per entry');
    assert.ok(p.sampleLocs instanceof Int32Array);
    assert.deepStrictEqual(Array.from(p.sampleLocs), Array.from(compact));
    assert.strictEqual(p.sampleLocs, p.sampleLocs, 'widened once');
    // A profile given other stacks is read through them.
    const other = new Int32Array(p.sampleLocs.length);
    p.sampleLocs = other;
    assert.strictEqual(p.sampleLocs, other);
    assert.strictEqual(stackLocations(p), other);
    // A copy of the profile (as the tests make) has its own sampleLocs, an Int32Array.
    const q = read('cpu');
    const copy: Profile = { ...q };
    assert.ok(copy.sampleLocs instanceof Int32Array);
    assert.strictEqual(stackLocations(copy), copy.sampleLocs);
  });

  it('reads raw (uncompressed) protobuf as well as gzip', () => {
    const gz = fs.readFileSync(profilePath('mutex'));
    const a = decodeProfile(gz);
    const b = decodeProfile(zlib.gunzipSync(gz));
    assert.deepStrictEqual(b, a);
  });

  it('reads a profile written by another producer (pprof-format): unpacked ids, 64-bit ids, unsymbolized locations', () => {
    const st = new StringTable();
    const big = 2n ** 40n + 7n;
    const pb = new PbProfile({
      sampleType: [new ValueType({ type: st.dedup('wall'), unit: st.dedup('nanoseconds') })],
      function: [new PbFunction({ id: big, name: st.dedup('main.f'), filename: st.dedup('/x/f.go'), startLine: 3 })],
      location: [new Location({ id: big, line: [new Line({ functionId: big, line: 5 })] }), new Location({ id: 2, address: 0x401000 })],
      sample: [new Sample({ locationId: [big, 2], value: [2n ** 40n] }), new Sample({ locationId: [2], value: [-5] })],
      stringTable: st,
    });
    // One more sample appended by hand with unpacked repeated fields (location_id 2, value 7):
    // proto3 parsers must accept both encodings.
    const bytes = Buffer.concat([pb.encode(), Uint8Array.from([0x12, 4, 0x08, 2, 0x10, 7])]);
    const p = decodeProfile(bytes);
    assert.strictEqual(p.sampleCount, 3);
    assert.strictEqual(p.values[2], 7);
    assert.strictEqual(p.sampleLocs[p.sampleLocStart[2]], 1, 'location id 2 is the second location');
    assert.strictEqual(p.values[0], 2 ** 40);
    assert.strictEqual(p.values[1], -5, 'int64 values keep their sign');
    assert.deepStrictEqual(
      p.functions.map((f) => f.name),
      ['main.f', '0x401000'],
    );
  });

  it('reads Samples of every shape: more labels than samples, ids of one to three bytes', () => {
    const st = new StringTable();
    // A dense id table, with ids of one, two and three varint bytes.
    const ids = [...Array.from({ length: 4999 }, (_, i) => i + 1), 16383, 16385, 20000];
    const stacks = [[1, 200, 20000, 3], [20000], [127, 128, 16383, 16385, 5], [4999, 2]];
    const pb = new PbProfile({
      sampleType: [new ValueType({ type: st.dedup('alloc_space'), unit: st.dedup('bytes') }), new ValueType({ type: st.dedup('x'), unit: st.dedup('count') })],
      function: [new PbFunction({ id: 1, name: st.dedup('main.f'), filename: st.dedup('/x/f.go') })],
      location: ids.map((id) => new Location({ id, line: [new Line({ functionId: 1, line: id % 100 })] })),
      sample: stacks.map(
        (stack, i) =>
          new Sample({
            locationId: stack,
            value: [1 << (7 * i), 1 - i],
            label: Array.from({ length: 3 * i }, (_, k) => new Label({ key: st.dedup(`k${k}`), num: 1000 * k + i, numUnit: st.dedup('bytes') })),
          }),
      ),
      stringTable: st,
    });
    const p = decodeProfile(pb.encode());
    assert.strictEqual(p.sampleCount, 4);
    for (let s = 0; s < 4; s++) {
      const got = Array.from(stackLocations(p).subarray(p.sampleLocStart[s], p.sampleLocStart[s + 1]), (l) => ids[l]);
      assert.deepStrictEqual(got, stacks[s]);
      assert.deepStrictEqual([p.values[2 * s], p.values[2 * s + 1]], [1 << (7 * s), 1 - s]);
      assert.deepStrictEqual(
        sampleLabels(p, s),
        Array.from({ length: 3 * s }, (_, k) => ({ key: `k${k}`, num: 1000 * k + s, unit: 'bytes' })),
      );
    }
    assert.strictEqual(p.labelKey.length, 18);
    assert.strictEqual(p.labelNum.length, 18);
  });

  it('keeps values and numeric labels in 4 bytes while they fit, and every one exactly once one does not (late, negative, past 2^32)', async () => {
    const make = (late: number | bigint | undefined, at: number): Uint8Array => {
      const st = new StringTable();
      return new PbProfile({
        sampleType: [new ValueType({ type: st.dedup('alloc_objects'), unit: st.dedup('count') }), new ValueType({ type: st.dedup('alloc_space'), unit: st.dedup('bytes') })],
        function: [new PbFunction({ id: 1, name: st.dedup('main.f'), filename: st.dedup('/x/f.go') })],
        location: [new Location({ id: 1, line: [new Line({ functionId: 1, line: 3 })] })],
        sample: Array.from(
          { length: 5000 },
          (_, s) =>
            new Sample({
              locationId: [1],
              value: [s, s === at && late !== undefined ? late : 4_000_000_000 + s],
              // A heap profile's "bytes" label, the same way.
              label: [new Label({ key: st.dedup('bytes'), num: s === at && late !== undefined ? late : 16 + s })],
            }),
        ),
        stringTable: st,
      }).encode();
    };
    const expect = (p: Profile, late: number | undefined, at: number): void => {
      for (let s = 0; s < 5000; s++) {
        assert.strictEqual(p.values[2 * s], s);
        assert.strictEqual(p.values[2 * s + 1], s === at && late !== undefined ? late : 4_000_000_000 + s, `sample ${s}`);
        assert.strictEqual(p.labelNum[p.labelStart[s]], s === at && late !== undefined ? late : 16 + s, `sample ${s}'s label`);
      }
    };
    for (const bytes of [make(undefined, 0), zlib.gzipSync(make(undefined, 0))]) {
      const p = await decodeProfileAsync(bytes, { chunkSize: 997 });
      assert.ok(p.values instanceof Uint32Array && p.labelNum instanceof Uint32Array, 'values that fit take 4 bytes');
      expect(p, undefined, 0);
    }
    for (const [late, at] of [[-7, 4321], [2 ** 32, 3], [2 ** 40 + 1, 4999]] as const) {
      for (const p of [decodeProfile(make(late, at)), await decodeProfileAsync(zlib.gzipSync(make(late, at)), { chunkSize: 997 })]) {
        assert.ok(p.values instanceof Float64Array && p.labelNum instanceof Float64Array, `${late}: widened`);
        expect(p, late, at);
      }
    }
  });

  it('refuses corrupt Samples with a message that names the problem', () => {
    const st = new StringTable();
    const base = {
      sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })],
      function: [new PbFunction({ id: 1, name: st.dedup('main.f') })],
      location: [new Location({ id: 1, line: [new Line({ functionId: 1 })] }), new Location({ id: 2, line: [new Line({ functionId: 1 })] })],
    };
    const cases: [Uint8Array, RegExp][] = [
      [new PbProfile({ ...base, sample: [new Sample({ locationId: [1, 2, 300, 1], value: [1] })], stringTable: st }).encode(), /unknown location 300$/],
      [new PbProfile({ ...base, sample: [new Sample({ locationId: [2, 9], value: [1] })], stringTable: st }).encode(), /unknown location 9$/],
      [new PbProfile({ ...base, sample: [new Sample({ locationId: [1], value: [1, 2] })], stringTable: st }).encode(), /sample 0 has 2 values for 1 sample types/],
      // A Sample whose field 1 has wire type 5 (fixed32).
      [Buffer.concat([new PbProfile({ ...base, stringTable: st }).encode(), Uint8Array.from([0x12, 5, 0x0d, 1, 0, 0, 0])]), /invalid wire type 5 in a sample/],
      // A Sample whose packed ids run past its end.
      [Buffer.concat([new PbProfile({ ...base, stringTable: st }).encode(), Uint8Array.from([0x12, 3, 0x0a, 5, 1])]), /runs past the end of its message/],
      // A Sample ending in the middle of a varint.
      [Buffer.concat([new PbProfile({ ...base, stringTable: st }).encode(), Uint8Array.from([0x12, 3, 0x10, 0x81, 0x81])]), /truncated varint/],
    ];
    for (const [bytes, want] of cases) {
      assert.throws(
        () => decodeProfile(bytes),
        (e: unknown) => e instanceof ProfileFormatError && want.test(e.message),
        `${want}`,
      );
    }
  });

  it('refuses inputs that are not profiles with a clear ProfileFormatError', () => {
    for (const [bytes, want] of notProfiles()) {
      assert.throws(
        () => decodeProfile(bytes),
        (e: unknown) => e instanceof ProfileFormatError && want.test(e.message),
        `${Buffer.from(bytes.subarray(0, 16)).toString('hex')} -> ${want}`,
      );
    }
  });

  it('decodeProfileAsync refuses them alike, truncations and gzip bombs included, and stops when aborted', async function () {
    this.timeout(60_000);
    const refuses = async (bytes: Uint8Array, want: RegExp, what: string, options: { maxBytes?: number; chunkSize?: number } = {}): Promise<void> =>
      assert.rejects(decodeProfileAsync(bytes, options), (e: unknown) => e instanceof ProfileFormatError && want.test(e.message), what);
    for (const [bytes, want] of notProfiles()) await refuses(bytes, want, `${Buffer.from(bytes.subarray(0, 16)).toString('hex')} -> ${want}`);
    await refuses(zlib.gzipSync(Buffer.alloc(4 << 20)), /too large/, 'a gzip bomb', { maxBytes: 1 << 20 });
    // Cut anywhere, streamed in small chunks: refused, as decodeProfile refuses it.
    for (const name of ['cpu', 'heap'] as const) {
      const gz = fs.readFileSync(profilePath(name));
      const raw = zlib.gunzipSync(gz);
      for (let n = 1; n < raw.length; n += 13) {
        const cut = zlib.gzipSync(raw.subarray(0, n));
        let sync: unknown;
        try {
          decodeProfile(cut);
        } catch (e) {
          sync = e;
        }
        if (sync === undefined) {
          assert.ok(await decodeProfileAsync(cut, { chunkSize: 100 }), `${name}[:${n}] decodes as decodeProfile decodes it`);
          continue;
        }
        assert.ok(sync instanceof ProfileFormatError);
        await refuses(cut, new RegExp(`^${sync.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), `${name}[:${n}]: ${sync.message}`, { chunkSize: 100 });
      }
      for (let n = 0; n < gz.length; n += 17) await refuses(gz.subarray(0, n), /gzip|not a pprof profile/, `${name}.pb.gz[:${n}]`);
    }
    // Aborted mid-stream, or before it starts.
    const big = zlib.gzipSync(Buffer.concat(Array.from({ length: 200 }, () => zlib.gunzipSync(fs.readFileSync(profilePath('heap'))))));
    const ac = new AbortController();
    const pending = decodeProfileAsync(big, { signal: ac.signal, chunkSize: 256 });
    setImmediate(() => ac.abort());
    await assert.rejects(pending, (e: unknown) => e instanceof Error && e.name === 'AbortError');
    await assert.rejects(decodeProfileAsync(big, { signal: AbortSignal.abort() }), (e: unknown) => e instanceof Error && e.name === 'AbortError');
  });

  it('refuses a gzip bomb past maxBytes', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(4 << 20));
    assert.throws(
      () => decodeProfile(bomb, { maxBytes: 1 << 20 }),
      (e: unknown) => e instanceof ProfileFormatError && /too large/.test(e.message),
    );
  });

  it('fuzz: truncations at every offset only ever give ProfileFormatError', function () {
    this.timeout(120_000);
    for (const name of ['cpu', 'heap'] as const) {
      const gz = fs.readFileSync(profilePath(name));
      for (let n = 0; n < gz.length; n++) assert.strictEqual(decodesOrRefuses(gz.subarray(0, n), `${name}.pb.gz[:${n}]`), 'refused');
      const raw = zlib.gunzipSync(gz);
      let refused = 0;
      for (let n = 0; n < raw.length; n++) if (decodesOrRefuses(raw.subarray(0, n), `${name} raw[:${n}]`) === 'refused') refused++;
      // A cut between two strings at the end of the string table can be a valid smaller profile.
      assert.ok(refused > raw.length * 0.9, `${name}: ${refused} of ${raw.length} truncations refused`);
    }
  });

  it('fuzz: random bytes and bit flips only ever give ProfileFormatError', function () {
    this.timeout(120_000);
    const rand = rng(42);
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rand() * 600);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
      if (i % 4 === 1 && len > 2) bytes[0] = 0x0a; // a plausible first tag, so decoding goes deeper
      if (i % 4 === 2 && len > 2) [bytes[0], bytes[1]] = [0x1f, 0x8b];
      decodesOrRefuses(bytes, `random #${i}`);
    }
    for (const name of ['cpu', 'heap', 'mutex'] as const) {
      const raw = zlib.gunzipSync(fs.readFileSync(profilePath(name)));
      for (let i = 0; i < 1500; i++) {
        const b = Uint8Array.from(raw);
        const flips = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < flips; k++) b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
        decodesOrRefuses(b, `${name} bit flip #${i}`);
      }
    }
  });
});
