/**
 * Buffers whose pages a thread of libuv's pool faults in by reading /dev/zero into them (see
 * warm.ts): zero-filled, of the lengths asked, handed out once the read is over.
 */
import * as assert from 'assert';
import { warmBuffers } from '../../../src/core/pprof/warm';

/** Page faults (of this process) while one byte of each 4 KB page of `b` (from byte `from` to `to`) is written. */
function faultsWriting(b: ArrayBuffer, from = 0, to = b.byteLength): number {
  const v = new Uint8Array(b);
  const before = process.resourceUsage().minorPageFault;
  for (let i = from; i < to; i += 4096) v[i] = 1;
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
    const [whole] = (await warmBuffers([mb])) ?? [];
    assert.strictEqual(whole.byteLength, mb);
    const warm = faultsWriting(whole);
    assert.ok(warm < 0.1 * pages, `${warm} faults writing the ${pages} pages of a warmed buffer`);
    // Fresh memory faults once a page when first written; the allocator may also hand out
    // memory it had (written already): then the part past the warmed quarter tells nothing.
    const fresh = faultsWriting(new ArrayBuffer(mb)) > 0.9 * pages;
    const [quarter] = (await warmBuffers([mb], 0.25)) ?? [];
    const v = new Uint8Array(quarter);
    for (let i = 0; i < mb; i += 4093) assert.strictEqual(v[i], 0, `byte ${i}`);
    const first = faultsWriting(quarter, 0, mb / 4);
    assert.ok(first < 0.1 * (pages / 4), `${first} faults writing the ${pages / 4} pages of the warmed quarter`);
    const rest = faultsWriting(quarter, mb / 4);
    if (fresh) assert.ok(rest > 0.9 * ((3 * pages) / 4), `${rest} faults writing the ${(3 * pages) / 4} pages past the warmed quarter`);
  });
});
