/**
 * Measuring one run of a GC sweep: a shell wrapper that runs the target and, once it has
 * exited, prints what the container's cgroup accounted (peak memory, CPU time, OOM kills) on
 * one marker line to stderr; the parser of that line; the parser of `go test -bench` result
 * lines; and the assembly of all of it (plus gctrace) into a run's metrics.
 *
 * Why a wrapper and not the daemon's stats API: the container is gone (or about to be) when
 * the program ends, and the stats stream samples once a second, missing short peaks. The
 * cgroup's own high-water mark is exact, and only readable from inside before the exit.
 */
import type { GcRunMetrics } from '../../shared/gc';
import type { LabRunResult } from '../lab/types';
import { parseGcTrace } from './gctrace';

/** Start of the marker line; chosen so no Go program or gctrace line prints it by chance. */
export const MEASURE_MARKER = 'golab-gc-measure:';

/**
 * The wrapper script. The shell stays PID 1 and runs the target as a child, so when the
 * kernel's OOM killer stops the Go process (the largest in the cgroup) the shell survives to
 * read the counters. cgroup v1 (Docker 20.10 on older hosts) and v2 (`memory.peak`, kernel
 * 5.19+; `cpu.stat`) are both read; whatever is missing is left out of the line. Only shell
 * builtins plus `cat` and `date`, which every lab image has.
 */
const SCRIPT = [
  't0=$(date +%s%N 2>/dev/null)',
  '"$@"',
  'code=$?',
  't1=$(date +%s%N 2>/dev/null)',
  'peak= cpu= oom= cg=',
  'rd() { [ -r "$1" ] && cat "$1" 2>/dev/null; }',
  // v1: the memory and cpuacct controllers are mounted as the container's own cgroup.
  'if [ -r /sys/fs/cgroup/memory/memory.max_usage_in_bytes ]; then cg=v1',
  '  peak=$(rd /sys/fs/cgroup/memory/memory.max_usage_in_bytes)',
  '  while read -r k v; do [ "$k" = oom_kill ] && oom=$v; done < /sys/fs/cgroup/memory/memory.oom_control',
  '  for d in /sys/fs/cgroup/cpuacct /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup/cpuacct,cpu; do [ -r $d/cpuacct.usage ] && { cpu=$(rd $d/cpuacct.usage); break; }; done',
  'elif [ -r /sys/fs/cgroup/cgroup.controllers ]; then cg=v2',
  '  peak=$(rd /sys/fs/cgroup/memory.peak)',
  '  [ -r /sys/fs/cgroup/memory.events ] && while read -r k v; do [ "$k" = oom_kill ] && oom=$v; done < /sys/fs/cgroup/memory.events',
  '  [ -r /sys/fs/cgroup/cpu.stat ] && while read -r k v; do [ "$k" = usage_usec ] && cpu=${v}000; done < /sys/fs/cgroup/cpu.stat',
  'fi',
  // busybox date prints no %N: arithmetic on its output would abort the shell before the line.
  'case "$t0$t1" in "" | *[!0-9]*) wall= ;; *) wall=$((t1 - t0)) ;; esac',
  // The leading newline: the program's last stderr line may lack one.
  `printf '\\n${MEASURE_MARKER} exit=%s peak_bytes=%s cpu_ns=%s oom_kills=%s wall_ns=%s cgroup=%s\\n' "$code" "$peak" "$cpu" "$oom" "$wall" "$cg" >&2`,
  'exit $code',
].join('\n');

/** `cmd` wrapped so the run ends with the measure line on stderr (exit status preserved). */
export function measuredCommand(cmd: readonly string[]): string[] {
  return ['sh', '-c', SCRIPT, 'golab-gc', ...cmd];
}

/** What the wrapper read from the cgroup. Absent fields were not readable there. */
export interface CgroupMeasure {
  /** Exit status of the target as the wrapper saw it. */
  exitCode?: number;
  /** cgroup high-water mark of memory use (v1 memory.max_usage_in_bytes, v2 memory.peak). */
  peakBytes?: number;
  /** CPU time (user + system) of the whole cgroup, ns (v1 cpuacct.usage, v2 cpu.stat usage_usec). */
  cpuNs?: number;
  /** OOM kills in the cgroup (v1 memory.oom_control oom_kill, v2 memory.events oom_kill). */
  oomKills?: number;
  /** Wall time of the target alone (no container start), ns. */
  wallNs?: number;
  cgroup?: 'v1' | 'v2';
}

/** The last measure line in `text` (a run's stderr), or undefined when there is none. */
export function parseMeasureLine(text: string): CgroupMeasure | undefined {
  const at = text.lastIndexOf(MEASURE_MARKER);
  if (at < 0) return undefined;
  const line = text.slice(at + MEASURE_MARKER.length).split('\n', 1)[0];
  const fields = new Map<string, string>();
  for (const kv of line.trim().split(/\s+/)) {
    const eq = kv.indexOf('=');
    if (eq > 0) fields.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  const num = (k: string): number | undefined => {
    const v = fields.get(k);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const cg = fields.get('cgroup');
  const out: CgroupMeasure = {};
  const set = <K extends keyof CgroupMeasure>(k: K, v: CgroupMeasure[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('exitCode', num('exit'));
  set('peakBytes', num('peak_bytes'));
  set('cpuNs', num('cpu_ns'));
  set('oomKills', num('oom_kills'));
  set('wallNs', num('wall_ns'));
  set('cgroup', cg === 'v1' || cg === 'v2' ? cg : undefined);
  return out;
}

/** `text` without measure lines (to show the program's own stderr). */
export function withoutMeasureLine(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith(MEASURE_MARKER))
    .join('\n')
    .replace(/\n+$/, '\n');
}

/** One `go test -bench` result line. */
export interface BenchLine {
  /** `BenchmarkChurn` (without the `-N` GOMAXPROCS suffix). */
  name: string;
  procs?: number;
  iterations: number;
  nsPerOp: number;
  bytesPerOp?: number;
  allocsPerOp?: number;
}

const BENCH = /^(Benchmark\S*?)(?:-(\d+))?\s+(\d+)\s+(\d+(?:\.\d+)?) ns\/op(.*)$/;

/** The benchmark result lines of `go test -bench` output (with -benchmem's B/op and allocs/op). */
export function parseBenchLines(text: string): BenchLine[] {
  const out: BenchLine[] = [];
  for (const line of text.split('\n')) {
    const m = BENCH.exec(line.trim());
    if (!m) continue;
    const rest = m[5];
    const b = /(\d+(?:\.\d+)?) B\/op/.exec(rest);
    const a = /(\d+(?:\.\d+)?) allocs\/op/.exec(rest);
    out.push({
      name: m[1],
      ...(m[2] ? { procs: Number(m[2]) } : {}),
      iterations: Number(m[3]),
      nsPerOp: Number(m[4]),
      ...(b ? { bytesPerOp: Number(b[1]) } : {}),
      ...(a ? { allocsPerOp: Number(a[1]) } : {}),
    });
  }
  return out;
}

/**
 * A run's metrics from its lab result: the cgroup figures of the measure line, gctrace from
 * stderr, benchmark figures from stdout. With several benchmarks matched, their per-op figures
 * are summed (the cost of one op of each), so a configuration still has one number to compare.
 * OOM is the daemon's verdict or an OOM kill the cgroup counted: with the shell as PID 1 the
 * container itself may exit normally after its child was killed.
 */
export function runMetrics(lab: Pick<LabRunResult, 'stdout' | 'stderr' | 'exitCode' | 'oomKilled' | 'durationMs'>): GcRunMetrics {
  const m = parseMeasureLine(lab.stderr) ?? {};
  const gc = parseGcTrace(lab.stderr);
  const bench = parseBenchLines(lab.stdout);
  const sum = (f: (b: BenchLine) => number | undefined): number | undefined => {
    const vals = bench.map(f);
    return vals.length > 0 && vals.every((v) => v !== undefined) ? (vals as number[]).reduce((a, b) => a + b, 0) : undefined;
  };
  const out: GcRunMetrics = {
    wallMs: m.wallNs !== undefined ? m.wallNs / 1e6 : lab.durationMs,
    oomKilled: lab.oomKilled || (m.oomKills ?? 0) > 0,
    exitCode: m.exitCode ?? lab.exitCode,
  };
  if (m.cpuNs !== undefined) out.cpuMs = m.cpuNs / 1e6;
  if (m.peakBytes !== undefined) out.peakBytes = m.peakBytes;
  out.gcCycles = gc.count;
  out.gcPauseTotalMs = gc.pauseTotalMs;
  out.gcPauseMaxMs = gc.pauseMaxMs;
  if (gc.cpuFraction !== undefined) out.gcCpuFraction = gc.cpuFraction;
  if (gc.gomaxprocs !== undefined) out.gomaxprocs = gc.gomaxprocs;
  const ns = sum((b) => b.nsPerOp);
  const bytes = sum((b) => b.bytesPerOp);
  const allocs = sum((b) => b.allocsPerOp);
  if (ns !== undefined) out.nsPerOp = ns;
  if (bytes !== undefined) out.bytesPerOp = bytes;
  if (allocs !== undefined) out.allocsPerOp = allocs;
  // GOGC=off never collects, so gctrace is silent; still say GOMAXPROCS when a benchmark name carries it.
  if (out.gomaxprocs === undefined && bench[0]?.procs !== undefined) out.gomaxprocs = bench[0].procs;
  return out;
}
