/**
 * Probe definitions and the stats built from real trace_pipe lines (captured from the workload
 * in test/fixtures/probes: work() x3, sleepy(5ms) x2; the second sleepy returned on another
 * thread than it entered, which keying on the goroutine handles).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { MAX_SAMPLES, parseLostLine, parseTraceLine, percentile, probePoints, StatsAccumulator, uprobeDefinitions } from '../../../src/core/probes/events';
import { formatInline, formatNs, formatTable } from '../../../src/core/probes/format';
import { packPatterns } from '../../../src/core/probes/packs';
import type { ProbeTarget } from '../../../src/core/probes/symbols';
import { fixtures } from '../../support/paths';

const targets: ProbeTarget[] = [
  { name: 'main.work', address: 0x4b9000, entry: 0x4b9000, returns: [0x4b900a, 0x4b9015] },
  { name: 'main.sleepy', address: 0x4b9020, entry: 0x4b9026, returns: [0x4b9038] },
];
const offset = (v: number) => v - 0x400000;
const lines = fs.readFileSync(path.join(fixtures, 'probes', 'trace-pipe-workload.txt'), 'utf8').split('\n');

describe('probes: uprobe definitions and trace parsing', () => {
  it('defines an entry and one probe per RET, never a return probe (r:)', () => {
    const points = probePoints(targets, offset);
    assert.deepStrictEqual(uprobeDefinitions('golab_1_1', '/bin/w', points), [
      'p:golab_1_1/f0_e /bin/w:0xb9000 g=%r14:u64 sp=%sp:u64 hi=+8(%r14):u64',
      'p:golab_1_1/f0_r0 /bin/w:0xb900a g=%r14:u64 sp=%sp:u64 hi=+8(%r14):u64',
      'p:golab_1_1/f0_r1 /bin/w:0xb9015 g=%r14:u64 sp=%sp:u64 hi=+8(%r14):u64',
      'p:golab_1_1/f1_e /bin/w:0xb9026 g=%r14:u64 sp=%sp:u64 hi=+8(%r14):u64',
      'p:golab_1_1/f1_r0 /bin/w:0xb9038 g=%r14:u64 sp=%sp:u64 hi=+8(%r14):u64',
    ]);
  });

  it('parses a trace line with its thread, process, goroutine and stack depth', () => {
    const hit = parseTraceLine(lines[4]);
    assert.deepStrictEqual(hit, { pid: 16126, tgid: 16123, time: 16338.350752, event: 'f1_r0', g: 65818021601760n, depth: 368n });
    assert.strictEqual(parseTraceLine('CPU:1 [LOST 12 EVENTS]'), undefined);
    assert.strictEqual(parseLostLine('CPU:1 [LOST 12 EVENTS]'), 12);
    assert.strictEqual(parseLostLine(lines[0]), 0);
  });

  it('counts calls exactly and times a return seen on another thread', () => {
    // The capture probed work's entry only (f0_e) and sleepy's entry and RET.
    const acc = new StatsAccumulator(['main.work', 'main.sleepy'], probePoints(targets, offset));
    for (const l of lines) {
      const hit = parseTraceLine(l);
      if (hit) acc.add(hit);
    }
    const [work, sleepy] = acc.snapshot(1000);
    assert.strictEqual(work.calls, 3);
    assert.strictEqual(work.measured, 0);
    assert.deepStrictEqual({ calls: sleepy.calls, measured: sleepy.measured, p50: sleepy.p50Ns, max: sleepy.maxNs }, { calls: 2, measured: 2, p50: 5167000, max: 5554000 });
  });

  it('counts a hit whatever its TGID column says (the kernel filtered by process; the column can be stale)', () => {
    // The column comes from a cache by thread id, filled at the thread's next context switch:
    // a new thread can show the TGID of an earlier process that had the same thread id.
    const acc = new StatsAccumulator(['f'], probePoints([targets[0]], offset));
    acc.add({ pid: 7, tgid: 999, time: 1, event: 'f0_e', g: 1n, depth: 1n });
    assert.strictEqual(acc.snapshot(1000)[0].calls, 1);
  });

  it('keys recursion per frame (stack depth) and ignores returns whose entry it never saw', () => {
    const acc = new StatsAccumulator(['f'], probePoints([targets[0]], offset));
    const hit = (time: number, event: string, depth: bigint) => acc.add({ pid: 1, tgid: 1, time, event, g: 7n, depth });
    hit(0.5, 'f0_r0', 100n); // entered before attaching
    hit(1, 'f0_e', 100n);
    hit(2, 'f0_e', 200n); // recursive call, deeper
    hit(2.5, 'f0_r1', 200n);
    hit(4, 'f0_r0', 100n);
    const [f] = acc.snapshot(1000);
    assert.deepStrictEqual([f.calls, f.measured, f.p50Ns, f.maxNs], [2, 2, 5e8, 3e9]);
  });

  it('computes nearest-rank percentiles and a per-interval rate', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepStrictEqual([50, 90, 99, 100].map((p) => percentile(sorted, p)), [50, 90, 99, 100]);
    assert.strictEqual(percentile([], 50), 0);
    const acc = new StatsAccumulator(['f'], probePoints([targets[0]], offset));
    acc.snapshot(1000);
    for (let i = 0; i < 30; i++) acc.add({ pid: 1, tgid: 1, time: i, event: 'f0_e', g: BigInt(i), depth: 1n });
    assert.strictEqual(acc.snapshot(3000)[0].rate, 15);
    assert.ok(MAX_SAMPLES >= 100_000);
  });

  it('renders a table and the inline annotation', () => {
    const s = { name: 'main.work', calls: 1204, rate: 3100, measured: 1204, p50Ns: 1200, p90Ns: 900_000, p99Ns: 1_800_000, maxNs: 2.5e9 };
    assert.strictEqual(formatInline(s), '1,204 calls · 3.1k/s · p99 1.8 ms');
    assert.deepStrictEqual([formatNs(12), formatNs(740_000), formatNs(2.5e9)], ['12 ns', '740 µs', '2.50 s']);
    assert.strictEqual(
      formatTable([s, { ...s, name: 'main.idle', calls: 0, rate: 0, measured: 0 }]),
      'FUNCTION   CALLS    RATE     P50     P90     P99     MAX\n' +
        'main.work  1,204  3.1k/s  1.2 µs  900 µs  1.8 ms  2.50 s\n' +
        'main.idle      0     0/s       -       -       -       -\n',
    );
  });
});

describe('probes: packs', () => {
  it('expands pack names to patterns and names the packs on a typo', () => {
    assert.deepStrictEqual(packPatterns(['gc', 'mutex']), ['runtime\\.gcStart', '(internal/)?sync\\.\\(\\*Mutex\\)\\.lockSlow']);
    assert.ok(new RegExp(`^(?:${packPatterns(['mutex'])[0]})$`).test('internal/sync.(*Mutex).lockSlow'));
    assert.ok(new RegExp(`^(?:${packPatterns(['mutex'])[0]})$`).test('sync.(*Mutex).lockSlow'));
    assert.throws(() => packPatterns(['gcc']), /unknown probe pack "gcc"; packs: goroutines, gc, mutex, chan/);
  });
});
