import * as assert from 'assert';
import * as zlib from 'zlib';
import type { FlameProfile } from '../../../src/shared/flame';
import { decodeFlameProfile, decodeFlameProfileAsync, encodeFlameProfile, FlameCodecError, packFlameProfile, validateTree } from '../../../src/shared/flameCodec';
import { smallProfile } from './fixtures';
import { randomProfile } from './synthetic';

function roundTrip(p: FlameProfile): FlameProfile {
  return decodeFlameProfile(JSON.parse(JSON.stringify(encodeFlameProfile(p))));
}

describe('flame codec', () => {
  it('round-trips a profile through JSON, typed arrays included', () => {
    const p = randomProfile({ nodes: 5000, seed: 2, diff: true });
    p.labels = ['handler=/cart'];
    p.baseTitle = 'base';
    const back = roundTrip(p);
    assert.deepStrictEqual(back, p);
    assert.ok(back.tree.parent instanceof Int32Array);
    assert.ok(back.tree.total[0] instanceof Float64Array);
  });

  it('round-trips a compressed profile (the CLI page\'s form) through JSON, read with DecompressionStream', async () => {
    const p = randomProfile({ nodes: 20_000, seed: 3, diff: true });
    p.tree.total[0][1] = NaN;
    const gzip = (b: Uint8Array): Uint8Array => zlib.gzipSync(b, { level: 1 });
    const encoded = encodeFlameProfile(p, gzip);
    assert.strictEqual(encoded.tree.parent.gzip, true);
    assert.strictEqual(encoded.tree.parent.delta, true, 'parents go as distances');
    assert.strictEqual(encoded.tree.func.delta, undefined);
    const json = JSON.stringify(encoded);
    assert.ok(json.length < JSON.stringify(encodeFlameProfile(p)).length, 'compressed is smaller');
    const back = await decodeFlameProfileAsync(JSON.parse(json));
    assert.deepStrictEqual(back, p);
    assert.ok(back.tree.parent instanceof Int32Array && back.tree.total[0] instanceof Float64Array);
    // The async reader takes uncompressed profiles too; the sync one says to use it.
    assert.deepStrictEqual(await decodeFlameProfileAsync(JSON.parse(JSON.stringify(encodeFlameProfile(p)))), p);
    assert.throws(() => decodeFlameProfile(JSON.parse(json)), /compressed: read the profile with decodeFlameProfileAsync/);
  });

  it('packs a profile for the panel (bytes, compressed on another thread) that reads back after a structured clone', async () => {
    const p = randomProfile({ nodes: 20_000, seed: 4, diff: true });
    const packed = await packFlameProfile(p, (b) => new Promise((resolve, reject) => zlib.gzip(b, { level: 1 }, (e, z) => (e ? reject(e) : resolve(z)))));
    for (const a of [packed.tree.parent, packed.tree.func, ...packed.tree.total, ...(packed.tree.baseTotal ?? [])]) {
      assert.ok(a.bytes instanceof Uint8Array && a.gzip === true && a.base64 === undefined);
      assert.strictEqual(Object.getPrototypeOf(a.bytes), Uint8Array.prototype, 'a plain Uint8Array, not a Buffer (whose toJSON would turn it into numbers)');
      assert.strictEqual(a.bytes.byteLength, a.bytes.buffer.byteLength, 'each in a buffer of its own');
    }
    // What a webview message does to it.
    assert.deepStrictEqual(await decodeFlameProfileAsync(structuredClone(packed)), p);
  });

  it('says a compressed array is corrupt or of the wrong length, and checks the inflated tree', async () => {
    const p = smallProfile();
    const gzip = (b: Uint8Array): Uint8Array => zlib.gzipSync(b);
    const good = (): Record<string, unknown> & { tree: Record<string, unknown> } => JSON.parse(JSON.stringify(encodeFlameProfile(p, gzip))) as Record<string, unknown> & { tree: Record<string, unknown> };
    const fails = async (v: unknown, re: RegExp): Promise<void> => {
      await assert.rejects(decodeFlameProfileAsync(v), (e: unknown) => e instanceof FlameCodecError && re.test(e.message));
    };
    const truncated = good();
    const b64 = (truncated.tree.func as { base64: string }).base64;
    truncated.tree.func = { kind: 'i32', gzip: true, base64: Buffer.from(b64, 'base64').subarray(0, 12).toString('base64') };
    await fails(truncated, /tree.func: the compressed data is corrupt/);
    const odd = good();
    odd.tree.line = { kind: 'i32', gzip: true, base64: zlib.gzipSync(Buffer.from([1, 2, 3])).toString('base64') };
    await fails(odd, /tree.line: 3 bytes is not a whole number of i32 values/);
    const shifted = good();
    const parents = Int32Array.from(p.tree.parent, (x, i) => i - x);
    parents[2] = 0; // node 2 its own parent
    shifted.tree.parent = { kind: 'i32', gzip: true, delta: true, base64: zlib.gzipSync(Buffer.from(parents.buffer)).toString('base64') };
    await fails(shifted, /node 2: parent 2 does not precede it/);
  });

  it('keeps non-integer, huge and special float values exactly', () => {
    const p = smallProfile();
    p.tree.total[0][0] = 1e300;
    p.tree.total[0][1] = 0.1 + 0.2;
    p.tree.total[0][2] = NaN;
    p.tree.total[0][3] = -0;
    const back = roundTrip(p).tree;
    assert.strictEqual(back.total[0][0], 1e300);
    assert.strictEqual(back.total[0][1], 0.1 + 0.2);
    assert.ok(Number.isNaN(back.total[0][2]));
    assert.ok(Object.is(back.total[0][3], -0));
  });

  it('accepts arrays that lost their type on the way (number arrays, index-keyed objects)', () => {
    const p = smallProfile();
    const loose = {
      ...p,
      tree: {
        ...p.tree,
        parent: [...p.tree.parent],
        func: Object.fromEntries([...p.tree.func].map((v, i) => [String(i), v])),
        total: p.tree.total.map((a) => [...a]),
      },
    };
    assert.deepStrictEqual(decodeFlameProfile(loose), p);
    // Typed arrays as they are (a structured clone) pass through.
    assert.deepStrictEqual(decodeFlameProfile(p), p);
  });

  it('says what is wrong with a broken profile', () => {
    const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(encodeFlameProfile(smallProfile()))) as Record<string, unknown>;
    const fails = (v: unknown, re: RegExp): void => {
      assert.throws(() => decodeFlameProfile(v), (e: unknown) => e instanceof FlameCodecError && re.test(e.message));
    };
    fails(null, /not an object/);
    fails({ ...good(), sampleTypes: [] }, /no sample types/);
    fails({ ...good(), golabFlame: 99 }, /format 99/);
    fails({ ...good(), tree: { ...(good().tree as object), parent: { kind: 'i32', base64: '%%%' } } }, /base64/);
    fails({ ...good(), tree: { ...(good().tree as object), parent: { kind: 'f64', base64: '' } } }, /expected i32/);
    fails({ ...good(), tree: { ...(good().tree as object), size: [7, 1] } }, /size has 2 entries/);
    fails({ ...good(), tree: { ...(good().tree as object), total: [] } }, /0 entries for 1 sample types/);
    fails({ ...good(), functions: [] }, /not in the function table/);
  });

  it('rejects trees that are not preorder with consistent sizes', () => {
    const bad = (edit: (p: FlameProfile) => void, re: RegExp): void => {
      const p = smallProfile();
      edit(p);
      assert.throws(() => validateTree(p.tree, p.functions.length), re);
    };
    bad((p) => (p.tree.parent[0] = 0), /root/);
    bad((p) => (p.tree.parent[2] = 3), /does not precede/);
    bad((p) => (p.tree.depth[2] = 5), /depth/);
    bad((p) => (p.tree.size[1] = 1), /not 1 \+ its children's|overflows/);
    bad((p) => (p.tree.size[2] = 40), /overflows/);
  });
});
