/**
 * Fresh memory whose pages are faulted in on another thread. The first write to each 4 KB
 * page of a new array costs a page fault (2 to 3 µs on the benchmark machine): a flame tree
 * of 1.7M nodes writes 88 MB of new arrays, 22k faults, a tenth of its build. Reading
 * /dev/zero into a buffer makes the kernel fault its pages in on the thread of libuv's pool
 * that does the read, while this one goes on with other work.
 *
 * The buffers are handed out only once every read is over: nothing here writes to memory
 * this thread may be using. Where /dev/zero cannot be opened (Windows), there is nothing to
 * warm with and {@link warmBuffers} says so; a read that fails leaves a buffer as it was
 * (zero, its pages faulted on first write as usual).
 */
import * as fs from 'fs';

/** The most one read of /dev/zero is asked for (Linux reads at most 2 GB less a page at a time). */
const READ_MAX = 1 << 30;

/**
 * New zero-filled buffers of these byte lengths, the pages of the first `part` of each (all
 * by default) already in memory, once a thread of libuv's pool has read /dev/zero into them:
 * one read into them all (readv), so that one thread does it while this one is busy (the
 * callback of a read, to ask for the next, would wait for this thread), and one thread only
 * (the machine may have two cores). Pages past that part take memory only once written, as in
 * any fresh buffer. Undefined when that is not possible here.
 */
export function warmBuffers(sizes: readonly number[], part = 1): Promise<ArrayBuffer[]> | undefined {
  let fd: number;
  try {
    fd = fs.openSync('/dev/zero', 'r');
  } catch {
    return undefined;
  }
  const buffers = sizes.map((n) => new ArrayBuffer(n));
  const upTo = (k: number): number => Math.min(buffers[k].byteLength, Math.ceil(part * buffers[k].byteLength));
  return new Promise((resolve) => {
    // Views of what is left to read into, at most READ_MAX bytes a read.
    let b = 0;
    let at = 0;
    const next = (): void => {
      const views: Uint8Array[] = [];
      let asked = 0;
      for (let k = b, from = at; k < buffers.length && asked < READ_MAX; k++, from = 0) {
        const len = Math.min(upTo(k) - from, READ_MAX - asked);
        if (len > 0) views.push(new Uint8Array(buffers[k], from, len));
        asked += len;
      }
      if (views.length === 0) {
        fs.close(fd, () => resolve(buffers));
        return;
      }
      fs.readv(fd, views, null, (err, read) => {
        // A failed read: the rest is faulted in when first written, as fresh memory is.
        let left = err || read <= 0 ? Infinity : read;
        while (b < buffers.length && left > 0) {
          const step = Math.min(left, upTo(b) - at);
          left -= step;
          at += step;
          if (at >= upTo(b)) {
            b++;
            at = 0;
          }
        }
        next();
      });
    };
    next();
  });
}
