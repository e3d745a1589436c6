/**
 * Buffers whose pages a thread of libuv's pool faults in by reading /dev/zero into them (see
 * warm.ts): zero-filled, of the lengths asked, handed out once the read is over.
 */
import * as assert from 'assert';
import { warmBuffers } from '../../../src/core/pprof/warm';

/** Page faults (of this process) while one byte of each 4 KB page of `b` is written. */
function faultsWriting(b: ArrayBuffer): number {
  const v = new Uint8Array(b);
  const before = process.resourceUsage().minorPageFault;
  for (let i = 0; i < v.length; i += 4096) v[i] = 1;
  return process.resourceUsage().minorPageFault - before;
}

describe('warmBuffers', () => {
  it('gives zero-filled buffers of the lengths asked, empty ones included', async () => {
    const sizes = [0, 1, 4095, 4096, 4097, 3 << 20];
    const warm = warmBuffers(sizes);
    assert.ok(warm, 'this machine has /dev/zero: warmBuffers must not give up');
    const buffers = await warm;
    assert.deepStrictEqual(
      buffers.map((b) => b.byteLength),
      sizes,
    );
    for (const b of buffers) assert.ok(new Uint8Array(b).every((x) => x === 0), `a buffer of ${b.byteLength} bytes holds zeros`);
  });

  it('has the pages in memory when the buffers are handed out, and only those of the part asked', async () => {
    const mb = 64 << 20;
    const pages = mb / 4096;
    // Fresh memory: a fault a page when first written.
    const cold = faultsWriting(new ArrayBuffer(mb));
    assert.ok(cold > 0.9 * pages, `${cold} faults writing ${pages} fresh pages`);
    const [whole] = (await warmBuffers([mb])) ?? [];
    assert.strictEqual(whole.byteLength, mb);
    const warm = faultsWriting(whole);
    assert.ok(warm < 0.1 * pages, `${warm} faults writing the ${pages} pages of a warmed buffer`);
    const [quarter] = (await warmBuffers([mb], 0.25)) ?? [];
    const v = new Uint8Array(quarter);
    for (let i = 0; i < mb; i += 4093) assert.strictEqual(v[i], 0, `byte ${i}`);
    const rest = faultsWriting(quarter);
    assert.ok(rest > 0.65 * pages && rest < 0.85 * pages, `${rest} faults writing the ${pages} pages of a buffer warmed a quarter`);
  });
});
