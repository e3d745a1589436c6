/** The measure line, benchmark lines and a run's metrics, on output captured in the lab. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MEASURE_MARKER, measuredCommand, parseBenchLines, parseMeasureLine, runMetrics, withoutMeasureLine } from '../../../src/core/gc/measure';
import { fixtures } from '../../support/paths';

const read = (name: string) => fs.readFileSync(path.join(fixtures, 'gc', name), 'utf8');

describe('gc measure', () => {
  it('wraps the command so the shell stays PID 1 and passes the arguments through untouched', () => {
    const cmd = measuredCommand(['/bin/prog', '-x', 'a b']);
    assert.deepStrictEqual(cmd.slice(0, 2), ['sh', '-c']);
    assert.deepStrictEqual(cmd.slice(3), ['golab-gc', '/bin/prog', '-x', 'a b']);
    assert.match(cmd[2], /memory\.max_usage_in_bytes/);
    assert.match(cmd[2], /memory\.peak/);
    assert.match(cmd[2], /exit \$code/);
  });

  it('keeps the exit status and always prints the line, whatever cgroup files the machine has', () => {
    const [sh, c, script, ...rest] = measuredCommand(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    const r = spawnSync(sh, [c, script, ...rest], { encoding: 'utf8' });
    assert.strictEqual(r.status, 3);
    assert.strictEqual(r.stdout, 'out\n');
    assert.match(r.stderr, /^err\n\ngolab-gc-measure: exit=3 /);
    const m = parseMeasureLine(r.stderr);
    assert.strictEqual(m?.exitCode, 3);
    assert.ok(m.wallNs === undefined || m.wallNs > 0);
  });

  it('parses the marker line of a cgroup v1 lab run, and of a v2 host with fields missing', () => {
    assert.deepStrictEqual(parseMeasureLine(read('lab-gogc100-1g.stderr.txt')), {
      exitCode: 0,
      peakBytes: 363995136,
      cpuNs: 283298621,
      oomKills: 0,
      wallNs: 538549153,
      cgroup: 'v1',
    });
    assert.deepStrictEqual(parseMeasureLine(`x\n${MEASURE_MARKER} exit=1 peak_bytes= cpu_ns=5000 oom_kills= wall_ns= cgroup=v2\n`), { exitCode: 1, cpuNs: 5000, cgroup: 'v2' });
    assert.strictEqual(parseMeasureLine('no marker here'), undefined);
  });

  it('counts the OOM kill of the Go process even though the shell exits on its own', () => {
    const stderr = read('lab-oom-128m.stderr.txt');
    const m = runMetrics({ stdout: '', stderr, exitCode: 137, oomKilled: false, durationMs: 500 });
    assert.strictEqual(m.oomKilled, true);
    assert.strictEqual(m.exitCode, 137);
    assert.strictEqual(m.peakBytes, 128 * 1024 * 1024);
    assert.ok(m.gcCycles! > 0);
  });

  it('turns a completed lab run into metrics: cgroup figures, gctrace, wall time of the program', () => {
    const stderr = read('lab-off-memlimit300-1g.stderr.txt');
    const m = runMetrics({ stdout: '', stderr, exitCode: 0, oomKilled: false, durationMs: 9999 });
    assert.strictEqual(m.oomKilled, false);
    assert.strictEqual(m.cpuMs, 277.759238);
    assert.strictEqual(m.wallMs, 319.221768);
    assert.strictEqual(m.peakBytes, 313917440);
    assert.strictEqual(m.gomaxprocs, 2);
    assert.strictEqual(m.nsPerOp, undefined);
    assert.ok(!withoutMeasureLine(stderr).includes(MEASURE_MARKER));
  });

  it('falls back to the container duration when the wrapper could not time the program', () => {
    const m = runMetrics({ stdout: '', stderr: 'boom\n', exitCode: 2, oomKilled: true, durationMs: 1234 });
    assert.deepStrictEqual(m, { wallMs: 1234, oomKilled: true, exitCode: 2, gcCycles: 0, gcPauseTotalMs: 0, gcPauseMaxMs: 0 });
  });

  it('parses go test -bench -benchmem lines (real host output) and sums several benchmarks', () => {
    const lines = parseBenchLines(read('host-bench.stdout.txt'));
    assert.deepStrictEqual(lines, [{ name: 'BenchmarkChurn', procs: 2, iterations: 7677, nsPerOp: 175825, bytesPerOp: 1048576, allocsPerOp: 32 }]);
    const two = 'BenchmarkA-4   \t  100\t  10.5 ns/op\t  16 B/op\t  1 allocs/op\nBenchmarkB   \t  50\t  20 ns/op\nok  \tx\t1s\n';
    assert.deepStrictEqual(parseBenchLines(two).map((b) => [b.name, b.procs, b.nsPerOp]), [
      ['BenchmarkA', 4, 10.5],
      ['BenchmarkB', undefined, 20],
    ]);
    // B/op is missing on one of them: no sum that would compare unlike things.
    const m = runMetrics({ stdout: two, stderr: '', exitCode: 0, oomKilled: false, durationMs: 1 });
    assert.strictEqual(m.nsPerOp, 30.5);
    assert.strictEqual(m.bytesPerOp, undefined);
    assert.strictEqual(m.gomaxprocs, 4);
  });
});
