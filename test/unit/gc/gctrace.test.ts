/** gctrace parsing on real traces captured from Go 1.26 on the host and in the lab container. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseGcTrace, parseGcTraceLine } from '../../../src/core/gc/gctrace';
import { fixtures } from '../../support/paths';

const gcFixtures = path.join(fixtures, 'gc');
const read = (name: string) => fs.readFileSync(path.join(gcFixtures, name), 'utf8');

describe('gctrace parser', () => {
  it('reads every field of a Go 1.26 line', () => {
    const c = parseGcTraceLine('gc 12 @0.412s 3%: 0.018+1.2+0.021 ms clock, 0.072+0.4/1.1/0+0.084 ms cpu, 4->4->2 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 4 P');
    assert.deepStrictEqual(c, {
      n: 12,
      atSec: 0.412,
      cpuPercent: 3,
      clockMs: [0.018, 1.2, 0.021],
      pauseMs: 0.018 + 0.021,
      heapStartMB: 4,
      heapEndMB: 4,
      heapLiveMB: 2,
      goalMB: 5,
      stacksMB: 0,
      globalsMB: 0,
      procs: 4,
      forced: false,
    });
  });

  it('reads the older format without stacks and globals', () => {
    // The format of Go 1.17 and before (runtime/mgc.go of that era); no such Go is on this machine.
    const c = parseGcTraceLine('gc 1 @0.012s 2%: 0.011+1.0+0.004 ms clock, 0.046+0.43/0.97/0.35+0.016 ms cpu, 4->4->0 MB, 5 MB goal, 8 P');
    assert.ok(c);
    assert.strictEqual(c.procs, 8);
    assert.strictEqual(c.goalMB, 5);
    assert.strictEqual(c.stacksMB, undefined);
    assert.strictEqual(c.globalsMB, undefined);
  });

  it('ignores other lines, and finds a line behind program output without a newline', () => {
    assert.strictEqual(parseGcTraceLine('PASS'), undefined);
    assert.strictEqual(parseGcTraceLine('gc is fun'), undefined);
    const c = parseGcTraceLine('progress 50%gc 3 @1.000s 1%: 0.1+0.2+0.3 ms clock, 0.1+0/0/0+0.3 ms cpu, 1->1->1 MB, 2 MB goal, 0 MB stacks, 0 MB globals, 2 P');
    assert.strictEqual(c?.n, 3);
  });

  it('marks forced cycles (runtime.GC) in a real host trace', () => {
    const t = parseGcTrace(read('host-forced.gctrace.txt'));
    assert.strictEqual(t.count, 6);
    assert.deepStrictEqual(t.cycles.map((c) => c.forced), [false, true, false, true, false, true]);
    assert.strictEqual(t.gomaxprocs, 2);
    assert.strictEqual(t.cpuFraction, 0.01);
  });

  it('sums stop-the-world pauses and takes the last GC CPU figure of a real host trace', () => {
    const text = read('host-test-gogc100.gctrace.txt');
    const t = parseGcTrace(text);
    const lines = text.split('\n').filter((l) => l.startsWith('gc '));
    assert.strictEqual(t.cycles.length, lines.length);
    assert.ok(t.count >= 5, `only ${t.count} cycles`);
    const expected = lines.reduce((s, l) => {
      const [a, , c] = /: (\S+) ms clock/.exec(l)![1].split('+').map(Number);
      return s + a + c;
    }, 0);
    assert.ok(Math.abs(t.pauseTotalMs - expected) < 1e-6);
    assert.strictEqual(t.pauseMaxMs, Math.max(...t.cycles.map((c) => c.pauseMs)));
    assert.strictEqual(t.cpuFraction, t.cycles.at(-1)!.cpuPercent / 100);
    // The workload keeps 150 MiB live: the marked heap of a late cycle shows it.
    assert.ok(Math.max(...t.cycles.map((c) => c.heapLiveMB)) >= 150);
  });

  it('sees GOMEMLIMIT hold the heap goal under its limit in real traces (GOGC=off, 300MiB; lab and host)', () => {
    for (const file of ['lab-off-memlimit300-1g.stderr.txt', 'host-test-off-memlimit300.gctrace.txt']) {
      const t = parseGcTrace(read(file));
      assert.ok(t.count > 0, file);
      for (const c of t.cycles) assert.ok(c.goalMB <= 300, `${file}: goal ${c.goalMB} MB over the limit`);
    }
  });

  it('sees GOGC=50 keep each goal at 1.5x the marked heap in a real host trace', () => {
    const t = parseGcTrace(read('host-main-gogc50.gctrace.txt'));
    assert.ok(t.count >= 10);
    // goal = live x (1 + GOGC/100) (plus stacks and globals, 0 MB here; MB figures are rounded).
    for (let i = 1; i < t.cycles.length; i++) {
      const expected = t.cycles[i - 1].heapLiveMB * 1.5;
      assert.ok(Math.abs(t.cycles[i].goalMB - expected) <= 2 + expected * 0.05, `cycle ${t.cycles[i].n}: goal ${t.cycles[i].goalMB} vs ${expected}`);
    }
  });

  it('reads the cycles before an OOM kill in the lab, and nothing at all without a GC', () => {
    const t = parseGcTrace(read('lab-oom-128m.stderr.txt'));
    assert.ok(t.count >= 3);
    assert.ok(t.maxHeapMB! <= 128);
    assert.deepStrictEqual(parseGcTrace('PASS\n'), { cycles: [], count: 0, pauseTotalMs: 0, pauseMaxMs: 0 });
  });

  it('parses every line of the captured benchmark trace', () => {
    const text = read('host-bench.gctrace.txt');
    const t = parseGcTrace(text);
    assert.strictEqual(t.cycles.length, text.split('\n').filter((l) => /^gc \d+ @/.test(l)).length);
    assert.ok(t.cycles.every((c, i) => i === 0 || c.n === t.cycles[i - 1].n + 1));
  });
});
